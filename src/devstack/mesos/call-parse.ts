// JSON → scheduler::Call conversion and call validation, as the master does it (stout `protobuf::parse`, then
// `validation::scheduler::call::validate`). Unknown keys are ignored; a JSON value of the wrong kind or an
// unknown enum name fails the conversion; missing `required` proto fields fail with "Missing required fields:
// <paths>" (stout checks `IsInitialized()` after the conversion), which the handler reports as
// "Failed to convert JSON into Call protobuf: …". Pure functions.
import type { Call } from '../../mesos/types.js';

type Kind = 'string' | 'bytes' | 'bool' | 'double' | 'int' | 'enum' | 'msg' | 'any';
interface Field {
  kind: Kind;
  repeated?: boolean;
  required?: boolean;
  msg?: Schema;
  enumValues?: readonly string[];
}
type Schema = Record<string, Field>;

const f = (kind: Kind, extra: Partial<Field> = {}): Field => ({ kind, ...extra });
// Lazy (schemas refer to each other) and built once: a 5000-entry RECONCILE must not rebuild its sub-schema
// for every entry.
const msg = (schema: () => Schema, extra: Partial<Field> = {}): Field => {
  let built: Schema | undefined;
  return {
    kind: 'msg',
    get msg() {
      return (built ??= schema());
    },
    ...extra,
  };
};

