// Two operator replicas elect one active through a coordination.k8s.io Lease (MicroTime renewTime); the standby
// keeps warm caches but writes nothing. Killing the active one (SIGKILL: no release) hands over after the lease
// duration; a graceful stop (SIGTERM) releases the Lease so the standby takes over at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorStack, metricValue, type OperatorProc } from '../helpers/operator-stack.js';
import { waitFor } from '../helpers/wait.js';
import { kubeRequestOk } from '../../src/kube/index.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('two operator replicas: one active, the standby takes over', { timeout: 300_000 }, async (t) => {
  const s = await OperatorStack.start();
  t.after(() => s.stop());
  const ns = await s.namespace('elect');
  // The Lease the operator's RBAC allows: schedulerha-operator in the operator's namespace (install.yaml).
  const lease = 'schedulerha-operator';
  const args = ['--leader-elect', `--leader-election-namespace=${s.operatorNamespace}`, `--leader-election-id=${lease}`, '--leader-elect-lease-duration=4s', '--leader-elect-renew-deadline=3s', '--leader-elect-retry-period=1s'];
  const a = s.startOperator('op-a', args);
  const b = s.startOperator('op-b', args);
  const leaseObj = async () => kubeRequestOk<Obj>(s.kc, { method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/${s.operatorNamespace}/leases/${lease}` });
  const holder = async () => String((await leaseObj()).spec?.holderIdentity ?? '');
  const active = async (): Promise<[OperatorProc, OperatorProc]> => {
    const h = await waitFor('a lease holder', async () => (await holder()) || undefined);
    return h.startsWith('op-a_') ? [a, b] : [b, a];
  };

  // Replicas 0: no scheduler processes needed; the status still has to be written by the active operator.
  await s.create(s.resource(ns, 'k8sm', { replicas: 0 }));
  const o1 = await s.waitForCondition(ns, 'k8sm', 'ReplicasReady', 'True', { reason: 'ScaledToZero', timeoutMs: 60_000 });
  assert.equal(o1.status!.observedGeneration, o1.metadata.generation);
  const [act, standby] = await active();
  const l = await leaseObj();
  assert.match(String(l.spec.renewTime), /\.\d{6}Z$/, 'renewTime is a MicroTime');
  assert.equal(l.spec.leaseDurationSeconds, 4);

  await t.test('one active, one standby', async () => {
    await waitFor('metrics of both', async () => metricValue(await act.metrics(), 'leader_election_master_status', `name="${lease}"`) === 1 && metricValue(await standby.metrics(), 'leader_election_master_status', `name="${lease}"`) === 0);
    const reconcilesStandby = (await standby.metrics()).split('\n').filter((x) => x.startsWith('controller_runtime_reconcile_total{')).reduce((n, x) => n + Number(x.slice(x.lastIndexOf(' ') + 1)), 0);
    assert.equal(reconcilesStandby, 0, 'the standby reconciles nothing');
    const st = await standby.status();
    assert.equal(st.leader, false);
    assert.ok((st.informers as Obj[]).every((i) => i.synced), 'the standby keeps warm caches');
    assert.equal((await fetch(`${await standby.url()}/readyz`)).status, 200, 'a warm standby is ready');
    assert.ok(!standby.lines.some((l) => /^(created|updated) /.test(String(l.msg))), 'the standby wrote nothing');
  });

  await t.test('SIGKILL of the active one → the standby takes over after the lease duration', async () => {
    const held = (await leaseObj()).spec;
    const before = held.leaseTransitions ?? 0;
    act.proc.child.kill('SIGKILL');
    await act.proc.exited;
    const t0 = Date.now();
    await waitFor('the standby holds the lease', async () => (await holder()).startsWith(`${standby.name}_`), { timeoutMs: 30_000, intervalMs: 100 });
    const took = Date.now() - t0;
    assert.ok(took < 12_000, `takeover after ${took} ms`);
    const taken = (await leaseObj()).spec;
    assert.equal(taken.leaseTransitions, before + 1);
    assert.equal(metricValue(await standby.metrics(), 'leader_election_slowpath_total', `name="${lease}"`), 1, 'one take-over from another holder');
    // No early takeover: the killed holder renewed at or after `held.renewTime`, so its lease ran until at least
    // that + the lease duration, and the standby may acquire only after that.
    const waited = Date.parse(taken.acquireTime) - Date.parse(held.renewTime);
    assert.ok(waited >= held.leaseDurationSeconds * 1000, `acquired ${waited} ms after the dead holder's renewal seen at ${held.renewTime} (lease ${held.leaseDurationSeconds} s)`);
    // The new active one reconciles a spec change.
    await s.patch(ns, 'k8sm', { spec: { replicas: 1 } });
    const o = await s.waitForCondition(ns, 'k8sm', 'Ready', 'True', { timeoutMs: 90_000 });
    assert.equal(o.status!.observedGeneration, o.metadata.generation);
    assert.ok(standby.lines.some((l) => l.msg === 'updated StatefulSet'));
  });

  await t.test('SIGTERM releases the lease: a new standby takes over at once', async () => {
    const c = s.startOperator('op-c', args);
    await waitFor('op-c warm', async () => ((await c.status()).informers as Obj[]).every((i) => i.synced));
    const hooks = s.stack.kube.hooks;
    hooks.clearRequests();
    standby.proc.child.kill('SIGTERM');
    const t0 = Date.now();
    await waitFor('op-c holds the lease', async () => (await holder()).startsWith('op-c_'), { timeoutMs: 30_000, intervalMs: 100 });
    const took = Date.now() - t0;
    assert.equal(await standby.proc.exited, 0, 'graceful exit');
    assert.ok(standby.lines.some((l) => l.msg === 'released the lease'));
    // The release is a write the API server took: holder "" (so the next candidate may acquire at once instead of
    // after the lease duration), before op-c's acquisition.
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${s.operatorNamespace}/leases/${lease}`;
    const writes = hooks.requests().filter((r) => r.method === 'PUT' && r.path === leasePath && r.status === 200).map((r) => JSON.parse(r.body ?? '{}') as Obj);
    const released = writes.findIndex((w) => !w.spec?.holderIdentity);
    assert.ok(released >= 0, `a release write (holder "") was accepted: ${writes.map((w) => String(w.spec?.holderIdentity)).join(', ')}`);
    assert.ok(writes.slice(released + 1).some((w) => String(w.spec?.holderIdentity).startsWith('op-c_')), 'op-c acquired after the release');
    assert.ok(took < 30_000, `takeover after a release within ${took} ms (lease duration 4 s)`);
    await s.patch(ns, 'k8sm', { spec: { replicas: 0 } });
    await s.waitForCondition(ns, 'k8sm', 'ReplicasReady', 'True', { reason: 'ScaledToZero', timeoutMs: 60_000 });
  });
});
