// `schedulerha devstack`: the main job on one machine. Starts the local stack (a real etcd, the Mesos master
// emulator with 3 masters and 5 agents, the Kubernetes API emulator with the pod runner, the SchedulerHA CRD) and
// the operator; applies the HA sample rewritten to this stack's etcd and Mesos, and a few pods for the scheduler;
// then shows a live view (or status lines) and acts on keys: f USR1 the leader, k SIGKILL the leader, m fail over
// the Mesos master, a set the failover annotation, q quit — everything stopped, nothing left running.
import { accessSync, constants, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { Etcd3 } from 'etcd3';
import { parseAllDocuments } from 'yaml';
import { LocalStack, CLI_PATH } from './stack.js';
import {
  ACTION_NAMES,
  actionProgress,
  buildSnapshot,
  parseCommand,
  readiness,
  renderView,
  startupMessage,
  statusKey,
  statusLine,
  type CandidateObservation,
  type DevstackCommand,
  type Observation,
  type PendingAction,
  type PodObservation,
  type StackSnapshot,
} from './view.js';
import { applyDefaults } from '../api/defaults.js';
import { keyLayout, DEFAULT_ETCD_PREFIX, type KeyLayout } from '../api/keys.js';
import { parseCandidateIdentity, parseLeaderStatus } from '../api/leader-status.js';
import { GROUP, KIND, PLURAL, VERSION, type SchedulerHA, type SchedulerHASpec } from '../api/types.js';
import { formatIssue, validateSchedulerHA } from '../api/validate.js';
import { kubeRequest, kubeRequestOk } from '../kube/index.js';
import { ANNOTATIONS, LABELS } from '../operator/plan.js';
import { schedulerNameOf } from '../scheduler/framework.js';
import { SchedulerHAError, errorMessage } from '../util/errors.js';
import { parseDurationSeconds, sleep } from '../util/time.js';

/** The repository root as seen from dist/src/devstack/command.js (where manifests/ lives). */
const PACKAGE_ROOT = resolve(dirname(CLI_PATH), '../..');
export const DEFAULT_RESOURCE_FILE = join(PACKAGE_ROOT, 'manifests/samples/schedulerha-ha.yaml');
export const DEFAULT_POD_FILE = join(PACKAGE_ROOT, 'manifests/samples/pod.yaml');
/** Label on the pods the devstack creates for the scheduler. */
export const WORKLOAD_LABEL = 'app.kubernetes.io/managed-by';
export const WORKLOAD_MANAGER = 'schedulerha-devstack';
const FIELD_MANAGER = 'schedulerha-devstack';

type Obj = Record<string, unknown>;

// ---- pure: the manifests the devstack applies ----------------------------------------------------------------------

export interface PreparedManifests {
  namespace: string;
  name: string;
  frameworkName: string;
  keys: KeyLayout;
  /** The Namespace, the SchedulerHA, then the pods, in apply order. */
  objects: Obj[];
  podNames: string[];
  warnings: string[];
}

function firstDoc(text: string, file: string, kind: string): Obj {
  const docs = parseAllDocuments(text);
  for (const d of docs) {
    if (d.errors.length) throw new SchedulerHAError('InvalidManifest', `${file}: ${d.errors[0]!.message}`);
    const o = d.toJS() as unknown;
    if (o && typeof o === 'object' && (o as Obj).kind === kind) return o as Obj;
  }
  throw new SchedulerHAError('InvalidManifest', `${file} has no ${kind} document`);
}

/** The HA sample rewritten to this stack (etcd endpoint, Mesos master address), validated with the shared
 * validator, its namespace, and `pods` copies of the pod sample (named <name>-1…, one hostPort each, scheduled
 * by this framework). */
export function prepareManifests(
  resourceYaml: string,
  podYaml: string,
  o: { etcdEndpoint: string; mesosMaster: string; pods: number; resourceFile?: string; podFile?: string },
): PreparedManifests {
  const rf = o.resourceFile ?? 'the SchedulerHA manifest';
  const res = structuredClone(firstDoc(resourceYaml, rf, KIND));
  const spec = (res.spec ?? {}) as Obj;
  res.spec = spec;
  spec.mesos = { ...((spec.mesos as Obj | undefined) ?? {}), master: o.mesosMaster };
  spec.etcd = { ...((spec.etcd as Obj | undefined) ?? {}), endpoints: [o.etcdEndpoint] };
  const md = (res.metadata ?? {}) as Obj;
  res.metadata = md;
  md.namespace = typeof md.namespace === 'string' && md.namespace ? md.namespace : 'default';
  const v = validateSchedulerHA(res);
  if (v.errors.length) throw new SchedulerHAError('InvalidSpec', `${rf} is not a valid SchedulerHA for the devstack:\n  ${v.errors.map(formatIssue).join('\n  ')}`);
  const namespace = md.namespace as string;
  const name = String(md.name);
  const defaulted = applyDefaults(res.spec as unknown as SchedulerHASpec);
  const frameworkName = defaulted.flags?.frameworkName ?? 'Kubernetes';
  const keys = keyLayout(defaulted.etcd.prefix ?? DEFAULT_ETCD_PREFIX, frameworkName);

  const podTemplate = firstDoc(podYaml, o.podFile ?? 'the pod manifest', 'Pod');
  const base = String((podTemplate.metadata as Obj | undefined)?.name ?? 'pod');
  const pods: Obj[] = [];
  for (let i = 1; i <= o.pods; i++) {
    const p = structuredClone(podTemplate);
    const pmd = (p.metadata ?? {}) as Obj;
    p.metadata = { ...pmd, name: `${base}-${i}`, namespace, labels: { ...((pmd.labels as Obj | undefined) ?? {}), app: base, [WORKLOAD_LABEL]: WORKLOAD_MANAGER } };
    const ps = (p.spec ?? {}) as Obj;
    p.spec = ps;
    ps.schedulerName = schedulerNameOf(frameworkName);
    // One hostPort per pod, so they never compete for the same port and any agent can take any pod.
    for (const c of (ps.containers as Obj[] | undefined) ?? []) {
      for (const port of (c.ports as Obj[] | undefined) ?? []) if (typeof port.hostPort === 'number') port.hostPort += i - 1;
    }
    pods.push(p);
  }
  return {
    namespace,
    name,
    frameworkName,
    keys,
    objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, res, ...pods],
    podNames: pods.map((p) => String((p.metadata as Obj).name)),
    warnings: v.warnings.map(formatIssue),
  };
}