const ID: Schema = { value: f('string', { required: true }) };
const RANGE: Schema = { begin: f('int', { required: true }), end: f('int', { required: true }) };
const VALUE_TYPES = ['SCALAR', 'RANGES', 'SET', 'TEXT'] as const;
const RESOURCE: Schema = {
  name: f('string', { required: true }),
  type: f('enum', { required: true, enumValues: VALUE_TYPES }),
  scalar: msg(() => ({ value: f('double', { required: true }) })),
  ranges: msg(() => ({ range: msg(() => RANGE, { repeated: true }) })),
  set: msg(() => ({ item: f('string', { repeated: true }) })),
  role: f('string'),
  allocation_info: msg(() => ({ role: f('string') })),
  reservations: f('any', { repeated: true }),
};
const LABELS: Schema = { labels: msg(() => ({ key: f('string', { required: true }), value: f('string') }), { repeated: true }) };
const COMMAND: Schema = {
  uris: msg(() => ({ value: f('string', { required: true }), executable: f('bool'), extract: f('bool'), cache: f('bool'), output_file: f('string') }), { repeated: true }),
  environment: msg(() => ({ variables: msg(() => ({ name: f('string', { required: true }), type: f('enum', { enumValues: ['UNKNOWN', 'VALUE', 'SECRET'] }), value: f('string'), secret: f('any') }), { repeated: true }) })),
  shell: f('bool'),
  value: f('string'),
  arguments: f('string', { repeated: true }),
  user: f('string'),
};
const EXECUTOR: Schema = {
  type: f('enum', { enumValues: ['UNKNOWN', 'DEFAULT', 'CUSTOM'] }),
  executor_id: msg(() => ID, { required: true }),
  framework_id: msg(() => ID),
  command: msg(() => COMMAND),
  container: f('any'),
  resources: msg(() => RESOURCE, { repeated: true }),
  name: f('string'),
  source: f('string'),
  data: f('bytes'),
  labels: msg(() => LABELS),
};
const TASK_INFO: Schema = {
  name: f('string', { required: true }),
  task_id: msg(() => ID, { required: true }),
  agent_id: msg(() => ID, { required: true }),
  resources: msg(() => RESOURCE, { repeated: true }),
  executor: msg(() => EXECUTOR),
  command: msg(() => COMMAND),
  container: f('any'),
  health_check: f('any'),
  check: f('any'),
  kill_policy: f('any'),
  data: f('bytes'),
  labels: msg(() => LABELS),
  discovery: f('any'),
  max_completion_time: f('any'),
  limits: f('any'),
};
const CAPABILITY_TYPES = [
  'UNKNOWN',
  'REVOCABLE_RESOURCES',
  'TASK_KILLING_STATE',
  'GPU_RESOURCES',
  'SHARED_RESOURCES',
  'PARTITION_AWARE',
  'MULTI_ROLE',
  'RESERVATION_REFINEMENT',
  'REGION_AWARE',
  'AGENT_OPERATION_FEEDBACK',
] as const;
const FRAMEWORK_INFO: Schema = {
  user: f('string', { required: true }),
  name: f('string', { required: true }),
  id: msg(() => ID),
  failover_timeout: f('double'),
  checkpoint: f('bool'),
  role: f('string'),
  roles: f('string', { repeated: true }),
  hostname: f('string'),
  principal: f('string'),
  webui_url: f('string'),
  capabilities: msg(() => ({ type: f('enum', { enumValues: CAPABILITY_TYPES }) }), { repeated: true }),
  labels: msg(() => LABELS),
  offer_filters: f('any'),
};
const FILTERS: Schema = { refuse_seconds: f('double') };
const OPERATION_TYPES = ['UNKNOWN', 'LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'GROW_VOLUME', 'SHRINK_VOLUME', 'CREATE_DISK', 'DESTROY_DISK'] as const;
const OPERATION: Schema = {
  type: f('enum', { enumValues: OPERATION_TYPES }),
  id: msg(() => ID),
  launch: msg(() => ({ task_infos: msg(() => TASK_INFO, { repeated: true }) })),
  launch_group: f('any'),
  reserve: f('any'),
  unreserve: f('any'),
  create: f('any'),
  destroy: f('any'),
};
export const CALL_TYPES = [
  'UNKNOWN',
  'SUBSCRIBE',
  'TEARDOWN',
  'ACCEPT',
  'DECLINE',
  'ACCEPT_INVERSE_OFFERS',
  'DECLINE_INVERSE_OFFERS',
  'REVIVE',
  'KILL',
  'SHUTDOWN',
  'ACKNOWLEDGE',
  'ACKNOWLEDGE_OPERATION_STATUS',
  'RECONCILE',
  'RECONCILE_OPERATIONS',
  'MESSAGE',
  'REQUEST',
  'SUPPRESS',
  'UPDATE_FRAMEWORK',
] as const;
const CALL: Schema = {
  framework_id: msg(() => ID),
  type: f('enum', { enumValues: CALL_TYPES }),
  subscribe: msg(() => ({
    framework_info: msg(() => FRAMEWORK_INFO, { required: true }),
    suppressed_roles: f('string', { repeated: true }),
    offer_constraints: f('any'),
  })),
  accept: msg(() => ({ offer_ids: msg(() => ID, { repeated: true }), operations: msg(() => OPERATION, { repeated: true }), filters: msg(() => FILTERS) })),
  decline: msg(() => ({ offer_ids: msg(() => ID, { repeated: true }), filters: msg(() => FILTERS) })),
  accept_inverse_offers: msg(() => ({ inverse_offer_ids: msg(() => ID, { repeated: true }), filters: msg(() => FILTERS) })),
  decline_inverse_offers: msg(() => ({ inverse_offer_ids: msg(() => ID, { repeated: true }), filters: msg(() => FILTERS) })),
  revive: msg(() => ({ roles: f('string', { repeated: true }) })),
  suppress: msg(() => ({ roles: f('string', { repeated: true }) })),
  kill: msg(() => ({ task_id: msg(() => ID, { required: true }), agent_id: msg(() => ID), kill_policy: f('any') })),
  shutdown: msg(() => ({ executor_id: msg(() => ID, { required: true }), agent_id: msg(() => ID, { required: true }) })),
  acknowledge: msg(() => ({ agent_id: msg(() => ID, { required: true }), task_id: msg(() => ID, { required: true }), uuid: f('bytes', { required: true }) })),
  acknowledge_operation_status: msg(() => ({ agent_id: msg(() => ID), resource_provider_id: msg(() => ID), uuid: f('bytes', { required: true }), operation_id: msg(() => ID, { required: true }) })),
  reconcile: msg(() => ({ tasks: msg(() => ({ task_id: msg(() => ID, { required: true }), agent_id: msg(() => ID) }), { repeated: true }) })),
  reconcile_operations: msg(() => ({ operations: f('any', { repeated: true }) })),
  message: msg(() => ({ agent_id: msg(() => ID, { required: true }), executor_id: msg(() => ID, { required: true }), data: f('bytes', { required: true }) })),
  request: msg(() => ({ requests: f('any', { repeated: true }) })),
  update_framework: msg(() => ({
    framework_info: msg(() => FRAMEWORK_INFO, { required: true }),
    suppressed_roles: f('string', { repeated: true }),
    offer_constraints: f('any'),
  })),
};

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v; // string | number | boolean
}

const KIND_NAME: Record<string, string> = { string: 'string', number: 'number', boolean: 'boolean', object: 'object', array: 'array' };

/** Converts one JSON object against a schema, dropping unknown keys. Throws a string on conversion errors. */
function convert(obj: Record<string, unknown>, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(obj)) {
    const field = schema[name];
    if (!field) continue; // unknown keys are ignored
    if (value === null) continue; // null = unset
    if (Array.isArray(value)) {
      if (!field.repeated) throw `Not expecting a JSON array for field '${name}'`;
      out[name] = value.filter((v) => v !== null).map((v) => convertScalar(name, field, v));
    } else {
      // stout accepts a single value for a repeated field only as an array element; a bare value on a
      // repeated field is added as one element.
      const v = convertScalar(name, field, value);
      out[name] = field.repeated ? [v] : v;
    }
  }
  return out;
}

