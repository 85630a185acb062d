// A kubelet for one node whose "containers" are local processes. For every pod bound to the node it gives the pod
// its own loopback address (127.0.0.x, x >= 2, reused only after the pod is gone), starts each container's
// command + args (mapped through `commandMap` / `imageMap`, since there are no images here) with the container's
// env (plain values, downward API, ConfigMap / Secret refs, envFrom, $(VAR) expansion), runs startup / readiness /
// liveness probes (httpGet, tcpSocket, exec), restarts exited containers per restartPolicy with CrashLoopBackOff,
// reports container statuses, phase, IPs and conditions as a kubelet does, and on deletion sends SIGTERM, then
// SIGKILL after the grace period, and removes the pod (delete with grace 0). Each container incarnation logs to
// its own file.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { constants as osConstants, tmpdir } from 'node:os';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Logger } from '../../../util/log.js';
import { type KObj, KubeError, RawKube, Reflector } from './client.js';
import type { Reaper } from '../../reaper.js';

export interface BackoffSettings {
  /** First CrashLoopBackOff delay (kubelet: 10 s); the first restart is immediate, later ones double. */
  initialMs: number;
  /** Cap (kubelet: 300 s). */
  maxMs: number;
  /** A container that ran this long resets its back-off (kubelet: 10 min). */
  resetAfterMs: number;
}

export interface KubeletOptions {
  nodeName: string;
  /** Executable name (argv[0], or its basename) -> the argv prefix to run instead. */
  commandMap: Record<string, string[]>;
  /** Image (exact, or name without tag / digest / registry) -> entrypoint argv, for containers without `command`. */
  imageMap: Record<string, string[]>;
  /** Extra environment for every container. */
  env: Record<string, string>;
  logDir: string;
  backoff: BackoffSettings;
  /** First three octets of pod IPs (default 127.0.0). */
  ipPrefix: string;
  ipFirst: number;
  ipLast: number;
  hostIP: string;
  log: Logger;
  reaper: Reaper;
  /** Give each pod a token of its ServiceAccount (see PodRunnerOptions.serviceAccountTokens). */
  serviceAccountTokens?: boolean;
  /** Lifetime the kubelet asks for (its projected volumes ask 3607 s); refreshed at 80 %. */
  tokenExpirationSeconds?: number;
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const metaTime = (ms = Date.now()) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** Go's time.Duration.String() for the back-off message ("10s", "1m20s", "200ms"). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalS = ms / 1000;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = +(totalS % 60).toFixed(3);
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

/** Pod IPs. Addresses are leased machine-wide with a lock file per address (<tmp>/schedulerha-pod-ips/<ip>,
 * holding the owner's pid; a dead owner's lease is taken over), so runners in different processes (parallel test
 * files, a devstack next to a test) never hand out the same address. */
class IpPool {
  private readonly used = new Set<number>();
  private next: number;
  private readonly dir = join(tmpdir(), 'schedulerha-pod-ips');
  constructor(
    private readonly prefix: string,
    private readonly first: number,
    private readonly last: number,
  ) {
    this.next = first;
    mkdirSync(this.dir, { recursive: true, mode: 0o1777 });
  }

  private lease(ip: string): boolean {
    const f = join(this.dir, ip);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(f, `${process.pid}\n`, { flag: 'wx' });
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return false;
        let owner = 0;
        try {
          owner = Number(readFileSync(f, 'utf8').trim());
        } catch {
          continue; // released meanwhile: try again
        }
        if (owner === process.pid || pidAlive(owner)) return false;
        try {
          unlinkSync(f); // the owner died without releasing it
        } catch {
          /* someone else took it over */
        }
      }
    }
    return false;
  }

  /** Round-robin over the free addresses, so a just-released address is reused as late as possible. */
  allocate(): string {
    const n = this.last - this.first + 1;
    for (let i = 0; i < n; i++) {
      const x = this.first + ((this.next - this.first + i) % n);
      if (this.used.has(x)) continue;
      const ip = `${this.prefix}.${x}`;
      if (!this.lease(ip)) continue;
      this.used.add(x);
      this.next = x + 1 > this.last ? this.first : x + 1;
      return ip;
    }
    throw new Error(`no free pod IP in ${this.prefix}.${this.first}-${this.last}`);
  }

  release(ip: string): void {
    const x = Number(ip.split('.').pop());
    if (!this.used.delete(x)) return;
    try {
      unlinkSync(join(this.dir, ip));
    } catch {
      /* already gone */
    }
  }

  releaseAll(): void {
    for (const x of [...this.used]) this.release(`${this.prefix}.${x}`);
  }
}

function pidAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

type ContainerState = { waiting: { reason: string; message?: string } } | { running: { startedAt: string } } | { terminated: Obj };

interface ProbeState {
  timer?: NodeJS.Timeout;
  successes: number;
  failures: number;
}

