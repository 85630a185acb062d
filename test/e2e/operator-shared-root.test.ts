// Two SchedulerHA resources on one etcd root (the same etcd prefix and framework name) — a copy of the manifest in
// another namespace, here even under the same resource name, so both have a pod `k8sm-0`.
// - One operator that sees both holds the younger (ConfigValid=False FrameworkInUse: nothing deployed) until the
//   older is gone — the same for a framework name equal up to case, which would compete for the same pods.
// - Operators that do not see each other's resource (one per namespace) both deploy: each must judge only its own
//   resource's pods — never revoke the other deployment's leader because its own pod of that name just started —,
//   report the shared root, and never TEARDOWN the framework the other deployment still leads.
// Real etcd, the Mesos emulator on the real clock, the Kubernetes API emulator + pod runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubeRequest } from '../../src/kube/request.js';
import { OperatorStack } from '../helpers/operator-stack.js';
import { waitFor } from '../helpers/wait.js';
import type { SchedulerHA } from '../../src/api/types.js';

test('one operator: a younger resource with the same framework name (up to case) is held, FrameworkInUse, nothing deployed; deleting the older lifts the hold', { timeout: 300_000 }, async (t) => {
  const s = await OperatorStack.start();
  t.after(() => s.stop());
  const aNs = await s.namespace('old');
  const bNs = await s.namespace('young');
  s.startOperator('op', ['--no-leader-elect']);
  const a = s.resource(aNs, 'k8sm', { replicas: 0, deletionPolicy: 'Orphan' });
  const fw = (a.spec as { flags: { frameworkName: string } }).flags.frameworkName;
  await s.create(a);
  await s.waitForCondition(aNs, 'k8sm', 'ConfigValid', 'True', { timeoutMs: 60_000 });
  const b = s.resource(bNs, 'sched', { replicas: 0 }, { frameworkName: fw.toLowerCase() === fw ? fw.toUpperCase() : fw.toLowerCase() });
  await s.create(b);
  const held = await s.waitForCondition(bNs, 'sched', 'ConfigValid', 'False', { reason: 'FrameworkInUse', timeoutMs: 60_000 });
  assert.match(s.condition(held, 'ConfigValid')!.message, new RegExp(`SchedulerHA ${aNs}/k8sm \\(older\\) already runs framework "${fw}"`));
  assert.equal(s.condition(held, 'Ready')!.status, 'False');
  const sts = async (ns: string, n: string) => (await kubeRequest(s.kc, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/statefulsets/${n}` })).status;
  assert.equal(await sts(bNs, 'sched'), 404, 'nothing deployed for the held resource');
  assert.equal(await sts(aNs, 'k8sm'), 200);
  await waitFor('a Warning Event FrameworkInUse', async () => (await s.events(bNs, 'sched')).find((e) => e.reason === 'FrameworkInUse' && e.type === 'Warning'), { timeoutMs: 30_000 });
  assert.equal(s.condition(await s.get(aNs, 'k8sm'), 'ConfigValid')!.status, 'True', 'the older one is not held');

  await s.delete(aNs, 'k8sm');
  await s.waitForCondition(bNs, 'sched', 'ConfigValid', 'True', { timeoutMs: 60_000 });
  await waitFor('the StatefulSet of the no longer held resource', async () => (await sts(bNs, 'sched')) === 200 || undefined, { timeoutMs: 60_000 });
});

test('operators that do not see each other\'s copy on the same etcd root: no revocation of the other leader, Degraded SharedFrameworkRoot, its Teardown blocked', { timeout: 300_000 }, async (t) => {
  const s = await OperatorStack.start();
  t.after(() => s.stop());
  const prodNs = await s.namespace('prod');
  const copyNs = await s.namespace('copy');
  const name = 'k8sm';
  s.startOperator('op-prod', ['--no-leader-elect', `--namespace=${prodNs}`]);
  s.startOperator('op-copy', ['--no-leader-elect', `--namespace=${copyNs}`]);
  const prod = s.resource(prodNs, name);
  await s.create(prod);
  const p0 = await s.waitForCondition(prodNs, name, 'Ready', 'True', { timeoutMs: 120_000 });
  const term = p0.status!.leader!.term!;
  const fid = p0.status!.frameworkID!;
  const rootKey = s.keys(p0).frameworkId;

  // The copy: same spec (etcd, prefix, frameworkName), one replica, Teardown on deletion.
  const copy = JSON.parse(JSON.stringify(prod)) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  copy.metadata = { name, namespace: copyNs };
  copy.spec.replicas = 1;
  copy.spec.deletionPolicy = 'Teardown';
  await s.create(copy);
  const shared = (o: SchedulerHA | undefined) => s.condition(o, 'Degraded')?.reason === 'SharedFrameworkRoot';
  const c1 = await waitFor('the copy reports the shared root', async () => {
    const o = await s.get(copyNs, name);
    return shared(o) ? o : undefined;
  }, { timeoutMs: 90_000 });
  assert.match(s.condition(c1, 'Degraded')!.message, new RegExp(`${prodNs}/k8sm-\\d \\(term \\d+`));
  await waitFor('prod reports it too, once the copy\'s pod campaigns', async () => shared(await s.get(prodNs, name)) || undefined, { timeoutMs: 90_000 });
  const revoked = async () => [...(await s.events(copyNs, name)), ...(await s.events(prodNs, name))].filter((e) => e.reason === 'LeaderLeaseRevoked');
  assert.deepEqual(await revoked(), [], 'neither operator view revoked a lease');
  assert.equal((await s.get(prodNs, name))!.status!.leader!.term, term, "prod's leader still leads the same term");

  // Deleting the copy stops its own pod, then finds prod's schedulers in the election: no TEARDOWN.
  await s.delete(copyNs, name);
  const ev = await waitFor('TeardownBlocked naming the other deployment', async () => (await s.events(copyNs, name)).find((e) => e.reason === 'TeardownBlocked' && /not pods? of this resource/.test(e.note)), { timeoutMs: 90_000 });
  assert.match(ev.note, new RegExp(`framework ${fid} is still in use: .*${prodNs}/k8sm-`));
  assert.ok(!s.stack.mesos.completedFrameworks().some((f) => f.id === fid), 'not torn down');
  assert.ok(s.stack.mesos.frameworks().some((f) => f.id === fid && f.connected), "prod's framework is still registered and connected");
  assert.equal(await s.etcdGet(rootKey), fid, "prod's etcd state is intact");
  const p1 = await s.waitForCondition(prodNs, name, 'Ready', 'True');
  assert.equal(p1.status!.frameworkID, fid);
  // The way out the message names: Orphan deletes the copy without TEARDOWN.
  await s.patch(copyNs, name, { spec: { deletionPolicy: 'Orphan' } });
  await waitFor('the copy gone', async () => (await s.get(copyNs, name)) === undefined || undefined, { timeoutMs: 60_000 });
  assert.equal(await s.etcdGet(rootKey), fid);
  assert.deepEqual(await revoked(), []);
});
