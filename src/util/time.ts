// Time helpers. `monotonicMs` is the clock for deadlines (immune to wall-clock steps).
import { setTimeout as delay } from 'node:timers/promises';

export const monotonicMs = (): number => performance.now();

/** Sleep that resolves early (without throwing) when the signal aborts. Returns true if it slept fully. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Rejects with a TimeoutError-named error when `p` does not settle within `ms`. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new Error(`${what} timed out after ${ms} ms`);
      e.name = 'TimeoutError';
      reject(e);
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Parses Go-style durations ("1h30m", "250ms", "10s", "1.5h") or a plain number of seconds. Returns seconds. */
export function parseDurationSeconds(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  const s = input.trim();
  if (s === '') return undefined;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let sign = 1;
  let rest = s;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '') return undefined;
  let total = 0;
  let consumed = 0;
  re.lastIndex = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    total += Number(m[1]) * (unit[m[2]!] ?? NaN);
    consumed = re.lastIndex;
  }
  if (consumed !== rest.length) return undefined;
  return sign * total;
}

/** Formats seconds as a compact Go-style duration ("168h", "1m30s", "2.5s"). */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const neg = seconds < 0;
  let rest = Math.abs(seconds);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  const s = Math.round(rest * 1e9) / 1e9;
  let out = '';
  if (h) out += `${h}h`;
  if (m) out += `${m}m`;
  if (s) out += `${s}s`;
  return (neg ? '-' : '') + out;
}

/** Node's timers take at most 2^31 − 1 ms (~24.8 days); a longer delay fires after 1 ms instead (with only a
 * warning). Durations from flags go through this, so `--reconcile-interval=720h` means "rarely", not "every ms". */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function timerMs(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}