function convertScalar(name: string, field: Field, value: unknown): unknown {
  const k = jsonKind(value);
  switch (field.kind) {
    case 'any':
      return value;
    case 'msg':
      if (k !== 'object') throw `Not expecting a JSON ${KIND_NAME[k] ?? k} for field '${name}'`;
      return convert(value as Record<string, unknown>, field.msg!);
    case 'string':
      if (k !== 'string') throw `Not expecting a JSON ${KIND_NAME[k] ?? k} for field '${name}'`;
      return value;
    case 'bytes':
      if (k !== 'string') throw `Not expecting a JSON ${KIND_NAME[k] ?? k} for field '${name}'`;
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value as string) || (value as string).length % 4 !== 0) {
        throw `Failed to base64 decode for field '${name}'`;
      }
      return value;
    case 'enum':
      if (k !== 'string') throw `Not expecting a JSON ${KIND_NAME[k] ?? k} for field '${name}'`;
      if (!field.enumValues!.includes(value as string)) throw `Failed to find enum for '${value as string}'`;
      return value;
    case 'bool':
      if (k !== 'boolean') throw `Not expecting a JSON ${KIND_NAME[k] ?? k} for field '${name}'`;
      return value;
    case 'double':
    case 'int':
      if (k === 'string') {
        const n = Number(value);
        if ((value as string).trim() === '' || !Number.isFinite(n)) throw `Failed to convert '${value as string}' to number for field '${name}'`;
        return n;
      }
      if (k !== 'number') throw `Not expecting a JSON ${KIND_NAME[k] ?? k} for field '${name}'`;
      return value;
  }
}

/** protobuf `InitializationErrorString()`: comma-separated paths of missing required fields. Paths are built
 * only on the way to a missing field (the common, valid call allocates none). */
function missingRequired(obj: Record<string, unknown>, schema: Schema, prefix: () => string, out: string[]): void {
  for (const name in schema) {
    const field = schema[name]!;
    const v = obj[name];
    if (v === undefined) {
      if (field.required) out.push(prefix() + name);
      continue;
    }
    if (field.kind !== 'msg') continue;
    const sub = field.msg!;
    if (field.repeated) {
      const list = v as Record<string, unknown>[];
      for (let i = 0; i < list.length; i++) missingRequired(list[i]!, sub, () => `${prefix()}${name}[${i}].`, out);
    } else missingRequired(v as Record<string, unknown>, sub, () => `${prefix()}${name}.`, out);
  }
}

export type ParseResult = { ok: true; call: Call } | { ok: false; status: 400; message: string };

/** Step 5 of the handler for a JSON body. */
export function parseCallBody(body: string, preParsed?: unknown): ParseResult {
  let json: unknown = preParsed;
  if (json === undefined) {
    try {
      json = JSON.parse(body);
    } catch (err) {
      return { ok: false, status: 400, message: `Failed to parse body into JSON: ${(err as Error).message}` };
    }
  }
  if (jsonKind(json) !== 'object') return { ok: false, status: 400, message: 'Failed to convert JSON into Call protobuf: Expecting a JSON object' };
  let converted: Record<string, unknown>;
  try {
    converted = convert(json as Record<string, unknown>, CALL);
  } catch (e) {
    return { ok: false, status: 400, message: `Failed to convert JSON into Call protobuf: ${String(e)}` };
  }
  const missing: string[] = [];
  missingRequired(converted, CALL, () => '', missing);
  if (missing.length) return { ok: false, status: 400, message: `Failed to convert JSON into Call protobuf: Missing required fields: ${missing.join(', ')}` };
  return { ok: true, call: converted as unknown as Call };
}

/** The 16 raw bytes of a Base64 uuid, or an error like `UUID::fromBytes`. */
export function decodeUuid(b64: string | undefined): { ok: true; bytes: Buffer } | { ok: false; error: string } {
  const bytes = Buffer.from(b64 ?? '', 'base64');
  if (bytes.length !== 16) return { ok: false, error: `Not a valid UUID` };
  return { ok: true, bytes };
}

