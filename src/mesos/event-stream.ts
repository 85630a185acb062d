// Bytes of a SUBSCRIBE response → typed scheduler events. RecordIO framing (recordio.ts) plus JSON parsing and a
// shape check of the members a consumer dereferences, so a corrupt or hostile stream is a typed error
// (MalformedStream / MalformedEvent) and never a TypeError deep inside the scheduler.
import { SchedulerHAError } from '../util/errors.js';
import { DEFAULT_MAX_RECORD_BYTES, RecordIODecoder, RecordIOError } from './recordio.js';
import type { Event } from './types.js';

export class MalformedEventError extends SchedulerHAError {
  constructor(message: string) {
    super('MalformedEvent', message);
  }
}

export type StreamDecodeError = RecordIOError | MalformedEventError;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasValue = (v: unknown): boolean => isObj(v) && typeof v.value === 'string';

/** Checks the members a consumer relies on for the event types it acts on; returns a problem or undefined. */
export function checkEventShape(e: unknown): string | undefined {
  if (!isObj(e)) return 'event is not a JSON object';
  if (typeof e.type !== 'string') return 'event has no string "type"';
  switch (e.type) {
    case 'SUBSCRIBED': {
      const s = e.subscribed;
      if (!isObj(s) || !hasValue(s.framework_id)) return 'SUBSCRIBED without subscribed.framework_id.value';
      if (s.heartbeat_interval_seconds !== undefined && (typeof s.heartbeat_interval_seconds !== 'number' || !(s.heartbeat_interval_seconds > 0))) {
        return `SUBSCRIBED with invalid heartbeat_interval_seconds ${JSON.stringify(s.heartbeat_interval_seconds)}`;
      }
      return undefined;
    }
    case 'OFFERS':
      return isObj(e.offers) && Array.isArray(e.offers.offers) ? undefined : 'OFFERS without offers.offers[]';
    case 'RESCIND':
      return isObj(e.rescind) && hasValue(e.rescind.offer_id) ? undefined : 'RESCIND without rescind.offer_id';
    case 'UPDATE': {
      const st = isObj(e.update) ? e.update.status : undefined;
      if (!isObj(st) || !hasValue(st.task_id) || typeof st.state !== 'string') return 'UPDATE without update.status{task_id,state}';
      if (st.uuid !== undefined && typeof st.uuid !== 'string') return 'UPDATE with a non-string status.uuid';
      return undefined;
    }
    case 'MESSAGE':
      return isObj(e.message) ? undefined : 'MESSAGE without message';
    case 'FAILURE':
      return isObj(e.failure) ? undefined : 'FAILURE without failure';
    case 'ERROR':
      return isObj(e.error) && typeof e.error.message === 'string' ? undefined : 'ERROR without error.message';
    default:
      return undefined;
  }
}

/** Stateful decoder for one stream. `push` returns the events completed by a chunk, in order; it throws a
 * StreamDecodeError on the first malformed byte or record (and on every later call). */
export class EventStreamDecoder {
  private readonly records: RecordIODecoder;
  private failed: StreamDecodeError | undefined;

  constructor(readonly maxRecordBytes = DEFAULT_MAX_RECORD_BYTES) {
    this.records = new RecordIODecoder(maxRecordBytes);
  }

  push(chunk: Uint8Array): Event[] {
    if (this.failed) throw this.failed;
    // Parsed in place: the text array becomes the event array (one allocation less per chunk on the hot path).
    const recs = this.records.pushText(chunk) as unknown as Array<string | Event>;
    for (let i = 0; i < recs.length; i++) {
      const text = recs[i] as string;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw this.fail(new MalformedEventError(`record of ${Buffer.byteLength(text, 'utf8')} bytes is not valid JSON: ${(err as Error).message}`));
      }
      const problem = checkEventShape(parsed);
      if (problem) throw this.fail(new MalformedEventError(problem));
      recs[i] = parsed as Event;
    }
    return recs as Event[];
  }

  /** Bytes held for an incomplete record (bounded by maxRecordBytes + the length prefix). */
  get pendingBytes(): number {
    return this.records.pendingBytes;
  }

  /** End of stream: throws RecordIOError if it ended inside a record. */
  end(): void {
    if (this.failed) throw this.failed;
    this.records.end();
  }

  private fail(e: StreamDecodeError): StreamDecodeError {
    this.failed = e;
    return e;
  }
}

export { RecordIOError };
