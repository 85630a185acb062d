// The StatefulSet controller (kube-controller-manager's, reduced to what StatefulSets without volume claims
// need): ordinal pods <name>-0..N-1 with the pod-name / controller-revision-hash / pod-index labels and a
// controller ownerReference; OrderedReady (one at a time, each Running and Ready before the next) or Parallel
// management; scale-down from the highest ordinal; RollingUpdate from the highest ordinal down to the partition
// (OnDelete leaves pods alone); ControllerRevisions named <name>-<hash>; failed pods replaced; status replicas /
// readyReplicas / availableReplicas / currentReplicas / updatedReplicas / currentRevision / updateRevision /
// observedGeneration / collisionCount.
import type { Logger } from '../../../util/log.js';
import { type KObj, KubeError, RawKube, Reflector } from './client.js';
import { KeyedQueue } from './queue.js';

const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
const REVISION_LABEL = 'controller-revision-hash';
const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** Canonical JSON (sorted keys), so the hash does not depend on key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
/** controller.ComputeHash: FNV-32a of the template (+ collision count), rendered with rand.SafeEncodeString. */
export function templateHash(template: unknown, collisionCount = 0): string {
  const h = fnv32a(canonical(template) + (collisionCount ? String(collisionCount) : ''));
  return [...String(h)].map((c) => SAFE[c.charCodeAt(0) % SAFE.length]).join('');
}

function ordinalOf(sts: KObj, pod: KObj): number | undefined {
  const m = pod.metadata.name.match(/^(.*)-(\d+)$/);
  if (!m || m[1] !== sts.metadata.name) return undefined;
  return Number(m[2]);
}

export function isPodReady(pod: KObj): boolean {
  return ((pod.status?.conditions ?? []) as { type: string; status: string }[]).some((c) => c.type === 'Ready' && c.status === 'True');
}

function isRunningAndReady(pod: KObj): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod) && !pod.metadata.deletionTimestamp;
}

