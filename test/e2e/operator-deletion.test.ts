// Deleting a SchedulerHA honours deletionPolicy: Orphan (default) never tears the framework down and keeps its etcd
// state, so re-creating the resource resumes the same framework id; Teardown stops the schedulers, sends TEARDOWN
// through the master's operator API, deletes the etcd state, then lets the resource go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorStack } from '../helpers/operator-stack.js';
import { waitFor } from '../helpers/wait.js';
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
});
