// The timing contract of a lease session, as pure functions (unit-tested without etcd).
//
//   etcd expires the lease at   serverRenewTime + TTL
//   we acknowledge a keepalive   at the *send* time of the request it answers (≤ serverRenewTime)
//   the session is lost at       lastAck + TTL − margin          (the renew deadline)
//
// Because lastAck ≤ the server's renew time, our deadline is at least `margin` before etcd can expire the
// lease and let another candidate win; the margin absorbs timer lateness and etcd's expiry granularity is on
// the far side of it. The first "ack" is the LeaseGrant *request* time, for the same reason.
import { ElectionConfigError } from './errors.js';

export const MIN_TTL_SECONDS = 2;
export const MIN_MARGIN_MS = 500;
/** The renew window (TTL − margin) must leave room for at least this much keepalive traffic. */
export const MIN_RENEW_WINDOW_MS = 1000;
/** etcd's own upper bound on a lease TTL (lease.MaxLeaseTTL). */
export const MAX_TTL_SECONDS = 9_000_000_000;
const MIN_KEEPALIVE_INTERVAL_MS = 50;
const MAX_DEFAULT_KEEPALIVE_INTERVAL_MS = 3000;

export interface SessionTimingOptions {
  /** Lease TTL in whole seconds (etcd's unit), at least 2. */
  ttlSeconds: number;
  /** How long before the TTL runs out (counted from the last acknowledged keepalive) the session is declared
   * lost. Default max(500 ms, TTL/4); at least 500 ms; TTL − margin must be at least 1 s. */
  marginMs?: number;
  /** Keepalive period. Default (TTL − margin)/3 clamped to [100 ms, 3 s] (≤ TTL/3); at most (TTL − margin)/2,
   * so one lost keepalive never loses the session. */
  keepaliveIntervalMs?: number;
}

export interface SessionTiming {
  ttlSeconds: number;
  ttlMs: number;
  marginMs: number;
  /** TTL − margin: how long after the last ack the session stays valid. */
  renewWindowMs: number;
  keepaliveIntervalMs: number;
  /** A keepalive request unanswered for this long restarts the keepalive stream. */
  keepaliveStallMs: number;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Validates and completes session timing. Throws ElectionConfigError with a message saying what to change. */
export function resolveSessionTiming(opts: SessionTimingOptions): SessionTiming {
  const { ttlSeconds } = opts;
  if (!isFiniteNumber(ttlSeconds) || !Number.isInteger(ttlSeconds)) {
    throw new ElectionConfigError(`lease TTL must be a whole number of seconds (etcd's unit); got ${String(ttlSeconds)}`);
  }
  if (ttlSeconds < MIN_TTL_SECONDS) {
    throw new ElectionConfigError(
      `lease TTL ${ttlSeconds}s is too short: at least ${MIN_TTL_SECONDS}s is needed so the renew deadline (TTL − margin ≥ ${MIN_MARGIN_MS} ms) leaves room for keepalives; use 10–15s in production`,
    );
  }
  if (ttlSeconds > MAX_TTL_SECONDS) {
    throw new ElectionConfigError(`lease TTL ${ttlSeconds}s exceeds etcd's maximum of ${MAX_TTL_SECONDS}s`);
  }
  const ttlMs = ttlSeconds * 1000;
  const marginMs = opts.marginMs ?? Math.max(MIN_MARGIN_MS, Math.round(ttlMs / 4));
  if (!isFiniteNumber(marginMs) || marginMs < MIN_MARGIN_MS) {
    throw new ElectionConfigError(
      `renew margin ${String(marginMs)} ms is too small: at least ${MIN_MARGIN_MS} ms is needed to step down before etcd can expire the lease`,
    );
  }
  const renewWindowMs = ttlMs - marginMs;
  if (renewWindowMs < MIN_RENEW_WINDOW_MS) {
    throw new ElectionConfigError(
      `renew margin ${marginMs} ms leaves only ${renewWindowMs} ms of a ${ttlSeconds}s TTL for keepalives; TTL − margin must be at least ${MIN_RENEW_WINDOW_MS} ms (lower the margin or raise the TTL)`,
    );
  }
  const defaultInterval = Math.min(MAX_DEFAULT_KEEPALIVE_INTERVAL_MS, Math.max(100, Math.round(renewWindowMs / 3)));
  const keepaliveIntervalMs = opts.keepaliveIntervalMs ?? defaultInterval;
  if (!isFiniteNumber(keepaliveIntervalMs) || keepaliveIntervalMs < MIN_KEEPALIVE_INTERVAL_MS) {
    throw new ElectionConfigError(`keepalive interval ${String(keepaliveIntervalMs)} ms is too small (minimum ${MIN_KEEPALIVE_INTERVAL_MS} ms)`);
  }
  if (keepaliveIntervalMs > renewWindowMs / 2) {
    throw new ElectionConfigError(
      `keepalive interval ${keepaliveIntervalMs} ms is too long for a renew window of ${renewWindowMs} ms (TTL ${ttlSeconds}s − margin ${marginMs} ms): at most ${Math.floor(renewWindowMs / 2)} ms, so one lost keepalive does not lose the session`,
    );
  }
  return {
    ttlSeconds,
    ttlMs,
    marginMs,
    renewWindowMs,
    keepaliveIntervalMs,
    keepaliveStallMs: Math.max(2 * keepaliveIntervalMs, 500),
  };
}

/** The instant (same clock as `lastAckMs`) at which the session must be considered lost. */
export function renewDeadline(lastAckMs: number, timing: Pick<SessionTiming, 'renewWindowMs'>): number {
  return lastAckMs + timing.renewWindowMs;
}

/**
 * Effective TTL: etcd may grant a longer TTL than requested (its minimum is 1.5 × election timeout) but we
 * never trust more than we asked for; a shorter granted TTL (never seen) is honoured.
 */
export function effectiveTtlMs(requestedSeconds: number, grantedSeconds: number | undefined): number {
  if (grantedSeconds === undefined || !Number.isFinite(grantedSeconds) || grantedSeconds <= 0) return requestedSeconds * 1000;
  return Math.min(requestedSeconds, grantedSeconds) * 1000;
}

/**
 * Matches keepalive responses to the requests they answer. etcd answers a keepalive stream in order, so the
 * oldest outstanding send time is the one a response acknowledges. Using the send time (not the receive time)
 * keeps the deadline safe: the server renewed the lease no earlier than we sent the request.
 */
export class AckTracker {
  private readonly outstanding: number[] = [];

  sent(atMs: number): void {
    this.outstanding.push(atMs);
  }

  /** A response arrived: returns the send time it acknowledges, or undefined for an unsolicited response. */
  acked(): number | undefined {
    return this.outstanding.shift();
  }

  /** Send time of the oldest unanswered request. */
  oldestOutstanding(): number | undefined {
    return this.outstanding[0];
  }

  get pending(): number {
    return this.outstanding.length;
  }

  /** A new stream: answers to requests on the old one will never come. */
  reset(): void {
    this.outstanding.length = 0;
  }
}