function selectorMatches(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined, labels: Record<string, string> = {}): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = k(labels, e.key);
    if (e.operator === 'In' && !(has && e.values?.includes(labels[e.key]!))) return false;
    if (e.operator === 'NotIn' && has && e.values?.includes(labels[e.key]!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}
const k = (o: Record<string, string>, key: string) => Object.hasOwn(o, key);

export class StatefulSetController {
  private readonly sets: Reflector;
  private readonly pods: Reflector;
  private readonly queue: KeyedQueue;
  private readonly revisions = new Map<string, unknown>(); // ns/name-hash -> template
  private resync: NodeJS.Timeout | undefined;

  constructor(
    private readonly kube: RawKube,
    private readonly log: Logger,
  ) {
    this.queue = new KeyedQueue((key) => this.sync(key), log);
    this.sets = new Reflector(kube, '/apis/apps/v1/statefulsets', {}, (_t, o) => this.queue.add(Reflector.key(o)), log);
    this.pods = new Reflector(kube, '/api/v1/pods', {}, (_t, o, old) => this.onPod(o, old), log);
  }

  start(): void {
    this.sets.start();
    this.pods.start();
    this.resync = setInterval(() => {
      for (const key of this.sets.cache.keys()) this.queue.add(key);
    }, 2000);
    this.resync.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.resync);
    this.queue.stop();
    await Promise.all([this.sets.stop(), this.pods.stop()]);
  }

  private onPod(pod: KObj, old?: KObj): void {
    for (const p of [pod, old]) {
      const ref = p?.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'StatefulSet');
      if (ref) this.queue.add(`${p!.metadata.namespace}/${ref.name}`);
    }
  }

  private async revisionTemplate(sts: KObj, hash: string): Promise<unknown | undefined> {
    const key = `${sts.metadata.namespace}/${sts.metadata.name}-${hash}`;
    if (this.revisions.has(key)) return this.revisions.get(key);
    try {
      const cr = await this.kube.request('GET', `/apis/apps/v1/namespaces/${sts.metadata.namespace}/controllerrevisions/${sts.metadata.name}-${hash}`);
      const t = cr?.data?.spec?.template;
      if (t) this.revisions.set(key, t);
      return t;
    } catch {
      return undefined;
    }
  }

  private async ensureRevision(sts: KObj, hash: string): Promise<void> {
    const key = `${sts.metadata.namespace}/${sts.metadata.name}-${hash}`;
    if (this.revisions.has(key)) return;
    const body = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${sts.metadata.name}-${hash}`,
        namespace: sts.metadata.namespace,
        labels: { ...(sts.spec.selector?.matchLabels ?? {}), [REVISION_LABEL]: hash },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata.name, uid: sts.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      data: { spec: { template: { ...sts.spec.template, $patch: 'replace' } } },
      revision: sts.metadata.generation ?? 1,
    };
    try {
      await this.kube.request('POST', `/apis/apps/v1/namespaces/${sts.metadata.namespace}/controllerrevisions`, body);
    } catch (err) {
      if (!(err instanceof KubeError && err.code === 409)) throw err;
    }
    this.revisions.set(key, sts.spec.template);
  }

  private newPod(sts: KObj, ordinal: number, template: any, revision: string): KObj { // eslint-disable-line @typescript-eslint/no-explicit-any
    const name = `${sts.metadata.name}-${ordinal}`;
    const tmeta = template.metadata ?? {};
    const spec = JSON.parse(JSON.stringify(template.spec ?? {}));
    spec.hostname = name;
    if (sts.spec.serviceName) spec.subdomain = sts.spec.serviceName;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: sts.metadata.namespace,
        labels: { ...(tmeta.labels ?? {}), [POD_NAME_LABEL]: name, [REVISION_LABEL]: revision, [POD_INDEX_LABEL]: String(ordinal) },
        annotations: tmeta.annotations,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata.name, uid: sts.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec,
    };
  }

  private async sync(key: string): Promise<void> {
    const sts = this.sets.cache.get(key);
    if (!sts || sts.metadata.deletionTimestamp || !this.pods.hasSynced) return;
    const ns = sts.metadata.namespace!;
    const replicas: number = sts.spec.replicas ?? 1;
    const parallel = sts.spec.podManagementPolicy === 'Parallel';
    const strategy = sts.spec.updateStrategy?.type ?? 'RollingUpdate';
    const partition: number = sts.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    const collisionCount: number = sts.status?.collisionCount ?? 0;
    const updateRevision = `${sts.metadata.name}-${templateHash(sts.spec.template, collisionCount)}`;
    const updateHash = updateRevision.slice(sts.metadata.name.length + 1);
    await this.ensureRevision(sts, updateHash);
    let currentRevision: string = sts.status?.currentRevision || updateRevision;

    const owned: KObj[] = [];
    for (const p of this.pods.cache.values()) {
      if (p.metadata.namespace !== ns) continue;
      const ref = p.metadata.ownerReferences?.find((r) => r.controller);
      if (ref?.uid === sts.metadata.uid) owned.push(p);
      else if (!ref && selectorMatches(sts.spec.selector, p.metadata.labels) && ordinalOf(sts, p) !== undefined && !p.metadata.deletionTimestamp) {
        // Adopt a matching orphan (ControllerRefManager).
        try {
          await this.kube.request('PATCH', `/api/v1/namespaces/${ns}/pods/${p.metadata.name}`, { metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata.name, uid: sts.metadata.uid, controller: true, blockOwnerDeletion: true }], uid: p.metadata.uid } }, 'application/merge-patch+json');
        } catch {
          /* retried on the next sync */
        }
      }
    }
    const byOrdinal = new Map<number, KObj>();
    for (const p of owned) {
      const o = ordinalOf(sts, p);
      if (o !== undefined) byOrdinal.set(o, p);
    }
    const revOf = (p: KObj) => p.metadata.labels?.[REVISION_LABEL];
    const templateFor = async (ordinal: number) => {
      if (strategy === 'RollingUpdate' && ordinal < partition && currentRevision !== updateRevision) {
        const t = await this.revisionTemplate(sts, currentRevision.slice(sts.metadata.name.length + 1));
        if (t) return { template: t, revision: currentRevision };
      }
      return { template: sts.spec.template, revision: updateRevision };
    };

    let blocked = false;
    // 1. Replace failed pods; create missing ordinals in order.
    for (let i = 0; i < replicas && !blocked; i++) {
      const pod = byOrdinal.get(i);
      if (pod && (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') && !pod.metadata.deletionTimestamp) {
        await this.deletePod(pod);
        if (!parallel) blocked = true;
        continue;
      }
      if (!pod) {
        const { template, revision } = await templateFor(i);
        try {
          await this.kube.request('POST', `/api/v1/namespaces/${ns}/pods`, this.newPod(sts, i, template, revision.slice(sts.metadata.name.length + 1)));
          await this.event(sts, 'Normal', 'SuccessfulCreate', `create Pod ${sts.metadata.name}-${i} in StatefulSet ${sts.metadata.name} successful`);
        } catch (err) {
          if (!(err instanceof KubeError && err.code === 409)) {
            await this.event(sts, 'Warning', 'FailedCreate', `create Pod ${sts.metadata.name}-${i} in StatefulSet ${sts.metadata.name} failed error: ${(err as Error).message}`);
            throw err;
          }
        }
        if (!parallel) blocked = true;
        continue;
      }
      if (!parallel && (pod.metadata.deletionTimestamp || !isRunningAndReady(pod))) blocked = true;
    }
    // 2. Scale down from the highest ordinal, one at a time unless Parallel (and only when the rest is healthy).
    const condemned = [...byOrdinal.entries()].filter(([o]) => o >= replicas).sort((a, b) => b[0] - a[0]);
    if (!blocked) {
      for (const [, pod] of condemned) {
        if (pod.metadata.deletionTimestamp) {
          if (!parallel) break;
          continue;
        }
        await this.deletePod(pod);
        await this.event(sts, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`);
        if (!parallel) break;
      }
    }
    // 3. Rolling update: highest ordinal first, down to the partition, one pod at a time.
    const live = [...byOrdinal.entries()].filter(([o]) => o < replicas);
    const allReady = live.length === replicas && live.every(([, p]) => isRunningAndReady(p));
    if (strategy === 'RollingUpdate' && !blocked && condemned.length === 0 && allReady) {
      for (const [o, pod] of live.sort((a, b) => b[0] - a[0])) {
        if (o < partition) break;
        if (revOf(pod) !== updateHash) {
          await this.deletePod(pod);
          break;
        }
      }
    }
    // 4. Status.
    const counted = owned.filter((p) => !p.metadata.deletionTimestamp && (ordinalOf(sts, p) ?? Infinity) < Infinity);
    const ready = counted.filter(isRunningAndReady);
    const updated = counted.filter((p) => revOf(p) === updateHash).length;
    if (updated === replicas && ready.length === replicas && counted.length === replicas) currentRevision = updateRevision;
    const currentHash = currentRevision.slice(sts.metadata.name.length + 1);
    const status = {
      observedGeneration: sts.metadata.generation,
      replicas: counted.length,
      readyReplicas: ready.length,
      availableReplicas: ready.length,
      currentReplicas: counted.filter((p) => revOf(p) === currentHash).length,
      updatedReplicas: updated,
      currentRevision,
      updateRevision,
      collisionCount,
    };
    const cur = sts.status ?? {};
    const changed = Object.entries(status).some(([kk, v]) => (cur[kk] ?? 0) !== (v ?? 0));
    if (changed) {
      try {
        await this.kube.request('PATCH', `/apis/apps/v1/namespaces/${ns}/statefulsets/${sts.metadata.name}/status`, { metadata: { uid: sts.metadata.uid }, status }, 'application/merge-patch+json');
      } catch (err) {
        if (!(err instanceof KubeError && (err.code === 404 || err.code === 409))) throw err;
      }
    }
  }

  private async deletePod(pod: KObj): Promise<void> {
    try {
      await this.kube.request('DELETE', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!(err instanceof KubeError && (err.code === 404 || err.code === 409))) throw err;
    }
  }

  private async event(sts: KObj, type: string, reason: string, message: string): Promise<void> {
    const now = new Date().toISOString();
    try {
      await this.kube.request('POST', `/api/v1/namespaces/${sts.metadata.namespace}/events`, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${sts.metadata.name}.`, namespace: sts.metadata.namespace },
        involvedObject: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata.name, namespace: sts.metadata.namespace, uid: sts.metadata.uid, resourceVersion: sts.metadata.resourceVersion },
        reason,
        message,
        type,
        source: { component: 'statefulset-controller' },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        reportingComponent: 'statefulset-controller',
        reportingInstance: '',
      });
    } catch (err) {
      this.log.debug({ err }, 'event not recorded');
    }
  }
}
