// `schedulerha operator`: the SchedulerHA controller. Flags follow controller-runtime / kube-controller-manager
// names where one exists (--kubeconfig, --leader-elect*, --metrics-bind-address, --health-probe-bind-address).
// Signals: TERM/INT → graceful shutdown (running reconciles finish within --shutdown-timeout, the Lease is
// released so a standby takes over at once), exit 0. Losing the Lease → exit 1 (Kubernetes restarts it).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { installCrd, KubeConfigError, listPodByName, loadKubeConfig } from '../kube/index.js';
import { buildCrd } from '../api/schema.js';
import { createLogger, type Logger } from '../util/log.js';
import { errorMessage } from '../util/errors.js';
import { parseDurationSeconds } from '../util/time.js';
import { Operator, type OperatorOptions } from './controller.js';

export const DEFAULT_LEASE_NAME = 'schedulerha-operator';

function packageVersion(): string {
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    for (const p of [join(here, '../../../package.json'), join(here, '../../package.json')]) {
      try {
        const v = (JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string });
        if (v.name === 'schedulerha' && v.version) return v.version;
      } catch {
        // try the next
      }
    }
  } catch {
    // fall through
  }
  return 'latest';
}

export const DEFAULT_SCHEDULER_IMAGE = `schedulerha:${packageVersion()}`;

export interface OperatorFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  schedulerImage?: string;
  schedulerFsGroup: string;
  leaderElect: boolean;
  leaderElectionNamespace?: string;
  leaderElectionId: string;
  leaderElectLeaseDuration: string;
  leaderElectRenewDeadline: string;
  leaderElectRetryPeriod: string;
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  maxConcurrentReconciles: string;
  syncPeriod: string;
  reconcileTimeout: string;
  pollInterval: string;
  unreadyPollInterval: string;
  secretCacheTtl: string;
  shutdownTimeout: string;
  installCrd: boolean;
  identity?: string;
  logLevel: string;
}

function ms(flag: string, v: string): number {
  const s = parseDurationSeconds(v);
  if (s === undefined || s < 0) throw new Error(`--${flag}: "${v}" is not a duration (e.g. 15s, 2m)`);
  return Math.round(s * 1000);
}

/** ":8080" → every address of both families (as Go's net.Listen binds it: probes reach the pod IP, which is IPv6 on
 * an IPv6 cluster); "127.0.0.1:0", "[::1]:8080"; "0" disables. */
export function parseBindAddress(flag: string, v: string): { host: string | undefined; port: number } | undefined {
  if (v === '0' || v === '') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(v);
  if (!m) throw new Error(`--${flag}: "${v}" is not host:port (e.g. :8080, 127.0.0.1:8081; 0 disables)`);
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? undefined : host, port: Number(m[3]) };
}

/** The scheduler image: the flag, $SCHEDULERHA_SCHEDULER_IMAGE, the operator's own image (its pod, read through
 * POD_NAME/POD_NAMESPACE), else schedulerha:<version>. */
async function resolveSchedulerImage(flags: OperatorFlags, kc: import('@kubernetes/client-node').KubeConfig, log: Logger): Promise<string> {
  if (flags.schedulerImage) return flags.schedulerImage;
  if (process.env.SCHEDULERHA_SCHEDULER_IMAGE) return process.env.SCHEDULERHA_SCHEDULER_IMAGE;
  const pod = process.env.POD_NAME;
  const ns = process.env.POD_NAMESPACE;
  if (pod && ns) {
    try {
      // The operator may list pods (its informer) but has no `get` on them.
      const p = await listPodByName<{ spec?: { containers?: Array<{ name: string; image?: string }> } }>(kc, ns, pod);
      if (!p) throw new Error(`pod ${ns}/${pod} (POD_NAMESPACE/POD_NAME) not found`);
      const c = p.spec?.containers?.find((x) => x.name === 'operator') ?? p.spec?.containers?.[0];
      if (c?.image) return c.image;
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'cannot read the operator pod to find its image; using the default scheduler image');
    }
  }
  return DEFAULT_SCHEDULER_IMAGE;
}

