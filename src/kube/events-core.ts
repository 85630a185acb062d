// The pure part of the Event recorder: client-go's event correlation for events.k8s.io/v1 (tools/events) plus
// the core recorder's spam filter, over plain data and an injected clock.
//
// - Isomorphic events (same regarding object, related object, type, reason, action, note, reporting controller
//   and instance) observed within `seriesWindowMs` of the previous one form a series: the first is created; the
//   second turns it into a series {count: 2, lastObservedTime} sent at once; later ones only bump the count and
//   are sent by a periodic flush (client-go sends them on a 30 min heartbeat; we flush every `flushIntervalMs`).
// - A series not observed for `seriesWindowMs` is finished: the next isomorphic event starts a new Event.
// - Spam filter (client-go's EventSourceObjectSpamFilter): a token bucket per (reporting controller, regarding
//   object) — burst 25, one token per 5 minutes — limits how many *new* Events one object can get; increments of
//   an existing series are free (they cost no new object).
// No client-node import: unit tests load this alone.

export interface ObjectReference {
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export type EventType = 'Normal' | 'Warning';

export interface EventInput {
  regarding: ObjectReference;
  related?: ObjectReference;
  type: EventType;
  /** CamelCase, machine-readable (≤ 128 chars). */
  reason: string;
  /** What the controller did or failed to do, CamelCase (≤ 128 chars). */
  action: string;
  /** Human-readable, ≤ 1 KiB (longer notes are truncated). */
  note: string;
}

export interface CorrelatorOptions {
  reportingController: string;
  reportingInstance: string;
  /** Default 6 min (client-go's series finish threshold). */
  seriesWindowMs?: number;
  /** Token bucket per regarding object: burst (default 25) and refill interval (default 5 min). */
  spamBurst?: number;
  spamRefillMs?: number;
  /** Bound on tracked series (oldest evicted first); default 4096. */
  maxSeries?: number;
}

/** What the recorder must send. */
export type CorrelatorAction =
  | { kind: 'create'; seriesKey: string; namespace: string; name: string; body: EventBody }
  | { kind: 'patch-series'; seriesKey: string; namespace: string; name: string; series: { count: number; lastObservedTime: number } }
  | { kind: 'none'; why: 'series-pending' | 'spam' };

/** The events.k8s.io/v1 Event we write; times as epoch ms (the sink formats MicroTime). */
export interface EventBody {
  name: string;
  namespace: string;
  eventTime: number;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  type: EventType;
  note: string;
  regarding: ObjectReference;
  related?: ObjectReference;
  series?: { count: number; lastObservedTime: number };
}

interface SeriesState {
  namespace: string;
  /** Name of the Event object once it exists (undefined while its create is in flight). */
  name: string;
  count: number;
  firstObserved: number;
  lastObserved: number;
  /** Count already written to the API server. */
  sentCount: number;
  body: EventBody;
}

export const MAX_NOTE_BYTES = 1024;

export function truncateNote(note: string): string {
  if (Buffer.byteLength(note, 'utf8') <= MAX_NOTE_BYTES) return note;
  let s = note.slice(0, MAX_NOTE_BYTES);
  while (Buffer.byteLength(s, 'utf8') > MAX_NOTE_BYTES - 3) s = s.slice(0, -1);
  return `${s}...`;
}

/** metav1.MicroTime wire form: RFC 3339 with exactly six fractional digits (what the API server requires). */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const refKey = (r: ObjectReference | undefined): string => (r ? `${r.apiVersion ?? ''}|${r.kind}|${r.namespace ?? ''}|${r.name}|${r.uid ?? ''}|${r.fieldPath ?? ''}` : '-');

export class EventCorrelator {
  private readonly series = new Map<string, SeriesState>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly windowMs: number;
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly maxSeries: number;
  private seq = 0;
  dropped = 0;

  constructor(private readonly opts: CorrelatorOptions) {
    this.windowMs = opts.seriesWindowMs ?? 6 * 60_000;
    this.burst = opts.spamBurst ?? 25;
    this.refillMs = opts.spamRefillMs ?? 5 * 60_000;
    if (this.burst < 1 || this.refillMs <= 0) throw new Error('spamBurst must be ≥ 1 and spamRefillMs > 0');
    this.maxSeries = opts.maxSeries ?? 4096;
  }

