// Deterministic randomness and sample Mesos events for the client's property, fuzz and corrupt-stream tests.
import { encodeRecord } from '../../src/mesos/recordio.js';
import type { Event } from '../../src/mesos/types.js';

/** mulberry32: a tiny seeded PRNG, so every failure names a seed that reproduces it. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const randInt = (rnd: () => number, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

const ALPHABET = ['a', 'Z', '0', ' ', '"', '\\', '\n', 'é', 'ß', 'λ', 'Ж', '中', '文', '€', '😀', '🚀', '\u0000', '\u2028'];

/** A string mixing 1-, 2-, 3- and 4-byte UTF-8 characters (and characters JSON must escape). */
export function randomText(rnd: () => number, maxChars: number): string {
  const n = randInt(rnd, 0, maxChars);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[randInt(rnd, 0, ALPHABET.length - 1)]!;
  return s;
}

/** Splits `buf` into chunks of 1..maxChunk bytes (1-byte chunks split length prefixes and UTF-8 sequences). */
export function chunkRandomly(buf: Buffer, rnd: () => number, maxChunk: number): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    const n = rnd() < 0.3 ? 1 : randInt(rnd, 1, maxChunk);
    out.push(buf.subarray(off, Math.min(buf.length, off + n)));
    off += n;
  }
  return out;
}

export function updateEvent(i: number, opts: { uuid?: boolean; text?: string } = {}): Event {
  return {
    type: 'UPDATE',
    update: {
      status: {
        task_id: { value: `task-${i}${opts.text ?? ''}` },
        state: 'TASK_RUNNING',
        source: 'SOURCE_EXECUTOR',
        agent_id: { value: 'M-S1' },
        executor_id: { value: 'k8sm-executor' },
        timestamp: 1_700_000_000 + i / 1000,
        message: opts.text ?? 'running',
        ...(opts.uuid === false ? {} : { uuid: Buffer.from(`uuid-${String(i).padStart(11, '0')}`).toString('base64') }),
      },
    },
  };
}

export function subscribedEvent(frameworkId: string, heartbeatIntervalSeconds = 15): Event {
  return {
    type: 'SUBSCRIBED',
    subscribed: {
      framework_id: { value: frameworkId },
      heartbeat_interval_seconds: heartbeatIntervalSeconds,
      master_info: { id: 'fake-master', ip: 16777343, port: 5050, hostname: '127.0.0.1', address: { hostname: '127.0.0.1', ip: '127.0.0.1', port: 5050 } },
    },
  };
}

export const heartbeatEvent: Event = { type: 'HEARTBEAT' };

export function encodeEvents(events: Event[]): Buffer {
  return Buffer.concat(events.map((e) => encodeRecord(JSON.stringify(e))));
}

export type Corruption = 'truncated' | 'garbage-length' | 'invalid-json' | 'oversized' | 'non-event-json' | 'zero-length' | 'bit-flip';

/** A corrupted variant of a valid stream: kind and bytes. `maxRecordBytes` is what the decoder will enforce. */
export function corruptStream(valid: Event[], rnd: () => number, maxRecordBytes: number, kind?: Corruption): { kind: Corruption; bytes: Buffer } {
  const kinds: Corruption[] = ['truncated', 'garbage-length', 'invalid-json', 'oversized', 'non-event-json', 'zero-length', 'bit-flip'];
  const k = kind ?? kinds[randInt(rnd, 0, kinds.length - 1)]!;
  const records = valid.map((e) => encodeRecord(JSON.stringify(e)));
  const at = randInt(rnd, 0, records.length - 1);
  switch (k) {
    case 'truncated': {
      const all = Buffer.concat(records);
      // Cut strictly inside a record (never at a boundary), so the stream always ends mid-record.
      const starts = new Set<number>();
      let o = 0;
      for (const r of records) {
        starts.add(o);
        o += r.length;
      }
      let cut = randInt(rnd, 1, all.length - 1);
      while (starts.has(cut)) cut = randInt(rnd, 1, all.length - 1);
      return { kind: k, bytes: all.subarray(0, cut) };
    }
    case 'garbage-length': {
      const garbage = ['x\n', '-5\n', '1e3\n', ' 12\n', '\n', '99999999999999999999999\n', '12a\n', String.fromCharCode(randInt(rnd, 0x3a, 0x7e)) + '\n'];
      const g = garbage[randInt(rnd, 0, garbage.length - 1)]!;
      records.splice(at, 0, Buffer.from(g, 'latin1'));
      return { kind: k, bytes: Buffer.concat(records) };
    }
    case 'invalid-json': {
      const bad = ['{"type":"UPDATE"', '{type:UPDATE}', 'not json at all', '{"type":"HEARTBEAT"}}', '\u00ff\u00fe', '[1,2,'];
      records.splice(at, 0, encodeRecord(bad[randInt(rnd, 0, bad.length - 1)]!));
      return { kind: k, bytes: Buffer.concat(records) };
    }
    case 'oversized': {
      const len = maxRecordBytes + randInt(rnd, 1, 10 * maxRecordBytes);
      // Only the prefix and a little payload: the decoder must refuse at the prefix, not wait for the bytes.
      records.splice(at, 0, Buffer.from(`${len}\n{"type":"UPDATE","update":`, 'latin1'));
      return { kind: k, bytes: Buffer.concat(records) };
    }
    case 'non-event-json': {
      const odd = ['[]', '42', '"UPDATE"', 'null', '{"type":7}', '{"type":"UPDATE"}', '{"type":"UPDATE","update":{"status":{"state":"TASK_RUNNING"}}}', '{"type":"ERROR","error":{}}', '{"type":"SUBSCRIBED","subscribed":{}}'];
      records.splice(at, 0, encodeRecord(odd[randInt(rnd, 0, odd.length - 1)]!));
      return { kind: k, bytes: Buffer.concat(records) };
    }
    case 'zero-length':
      records.splice(at, 0, Buffer.from('0\n', 'latin1'));
      return { kind: k, bytes: Buffer.concat(records) };
    case 'bit-flip': {
      // Break one length digit into a non-digit: a guaranteed framing error at that record.
      const r = Buffer.from(records[at]!);
      r[randInt(rnd, 0, r.indexOf(0x0a) - 1)] = 0x41 + randInt(rnd, 0, 25);
      records[at] = r;
      return { kind: k, bytes: Buffer.concat(records) };
    }
  }
}
