// SchedulerClient against a scripted local HTTP endpoint: exact headers and bodies, connections, redirects,
// retry statuses, typed fatal outcomes, the heartbeat watchdog, call verdicts, timeouts and stop() certainty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { FixedMasterDetector } from '../../src/mesos/detector-base.js';
import {
  FrameworkFailedOverError,
  FrameworkIdMismatchError,
  FrameworkRemovedError,
  MesosCallError,
  MesosUsageError,
  SubscribeRejectedError,
  SubscriptionGoneError,
} from '../../src/mesos/errors.js';
import { SchedulerClient, type SchedulerClientOptions } from '../../src/mesos/scheduler-client.js';
import { sleep } from '../../src/util/time.js';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../helpers/wait.js';
import { ScriptedMaster, send, type RecordedRequest } from '../helpers/mesos-client-fake-master.js';
import { record } from '../helpers/mesos-client-recorder.js';
import { heartbeatEvent, subscribedEvent, updateEvent } from '../helpers/mesos-client-fixtures.js';

const framework = { user: 'root', name: 'k8sm-test', failoverTimeoutSeconds: 604800, checkpoint: true, roles: ['*'] };

function client(url: string, extra: Partial<SchedulerClientOptions> = {}): SchedulerClient {
  return new SchedulerClient({
    detector: new FixedMasterDetector(url),
    framework,
    backoff: { initialMs: 5, maxMs: 20 },
    callTimeoutMs: 10_000,
    subscribeTimeoutMs: 10_000,
    ...extra,
  });
}

/** Answers SUBSCRIBE with SUBSCRIBED(+HEARTBEAT) on stream `s<n>`, and calls with 202. */
function happy(m: ScriptedMaster, fid = 'F-0001', interval = 15): void {
  let n = 0;
  m.handler = (r, res) => {
    if (r.call?.type === 'SUBSCRIBE') {
      n++;
      m.openStream(res, `stream-${n}`, [subscribedEvent(r.call.framework_id?.value ?? fid, interval), heartbeatEvent]);
    } else {
      res.writeHead(202).end();
    }
  };
}

test('SUBSCRIBE headers and body; calls carry the stream id on a separate keep-alive connection', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  happy(m);
  const c = client(m.url, { credentials: { principal: 'k8sm', secret: 's3cret' }, frameworkId: 'F-0001' });
  const rec = record(c);
  t.after(() => c.stop());
  c.start();
  const sub = await c.waitForSubscribed(undefined, 20_000);
  assert.deepEqual(
    { frameworkId: sub.frameworkId, streamId: sub.streamId, masterUrl: sub.masterUrl, hb: sub.heartbeatIntervalSeconds, re: sub.resubscribed },
    { frameworkId: 'F-0001', streamId: 'stream-1', masterUrl: m.url, hb: 15, re: true },
  );
  assert.equal(sub.masterInfo?.id, 'fake-master');
  const s = m.subscribes()[0]!;
  assert.equal(s.method, 'POST');
  assert.equal(s.path, '/api/v1/scheduler');
  assert.equal(s.headers['content-type'], 'application/json');
  assert.equal(s.headers.accept, 'application/json');
  assert.equal(s.headers['mesos-stream-id'], undefined, 'SUBSCRIBE must never carry Mesos-Stream-Id');
  assert.equal(s.headers.authorization, `Basic ${Buffer.from('k8sm:s3cret').toString('base64')}`);
  assert.deepEqual(s.call, {
    type: 'SUBSCRIBE',
    framework_id: { value: 'F-0001' },
    subscribe: {
      framework_info: {
        user: 'root',
        name: 'k8sm-test',
        id: { value: 'F-0001' },
        failover_timeout: 604800,
        checkpoint: true,
        roles: ['*'],
        capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }],
        principal: 'k8sm',
      },
    },
  });
  await c.reconcile([{ task_id: 't1', agent_id: 'S1' }]);
  await c.reconcile();
  await c.revive(['*']);
  const calls = m.calls();
  assert.equal(calls.length, 3);
  for (const r of calls) {
    assert.equal(r.headers['mesos-stream-id'], 'stream-1');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers.accept, 'application/json');
    assert.equal(r.headers.authorization, s.headers.authorization);
    assert.notEqual(r.connection, s.connection, 'calls must not use the subscription connection');
    assert.equal(r.connection, calls[0]!.connection, 'calls reuse one keep-alive connection');
  }
  assert.deepEqual(calls[1]!.call, { type: 'RECONCILE', framework_id: { value: 'F-0001' }, reconcile: { tasks: [] } });
  assert.deepEqual(rec.order.slice(0, 3), ['subscribed', 'event:SUBSCRIBED', 'event:HEARTBEAT']);
  assert.deepEqual(
    rec.calls.map((x) => `${x.type}:${x.code}`),
    ['SUBSCRIBE:200', 'RECONCILE:202', 'RECONCILE:202', 'REVIVE:202'],
  );
  assert.ok(rec.calls.every((x) => x.durationMs >= 0 && x.masterUrl === m.url));
});