  keyOf(e: EventInput): string {
    return [refKey(e.regarding), refKey(e.related), e.type, e.reason, e.action, e.note, this.opts.reportingController, this.opts.reportingInstance].join('\u0000');
  }

  /** Decides what observing `e` at time `now` requires. */
  observe(e: EventInput, now: number): CorrelatorAction {
    const note = truncateNote(e.note);
    const ev = { ...e, note };
    const key = this.keyOf(ev);
    const s = this.series.get(key);
    if (s && now - s.lastObserved <= this.windowMs) {
      s.count++;
      s.lastObserved = now;
      // Refresh LRU position.
      this.series.delete(key);
      this.series.set(key, s);
      if (s.count === 2 && s.name !== '') return { kind: 'patch-series', seriesKey: key, namespace: s.namespace, name: s.name, series: { count: 2, lastObservedTime: now } };
      return { kind: 'none', why: 'series-pending' };
    }
    if (!this.takeToken(ev, now)) {
      this.dropped++;
      return { kind: 'none', why: 'spam' };
    }
    const namespace = ev.regarding.namespace || 'default';
    // client-go: fmt.Sprintf("%v.%x", regarding.Name, t.UnixNano()); a sequence number keeps names unique within
    // one millisecond.
    const name = `${ev.regarding.name}.${(BigInt(now) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`;
    const body: EventBody = {
      name,
      namespace,
      eventTime: now,
      reportingController: this.opts.reportingController,
      reportingInstance: this.opts.reportingInstance,
      action: ev.action,
      reason: ev.reason,
      type: ev.type,
      note,
      regarding: ev.regarding,
      ...(ev.related ? { related: ev.related } : {}),
    };
    this.series.set(key, { namespace, name, count: 1, firstObserved: now, lastObserved: now, sentCount: 1, body });
    while (this.series.size > this.maxSeries) this.series.delete(this.series.keys().next().value!);
    return { kind: 'create', seriesKey: key, namespace, name, body };
  }

  /** The create of `key`'s Event failed: forget it so the next occurrence tries again. */
  createFailed(key: string): void {
    this.series.delete(key);
  }

  /** A series patch was written (count as sent). */
  seriesSent(key: string, count: number): void {
    const s = this.series.get(key);
    if (s) s.sentCount = Math.max(s.sentCount, count);
  }

  /** The Event of a series is gone (404 on patch, e.g. expired by the API server's TTL): start over with a new
   * Event that carries the series so far. */
  recreate(key: string, now: number): CorrelatorAction {
    const s = this.series.get(key);
    if (!s) return { kind: 'none', why: 'series-pending' };
    const name = `${s.body.regarding.name}.${(BigInt(now) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`;
    s.name = name;
    s.sentCount = s.count;
    const body: EventBody = { ...s.body, name, eventTime: now, ...(s.count > 1 ? { series: { count: s.count, lastObservedTime: s.lastObserved } } : {}) };
    s.body = body;
    return { kind: 'create', seriesKey: key, namespace: s.namespace, name, body };
  }

  /** Series with unsent increments (to patch now), and finished series dropped. */
  flush(now: number): Array<Extract<CorrelatorAction, { kind: 'patch-series' }>> {
    const out: Array<Extract<CorrelatorAction, { kind: 'patch-series' }>> = [];
    for (const [key, s] of this.series) {
      if (s.count > s.sentCount && s.name !== '') out.push({ kind: 'patch-series', seriesKey: key, namespace: s.namespace, name: s.name, series: { count: s.count, lastObservedTime: s.lastObserved } });
      else if (now - s.lastObserved > this.windowMs) this.series.delete(key);
    }
    return out;
  }

  get trackedSeries(): number {
    return this.series.size;
  }

  private takeToken(e: EventInput, now: number): boolean {
    const k = `${this.opts.reportingController}|${refKey(e.regarding)}`;
    let b = this.buckets.get(k);
    if (!b) {
      b = { tokens: this.burst, at: now };
      this.buckets.set(k, b);
      if (this.buckets.size > this.maxSeries) this.buckets.delete(this.buckets.keys().next().value!);
    }
    const refill = Math.floor((now - b.at) / this.refillMs);
    if (refill > 0) {
      b.tokens = Math.min(this.burst, b.tokens + refill);
      b.at += refill * this.refillMs;
    }
    if (b.tokens <= 0) return false;
    b.tokens--;
    return true;
  }
}
