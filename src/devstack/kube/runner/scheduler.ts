// The default scheduler, for one node: binds every pending pod whose spec.schedulerName is empty or
// `default-scheduler` (configurable) to the runner's node through pods/<name>/binding, and records a
// `Scheduled` event as kube-scheduler does. Pods for other schedulers (the project's Mesos scheduler) are left
// alone.
import type { Logger } from '../../../util/log.js';
import { type KObj, KubeError, RawKube, Reflector } from './client.js';
import { KeyedQueue } from './queue.js';

export class DefaultScheduler {
  private readonly pods: Reflector;
  private readonly queue: KeyedQueue;

  constructor(
    private readonly kube: RawKube,
    private readonly nodeName: string,
    private readonly schedulerNames: string[],
    private readonly log: Logger,
  ) {
    this.queue = new KeyedQueue((key) => this.schedule(key), log);
    this.pods = new Reflector(kube, '/api/v1/pods', { fieldSelector: 'spec.nodeName=' }, (t, o) => t !== 'delete' && this.queue.add(Reflector.key(o)), log);
  }

  start(): void {
    this.pods.start();
  }

  async stop(): Promise<void> {
    this.queue.stop();
    await this.pods.stop();
  }

  private async schedule(key: string): Promise<void> {
    const pod: KObj | undefined = this.pods.cache.get(key);
    if (!pod || pod.spec?.nodeName || pod.metadata.deletionTimestamp) return;
    const sched = pod.spec?.schedulerName ?? '';
    if (!this.schedulerNames.includes(sched)) return;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    if ((pod.spec?.schedulingGates ?? []).length) return;
    const ns = pod.metadata.namespace!;
    try {
      await this.kube.request('POST', `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/binding`, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: pod.metadata.name, namespace: ns, uid: pod.metadata.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName },
      });
    } catch (err) {
      if (err instanceof KubeError && (err.code === 409 || err.code === 404)) return;
      throw err;
    }
    const now = new Date();
    const micro = now.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    try {
      await this.kube.request('POST', `/apis/events.k8s.io/v1/namespaces/${ns}/events`, {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { generateName: `${pod.metadata.name}.`, namespace: ns },
        eventTime: micro,
        reportingController: 'default-scheduler',
        reportingInstance: `default-scheduler-${this.nodeName}`,
        action: 'Binding',
        reason: 'Scheduled',
        type: 'Normal',
        note: `Successfully assigned ${ns}/${pod.metadata.name} to ${this.nodeName}`,
        regarding: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, namespace: ns, uid: pod.metadata.uid, resourceVersion: pod.metadata.resourceVersion },
      });
    } catch (err) {
      this.log.debug({ err }, 'Scheduled event not recorded');
    }
  }
}