test('a 307 with a protocol-relative Location is followed with the same body; calls go to the leader', async (t) => {
  const leader = await ScriptedMaster.start();
  const follower = await ScriptedMaster.start();
  t.after(() => leader.close());
  t.after(() => follower.close());
  happy(leader);
  follower.handler = (_r, res) => {
    res.writeHead(307, { Location: `//127.0.0.1:${leader.port}/master/api/v1/scheduler` }).end();
  };
  const c = client(follower.url, { frameworkId: 'F-0001' });
  t.after(() => c.stop());
  c.start();
  const sub = await c.waitForSubscribed(undefined, 20_000);
  assert.equal(sub.masterUrl, leader.url);
  assert.equal(follower.subscribes()[0]!.body, leader.subscribes()[0]!.body);
  assert.equal(leader.subscribes()[0]!.path, '/master/api/v1/scheduler');
  await c.kill('t1', 'S1');
  assert.equal(leader.calls('KILL').length, 1);
  assert.equal(leader.calls('KILL')[0]!.path, '/master/api/v1/scheduler');
  assert.equal(follower.calls().length, 0);
});

test('503 and 404 answers to SUBSCRIBE are retried with backoff; refused connections too', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  let n = 0;
  m.handler = (r, res) => {
    n++;
    if (n === 1) return void res.writeHead(503).end('No leader elected');
    if (n === 2) return void res.writeHead(404).end();
    if (n === 3) return void res.writeHead(503).end('Master has not finished recovery');
    m.openStream(res, 's', [subscribedEvent(r.call!.framework_id?.value ?? 'F-NEW'), heartbeatEvent]);
  };
  const c = client(m.url);
  const rec = record(c);
  t.after(() => c.stop());
  c.start();
  await c.waitForSubscribed(undefined, 20_000);
  assert.deepEqual(rec.disconnected.map((d) => [d.reason, d.wasSubscribed]), [
    ['NoLeader', false],
    ['NoLeader', false],
    ['NoLeader', false],
  ]);
  assert.match(rec.disconnected[2]!.message, /not finished recovery/);
  assert.ok(rec.disconnected.every((d) => d.retryInMs > 0 && d.retryInMs <= 20));
  assert.deepEqual(rec.calls.map((x) => x.code), ['503', '404', '503', '200']);
  assert.equal(c.frameworkId, 'F-NEW');

  // A master that is not there at all: connection refused, retried, no fatal.
  const dead = await freePort();
  const c2 = client(`http://127.0.0.1:${dead}`);
  const rec2 = record(c2);
  t.after(() => c2.stop());
  c2.start();
  await waitFor('two refused attempts', () => rec2.disconnected.length >= 2, { timeoutMs: 20_000 });
  assert.ok(rec2.disconnected.every((d) => d.reason === 'ConnectFailed' && !d.wasSubscribed));
  assert.equal(rec2.fatal.length, 0);
  assert.equal(c2.state, 'connecting');
});

