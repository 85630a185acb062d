// The local stack: a real etcd, the Mesos master emulator, the Kubernetes API emulator with the pod runner (which
// runs StatefulSet pods — the scheduler replicas — as local processes), the SchedulerHA CRD installed, and
// optionally the operator as a child process. Used by `schedulerha devstack`, the end-to-end tests, the chaos soak
// and the benchmarks, so they all run one and the same stack.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeConfig } from '@kubernetes/client-node';
import { EtcdServer } from './etcd.js';
import { MesosCluster, type MesosClusterOptions } from './mesos/index.js';
import { KubeApiServer, PodRunner } from './kube/index.js';
import { ManagedChild } from './managed-child.js';
import { applyObject, installCrd, kubeConfigFromString } from '../kube/index.js';
import { buildCrd } from '../api/schema.js';
import { silentLogger, type Logger } from '../util/log.js';

/** Absolute path of the compiled CLI next to this module (dist/src/cli.js). */
export const CLI_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../cli.js');

export interface LocalStackOptions {
  /** Working directory (kubeconfig, logs); default a fresh temporary one, removed on stop unless keepDir. */
  dir?: string;
  keepDir?: boolean;
  mesos?: MesosClusterOptions;
  /** Kubernetes API emulator options. */
  kube?: { port?: number; watchWindow?: number };
  /** Pod runner crash-loop back-off (compressed by default so a killed replica restarts promptly). */
  crashLoopBackoff?: { initialMs?: number; maxMs?: number; resetAfterMs?: number };
  /** Extra environment for every pod the runner starts. */
  podEnv?: Record<string, string>;
  logger?: Logger;
  /** Called with a short line for each start-up step (the devstack progress line). */
  onProgress?: (step: string) => void;
}

export class LocalStack {
  readonly dir: string;
  readonly kubeconfigPath: string;
  etcd!: EtcdServer;
  mesos!: MesosCluster;
  kube!: KubeApiServer;
  runner!: PodRunner;
  kc!: KubeConfig;
  private operatorProc: ManagedChild | undefined;
  private readonly ownDir: boolean;

  private constructor(private readonly opts: LocalStackOptions) {
    this.ownDir = !opts.dir;
    this.dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'schedulerha-devstack-'));
    mkdirSync(this.dir, { recursive: true });
    this.kubeconfigPath = join(this.dir, 'kubeconfig');
  }

  static async start(opts: LocalStackOptions = {}): Promise<LocalStack> {
    const s = new LocalStack(opts);
    try {
      await s.boot();
    } catch (err) {
      await s.stop();
      throw err;
    }
    return s;
  }

  private async boot(): Promise<void> {
    const progress = this.opts.onProgress ?? (() => undefined);
    const log = this.opts.logger ?? silentLogger;
    progress('starting etcd');
    this.etcd = await EtcdServer.start({ dataDir: join(this.dir, 'etcd') });
    progress('starting the Mesos masters and agents');
    this.mesos = await MesosCluster.start({ masters: 3, agents: 5, clock: 'real', ...this.opts.mesos });
    progress('starting the Kubernetes API emulator');
    this.kube = await KubeApiServer.start({ ...(this.opts.kube?.port !== undefined ? { port: this.opts.kube.port } : {}), ...(this.opts.kube?.watchWindow ? { watchWindow: this.opts.kube.watchWindow } : {}), logger: log.child({ component: 'kube-apiserver' }) });
    this.kube.writeKubeconfig(this.kubeconfigPath);
    this.kc = kubeConfigFromString(this.kube.kubeconfig);
    progress('installing the SchedulerHA CRD');
    await installCrd(this.kc, buildCrd());
    progress('starting the pod runner');
    this.runner = await PodRunner.start({
      kubeconfig: this.kube.kubeconfig,
      commandMap: { schedulerha: [process.execPath, CLI_PATH] },
      env: { KUBECONFIG: this.kubeconfigPath, SCHEDULERHA_LOG_PRETTY: '0', ...this.opts.podEnv },
      logDir: join(this.dir, 'pods'),
      keepLogs: true,
      crashLoopBackoff: { initialMs: 500, maxMs: 5000, resetAfterMs: 60_000, ...this.opts.crashLoopBackoff },
      logger: log.child({ component: 'pod-runner' }),
    });
  }

  /** Applies YAML (several documents) or objects with server-side apply, like `kubectl apply --server-side`. */
  async apply(input: string | Array<Record<string, unknown>>, fieldManager = 'schedulerha-devstack'): Promise<void> {
    const objs = typeof input === 'string' ? parseAllDocuments(input).map((d) => d.toJS() as Record<string, unknown>).filter((o) => o && typeof o === 'object') : input;
    for (const o of objs) await applyObject(this.kc, o, { fieldManager, force: true });
  }

  /** Starts `schedulerha operator` against this stack as a child process (logs in <dir>/operator.log). */
  startOperator(args: string[] = []): ManagedChild {
    const p = new ManagedChild();
    const logFile = join(this.dir, `operator-${Date.now()}.log`);
    p.start(process.execPath, [CLI_PATH, 'operator', `--kubeconfig=${this.kubeconfigPath}`, ...args], logFile, { env: { ...process.env, SCHEDULERHA_LOG_PRETTY: '0' } });
    this.operatorProc = p;
    return p;
  }

  get operator(): ManagedChild | undefined {
    return this.operatorProc;
  }

  /** Everything stopped, in reverse order; nothing left running. */
  async stop(): Promise<void> {
    await this.operatorProc?.halt().catch(() => undefined);
    await this.runner?.stop().catch(() => undefined);
    await this.kube?.stop().catch(() => undefined);
    await this.mesos?.stop().catch(() => undefined);
    await this.etcd?.stop().catch(() => undefined);
    if (this.ownDir && !this.opts.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Writes a kubeconfig for the emulator to `path` (for `--kubeconfig FILE`). */
  writeKubeconfig(path: string): void {
    writeFileSync(path, this.kube.kubeconfig);
  }
}