/** The absolute path of `bin` on PATH, or undefined. */
export function findOnPath(bin: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const f = join(dir, bin);
    try {
      accessSync(f, constants.X_OK);
      return f;
    } catch {
      // not here
    }
  }
  return undefined;
}

// ---- the command ----------------------------------------------------------------------------------------------------

export interface DevstackOptions {
  /** Live view on a terminal; false: status lines. */
  tty: boolean;
  exitAfterReady: boolean;
  /** Seconds to reach ready with exitAfterReady. */
  timeoutSeconds: number;
  kubeconfig?: string;
  keep: boolean;
  dir?: string;
  file: string;
  podFile: string;
  pods: number;
  /** --no-tty: a status line at least this often (seconds), besides one per change. */
  statusIntervalSeconds: number;
  /** The API emulator authorizes with RBAC; the operator and the scheduler pods use their ServiceAccounts. */
  rbac: boolean;
}

interface Output {
  progress(step: string): void;
  info(line: string): void;
  render(s: StackSnapshot): void;
  /** Leaves the live view (restores the terminal); later output is plain. */
  close(): void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Status lines on stdout: progress steps, info lines, a status line per change and at least every interval. */
class LineOutput implements Output {
  private lastKey = '';
  private lastAt = 0;
  constructor(private readonly intervalMs: number) {}
  progress(step: string): void {
    process.stdout.write(`devstack: ${step}…\n`);
  }
  info(line: string): void {
    process.stdout.write(`devstack: ${line}\n`);
  }
  render(s: StackSnapshot): void {
    const key = statusKey(s);
    if (key === this.lastKey && Date.now() - this.lastAt < this.intervalMs) return;
    this.lastKey = key;
    this.lastAt = Date.now();
    process.stdout.write(`${statusLine(s)}\n`);
  }
  close(): void {}
}

/** The live view on the alternate screen; before it, one progress line that updates in place. */
class ScreenOutput implements Output {
  private step = '';
  private stepAt = 0;
  private spin: NodeJS.Timeout | undefined;
  private frame = 0;
  private onScreen = false;
  private last: StackSnapshot | undefined;
  private readonly onResize = () => this.last && this.render(this.last);
  private readonly onExit = () => process.stdout.write('\x1b[?25h\x1b[?1049l');