test('a new framework keeps the id it was given and re-subscribes with it in both places', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  let n = 0;
  m.handler = (r, res) => {
    if (r.call?.type !== 'SUBSCRIBE') return void res.writeHead(202).end();
    n++;
    const s = m.openStream(res, `s${n}`, [subscribedEvent(r.call.framework_id?.value ?? 'M-0007'), heartbeatEvent]);
    if (n === 1) setTimeout(() => s.destroy(), 50); // the stream breaks
  };
  const c = client(m.url);
  const rec = record(c);
  t.after(() => c.stop());
  c.start();
  await waitFor('re-subscribed', () => rec.subscribed.length >= 2, { timeoutMs: 20_000 });
  const [first, second] = m.subscribes();
  assert.equal(first!.call!.framework_id, undefined);
  assert.equal(first!.call!.subscribe!.framework_info.id, undefined);
  assert.deepEqual(second!.call!.framework_id, { value: 'M-0007' });
  assert.deepEqual(second!.call!.subscribe!.framework_info.id, { value: 'M-0007' });
  assert.equal(rec.subscribed[0]!.resubscribed, false);
  assert.equal(rec.subscribed[1]!.resubscribed, true);
  assert.equal(rec.subscribed[1]!.streamId, 's2');
  assert.ok(['StreamEnded', 'StreamError'].includes(rec.disconnected[0]!.reason));
  assert.equal(rec.disconnected[0]!.wasSubscribed, true);
});

/** Waits a while and asserts that no further request arrived (bounded; a retry would come within ~20 ms). */
async function assertQuiet(m: ScriptedMaster, count: number): Promise<void> {
  await sleep(400);
  assert.equal(m.requests.length, count, `unexpected requests: ${m.requests.slice(count).map((r) => r.call?.type).join(',')}`);
}

test('first event ERROR "Framework has been removed" → FrameworkRemovedError; never retried', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  m.handler = (_r, res) => {
    const s = m.openStream(res, 's', [{ type: 'ERROR', error: { message: 'Framework has been removed' } }]);
    s.end();
  };
  const c = client(m.url, { frameworkId: 'F-DEAD' });
  const rec = record(c);
  c.start();
  await waitFor('fatal', () => rec.fatal[0], { timeoutMs: 20_000 });
  assert.ok(rec.fatal[0] instanceof FrameworkRemovedError);
  assert.equal(rec.fatal[0].reason, 'FrameworkRemoved');
  assert.equal((rec.fatal[0] as FrameworkRemovedError).frameworkId, 'F-DEAD');
  assert.equal(c.state, 'failed');
  assert.deepEqual(rec.order, ['event:ERROR', 'fatal:FrameworkRemoved']);
  await assert.rejects(c.waitForSubscribed(), FrameworkRemovedError);
  await assert.rejects(c.reconcile(), (e: unknown) => e instanceof MesosCallError && e.reason === 'ClientStopped');
  await assertQuiet(m, 1);
  await c.stop();
});

test('other first-event ERRORs and 4xx answers to SUBSCRIBE are SubscribeRejectedError', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  m.handler = (_r, res) => {
    m.openStream(res, 's', [{ type: 'ERROR', error: { message: 'Role "x" is not present in the master\'s --roles' } }]).end();
  };
  const c = client(m.url);
  const rec = record(c);
  c.start();
  await waitFor('fatal', () => rec.fatal[0], { timeoutMs: 20_000 });
  assert.ok(rec.fatal[0] instanceof SubscribeRejectedError);
  assert.equal((rec.fatal[0] as SubscribeRejectedError).status, 200);
  assert.match(rec.fatal[0].message, /--roles/);
  await assertQuiet(m, 1);

  for (const [status, body] of [
    [400, "'framework_id' differs from 'subscribe.framework_info.id'"],
    [401, 'Unauthorized'],
    [415, "Expecting 'Content-Type' of application/json or application/x-protobuf"],
  ] as const) {
    const m2 = await ScriptedMaster.start((_r, res) => void res.writeHead(status).end(body));
    t.after(() => m2.close());
    const c2 = client(m2.url);
    const rec2 = record(c2);
    c2.start();
    await waitFor('fatal', () => rec2.fatal[0], { timeoutMs: 20_000 });
    const f = rec2.fatal[0] as SubscribeRejectedError;
    assert.ok(f instanceof SubscribeRejectedError);
    assert.equal(f.status, status);
    assert.equal(f.masterMessage, body);
    await assertQuiet(m2, 1);
  }
});

