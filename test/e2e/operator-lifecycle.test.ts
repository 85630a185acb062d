// The operator end to end, one SchedulerHA through its life: created → StatefulSet and pods → a leader → the
// framework registered → Ready; scaled 2 → 3 (Degraded) → 2; an invalid spec (ConfigValid=False, no child
// touched); a flag change (executor hash sanctioned before the rolling update, new pods lead); the failover
// annotation; the leader pod deleted while its process is frozen (the lease revoke hands over well within the
// TTL); the operator killed in the middle of a reconcile and restarted (idempotent).
// Real etcd, the Mesos emulator on the real clock, the Kubernetes API emulator + pod runner — all through the
// kubeconfig.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorStack, metricValue, type OperatorProc } from '../helpers/operator-stack.js';
import { waitFor } from '../helpers/wait.js';
import { MOUNTS } from '../../src/api/flags.js';
import { parseExecutorHashRecord } from '../../src/api/leader-status.js';
import { kubeRequestOk } from '../../src/kube/index.js';
import type { SchedulerHA } from '../../src/api/types.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('operator lifecycle: ready, scale, invalid spec, flag change, failover, leader pod deleted, operator restart', { timeout: 600_000 }, async (t) => {
  const s = await OperatorStack.start();
  t.after(() => s.stop());
  const ns = await s.namespace('life');
  const name = 'k8sm';
  let op: OperatorProc = s.startOperator('op-a', ['--no-leader-elect']);
  const TTL = 10;
  await s.create(s.resource(ns, name, { etcd: { endpoints: [s.stack.etcd.endpoint], leaseTTLSeconds: TTL } }));
  const get = async (path: string) => kubeRequestOk<Obj>(s.kc, { method: 'GET', path });
  const children = async () => ({
    cm: await get(`/api/v1/namespaces/${ns}/configmaps/${name}-config`),
    svc: await get(`/api/v1/namespaces/${ns}/services/${name}`),
    sts: await get(`/apis/apps/v1/namespaces/${ns}/statefulsets/${name}`),
    pdb: await get(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/${name}`),
  });

  await t.test('apply → StatefulSet and pods → leader → framework registered → Ready', async () => {
    const o = await s.waitForCondition(ns, name, 'Ready', 'True', { timeoutMs: 120_000 });
    const c = await children();
    const uid = o.metadata.uid;
    for (const [k, v] of Object.entries(c)) {
      assert.ok(v.metadata.ownerReferences?.some((r: Obj) => r.controller && r.uid === uid && r.kind === 'SchedulerHA'), `${k} is owned by the SchedulerHA`);
    }
    const argv = JSON.parse(c.cm.data['args.json']) as string[];
    const container = c.sts.spec.template.spec.containers[0];
    assert.deepEqual(container.command, ['schedulerha', 'scheduler']);
    assert.deepEqual(container.args, [...argv, '--port=10251']);
    assert.ok(argv.includes(`--framework-name=${o.spec.flags!.frameworkName}`));
    const env = Object.fromEntries((container.env as Obj[]).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
    assert.deepEqual(env, { POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace', POD_IP: 'status.podIP' });
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.ports[0].containerPort, 10251);
    assert.equal(c.sts.spec.template.spec.serviceAccountName, 'schedulerha-scheduler');
    assert.equal(c.sts.spec.replicas, 2);
    assert.equal(c.svc.spec.clusterIP, 'None');
    assert.equal(c.svc.spec.ports[0].port, 10251);
    assert.equal(c.pdb.spec.maxUnavailable, 1);
    assert.equal(c.cm.data['executor-hash'], o.status!.executorHash);
    assert.ok(!JSON.stringify(container).includes(MOUNTS.etcdTls), 'no Secret volumes without Secrets in the spec');
    // status: leader, framework id, tasks, observedGeneration
    assert.equal(o.status!.observedGeneration, o.metadata.generation);
    assert.match(o.status!.leader!.pod!, new RegExp(`^${name}-[01]$`));
    const fid = await s.etcdGet(s.keys(o).frameworkId);
    assert.equal(o.status!.frameworkID, fid);
    const fw = s.stack.mesos.framework(fid!);
    assert.ok(fw && fw.connected && fw.active, 'the framework is connected and active on the leading master');
    assert.equal(o.status!.readyReplicas, 2);
    assert.equal(o.status!.selector, `app.kubernetes.io/name=schedulerha-scheduler,app.kubernetes.io/instance=${name}`);
    for (const type of ['ConfigValid', 'ReplicasReady', 'LeaderElected', 'FrameworkRegistered', 'TasksReconciled', 'ExecutorCompatible']) assert.equal(s.condition(o, type)?.status, 'True', type);
    assert.equal(s.condition(o, 'Degraded')?.status, 'False');
    assert.equal(parseExecutorHashRecord(await s.etcdGet(s.keys(o).desiredExecutorHash))?.hash, o.status!.executorHash, 'the spec hash is sanctioned in etcd');
    const ev = await waitFor('the Registered and Ready events', async () => {
      const e = await s.events(ns, name);
      return e.some((x) => x.reason === 'Registered') && e.some((x) => x.reason === 'Ready') ? e : undefined;
    });
    assert.ok(ev.some((x) => x.reason === 'Created' && /StatefulSet/.test(x.note)));
    assert.ok(ev.every((x) => x.reportingController === 'k8sm.io/schedulerha-operator'));
    assert.match(ev[0]!.eventTime!, /\.\d{6}Z$/, 'eventTime is a MicroTime');
    const m = await op.metrics();
    assert.ok((metricValue(m, 'controller_runtime_reconcile_total', 'result="requeue_after"') ?? 0) > 0);
    assert.ok(metricValue(m, 'workqueue_adds_total') !== undefined);
    assert.equal(metricValue(m, 'schedulerha_resource_framework_registered', `name="${name}"`), 1);
  });

  await t.test('scale 2 → 3 (Degraded TooManyReplicas) → 2', async () => {
    await s.patch(ns, name, { spec: { replicas: 3 } });
    const o = await s.waitForCondition(ns, name, 'Degraded', 'True', { reason: 'TooManyReplicas' });
    assert.match(s.condition(o, 'ConfigValid')!.message, /more than 2 schedulers/);
    assert.equal((await children()).sts.spec.replicas, 3);
    await waitFor('a TooManyReplicas warning event', async () => (await s.events(ns, name)).find((e) => e.reason === 'TooManyReplicas' && e.type === 'Warning'));
    await s.patch(ns, name, { spec: { replicas: 2 } });
    await s.waitForCondition(ns, name, 'Degraded', 'False', { reason: 'AsExpected' });
    const o2 = await s.waitForCondition(ns, name, 'Ready', 'True', { timeoutMs: 90_000 });
    assert.equal(o2.status!.readyReplicas, 2);
    assert.equal((await children()).sts.spec.replicas, 2);
  });

  await t.test('an invalid spec → ConfigValid=False with the validator message, no child changed', async () => {
    const before = await children();
    const o0 = (await s.get(ns, name))!;
    await s.patch(ns, name, { spec: { flags: { failoverTimeout: 'abc' } } });
    const o = await s.waitForCondition(ns, name, 'ConfigValid', 'False', { reason: 'InvalidSpec' });
    assert.match(s.condition(o, 'ConfigValid')!.message, /spec\.flags\.failoverTimeout "abc" is not a duration/);
    assert.equal(s.condition(o, 'Ready')!.status, 'False');
    assert.equal(s.condition(o, 'Ready')!.reason, 'InvalidSpec');
    // The deployed replicas are still observed through the ConfigMap's argv.
    assert.equal(s.condition(o, 'LeaderElected')!.status, 'True');
    assert.equal(o.status!.leader!.term, o0.status!.leader!.term);
    await waitFor('an InvalidSpec warning event', async () => (await s.events(ns, name)).find((e) => e.reason === 'InvalidSpec' && e.type === 'Warning'));
    await new Promise((r) => setTimeout(r, 2000));
    const after = await children();
    for (const k of Object.keys(before) as Array<keyof typeof before>) assert.equal(after[k].metadata.resourceVersion, before[k].metadata.resourceVersion, `${k} unchanged`);
    await s.patch(ns, name, { spec: { flags: { failoverTimeout: '168h' } } });
    await s.waitForCondition(ns, name, 'ConfigValid', 'True');
    await s.waitForCondition(ns, name, 'Ready', 'True');
  });

  await t.test('a flag change → hash sanctioned, rolling update, ExecutorCompatible evaluated, new pods lead', async () => {
    const o0 = (await s.get(ns, name))!;
    const oldHash = o0.status!.executorHash!;
    await s.patch(ns, name, { spec: { flags: { executor: { 'suicide-timeout': '20m' } } } });
    const o1 = await waitFor('a new executor hash in status', async () => {
      const o = await s.get(ns, name);
      return o?.status?.executorHash && o.status.executorHash !== oldHash && o.status.observedGeneration === o.metadata.generation ? o : undefined;
    });
    const newHash = o1.status!.executorHash!;
    const sts = (await children()).sts;
    assert.equal(sts.spec.template.metadata.annotations['k8sm.io/executor-hash'], newHash);
    assert.equal(parseExecutorHashRecord(await s.etcdGet(s.keys(o1).desiredExecutorHash))?.hash, newHash);
    // The operator sanctioned the hash before it changed the StatefulSet.
    const sanctioned = op.lines.findIndex((l) => l.msg === 'sanctioned a new executor-config hash' && l.to === newHash);
    const updated = op.lines.findIndex((l, i) => i > sanctioned && l.msg === 'updated StatefulSet');
    assert.ok(sanctioned >= 0 && updated > sanctioned, 'hash sanctioned, then StatefulSet updated');
    const o = await waitFor(
      'the rollout finished with a new-hash leader',
      async () => {
        const x = await s.get(ns, name);
        const ls = x && (await s.leaderStatus(x));
        return x && s.condition(x, 'Ready')?.status === 'True' && s.condition(x, 'ExecutorCompatible')?.reason === 'Compatible' && ls?.executorHash === newHash && ls.mesos === 'subscribed' ? x : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 250 },
    );
    assert.equal(o.status!.frameworkID, o0.status!.frameworkID, 'same framework after the rollout');
    const ev = await s.events(ns, name);
    assert.ok(ev.some((e) => e.reason === 'ExecutorHashSanctioned'), 'ExecutorHashSanctioned event');
    assert.ok(ev.some((e) => e.reason === 'RolloutInProgress'), 'ExecutorCompatible was False (RolloutInProgress) during the rollout');
    assert.equal(parseExecutorHashRecord(await s.etcdGet(s.keys(o).executorHash))?.hash, newHash, 'the new leader recorded the new hash');
  });

  await t.test('the failover annotation → a new leader, an Event, lastFailover', async () => {
    const o0 = await s.waitForCondition(ns, name, 'Ready', 'True');
    const from = o0.status!.leader!;
    await s.patch(ns, name, { metadata: { annotations: { 'k8sm.io/failover': 'drill-1' } } });
    const o = await waitFor('a new leader after the failover request', async () => {
      const x = await s.get(ns, name);
      return x?.status?.leader?.term && x.status.leader.term !== from.term && x.status.lastFailover?.reason === 'FailoverRequested' ? x : undefined;
    });
    assert.equal(o.status!.lastFailover!.from, from.pod);
    assert.equal(o.status!.lastFailover!.to, o.status!.leader!.pod);
    assert.notEqual(o.status!.leader!.pod, from.pod);
    assert.ok(o.status!.lastFailover!.seconds! < 10, `handover took ${o.status!.lastFailover!.seconds} s`);
    const ev = await waitFor('FailoverRequested and LeaderChanged events', async () => {
      const e = await s.events(ns, name);
      return e.some((x) => x.reason === 'FailoverRequested') && e.some((x) => x.reason === 'LeaderChanged' && /FailoverRequested/.test(x.note)) ? e : undefined;
    });
    assert.ok(ev);
    const req = JSON.parse((await s.etcdGet(s.keys(o).failoverRequest))!) as { annotation: string };
    assert.equal(req.annotation, 'drill-1');
    const ready = await s.waitForCondition(ns, name, 'Ready', 'True');
    // Once the new leader reports SUBSCRIBED, lastFailover covers the whole hand-over: the request → elected time
    // the operator saw plus the leader's own elected → SUBSCRIBED time.
    const ls = await s.leaderStatus(ready);
    assert.equal(ls?.mesos, 'subscribed');
    // The request → elected part, from the LeaderChanged event (the status may already hold the sum: the new
    // leader's first status record can come when it is SUBSCRIBED already).
    const changed = ev.find((x) => x.reason === 'LeaderChanged' && /FailoverRequested/.test(x.note))!;
    const elected = Number(/elected ([\d.]+) s after the trigger/.exec(changed.note)?.[1]);
    assert.ok(Number.isFinite(elected), changed.note);
    const done = await waitFor('lastFailover completed with the time to SUBSCRIBED', async () => {
      const x = await s.get(ns, name);
      const lf = x?.status?.lastFailover;
      return lf && lf.at === o.status!.lastFailover!.at && lf.seconds! >= elected + ls!.timeToSubscribedSeconds! - 0.0015 ? lf : undefined;
    });
    assert.ok(done.seconds! > 0 && done.seconds! < 10, `handover to SUBSCRIBED took ${done.seconds} s`);
  });

  await t.test('the leader pod deleted (process frozen) → a new leader well within the TTL', async () => {
    const o0 = await s.waitForCondition(ns, name, 'Ready', 'True');
    const leaderPod = o0.status!.leader!.pod!;
    const term = o0.status!.leader!.term!;
    const pids = s.stack.runner.podPids(ns, leaderPod);
    assert.ok(pids.length > 0, 'the leader pod has a process');
    // Frozen: it cannot resign on SIGTERM, so only the operator's lease revoke can hand over before the TTL.
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      const t0 = Date.now();
      await kubeRequestOk(s.kc, { method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${leaderPod}`, body: { gracePeriodSeconds: 15 } });
      const ls = await waitFor(
        'a new leader subscribed',
        async () => {
          const x = await s.leaderStatus(o0);
          return x && x.term !== term && x.mesos === 'subscribed' ? x : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      const took = (Date.now() - t0) / 1000;
      assert.ok(took < TTL / 2, `new leader after ${took.toFixed(2)} s, TTL ${TTL} s`);
      assert.notEqual(ls.pod, leaderPod);
    } finally {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // gone
        }
      }
    }
    const ev = await waitFor('a LeaderLeaseRevoked event', async () => (await s.events(ns, name)).find((e) => e.reason === 'LeaderLeaseRevoked'));
    assert.equal(ev.type, 'Warning');
    const o = await waitFor('lastFailover LeaderPodDeleted', async () => {
      const x = await s.get(ns, name);
      return x?.status?.lastFailover?.reason === 'LeaderPodDeleted' ? x : undefined;
    });
    assert.equal(o.status!.lastFailover!.from, leaderPod);
    assert.ok((metricValue(await op.metrics(), 'schedulerha_lease_revocations_total', 'reason="LeaderPodDeleted"') ?? 0) >= 1);
    await s.waitForCondition(ns, name, 'Ready', 'True', { timeoutMs: 90_000 });
  });

  await t.test('operator killed mid-reconcile and restarted → idempotent', async () => {
    const o0 = await s.waitForCondition(ns, name, 'Ready', 'True');
    const frReq = await s.etcdClient.get(s.keys(o0).failoverRequest).exec();
    const frRev = String(frReq.kvs[0]?.mod_revision);
    const mark = op.lines.length;
    // Stop it for good between its ConfigMap and StatefulSet writes: the API server refuses its StatefulSet
    // update (so the killed operator cannot have finished it: the API server is in this process and would
    // otherwise apply a request sent a moment before the kill), and it is killed once it has seen that refusal.
    const stsPath = new RegExp(`/namespaces/${ns}/statefulsets/${name}$`);
    const hooks = s.stack.kube.hooks;
    hooks.clearRequests();
    hooks.failNext(1_000_000, { method: 'PATCH', path: stsPath });
    await s.patch(ns, name, { spec: { flags: { reconcileInterval: '10m' } } });
    await waitFor('the operator updating the ConfigMap', () => op.lines.slice(mark).some((l) => l.msg === 'updated ConfigMap'), { intervalMs: 1 });
    await waitFor('its StatefulSet update refused', () => hooks.requests().some((r) => r.method === 'PATCH' && stsPath.test(r.path) && r.status === 500), { intervalMs: 1 });
    op.proc.child.kill('SIGKILL');
    await op.proc.exited;
    assert.ok(hooks.clearFaults() > 0, 'the fault rule was still armed when the operator died');
    const before = await children();
    assert.ok(!(before.sts.spec.template.spec.containers[0].args as string[]).includes('--reconcile-interval=10m'), 'the killed operator did not update the StatefulSet');
    assert.ok(String(before.cm.data?.['args.json']).includes('--reconcile-interval=10m'), 'the killed operator had updated the ConfigMap');
    op = s.startOperator('op-b', ['--no-leader-elect']);
    // The killed operator may have written a Ready status for the new generation (its status write does not wait
    // for the refused StatefulSet update): wait for the restarted one's write, not just for Ready.
    await waitFor('the restarted operator updating the StatefulSet', () => op.lines.some((l) => l.msg === 'updated StatefulSet'), { timeoutMs: 150_000 });
    const o = await s.waitForCondition(ns, name, 'Ready', 'True', { timeoutMs: 150_000 });
    assert.equal(o.status!.observedGeneration, o.metadata.generation);
    const sts = (await children()).sts;
    assert.ok((sts.spec.template.spec.containers[0].args as string[]).includes('--reconcile-interval=10m'), 'the restarted operator finished the StatefulSet update');
    const acts = op.lines.filter((l) => /^(created|updated) /.test(String(l.msg))).map((l) => String(l.msg));
    assert.deepEqual(acts, ['updated StatefulSet'], 'the restarted operator wrote the missing StatefulSet update and nothing already done');
    for (const [kind, path] of [
      ['StatefulSet', `/apis/apps/v1/namespaces/${ns}/statefulsets`],
      ['ConfigMap', `/api/v1/namespaces/${ns}/configmaps`],
      ['Service', `/api/v1/namespaces/${ns}/services`],
    ] as const) {
      const owned = (await s.list<Obj>(path)).filter((x) => x.metadata.labels?.['k8sm.io/schedulerha'] === name);
      assert.equal(owned.length, 1, `one ${kind}`);
    }
    const fr2 = await s.etcdClient.get(s.keys(o).failoverRequest).exec();
    assert.equal(String(fr2.kvs[0]?.mod_revision), frRev, 'the handled failover annotation was not requested again');
    assert.equal(o.status!.frameworkID, o0.status!.frameworkID);
    assert.equal(s.stack.mesos.frameworks().filter((f) => f.info.name === o.spec.flags!.frameworkName).length, 1, 'one framework');
    const again = (await s.get(ns, name)) as SchedulerHA;
    assert.equal(again.status!.observedGeneration, again.metadata.generation);
  });

  await t.test('the leader pod force-deleted while no operator runs → the starting operator revokes the lease at first sight', async () => {
    const o0 = await s.waitForCondition(ns, name, 'Ready', 'True');
    const leaderPod = o0.status!.leader!.pod!;
    const term = o0.status!.leader!.term!;
    op.proc.child.kill('SIGKILL');
    await op.proc.exited;
    const pids = s.stack.runner.podPids(ns, leaderPod);
    for (const pid of pids) process.kill(pid, 'SIGSTOP'); // it cannot resign: only its lease expiry, or a revoke, ends the term
    const mark = (await s.events(ns, name)).length;
    try {
      // Grace 0: the object goes at once and the StatefulSet re-creates the pod under the same name. The operator
      // starting now has never seen this term's pod: absent, or a new container started after the election.
      await kubeRequestOk(s.kc, { method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${leaderPod}`, body: { gracePeriodSeconds: 0 } });
      op = s.startOperator('op-c', ['--no-leader-elect']);
      const ev = await waitFor('a LeaderLeaseRevoked event for that term', async () => (await s.events(ns, name)).slice(mark).find((e) => e.reason === 'LeaderLeaseRevoked' && String(e.note).includes(`(term ${term})`)), { timeoutMs: 60_000, intervalMs: 100 });
      assert.match(String(ev.note), /was (deleted|replaced)|terminated/);
    } finally {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // gone
        }
      }
    }
    const o = await waitFor('lastFailover from that pod', async () => {
      const x = await s.get(ns, name);
      return x?.status?.lastFailover?.from === leaderPod && ['LeaderPodDeleted', 'LeaderPodReplaced', 'LeaderContainerTerminated'].includes(x.status.lastFailover.reason!) ? x : undefined;
    }, { timeoutMs: 60_000 });
    assert.notEqual(o.status!.leader?.term, term);
    await s.waitForCondition(ns, name, 'Ready', 'True', { timeoutMs: 90_000 });
  });

  await t.test('the leader pod relabelled by hand (out of the pod view) → judged on the live pod, its lease kept', async () => {
    const o0 = await s.waitForCondition(ns, name, 'Ready', 'True');
    const leaderPod = o0.status!.leader!.pod!;
    const term = o0.status!.leader!.term!;
    const podPath = `/api/v1/namespaces/${ns}/pods/${leaderPod}`;
    const revokedFor = async () => (await s.events(ns, name)).filter((e) => e.reason === 'LeaderLeaseRevoked' && String(e.note).includes(`(term ${term})`));
    const judgedLive = (o: OperatorProc, from: number) => o.lines.slice(from).filter((l) => l.msg === 'leader pod not in the pod view; judged on the live pod' && l.pod === leaderPod).length;
    // A debug-level operator that has seen this term's pod running (the kept judgement), then the relabel: the
    // pod leaves the operator's label-selected informer (a DELETED event) while the leader in it runs on.
    op.proc.child.kill('SIGKILL');
    await op.proc.exited;
    op = s.startOperator('op-d', ['--no-leader-elect', '--log-level=debug']);
    // The only resource this operator manages: one finished reconcile has judged this term's pod (seen running).
    const reconciles = async () => (await op.metrics()).split('\n').filter((l) => l.startsWith('controller_runtime_reconcile_total{')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    await waitFor('op-d finishing a reconcile', async () => (await reconciles()) >= 1 || undefined, { timeoutMs: 60_000 });
    await kubeRequestOk(s.kc, { method: 'PATCH', path: podPath, contentType: 'application/merge-patch+json', body: { metadata: { labels: { 'app.kubernetes.io/managed-by': null } } } });
    try {
      // Two judgements: the second reconcile of this key starts only after the first one ended (never concurrent).
      await waitFor('op-d judging the leader on its live pod twice, or revoking its lease', async () => judgedLive(op, 0) >= 2 || (await revokedFor()).length > 0 || undefined, { timeoutMs: 60_000 });
      assert.deepEqual(await revokedFor(), [], 'no lease revoked while the relabelled leader runs');
      assert.equal((await s.leaderStatus(o0))?.term, term, 'the same term leads');
      // First sight: an operator starting now has never seen this term's pod in its view.
      op.proc.child.kill('SIGKILL');
      await op.proc.exited;
      op = s.startOperator('op-e', ['--no-leader-elect', '--log-level=debug']);
      await waitFor('op-e judging the leader on its live pod twice, or revoking its lease', async () => judgedLive(op, 0) >= 2 || (await revokedFor()).length > 0 || undefined, { timeoutMs: 60_000 });
      assert.deepEqual(await revokedFor(), [], 'no lease revoked at first sight either');
      assert.equal((await s.leaderStatus(o0))?.term, term, 'the same term still leads');
      assert.equal(metricValue(await op.metrics(), 'schedulerha_lease_revocations_total', 'reason="LeaderPodDeleted"') ?? 0, 0);
    } finally {
      await kubeRequestOk(s.kc, { method: 'PATCH', path: podPath, contentType: 'application/merge-patch+json', body: { metadata: { labels: { 'app.kubernetes.io/managed-by': 'schedulerha-operator' } } } }).catch(() => undefined);
    }
    await s.waitForCondition(ns, name, 'Ready', 'True', { timeoutMs: 60_000 });
  });

  await t.test('scaled to zero and back: no lease revoked, and the new leader is no failover', async () => {
    const o0 = await s.waitForCondition(ns, name, 'Ready', 'True');
    const before = (await s.events(ns, name)).length;
    const failovers = async () => metricValue(await op.metrics(), 'schedulerha_resource_failovers_total') ?? 0;
    const f0 = await failovers();
    await s.patch(ns, name, { spec: { replicas: 0 } });
    await s.waitForCondition(ns, name, 'ReplicasReady', 'True', { reason: 'ScaledToZero', timeoutMs: 60_000 });
    await waitFor('no leader', async () => (await s.get(ns, name))?.status?.leader === undefined || undefined, { timeoutMs: 60_000 });
    await s.patch(ns, name, { spec: { replicas: 2 } });
    const o1 = await s.waitForCondition(ns, name, 'Ready', 'True', { timeoutMs: 120_000 });
    const ev = await waitFor('the LeaderChanged Event of the scale-up', async () => (await s.events(ns, name)).slice(before).find((e) => e.reason === 'LeaderChanged'), { timeoutMs: 30_000 });
    assert.match(ev.note, /after the scale-up from zero replicas .*not a failover/);
    const since = (await s.events(ns, name)).slice(before);
    assert.deepEqual(since.filter((e) => e.reason === 'LeaderLeaseRevoked'), [], 'no lease revoked for pods scaled away');
    assert.deepEqual(o1.status!.lastFailover, o0.status!.lastFailover, 'lastFailover is still the last real failover');
    assert.equal(await failovers(), f0);
    assert.equal(o1.status!.frameworkID, o0.status!.frameworkID);
  });

  await t.test('the leader pod deleted gracefully (kubectl delete pod, a drain) → it resigns; no lease revoked', async () => {
    const o0 = await s.waitForCondition(ns, name, 'Ready', 'True');
    const leaderPod = o0.status!.leader!.pod!;
    const term = o0.status!.leader!.term!;
    const before = (await s.events(ns, name)).length;
    await kubeRequestOk(s.kc, { method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${leaderPod}` });
    const o = await waitFor('this failover recorded', async () => {
      const x = await s.get(ns, name);
      const lf = x?.status?.lastFailover;
      return lf && lf.at !== o0.status!.lastFailover?.at && lf.from === leaderPod && x.status!.leader?.term && x.status!.leader.term !== term ? x : undefined;
    }, { timeoutMs: 60_000 });
    assert.equal(o.status!.lastFailover!.reason, 'LeaderLost', 'the leader resigned on SIGTERM: nothing to revoke');
    const since = (await s.events(ns, name)).slice(before);
    assert.deepEqual(since.filter((e) => e.reason === 'LeaderLeaseRevoked'), [], 'no LeaderLeaseRevoked Warning for a graceful deletion');
    await s.waitForCondition(ns, name, 'Ready', 'True', { timeoutMs: 90_000 });
  });

  await t.test('the failover key written by hand (etcdctl put) → one failover; the handled annotation is not replayed', async () => {
    const o0 = await s.waitForCondition(ns, name, 'Ready', 'True');
    assert.equal(o0.metadata.annotations?.['k8sm.io/failover'], 'drill-1', 'the annotation of the earlier step is still on the resource');
    assert.equal(o0.status!.failoverHandled, 'drill-1');
    const term = o0.status!.leader!.term!;
    const before = (await s.events(ns, name)).length;
    await s.etcdClient.put(s.keys(o0).failoverRequest).value(`manual ${new Date().toISOString()}`);
    const o = await waitFor('the new leader recorded', async () => {
      const x = await s.get(ns, name);
      return x?.status?.leader?.term && x.status.leader.term !== term && x.status.lastFailover?.at !== o0.status!.lastFailover?.at ? x : undefined;
    }, { timeoutMs: 60_000 });
    assert.equal(o.status!.lastFailover!.reason, 'LeaderLost', 'a failover by hand: the operator did not request it');
    await s.waitForCondition(ns, name, 'Ready', 'True', { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 2000)); // room for a replay, which would come within a reconcile
    const since = (await s.events(ns, name)).slice(before);
    assert.deepEqual(since.filter((e) => e.reason === 'FailoverRequested').map((e) => e.note), [], 'drill-1 was not requested again');
    assert.equal(since.filter((e) => e.reason === 'LeaderChanged').length, 1, 'one leader change');
    assert.match((await s.etcdGet(s.keys(o0).failoverRequest)) ?? '', /^manual /, 'the key still holds what was written by hand');
  });
});
