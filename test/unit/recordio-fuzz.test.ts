// Fuzz: ≥ 10,000 corrupted event streams (truncated, garbage lengths, invalid JSON, oversized records, zero
// lengths, flipped length digits, JSON that is not an event) through the event-stream decoder the client uses.
// Every one must end in a typed error (never a crash or another exception type), the events before the corruption
// must come out intact, and the decoder must never hold more than max record size + length prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventStreamDecoder, MalformedEventError } from '../../src/mesos/event-stream.js';
import { RecordIOError } from '../../src/mesos/recordio.js';
import { chunkRandomly, corruptStream, heartbeatEvent, prng, randInt, randomText, subscribedEvent, updateEvent, type Corruption } from '../helpers/mesos-client-fixtures.js';
import type { Event } from '../../src/mesos/types.js';

const STREAMS = 12_000;
const MAX_RECORD = 2048;
const PREFIX_MAX = 21;

test(`fuzz: ${STREAMS} corrupted streams end in typed errors with bounded buffering`, () => {
  const byKind = new Map<Corruption, number>();
  const byReason = new Map<string, number>();
  let maxPending = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  for (let seed = 1; seed <= STREAMS; seed++) {
    const rnd = prng(seed);
    const valid: Event[] = [subscribedEvent('F-0001'), heartbeatEvent];
    const n = randInt(rnd, 1, 12);
    for (let i = 0; i < n; i++) valid.push(updateEvent(i, { text: randomText(rnd, 40) }));
    const { kind, bytes } = corruptStream(valid, rnd, MAX_RECORD);
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    const d = new EventStreamDecoder(MAX_RECORD);
    const got: Event[] = [];
    let error: unknown;
    try {
      for (const c of chunkRandomly(bytes, rnd, randInt(rnd, 1, 512))) {
        got.push(...d.push(c));
        maxPending = Math.max(maxPending, d.pendingBytes);
        assert.ok(d.pendingBytes <= MAX_RECORD + PREFIX_MAX, `seed ${seed} (${kind}): ${d.pendingBytes} bytes buffered`);
      }
      d.end();
    } catch (err) {
      error = err;
    }
    assert.ok(error !== undefined, `seed ${seed} (${kind}): corrupted stream decoded without error`);
    assert.ok(error instanceof RecordIOError || error instanceof MalformedEventError, `seed ${seed} (${kind}): untyped error ${String(error)}`);
    const reason = (error as RecordIOError | MalformedEventError).reason;
    assert.ok(reason === 'MalformedStream' || reason === 'MalformedEvent');
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    // What came out before the corruption is a prefix of the valid stream, unchanged.
    assert.deepEqual(got, valid.slice(0, got.length), `seed ${seed} (${kind})`);
  }
  for (const k of ['truncated', 'garbage-length', 'invalid-json', 'oversized', 'non-event-json', 'zero-length', 'bit-flip'] as Corruption[]) {
    assert.ok((byKind.get(k) ?? 0) > 500, `corruption ${k} exercised only ${byKind.get(k) ?? 0} times`);
  }
  assert.ok((byReason.get('MalformedStream') ?? 0) > 0 && (byReason.get('MalformedEvent') ?? 0) > 0);
  assert.ok(maxPending <= MAX_RECORD + PREFIX_MAX);
  // No retained garbage to speak of (a loose sanity bound, not a precise measurement).
  global.gc?.();
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 200 * 1024 * 1024);
});

test('oversized length prefixes never make the decoder wait for (or buffer) the promised bytes', () => {
  for (let seed = 1; seed <= 500; seed++) {
    const rnd = prng(seed);
    const { bytes } = corruptStream([subscribedEvent('F'), heartbeatEvent], rnd, MAX_RECORD, 'oversized');
    const d = new EventStreamDecoder(MAX_RECORD);
    assert.throws(() => {
      for (const c of chunkRandomly(bytes, rnd, 64)) d.push(c);
    }, /exceeds the 2048-byte limit/);
    assert.equal(d.pendingBytes, 0);
  }
});
