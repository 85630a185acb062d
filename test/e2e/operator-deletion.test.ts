// Deleting a SchedulerHA honours deletionPolicy: Orphan (default) never tears the framework down and keeps its etcd
// state, so re-creating the resource resumes the same framework id; Teardown stops the schedulers, sends TEARDOWN
// through the master's operator API, deletes the etcd state, then lets the resource go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorStack } from '../helpers/operator-stack.js';
import { waitFor } from '../helpers/wait.js';
import { kubeRequestOk } from '../../src/kube/index.js';
import type { SchedulerHA } from '../../src/api/types.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('deletionPolicy: Orphan keeps the framework and resumes it; Teardown sends TEARDOWN', { timeout: 400_000 }, async (t) => {
  const s = await OperatorStack.start();
  t.after(() => s.stop());
  const ns = await s.namespace('del');
  s.startOperator('op', ['--no-leader-elect']);
  const podsOf = async (name: string) => (await s.list<Obj>(`/api/v1/namespaces/${ns}/pods`)).filter((p) => p.metadata.labels?.['k8sm.io/schedulerha'] === name);

  await t.test('Orphan: no TEARDOWN, etcd state kept, the same framework id after re-create', async () => {
    const body = s.resource(ns, 'orphan', { replicas: 1 }, { ha: true });
    await s.create(body);
    const o = await s.waitForCondition(ns, 'orphan', 'Ready', 'True', { timeoutMs: 120_000 });
    const fid = o.status!.frameworkID!;
    assert.ok(fid);
    assert.deepEqual(o.metadata.finalizers ?? [], [], 'no finalizer for Orphan');
    await s.delete(ns, 'orphan');
    await waitFor('the resource and its pods gone', async () => !(await s.get(ns, 'orphan')) && (await podsOf('orphan')).length === 0, { timeoutMs: 60_000 });
    await waitFor('the children garbage-collected', async () => (await s.list<Obj>(`/apis/apps/v1/namespaces/${ns}/statefulsets`)).every((x) => x.metadata.name !== 'orphan'), { timeoutMs: 30_000 });
    // The framework stays registered (disconnected: no scheduler runs), never torn down.
    const fw = s.stack.mesos.framework(fid);
    assert.ok(fw, 'the framework is still known to the master');
    assert.ok(!s.stack.mesos.completedFrameworks().some((f) => f.id === fid), 'not among the completed (torn-down) frameworks');
    assert.equal(s.stack.mesos.history.findCalls({ callType: 'TEARDOWN' }).length, 0, 'no scheduler-API TEARDOWN');
    assert.equal(await s.etcdGet(s.keys(o).frameworkId), fid, 'the framework id is kept in etcd');
    await waitFor('an Orphaned event', async () => (await s.events(ns, 'orphan')).find((e) => e.reason === 'Orphaned'));
    // Re-create: the same framework resumes.
    await s.create(body);
    const o2 = await s.waitForCondition(ns, 'orphan', 'Ready', 'True', { timeoutMs: 120_000 });
    assert.equal(o2.status!.frameworkID, fid, 'the same framework id after re-create');
    assert.ok(s.stack.mesos.framework(fid)?.connected);
    assert.equal(s.stack.mesos.frameworks().filter((f) => f.info.name === o.spec.flags!.frameworkName).length, 1, 'no second framework');
  });

  await t.test('Teardown: schedulers stopped, TEARDOWN sent, etcd state deleted, resource gone', async () => {
    await s.create(s.resource(ns, 'teardown', { replicas: 2, deletionPolicy: 'Teardown' }));
    const o = await s.waitForCondition(ns, 'teardown', 'Ready', 'True', { timeoutMs: 120_000 });
    const fid = o.status!.frameworkID!;
    const withFinalizer = await waitFor('the teardown finalizer', async () => {
      const x = await s.get(ns, 'teardown');
      return x?.metadata.finalizers?.includes('k8sm.io/teardown') ? x : undefined;
    });
    assert.ok(withFinalizer);
    await s.delete(ns, 'teardown');
    await waitFor('the resource gone', async () => !(await s.get(ns, 'teardown')), { timeoutMs: 90_000 });
    assert.equal((await podsOf('teardown')).length, 0, 'no scheduler runs any more');
    assert.ok(!s.stack.mesos.framework(fid), 'the framework is no longer active');
    assert.ok(s.stack.mesos.completedFrameworks().some((f) => f.id === fid), 'the framework was torn down');
    assert.equal(await s.etcdGet(s.keys(o).frameworkId), null, 'the etcd state is deleted');
    const ev = await s.events(ns, 'teardown');
    assert.ok(ev.some((e) => e.reason === 'TeardownStarted'));
    assert.ok(ev.some((e) => e.reason === 'FrameworkTornDown'));
    // The Orphan framework from the first test is untouched.
    assert.ok(s.stack.mesos.frameworks().some((f) => f.connected && f.info.name !== (o as SchedulerHA).spec.flags!.frameworkName));
  });

  await t.test('Teardown with kubectl delete --cascade=orphan: TeardownBlocked, no TEARDOWN while the orphaned schedulers run; deleting their StatefulSet lets it finish', async () => {
    await s.create(s.resource(ns, 'torphan', { replicas: 1, deletionPolicy: 'Teardown' }, { ha: true }));
    const o = await s.waitForCondition(ns, 'torphan', 'Ready', 'True', { timeoutMs: 120_000 });
    const fid = o.status!.frameworkID!;
    await waitFor('the teardown finalizer', async () => (await s.get(ns, 'torphan'))?.metadata.finalizers?.includes('k8sm.io/teardown') || undefined);
    await kubeRequestOk(s.kc, { method: 'DELETE', path: `/apis/k8sm.io/v1alpha1/namespaces/${ns}/schedulerhas/torphan`, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' } });
    const blocked = await waitFor('a TeardownBlocked event', async () => (await s.events(ns, 'torphan')).find((e) => e.reason === 'TeardownBlocked'), { timeoutMs: 60_000 });
    assert.match(blocked.note, /StatefulSet torphan is no longer owned by this resource \(deleted with --cascade=orphan\?\).*delete StatefulSet torphan to go on/);
    assert.ok(await s.get(ns, 'torphan'), 'the resource waits');
    assert.ok(s.stack.mesos.framework(fid)?.connected, 'no TEARDOWN while its scheduler runs');
    await kubeRequestOk(s.kc, { method: 'DELETE', path: `/apis/apps/v1/namespaces/${ns}/statefulsets/torphan` });
    await waitFor('the resource gone', async () => !(await s.get(ns, 'torphan')), { timeoutMs: 120_000 });
    assert.ok(s.stack.mesos.completedFrameworks().some((f) => f.id === fid), 'then torn down');
  });

  await t.test('kubectl delete --cascade=orphan, then re-create: the orphaned children are adopted; a foreign one is a ChildConflict', async () => {
    const body = s.resource(ns, 'adopt', { replicas: 1 }, { ha: true });
    await s.create(body);
    await s.waitForCondition(ns, 'adopt', 'Ready', 'True', { timeoutMs: 120_000 });
    const stsPath = `/apis/apps/v1/namespaces/${ns}/statefulsets/adopt`;
    const before = await kubeRequestOk<Obj>(s.kc, { method: 'GET', path: stsPath });
    await kubeRequestOk(s.kc, { method: 'DELETE', path: `/apis/k8sm.io/v1alpha1/namespaces/${ns}/schedulerhas/adopt`, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' } });
    await waitFor('the resource gone, its StatefulSet orphaned', async () => {
      if (await s.get(ns, 'adopt')) return undefined;
      const sts = await kubeRequestOk<Obj>(s.kc, { method: 'GET', path: stsPath });
      return (sts.metadata.ownerReferences ?? []).length === 0 || undefined;
    }, { timeoutMs: 60_000 });
    const again = await s.create(body);
    await s.waitForCondition(ns, 'adopt', 'Ready', 'True', { timeoutMs: 120_000 });
    const after = await kubeRequestOk<Obj>(s.kc, { method: 'GET', path: stsPath });
    assert.equal(after.metadata.uid, before.metadata.uid, 'the same StatefulSet, not a new one');
    assert.deepEqual(after.metadata.ownerReferences.map((r: Obj) => [r.uid, r.controller]), [[again.metadata.uid, true]]);
    await waitFor('Adopted events', async () => (await s.events(ns, 'adopt')).filter((e) => e.reason === 'Adopted').length >= 3 || undefined);

    // A ConfigMap of the name the next resource needs, made by somebody else: never taken over.
    await kubeRequestOk(s.kc, { method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'foreign-config' }, data: { mine: 'yes' } } });
    await s.create(s.resource(ns, 'foreign', { replicas: 1 }, { ha: true }));
    const conflicted = await waitFor('a ChildConflict reported', async () => s.condition(await s.get(ns, 'foreign'), 'ReplicasReady')?.reason === 'ChildConflict' ? s.condition(await s.get(ns, 'foreign'), 'ReplicasReady') : undefined, { timeoutMs: 60_000 });
    assert.match(conflicted.message, /ConfigMap foreign-config exists but is not controlled by this SchedulerHA.*does not carry the labels/);
    const cm = await kubeRequestOk<Obj>(s.kc, { method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/foreign-config` });
    assert.deepEqual(cm.data, { mine: 'yes' }, 'left as it was');
    assert.equal(cm.metadata.ownerReferences, undefined);
  });
});
