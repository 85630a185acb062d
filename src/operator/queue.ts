// A keyed work queue with client-go workqueue semantics on top of p-queue (operator-and-etcd-clients.md §6 fn. 1,
// §10.2):
//
// - `dirty` + `processing` sets: adding a key that is queued coalesces; adding a key that is being processed marks
//   it dirty and it runs again right after the current run (never twice at once).
// - A global concurrency limit (p-queue), and the queue can start paused (standby operator replicas fill it but
//   only the elected one processes it).
// - Per-key exponential back-off on failure (base·2^n, capped), reset on success ("forget"). A retry that runs
//   before its back-off expired — a spurious trigger (an informer event) — does not count as another failure
//   (kubernetes/kubernetes#132805), so unrelated events cannot push the delay to its cap.
// - A failure carrying the server's Retry-After (a 429 from API priority and fairness, a 503 with
//   retryAfterSeconds; found on the error or on one it wraps) waits at least that long, and holds the key: an add
//   — an informer event — before then is deferred to its end instead of running at once, since the server asked
//   for no retry before it. Deferral only delays a run, so a key still never runs twice at once.
// - `addAfter` keeps only the earliest pending timer per key.
// - Handler results: `{requeueAfterMs}` re-adds after a delay; a thrown TerminalError is not retried; any other
//   error is retried with back-off. A reconcile timeout aborts the handler's signal.
// - Metrics through a small sink (controller-runtime names live in metrics.ts); no prom-client here.
import PQueue from 'p-queue';
import { retryAfterSecondsOf } from '../kube/errors.js';
import { errorMessage, TerminalError } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { monotonicMs } from '../util/time.js';

export interface ReconcileResult {
  /** Re-add the key after this many ms (a periodic re-observation). */
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  signal: AbortSignal;
  /** Failures of this key since its last success. */
  failures: number;
}

export type ReconcileHandler = (key: string, ctx: ReconcileContext) => Promise<ReconcileResult | void>;

export type ReconcileOutcome = 'success' | 'error' | 'requeue' | 'requeue_after';

/** What the queue reports; metrics.ts implements it with controller-runtime metric names. */
export interface QueueMetricsSink {
  add?(): void;
  depth?(n: number): void;
  retry?(): void;
  queueLatency?(seconds: number): void;
  workDuration?(seconds: number): void;
  reconciled?(outcome: ReconcileOutcome, seconds: number, info: { terminal: boolean; panic: boolean; timeout: boolean }): void;
  activeWorkers?(n: number): void;
}

export interface WorkQueueOptions {
  handler: ReconcileHandler;
  /** Global concurrency (controller-runtime MaxConcurrentReconciles); default 1. */
  concurrency?: number;
  /** Per-key back-off: base and cap (default 500 ms → 5 min). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Abort a reconcile after this long (default 0 = none); counts as an error. */
  timeoutMs?: number;
  /** Start paused (default false). */
  paused?: boolean;
  metrics?: QueueMetricsSink;
  logger?: Logger;
}

interface KeyState {
  failures: number;
  /** Monotonic time before which a retry is early (back-off not expired yet). */
  backoffUntil: number;
  /** Monotonic time before which the key must not run at all: the server's Retry-After. */
  holdUntil?: number;
  enqueuedAt?: number;
}

/** A bug, not a failure of the world: what controller_runtime_reconcile_panics_total counts. Node's fetch (undici)
 * reports a dropped connection as `TypeError: fetch failed` with the system error as its cause — an outage, not
 * a programming error. */
export function isProgrammingError(err: unknown): boolean {
  if (err instanceof TypeError) return !(err.message === 'fetch failed' || (err.cause instanceof Error && 'code' in err.cause));
  return err instanceof RangeError || err instanceof ReferenceError;
}

export class WorkQueue {
  private readonly pq: PQueue;
  private readonly dirty = new Set<string>();
  private readonly processing = new Map<string, number>();
  private readonly waiting = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly keys = new Map<string, KeyState>();
  private readonly log: Logger;
  private readonly base: number;
  private readonly max: number;
  private readonly inflight = new Map<string, AbortController>();
  private shuttingDown = false;
  private readonly idleWaiters = new Set<() => void>();

