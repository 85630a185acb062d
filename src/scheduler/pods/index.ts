// The pod scheduler: runs Kubernetes pods whose spec.schedulerName names this framework as Mesos tasks. Registers
// itself with `schedulerha scheduler` as the "pods" task manager whenever Kubernetes access is configured
// (--kubeconfig, $KUBECONFIG, or an in-cluster service account). The flow is described in manager.ts, the rules
// for one pod in pod-decision.ts.
import * as k8s from '@kubernetes/client-node';
import type { SchedulerConfig } from '../../api/flags.js';
import { inClusterAvailable, loadKubeConfig, makeApiClient } from '../../kube/config.js';
import { EventRecorder, eventsV1Sink } from '../../kube/events.js';
import { silentLogger, type Logger } from '../../util/log.js';
import { registerTaskManager } from '../command.js';
import { executorIdentity, replicaIdentity, schedulerNameOf } from '../framework.js';
import type { LeaderServices, TaskManagerFactory } from '../task-manager.js';
import { PodTaskManager, type PodTaskManagerOptions } from './manager.js';
import { PodSource, type PodSourceOptions } from './pod-source.js';
import { KubePodWriter, SCHEDULER_REPORTING_CONTROLLER, type PodReader, type PodWriter } from './pod-writes.js';

export { PodTaskManager, type PodTaskManagerOptions } from './manager.js';
export { PodSource } from './pod-source.js';
export { KubePodWriter, type PodReader, type PodWriter } from './pod-writes.js';
export * from './pod-model.js';
export * from './task-id.js';
export { matchOffers, offerCompatibility, type MatchRequest, type MatchResult, type Placement, type LaunchGroup } from './matching.js';
export { decidePod, type PodDecision, type PodAction, type PodState } from './pod-decision.js';
export { buildTaskInfo, intentRecord, type PodTaskRecord } from './task-info.js';

export interface PodSchedulerOptions {
  config: SchedulerConfig;
  kc: k8s.KubeConfig;
  logger?: Logger;
  /** Overrides of the task manager's tunables (tests, benchmarks). */
  manager?: Partial<Omit<PodTaskManagerOptions, 'source' | 'writer' | 'reader' | 'events' | 'onStop' | 'config' | 'executorId'>>;
  informer?: PodSourceOptions['informer'];
  writer?: PodWriter;
  reader?: PodReader;
}

/** Process-wide: the pod informer (warm on standbys) and the factory a Replica calls for each leadership term. */
export class PodScheduler {
  readonly source: PodSource;
  readonly writer: PodWriter;
  readonly reader: PodReader;
  /** Events about the pods (FailedScheduling). */
  readonly events: EventRecorder;
  readonly schedulerName: string;
  private manager: PodTaskManager | undefined;

  constructor(private readonly opts: PodSchedulerOptions) {
    this.schedulerName = schedulerNameOf(opts.config.frameworkName);
    this.source = new PodSource(opts.kc, { schedulerName: this.schedulerName, ...(opts.logger ? { logger: opts.logger } : {}), ...(opts.informer ? { informer: opts.informer } : {}) });
    this.writer = opts.writer ?? new KubePodWriter(opts.kc);
    this.reader = opts.reader ?? (this.writer instanceof KubePodWriter ? this.writer : new KubePodWriter(opts.kc));
    this.events = new EventRecorder({
      // The pooled transport with bounded timeouts (kube/config.ts): client-node's own client opens a connection per
      // call and waits up to undici's 300 s, and the recorder writes one Event at a time.
      sink: eventsV1Sink(makeApiClient(opts.kc, k8s.EventsV1Api)),
      reportingController: SCHEDULER_REPORTING_CONTROLLER,
      reportingInstance: replicaIdentity(opts.config),
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
  }

  start(): this {
    this.source.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.manager?.stop();
    await this.source.stop();
    await this.events.stop();
  }

  /** The TaskManagerFactory for Replica / LeaderTerm. */
  readonly factory: TaskManagerFactory = Object.assign((svc: LeaderServices) => this.newManager(svc), { informerStats: () => this.source.stats(), eventStats: () => this.events.stats() });

  private newManager(svc: LeaderServices): PodTaskManager {
    const m = new PodTaskManager(svc, {
      ...this.opts.manager,
      source: this.source,
      writer: this.writer,
      reader: this.reader,
      events: this.events,
      // An ended term's manager holds the whole registry of that term: a standby must not keep it beside its mirror.
      onStop: () => {
        if (this.manager === m) this.manager = undefined;
      },
      config: this.opts.config,
      executorId: executorIdentity(this.opts.config).executorId,
    });
    this.manager = m;
    return m;
  }

  /** The task manager of the current term (undefined between terms). */
  get current(): PodTaskManager | undefined {
    return this.manager;
  }

  /** Synced and not disconnected for long. Deliberately not part of the replica's /readyz: during an API server
   * outage every replica's informer is unhealthy at once, so both would turn unready together — a rollout or a
   * PodDisruptionBudget would then be blocked by an outage the scheduler rides out anyway. What a stale cache must
   * not do (kill tasks, delete records of pods it does not see) is guarded where it happens instead: the leader
   * confirms with the API server first (manager.ts). Health is shown in /status and /metrics. */
  healthy(maxDisconnectedMs?: number): boolean {
    return this.source.healthy(maxDisconnectedMs);
  }
}

/** Whether Kubernetes access is configured: --kubeconfig, $KUBECONFIG, or in-cluster. */
export function kubeAccessConfigured(config: Pick<SchedulerConfig, 'kubeconfig'>, env: NodeJS.ProcessEnv = process.env): boolean {
  return !!config.kubeconfig || !!env.KUBECONFIG || inClusterAvailable(env);
}

/** The "pods" task manager provider: a factory when Kubernetes access is configured, else undefined (the replica
 * then runs the idle task manager). A configured but unusable kubeconfig throws: the scheduler must not start
 * silently without scheduling pods. */
export function podTaskManagerProvider(config: SchedulerConfig, log: Logger = silentLogger): TaskManagerFactory | undefined {
  if (!kubeAccessConfigured(config)) {
    log.info('no Kubernetes access configured (--kubeconfig, KUBECONFIG or in-cluster): pods are not scheduled');
    return undefined;
  }
  const loaded = loadKubeConfig(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {});
  const ps = new PodScheduler({ config, kc: loaded.kc, logger: log }).start();
  log.info({ source: loaded.source, from: loaded.from, server: loaded.server, schedulerName: ps.schedulerName }, 'pod scheduler: watching pods that name this scheduler');
  return ps.factory;
}

registerTaskManager('pods', podTaskManagerProvider);
