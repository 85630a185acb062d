// The local stack: a real etcd, the Mesos master emulator, the Kubernetes API emulator with the pod runner (which
// runs StatefulSet pods — the scheduler replicas — as local processes), the SchedulerHA CRD installed, and
// optionally the operator as a child process. Used by `schedulerha devstack`, the end-to-end tests, the chaos soak
// and the benchmarks, so they all run one and the same stack.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeConfig } from '@kubernetes/client-node';
import { EtcdServer } from './etcd.js';
import { MesosCluster, type MesosClusterOptions } from './mesos/index.js';
import { KubeApiServer, PodRunner } from './kube/index.js';
import { ManagedChild } from './managed-child.js';
import { applyObject, installCrd, kubeConfigFromString, kubeRequestOk } from '../kube/index.js';
import { buildCrd } from '../api/schema.js';
import { silentLogger, type Logger } from '../util/log.js';
import { DEFAULT_RELEASE, defaultValues, operatorNamespace, operatorRbac, operatorServiceAccountName, schedulerClusterRole, schedulerNamespace } from '../manifests/install.js';

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
  /** Run under RBAC, as a real cluster: the API emulator authorizes ServiceAccount tokens with RBAC; the generated
   * RBAC of src/manifests (operator ServiceAccount, ClusterRole, Lease Role, bindings; the scheduler ClusterRole)
   * is applied; `startOperator` runs the operator with its ServiceAccount's token (`operatorKubeconfigPath`); every
   * pod gets a token of its own spec.serviceAccountName (the runner's projected-token emulation) instead of the
   * admin kubeconfig. A namespace for SchedulerHA resources needs `setUpSchedulerNamespace(ns)` (the scheduler
   * ServiceAccount and its binding), as install.yaml does for `mesos`. Default false. */
  rbac?: boolean;
  /** Namespaces set up for SchedulerHA resources at start (created when missing); see setUpSchedulerNamespace. */
  schedulerNamespaces?: string[];
  /** With `rbac`: the RBAC of the one-namespace install (chart value operator.watchNamespace) — the operator's
   * rules in a Role of this namespace (set up for SchedulerHA resources, created when missing) instead of a
   * ClusterRole; run the operator with `--namespace=<it>`. */
  watchNamespace?: string;
}

export class LocalStack {
  readonly dir: string;
  /** The admin kubeconfig (system:masters). */
  readonly kubeconfigPath: string;
  /** The kubeconfig the operator runs with: its ServiceAccount's token with `rbac`, else the admin one. */
  readonly operatorKubeconfigPath: string;
  /** The operator's namespace (its ServiceAccount and Lease live there). */
  readonly operatorNamespace = DEFAULT_RELEASE.namespace;
  readonly rbac: boolean;
  etcd!: EtcdServer;
  mesos!: MesosCluster;
  kube!: KubeApiServer;
  runner!: PodRunner;
  kc!: KubeConfig;
  private operatorProc: ManagedChild | undefined;
  private readonly ownDir: boolean;
  private operatorToken: TokenFile | undefined;

