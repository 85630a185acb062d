// SchedulerClient against the Mesos master emulator (src/devstack/mesos), which enforces the reference's rules and
// records every call: subscribe, re-subscribe with the id, redirects from non-leaders, 503 retry, heartbeat loss,
// both ERROR kinds (and that nothing more is sent), acks only with uuid, well-formed reconcile calls, stream ids on
// calls and never on SUBSCRIBE, master failover through HTTP detection, basic auth.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { parseMesosMaster } from '../../src/api/addresses.js';
import { MesosCluster, type MesosClusterOptions } from '../../src/devstack/mesos/index.js';
import { needsAcknowledgement } from '../../src/mesos/calls.js';
import { createMasterDetector, FixedMasterDetector, type MasterDetector } from '../../src/mesos/detector.js';
import { FrameworkFailedOverError, FrameworkRemovedError, MesosCallError, MesosUsageError, SubscribeRejectedError } from '../../src/mesos/errors.js';
import { SchedulerClient, type SchedulerClientOptions } from '../../src/mesos/scheduler-client.js';
import type { TaskInfo, TaskStatus } from '../../src/mesos/types.js';
import { sleep } from '../../src/util/time.js';
import { record } from '../helpers/mesos-client-recorder.js';
import { waitFor } from '../helpers/wait.js';

const framework = { user: 'root', name: 'k8sm-emu', failoverTimeoutSeconds: 3600, checkpoint: true, roles: ['*'] };

async function cluster(t: TestContext, opts: MesosClusterOptions = {}): Promise<MesosCluster> {
  const c = await MesosCluster.start({ masters: 3, agents: 2, clock: 'real', ...opts });
  t.after(() => c.stop());
  return c;
}

function detectorFor(t: TestContext, address: string): MasterDetector {
  const p = parseMesosMaster(address);
  assert.ok(p.ok, JSON.stringify(p));
  const d = createMasterDetector(p.value, { probeTimeoutMs: 2000 });
  t.after(() => d.stop());
  return d;
}

function newClient(t: TestContext, detector: MasterDetector, extra: Partial<SchedulerClientOptions> = {}): SchedulerClient {
  const c = new SchedulerClient({ detector, framework, backoff: { initialMs: 20, maxMs: 200 }, ...extra });
  t.after(() => c.stop());
  return c;
}

test('subscribe through HTTP detection; stream id on every call, never on SUBSCRIBE; calls on another connection', async (t) => {
  const mc = await cluster(t);
  const c = newClient(t, detectorFor(t, mc.masterAddress));
  const rec = record(c);
  c.start();
  const sub = await c.waitForSubscribed(undefined, 30_000);
  assert.equal(sub.masterUrl, mc.leaderUrl);
  assert.match(sub.frameworkId, /^.+-\d{4}$/);
  assert.equal(sub.heartbeatIntervalSeconds, 15);
  assert.equal(sub.masterInfo?.id, mc.leader!.info.id);
  assert.equal(sub.resubscribed, false);
  await c.reconcile();
  await c.suppress();
  await c.revive(['*']);
  const calls = mc.history.findCalls({ frameworkId: sub.frameworkId });
  const subscribe = calls.find((x) => x.callType === 'SUBSCRIBE')!;
  assert.equal(subscribe.status, 200);
  assert.equal(subscribe.streamId, undefined);
  assert.equal(subscribe.newStreamId, sub.streamId);
  const others = calls.filter((x) => x.callType !== 'SUBSCRIBE');
  assert.deepEqual(others.map((x) => [x.callType, x.status]), [['RECONCILE', 202], ['SUPPRESS', 202], ['REVIVE', 202]]);
  for (const x of others) {
    assert.equal(x.streamId, sub.streamId);
    assert.notEqual(x.connectionId, subscribe.connectionId);
  }
  assert.deepEqual(rec.order.slice(0, 3), ['subscribed', 'event:SUBSCRIBED', 'event:HEARTBEAT']);
  assert.equal(mc.framework(sub.frameworkId)!.connected, true);
});

