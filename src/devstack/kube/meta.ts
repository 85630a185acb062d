// ObjectMeta helpers: name validation (RFC 1123 label / subdomain as apimachinery validates them), generateName
// suffixes, metav1.Time (RFC 3339, seconds) and metav1.MicroTime (exactly 6 fractional digits) handling.
import { randomUUID } from 'node:crypto';
import { type FieldError, invalid, required } from './status.js';
import { type JsonObject, isObject } from './patch.js';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: JsonObject[];
  [k: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
}

export const newUid = (): string => randomUUID();

/** metav1.Time: RFC 3339 with second precision. */
export function nowTime(ms = Date.now()): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** metav1.MicroTime: RFC 3339 with exactly 6 fractional digits. */
export function nowMicroTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const rfc3339Micro = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})(Z|[+-]\d{2}:\d{2})$/;

/** Parses a metav1.Time the way Go's time.Parse(RFC3339) does (fractional seconds accepted) and re-renders it
 * truncated to seconds in UTC, as the server stores it. Returns an error string on a bad value. */
export function normalizeTime(v: unknown): { ok: true; value: string | null } | { ok: false; error: string } {
  if (v === null) return { ok: true, value: null };
  if (typeof v !== 'string') return { ok: false, error: `json: cannot unmarshal ${typeof v} into Go value of type string` };
  if (!rfc3339.test(v) || Number.isNaN(Date.parse(v))) return { ok: false, error: `parsing time "${v}" as "2006-01-02T15:04:05Z07:00": cannot parse "${v}" as "2006"` };
  return { ok: true, value: nowTime(Date.parse(v)) };
}

/** MicroTime decoding as metav1.MicroTime.UnmarshalJSON: layout "2006-01-02T15:04:05.000000Z07:00", which
 * needs exactly six fractional digits. Normalised to UTC. */
export function normalizeMicroTime(v: unknown): { ok: true; value: string | null } | { ok: false; error: string } {
  if (v === null) return { ok: true, value: null };
  if (typeof v !== 'string') return { ok: false, error: `json: cannot unmarshal ${typeof v} into Go value of type string` };
  const m = v.match(rfc3339Micro);
  if (!m || Number.isNaN(Date.parse(v))) {
    const frac = v.match(/:\d{2}(\.\d*)?(Z|[+-]\d{2}:\d{2})?$/);
    const rest = frac ? `${frac[1] ?? ''}${frac[2] ?? ''}` : v;
    return { ok: false, error: `parsing time "${v}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "${rest}" as ".000000"` };
  }
  const micros = m[7]!.slice(3);
  const iso = new Date(Date.parse(v)).toISOString();
  return { ok: true, value: iso.replace(/Z$/, `${micros}Z`) };
}

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function validateDNS1123Subdomain(field: string, name: string): FieldError[] {
  const errs: FieldError[] = [];
  if (name.length > 253) errs.push(invalid(field, name, 'must be no more than 253 characters'));
  if (!dns1123Subdomain.test(name)) {
    errs.push(
      invalid(
        field,
        name,
        `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ),
    );
  }
  return errs;
}

export function validateDNS1123Label(field: string, name: string): FieldError[] {
  const errs: FieldError[] = [];
  if (name.length > 63) errs.push(invalid(field, name, 'must be no more than 63 characters'));
  if (!dns1123Label.test(name)) {
    errs.push(
      invalid(
        field,
        name,
        `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ),
    );
  }
  return errs;
}

/** Path-segment-safe names (what custom resources without a stricter rule need). */
export function validatePathSegmentName(field: string, name: string): FieldError[] {
  if (name === '.' || name === '..') return [invalid(field, name, `may not be '${name}'`)];
  for (const bad of ['/', '%']) if (name.includes(bad)) return [invalid(field, name, `may not contain '${bad}'`)];
  return [];
}

const qualifiedNameRe = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** apimachinery's IsQualifiedName: an optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
export function isQualifiedName(k: string): boolean {
  const parts = k.split('/');
  const name = parts.pop()!;
  const prefix = parts.join('/');
  return !(parts.length > 1 || (parts.length === 1 && !dns1123Subdomain.test(prefix)) || name.length > 63 || !qualifiedNameRe.test(name));
}

/** Label and annotation key / label value validation (metav1validation.ValidateLabels / ValidateAnnotations). */
export function validateLabelsAndAnnotations(meta: ObjectMeta): FieldError[] {
  const errs: FieldError[] = [];
  const checkKey = (path: string, k: string) => {
    if (!isQualifiedName(k)) {
      errs.push(
        invalid(
          path,
          k,
          `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
        ),
      );
    }
  };
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    checkKey('metadata.labels', k);
    if (typeof v !== 'string' || v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)) {
      errs.push(
        invalid(
          'metadata.labels',
          v,
          `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
        ),
      );
    }
  }
  let total = 0;
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    checkKey('metadata.annotations', k);
    total += k.length + String(v).length;
  }
  if (total > 256 * 1024) errs.push({ type: 'FieldValueTooLong', field: 'metadata.annotations', detail: 'may not be more than 262144 bytes' });
  return errs;
}

export function validateOwnerReferences(meta: ObjectMeta): FieldError[] {
  const errs: FieldError[] = [];
  let controllers = 0;
  (meta.ownerReferences ?? []).forEach((r, i) => {
    const p = `metadata.ownerReferences[${i}]`;
    if (!isObject(r)) return;
    if (!r.apiVersion) errs.push(invalid(`${p}.apiVersion`, r.apiVersion ?? '', 'version must not be empty'));
    if (!r.kind) errs.push(invalid(`${p}.kind`, r.kind ?? '', 'kind must not be empty'));
    if (!r.name) errs.push(invalid(`${p}.name`, r.name ?? '', 'name must not be empty'));
    if (!r.uid) errs.push(invalid(`${p}.uid`, r.uid ?? '', 'uid must not be empty'));
    if (r.controller) controllers++;
  });
  if (controllers > 1) errs.push(invalid('metadata.ownerReferences', meta.ownerReferences, 'Only one reference can have Controller set to true'));
  return errs;
}

export function validateFinalizers(meta: ObjectMeta): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of meta.finalizers ?? []) {
    if (typeof f !== 'string' || f === '') errs.push(required('metadata.finalizers', ''));
    else if (!f.includes('/') && !['kubernetes', 'orphan', 'foregroundDeletion'].includes(f)) {
      // apimachinery only warns here for non-qualified names; keep them.
    }
  }
  return errs;
}

const GEN_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
/** names.SimpleNameGenerator: prefix (truncated to leave room) + 5 random alphanumerics. */
export function generateName(prefix: string): string {
  const base = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
  let s = '';
  for (let i = 0; i < 5; i++) s += GEN_CHARS[Math.floor(Math.random() * GEN_CHARS.length)];
  return base + s;
}