export async function runOperator(flags: OperatorFlags): Promise<number> {
  const log = createLogger({ name: 'operator', level: flags.logLevel });
  let operator: Operator;
  try {
    const loaded = loadKubeConfig({ ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}), ...(flags.context ? { context: flags.context } : {}) });
    log.info({ source: loaded.source, from: loaded.from, server: loaded.server }, 'Kubernetes configuration loaded');
    if (flags.installCrd) {
      const outcome = await installCrd(loaded.kc, buildCrd());
      log.info({ outcome }, 'SchedulerHA CRD installed');
    }
    const http = [parseBindAddress('metrics-bind-address', flags.metricsBindAddress), parseBindAddress('health-probe-bind-address', flags.healthProbeBindAddress)].filter((a): a is { host: string | undefined; port: number } => !!a);
    const unique = http.filter((a, i) => http.findIndex((b) => b.host === a.host && b.port === a.port && b.port !== 0) === i || a.port === 0);
    const concurrency = Number(flags.maxConcurrentReconciles);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--max-concurrent-reconciles must be a positive integer, not ${flags.maxConcurrentReconciles}`);
    const leNamespace = flags.leaderElectionNamespace ?? process.env.POD_NAMESPACE ?? loaded.namespace;
    const fsGroup = flags.schedulerFsGroup === 'none' ? null : Number(flags.schedulerFsGroup);
    if (fsGroup !== null && !(Number.isInteger(fsGroup) && fsGroup >= 0)) throw new Error(`--scheduler-fs-group must be a group id or "none", not ${flags.schedulerFsGroup}`);
    const opts: OperatorOptions = {
      kc: loaded.kc,
      ...(flags.namespace ? { namespace: flags.namespace } : {}),
      schedulerImage: await resolveSchedulerImage(flags, loaded.kc, log),
      schedulerFsGroup: fsGroup,
      ...(flags.identity ? { identity: flags.identity } : {}),
      leaderElection: flags.leaderElect
        ? {
            namespace: leNamespace,
            name: flags.leaderElectionId,
            leaseDurationMs: ms('leader-elect-lease-duration', flags.leaderElectLeaseDuration),
            renewDeadlineMs: ms('leader-elect-renew-deadline', flags.leaderElectRenewDeadline),
            retryPeriodMs: ms('leader-elect-retry-period', flags.leaderElectRetryPeriod),
          }
        : false,
      concurrency,
      resyncPeriodMs: ms('sync-period', flags.syncPeriod),
      reconcileTimeoutMs: ms('reconcile-timeout', flags.reconcileTimeout),
      readyPollMs: ms('poll-interval', flags.pollInterval),
      unreadyPollMs: ms('unready-poll-interval', flags.unreadyPollInterval),
      secretCacheMs: ms('secret-cache-ttl', flags.secretCacheTtl),
      shutdownGraceMs: ms('shutdown-timeout', flags.shutdownTimeout),
      http: unique,
      logger: log,
    };
    operator = new Operator(opts);
    log.info({ identity: operator.identity, schedulerImage: opts.schedulerImage, namespace: flags.namespace ?? '(all)', leaderElection: opts.leaderElection }, 'starting the SchedulerHA operator');
    await operator.start();
  } catch (err) {
    if (err instanceof KubeConfigError) log.fatal({ reason: err.reason }, err.message);
    else log.fatal({ err: errorMessage(err) }, 'operator failed to start');
    return 1;
  }
  const graceMs = ms('shutdown-timeout', flags.shutdownTimeout);
  return await new Promise<number>((resolve) => {
    let exiting = false;
    const shutdown = (signal: string, code: number) => {
      if (exiting) return;
      exiting = true;
      log.info({ signal }, 'shutting down');
      const hard = setTimeout(() => {
        log.error('shutdown grace period exceeded; exiting');
        resolve(code || 1);
      }, graceMs + 5000);
      hard.unref();
      operator.stop().then(
        () => {
          clearTimeout(hard);
          resolve(code);
        },
        (err: unknown) => {
          clearTimeout(hard);
          log.error({ err: errorMessage(err) }, 'error while stopping');
          resolve(1);
        },
      );
    };
    operator.on('lost', (reason) => {
      log.error({ reason }, 'leader election lost; exiting so a fresh process campaigns again');
      shutdown('leader-election-lost', 1);
    });
    process.on('SIGTERM', () => shutdown('SIGTERM', 0));
    process.on('SIGINT', () => shutdown('SIGINT', 0));
  });
}

export function registerOperatorCommand(program: Command): void {
  program
    .command('operator')
    .description('run the SchedulerHA operator (reconciles SchedulerHA resources into scheduler StatefulSets and reports their HA state)')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, then in-cluster, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--namespace <ns>', 'watch only this namespace (default: all namespaces)')
    .option('--scheduler-image <image>', 'scheduler image when a SchedulerHA names none (default: $SCHEDULERHA_SCHEDULER_IMAGE, else the operator\'s own image)')
    .option('--scheduler-fs-group <gid>', 'fsGroup of the scheduler pods, the group that may read the Secrets they mount; "none" leaves it to the platform (OpenShift\'s restricted SCC assigns one and refuses others)', '1000')
    .option('--leader-elect', 'elect one active operator replica through a Lease', true)
    .option('--no-leader-elect', 'act without electing (a single replica)')
    .option('--leader-election-namespace <ns>', 'namespace of the Lease (default: $POD_NAMESPACE, else the kubeconfig namespace)')
    .option('--leader-election-id <name>', 'name of the Lease', DEFAULT_LEASE_NAME)
    .option('--leader-elect-lease-duration <d>', 'how long followers wait after the last observed renewal before taking over', '15s')
    .option('--leader-elect-renew-deadline <d>', 'the leader stops acting when it could not renew for this long', '10s')
    .option('--leader-elect-retry-period <d>', 'interval between acquire / renew attempts', '2s')
    .option('--metrics-bind-address <addr>', '/metrics (and the probes) at host:port (:port = every address, IPv4 and IPv6); 0 disables', ':8080')
    .option('--health-probe-bind-address <addr>', '/healthz, /readyz (and /metrics) at host:port (:port = every address, IPv4 and IPv6); 0 disables', ':8081')
    .option('--max-concurrent-reconciles <n>', 'SchedulerHA resources reconciled at once', '4')
    .option('--sync-period <d>', 're-reconcile every resource this often', '10m')
    .option('--reconcile-timeout <d>', 'abort one reconcile after this long', '2m')
    .option('--poll-interval <d>', 're-observe a Ready resource\'s Mesos framework this often (Mesos has no watch)', '30s')
    .option('--unready-poll-interval <d>', 're-observe a resource that is not Ready this often', '5s')
    .option('--secret-cache-ttl <d>', 're-read the Secrets a SchedulerHA names at most this often (a rotated one rolls its scheduler pods)', '1m')
    .option('--shutdown-timeout <d>', 'grace for running reconciles on SIGTERM', '30s')
    .option('--install-crd', 'install or update the SchedulerHA CRD at start (needs RBAC for customresourcedefinitions)', false)
    .option('--identity <name>', 'this replica\'s name in the Lease (default: $POD_NAME, else the host name; a per-process suffix is added)')
    .option('--log-level <level>', 'trace, debug, info, warn, error', 'info')
    .action(async (opts: OperatorFlags) => {
      process.exitCode = await runOperator(opts);
      setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
    });
}