  constructor(private readonly opts: WorkQueueOptions) {
    this.pq = new PQueue({ concurrency: Math.max(1, opts.concurrency ?? 1), autoStart: !opts.paused });
    this.base = opts.backoffBaseMs ?? 500;
    this.max = opts.backoffMaxMs ?? 300_000;
    this.log = (opts.logger ?? silentLogger).child({ component: 'workqueue' });
  }

  /** Adds a key (coalesces with a queued one; re-runs after an in-flight one). A key held by a server
   * Retry-After is added when the hold ends instead. */
  add(key: string): void {
    if (this.shuttingDown) return;
    const held = this.heldForMs(key);
    if (held > 0) return this.addAfter(key, held);
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    this.opts.metrics?.add?.();
    if (!this.processing.has(key)) this.schedule(key);
  }

  /** Adds the key after `delayMs`; an earlier pending timer for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = monotonicMs() + delayMs;
    const cur = this.timers.get(key);
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Adds the key after its per-key back-off — at least `retryAfterMs` (the server's Retry-After), which also
   * holds the key until then; returns the delay used. */
  addRateLimited(key: string, retryAfterMs?: number): number {
    const d = this.when(key, retryAfterMs);
    this.opts.metrics?.retry?.();
    this.addAfter(key, d);
    return d;
  }

  /** The next back-off delay of `key` (counts a failure unless the previous back-off has not expired yet), at
   * least `retryAfterMs` (capped at the back-off cap). */
  when(key: string, retryAfterMs?: number): number {
    const s = this.state(key);
    const now = monotonicMs();
    const hold = retryAfterMs !== undefined && retryAfterMs > 0 ? Math.min(retryAfterMs, this.max) : 0;
    if (hold > 0) s.holdUntil = Math.max(s.holdUntil ?? 0, now + hold);
    if (now < s.backoffUntil) {
      s.backoffUntil = Math.max(s.backoffUntil, now + hold);
      return s.backoffUntil - now;
    }
    const d = Math.max(hold, Math.min(this.max, this.base * 2 ** Math.min(s.failures, 40)));
    s.failures++;
    s.backoffUntil = now + d;
    return d;
  }

  /** ms left of the key's Retry-After hold (0 = none). */
  private heldForMs(key: string): number {
    const until = this.keys.get(key)?.holdUntil;
    return until === undefined ? 0 : Math.max(0, until - monotonicMs());
  }

  /** Resets the key's back-off (after a success). */
  forget(key: string): void {
    // No failures and no back-off is what a missing entry means: dropping it keeps the map to the keys that failed
    // (a deleted resource's key left one behind for good).
    this.keys.delete(key);
  }

  failures(key: string): number {
    return this.keys.get(key)?.failures ?? 0;
  }