test('SUBSCRIBED with another framework id is fatal FrameworkIdMismatch', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  m.handler = (_r, res) => void m.openStream(res, 's', [subscribedEvent('M-9999'), heartbeatEvent]);
  const c = client(m.url, { frameworkId: 'M-0001' });
  const rec = record(c);
  c.start();
  await waitFor('fatal', () => rec.fatal[0], { timeoutMs: 20_000 });
  const f = rec.fatal[0] as FrameworkIdMismatchError;
  assert.ok(f instanceof FrameworkIdMismatchError);
  assert.deepEqual([f.requested, f.received], ['M-0001', 'M-9999']);
  assert.equal(rec.subscribed.length, 0, 'never reported as subscribed');
  assert.equal(c.frameworkId, 'M-0001');
  await waitFor('stream closed by the client', () => m.streams.size === 0, { timeoutMs: 10_000 });
  await assertQuiet(m, 1);
});

test('ERROR "Framework failed over" stops at once: stream aborted, in-flight and later calls refused, no re-subscribe', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  let stream: http.ServerResponse | undefined;
  const held: http.ServerResponse[] = [];
  m.handler = (r, res) => {
    if (r.call?.type === 'SUBSCRIBE') stream = m.openStream(res, 's1', [subscribedEvent('F-0001'), heartbeatEvent]);
    else held.push(res); // never answered
  };
  const c = client(m.url, { frameworkId: 'F-0001' });
  const rec = record(c);
  // A consumer that tries to act on the ERROR event itself must find the client already stopped.
  let callFromListener: Promise<unknown> | undefined;
  c.on('event', (e) => {
    if (e.type === 'ERROR') callFromListener = c.reconcile().catch((err: unknown) => err);
  });
  c.start();
  await c.waitForSubscribed(undefined, 20_000);
  const inFlight = c.acknowledge(updateEvent(1).update!.status).catch((err: unknown) => err);
  await waitFor('ack reached the master', () => m.calls('ACKNOWLEDGE').length === 1, { timeoutMs: 10_000 });
  send(stream!, { type: 'ERROR', error: { message: 'Framework failed over' } });
  await waitFor('fatal', () => rec.fatal[0], { timeoutMs: 10_000 });
  assert.ok(rec.fatal[0] instanceof FrameworkFailedOverError);
  assert.equal(rec.fatal[0].reason, 'FrameworkFailedOver');
  assert.deepEqual(rec.order.slice(-2), ['event:ERROR', 'fatal:FrameworkFailedOver']);
  const e1 = (await inFlight) as MesosCallError;
  assert.ok(e1 instanceof MesosCallError && e1.reason === 'ClientStopped', String(e1));
  const e2 = (await callFromListener) as MesosCallError;
  assert.ok(e2 instanceof MesosCallError && e2.reason === 'ClientStopped');
  await assert.rejects(c.kill('t1'), (e: unknown) => e instanceof MesosCallError && e.reason === 'ClientStopped');
  await waitFor('stream closed by the client', () => m.streams.size === 0, { timeoutMs: 10_000 });
  await assertQuiet(m, 2);
  await c.stop();
});

