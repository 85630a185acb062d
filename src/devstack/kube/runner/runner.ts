// PodRunner: a local "kube-controller-manager (StatefulSet controller) + default scheduler + kubelet" that talks
// to any Kubernetes API server over HTTP with a kubeconfig, and turns pods bound to its node into local processes.
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { silentLogger, type Logger } from '../../../util/log.js';
import { RawKube } from './client.js';
import { StatefulSetController } from './statefulset.js';
import { DefaultScheduler } from './scheduler.js';
import { Kubelet, type BackoffSettings } from './kubelet.js';
import { Reaper } from '../../reaper.js';

export interface PodRunnerOptions {
  /** Kubeconfig (YAML text) or a loaded KubeConfig for the API server to work against. */
  kubeconfig: string | KubeConfig;
  /** The node this runner's kubelet serves and its scheduler binds to (default `devstack-node`). */
  nodeName?: string;
  /** Executable name -> argv prefix. A container whose command[0] (or its basename) is a key runs the mapped argv
   * followed by the rest of its command and args, e.g. `{ schedulerha: [process.execPath, '/abs/dist/src/cli.js'] }`. */
  commandMap?: Record<string, string[]>;
  /** Image -> entrypoint argv, for containers without a command (matched exactly, then without tag/digest, then by
   * the last path component). */
  imageMap?: Record<string, string[]>;
  /** Extra environment variables for every container (e.g. KUBECONFIG for processes that call the API). */
  env?: Record<string, string>;
  /** Emulate the projected service-account token: every container gets KUBECONFIG pointing at a kubeconfig that
   * authenticates as its pod's spec.serviceAccountName (a TokenRequest bound to the pod, refreshed before it
   * expires) — instead of `env.KUBECONFIG` — unless automountServiceAccountToken is false (then no KUBECONFIG).
   * A ServiceAccount that does not exist keeps the container waiting (CreateContainerConfigError). Default false. */
  serviceAccountTokens?: boolean;
  /** Lifetime of those tokens (default 3607 s, as the kubelet asks; refreshed at 80 %). */
  serviceAccountTokenExpirationSeconds?: number;
  /** Where container logs go: <logDir>/<ns>_<pod>_<uid>/<container>/<restartCount>.log. Default: a temp dir,
   * removed on stop() unless keepLogs. */
  logDir?: string;
  keepLogs?: boolean;
  /** CrashLoopBackOff timing (kubelet defaults 10 s / 300 s / 10 min); compress it in tests. */
  crashLoopBackoff?: Partial<BackoffSettings>;
  /** spec.schedulerName values the default scheduler binds (default ['', 'default-scheduler']). */
  schedulerNames?: string[];
  /** Which parts run (all by default). */
  statefulSetController?: boolean;
  scheduler?: boolean;
  kubelet?: boolean;
  /** Create the Node object and heartbeat its status (default true). */
  registerNode?: boolean;
  /** Pod IPs are <podIPPrefix>.<n> for n in [podIPFirst, podIPLast] (default 127.0.0.2 … 127.0.0.254). */
  podIPPrefix?: string;
  podIPFirst?: number;
  podIPLast?: number;
  logger?: Logger;
}

export interface PodLogFile {
  uid: string;
  container: string;
  restartCount: number;
  path: string;
}

export class PodRunner {
  readonly nodeName: string;
  readonly logDir: string;
  private readonly kube: RawKube;
  private readonly reaper = new Reaper();
  private sts: StatefulSetController | undefined;
  private sched: DefaultScheduler | undefined;
  private kubelet: Kubelet | undefined;
  private readonly ownLogDir: boolean;

  private constructor(private readonly opts: PodRunnerOptions) {
    this.nodeName = opts.nodeName ?? 'devstack-node';
    this.ownLogDir = !opts.logDir;
    this.logDir = opts.logDir ?? mkdtempSync(join(tmpdir(), 'schedulerha-pods-'));
    this.kube = new RawKube(opts.kubeconfig);
  }

