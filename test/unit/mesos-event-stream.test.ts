// The event-stream decoder: events in order across any chunking, shape checks for the members consumers use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEventShape, EventStreamDecoder, MalformedEventError } from '../../src/mesos/event-stream.js';
import { chunkRandomly, encodeEvents, heartbeatEvent, prng, randomText, subscribedEvent, updateEvent } from '../helpers/mesos-client-fixtures.js';
import type { Event } from '../../src/mesos/types.js';

test('events come out in stream order across random chunkings (200 seeds)', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const rnd = prng(seed);
    const events: Event[] = [subscribedEvent('F-1'), heartbeatEvent];
    for (let i = 0; i < 30; i++) events.push(updateEvent(i, { text: randomText(rnd, 30), uuid: i % 2 === 0 }));
    const d = new EventStreamDecoder();
    const got: Event[] = [];
    for (const c of chunkRandomly(encodeEvents(events), rnd, 300)) got.push(...d.push(c));
    d.end();
    assert.deepEqual(got, events, `seed ${seed}`);
  }
});

test('shape checks', () => {
  assert.equal(checkEventShape({ type: 'HEARTBEAT' }), undefined);
  assert.equal(checkEventShape({ type: 'SOMETHING_NEW' }), undefined, 'unknown types pass (forward compatibility)');
  assert.equal(checkEventShape(subscribedEvent('F')), undefined);
  assert.equal(checkEventShape(updateEvent(1)), undefined);
  assert.match(checkEventShape({ type: 'SUBSCRIBED', subscribed: { framework_id: {} } })!, /framework_id/);
  assert.match(checkEventShape({ type: 'SUBSCRIBED', subscribed: { framework_id: { value: 'F' }, heartbeat_interval_seconds: 0 } })!, /heartbeat/);
  assert.match(checkEventShape({ type: 'UPDATE', update: { status: { task_id: { value: 't' } } } })!, /UPDATE/);
  assert.match(checkEventShape({ type: 'UPDATE', update: { status: { task_id: { value: 't' }, state: 'TASK_RUNNING', uuid: 5 } } })!, /uuid/);
  assert.match(checkEventShape({ type: 'OFFERS', offers: {} })!, /OFFERS/);
  assert.match(checkEventShape({ type: 'RESCIND', rescind: {} })!, /RESCIND/);
  assert.match(checkEventShape({ type: 'ERROR', error: { message: 1 } })!, /ERROR/);
  assert.match(checkEventShape({ type: 'FAILURE' })!, /FAILURE/);
  assert.match(checkEventShape({ type: 'MESSAGE' })!, /MESSAGE/);
  assert.match(checkEventShape([])!, /object/);
  assert.match(checkEventShape({ type: 3 })!, /type/);
});

test('invalid JSON and bad shapes are MalformedEvent; the decoder stays failed', () => {
  const d = new EventStreamDecoder();
  assert.deepEqual(d.push(encodeEvents([heartbeatEvent])), [heartbeatEvent]);
  assert.throws(() => d.push(Buffer.from('5\n{"a":')), (e: unknown) => e instanceof MalformedEventError && e.reason === 'MalformedEvent');
  assert.throws(() => d.push(encodeEvents([heartbeatEvent])), MalformedEventError);
  const d2 = new EventStreamDecoder();
  assert.throws(() => d2.push(Buffer.from('17\n{"type":"UPDATE"}')), /UPDATE without/);
});