class Container {
  proc: ChildProcess | undefined;
  pgid = 0;
  restartCount = 0;
  state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  lastState: ContainerState | undefined;
  ready = false;
  started = false;
  startedAtMs = 0;
  backoffSteps = 0;
  backoffTimer: NodeJS.Timeout | undefined;
  exited: Promise<void> = Promise.resolve();
  probes: Record<'startup' | 'readiness' | 'liveness', ProbeState> = { startup: { successes: 0, failures: 0 }, readiness: { successes: 0, failures: 0 }, liveness: { successes: 0, failures: 0 } };
  killingForRestart = false;
  constructor(readonly spec: Obj) {}
  get name(): string {
    return this.spec.name as string;
  }
  stopProbes(): void {
    for (const p of Object.values(this.probes)) {
      clearTimeout(p.timer);
      p.timer = undefined;
      p.successes = 0;
      p.failures = 0;
    }
  }
}

class PodWorker {
  pod: KObj;
  ip: string | undefined;
  readonly containers: Container[];
  private terminating = false;
  private killDeadline = 0;
  private killTimer: NodeJS.Timeout | undefined;
  private startTime: string | undefined;
  private writing = false;
  private dirty = false;
  private lastWritten = '';
  private done = false;
  finished: Promise<void>;
  private resolveFinished!: () => void;
  private readonly sandbox: string;
  private envCache: Record<string, string> | undefined;
  /** The projected service-account token: the kubeconfig path once written (undefined: no automount). */
  private saMount: Promise<string | undefined> | undefined;
  private saRefresh: NodeJS.Timeout | undefined;

  constructor(
    pod: KObj,
    private readonly k: Kubelet,
  ) {
    this.pod = pod;
    this.containers = ((pod.spec?.containers ?? []) as Obj[]).map((c) => new Container(c));
    this.finished = new Promise((r) => (this.resolveFinished = r));
    this.sandbox = join(k.opts.logDir, this.podDirName(), 'sandbox');
  }

  get uid(): string {
    return this.pod.metadata.uid!;
  }

  podDirName(): string {
    return `${this.pod.metadata.namespace}_${this.pod.metadata.name}_${this.pod.metadata.uid}`;
  }

  logPath(container: string, restart: number): string {
    return join(this.k.opts.logDir, this.podDirName(), container, `${restart}.log`);
  }

  get log(): Logger {
    return this.k.opts.log.child({ pod: `${this.pod.metadata.namespace}/${this.pod.metadata.name}` });
  }

  async begin(): Promise<void> {
    if (this.pod.status?.phase === 'Succeeded' || this.pod.status?.phase === 'Failed') {
      // A terminal pod this kubelet did not run (or ran before a restart): nothing to start.
      if (this.pod.metadata.deletionTimestamp) await this.removeFromApi();
      this.finish();
      return;
    }
    this.ip = this.k.ips.allocate();
    this.startTime = this.pod.status?.startTime ?? metaTime();
    mkdirSync(this.sandbox, { recursive: true });
    this.sync();
    if (this.pod.metadata.deletionTimestamp) {
      void this.terminate();
      return;
    }
    for (const c of this.containers) void this.startContainer(c);
  }

  update(pod: KObj): void {
    this.pod = pod;
    if (pod.metadata.deletionTimestamp) {
      if (!this.terminating) void this.terminate();
      else this.shortenGrace();
    }
  }