test('a non-leader answers 307; the client re-POSTs to the leader', async (t) => {
  const mc = await cluster(t);
  const follower = mc.masterUrls.find((u) => u !== mc.leaderUrl)!;
  const c = newClient(t, new FixedMasterDetector(follower));
  c.start();
  const sub = await c.waitForSubscribed(undefined, 30_000);
  assert.equal(sub.masterUrl, mc.leaderUrl);
  const subs = mc.history.findCalls({ callType: 'SUBSCRIBE' });
  assert.equal(subs.length, 2);
  assert.equal(subs[0]!.status, 307);
  assert.equal(mc.masterUrls[subs[0]!.master], follower);
  assert.equal(subs[1]!.status, 200);
  assert.equal(mc.masterUrls[subs[1]!.master], mc.leaderUrl);
  await c.reconcile([{ task_id: 'nope', agent_id: mc.agents[0]!.id }]);
  assert.equal(mc.history.findCalls({ callType: 'RECONCILE' })[0]!.master, mc.leaderIndex);
});

test('re-subscribing with the framework id (in both places) keeps the framework', async (t) => {
  const mc = await cluster(t);
  const d = detectorFor(t, mc.masterAddress);
  const first = newClient(t, d);
  first.start();
  const s1 = await first.waitForSubscribed(undefined, 30_000);
  await first.stop();
  await waitFor('disconnected on the master', () => mc.framework(s1.frameworkId)?.connected === false, { timeoutMs: 10_000 });

  assert.equal(mc.history.findCalls({ callType: 'TEARDOWN' }).length, 0, 'stop() never tears the framework down');
  assert.equal(mc.completedFrameworks().length, 0);
  const second = newClient(t, d, { frameworkId: s1.frameworkId });
  second.start();
  const s2 = await second.waitForSubscribed(undefined, 30_000);
  assert.equal(s2.frameworkId, s1.frameworkId);
  assert.equal(s2.resubscribed, true);
  assert.notEqual(s2.streamId, s1.streamId);
  const fw = mc.framework(s1.frameworkId)!;
  assert.equal(fw.connected, true);
  assert.ok(fw.reregisteredTime >= fw.registeredTime);
  // The master accepted our SUBSCRIBE, which it rejects with 400 unless framework_id == framework_info.id.
  assert.deepEqual(mc.history.findCalls({ callType: 'SUBSCRIBE', frameworkId: s1.frameworkId }).map((x) => x.status), [200, 200]);
});

test('503 while no master leads is retried; the client subscribes once a leader is elected', async (t) => {
  const mc = await cluster(t, { recoveryMs: 300 });
  mc.loseLeadership();
  const c = newClient(t, new FixedMasterDetector(mc.masterUrls[0]!));
  const rec = record(c);
  c.start();
  await waitFor('two 503 answers', () => rec.disconnected.filter((d) => d.reason === 'NoLeader').length >= 2, { timeoutMs: 20_000 });
  assert.match(rec.disconnected[0]!.message, /No leader elected/);
  mc.elect(1);
  const sub = await c.waitForSubscribed(undefined, 30_000);
  assert.equal(sub.masterUrl, mc.masterUrls[1]);
  assert.equal(rec.fatal.length, 0);
  const codes = mc.history.findCalls({ callType: 'SUBSCRIBE' }).map((x) => x.status);
  assert.ok(codes.filter((s) => s === 503).length >= 2);
  assert.equal(codes.at(-1), 200);
  // The new leader may have answered "not finished recovery" (503) in between; both are retried the same way.
  assert.ok(rec.disconnected.every((d) => d.reason === 'NoLeader'));
});

