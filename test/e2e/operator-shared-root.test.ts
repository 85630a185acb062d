// Two SchedulerHA resources on one etcd root (the same etcd prefix and framework name) — a copy of the manifest in
// another namespace, here even under the same resource name, so both have a pod `k8sm-0`. The operator must judge
// only its own resource's pods: never revoke the other deployment's leader because its own pod of that name just
// started, report the shared root, and never TEARDOWN the framework the other deployment still leads.
// Real etcd, the Mesos emulator on the real clock, the Kubernetes API emulator + pod runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorStack } from '../helpers/operator-stack.js';
import { waitFor } from '../helpers/wait.js';
import type { SchedulerHA } from '../../src/api/types.js';

test('a copy on the same etcd root: no revocation of the other leader, Degraded SharedFrameworkRoot, its Teardown blocked', { timeout: 300_000 }, async (t) => {
  const s = await OperatorStack.start();
  t.after(() => s.stop());
  const prodNs = await s.namespace('prod');
  const copyNs = await s.namespace('copy');
  const name = 'k8sm';
  s.startOperator('op-a', ['--no-leader-elect']);
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