  /** Drops a key entirely (its object is gone): pending timers, queued runs, back-off state. */
  remove(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t.timer);
    this.timers.delete(key);
    if (!this.processing.has(key)) {
      this.dirty.delete(key);
      this.keys.delete(key);
    }
  }

  get depth(): number {
    return this.waiting.size;
  }

  get active(): number {
    return this.processing.size;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  /** Seconds the longest running reconcile has been running, and the sum over all (controller-runtime's
   * longest_running_processor / unfinished_work). */
  runningSeconds(): { longest: number; total: number } {
    const now = monotonicMs();
    let longest = 0;
    let total = 0;
    for (const t of this.processing.values()) {
      const s = (now - t) / 1000;
      total += s;
      longest = Math.max(longest, s);
    }
    return { longest, total };
  }

  start(): void {
    this.pq.start();
  }

  pause(): void {
    this.pq.pause();
  }

  get paused(): boolean {
    return this.pq.isPaused;
  }

  /** Resolves when nothing is queued, running or pending on a timer shorter than `horizonMs` (tests, bench). */
  async idle(): Promise<void> {
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idleWaiters.add(resolve));
  }

  private isIdle(): boolean {
    return this.dirty.size === 0 && this.processing.size === 0;
  }

  /** Stops accepting keys, drops queued ones, waits up to `drainMs` for running reconciles, then aborts them. */
  async shutdown(drainMs = 30_000): Promise<void> {
    this.shuttingDown = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    this.pq.clear();
    for (const k of this.waiting) this.dirty.delete(k);
    this.waiting.clear();
    this.opts.metrics?.depth?.(0);
    const done = this.pq.onIdle();
    const timer = setTimeout(() => {
      for (const ac of this.inflight.values()) ac.abort(new Error('operator shutting down'));
    }, drainMs);
    await done;
    clearTimeout(timer);
  }

  private state(key: string): KeyState {
    let s = this.keys.get(key);
    if (!s) {
      s = { failures: 0, backoffUntil: 0 };
      this.keys.set(key, s);
    }
    return s;
  }

  private schedule(key: string): void {
    if (this.waiting.has(key)) return;
    this.waiting.add(key);
    this.state(key).enqueuedAt = monotonicMs();
    this.opts.metrics?.depth?.(this.waiting.size);
    void this.pq.add(() => this.run(key)).catch((err: unknown) => {
      // clear() rejects the promises of dropped tasks with AbortError; nothing to do.
      if ((err as Error)?.name !== 'AbortError') this.log.error({ err: errorMessage(err), key }, 'work queue task failed');
    });
  }

  private async run(key: string): Promise<void> {
    this.waiting.delete(key);
    this.opts.metrics?.depth?.(this.waiting.size);
    if (!this.dirty.has(key) || this.shuttingDown) return this.checkIdle();
    this.dirty.delete(key);
    const s = this.state(key);
    const started = monotonicMs();
    if (s.enqueuedAt !== undefined) this.opts.metrics?.queueLatency?.((started - s.enqueuedAt) / 1000);
    this.processing.set(key, started);
    this.opts.metrics?.activeWorkers?.(this.processing.size);
    const ac = new AbortController();
    this.inflight.set(key, ac);
    let timedOut = false;
    const timer = this.opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          ac.abort(new Error(`reconcile of ${key} exceeded ${this.opts.timeoutMs} ms`));
        }, this.opts.timeoutMs)
      : undefined;
    let outcome: ReconcileOutcome = 'success';
    let terminal = false;
    let panic = false;
    try {
      const res = await this.opts.handler(key, { signal: ac.signal, failures: s.failures });
      if (timedOut) throw new Error(`reconcile of ${key} exceeded ${this.opts.timeoutMs} ms`);
      this.forget(key);
      if (res?.requeueAfterMs !== undefined && res.requeueAfterMs >= 0) {
        outcome = 'requeue_after';
        this.addAfter(key, res.requeueAfterMs);
      }
    } catch (err) {
      outcome = 'error';
      terminal = err instanceof TerminalError;
      panic = isProgrammingError(err);
      if (terminal) {
        this.forget(key);
        this.log.warn({ key, err: errorMessage(err) }, 'reconcile failed with a terminal error; not retrying');
      } else if (!this.shuttingDown) {
        const retryAfterSeconds = retryAfterSecondsOf(err);
        const delay = this.addRateLimited(key, retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : undefined);
        this.log.warn({ key, err: errorMessage(err), retryInMs: Math.round(delay), failures: s.failures, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) }, 'reconcile failed; retrying with back-off');
      }
    } finally {
      clearTimeout(timer);
      this.inflight.delete(key);
      this.processing.delete(key);
      const secs = (monotonicMs() - started) / 1000;
      this.opts.metrics?.workDuration?.(secs);
      this.opts.metrics?.reconciled?.(outcome, secs, { terminal, panic, timeout: timedOut });
      this.opts.metrics?.activeWorkers?.(this.processing.size);
      if (this.dirty.has(key) && !this.shuttingDown) {
        // An add that came during the run re-runs it now — unless the run just earned a Retry-After hold: then
        // the pending timer runs it when the hold ends.
        const held = this.heldForMs(key);
        if (held > 0) {
          this.dirty.delete(key);
          this.addAfter(key, held);
        } else this.schedule(key);
      }
      this.checkIdle();
    }
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    for (const w of [...this.idleWaiters]) {
      this.idleWaiters.delete(w);
      w();
    }
  }
}