  private constructor(private readonly opts: LocalStackOptions) {
    this.ownDir = !opts.dir;
    this.dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'schedulerha-devstack-'));
    mkdirSync(this.dir, { recursive: true });
    this.kubeconfigPath = join(this.dir, 'kubeconfig');
    this.rbac = opts.rbac ?? false;
    this.operatorKubeconfigPath = this.rbac ? join(this.dir, 'operator-kubeconfig') : this.kubeconfigPath;
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
    this.kube = await KubeApiServer.start({ ...(this.opts.kube?.port !== undefined ? { port: this.opts.kube.port } : {}), ...(this.opts.kube?.watchWindow ? { watchWindow: this.opts.kube.watchWindow } : {}), rbac: this.rbac, logger: log.child({ component: 'kube-apiserver' }) });
    this.kube.writeKubeconfig(this.kubeconfigPath);
    this.kc = kubeConfigFromString(this.kube.kubeconfig);
    progress('installing the SchedulerHA CRD');
    await installCrd(this.kc, buildCrd());
    if (this.rbac) {
      progress('applying the RBAC manifests');
      const v = defaultValues();
      if (this.opts.watchNamespace) {
        v.operator.watchNamespace = this.opts.watchNamespace;
        // The Role lives in the watched namespace, so it exists first (as install.yaml lists scheduler namespaces first).
        await this.apply(schedulerNamespace(v, DEFAULT_RELEASE, this.opts.watchNamespace).map((m) => m.obj));
      }
      await this.apply([operatorNamespace(v, DEFAULT_RELEASE), ...operatorRbac(v, DEFAULT_RELEASE), schedulerClusterRole(v, DEFAULT_RELEASE)].map((m) => m.obj));
      this.operatorToken = await TokenFile.start(this.kc, this.operatorNamespace, operatorServiceAccountName(v, DEFAULT_RELEASE), join(this.dir, 'operator-token'));
      writeFileSync(this.operatorKubeconfigPath, this.operatorToken.kubeconfig(this.kube.url, this.operatorNamespace), { mode: 0o600 });
    }
    for (const ns of this.opts.schedulerNamespaces ?? []) await this.setUpSchedulerNamespace(ns);
    progress('starting the pod runner');
    this.runner = await PodRunner.start({
      kubeconfig: this.kube.kubeconfig,
      commandMap: { schedulerha: [process.execPath, CLI_PATH] },
      // Under RBAC every pod gets its own ServiceAccount's token instead of the admin kubeconfig.
      ...(this.rbac ? { serviceAccountTokens: true } : {}),
      env: { ...(this.rbac ? {} : { KUBECONFIG: this.kubeconfigPath }), SCHEDULERHA_LOG_PRETTY: '0', ...this.opts.podEnv },
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

  /** Sets up a namespace for SchedulerHA resources as install.yaml / the Helm chart do for theirs (created when
   * missing): the scheduler ServiceAccount its pods run as, bound to the scheduler ClusterRole. */
  async setUpSchedulerNamespace(namespace: string, opts: { serviceAccountName?: string } = {}): Promise<void> {
    const v = defaultValues();
    if (opts.serviceAccountName) v.scheduler.serviceAccountName = opts.serviceAccountName;
    if (!this.rbac) {
      // The scheduler ClusterRole is applied at start only under RBAC; bind to it anyway (harmless without).
      await this.apply([schedulerClusterRole(v, DEFAULT_RELEASE).obj]);
    }
    await this.apply(schedulerNamespace(v, DEFAULT_RELEASE, namespace).map((m) => m.obj));
  }

  /** Starts `schedulerha operator` against this stack as a child process (logs in <dir>/operator.log), with the
   * operator's ServiceAccount credentials under RBAC. */
  startOperator(args: string[] = []): ManagedChild {
    const p = new ManagedChild();
    const logFile = join(this.dir, `operator-${Date.now()}.log`);
    p.start(process.execPath, [CLI_PATH, 'operator', `--kubeconfig=${this.operatorKubeconfigPath}`, ...args], logFile, { env: { ...process.env, SCHEDULERHA_LOG_PRETTY: '0' } });
    this.operatorProc = p;
    return p;
  }

  get operator(): ManagedChild | undefined {
    return this.operatorProc;
  }

  /** Everything stopped, in reverse order; nothing left running. */
  async stop(): Promise<void> {
    await this.operatorProc?.halt().catch(() => undefined);
    this.operatorToken?.stop();
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

/** A ServiceAccount token kept fresh in a file (TokenRequest, renewed at 80 % of its lifetime), and a kubeconfig
 * that reads it (client-node's tokenFile auth provider re-reads the file every minute) — what a pod's projected
 * token gives a process that does not run in a pod (the operator child process). */
class TokenFile {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
    readonly path: string,
  ) {}

  static async start(kc: KubeConfig, namespace: string, name: string, path: string): Promise<TokenFile> {
    const t = new TokenFile(kc, namespace, name, path);
    await t.refresh();
    return t;
  }

  private async refresh(): Promise<void> {
    const tr = await kubeRequestOk<{ status: { token: string; expirationTimestamp: string } }>(this.kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${this.namespace}/serviceaccounts/${this.name}/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    });
    writeFileSync(`${this.path}.tmp`, tr.status.token, { mode: 0o600 });
    renameSync(`${this.path}.tmp`, this.path);
    if (this.stopped) return;
    const lifetime = Date.parse(tr.status.expirationTimestamp) - Date.now();
    this.schedule(Math.max(10_000, lifetime * 0.8));
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.refresh().catch(() => {
        if (!this.stopped) this.schedule(10_000);
      });
    }, ms);
    this.timer.unref();
  }

  kubeconfig(server: string, namespace: string): string {
    const user = `system:serviceaccount:${this.namespace}:${this.name}`;
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'devstack', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: user, user: { 'auth-provider': { name: 'tokenFile', config: { tokenFile: this.path } } } }],
      contexts: [{ name: 'devstack', context: { cluster: 'devstack', user, namespace } }],
      'current-context': 'devstack',
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