test('heartbeat loss (a partitioned stream) → heartbeatMissed, then close and re-subscribe with the same id', async (t) => {
  const mc = await cluster(t, { heartbeatSeconds: 0.25 });
  const c = newClient(t, detectorFor(t, mc.masterAddress));
  const rec = record(c);
  c.start();
  const s1 = await c.waitForSubscribed(undefined, 30_000);
  assert.equal(s1.heartbeatIntervalSeconds, 0.25);
  await waitFor('periodic heartbeats', () => rec.events.filter((e) => e.type === 'HEARTBEAT').length >= 3, { timeoutMs: 10_000 });
  mc.partitionFrameworkStream(s1.frameworkId);
  await waitFor('re-subscribed', () => rec.subscribed.length >= 2, { timeoutMs: 30_000 });
  assert.equal(rec.disconnected[0]!.reason, 'HeartbeatTimeout');
  assert.ok(rec.missed.length >= 1);
  assert.equal(rec.fatal.length, 0);
  const s2 = rec.subscribed[1]!;
  assert.equal(s2.frameworkId, s1.frameworkId);
  assert.notEqual(s2.streamId, s1.streamId);
  const subs = mc.history.findCalls({ callType: 'SUBSCRIBE', frameworkId: s1.frameworkId });
  assert.deepEqual(subs.map((x) => x.status), [200, 200]);
  assert.ok(subs.every((x) => x.streamId === undefined));
  await c.reconcile();
  assert.equal(mc.history.findCalls({ callType: 'RECONCILE' }).at(-1)!.streamId, s2.streamId);
});

test('a partitioned client is not told when the master fails its stream over: it finds out from its heartbeat watchdog', async (t) => {
  const mc = await cluster(t, { heartbeatSeconds: 0.25 });
  const d = detectorFor(t, mc.masterAddress);
  const a = newClient(t, d);
  const recA = record(a);
  a.start();
  const sa = await a.waitForSubscribed(undefined, 30_000);
  mc.partitionFrameworkStream(sa.frameworkId);
  const b = newClient(t, d, { frameworkId: sa.frameworkId });
  b.start();
  await b.waitForSubscribed(undefined, 30_000);
  const failedOverAt = Date.now();
  await waitFor('A notices the loss', () => recA.disconnected[0] ?? recA.fatal[0], { timeoutMs: 10_000 });
  await a.stop(); // before its re-subscription fails B over in turn
  assert.equal(recA.fatal.length, 0, 'no ERROR reached the partitioned client');
  assert.equal(recA.disconnected[0]!.reason, 'HeartbeatTimeout', 'not a clean end it could not have seen');
  assert.ok(Date.now() - failedOverAt >= 500, 'only after missed heartbeats');
  const err = mc.history.events.find((e) => e.type === 'ERROR' && e.frameworkId === sa.frameworkId);
  assert.equal(err?.dropped, 'partitioned', 'the failover ERROR was sent into the partition');
});

test('"Framework failed over": the displaced client stops at once and never sends again', async (t) => {
  const mc = await cluster(t);
  const d = detectorFor(t, mc.masterAddress);
  const a = newClient(t, d);
  const recA = record(a);
  a.start();
  const sa = await a.waitForSubscribed(undefined, 30_000);
  const b = newClient(t, d, { frameworkId: sa.frameworkId });
  b.start();
  const sb = await b.waitForSubscribed(undefined, 30_000);
  await waitFor('A fatal', () => recA.fatal[0], { timeoutMs: 10_000 });
  assert.ok(recA.fatal[0] instanceof FrameworkFailedOverError);
  assert.equal(a.state, 'failed');
  const errorEvents = mc.history.findEvents({ frameworkId: sa.frameworkId, type: 'ERROR', streamId: sa.streamId });
  assert.equal(errorEvents.length, 1);
  assert.equal(errorEvents[0]!.message, 'Framework failed over');
  await assert.rejects(a.reconcile(), (e: unknown) => e instanceof MesosCallError && e.reason === 'ClientStopped');
  await sleep(1000); // a wrongly retrying client would re-subscribe within its 20-200 ms backoff
  const subs = mc.history.findCalls({ callType: 'SUBSCRIBE', frameworkId: sa.frameworkId });
  assert.deepEqual(subs.map((x) => x.newStreamId), [sa.streamId, sb.streamId], 'exactly A once and B once');
  assert.equal(mc.history.findCalls({ streamId: sa.streamId }).length, 0, 'A sent nothing after SUBSCRIBE');
  assert.equal(b.state, 'subscribed');
  await b.reconcile();
});

