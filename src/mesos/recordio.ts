// RecordIO framing (apache/mesos docs/recordio.md): "<payload length in bytes, ASCII decimal>\n<payload>",
// no trailer. Chunk boundaries are unrelated to record boundaries, so the decoder buffers across chunks,
// including a length prefix split between two chunks. A malformed stream is a typed error, never a crash, and
// the buffered bytes are bounded by `maxRecordBytes`.
import { SchedulerHAError } from '../util/errors.js';

export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** A uint64 needs at most 20 decimal digits. */
const MAX_LENGTH_DIGITS = 20;

export class RecordIOError extends SchedulerHAError {
  constructor(message: string) {
    super('MalformedStream', message);
  }
}

export function encodeRecord(payload: string | Uint8Array): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'ascii'), body]);
}

export class RecordIODecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the record being read, once its prefix is complete. */
  private expected: number | undefined;
  private failed: RecordIOError | undefined;

  constructor(private readonly maxRecordBytes = DEFAULT_MAX_RECORD_BYTES) {}

  /** Feeds a chunk; returns the complete records it finished. Throws RecordIOError on malformed input (and on
   * every later call: a stream that lost framing cannot be resynchronised). */
  push(chunk: Uint8Array): Buffer[] {
    if (this.failed) throw this.failed;
    if (chunk.length) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.buffered += chunk.length;
    }
    const out: Buffer[] = [];
    try {
      for (;;) {
        if (this.expected === undefined) {
          const len = this.readLength();
          if (len === undefined) break;
          this.expected = len;
        }
        if (this.buffered < this.expected) break;
        out.push(this.take(this.expected));
        this.expected = undefined;
      }
    } catch (err) {
      this.failed = err instanceof RecordIOError ? err : new RecordIOError(String(err));
      this.chunks = [];
      this.buffered = 0;
      throw this.failed;
    }
    return out;
  }

  /** Bytes held waiting for the rest of a record. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Call at end of stream: throws if a record was cut off. */
  end(): void {
    if (this.failed) throw this.failed;
    if (this.buffered > 0 || this.expected !== undefined) {
      throw new RecordIOError(`stream ended inside a record (${this.buffered} bytes buffered${this.expected !== undefined ? ` of ${this.expected}` : ''})`);
    }
  }

  private readLength(): number | undefined {
    // Scan for '\n' without concatenating more than the digits we allow.
    let digits = '';
    for (const c of this.chunks) {
      for (let i = 0; i < c.length; i++) {
        const b = c[i]!;
        if (b === 0x0a) {
          if (digits.length === 0) throw new RecordIOError('record length is empty');
          const len = Number(digits);
          if (len === 0) throw new RecordIOError('record length is 0 (RecordIO lengths are never 0)');
          if (len > this.maxRecordBytes) throw new RecordIOError(`record length ${digits} exceeds the ${this.maxRecordBytes}-byte limit`);
          this.take(digits.length + 1);
          return len;
        }
        if (b < 0x30 || b > 0x39) throw new RecordIOError(`invalid byte 0x${b.toString(16).padStart(2, '0')} in record length`);
        digits += String.fromCharCode(b);
        if (digits.length > MAX_LENGTH_DIGITS) throw new RecordIOError('record length has more than 20 digits');
      }
    }
    return undefined;
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first && first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let off = 0;
      while (off < n) {
        const c = this.chunks[0]!;
        const k = Math.min(c.length, n - off);
        c.copy(out, off, 0, k);
        off += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.buffered -= n;
    return out;
  }
}