  progress(step: string): void {
    if (this.onScreen) return;
    this.step = step;
    this.stepAt = Date.now();
    this.spin ??= setInterval(() => this.drawProgress(), 100);
    this.drawProgress();
  }
  private drawProgress(): void {
    const secs = ((Date.now() - this.stepAt) / 1000).toFixed(1);
    process.stdout.write(`\r\x1b[K${SPINNER[this.frame++ % SPINNER.length]} ${this.step}… ${secs} s`);
  }
  private endProgress(): void {
    if (this.spin) clearInterval(this.spin);
    this.spin = undefined;
    if (this.step) process.stdout.write(`\r\x1b[K`);
    this.step = '';
  }
  info(line: string): void {
    if (this.onScreen) return; // the view shows it
    this.endProgress();
    process.stdout.write(`${line}\n`);
  }
  render(s: StackSnapshot): void {
    this.last = s;
    if (!this.onScreen) {
      this.endProgress();
      process.stdout.write('\x1b[?1049h\x1b[?25l'); // alternate screen, hide the cursor
      process.stdout.on('resize', this.onResize);
      process.once('exit', this.onExit); // even on a crash the terminal gets its screen and cursor back
      this.onScreen = true;
    }
    const cols = process.stdout.columns || 120;
    const rows = process.stdout.rows || 40;
    const lines = renderView(s, cols).slice(0, rows).map((l) => (l.length > cols ? l.slice(0, cols) : l) + '\x1b[K');
    process.stdout.write(`\x1b[H${lines.join('\n')}\x1b[J`);
  }
  close(): void {
    this.endProgress();
    if (!this.onScreen) return;
    process.stdout.off('resize', this.onResize);
    process.off('exit', this.onExit);
    process.stdout.write('\x1b[?25h\x1b[?1049l');
    this.onScreen = false;
  }
}

/** Every process the devstack started, with a name, for the state file and the final check. */
interface TrackedPid {
  name: string;
  pid: number;
}

class Devstack {
  private stack: LocalStack | undefined;
  private etcd: Etcd3 | undefined;
  private manifests: PreparedManifests | undefined;
  private readonly out: Output;
  private readonly t0 = Date.now();
  private readonly stopCtl = new AbortController();
  private stopping: Promise<number> | undefined;
  private stopRequested: { reason: string; code: number } | undefined;
  private readyAt: number | undefined;
  private readyNote: string | undefined;
  private last: StackSnapshot | undefined;
  private pending: PendingAction | undefined;
  private actionMessage: string | undefined;
  private pollError: string | undefined;
  private operatorExit: string | undefined;
  private readonly pids = new Map<number, TrackedPid>();
  private pidsPrinted = 0;
  private annotationSeq = 0;
  private kubeconfigShown = '';
  private readonly cleanups: Array<() => void> = [];

  constructor(private readonly opts: DevstackOptions) {
    this.out = opts.tty ? new ScreenOutput() : new LineOutput(opts.statusIntervalSeconds * 1000);
  }