test('"Framework has been removed": fatal on the first event, never retried', async (t) => {
  const mc = await cluster(t);
  const d = detectorFor(t, mc.masterAddress);
  const first = newClient(t, d, { framework: { ...framework, failoverTimeoutSeconds: 0.2 } });
  first.start();
  const s1 = await first.waitForSubscribed(undefined, 30_000);
  await first.stop();
  await waitFor('framework removed after its failover timeout', () => mc.completedFrameworks().some((f) => f.id === s1.frameworkId), { timeoutMs: 20_000 });

  const again = newClient(t, d, { frameworkId: s1.frameworkId });
  const rec = record(again);
  again.start();
  await waitFor('fatal', () => rec.fatal[0], { timeoutMs: 20_000 });
  assert.ok(rec.fatal[0] instanceof FrameworkRemovedError);
  assert.equal(rec.subscribed.length, 0);
  await sleep(1000);
  const subs = mc.history.findCalls({ callType: 'SUBSCRIBE', frameworkId: s1.frameworkId });
  assert.equal(subs.length, 2, 'the first client once, the refused one once');
  assert.match(subs[1]!.detail ?? '', /Framework has been removed/);
});

test('tasks: launch from an offer, ack exactly the updates with a uuid; reconciliation answers are never acked', async (t) => {
  const mc = await cluster(t, { masters: 1 });
  const c = newClient(t, detectorFor(t, mc.masterAddress));
  const rec = record(c);
  const acked: TaskStatus[] = [];
  const refused: unknown[] = [];
  let launched = false;
  c.on('event', (e) => {
    if (e.type === 'OFFERS') {
      const offers = e.offers!.offers;
      if (!launched && offers.length) {
        launched = true;
        const o = offers[0]!;
        const task: TaskInfo = {
          name: 'web',
          task_id: { value: 'web-1' },
          agent_id: o.agent_id,
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }],
          command: { value: 'sleep 1000' },
        };
        void c.launch([o.id], [task], { refuse_seconds: 5 });
        if (offers.length > 1) void c.decline(offers.slice(1).map((x) => x.id), { refuse_seconds: 60 });
      } else if (offers.length) {
        void c.decline(offers.map((x) => x.id), { refuse_seconds: 60 });
      }
    }
    if (e.type === 'UPDATE') {
      const st = e.update!.status;
      if (needsAcknowledgement(st)) {
        acked.push(st);
        void c.acknowledge(st);
      } else {
        c.acknowledge(st).catch((err: unknown) => refused.push(err));
      }
    }
  });
  c.start();
  const sub = await c.waitForSubscribed(undefined, 30_000);
  await waitFor('web-1 RUNNING acked', () => acked.some((s) => s.task_id.value === 'web-1' && s.state === 'TASK_RUNNING') && mc.task(sub.frameworkId, 'web-1')?.statusUpdateState === 'TASK_RUNNING', { timeoutMs: 30_000 });
  const agentId = mc.task(sub.frameworkId, 'web-1')!.agentId;

  await c.reconcile([{ task_id: 'web-1', agent_id: agentId }, { task_id: 'ghost', agent_id: agentId }]);
  await c.reconcile();
  await waitFor('three reconciliation answers', () => rec.events.filter((e) => e.type === 'UPDATE' && e.update!.status.reason === 'REASON_RECONCILIATION').length >= 3, { timeoutMs: 20_000 });
  const answers = rec.events.filter((e) => e.type === 'UPDATE' && e.update!.status.reason === 'REASON_RECONCILIATION').map((e) => e.update!.status);
  assert.ok(answers.every((s) => s.uuid === undefined && s.source === 'SOURCE_MASTER'));
  assert.deepEqual(answers.map((s) => `${s.task_id.value}:${s.state}`).sort(), ['ghost:TASK_GONE', 'web-1:TASK_RUNNING', 'web-1:TASK_RUNNING']);
  await waitFor('refusals recorded', () => refused.length >= 3, { timeoutMs: 5000 });
  assert.ok(refused.every((e) => e instanceof MesosUsageError && e.reason === 'NotAcknowledgeable'));

  const acks = mc.history.findCalls({ callType: 'ACKNOWLEDGE', frameworkId: sub.frameworkId });
  assert.equal(acks.length, acked.length, 'one ACKNOWLEDGE per update with a uuid, none for the others');
  assert.ok(acks.every((x) => x.status === 202));
  assert.deepEqual(acked.map((s) => s.state), ['TASK_STARTING', 'TASK_RUNNING']);
  const reconciles = mc.history.findCalls({ callType: 'RECONCILE', frameworkId: sub.frameworkId });
  assert.deepEqual(reconciles.map((x) => x.status), [202, 202], 'both RECONCILE calls well-formed (400 without `reconcile`)');
  assert.ok(mc.history.findCalls({ callType: 'ACCEPT' }).every((x) => x.status === 202));

  await c.kill('web-1', agentId);
  await waitFor('web-1 KILLED', () => rec.events.some((e) => e.type === 'UPDATE' && e.update!.status.task_id.value === 'web-1' && e.update!.status.state === 'TASK_KILLED'), { timeoutMs: 20_000 });
  await waitFor('terminal ack removes the task', () => mc.task(sub.frameworkId, 'web-1') === undefined, { timeoutMs: 20_000 });
});