test('heartbeat watchdog: misses are reported, 5 silent intervals close the stream and re-subscribe', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  let n = 0;
  m.handler = (r, res) => {
    if (r.call?.type !== 'SUBSCRIBE') return void res.writeHead(202).end();
    n++;
    // Partition: the stream stays open but, after the first HEARTBEAT, nothing more comes.
    m.openStream(res, `s${n}`, [subscribedEvent('F-0001', 0.2), heartbeatEvent]);
  };
  const c = client(m.url, { frameworkId: 'F-0001' });
  const rec = record(c);
  t.after(() => c.stop());
  c.start();
  await waitFor('re-subscribed after heartbeat timeout', () => rec.subscribed.length >= 2, { timeoutMs: 30_000 });
  const d = rec.disconnected[0]!;
  assert.equal(d.reason, 'HeartbeatTimeout');
  assert.equal(d.wasSubscribed, true);
  const firstMisses = rec.missed.slice(0, 4);
  assert.deepEqual(firstMisses.map((x) => x.missed), [1, 2, 3, 4]);
  assert.ok(firstMisses.every((x) => x.intervalSeconds === 0.2));
  const iDisc = rec.order.indexOf('disconnected:HeartbeatTimeout');
  assert.deepEqual(rec.order.slice(iDisc - 4, iDisc), ['heartbeatMissed', 'heartbeatMissed', 'heartbeatMissed', 'heartbeatMissed']);
  assert.match(d.message, /5 × heartbeat interval 0.2 s/);
  assert.equal(m.subscribes()[1]!.headers['mesos-stream-id'], undefined);
});

test('heartbeats on time are never reported missed', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  const timers: NodeJS.Timeout[] = [];
  t.after(() => timers.forEach(clearInterval));
  m.handler = (_r, res) => {
    const s = m.openStream(res, 's', [subscribedEvent('F-0001', 1), heartbeatEvent]);
    timers.push(setInterval(() => send(s, heartbeatEvent), 1000));
  };
  const c = client(m.url, { frameworkId: 'F-0001' });
  const rec = record(c);
  t.after(() => c.stop());
  c.start();
  await c.waitForSubscribed(undefined, 20_000);
  await waitFor('4 periodic heartbeats', () => rec.events.filter((e) => e.type === 'HEARTBEAT').length >= 5, { timeoutMs: 20_000 });
  assert.equal(rec.missed.length, 0);
  assert.equal(rec.disconnected.length, 0);
});

test('a call answered 400 stream-id mismatch on the live subscription is fatal SubscriptionGone', async (t) => {
  for (const [status, body, kind] of [
    [400, "The stream ID 's1' included in this request didn't match the stream ID currently associated with framework ID F-0001", 'StreamIdMismatch'],
    [403, 'Framework is not subscribed', 'NotSubscribed'],
    [400, 'Framework cannot be found', 'FrameworkNotFound'],
  ] as const) {
    const m = await ScriptedMaster.start();
    t.after(() => m.close());
    m.handler = (r, res) => {
      if (r.call?.type === 'SUBSCRIBE') m.openStream(res, 's1', [subscribedEvent('F-0001'), heartbeatEvent]);
      else res.writeHead(status).end(body);
    };
    const c = client(m.url, { frameworkId: 'F-0001' });
    const rec = record(c);
    c.start();
    await c.waitForSubscribed(undefined, 20_000);
    await assert.rejects(c.decline(['O1']), (e: unknown) => e instanceof SubscriptionGoneError && e.kind === kind && e.status === status);
    assert.ok(rec.fatal[0] instanceof SubscriptionGoneError);
    assert.equal(c.state, 'failed');
    await waitFor('stream closed by the client', () => m.streams.size === 0, { timeoutMs: 10_000 });
    await assertQuiet(m, 2);
  }
});

test('a call answered 307/503 means the master lost leadership: the client closes the stream and re-subscribes', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  let n = 0;
  m.handler = (r, res) => {
    if (r.call?.type === 'SUBSCRIBE') {
      n++;
      m.openStream(res, `s${n}`, [subscribedEvent('F-0001'), heartbeatEvent]);
    } else if (n === 1) res.writeHead(503).end('No leader elected');
    else res.writeHead(202).end();
  };
  const c = client(m.url, { frameworkId: 'F-0001' });
  const rec = record(c);
  t.after(() => c.stop());
  c.start();
  await c.waitForSubscribed(undefined, 20_000);
  await assert.rejects(c.suppress(), (e: unknown) => e instanceof MesosCallError && e.reason === 'MasterNotLeader' && e.status === 503);
  await waitFor('re-subscribed', () => rec.subscribed.length === 2, { timeoutMs: 20_000 });
  assert.equal(rec.disconnected[0]!.reason, 'MasterNotLeader');
  await c.suppress();
  assert.equal(m.calls('SUPPRESS').at(-1)!.headers['mesos-stream-id'], 's2');
  assert.equal(rec.fatal.length, 0);
});