/** `validation::scheduler::call::validate` (step 6). Returns the error message without the handler prefix. */
export function validateCall(call: Call, principal: string | undefined): string | undefined {
  const c = call as Call & Record<string, unknown>;
  if (!call.type) return "Expecting 'type' to be present";
  if (call.type === 'SUBSCRIBE') {
    if (!call.subscribe) return "Expecting 'subscribe' to be present";
    const info = call.subscribe.framework_info;
    if ((info.id?.value ?? '') !== (call.framework_id?.value ?? '')) return "'framework_id' differs from 'subscribe.framework_info.id'";
    if (principal !== undefined && info.principal !== undefined && principal !== info.principal) {
      return `Authenticated principal '${principal}' does not match principal '${info.principal}' set in \`FrameworkInfo\``;
    }
    return undefined;
  }
  if (!call.framework_id) return "Expecting 'framework_id' to be present";
  const need = (field: string): string | undefined => (c[field] === undefined ? `Expecting '${field}' to be present` : undefined);
  switch (call.type) {
    case 'TEARDOWN':
    case 'REVIVE':
    case 'SUPPRESS':
    case 'UNKNOWN':
      return undefined;
    case 'ACCEPT':
    case 'DECLINE':
    case 'ACCEPT_INVERSE_OFFERS':
    case 'DECLINE_INVERSE_OFFERS':
    case 'KILL':
    case 'SHUTDOWN':
    case 'RECONCILE':
    case 'RECONCILE_OPERATIONS':
    case 'MESSAGE':
    case 'REQUEST':
      return need(call.type.toLowerCase());
    case 'ACKNOWLEDGE': {
      const e = need('acknowledge');
      if (e) return e;
      const u = decodeUuid(call.acknowledge!.uuid);
      return u.ok ? undefined : u.error;
    }
    case 'ACKNOWLEDGE_OPERATION_STATUS': {
      const e = need('acknowledge_operation_status');
      if (e) return e;
      const a = c.acknowledge_operation_status as { uuid?: string; agent_id?: unknown };
      const u = decodeUuid(a.uuid);
      if (!u.ok) return u.error;
      if (!a.agent_id) return "Expecting 'agent_id' to be present";
      return undefined;
    }
    case 'UPDATE_FRAMEWORK': {
      const e = need('update_framework');
      if (e) return e;
      if ((call.update_framework!.framework_info.id?.value ?? '') !== call.framework_id.value) return "'framework_id' differs from 'update_framework.framework_info.id'";
      return undefined;
    }
  }
  return undefined;
}

/** Operator API call parsing (POST /api/v1): same conversion rules, `v1::master::Call`. */
export const MASTER_CALL_TYPES = [
  'UNKNOWN',
  'GET_HEALTH',
  'GET_FLAGS',
  'GET_VERSION',
  'GET_METRICS',
  'GET_LOGGING_LEVEL',
  'SET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'GET_STATE',
  'GET_AGENTS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_OPERATIONS',
  'GET_TASKS',
  'GET_ROLES',
  'GET_WEIGHTS',
  'UPDATE_WEIGHTS',
  'GET_MASTER',
  'SUBSCRIBE',
  'RESERVE_RESOURCES',
  'UNRESERVE_RESOURCES',
  'CREATE_VOLUMES',
  'DESTROY_VOLUMES',
  'GROW_VOLUME',
  'SHRINK_VOLUME',
  'GET_MAINTENANCE_STATUS',
  'GET_MAINTENANCE_SCHEDULE',
  'UPDATE_MAINTENANCE_SCHEDULE',
  'START_MAINTENANCE',
  'STOP_MAINTENANCE',
  'DRAIN_AGENT',
  'DEACTIVATE_AGENT',
  'REACTIVATE_AGENT',
  'GET_QUOTA',
  'UPDATE_QUOTA',
  'SET_QUOTA',
  'REMOVE_QUOTA',
  'TEARDOWN',
  'MARK_AGENT_GONE',
] as const;

export function parseMasterCallBody(body: string): { ok: true; type: string; call: Record<string, unknown> } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return { ok: false, message: `Failed to parse body into JSON: ${(err as Error).message}` };
  }
  if (jsonKind(json) !== 'object') return { ok: false, message: 'Failed to convert JSON into Call protobuf: Expecting a JSON object' };
  const obj = json as Record<string, unknown>;
  const type = obj.type;
  if (type !== undefined && (typeof type !== 'string' || !(MASTER_CALL_TYPES as readonly string[]).includes(type))) {
    return { ok: false, message: typeof type === 'string' ? `Failed to convert JSON into Call protobuf: Failed to find enum for '${type}'` : `Failed to convert JSON into Call protobuf: Not expecting a JSON ${jsonKind(type)} for field 'type'` };
  }
  if (type === undefined) return { ok: false, message: "Failed to validate v1::master::Call: Expecting 'type' to be present" };
  return { ok: true, type, call: obj };
}
