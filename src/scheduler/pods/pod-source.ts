// The pods that name this scheduler: one informer (src/kube) over every namespace with the field selector
// `spec.schedulerName=<name>`, bound and unbound (the leader needs bound pods too: to restart them on their node,
// to kill the task of a deleted pod, to find tasks without a pod). It runs for the life of the process, so a
// standby's cache is warm when it is elected. Handlers only update a uid index and notify the current leader's
// task manager, which enqueues; they never throw into the informer.
import type { KubeConfig } from '@kubernetes/client-node';
import { createInformer } from '../../kube/informer-transport.js';
import type { Informer, InformerStats, KubeObject } from '../../kube/informer.js';
import { silentLogger, type Logger } from '../../util/log.js';
import type { PodLike } from './pod-model.js';

export type PodObject = PodLike & KubeObject;

/** Told the uid of every pod that changed (added, updated, deleted). */
export type PodListener = (uid: string) => void;

export interface PodSourceOptions {
  schedulerName: string;
  logger?: Logger;
  /** Test hooks for the informer. */
  informer?: { timeoutSeconds?: number; inactivityTimeoutMs?: number; backoff?: { initialMs?: number; maxMs?: number } };
}

export class PodSource {
  readonly schedulerName: string;
  private readonly informer: Informer<PodObject>;
  private readonly byUid = new Map<string, string>();
  private readonly listeners = new Set<PodListener>();
  private readonly syncListeners = new Set<() => void>();
  private readonly log: Logger;

  constructor(kc: KubeConfig, opts: PodSourceOptions);
  constructor(informer: Informer<PodObject>, opts: PodSourceOptions);
  constructor(kcOrInformer: KubeConfig | Informer<PodObject>, opts: PodSourceOptions) {
    this.schedulerName = opts.schedulerName;
    this.log = (opts.logger ?? silentLogger).child({ component: 'pod-source' });
    this.informer =
      'onChange' in kcOrInformer
        ? kcOrInformer
        : createInformer<PodObject>(kcOrInformer, {
            path: '/api/v1/pods',
            name: 'pods',
            fieldSelector: `spec.schedulerName=${opts.schedulerName}`,
            logger: this.log,
            ...(opts.informer?.timeoutSeconds !== undefined ? { timeoutSeconds: opts.informer.timeoutSeconds } : {}),
            ...(opts.informer?.inactivityTimeoutMs !== undefined ? { inactivityTimeoutMs: opts.informer.inactivityTimeoutMs } : {}),
            ...(opts.informer?.backoff ? { backoff: opts.informer.backoff } : {}),
          });
    this.informer.onChange((pod, { type, old }) => {
      const uid = pod.metadata?.uid;
      const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
      const oldUid = old?.metadata?.uid;
      if (oldUid && oldUid !== uid) {
        this.byUid.delete(oldUid);
        this.notify(oldUid);
      }
      if (!uid) return;
      if (type === 'delete') {
        if (this.byUid.get(uid) === key) this.byUid.delete(uid);
      } else this.byUid.set(uid, key);
      this.notify(uid);
    });
  }

  private notify(uid: string): void {
    for (const l of this.listeners) {
      try {
        l(uid);
      } catch (err) {
        this.log.error({ err, uid }, 'pod listener threw (listeners must only enqueue)');
      }
    }
  }

  start(): this {
    this.informer.start();
    void this.informer.waitForSync().then(
      () => {
        this.log.info({ pods: this.informer.size, schedulerName: this.schedulerName }, 'pod source synced');
        for (const l of [...this.syncListeners]) l();
      },
      () => undefined,
    );
    return this;
  }

  async stop(): Promise<void> {
    await this.informer.stop();
  }

  get synced(): boolean {
    return this.informer.synced;
  }

  waitForSync(timeoutMs?: number): Promise<void> {
    return this.informer.waitForSync(timeoutMs);
  }

  /** Listens to pod changes; returns the unsubscribe function. */
  subscribe(l: PodListener): () => void {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  }

  /** Called once the cache is synced (at once if it already is); returns the unsubscribe function. */
  onSynced(fn: () => void): () => void {
    if (this.informer.synced) {
      queueMicrotask(fn);
      return () => undefined;
    }
    this.syncListeners.add(fn);
    return () => void this.syncListeners.delete(fn);
  }

  byUidGet(uid: string): PodObject | undefined {
    const key = this.byUid.get(uid);
    const pod = key ? this.informer.getByKey(key) : undefined;
    return pod && pod.metadata?.uid === uid ? pod : undefined;
  }

  uids(): string[] {
    return [...this.byUid.keys()];
  }

  get size(): number {
    return this.informer.size;
  }

  healthy(maxDisconnectedMs?: number): boolean {
    return this.informer.healthy(maxDisconnectedMs);
  }

  stats(): InformerStats {
    return this.informer.stats();
  }
}
