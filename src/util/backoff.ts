// Truncated exponential backoff with full jitter ("decorrelated" enough for reconnect storms).
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** 0 = no jitter, 1 = full jitter in [0, d]. Default 0.5: uniform in [d/2, d]. */
  jitter?: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  constructor(private readonly opts: BackoffOptions) {}

  /** Delay before the next retry; grows until `maxMs`. */
  next(): number {
    const { initialMs, maxMs, factor = 2, jitter = 0.5, random = Math.random } = this.opts;
    const d = Math.min(maxMs, initialMs * factor ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 64);
    return d - d * jitter * random();
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** Doubling back-off from `initialMs` to `maxMs`, counted in failures (no jitter: per-key retries of queues). */
export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

/** Delay before the next try after `failures` (≥ 1) failures in a row: doubling, and at least the server's
 * Retry-After when it sent one. */
export function retryDelayMs(failures: number, p: RetryPolicy, retryAfterSeconds?: number): number {
  const d = Math.min(p.maxMs, p.initialMs * 2 ** Math.max(0, failures - 1));
  return retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0 ? Math.max(d, retryAfterSeconds * 1000) : d;
}