  private graceSeconds(): number {
    const g = this.pod.metadata.deletionGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, Number(g));
  }

  private shortenGrace(): void {
    const deadline = Date.now() + this.graceSeconds() * 1000;
    if (deadline < this.killDeadline) {
      this.killDeadline = deadline;
      clearTimeout(this.killTimer);
      this.killTimer = setTimeout(() => this.killAll('SIGKILL'), Math.max(0, deadline - Date.now()));
    }
  }

  // ---- containers ------------------------------------------------------------------------------------

  // ---- the projected service-account token --------------------------------------------------------------

  /** What the kubelet's projected token volume gives a pod (kube-api-access-*: token, namespace, ca.crt), as a
   * kubeconfig a process can use here: the pod's ServiceAccount token from the TokenRequest API, bound to the
   * pod (so the API server stops accepting it once the pod is gone), in <pod dir>/serviceaccount/token, re-read
   * by client-node every minute and refreshed at 80 % of its lifetime. undefined when automount is off. */
  private serviceAccountKubeconfig(): Promise<string | undefined> {
    this.saMount ??= this.mountServiceAccountToken().catch((err: unknown) => {
      this.saMount = undefined; // retried with the container's back-off
      throw err;
    });
    return this.saMount;
  }

  private async mountServiceAccountToken(): Promise<string | undefined> {
    const pod = this.pod;
    const ns = pod.metadata.namespace!;
    const saName = (pod.spec?.serviceAccountName as string | undefined) || 'default';
    let sa: KObj;
    try {
      sa = await this.k.kube.request('GET', `/api/v1/namespaces/${ns}/serviceaccounts/${encodeURIComponent(saName)}`);
    } catch (err) {
      throw new ConfigError(`serviceaccount "${saName}" not found`, err);
    }
    const automount = pod.spec?.automountServiceAccountToken ?? (sa as Obj).automountServiceAccountToken ?? true;
    if (!automount) return undefined;
    const dir = join(this.k.opts.logDir, this.podDirName(), 'serviceaccount');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tokenFile = join(dir, 'token');
    const refresh = async (): Promise<void> => {
      const tr = await this.k.kube.request<Obj>('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${encodeURIComponent(saName)}/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: this.k.opts.tokenExpirationSeconds ?? 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid: pod.metadata.uid } },
      });
      writeFileSync(`${tokenFile}.tmp`, String(tr.status.token), { mode: 0o600 });
      renameSync(`${tokenFile}.tmp`, tokenFile);
      const lifetimeMs = Date.parse(tr.status.expirationTimestamp) - Date.now();
      clearTimeout(this.saRefresh);
      if (this.done) return;
      this.saRefresh = setTimeout(() => {
        refresh().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'service account token refresh failed; retrying'));
      }, Math.max(10_000, lifetimeMs * 0.8));
      this.saRefresh.unref();
    };
    try {
      await refresh();
    } catch (err) {
      throw new ConfigError(`cannot get a token for serviceaccount ${ns}/${saName}: ${(err as Error).message}`, err);
    }
    writeFileSync(join(dir, 'namespace'), ns);
    const cluster = this.k.kube.kc.getCurrentCluster()!;
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'cluster', cluster: { server: cluster.server, ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}), ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}), ...(cluster.caFile ? { 'certificate-authority': cluster.caFile } : {}) } }],
      users: [{ name: `system:serviceaccount:${ns}:${saName}`, user: { 'auth-provider': { name: 'tokenFile', config: { tokenFile } } } }],
      contexts: [{ name: 'serviceaccount', context: { cluster: 'cluster', user: `system:serviceaccount:${ns}:${saName}`, namespace: ns } }],
      'current-context': 'serviceaccount',
    };
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, JSON.stringify(kubeconfig, null, 2), { mode: 0o600 });
    return file;
  }

  private async containerEnv(c: Container): Promise<Record<string, string>> {
    const pod = this.pod;
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOSTNAME: pod.spec?.hostname ?? pod.metadata.name, ...this.k.opts.env };
    if (this.k.opts.serviceAccountTokens) {
      // The pod talks to the API server as its ServiceAccount, never with the runner's credentials.
      delete env.KUBECONFIG;
      const kubeconfig = await this.serviceAccountKubeconfig();
      if (kubeconfig) env.KUBECONFIG = kubeconfig;
    }
    const getObj = async (kind: 'configmaps' | 'secrets', name: string) => {
      return await this.k.kube.request('GET', `/api/v1/namespaces/${pod.metadata.namespace}/${kind}/${name}`);
    };
    for (const ef of (c.spec.envFrom ?? []) as Obj[]) {
      const ref = ef.configMapRef ?? ef.secretRef;
      const kind = ef.configMapRef ? 'configmaps' : 'secrets';
      try {
        const o = await getObj(kind, ref.name);
        for (const [kk, v] of Object.entries((o.data ?? {}) as Record<string, string>)) env[`${ef.prefix ?? ''}${kk}`] = kind === 'secrets' ? Buffer.from(v, 'base64').toString('utf8') : v;
      } catch (err) {
        if (!ref.optional) throw new ConfigError(`${kind === 'configmaps' ? 'configmap' : 'secret'} "${ref.name}" not found`, err);
      }
    }
    for (const e of (c.spec.env ?? []) as Obj[]) {
      if (e.value !== undefined) {
        env[e.name] = expand(String(e.value), env);
        continue;
      }
      const vf = e.valueFrom as Obj | undefined;
      if (!vf) {
        env[e.name] = '';
        continue;
      }
      if (vf.fieldRef) env[e.name] = this.fieldRef(vf.fieldRef.fieldPath as string);
      else if (vf.configMapKeyRef || vf.secretKeyRef) {
        const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
        const kind = vf.configMapKeyRef ? 'configmaps' : 'secrets';
        try {
          const o = await getObj(kind, ref.name);
          const v = (o.data ?? {})[ref.key];
          if (v === undefined) {
            if (!ref.optional) throw new ConfigError(`couldn't find key ${ref.key} in ${kind === 'configmaps' ? 'ConfigMap' : 'Secret'} ${pod.metadata.namespace}/${ref.name}`);
            continue;
          }
          env[e.name] = kind === 'secrets' ? Buffer.from(v, 'base64').toString('utf8') : v;
        } catch (err) {
          if (err instanceof ConfigError) throw err;
          if (!ref.optional) throw new ConfigError(`${kind === 'configmaps' ? 'configmap' : 'secret'} "${ref.name}" not found`, err);
        }
      } else if (vf.resourceFieldRef) env[e.name] = '0';
    }
    return env;
  }

  private fieldRef(path: string): string {
    const p = this.pod;
    const m = path.match(/^metadata\.(labels|annotations)\['(.*)'\]$/);
    if (m) return (p.metadata[m[1] as 'labels' | 'annotations'] ?? {})[m[2]!] ?? '';
    switch (path) {
      case 'metadata.name':
        return p.metadata.name;
      case 'metadata.namespace':
        return p.metadata.namespace ?? '';
      case 'metadata.uid':
        return p.metadata.uid ?? '';
      case 'spec.nodeName':
        return p.spec?.nodeName ?? this.k.opts.nodeName;
      case 'spec.serviceAccountName':
        return p.spec?.serviceAccountName ?? '';
      case 'status.podIP':
      case 'status.podIPs':
        return this.ip ?? '';
      case 'status.hostIP':
      case 'status.hostIPs':
        return this.k.opts.hostIP;
      default:
        return '';
    }
  }

  private resolveArgv(c: Container, env: Record<string, string>): string[] {
    let argv: string[];
    if (Array.isArray(c.spec.command) && c.spec.command.length) argv = [...c.spec.command, ...(c.spec.args ?? [])];
    else {
      const image = String(c.spec.image ?? '');
      const entry = this.k.lookupImage(image);
      if (!entry) throw new ConfigError(`no command for image "${image}": give the container a command, or map the image with the runner's imageMap option`);
      argv = [...entry, ...(c.spec.args ?? [])];
    }
    argv = argv.map((a) => expand(String(a), env));
    const mapped = this.k.opts.commandMap[argv[0]!] ?? this.k.opts.commandMap[basename(argv[0]!)];
    if (mapped) argv = [...mapped, ...argv.slice(1)];
    return argv;
  }

  private async startContainer(c: Container): Promise<void> {
    if (this.terminating) return;
    let env: Record<string, string>;
    let argv: string[];
    try {
      env = await this.containerEnv(c);
      argv = this.resolveArgv(c, env);
    } catch (err) {
      const reason = err instanceof ConfigError && /no command/.test(err.message) ? 'CreateContainerError' : 'CreateContainerConfigError';
      c.state = { waiting: { reason, message: (err as Error).message } };
      this.sync();
      c.backoffTimer = setTimeout(() => void this.startContainer(c), Math.max(1000, this.k.opts.backoff.initialMs));
      return;
    }
    if (this.terminating) return;
    const logFile = this.logPath(c.name, c.restartCount);
    mkdirSync(join(logFile, '..'), { recursive: true });
    const fd = openSync(logFile, 'a');
    const cwd = c.spec.workingDir && existsSync(c.spec.workingDir) ? c.spec.workingDir : this.sandbox;
    let child: ChildProcess;
    const startedAtMs = Date.now();
    try {
      child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', fd, fd], detached: true });
    } finally {
      closeSync(fd);
    }
    c.proc = child;
    c.startedAtMs = startedAtMs;
    c.killingForRestart = false;
    let spawnError: Error | undefined;
    c.exited = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        spawnError = err;
        if (child.pid === undefined) {
          this.onExit(c, child, 128, null, err);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        this.onExit(c, child, code, signal, spawnError);
        resolve();
      });
    });
    if (child.pid !== undefined) {
      c.pgid = child.pid;
      this.k.opts.reaper.add(child.pid);
      c.state = { running: { startedAt: metaTime(startedAtMs) } };
      const hasStartup = !!c.spec.startupProbe;
      c.started = !hasStartup;
      c.ready = !c.spec.readinessProbe && c.started;
      this.log.debug({ container: c.name, pid: child.pid, argv }, 'container started');
      if (hasStartup) this.runProbe(c, 'startup');
      else this.startMainProbes(c);
      this.sync();
    }
  }

  private startMainProbes(c: Container): void {
    if (c.spec.readinessProbe) this.runProbe(c, 'readiness');
    if (c.spec.livenessProbe) this.runProbe(c, 'liveness');
    if (!c.spec.readinessProbe && !c.ready) {
      c.ready = true;
      this.sync();
    }
  }

  private onExit(c: Container, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, err?: Error): void {
    if (c.proc !== child) return;
    if (child.pid) this.k.opts.reaper.remove(child.pid);
    c.proc = undefined;
    c.stopProbes();
    c.ready = false;
    c.started = false;
    const signum = signal ? (osConstants.signals as Record<string, number>)[signal] : undefined;
    const exitCode = code ?? (signum ? 128 + signum : 128);
    const term: Obj = {
      exitCode,
      reason: err && child.pid === undefined ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error',
      startedAt: metaTime(c.startedAtMs),
      finishedAt: metaTime(),
      containerID: this.containerID(c),
    };
    if (signum) term.signal = signum;
    if (err && child.pid === undefined) term.message = err.message;
    c.state = { terminated: term };
    this.log.debug({ container: c.name, exitCode, signal }, 'container exited');
    if (this.terminating) {
      this.sync();
      return;
    }
    const policy = this.pod.spec?.restartPolicy ?? 'Always';
    // A container killed for a failed liveness/startup probe restarts unless the policy is Never, whatever it exited with.
    const restart = policy === 'Always' || (policy === 'OnFailure' && (exitCode !== 0 || c.killingForRestart));
    if (!restart) {
      this.sync();
      if (this.containers.every((x) => !x.proc && 'terminated' in x.state)) this.releaseSandbox();
      return;
    }
    const b = this.k.opts.backoff;
    if (Date.now() - c.startedAtMs > b.resetAfterMs) c.backoffSteps = 0;
    const delay = c.backoffSteps === 0 ? 0 : Math.min(b.initialMs * 2 ** (c.backoffSteps - 1), b.maxMs);
    c.backoffSteps++;
    c.lastState = c.state;
    if (delay > 0) {
      c.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${goDuration(delay)} restarting failed container=${c.name} pod=${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`,
        },
      };
      this.sync();
    }
    c.backoffTimer = setTimeout(() => {
      c.backoffTimer = undefined;
      if (this.terminating) return;
      c.restartCount++;
      void this.startContainer(c);
    }, delay);
  }

  private containerID(c: Container): string {
    return `devstack://${this.uid}/${c.name}/${c.restartCount}`;
  }

  // ---- probes ----------------------------------------------------------------------------------------

  private runProbe(c: Container, kind: 'startup' | 'readiness' | 'liveness'): void {
    const spec = c.spec[`${kind}Probe`] as Obj;
    const st = c.probes[kind];
    const period = Math.max(1, spec.periodSeconds ?? 10) * 1000;
    const timeout = Math.max(1, spec.timeoutSeconds ?? 1) * 1000;
    const successThreshold = spec.successThreshold ?? 1;
    const failureThreshold = spec.failureThreshold ?? 3;
    const proc = c.proc;
    const tick = async () => {
      if (c.proc !== proc || this.terminating) return;
      const ok = await this.probeOnce(c, spec, timeout);
      if (c.proc !== proc || this.terminating) return;
      if (ok) {
        st.successes++;
        st.failures = 0;
      } else {
        st.failures++;
        st.successes = 0;
      }
      if (kind === 'readiness') {
        if (ok && st.successes >= successThreshold && !c.ready) {
          c.ready = true;
          this.sync();
        } else if (!ok && st.failures >= failureThreshold && c.ready) {
          c.ready = false;
          this.sync();
        }
      } else if (kind === 'startup') {
        if (ok) {
          c.started = true;
          this.sync();
          this.startMainProbes(c);
          return; // the startup probe stops after its first success
        }
        if (st.failures >= failureThreshold) {
          this.log.info({ container: c.name }, 'startup probe failed; restarting container');
          this.killContainer(c, spec.terminationGracePeriodSeconds);
          return;
        }
      } else if (kind === 'liveness' && !ok && st.failures >= failureThreshold) {
        this.log.info({ container: c.name }, 'liveness probe failed; restarting container');
        this.killContainer(c, spec.terminationGracePeriodSeconds);
        return;
      }
      st.timer = setTimeout(() => void tick(), period);
    };
    st.timer = setTimeout(() => void tick(), Math.max(0, spec.initialDelaySeconds ?? 0) * 1000);
  }

  private async probeOnce(c: Container, spec: Obj, timeoutMs: number): Promise<boolean> {
    const portOf = (p: unknown): number => {
      if (typeof p === 'number') return p;
      const named = ((c.spec.ports ?? []) as Obj[]).find((x) => x.name === p);
      return named ? Number(named.containerPort) : Number(p);
    };
    try {
      if (spec.httpGet) {
        const g = spec.httpGet as Obj;
        const scheme = String(g.scheme ?? 'HTTP').toUpperCase();
        const mod = scheme === 'HTTPS' ? https : http;
        const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.35', Accept: '*/*' };
        for (const h of (g.httpHeaders ?? []) as Obj[]) headers[h.name] = h.value;
        return await new Promise<boolean>((resolve) => {
          const req = mod.request(
            { host: g.host || this.ip, port: portOf(g.port), path: g.path ?? '/', method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false, agent: false },
            (res) => {
              res.resume();
              resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
            },
          );
          req.on('timeout', () => req.destroy(new Error('timeout')));
          req.on('error', () => resolve(false));
          req.end();
        });
      }
      if (spec.tcpSocket) {
        const t = spec.tcpSocket as Obj;
        return await new Promise<boolean>((resolve) => {
          const s = net.connect({ host: t.host || this.ip, port: portOf(t.port) });
          const timer = setTimeout(() => {
            s.destroy();
            resolve(false);
          }, timeoutMs);
          s.once('connect', () => {
            clearTimeout(timer);
            s.destroy();
            resolve(true);
          });
          s.once('error', () => {
            clearTimeout(timer);
            resolve(false);
          });
        });
      }
      if (spec.exec) {
        const env = await this.containerEnv(c);
        const argv = ((spec.exec as Obj).command as string[]).map((a) => expand(a, env));
        const mapped = this.k.opts.commandMap[argv[0]!] ?? this.k.opts.commandMap[basename(argv[0]!)];
        const full = mapped ? [...mapped, ...argv.slice(1)] : argv;
        return await new Promise<boolean>((resolve) => {
          const p = spawn(full[0]!, full.slice(1), { env, cwd: this.sandbox, stdio: 'ignore', timeout: timeoutMs });
          p.once('error', () => resolve(false));
          p.once('exit', (code) => resolve(code === 0));
        });
      }
      return true; // grpc probes are not supported here: treated as passing
    } catch {
      return false;
    }
  }

  /** Kills one container (liveness / startup failure); it is then restarted per restartPolicy. */
  private killContainer(c: Container, probeGrace?: number): void {
    if (!c.proc || c.killingForRestart) return;
    c.killingForRestart = true;
    const pgid = c.pgid;
    signalGroup(pgid, 'SIGTERM');
    const grace = (probeGrace ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
    const proc = c.proc;
    const t = setTimeout(() => {
      if (c.proc === proc) signalGroup(pgid, 'SIGKILL');
    }, grace);
    void c.exited.then(() => clearTimeout(t));
  }

  // ---- termination -----------------------------------------------------------------------------------

  private killAll(sig: NodeJS.Signals): void {
    for (const c of this.containers) if (c.proc) signalGroup(c.pgid, sig);
  }

  async terminate(): Promise<void> {
    if (this.terminating) return;
    this.terminating = true;
    for (const c of this.containers) {
      clearTimeout(c.backoffTimer);
      c.stopProbes();
      c.ready = false;
      if (!c.proc && 'waiting' in c.state) c.state = { terminated: { exitCode: 0, reason: 'ContainerStatusUnknown', startedAt: null, finishedAt: metaTime() } as Obj };
    }
    this.sync();
    const grace = this.graceSeconds();
    this.killDeadline = Date.now() + grace * 1000;
    this.killAll('SIGTERM');
    this.killTimer = setTimeout(() => this.killAll('SIGKILL'), grace * 1000);
    await Promise.all(this.containers.map((c) => c.exited));
    clearTimeout(this.killTimer);
    await this.flush();
    await this.removeFromApi();
    this.releaseSandbox();
    this.finish();
  }

  /** Immediate teardown (runner stop). */
  async kill(): Promise<void> {
    this.terminating = true;
    for (const c of this.containers) {
      clearTimeout(c.backoffTimer);
      c.stopProbes();
    }
    this.killAll('SIGKILL');
    await Promise.all(this.containers.map((c) => c.exited));
    this.releaseSandbox();
    this.finish();
  }

  private async removeFromApi(): Promise<void> {
    if (!this.pod.metadata.deletionTimestamp || this.k.stopping) return;
    try {
      await this.k.kube.request('DELETE', `/api/v1/namespaces/${this.pod.metadata.namespace}/pods/${this.pod.metadata.name}`, {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        gracePeriodSeconds: 0,
        preconditions: { uid: this.uid },
      });
    } catch (err) {
      if (!(err instanceof KubeError && (err.code === 404 || err.code === 409))) this.log.warn({ err }, 'could not remove terminated pod');
    }
  }

  private releaseSandbox(): void {
    if (this.ip) {
      this.k.ips.release(this.ip);
      this.ip = undefined;
    }
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.saRefresh);
    this.k.workerDone(this);
    this.resolveFinished();
  }

  // ---- status ----------------------------------------------------------------------------------------

  private phase(): string {
    const policy = this.pod.spec?.restartPolicy ?? 'Always';
    let running = 0;
    let waiting = 0;
    let stopped = 0;
    let succeeded = 0;
    for (const c of this.containers) {
      if ('running' in c.state) running++;
      else if ('terminated' in c.state) {
        stopped++;
        if (c.state.terminated.exitCode === 0) succeeded++;
      } else if (c.lastState && 'terminated' in c.lastState) {
        stopped++;
        if (c.lastState.terminated.exitCode === 0) succeeded++;
      } else waiting++;
    }
    if (this.terminating && running === 0 && waiting === 0) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (waiting > 0) return 'Pending';
    if (running > 0) return 'Running';
    if (stopped > 0) {
      if (policy === 'Always') return 'Running';
      if (policy === 'OnFailure') return stopped === succeeded ? 'Succeeded' : 'Running';
      return stopped === succeeded ? 'Succeeded' : 'Failed';
    }
    return 'Pending';
  }

  buildStatus(): Obj {
    const prev = (this.pod.status ?? {}) as Obj;
    const prevConds = ((prev.conditions ?? []) as Obj[]).reduce((m, c) => m.set(c.type, c), new Map<string, Obj>());
    const cond = (type: string, ok: boolean, reason?: string, message?: string): Obj => {
      const status = ok ? 'True' : 'False';
      const old = prevConds.get(type);
      const c: Obj = { type, status, lastProbeTime: null, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : metaTime() };
      if (reason) c.reason = reason;
      if (message) c.message = message;
      return c;
    };
    const phase = this.phase();
    const terminal = phase === 'Succeeded' || phase === 'Failed';
    const unready = this.containers.filter((c) => !c.ready).map((c) => c.name);
    const gates = ((this.pod.spec?.readinessGates ?? []) as Obj[]).map((g) => g.conditionType as string);
    const gatesOk = gates.every((g) => prevConds.get(g)?.status === 'True');
    const containersReady = unready.length === 0 && !terminal;
    const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
    const notReadyMsg = terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`;
    const conditions: Obj[] = [
      cond('PodReadyToStartContainers', !!this.ip && !terminal),
      cond('Initialized', true),
      containersReady && gatesOk ? cond('Ready', true) : cond('Ready', false, notReadyReason, containersReady ? 'the status of pod readiness gate is not "True"' : notReadyMsg),
      containersReady ? cond('ContainersReady', true) : cond('ContainersReady', false, notReadyReason, notReadyMsg),
      prevConds.get('PodScheduled') ?? cond('PodScheduled', true),
    ];
    for (const g of gates) if (prevConds.get(g)) conditions.push(prevConds.get(g)!);
    const status: Obj = {
      phase,
      conditions,
      hostIP: this.k.opts.hostIP,
      hostIPs: [{ ip: this.k.opts.hostIP }],
      startTime: this.startTime,
      containerStatuses: this.containers.map((c) => {
        const s: Obj = {
          name: c.name,
          state: c.state,
          lastState: c.lastState ?? {},
          ready: c.ready,
          restartCount: c.restartCount,
          image: c.spec.image,
          imageID: `devstack://${c.spec.image}`,
          started: c.started,
        };
        if (!('waiting' in c.state && c.restartCount === 0 && !c.lastState)) s.containerID = this.containerID(c);
        return s;
      }),
    };
    if (prev.qosClass) status.qosClass = prev.qosClass;
    // Kubelets of 1.34+ report which pod generation they acted on (PodObservedGenerationTracking).
    if (this.pod.metadata.generation !== undefined) status.observedGeneration = this.pod.metadata.generation;
    if (this.ip) {
      status.podIP = this.ip;
      status.podIPs = [{ ip: this.ip }];
    } else if (prev.podIP) {
      status.podIP = prev.podIP;
      status.podIPs = prev.podIPs;
    }
    return status;
  }

  /** Writes the status when it changed; one write in flight per pod. */
  sync(): void {
    if (this.writing) {
      this.dirty = true;
      return;
    }
    this.writing = true;
    void this.writeLoop();
  }

  private async writeLoop(): Promise<void> {
    try {
      do {
        this.dirty = false;
        const status = this.buildStatus();
        const text = JSON.stringify(status);
        if (text === this.lastWritten || this.k.stopping) continue;
        try {
          const updated = await this.k.kube.request('PATCH', `/api/v1/namespaces/${this.pod.metadata.namespace}/pods/${this.pod.metadata.name}/status`, { metadata: { uid: this.uid }, status }, 'application/merge-patch+json');
          this.lastWritten = text;
          if (updated?.metadata?.uid === this.uid) this.pod = { ...updated, metadata: { ...updated.metadata, deletionTimestamp: updated.metadata.deletionTimestamp ?? this.pod.metadata.deletionTimestamp } };
        } catch (err) {
          if (err instanceof KubeError && (err.code === 404 || err.code === 409)) return;
          this.log.debug({ err }, 'status write failed; retrying');
          await new Promise((r) => setTimeout(r, 200));
          this.dirty = true;
        }
      } while (this.dirty && !this.k.stopping);
    } finally {
      this.writing = false;
    }
  }

  async flush(): Promise<void> {
    for (let i = 0; i < 100 && (this.writing || this.dirty); i++) await new Promise((r) => setTimeout(r, 20));
    this.sync();
    for (let i = 0; i < 100 && this.writing; i++) await new Promise((r) => setTimeout(r, 20));
  }
}