  static async start(opts: PodRunnerOptions): Promise<PodRunner> {
    const r = new PodRunner(opts);
    const log = opts.logger ?? silentLogger;
    r.reaper.start();
    try {
      if (opts.kubelet !== false) {
        r.kubelet = new Kubelet(r.kube, {
          nodeName: r.nodeName,
          commandMap: opts.commandMap ?? {},
          imageMap: opts.imageMap ?? {},
          env: opts.env ?? {},
          logDir: r.logDir,
          backoff: { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000, ...opts.crashLoopBackoff },
          ipPrefix: opts.podIPPrefix ?? '127.0.0',
          ipFirst: opts.podIPFirst ?? 2,
          ipLast: opts.podIPLast ?? 254,
          hostIP: '127.0.0.1',
          log: log.child({ component: 'kubelet' }),
          reaper: r.reaper,
          ...(opts.serviceAccountTokens ? { serviceAccountTokens: true } : {}),
          ...(opts.serviceAccountTokenExpirationSeconds ? { tokenExpirationSeconds: opts.serviceAccountTokenExpirationSeconds } : {}),
        });
        await r.kubelet.start(opts.registerNode ?? true);
      }
      if (opts.scheduler !== false) {
        r.sched = new DefaultScheduler(r.kube, r.nodeName, opts.schedulerNames ?? ['', 'default-scheduler'], log.child({ component: 'scheduler' }));
        r.sched.start();
      }
      if (opts.statefulSetController !== false) {
        r.sts = new StatefulSetController(r.kube, log.child({ component: 'statefulset-controller' }));
        r.sts.start();
      }
    } catch (err) {
      await r.stop();
      throw err;
    }
    return r;
  }

  /** PIDs of the container processes running now. */
  pids(): number[] {
    return this.kubelet?.pids() ?? [];
  }

  /** PIDs of one pod's running container processes (fault injection: signal a given replica). */
  podPids(namespace: string, name: string): number[] {
    return this.kubelet?.podPids(namespace, name) ?? [];
  }

  /** Every log file of a pod (all uids / incarnations), oldest incarnation first per container. */
  logFiles(namespace: string, pod: string): PodLogFile[] {
    const out: PodLogFile[] = [];
    if (!existsSync(this.logDir)) return out;
    const prefix = `${namespace}_${pod}_`;
    for (const dir of readdirSync(this.logDir)) {
      if (!dir.startsWith(prefix)) continue;
      const uid = dir.slice(prefix.length);
      for (const container of readdirSync(join(this.logDir, dir))) {
        if (container === 'sandbox') continue;
        for (const f of readdirSync(join(this.logDir, dir, container))) {
          const m = f.match(/^(\d+)\.log$/);
          if (m) out.push({ uid, container, restartCount: Number(m[1]), path: join(this.logDir, dir, container, f) });
        }
      }
    }
    return out.sort((a, b) => a.uid.localeCompare(b.uid) || a.container.localeCompare(b.container) || a.restartCount - b.restartCount);
  }

  /** The log of one container incarnation (default: the pod's current uid's first container, latest restart). */
  readLog(namespace: string, pod: string, opts: { container?: string; restartCount?: number; uid?: string } = {}): string {
    const files = this.logFiles(namespace, pod).filter((f) => (!opts.container || f.container === opts.container) && (!opts.uid || f.uid === opts.uid) && (opts.restartCount === undefined || f.restartCount === opts.restartCount));
    const f = files[files.length - 1];
    return f ? readFileSync(f.path, 'utf8') : '';
  }

  async stop(): Promise<void> {
    await this.sts?.stop();
    await this.sched?.stop();
    await this.kubelet?.stop();
    this.reaper.stop();
    this.kube.close();
    if (this.ownLogDir && !this.opts.keepLogs) rmSync(this.logDir, { recursive: true, force: true });
  }
}
