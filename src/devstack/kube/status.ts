// metav1.Status answers, shaped and worded as k8s.io/apimachinery/pkg/api/errors builds them, so a client that
// parses `reason` / `code` / `details` (client-node callers, kubectl) sees what a real API server would send.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A group + resource (plural), as errors name the thing that was not found / already exists. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** A group + Kind, as Invalid errors name the object. */
export interface GroupKind {
  group: string;
  kind: string;
}

export class ApiError extends Error {
  readonly status: StatusBody;
  /** Extra response headers (Retry-After for 429). */
  readonly headers: Record<string, string>;
  constructor(status: Omit<StatusBody, 'kind' | 'apiVersion' | 'metadata' | 'status'>, headers: Record<string, string> = {}) {
    super(status.message ?? status.reason ?? 'error');
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', ...status };
    this.headers = headers;
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

export const grString = (gr: GroupResource): string => (gr.group ? `${gr.resource}.${gr.group}` : gr.resource);
export const gkString = (gk: GroupKind): string => (gk.group ? `${gk.kind}.${gk.group}` : gk.kind);

function grDetails(gr: GroupResource, name: string): StatusDetails {
  const d: StatusDetails = { name, kind: gr.resource };
  if (gr.group) d.group = gr.group;
  return d;
}

export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError({ message: `${grString(gr)} "${name}" not found`, reason: 'NotFound', details: grDetails(gr, name), code: 404 });
}

/** The answer for a path the server does not serve (unknown group/version/resource). */
export function pathNotFound(): ApiError {
  return new ApiError({ message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError({ message: `${grString(gr)} "${name}" already exists`, reason: 'AlreadyExists', details: grDetails(gr, name), code: 409 });
}

export function conflict(gr: GroupResource, name: string, err: string): ApiError {
  return new ApiError({
    message: `Operation cannot be fulfilled on ${grString(gr)} "${name}": ${err}`,
    reason: 'Conflict',
    details: grDetails(gr, name),
    code: 409,
  });
}

export const OPTIMISTIC_LOCK_MSG = 'the object has been modified; please apply your changes to the latest version and try again';

export function staleConflict(gr: GroupResource, name: string): ApiError {
  return conflict(gr, name, OPTIMISTIC_LOCK_MSG);
}

/** field.Error, as k8s.io/apimachinery/pkg/util/validation/field renders it. */
export interface FieldError {
  type: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueForbidden' | 'FieldValueTooLong' | 'FieldValueTooMany' | 'FieldValueDuplicate' | 'FieldValueTypeInvalid' | 'InternalError';
  field: string;
  /** The offending value (rendered for Invalid / NotSupported). */
  value?: unknown;
  hasValue?: boolean;
  /** The value as Go's %#v renders it, when JSON would differ (e.g. `0x0` for an int64 zero). */
  rendered?: string;
  detail?: string;
}

const typeText: Record<FieldError['type'], string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueTypeInvalid: 'Invalid value',
  InternalError: 'Internal error',
};

function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The error body without the field path (what a StatusCause's message carries). */
export function fieldErrorBody(e: FieldError): string {
  let s = typeText[e.type];
  const showValue = e.type === 'FieldValueInvalid' || e.type === 'FieldValueNotSupported' || e.type === 'FieldValueDuplicate' || e.type === 'FieldValueTypeInvalid';
  if (showValue && (e.hasValue ?? e.value !== undefined)) s += `: ${e.rendered ?? renderValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

export const required = (field: string, detail?: string): FieldError => ({ type: 'FieldValueRequired', field, detail });
export const invalid = (field: string, value: unknown, detail?: string): FieldError => ({ type: 'FieldValueInvalid', field, value, hasValue: true, detail });
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail });
export const notSupported = (field: string, value: unknown, supported: string[]): FieldError => ({
  type: 'FieldValueNotSupported',
  field,
  value,
  hasValue: true,
  detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
});
export const tooLong = (field: string, max: number): FieldError => ({ type: 'FieldValueTooLong', field, detail: `may not be more than ${max} bytes` });
export const duplicate = (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, value, hasValue: true });

/** 422 Invalid, `<Kind>.<group> "<name>" is invalid: <errs>` with one cause per field error. */
export function invalidError(gk: GroupKind, name: string, errs: FieldError[]): ApiError {
  const list = errs.map(fieldErrorString);
  const agg = list.length === 1 ? list[0]! : `[${list.join(', ')}]`;
  const details: StatusDetails = { name, kind: gk.kind, causes: errs.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })) };
  if (gk.group) details.group = gk.group;
  return new ApiError({ message: `${gkString(gk)} "${name}" is invalid: ${agg}`, reason: 'Invalid', details, code: 422 });
}

export function badRequest(message: string): ApiError {
  return new ApiError({ message, reason: 'BadRequest', code: 400 });
}

export function forbiddenError(gr: GroupResource, name: string, message: string): ApiError {
  const what = name ? `${grString(gr)} "${name}"` : grString(gr);
  return new ApiError({ message: `${what} is forbidden: ${message}`, reason: 'Forbidden', details: grDetails(gr, name), code: 403 });
}

export function methodNotAllowed(): ApiError {
  return new ApiError({ message: 'the server does not allow this method on the requested resource', reason: 'MethodNotAllowed', details: {}, code: 405 });
}

export function unsupportedMediaType(accepted: string[]): ApiError {
  return new ApiError({
    message: `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    reason: 'UnsupportedMediaType',
    code: 415,
  });
}

export function notAcceptable(): ApiError {
  return new ApiError({ message: 'the server was unable to respond with a content type that the client supports', reason: 'NotAcceptable', code: 406 });
}

export function expired(message: string): ApiError {
  return new ApiError({ message, reason: 'Expired', code: 410 });
}

export function gone(message: string): ApiError {
  return new ApiError({ message, reason: 'Gone', code: 410 });
}

export function internalError(message: string): ApiError {
  return new ApiError({ message: `Internal error occurred: ${message}`, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 });
}

export function tooManyRequests(retryAfterSeconds: number): ApiError {
  return new ApiError(
    { message: 'Too many requests, please try again later.', reason: 'TooManyRequests', details: { retryAfterSeconds }, code: 429 },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

export function unauthorized(): ApiError {
  return new ApiError({ message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
}

/** 422 from a JSON patch that could not be applied (e.g. a failed `test`): the apiserver answers with
 * errors.NewGenericServerResponse(422, …, isUnexpectedResponse=false), whose message is fixed and drops the cause. */
export function unprocessable(): ApiError {
  return new ApiError({ message: 'the server rejected our request due to an error in our request', reason: 'Invalid', details: {}, code: 422 });
}

export function successStatus(details: StatusDetails): StatusBody {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}