class ConfigError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  if (!pgid) return;
  try {
    process.kill(-pgid, sig);
  } catch {
    /* gone */
  }
}

/** Kubernetes $(VAR) expansion: defined variables are substituted, $$ escapes, unknown references stay. */
export function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && Object.hasOwn(env, name) ? env[name]! : m;
  });
}

export class Kubelet {
  readonly ips: IpPool;
  private readonly pods: Reflector;
  private readonly workers = new Map<string, PodWorker>();
  stopping = false;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    readonly kube: RawKube,
    readonly opts: KubeletOptions,
  ) {
    this.ips = new IpPool(opts.ipPrefix, opts.ipFirst, opts.ipLast);
    this.pods = new Reflector(kube, '/api/v1/pods', { fieldSelector: `spec.nodeName=${opts.nodeName}` }, (t, o) => this.onPod(t, o), opts.log);
  }

  lookupImage(image: string): string[] | undefined {
    const m = this.opts.imageMap;
    if (m[image]) return m[image];
    const noDigest = image.split('@')[0]!;
    const lastSlash = noDigest.lastIndexOf('/');
    const colon = noDigest.lastIndexOf(':');
    const noTag = colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
    return m[noTag] ?? m[noTag.split('/').pop()!];
  }

  async start(registerNode: boolean): Promise<void> {
    if (registerNode) {
      await this.registerNode();
      this.heartbeat = setInterval(() => void this.nodeStatus().catch(() => {}), 10_000);
      this.heartbeat.unref();
    }
    this.pods.start();
  }

  private nodeStatusBody(): Obj {
    const now = metaTime();
    return {
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: now, lastTransitionTime: now },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastHeartbeatTime: now, lastTransitionTime: now },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastHeartbeatTime: now, lastTransitionTime: now },
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now },
      ],
      addresses: [
        { type: 'InternalIP', address: this.opts.hostIP },
        { type: 'Hostname', address: this.opts.nodeName },
      ],
      capacity: { cpu: '2', memory: '4Gi', pods: String(this.opts.ipLast - this.opts.ipFirst + 1) },
      allocatable: { cpu: '2', memory: '4Gi', pods: String(this.opts.ipLast - this.opts.ipFirst + 1) },
      nodeInfo: { kubeletVersion: 'v1.35.0-devstack', containerRuntimeVersion: 'devstack://1', operatingSystem: 'linux', architecture: process.arch, osImage: 'schedulerha devstack', kernelVersion: '', machineID: '', systemUUID: '', bootID: '', kubeProxyVersion: '' },
    };
  }

  private async registerNode(): Promise<void> {
    try {
      await this.kube.request('POST', '/api/v1/nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: this.opts.nodeName, labels: { 'kubernetes.io/hostname': this.opts.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch } },
        spec: {},
      });
    } catch (err) {
      if (!(err instanceof KubeError && err.code === 409)) throw err;
    }
    await this.nodeStatus();
  }

  private async nodeStatus(): Promise<void> {
    await this.kube.request('PATCH', `/api/v1/nodes/${this.opts.nodeName}/status`, { status: this.nodeStatusBody() }, 'application/merge-patch+json');
  }

  private onPod(type: string, pod: KObj): void {
    if (this.stopping) return;
    const uid = pod.metadata.uid!;
    const w = this.workers.get(uid);
    if (type === 'delete') {
      // Removed from the API (e.g. force-deleted): stop its containers gracefully, nothing left to report.
      if (w) {
        w.pod = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: pod.metadata.deletionTimestamp ?? metaTime() } };
        void w.terminate();
      }
      return;
    }
    if (w) {
      w.update(pod);
      return;
    }
    if (pod.spec?.nodeName !== this.opts.nodeName) return;
    const nw = new PodWorker(pod, this);
    this.workers.set(uid, nw);
    void nw.begin().catch((err) => this.opts.log.warn({ err }, 'pod start failed'));
  }

  workerDone(w: PodWorker): void {
    if (this.workers.get(w.uid) === w) this.workers.delete(w.uid);
  }

  /** Log file of one container incarnation. */
  logPath(namespace: string, pod: string, uid: string, container: string, restart: number): string {
    return join(this.opts.logDir, `${namespace}_${pod}_${uid}`, container, `${restart}.log`);
  }

  worker(namespace: string, name: string): PodWorker | undefined {
    for (const w of this.workers.values()) if (w.pod.metadata.namespace === namespace && w.pod.metadata.name === name) return w;
    return undefined;
  }

  /** PIDs of the running container processes of one pod. */
  podPids(namespace: string, name: string): number[] {
    const w = this.worker(namespace, name);
    return w ? w.containers.flatMap((c) => (c.proc?.pid ? [c.proc.pid] : [])) : [];
  }

  /** PIDs of every running container process. */
  pids(): number[] {
    const out: number[] = [];
    for (const w of this.workers.values()) for (const c of w.containers) if (c.proc?.pid) out.push(c.proc.pid);
    return out;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeat);
    await this.pods.stop();
    await Promise.all([...this.workers.values()].map((w) => w.kill()));
    this.ips.releaseAll();
  }

  readLog(path: string): string {
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }
}
