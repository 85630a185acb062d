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
  // One allocation, no intermediate copies: this runs once per event on the master's hot path.
  const len = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength;
  const prefix = `${len}\n`;
  const out = Buffer.allocUnsafe(prefix.length + len);
  out.write(prefix, 0, 'latin1');
  if (typeof payload === 'string') out.write(payload, prefix.length, 'utf8');
  else out.set(payload, prefix.length);
  return out;
}

export class RecordIODecoder {
  /** Payload bytes of a record that continues in a later chunk (only then are bytes copied). */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** Length of the record being read, once its prefix is complete. */
  private expected: number | undefined;
  /** The length prefix being read: its value, its digit count, and its text from earlier chunks (messages only). */
  private digits = 0;
  private digitCount = 0;
  private digitText = '';
  private failed: RecordIOError | undefined;

  constructor(private readonly maxRecordBytes = DEFAULT_MAX_RECORD_BYTES) {}

  /** Feeds a chunk; returns the complete records it finished. Throws RecordIOError on malformed input (and on
   * every later call: a stream that lost framing cannot be resynchronised). */
  push(chunk: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    this.scan(chunk, (buf, start, end) => out.push(buf.subarray(start, end)));
    return out;
  }

  /** As `push`, but returns each record's payload decoded as UTF-8 text: a record inside one chunk is decoded
   * straight from it (no intermediate Buffer) — the event stream's hot path. */
  pushText(chunk: Uint8Array): string[] {
    const out: string[] = [];
    this.scan(chunk, (buf, start, end) => out.push(buf.toString('utf8', start, end)));
    return out;
  }

  /** Bytes held waiting for the rest of a record (a partial length prefix or payload). */
  get pendingBytes(): number {
    return this.digitCount + this.partialBytes;
  }

  /** Call at end of stream: throws if a record was cut off. */
  end(): void {
    if (this.failed) throw this.failed;
    if (this.pendingBytes > 0 || this.expected !== undefined) {
      throw new RecordIOError(`stream ended inside a record (${this.pendingBytes} bytes buffered${this.expected !== undefined ? ` of ${this.expected}` : ''})`);
    }
  }

  private scan(chunk: Uint8Array, emit: (buf: Buffer, start: number, end: number) => void): void {
    if (this.failed) throw this.failed;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = buf.length;
    let i = 0;
    try {
      while (i < n) {
        if (this.expected === undefined) {
          const digitStart = i;
          while (i < n) {
            const b = buf[i]!;
            if (b === 0x0a) break;
            if (b < 0x30 || b > 0x39) throw new RecordIOError(`invalid byte 0x${b.toString(16).padStart(2, '0')} in record length`);
            this.digits = this.digits * 10 + (b - 0x30);
            if (++this.digitCount > MAX_LENGTH_DIGITS) throw new RecordIOError('record length has more than 20 digits');
            i++;
          }
          if (i === n) {
            this.digitText += buf.toString('latin1', digitStart, n); // the prefix continues in the next chunk
            break;
          }
          if (this.digitCount === 0) throw new RecordIOError('record length is empty');
          const len = this.digits;
          if (len === 0) throw new RecordIOError('record length is 0 (RecordIO lengths are never 0)');
          if (len > this.maxRecordBytes) {
            throw new RecordIOError(`record length ${this.digitText + buf.toString('latin1', digitStart, i)} exceeds the ${this.maxRecordBytes}-byte limit`);
          }
          this.expected = len;
          this.digits = 0;
          this.digitCount = 0;
          this.digitText = '';
          i++; // the '\n'
          continue;
        }
        const need = this.expected - this.partialBytes;
        if (this.partialBytes === 0 && n - i >= need) {
          emit(buf, i, i + need);
          i += need;
          this.expected = undefined;
          continue;
        }
        const take = Math.min(need, n - i);
        this.partial.push(buf.subarray(i, i + take));
        this.partialBytes += take;
        i += take;
        if (this.partialBytes === this.expected) {
          const whole = Buffer.concat(this.partial, this.partialBytes);
          this.partial = [];
          this.partialBytes = 0;
          this.expected = undefined;
          emit(whole, 0, whole.length);
        }
      }
    } catch (err) {
      this.failed = err instanceof RecordIOError ? err : new RecordIOError(String(err));
      this.partial = [];
      this.partialBytes = 0;
      this.digitCount = 0;
      throw this.failed;
    }
  }
}
