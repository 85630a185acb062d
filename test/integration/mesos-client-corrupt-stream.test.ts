// Corrupted SUBSCRIBE streams served by a local HTTP server, through the real client: every one must end in a
// typed `disconnected` (never a crash, never a fatal, never a silent hang), followed by a re-subscription; after the
// last corrupt stream a good one subscribes normally. Chunking on the wire is randomised too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedMasterDetector } from '../../src/mesos/detector-base.js';
import { MalformedEventError } from '../../src/mesos/event-stream.js';
import { RecordIOError } from '../../src/mesos/recordio.js';
import { SchedulerClient } from '../../src/mesos/scheduler-client.js';
import { waitFor } from '../helpers/wait.js';
import { ScriptedMaster } from '../helpers/mesos-client-fake-master.js';
import { record } from '../helpers/mesos-client-recorder.js';
import { chunkRandomly, corruptStream, encodeEvents, heartbeatEvent, prng, randInt, randomText, subscribedEvent, updateEvent, type Corruption } from '../helpers/mesos-client-fixtures.js';
import type { Event } from '../../src/mesos/types.js';

const STREAMS = 10_000;
const MAX_RECORD = 2048;

test(`${STREAMS} corrupted streams: typed disconnects and reconnects, then a clean subscription`, async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  const kinds: Corruption[] = [];
  let served = 0;
  m.handler = async (r, res) => {
    if (r.call?.type !== 'SUBSCRIBE') return void res.writeHead(202).end();
    served++;
    const rnd = prng(served);
    if (served > STREAMS) {
      m.openStream(res, `good-${served}`, [subscribedEvent('F-0001', 15), heartbeatEvent]);
      return;
    }
    const valid: Event[] = [subscribedEvent('F-0001', 15), heartbeatEvent];
    for (let i = 0; i < randInt(rnd, 0, 6); i++) valid.push(updateEvent(i, { text: randomText(rnd, 30) }));
    const { kind, bytes } = corruptStream(valid, rnd, MAX_RECORD);
    kinds.push(kind);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': `bad-${served}` });
    for (const c of chunkRandomly(bytes, rnd, 256)) {
      if (res.destroyed) return;
      res.write(c);
      if (rnd() < 0.05) await new Promise((r2) => setImmediate(r2)); // let some chunks arrive separately
    }
    res.end();
  };
  const c = new SchedulerClient({
    detector: new FixedMasterDetector(m.url),
    framework: { user: 'root', name: 'fuzz', failoverTimeoutSeconds: 3600, checkpoint: true },
    frameworkId: 'F-0001',
    maxRecordBytes: MAX_RECORD,
    backoff: { initialMs: 1, maxMs: 2 },
    backoffResetAfterMs: 0,
  });
  const rec = record(c);
  t.after(() => c.stop());
  c.start();
  await waitFor('the clean subscription after all corrupt ones', () => rec.subscribed.some((s) => s.streamId.startsWith('good-')), { timeoutMs: 120_000 });

  assert.equal(rec.fatal.length, 0);
  assert.equal(rec.disconnected.length, STREAMS, 'one typed disconnect per corrupt stream');
  const typed = new Set(['MalformedStream', 'MalformedEvent']);
  for (const [i, d] of rec.disconnected.entries()) {
    assert.ok(typed.has(d.reason), `stream ${i + 1} (${kinds[i]}): reason ${d.reason}: ${d.message}`);
    assert.ok(d.error instanceof RecordIOError || d.error instanceof MalformedEventError, `stream ${i + 1}: untyped error ${String(d.error)}`);
  }
  // Both corruption before and after SUBSCRIBED happened, and both were handled the same way.
  assert.ok(rec.disconnected.some((d) => d.wasSubscribed) && rec.disconnected.some((d) => !d.wasSubscribed));
  assert.equal(m.subscribes().length, STREAMS + 1);
  // Re-subscriptions keep the framework id in both places.
  for (const s of m.subscribes()) {
    assert.deepEqual(s.call!.framework_id, { value: 'F-0001' });
    assert.deepEqual(s.call!.subscribe!.framework_info.id, { value: 'F-0001' });
  }
  // Events decoded before a corruption were delivered intact and in order: every UPDATE is a well-formed one.
  for (const e of rec.events) if (e.type === 'UPDATE') assert.match(e.update!.status.task_id.value, /^task-\d/);
  assert.equal(c.state, 'subscribed');
});

test('a stream that is valid up to a clean end reports StreamEnded and reconnects', async (t) => {
  const m = await ScriptedMaster.start();
  t.after(() => m.close());
  let n = 0;
  m.handler = (r, res) => {
    n++;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': `s${n}` });
    res.end(encodeEvents([subscribedEvent('F-0001'), heartbeatEvent, updateEvent(1)]));
  };
  const c = new SchedulerClient({
    detector: new FixedMasterDetector(m.url),
    framework: { user: 'root', name: 'fuzz', failoverTimeoutSeconds: 3600, checkpoint: true },
    frameworkId: 'F-0001',
    backoff: { initialMs: 1, maxMs: 2 },
  });
  const rec = record(c);
  t.after(() => c.stop());
  c.start();
  await waitFor('3 subscriptions', () => rec.subscribed.length >= 3, { timeoutMs: 30_000 });
  assert.ok(rec.disconnected.slice(0, 2).every((d) => d.reason === 'StreamEnded' && d.wasSubscribed));
  assert.deepEqual(rec.order.slice(0, 5), ['subscribed', 'event:SUBSCRIBED', 'event:HEARTBEAT', 'event:UPDATE', 'disconnected:StreamEnded']);
});

test('a 200 without Mesos-Stream-Id, with a protobuf content type, or whose first event is not SUBSCRIBED is a ProtocolError', async (t) => {
  for (const [headers, body] of [
    [{ 'Content-Type': 'application/json' }, encodeEvents([subscribedEvent('F-0001')])],
    [{ 'Content-Type': 'application/x-protobuf', 'Mesos-Stream-Id': 'x' }, Buffer.from('')],
    [{ 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'x' }, encodeEvents([heartbeatEvent, subscribedEvent('F-0001')])],
  ] as const) {
    const m = await ScriptedMaster.start();
    t.after(() => m.close());
    m.handler = (_r, res) => {
      res.writeHead(200, headers);
      res.write(body);
    };
    const c = new SchedulerClient({
      detector: new FixedMasterDetector(m.url),
      framework: { user: 'root', name: 'fuzz', failoverTimeoutSeconds: 3600, checkpoint: true },
      frameworkId: 'F-0001',
      backoff: { initialMs: 1, maxMs: 2 },
    });
    const rec = record(c);
    c.start();
    await waitFor('2 failed attempts', () => rec.disconnected.length >= 2, { timeoutMs: 30_000 });
    await c.stop();
    assert.ok(rec.disconnected.every((d) => d.reason === 'ProtocolError' && !d.wasSubscribed), JSON.stringify(rec.disconnected.map((d) => d.message)));
    assert.equal(rec.subscribed.length, 0);
  }
});
