// Decoding Kubernetes API errors. client-node 2.x throws ApiException with `code` and a *raw JSON string* `body`
// (the Status object, unparsed); its Watch reports a non-200 answer as Error(statusText) with `statusCode`; a
// watch stream can carry an ERROR event whose object is a Status; network failures are undici TypeErrors with a
// `cause`. `decodeApiError` turns all of them into one shape: HTTP code, Status reason, message, details.
import { SchedulerHAError } from '../util/errors.js';

/** metav1.Status as the API server sends it. */
export interface KubeStatus {
  kind?: 'Status';
  apiVersion?: string;
  status?: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: Array<{ reason?: string; message?: string; field?: string }>;
    retryAfterSeconds?: number;
  };
}

export interface DecodedApiError {
  /** HTTP status, or 0 when no answer arrived (network failure, timeout, abort). */
  code: number;
  /** Status reason (NotFound, AlreadyExists, Conflict, Invalid, Expired, Gone, TooManyRequests…), or a synthetic
   * one: NetworkError, Timeout, Aborted, Unknown. */
  reason: string;
  message: string;
  details?: KubeStatus['details'];
  retryAfterSeconds?: number;
}

/** An API error we raise ourselves (raw requests, status decoding). */
export class ApiError extends SchedulerHAError {
  constructor(
    readonly code: number,
    reason: string,
    message: string,
    readonly details?: KubeStatus['details'],
    readonly retryAfterSeconds?: number,
  ) {
    super(reason, message);
  }

  static fromResponse(code: number, text: string, what: string, headers: Record<string, string> = {}): ApiError {
    const st = parseStatus(text);
    const reason = st?.reason || reasonForCode(code);
    const retry = st?.details?.retryAfterSeconds ?? (headers['retry-after'] ? Number(headers['retry-after']) : undefined);
    return new ApiError(code, reason, `${what}: ${code} ${reason}: ${st?.message ?? text.slice(0, 500)}`, st?.details, Number.isFinite(retry) ? retry : undefined);
  }

  static fromStatus(st: KubeStatus, what: string): ApiError {
    const code = st.code ?? 0;
    const reason = st.reason || reasonForCode(code);
    // A Status inside a watch stream (an ERROR event) has no headers: its details are the only place a
    // Retry-After can be.
    const retry = st.details?.retryAfterSeconds;
    return new ApiError(code, reason, `${what}: ${code} ${reason}: ${st.message ?? ''}`, st.details, typeof retry === 'number' && Number.isFinite(retry) ? retry : undefined);
  }
}

export function parseStatus(body: unknown): KubeStatus | undefined {
  let v: unknown = body;
  if (typeof body === 'string') {
    try {
      v = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (v && typeof v === 'object' && ((v as KubeStatus).kind === 'Status' || typeof (v as KubeStatus).reason === 'string' || typeof (v as KubeStatus).code === 'number')) return v as KubeStatus;
  return undefined;
}

/** The reason the API server uses for a bare HTTP code (apimachinery's StatusReasonFor…). */
export function reasonForCode(code: number): string {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 406:
      return 'NotAcceptable';
    case 409:
      return 'Conflict';
    case 410:
      return 'Expired';
    case 415:
      return 'UnsupportedMediaType';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalError';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return code === 0 ? 'Unknown' : `HTTP${code}`;
  }
}

export function decodeApiError(err: unknown): DecodedApiError {
  if (err instanceof ApiError) {
    return { code: err.code, reason: err.reason, message: err.message, ...(err.details ? { details: err.details } : {}), ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}) };
  }
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; headers?: Record<string, string>; name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e && typeof e === 'object') {
    // client-node ApiException: numeric `code`, raw string `body`.
    if (typeof e.code === 'number' && 'body' in e) {
      const st = parseStatus(e.body);
      const reason = st?.reason || reasonForCode(e.code);
      const retryHeader = e.headers?.['retry-after'];
      const retry = st?.details?.retryAfterSeconds ?? (retryHeader ? Number(retryHeader) : undefined);
      return {
        code: e.code,
        reason,
        message: st?.message ?? (typeof e.body === 'string' ? e.body.slice(0, 500) : String(e.message ?? reason)),
        ...(st?.details ? { details: st.details } : {}),
        ...(retry !== undefined && Number.isFinite(retry) ? { retryAfterSeconds: retry } : {}),
      };
    }
    // client-node Watch: Error(statusText) with `statusCode`.
    if (typeof e.statusCode === 'number') return { code: e.statusCode, reason: reasonForCode(e.statusCode), message: String(e.message ?? '') };
    if (e.name === 'TimeoutError') return { code: 0, reason: 'Timeout', message: String(e.message ?? 'timed out') };
    if (e.name === 'AbortError') return { code: 0, reason: 'Aborted', message: String(e.message ?? 'aborted') };
    if (e.cause && typeof e.cause === 'object' && typeof e.cause.code === 'string') {
      return { code: 0, reason: 'NetworkError', message: `${e.message ?? 'request failed'}: ${e.cause.code} ${e.cause.message ?? ''}`.trim() };
    }
    if (e.name === 'TypeError' && /fetch failed|network/i.test(String(e.message))) return { code: 0, reason: 'NetworkError', message: String(e.message) };
  }
  return { code: 0, reason: 'Unknown', message: err instanceof Error ? err.message : String(err) };
}

/** The server's Retry-After carried by `err`, or by an error it wraps (`cause`, an AggregateError's `errors`):
 * callers that fold API errors into their own (a reconcile that collects problems) keep the hint reachable. The
 * longest one wins; undefined when none says. */
export function retryAfterSecondsOf(err: unknown, depth = 0): number | undefined {
  if (err === null || err === undefined || depth > 5) return undefined;
  let best = decodeApiError(err).retryAfterSeconds;
  const more = (v: number | undefined) => {
    if (v !== undefined && v > 0 && (best === undefined || v > best)) best = v;
  };
  if (typeof err === 'object') {
    const e = err as { cause?: unknown; errors?: unknown; retryAfterSeconds?: unknown };
    if (typeof e.retryAfterSeconds === 'number' && Number.isFinite(e.retryAfterSeconds)) more(e.retryAfterSeconds);
    if (e.cause !== undefined) more(retryAfterSecondsOf(e.cause, depth + 1));
    if (Array.isArray(e.errors)) for (const x of e.errors) more(retryAfterSecondsOf(x, depth + 1));
  }
  return best !== undefined && best > 0 ? best : undefined;
}

export const isNotFound = (err: unknown): boolean => decodeApiError(err).code === 404;
export const isConflict = (err: unknown): boolean => {
  const d = decodeApiError(err);
  return d.code === 409 && d.reason !== 'AlreadyExists';
};
export const isAlreadyExists = (err: unknown): boolean => {
  const d = decodeApiError(err);
  return d.code === 409 && d.reason === 'AlreadyExists';
};
export const isGone = (err: unknown): boolean => decodeApiError(err).code === 410;
export const isInvalid = (err: unknown): boolean => decodeApiError(err).code === 422;

/** Errors a retry can fix: no answer, throttling, server-side trouble, optimistic-concurrency conflicts. */
export function isRetryable(err: unknown): boolean {
  const d = decodeApiError(err);
  if (d.code === 0) return d.reason !== 'Aborted';
  return d.code === 409 || d.code === 429 || d.code >= 500;
}

/** "409 Conflict: the object has been modified…" — one line for logs and condition messages. */
export function describeApiError(err: unknown): string {
  const d = decodeApiError(err);
  return d.code ? `${d.code} ${d.reason}: ${d.message}` : `${d.reason}: ${d.message}`;
}
