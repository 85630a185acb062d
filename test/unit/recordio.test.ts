// RecordIO codec: byte lengths, records and length prefixes split across chunks (property tests over seeded random
// chunkings), typed errors for malformed framing, and bounded buffering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRecord, RecordIODecoder, RecordIOError } from '../../src/mesos/recordio.js';
import { chunkRandomly, prng, randInt, randomText } from '../helpers/mesos-client-fixtures.js';

const PREFIX_MAX = 21; // 20 digits + '\n'

test('encodeRecord counts bytes, not characters', () => {
  const s = '{"m":"€😀中"}';
  const rec = encodeRecord(s);
  const nl = rec.indexOf(0x0a);
  assert.equal(rec.subarray(0, nl).toString(), String(Buffer.byteLength(s, 'utf8')));
  assert.notEqual(Buffer.byteLength(s, 'utf8'), s.length);
  assert.equal(rec.subarray(nl + 1).toString('utf8'), s);
  assert.equal(encodeRecord('{"type":"HEARTBEAT"}').toString(), '20\n{"type":"HEARTBEAT"}');
});

test('the reference example decodes; no trailer between records', () => {
  const d = new RecordIODecoder();
  const out = d.push(Buffer.from('20\n{"type":"HEARTBEAT"}20\n{"type":"HEARTBEAT"}'));
  assert.deepEqual(out.map((b) => b.toString()), ['{"type":"HEARTBEAT"}', '{"type":"HEARTBEAT"}']);
  assert.equal(d.pendingBytes, 0);
  d.end();
});

test('a length prefix split across chunks, byte by byte', () => {
  const payload = JSON.stringify({ type: 'UPDATE', text: 'Ж'.repeat(600) }); // > 1000 bytes: a 4-digit prefix
  const bytes = encodeRecord(payload);
  const d = new RecordIODecoder();
  const got: string[] = [];
  for (let i = 0; i < bytes.length; i++) for (const r of d.push(bytes.subarray(i, i + 1))) got.push(r.toString('utf8'));
  assert.deepEqual(got, [payload]);
  d.end();
});

test('property: any chunking of any stream of multi-byte records decodes to the same records (600 seeds)', () => {
  for (let seed = 1; seed <= 600; seed++) {
    const rnd = prng(seed);
    const payloads: string[] = [];
    const n = randInt(rnd, 1, 40);
    for (let i = 0; i < n; i++) payloads.push(JSON.stringify({ i, s: randomText(rnd, rnd() < 0.1 ? 3000 : 60) }));
    const stream = Buffer.concat(payloads.map((p) => encodeRecord(p)));
    const max = Math.max(...payloads.map((p) => Buffer.byteLength(p)));
    const d = new RecordIODecoder(max); // the tightest limit that still admits every record
    const got: string[] = [];
    for (const chunk of chunkRandomly(stream, rnd, randInt(rnd, 1, 4096))) {
      for (const r of d.push(chunk)) got.push(r.toString('utf8'));
      assert.ok(d.pendingBytes <= max + PREFIX_MAX, `seed ${seed}: ${d.pendingBytes} bytes buffered with max record ${max}`);
    }
    assert.deepEqual(got, payloads, `seed ${seed}`);
    assert.equal(d.pendingBytes, 0, `seed ${seed}`);
    d.end();
  }
});

test('property: chunks that each hold many records, and empty chunks', () => {
  const rnd = prng(4242);
  const payloads = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i, t: randomText(rnd, 20) }));
  const stream = Buffer.concat(payloads.map((p) => encodeRecord(p)));
  const d = new RecordIODecoder();
  const got: string[] = [];
  for (let off = 0; off < stream.length; off += 65536) {
    assert.deepEqual(d.push(Buffer.alloc(0)), []);
    for (const r of d.push(stream.subarray(off, off + 65536))) got.push(r.toString());
  }
  assert.deepEqual(got, payloads);
});

const bad: Array<[string, string, RegExp]> = [
  ['empty length', '\n{}', /empty/],
  ['zero length', '0\n', /never 0/],
  ['non-digit in length', '1x\n{}', /invalid byte 0x78/],
  ['negative length', '-2\n{}', /invalid byte 0x2d/],
  ['space before length', ' 2\n{}', /invalid byte 0x20/],
  ['more than 20 digits', '123456789012345678901\n', /more than 20 digits/],
  ['over the record limit', '1025\n', /exceeds the 1024-byte limit/],
];
for (const [name, input, re] of bad) {
  test(`malformed framing is a typed error: ${name}`, () => {
    const d = new RecordIODecoder(1024);
    assert.throws(
      () => {
        // Feed byte by byte: the error must not depend on the chunking.
        for (const b of Buffer.from(input, 'latin1')) d.push(Buffer.from([b]));
      },
      (err: unknown) => err instanceof RecordIOError && err.reason === 'MalformedStream' && re.test(err.message),
    );
    // A stream that lost framing stays failed, and holds nothing.
    assert.throws(() => d.push(Buffer.from('2\n{}')), RecordIOError);
    assert.equal(d.pendingBytes, 0);
  });
}

test('end() inside a record or a length prefix is a typed error; at a boundary it is fine', () => {
  const inPayload = new RecordIODecoder();
  inPayload.push(Buffer.from('20\n{"type":"HEART'));
  assert.throws(() => inPayload.end(), (e: unknown) => e instanceof RecordIOError && /ended inside a record/.test(e.message));
  const inPrefix = new RecordIODecoder();
  inPrefix.push(Buffer.from('2'));
  assert.throws(() => inPrefix.end(), RecordIOError);
  const clean = new RecordIODecoder();
  clean.push(Buffer.from('2\n{}'));
  clean.end();
});

test('an oversized record is refused at its prefix, before its bytes are buffered', () => {
  const d = new RecordIODecoder(100);
  d.push(Buffer.from('50\n'));
  d.push(Buffer.alloc(30, 0x20));
  assert.equal(d.pendingBytes, 30);
  d.push(Buffer.alloc(20, 0x20)); // completes the 50-byte record
  assert.equal(d.pendingBytes, 0);
  assert.throws(() => d.push(Buffer.from('101\n')), /exceeds the 100-byte limit/);
  assert.equal(d.pendingBytes, 0);
});