  /** Runs until q / a signal / --exit-after-ready; resolves with the exit code. */
  async run(): Promise<number> {
    this.installSignals();
    try {
      this.preflight();
      const resourceYaml = readManifest(this.opts.file, '--file');
      const podYaml = readManifest(this.opts.podFile, '--pod-file');
      // Refuse a bad manifest before anything starts (the real endpoints are filled in once the stack runs).
      const draft = prepareManifests(resourceYaml, podYaml, { etcdEndpoint: 'http://127.0.0.1:2379', mesosMaster: '127.0.0.1:5050', pods: this.opts.pods, resourceFile: this.opts.file, podFile: this.opts.podFile });
      this.stack = await LocalStack.start({
        ...(this.opts.dir ? { dir: resolve(this.opts.dir) } : {}),
        keepDir: this.opts.keep,
        // Under RBAC the resource's namespace is set up as install.yaml does (scheduler ServiceAccount + binding).
        ...(this.opts.rbac ? { rbac: true, schedulerNamespaces: [draft.namespace] } : {}),
        onProgress: (step) => this.out.progress(step),
      });
      const stack = this.stack;
      this.track('etcd', stack.etcd.pid);
      if (this.stopRequested) return await this.stop(this.stopRequested.reason, this.stopRequested.code);
      this.kubeconfigShown = stack.kubeconfigPath;
      if (this.opts.kubeconfig) {
        this.kubeconfigShown = resolve(this.opts.kubeconfig);
        stack.writeKubeconfig(this.kubeconfigShown);
      }
      this.manifests = prepareManifests(resourceYaml, podYaml, {
        etcdEndpoint: stack.etcd.endpoint,
        mesosMaster: stack.mesos.masterAddress,
        pods: this.opts.pods,
        resourceFile: this.opts.file,
        podFile: this.opts.podFile,
      });
      this.out.progress('starting the operator');
      // One operator, so no Lease election; Mesos re-observed every 5 s so the view follows a master failover.
      const op = stack.startOperator(['--no-leader-elect', '--metrics-bind-address=127.0.0.1:0', '--health-probe-bind-address=0', '--poll-interval=5s', '--unready-poll-interval=1s']);
      this.track('operator', op.pid);
      void op.exited.then(() => {
        if (this.stopping) return;
        this.operatorExit = `the operator exited unexpectedly; see ${this.operatorLog()}`;
        if (this.opts.exitAfterReady) void this.stop(`${this.operatorExit}${this.operatorLogTail()}`, 1);
        else this.out.info(this.operatorExit); // the live view shows it under the status
      });
      this.out.progress(`applying SchedulerHA ${this.manifests.namespace}/${this.manifests.name} and ${this.manifests.podNames.length} pods`);
      await stack.apply(this.manifests.objects, FIELD_MANAGER);
      if (this.stopping) return await this.stopping;
      this.etcd = new Etcd3({ hosts: stack.etcd.endpoint, defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 5000 }) });
      this.describeStack();
      this.writeState();
      if (this.stopping) return await this.stopping;
      this.installKeys();
      await this.loop();
      return await (this.stopping ?? this.stop('done', 0));
    } catch (err) {
      const msg = errorMessage(err);
      return await this.stop(`error: ${msg}`, 1);
    }
  }

  private preflight(): void {
    if (!findOnPath('etcd')) {
      throw new SchedulerHAError(
        'EtcdNotFound',
        'etcd is not installed (no `etcd` on PATH). The devstack runs the real etcd: install the Debian package with `sudo apt-get install -y etcd-server`, or run `npm start`, which installs it.',
      );
    }
    if (!Number.isInteger(this.opts.pods) || this.opts.pods < 0 || this.opts.pods > 50) throw new SchedulerHAError('InvalidFlag', `--pods must be an integer from 0 to 50 (got ${this.opts.pods})`);
    if (!(this.opts.timeoutSeconds > 0)) throw new SchedulerHAError('InvalidFlag', '--timeout must be a positive duration, e.g. 240s or 5m');
    if (this.opts.dir && existsSync(this.opts.dir) && readdirSync(this.opts.dir).length) {
      // etcd would come back with an old framework id that the fresh Mesos emulator has never heard of.
      throw new SchedulerHAError('InvalidFlag', `--dir ${this.opts.dir} is not empty: every devstack starts from scratch (a new etcd, Mesos and Kubernetes API); name a new directory or remove this one`);
    }
  }

  private describeStack(): void {
    const s = this.stack!;
    const m = this.manifests!;
    this.out.info(`working directory ${s.dir}${this.opts.keep || this.opts.dir ? ' (kept on exit)' : ' (removed on exit; --keep keeps it)'}`);
    this.out.info(`etcd ${s.etcd.endpoint} (pid ${s.etcd.pid ?? '?'})`);
    this.out.info(`Mesos masters ${s.mesos.masterUrls.join(' ')} (leading ${s.mesos.leaderUrl ?? '-'}), ${s.mesos.agents.length} agents`);
    this.out.info(`Kubernetes API ${s.kube.url}${this.opts.rbac ? ' (RBAC: the operator and the scheduler pods act as their ServiceAccounts)' : ''}; admin kubeconfig ${this.kubeconfigShown}`);
    if (this.opts.kubeconfig) this.out.info(`try: kubectl --kubeconfig ${this.kubeconfigShown} -n ${m.namespace} get schedulerha,statefulsets,pods`);
    this.out.info(`operator pid ${s.operator?.pid ?? '?'}, log ${this.operatorLog()}`);
    this.out.info(`applied SchedulerHA ${m.namespace}/${m.name} (framework ${m.frameworkName}, etcd ${s.etcd.endpoint}, Mesos ${s.mesos.masterAddress}) and pods ${m.podNames.join(', ') || '(none)'}`);
    for (const w of m.warnings) this.out.info(w);
  }

  /** The operator's log file (LocalStack names it operator-<start time>.log). */
  private operatorLog(): string {
    const dir = this.stack?.dir ?? '.';
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => /^operator-\d+\.log$/.test(f)).sort();
    } catch {
      // removed already
    }
    return join(dir, files.at(-1) ?? 'operator-*.log');
  }

  /** The end of the operator's log, for a start-up that did not reach ready. */
  private operatorLogTail(lines = 15): string {
    try {
      const f = this.operatorLog();
      const tail = readFileSync(f, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      return tail ? `\nthe last lines of ${f}:\n${tail}` : `\nthe operator log ${f} is empty so far`;
    } catch {
      return '';
    }
  }

  // ---- the loop ----------------------------------------------------------------------------------------------------

  private async loop(): Promise<void> {
    const signal = this.stopCtl.signal;
    while (!signal.aborted) {
      await this.pollOnce();
      if (signal.aborted) break;
      // Faster while an action is followed, so its duration is measured finely.
      const base = this.opts.tty ? 500 : 1000;
      await sleep(this.pending ? 200 : base, signal);
    }
  }

  private async pollOnce(): Promise<void> {
    let snap: StackSnapshot | undefined;
    let failed = false;
    try {
      snap = buildSnapshot(await this.observe());
      this.pollError = undefined;
    } catch (err) {
      if (this.stopping) return;
      failed = true;
      const msg = `observation failed: ${errorMessage(err)}`;
      if (msg !== this.pollError && !this.opts.tty) this.out.info(msg);
      this.pollError = msg;
      // Keep showing the last picture (with the error under it); it does not count towards ready.
      snap = this.last ? { ...this.last, at: new Date() } : undefined;
    }
    if (this.stopping) return;
    const now = Date.now();
    const ready = failed ? { ready: false, missing: [this.pollError!] } : readiness(snap!, this.opts.pods);
    if (snap) {
      if (ready.ready && this.readyAt === undefined) {
        this.readyAt = now;
        this.readyNote = `ready after ${((now - this.t0) / 1000).toFixed(1)} s: ${snap.conditions.find((c) => c.type === 'Ready')?.message ?? 'Ready'}; ${snap.pods.bound} pods bound`;
        this.out.info(this.readyNote);
      }
      if (this.pending && !failed) {
        const p = actionProgress(this.pending, snap, now);
        if (p.done) {
          this.pending = undefined;
          this.actionMessage = `${clock()} ${p.ok ? '✓' : '✗'} ${p.message}`;
          this.out.info(`action ${p.message.replace(/^(\w): /, p.ok ? '$1 done: ' : '$1 FAILED: ')}`);
        } else this.actionMessage = p.message;
      }
      const lines = [
        this.readyAt === undefined && !failed ? startupMessage(snap, this.opts.pods, now - this.t0) : undefined,
        this.operatorExit,
        this.pollError,
        this.actionMessage ?? this.readyNote,
      ].filter((x): x is string => !!x);
      const next: StackSnapshot = { ...snap };
      delete next.message; // a stale picture carries the old one
      if (lines.length) next.message = lines.join('\n');
      this.last = next;
      this.out.render(this.last);
    }
    this.printPids();
    if (this.opts.exitAfterReady) {
      if (this.readyAt !== undefined) void this.stop('ready', 0);
      else if (now - this.t0 > this.opts.timeoutSeconds * 1000) void this.stop(`not ready after ${this.opts.timeoutSeconds} s: ${ready.missing.join('; ')}${this.operatorLogTail()}`, 1);
    }
  }

  private async observe(): Promise<Observation> {
    const stack = this.stack!;
    const m = this.manifests!;
    const [res, podList] = await Promise.all([
      kubeRequest<SchedulerHA>(stack.kc, { method: 'GET', path: `/apis/${GROUP}/${VERSION}/namespaces/${m.namespace}/${PLURAL}/${m.name}`, timeoutMs: 5000 }),
      kubeRequestOk<{ items: Obj[] }>(stack.kc, { method: 'GET', path: `/api/v1/namespaces/${m.namespace}/pods`, timeoutMs: 5000 }),
    ]);
    const resource = res.status === 200 ? res.body : undefined;
    if (res.status !== 200 && res.status !== 404) throw new Error(`GET SchedulerHA ${m.namespace}/${m.name}: HTTP ${res.status}`);
    // The resource can be edited (kubectl): follow its framework name and prefix.
    const keys = resource?.spec ? keyLayoutOf(resource.spec) : m.keys;
    const labels = (p: Obj) => ((p.metadata as Obj).labels ?? {}) as Record<string, string>;
    const schedulerPods = podList.items.filter((p) => labels(p)[LABELS.owner] === m.name).map(podObservation);
    const workloadPods = podList.items.filter((p) => labels(p)[WORKLOAD_LABEL] === WORKLOAD_MANAGER).map(podObservation);
    const pids: Record<string, number[]> = {};
    for (const p of schedulerPods) {
      pids[p.name] = stack.runner.podPids(m.namespace, p.name);
      for (const pid of pids[p.name]!) this.track(p.name, pid);
    }
    let candidates: CandidateObservation[] | undefined;
    let leaderStatusText: string | null = null;
    let frameworkIdText: string | null = null;
    try {
      const [el, ls, fid] = await Promise.all([
        this.etcd!.getAll().prefix(`${keys.electionPrefix}/`).exec(),
        this.etcd!.get(keys.leaderStatus).string(),
        this.etcd!.get(keys.frameworkId).string(),
      ]);
      candidates = el.kvs.map((kv) => {
        const id = parseCandidateIdentity(kv.value.toString());
        return { createRevision: String(kv.create_revision), ...(id?.id ? { id: id.id } : {}), ...(id?.pod ? { pod: id.pod } : {}) };
      });
      leaderStatusText = ls;
      frameworkIdText = fid;
    } catch {
      // etcd unreachable: roles show as "?"
    }
    const leaderStatus = parseLeaderStatus(leaderStatusText);
    const fid = frameworkIdText ?? leaderStatus?.frameworkId ?? resource?.status?.frameworkID;
    const fw = fid ? stack.mesos.framework(fid) : undefined;
    const tasks: Record<string, number> = {};
    if (fw) for (const t of stack.mesos.tasks(fw.id)) tasks[t.state] = (tasks[t.state] ?? 0) + 1;
    return {
      at: new Date(),
      namespace: m.namespace,
      name: m.name,
      ...(resource ? { resource } : {}),
      schedulerPods,
      pids,
      ...(candidates ? { candidates } : {}),
      ...(leaderStatus ? { leaderStatus } : {}),
      mesos: {
        ...(stack.mesos.leaderUrl ? { leaderUrl: stack.mesos.leaderUrl } : {}),
        masters: stack.mesos.masters.length,
        agents: stack.mesos.agents.length,
        ...(fw ? { framework: { id: fw.id, connected: fw.connected, active: fw.active } } : fid ? { framework: { id: fid, connected: false, active: false } } : {}),
        tasks,
      },
      workloadPods,
      etcd: stack.etcd.endpoint,
      kubeApi: stack.kube.url,
      kubeconfig: this.kubeconfigShown,
      logs: `${stack.dir} (operator-*.log, pods/<namespace>_<pod>_<uid>/)`,
    };
  }

  private track(name: string, pid: number | undefined): void {
    if (!pid || this.pids.has(pid)) return;
    this.pids.set(pid, { name, pid });
    this.writeState();
  }

  private printPids(): void {
    if (this.pids.size === this.pidsPrinted || this.opts.tty) return;
    this.pidsPrinted = this.pids.size;
    this.out.info(`processes ${[...this.pids.values()].map((p) => `${p.name}=${p.pid}`).join(' ')}`);
  }

  /** <dir>/devstack.json: addresses and every pid the devstack started (for scripts, and to check nothing is left). */
  private writeState(): void {
    const s = this.stack;
    if (!s?.etcd || !s.kube) return;
    const state = {
      pid: process.pid,
      dir: s.dir,
      kubeconfig: this.kubeconfigShown || s.kubeconfigPath,
      etcd: s.etcd.endpoint,
      kubeApi: s.kube.url,
      mesosMasters: s.mesos.masterUrls,
      resource: this.manifests ? `${this.manifests.namespace}/${this.manifests.name}` : undefined,
      processes: [...this.pids.values()],
    };
    try {
      writeFileSync(join(s.dir, 'devstack.json'), `${JSON.stringify(state, null, 2)}\n`);
    } catch {
      // the directory is being removed
    }
  }

  // ---- keys and actions --------------------------------------------------------------------------------------------

  private installKeys(): void {
    const stdin = process.stdin;
    if (stdin.isTTY) {
      stdin.setRawMode(true);
      stdin.setEncoding('utf8');
      const onData = (d: string) => {
        if (d.startsWith('\u001b')) return; // arrow keys and other escape sequences ("\e[A" is not an "a")
        for (const ch of d) {
          const c = parseCommand(ch);
          if (c) void this.command(c);
        }
      };
      stdin.on('data', onData);
      stdin.resume();
      this.cleanups.push(() => {
        stdin.off('data', onData);
        try {
          stdin.setRawMode(false);
        } catch {
          // the terminal is gone
        }
        stdin.pause();
      });
    } else {
      // No terminal: one command per line (f, k, m, a, q or usr1, kill, master, annotate, quit); EOF is ignored.
      const rl = createInterface({ input: stdin, terminal: false });
      rl.on('line', (line) => {
        if (!line.trim()) return;
        const c = parseCommand(line);
        if (c) void this.command(c);
        else this.out.info(`unknown command ${JSON.stringify(line.trim())}: use f, k, m, a or q`);
      });
      rl.on('error', () => undefined);
      this.cleanups.push(() => {
        rl.close();
        stdin.pause();
      });
    }
  }

  private async command(c: DevstackCommand): Promise<void> {
    if (this.stopping) return;
    if (c === 'q') {
      void this.stop('quit', 0);
      return;
    }
    try {
      const a = await this.act(c);
      if (this.pending) this.out.info(`action ${this.pending.key} superseded by ${c}`);
      this.pending = a;
      this.actionMessage = `${a.key}: ${a.detail}`;
      this.out.info(`action ${a.key}: ${a.detail}`);
    } catch (err) {
      this.actionMessage = `${clock()} ✗ ${c}: ${errorMessage(err)}`;
      this.out.info(`action ${c} FAILED: ${errorMessage(err)}`);
    }
    if (this.last) this.out.render({ ...this.last, message: this.actionMessage });
  }

  private async act(key: Exclude<DevstackCommand, 'q'>): Promise<PendingAction> {
    const stack = this.stack!;
    const m = this.manifests!;
    const s = this.last;
    const base = { key, at: Date.now(), ...(s?.leader?.pod ? { fromPod: s.leader.pod } : {}), ...(s?.leader?.term ? { fromTerm: s.leader.term } : {}), ...(s?.frameworkId ? { frameworkId: s.frameworkId } : {}) };
    if (key === 'f' || key === 'k') {
      const pod = s?.leader?.pod;
      if (!pod) throw new Error(`${ACTION_NAMES[key]}: there is no leader right now`);
      const pid = stack.runner.podPids(m.namespace, pod)[0];
      if (!pid) throw new Error(`${ACTION_NAMES[key]}: leader pod ${pod} has no running process right now`);
      const sig = key === 'f' ? 'SIGUSR1' : 'SIGKILL';
      process.kill(pid, sig);
      return { ...base, detail: `sent ${sig.slice(3)} to leader ${pod} (pid ${pid}, term ${s!.leader!.term ?? '?'})` };
    }
    if (key === 'm') {
      const from = stack.mesos.leaderUrl;
      await stack.mesos.failover();
      return { ...base, ...(from ? { fromMaster: from } : {}), detail: `failed over the leading Mesos master ${from ?? '-'} → ${stack.mesos.leaderUrl ?? '-'}` };
    }
    const value = `devstack-${++this.annotationSeq}-${new Date().toISOString()}`;
    await kubeRequestOk(stack.kc, {
      method: 'PATCH',
      path: `/apis/${GROUP}/${VERSION}/namespaces/${m.namespace}/${PLURAL}/${m.name}`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { [ANNOTATIONS.failover]: value } } },
      timeoutMs: 10_000,
    });
    return { ...base, detail: `set ${ANNOTATIONS.failover}=${value} on ${m.namespace}/${m.name} (leader ${s?.leader?.pod ?? '-'}, term ${s?.leader?.term ?? '-'})` };
  }

  // ---- stop --------------------------------------------------------------------------------------------------------

  private installSignals(): void {
    const on = (sig: NodeJS.Signals) => {
      if (this.stopRequested) {
        // A second signal while the first waits for start-up: stop now (the children die with this process).
        this.killAllNow();
        process.exit(130);
      }
      if (!this.stack && !this.stopping) {
        // Still starting: stop as soon as the start-up step returns.
        this.stopRequested = { reason: sig, code: 0 };
        this.out.info(`${sig}: stopping once the current start-up step finishes`);
        return;
      }
      void this.stop(sig, 0);
    };
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const h = () => on(sig);
      process.on(sig, h);
      this.cleanups.push(() => process.off(sig, h));
    }
  }

  private killAllNow(): void {
    for (const pid of [...this.pids.keys(), ...(this.stack?.runner?.pids() ?? [])]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }

  private stop(reason: string, code: number): Promise<number> {
    this.stopping ??= this.doStop(reason, code);
    return this.stopping;
  }

  private async doStop(reason: string, code: number): Promise<number> {
    this.stopCtl.abort();
    const last = this.last;
    this.out.close();
    for (const c of this.cleanups.splice(0)) c();
    // Keep the signal handlers alive (a second Ctrl-C forces) until the stack is down.
    const force = () => {
      this.killAllNow();
      process.exit(130);
    };
    process.on('SIGINT', force);
    process.on('SIGTERM', force);
    if (last && this.opts.tty) process.stdout.write(`${statusLine(last)}\n`);
    const say = (l: string) => process.stdout.write(`devstack: ${l}\n`);
    if (code !== 0) process.stderr.write(`schedulerha devstack: ${reason.replace(/^error: /, '')}\n`);
    else if (reason !== 'done') say(`${reason === 'quit' || reason === 'ready' ? '' : `${reason}: `}stopping everything…`);
    this.etcd?.close();
    const dir = this.stack?.dir;
    await this.stack?.stop();
    // Nothing may be left running.
    const left = [...this.pids.values()].filter((p) => alive(p.pid));
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    process.off('SIGINT', force);
    process.off('SIGTERM', force);
    if (this.stack) {
      if (left.length) process.stderr.write(`schedulerha devstack: still running after the stop, killed: ${left.map((p) => `${p.name}=${p.pid}`).join(' ')}\n`);
      say(`stopped: ${this.pids.size} processes started, ${left.length ? `${left.length} had to be killed` : 'none left running'}`);
      if (dir && (this.opts.keep || this.opts.dir)) say(`working directory kept: ${dir} (devstack.json, operator-*.log, pods/<namespace>_<pod>_<uid>/<container>/<restart>.log, etcd/)`);
    }
    return left.length && code === 0 ? 1 : code;
  }
}

