// Conformance: deletion — finalizers and deletionTimestamp, removing the last finalizer, propagationPolicy
// (Background / Foreground / Orphan) with owner-reference garbage collection, graceful pod deletion, and
// namespace deletion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, expectStatus, type TestCluster } from '../helpers/kube-cluster.js';
import { waitFor } from '../helpers/wait.js';

let c: TestCluster;
before(async () => {
  c = await startCluster();
});
after(() => c.stop());

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const gone = async (fn: () => Promise<unknown>) => {
  try {
    await fn();
    return false;
  } catch (err) {
    return (err as { code?: number }).code === 404;
  }
};

async function owner(ns: string, name: string): Promise<k8s.V1ConfigMap> {
  return await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name } } });
}

function ref(o: k8s.V1ConfigMap, block = false): k8s.V1OwnerReference {
  return { apiVersion: 'v1', kind: 'ConfigMap', name: o.metadata!.name!, uid: o.metadata!.uid!, blockOwnerDeletion: block };
}

test('finalizers: delete sets deletionTimestamp (grace 0) and keeps the object; removing the last finalizer deletes it', async () => {
  const ns = await c.namespace();
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'f', finalizers: ['example.com/hold', 'example.com/second'] } } });
  const del = await c.raw('DELETE', `/api/v1/namespaces/${ns}/configmaps/f`);
  assert.equal(del.status, 200);
  assert.ok(del.json.metadata.deletionTimestamp, 'the answer is the object, now being deleted');
  assert.equal(del.json.metadata.deletionGracePeriodSeconds, 0);
  const cur = await c.core.readNamespacedConfigMap({ namespace: ns, name: 'f' });
  assert.ok(cur.metadata?.deletionTimestamp);
  // No new finalizers once deletion started.
  const st = await expectStatus(() => c.core.patchNamespacedConfigMap({ namespace: ns, name: 'f', body: { metadata: { finalizers: ['example.com/hold', 'example.com/second', 'example.com/new'] } } }, merge));
  assert.equal(st.code, 422);
  assert.match(st.message ?? '', /no new finalizers can be added if the object is being deleted/);
  await c.core.patchNamespacedConfigMap({ namespace: ns, name: 'f', body: { metadata: { finalizers: ['example.com/second'] } } }, merge);
  assert.ok((await c.core.readNamespacedConfigMap({ namespace: ns, name: 'f' })).metadata?.deletionTimestamp);
  await c.core.patchNamespacedConfigMap({ namespace: ns, name: 'f', body: { metadata: { finalizers: null } } }, merge);
  assert.ok(await gone(() => c.core.readNamespacedConfigMap({ namespace: ns, name: 'f' })));
});

test('a watch sees the finalizer-held deletion as MODIFIED, and the final removal as DELETED', async () => {
  const ns = await c.namespace();
  const cm = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'w', finalizers: ['example.com/hold'] } } });
  const events: string[] = [];
  const watch = new k8s.Watch(c.kc);
  const ctl = await watch.watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: cm.metadata!.resourceVersion }, (type, obj) => events.push(`${type}${obj.metadata?.deletionTimestamp ? '+ts' : ''}`), () => {});
  try {
    await c.core.deleteNamespacedConfigMap({ namespace: ns, name: 'w' });
    await c.core.patchNamespacedConfigMap({ namespace: ns, name: 'w', body: { metadata: { finalizers: [] } } }, merge);
    await waitFor('events', () => events.length >= 2);
    assert.deepEqual(events, ['MODIFIED+ts', 'DELETED+ts']);
  } finally {
    ctl.abort();
  }
});

test('background propagation (default): dependents whose owners are all gone are garbage-collected', async () => {
  const ns = await c.namespace();
  const o = await owner(ns, 'owner');
  const other = await owner(ns, 'other');
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'dep', ownerReferences: [ref(o)] } } });
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'shared', ownerReferences: [ref(o), ref(other)] } } });
  await c.core.deleteNamespacedConfigMap({ namespace: ns, name: 'owner' });
  await waitFor('dep collected', () => gone(() => c.core.readNamespacedConfigMap({ namespace: ns, name: 'dep' })), { timeoutMs: 60_000 });
  const shared = await waitFor('dangling ref dropped', async () => {
    const s = await c.core.readNamespacedConfigMap({ namespace: ns, name: 'shared' });
    return s.metadata?.ownerReferences?.length === 1 ? s : undefined;
  }, { timeoutMs: 60_000 });
  assert.equal(shared.metadata?.ownerReferences?.[0]?.name, 'other', 'an object with a remaining owner survives');
});

test('a dependent created with an owner that does not exist is collected', async () => {
  const ns = await c.namespace();
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'orphan', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '11111111-2222-3333-4444-555555555555' }] } } });
  await waitFor('collected', () => gone(() => c.core.readNamespacedConfigMap({ namespace: ns, name: 'orphan' })), { timeoutMs: 60_000 });
});

