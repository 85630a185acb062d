// The plug-in that decides what the leader does with offers and task updates. The leader term owns the Mesos
// connection, the registry, acknowledgements and reconciliation; a TaskManager owns *what to run*. Issue 6's
// IdleTaskManager runs nothing (declines and suppresses); the pod scheduler (pods on Mesos) is the real one.
import type { InformerStats } from '../kube/informer.js';
import type { EventRecorderStats } from '../kube/events.js';
import type { Offer, TaskStatus } from '../mesos/types.js';
import type { SchedulerClient, SubscribedInfo } from '../mesos/scheduler-client.js';
import type { ReconcileProgress } from '../api/leader-status.js';
import type { Logger } from '../util/log.js';
import type { TaskRegistry, RegistryWriter } from './registry.js';
import type { TaskRecord } from './task-record.js';
import type { SchedulerMetrics } from './metrics.js';

/** What a leader term lends its task manager. Everything stops working when the term ends. */
export interface LeaderServices {
  log: Logger;
  registry: TaskRegistry;
  writer: RegistryWriter;
  /** The term's Mesos client (undefined before the first SUBSCRIBE attempt). */
  mesos(): SchedulerClient | undefined;
  metrics: SchedulerMetrics;
  /** True while this term holds; check before acting. */
  isLeader(): boolean;
  term: string;
  frameworkId(): string | undefined;
  roles: string[];
  /** Aborted when the term ends. */
  signal: AbortSignal;
  /** Asks the leader to run explicit reconciliation for these tasks (e.g. a launch stuck before RUNNING). */
  requestReconcile(taskIds: string[]): void;
  /** True for a task the registry held live at the last SUBSCRIBED and Mesos has not mentioned since, while that
   * SUBSCRIBED's reconciliation runs: it may have ended while no leader was acting, its update still on the way. */
  unconfirmed(taskId: string): boolean;
}

export interface TaskManager {
  /** Suppress offers from the start? (true when there is nothing to launch). */
  initiallySuppressed(): boolean;
  onSubscribed(info: SubscribedInfo, resubscribed: boolean): Promise<void>;
  onOffers(offers: Offer[]): Promise<void>;
  onRescind(offerId: string): void;
  /** A FAILURE event: an executor terminated on an agent, or (no executor id) the agent was removed. */
  onFailure?(agentId: string, executorId: string | undefined): void;
  /** After the registry reflects `status` (and before it is acknowledged). `prev` is the record before. */
  onTaskUpdate(record: TaskRecord, prev: TaskRecord | undefined, status: TaskStatus): Promise<void>;
  onReconciled(progress: ReconcileProgress): Promise<void>;
  /** Extra fields for /status and the leader-status record. */
  status(): Record<string, unknown>;
  stop(): Promise<void>;
}

/** Makes each term's task manager. `informerStats`: the health of a watch cache the factory keeps across terms
 * (the pod informer, warm on standbys), shown in the replica's /status and /metrics whatever its role;
 * `eventStats`: its Event recorder's outcomes, for /metrics. */
export type TaskManagerFactory = ((svc: LeaderServices) => TaskManager) & { informerStats?: () => InformerStats; eventStats?: () => EventRecorderStats };

/** Runs nothing: declines every offer for a long time and suppresses offers. */
export class IdleTaskManager implements TaskManager {
  private suppressed = false;
  constructor(private readonly svc: LeaderServices) {}

  initiallySuppressed(): boolean {
    return true;
  }

  async onSubscribed(): Promise<void> {
    this.suppressed = true;
  }

  async onOffers(offers: Offer[]): Promise<void> {
    const mesos = this.svc.mesos();
    if (!offers.length || !mesos || !this.svc.isLeader()) return;
    await mesos.decline(offers.map((o) => o.id.value), { refuse_seconds: 3600 });
    if (!this.suppressed) {
      await mesos.suppress(this.svc.roles);
      this.suppressed = true;
    }
  }

  onRescind(): void {}
  async onTaskUpdate(): Promise<void> {}
  async onReconciled(): Promise<void> {}
  status(): Record<string, unknown> {
    return { suppressed: this.suppressed };
  }
  async stop(): Promise<void> {}
}
