// A keyed work queue: a key is never processed twice at once, additions while it runs coalesce into one more
// run, failures are retried with per-key exponential back-off.
import type { Logger } from '../../../util/log.js';

export class KeyedQueue {
  private readonly pending = new Set<string>();
  private readonly running = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly worker: (key: string) => Promise<void>,
    private readonly log: Logger,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.pending.add(key);
      return;
    }
    this.run(key);
  }

  private run(key: string): void {
    this.running.add(key);
    void this.worker(key)
      .then(
        () => this.failures.delete(key),
        (err) => {
          const n = (this.failures.get(key) ?? 0) + 1;
          this.failures.set(key, n);
          this.log.debug({ err, key }, 'sync failed; retrying');
          const t = setTimeout(() => {
            this.timers.delete(t);
            this.add(key);
          }, Math.min(5000, 100 * 2 ** Math.min(n, 6)));
          this.timers.add(t);
        },
      )
      .finally(() => {
        this.running.delete(key);
        if (this.pending.delete(key)) this.add(key);
      });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
  }
}