test('foreground propagation: the owner waits (foregroundDeletion finalizer) until blocking dependents are gone', async () => {
  const ns = await c.namespace();
  const o = await owner(ns, 'fg');
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'blocker', ownerReferences: [ref(o, true)], finalizers: ['example.com/slow'] } } });
  await c.core.deleteNamespacedConfigMap({ namespace: ns, name: 'fg', propagationPolicy: 'Foreground' });
  const held = await c.core.readNamespacedConfigMap({ namespace: ns, name: 'fg' });
  assert.ok(held.metadata?.deletionTimestamp);
  assert.ok(held.metadata?.finalizers?.includes('foregroundDeletion'));
  await waitFor('blocker being deleted', async () => (await c.core.readNamespacedConfigMap({ namespace: ns, name: 'blocker' })).metadata?.deletionTimestamp, { timeoutMs: 60_000 });
  assert.ok(!(await gone(() => c.core.readNamespacedConfigMap({ namespace: ns, name: 'fg' }))), 'owner still there while the blocker lives');
  await c.core.patchNamespacedConfigMap({ namespace: ns, name: 'blocker', body: { metadata: { finalizers: null } } }, merge);
  await waitFor('owner gone', () => gone(() => c.core.readNamespacedConfigMap({ namespace: ns, name: 'fg' })), { timeoutMs: 60_000 });
});

test('orphan propagation: dependents lose the owner reference and survive', async () => {
  const ns = await c.namespace();
  const o = await owner(ns, 'or');
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'kid', ownerReferences: [ref(o)] } } });
  await c.core.deleteNamespacedConfigMap({ namespace: ns, name: 'or', propagationPolicy: 'Orphan' });
  await waitFor('owner gone', () => gone(() => c.core.readNamespacedConfigMap({ namespace: ns, name: 'or' })), { timeoutMs: 60_000 });
  const kid = await c.core.readNamespacedConfigMap({ namespace: ns, name: 'kid' });
  assert.equal(kid.metadata?.ownerReferences, undefined);
});

test('StatefulSet deletion garbage-collects its pods (owner references with blockOwnerDeletion)', async () => {
  const ns = await c.namespace();
  const sts = await c.apps.createNamespacedStatefulSet({
    namespace: ns,
    body: { metadata: { name: 's' }, spec: { replicas: 0, serviceName: 's', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } },
  });
  await c.core.createNamespacedPod({
    namespace: ns,
    body: { metadata: { name: 's-0', labels: { a: 'b' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 's', uid: sts.metadata!.uid!, controller: true, blockOwnerDeletion: true }] }, spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: 'i' }] } },
  });
  await c.apps.deleteNamespacedStatefulSet({ namespace: ns, name: 's' });
  await waitFor('pod collected', () => gone(() => c.core.readNamespacedPod({ namespace: ns, name: 's-0' })), { timeoutMs: 60_000 });
});

test('pods: an unbound pod is removed at once; a bound pod gets deletionTimestamp = now + grace and stays until deleted with grace 0', async () => {
  const ns = await c.namespace();
  const spec = { schedulerName: 'nobody', terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'i' }] };
  await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'unbound' }, spec } });
  await c.core.deleteNamespacedPod({ namespace: ns, name: 'unbound' });
  assert.ok(await gone(() => c.core.readNamespacedPod({ namespace: ns, name: 'unbound' })));

  await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'bound' }, spec } });
  await c.core.createNamespacedPodBinding({ namespace: ns, name: 'bound', body: { metadata: { name: 'bound' }, target: { kind: 'Node', name: 'some-node' } } });
  const before = Date.now();
  const d = await c.core.deleteNamespacedPod({ namespace: ns, name: 'bound' });
  assert.equal(d.metadata?.deletionGracePeriodSeconds, 30);
  const ts = d.metadata!.deletionTimestamp!.getTime();
  assert.ok(ts >= before + 28_000 && ts <= Date.now() + 31_000, 'deletionTimestamp is when the grace period ends');
  // A shorter grace period shortens it; still not removed (the kubelet removes it).
  const d2 = await c.core.deleteNamespacedPod({ namespace: ns, name: 'bound', gracePeriodSeconds: 5 });
  assert.equal(d2.metadata?.deletionGracePeriodSeconds, 5);
  assert.ok(!(await gone(() => c.core.readNamespacedPod({ namespace: ns, name: 'bound' }))));
  await c.core.deleteNamespacedPod({ namespace: ns, name: 'bound', gracePeriodSeconds: 0 });
  assert.ok(await gone(() => c.core.readNamespacedPod({ namespace: ns, name: 'bound' })));
});

test('deleting a namespace marks it Terminating, removes its content, then the namespace', async () => {
  const ns = await c.namespace('doomed');
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
  await c.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 's' } } });
  const d = await c.core.deleteNamespace({ name: ns });
  void d;
  const st = await c.core.readNamespace({ name: ns }).catch(() => undefined);
  if (st) {
    assert.equal(st.status?.phase, 'Terminating');
    const refused = await expectStatus(() => c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'late' } } }));
    assert.equal(refused.code, 403);
    assert.match(refused.message ?? '', /because it is being terminated/);
  }
  await waitFor('namespace gone', () => gone(() => c.core.readNamespace({ name: ns })), { timeoutMs: 120_000 });
  assert.ok(await gone(() => c.core.readNamespacedConfigMap({ namespace: ns, name: 'a' })));
});