/** HH:MM:SS (UTC, like the status lines) for messages in the view. */
function clock(): string {
  return new Date().toISOString().slice(11, 19);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readManifest(file: string, flag: string): string {
  if (!existsSync(file)) throw new SchedulerHAError('ManifestNotFound', `${file} does not exist; pass another file with ${flag}`);
  return readFileSync(file, 'utf8');
}

function keyLayoutOf(spec: SchedulerHASpec): KeyLayout {
  return keyLayout(spec.etcd?.prefix ?? DEFAULT_ETCD_PREFIX, spec.flags?.frameworkName ?? 'Kubernetes');
}

function podObservation(p: Obj): PodObservation {
  const md = p.metadata as Obj;
  const spec = (p.spec ?? {}) as Obj;
  const status = (p.status ?? {}) as { phase?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ restartCount?: number }> };
  return {
    name: String(md.name),
    ready: !!status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    restarts: (status.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0),
    ...(status.phase ? { phase: status.phase } : {}),
    ...(md.deletionTimestamp ? { deleting: true } : {}),
    ...(typeof spec.nodeName === 'string' && spec.nodeName ? { nodeName: spec.nodeName } : {}),
  };
}

export async function runDevstack(opts: DevstackOptions): Promise<number> {
  return await new Devstack(opts).run();
}

