// Clocks for the Mesos master emulator. Every timer the emulator uses (heartbeats, failover timeouts, agent
// update retries, re-registration windows, task lifecycle delays, offer timeouts, refuse filters) goes through
// a Clock, so tests can drive time with a VirtualClock instead of waiting.

export interface TimerHandle {
  readonly at: number;
}

export interface Clock {
  /** Milliseconds since the epoch (virtual or real). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

/**
 * Real time, with the same ordering contract as VirtualClock: timers run in (due time, creation order) order.
 * Node does not promise that across timers of different durations — under load a 90 ms timer created after a
 * 30 ms one can fire first (seen in the chaos soak: an agent sent TASK_RUNNING, then TASK_STARTING) — so the
 * clock keeps its own queue and one Node timer armed for the earliest entry.
 */
export class RealClock implements Clock {
  private readonly queue = new TimerQueue();
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private running = false;

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t: VTimer = { at: Date.now() + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.queue.push(t);
    this.arm();
    return t;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) (handle as VTimer).cancelled = true;
  }

  /** Number of live timers. */
  get pending(): number {
    return this.queue.live();
  }

  private arm(): void {
    if (this.running) return; // run() re-arms when it is done
    const top = this.queue.peek();
    if (!top) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.armedFor = Infinity;
      return;
    }
    if (this.timer && this.armedFor <= top.at) return;
    clearTimeout(this.timer);
    // Node timers hold at most 2^31-1 ms (~24.8 days); longer delays (failover timeouts of weeks) wake and re-arm.
    const delay = Math.max(0, Math.min(top.at - Date.now(), 2 ** 31 - 1));
    this.armedFor = top.at;
    this.timer = setTimeout(() => this.run(), delay);
    this.timer.unref?.();
  }

  private run(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    this.running = true;
    // Timers created while this batch runs wait for the next turn, so a callback that re-arms itself at 0 ms
    // cannot starve I/O.
    const batch = this.seq;
    try {
      for (;;) {
        const top = this.queue.peek();
        if (!top || top.at > Date.now() || top.seq >= batch) break;
        this.queue.pop();
        top.cancelled = true;
        try {
          top.fn();
        } catch (err) {
          // Surface it as an uncaught timer error would, without losing the timers behind it.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    } finally {
      this.running = false;
      this.arm();
    }
  }
}

interface VTimer extends TimerHandle {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A virtual clock. Time moves only through `advance()` / `advanceTo()`; timers that are already due (delay 0,
 * or due after an advance) run on the next macrotask turn by themselves, so "immediately" still means
 * immediately. Timers run in (due time, creation order) order.
 */
export class VirtualClock implements Clock {
  private t: number;
  private readonly queue = new TimerQueue();
  private seq = 0;
  private flushScheduled = false;
  private running = false;

  constructor(startMs = Date.now()) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: VTimer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.queue.push(timer);
    if (timer.at <= this.t) this.scheduleFlush();
    return timer;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) (handle as VTimer).cancelled = true;
  }

  /** Number of live timers. */
  get pending(): number {
    return this.queue.live();
  }

  /** Due time of the earliest live timer, if any. */
  nextTimerAt(): number | undefined {
    return this.queue.peek()?.at;
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way (in order), then lets I/O run. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.t + Math.max(0, ms));
  }

  async advanceTo(target: number): Promise<void> {
    // Let already-due work (and I/O it triggered) settle first.
    await this.settle();
    for (;;) {
      const top = this.queue.peek();
      if (!top || top.at > target) break;
      this.t = Math.max(this.t, top.at);
      this.runDue();
      // Give sockets and promise continuations a turn between distinct due times, as real time would.
      await new Promise<void>((r) => setImmediate(r));
    }
    this.t = Math.max(this.t, target);
    await this.settle();
  }

  /** Runs due timers until none is left, yielding to I/O between rounds. */
  async settle(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      const top = this.queue.peek();
      if (!top || top.at > this.t) break;
      this.runDue();
      await new Promise<void>((r) => setImmediate(r));
    }
    await new Promise<void>((r) => setImmediate(r));
  }

  private runDue(): void {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const top = this.queue.peek();
        if (!top || top.at > this.t) break;
        this.queue.pop();
        top.cancelled = true;
        try {
          top.fn();
        } catch (err) {
          // A failing timer callback must not stop the clock; surface it like an uncaught timer error would.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    } finally {
      this.running = false;
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.runDue();
    });
  }
}

/** A min-heap of timers by (due time, creation order); cancelled timers are dropped when they reach the top. */
class TimerQueue {
  private readonly heap: VTimer[] = [];

  live(): number {
    return this.heap.filter((t) => !t.cancelled).length;
  }

  /** The earliest live timer. */
  peek(): VTimer | undefined {
    while (this.heap[0]?.cancelled) this.pop();
    return this.heap[0];
  }

  private less(a: VTimer, b: VTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  push(x: VTimer): void {
    const h = this.heap;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): VTimer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