test('calls are refused while not subscribed; acknowledge refuses a status without uuid and sends nothing', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  happy(m);
  const c = client(m.url, { frameworkId: 'F-0001' });
  t.after(() => c.stop());
  await assert.rejects(c.reconcile(), (e: unknown) => e instanceof MesosCallError && e.reason === 'ClientNotSubscribed');
  c.start();
  await c.waitForSubscribed(undefined, 20_000);
  const noUuid = updateEvent(1, { uuid: false }).update!.status;
  await assert.rejects(c.acknowledge(noUuid), (e: unknown) => e instanceof MesosUsageError && e.reason === 'NotAcknowledgeable');
  await c.acknowledge(updateEvent(2).update!.status);
  assert.equal(m.calls('ACKNOWLEDGE').length, 1);
  assert.deepEqual(m.calls('ACKNOWLEDGE')[0]!.call!.acknowledge, {
    agent_id: { value: 'M-S1' },
    task_id: { value: 'task-2' },
    uuid: updateEvent(2).update!.status.uuid,
  });
});

test('every call has a timeout', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  m.handler = (r, res) => {
    if (r.call?.type === 'SUBSCRIBE') m.openStream(res, 's1', [subscribedEvent('F-0001'), heartbeatEvent]);
    // calls: never answered
  };
  const c = client(m.url, { frameworkId: 'F-0001', callTimeoutMs: 300 });
  const rec = record(c);
  t.after(() => c.stop());
  c.start();
  await c.waitForSubscribed(undefined, 20_000);
  await assert.rejects(c.reconcile(), (e: unknown) => e instanceof MesosCallError && e.reason === 'CallTimeout');
  assert.equal(rec.calls.at(-1)!.code, 'timeout');
  assert.equal(c.state, 'subscribed', 'a slow call alone does not end the subscription');
});

test('SUBSCRIBE that never gets SUBSCRIBED times out and is retried', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  let n = 0;
  m.handler = (r, res) => {
    n++;
    if (n === 1) return void m.openStream(res, 's1'); // headers, then nothing
    m.openStream(res, `s${n}`, [subscribedEvent('F-0001'), heartbeatEvent]);
  };
  const c = client(m.url, { frameworkId: 'F-0001', subscribeTimeoutMs: 300 });
  const rec = record(c);
  t.after(() => c.stop());
  c.start();
  await c.waitForSubscribed(undefined, 20_000);
  assert.equal(rec.disconnected[0]!.reason, 'SubscribeTimeout');
});

test('stop() aborts the stream and every in-flight or queued call; nothing leaves afterwards', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  const held: http.ServerResponse[] = [];
  m.handler = (r: RecordedRequest, res) => {
    if (r.call?.type === 'SUBSCRIBE') m.openStream(res, 's1', [subscribedEvent('F-0001'), heartbeatEvent]);
    else held.push(res);
  };
  const c = client(m.url, { frameworkId: 'F-0001' });
  c.start();
  await c.waitForSubscribed(undefined, 20_000);
  const p1 = c.reconcile().catch((e: unknown) => e);
  const p2 = c.kill('t1').catch((e: unknown) => e); // queued behind p1 on the single call connection
  await waitFor('first call arrived', () => m.calls().length === 1, { timeoutMs: 10_000 });
  const t0 = performance.now();
  await c.stop();
  assert.ok(performance.now() - t0 < 2000, 'stop() is quick');
  for (const p of [p1, p2]) {
    const e = (await p) as MesosCallError;
    assert.ok(e instanceof MesosCallError && e.reason === 'ClientStopped', String(e));
  }
  assert.equal(c.state, 'stopped');
  await assert.rejects(c.revive(), (e: unknown) => e instanceof MesosCallError && e.reason === 'ClientStopped');
  await waitFor('stream closed', () => m.streams.size === 0, { timeoutMs: 10_000 });
  await assertQuiet(m, 2);
  assert.equal(m.calls('KILL').length, 0, 'the queued call never left');
});