interface Flags {
  tty: boolean;
  exitAfterReady?: boolean;
  timeout: string;
  kubeconfig?: string;
  keep?: boolean;
  dir?: string;
  file: string;
  podFile: string;
  pods: string;
  statusInterval: string;
  rbac?: boolean;
}

/** Makes `schedulerha devstack` (no subcommand) run the stack; `devstack mesos-master` etc. stay subcommands. */
export function registerDevstackCommand(devstack: Command): void {
  devstack
    .enablePositionalOptions() // `devstack kube-apiserver --kubeconfig F` belongs to the subcommand
    .option('--no-tty', 'print status lines instead of the live view (the default when stdout is not a terminal); commands f, k, m, a, q are read one per line from stdin')
    .option('--exit-after-ready', 'exit 0 once the SchedulerHA is Ready, its framework registered and the pods bound (exit 1 after --timeout)')
    .option('--timeout <duration>', 'with --exit-after-ready: how long to wait for ready', '240s')
    .option('--kubeconfig <file>', 'also write a kubeconfig for the Kubernetes API emulator to this file')
    .option('--keep', 'keep the working directory (logs of every pod and the operator, etcd data, devstack.json) and print where it is')
    .option('--dir <dir>', 'working directory to use (kept on exit)')
    .option('-f, --file <file>', 'the SchedulerHA to apply (its etcd endpoints and Mesos master are replaced by the stack\'s)', DEFAULT_RESOURCE_FILE)
    .option('--pod-file <file>', 'the pod the scheduler gets copies of', DEFAULT_POD_FILE)
    .option('--pods <n>', 'how many pods to create for the scheduler', '3')
    .option('--status-interval <duration>', 'with --no-tty: a status line at least this often, besides one per change', '15s')
    .option('--rbac', 'run as on a real cluster: the API emulator authorizes with RBAC, the generated RBAC is applied, the operator and the scheduler pods act as their ServiceAccounts')
    .action(async (f: Flags) => {
      const timeout = parseDurationSeconds(f.timeout);
      const interval = parseDurationSeconds(f.statusInterval);
      const code = await runDevstack({
        tty: f.tty && !!process.stdout.isTTY,
        exitAfterReady: !!f.exitAfterReady,
        timeoutSeconds: timeout ?? NaN,
        ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}),
        keep: !!f.keep,
        ...(f.dir ? { dir: f.dir } : {}),
        file: resolve(f.file),
        podFile: resolve(f.podFile),
        pods: /^\d+$/.test(f.pods) ? Number(f.pods) : NaN,
        statusIntervalSeconds: interval && interval > 0 ? interval : 15,
        rbac: !!f.rbac,
      });
      process.exitCode = code;
      // Everything we started is stopped; do not wait for stray handles (stdin, sockets) to close.
      setTimeout(() => process.exit(code), 200).unref();
    });
}
