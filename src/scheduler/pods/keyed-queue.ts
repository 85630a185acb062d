// A keyed work queue for level-triggered syncs: a key is never processed twice at once, adds while it is queued
// coalesce, an add while it is being processed runs it once more afterwards, failures retry with per-key
// exponential back-off, and at most `concurrency` keys run at a time. (client-go's workqueue, in small.) A failure
// carrying the API server's Retry-After (a 429) also holds the key: an add before then waits for it, since the
// server asked for nothing sooner.
import { retryAfterSecondsOf } from '../../kube/errors.js';
import { retryDelayMs } from '../../util/backoff.js';
import { errorMessage } from '../../util/errors.js';
import { silentLogger, type Logger } from '../../util/log.js';

export interface KeyedQueueOptions {
  concurrency: number;
  /** Retry back-off after a failed run: initial doubling to max. Default 200 ms → 30 s. */
  retry?: { initialMs?: number; maxMs?: number };
  logger?: Logger;
  name?: string;
}

export class KeyedQueue<K = string> {
  private readonly order: K[] = [];
  private readonly queued = new Set<K>();
  private readonly running = new Set<K>();
  private readonly dirty = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly delayed = new Map<K, { timer: NodeJS.Timeout; due: number }>();
  /** Date.now() before which a key must not run: its last failure's Retry-After. */
  private readonly holds = new Map<K, number>();
  private readonly log: Logger;
  private head = 0;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly worker: (key: K) => Promise<void>,
    private readonly opts: KeyedQueueOptions,
  ) {
    this.log = (opts.logger ?? silentLogger).child({ queue: opts.name ?? 'keyed' });
  }

  /** Queues `key` (now, or after `delayMs`). */
  add(key: K, delayMs = 0): void {
    if (this.stopped) return;
    const hold = this.holds.get(key);
    if (hold !== undefined) {
      if (hold > Date.now()) delayMs = Math.max(delayMs, hold - Date.now());
      else this.holds.delete(key);
    }
    if (delayMs > 0) {
      if (this.queued.has(key)) return;
      // One timer per key, for the earliest time asked: a retry 200 ms from now must not wait behind a recheck
      // already due in 5 s (the later one is then redundant: the run re-decides everything).
      const due = Date.now() + delayMs;
      const pending = this.delayed.get(key);
      if (pending && pending.due <= due) return;
      if (pending) clearTimeout(pending.timer);
      const timer = setTimeout(() => {
        this.delayed.delete(key);
        this.add(key);
      }, delayMs);
      timer.unref();
      this.delayed.set(key, { timer, due });
      return;
    }
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.pump();
  }

  get length(): number {
    return this.queued.size + this.running.size;
  }

  /** Resolves when nothing is queued or running (tests, benchmarks). */
  idle(): Promise<void> {
    if (this.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    for (const d of this.delayed.values()) clearTimeout(d.timer);
    this.delayed.clear();
    this.order.length = 0;
    this.head = 0;
    this.queued.clear();
    this.dirty.clear();
    this.holds.clear();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.opts.concurrency && this.head < this.order.length) {
      const key = this.order[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.order.length) {
        this.order.splice(0, this.head);
        this.head = 0;
      }
      if (!this.queued.delete(key)) continue;
      this.running.add(key);
      void this.run(key);
    }
    if (this.length === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async run(key: K): Promise<void> {
    try {
      await this.worker(key);
      this.failures.delete(key);
      this.holds.delete(key);
    } catch (err) {
      if (!this.stopped) {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        const maxMs = this.opts.retry?.maxMs ?? 30_000;
        const retryAfterSeconds = retryAfterSecondsOf(err);
        // A Retry-After counts up to the back-off's cap.
        const delay = retryDelayMs(n, { initialMs: this.opts.retry?.initialMs ?? 200, maxMs }, retryAfterSeconds === undefined ? undefined : Math.min(retryAfterSeconds, maxMs / 1000));
        if (retryAfterSeconds !== undefined) this.holds.set(key, Date.now() + delay);
        this.log.warn({ key: String(key), err: errorMessage(err), retryInMs: delay, failures: n, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) }, 'sync failed; retrying');
        this.running.delete(key);
        this.dirty.delete(key);
        this.add(key, delay);
        this.pump();
        return;
      }
    }
    this.running.delete(key);
    if (this.dirty.delete(key)) this.add(key);
    this.pump();
  }
}