test('master failover: the stream closes, HTTP detection finds the new leader, the client re-subscribes with its id', async (t) => {
  const mc = await cluster(t);
  const c = newClient(t, detectorFor(t, mc.masterAddress));
  const rec = record(c);
  c.start();
  const s1 = await c.waitForSubscribed(undefined, 30_000);
  const oldLeader = mc.leaderUrl;
  await mc.failover();
  assert.notEqual(mc.leaderUrl, oldLeader);
  await waitFor('re-subscribed at the new leader', () => rec.subscribed.length >= 2, { timeoutMs: 30_000 });
  const s2 = rec.subscribed.at(-1)!;
  assert.equal(s2.masterUrl, mc.leaderUrl);
  assert.equal(s2.frameworkId, s1.frameworkId);
  assert.equal(rec.fatal.length, 0);
  assert.ok(rec.disconnected.length >= 1 && rec.disconnected[0]!.wasSubscribed);
  assert.equal(mc.framework(s1.frameworkId)?.connected, true);
});

test('HTTP basic auth: the right credentials subscribe, wrong ones are a fatal 401', async (t) => {
  const mc = await cluster(t, { masters: 1, credentials: [{ principal: 'k8sm', secret: 'good' }] });
  const ok = newClient(t, new FixedMasterDetector(mc.leaderUrl!), { credentials: { principal: 'k8sm', secret: 'good' } });
  ok.start();
  const sub = await ok.waitForSubscribed(undefined, 30_000);
  assert.equal(mc.framework(sub.frameworkId)!.info.principal, 'k8sm');
  await ok.reconcile();
  assert.equal(mc.history.findCalls({ callType: 'RECONCILE' })[0]!.status, 202);

  const bad = newClient(t, new FixedMasterDetector(mc.leaderUrl!), { credentials: { principal: 'k8sm', secret: 'bad' } });
  const rec = record(bad);
  bad.start();
  await waitFor('fatal', () => rec.fatal[0], { timeoutMs: 20_000 });
  assert.ok(rec.fatal[0] instanceof SubscribeRejectedError);
  assert.equal((rec.fatal[0] as SubscribeRejectedError).status, 401);
});

test('explicit TEARDOWN removes the framework and stops the client (no re-subscription into "removed")', async (t) => {
  const mc = await cluster(t, { masters: 1 });
  const c = newClient(t, detectorFor(t, mc.masterAddress));
  const rec = record(c);
  c.start();
  const sub = await c.waitForSubscribed(undefined, 30_000);
  const r = await c.teardown();
  assert.equal(r.status, 202);
  assert.equal(c.state, 'stopped');
  await waitFor('framework completed', () => mc.completedFrameworks().some((f) => f.id === sub.frameworkId), { timeoutMs: 10_000 });
  await sleep(500);
  assert.equal(mc.history.findCalls({ callType: 'SUBSCRIBE', frameworkId: sub.frameworkId }).length, 1);
  assert.equal(rec.fatal.length, 0);
  await assert.rejects(c.reconcile(), (e: unknown) => e instanceof MesosCallError && e.reason === 'ClientStopped');
});
