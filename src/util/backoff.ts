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
