// Patch engines: JSON merge patch (RFC 7386), JSON patch (RFC 6902, with `test`), and strategic merge patch
// for the built-in kinds (patchMergeKey / patchStrategy as the Go types declare them for the fields we serve).
import { badRequest, unprocessable } from './status.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A deep copy of a JSON-like value: what structuredClone gives for the plain objects and arrays the emulator
 * stores, at a fraction of its cost (structuredClone serialises and deserialises; it was a third of the emulator's
 * CPU in bench/launch.ts). Anything that is not a plain object or array still goes through structuredClone. */
export function clone<T>(v: T): T {
  return v === undefined ? v : (copyJson(v) as T);
}

function copyJson(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyJson(v[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = copyJson((v as Record<string, unknown>)[k]);
    // A "__proto__" key (JSON.parse makes it an own property) must stay a property, not become the prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    else out[k] = x;
  }
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && deepEqual(ao[k], bo[k]));
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---- RFC 6902 -------------------------------------------------------------------------------------------

interface Op {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new PatchApplyError(`invalid JSON pointer "${p}"`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

class PatchApplyError extends Error {}

function container(doc: Json, parts: string[], opName: string, fullPath: string): { parent: Json; key: string } {
  let cur: Json = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = Number(p);
      if (!/^\d+$/.test(p) || i >= cur.length) throw new PatchApplyError(`${opName} operation does not apply: doc is missing path: "${fullPath}": missing value`);
      cur = cur[i]!;
    } else if (isObject(cur)) {
      if (!Object.hasOwn(cur, p)) throw new PatchApplyError(`${opName} operation does not apply: doc is missing path: "${fullPath}": missing value`);
      cur = cur[p]!;
    } else throw new PatchApplyError(`${opName} operation does not apply: doc is missing path: "${fullPath}": missing value`);
  }
  return { parent: cur, key: parts[parts.length - 1]! };
}

function getAt(doc: Json, path: string, opName: string): Json {
  const parts = parsePointer(path);
  if (parts.length === 0) return doc;
  const { parent, key } = container(doc, parts, opName, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!/^\d+$/.test(key) || i >= parent.length) throw new PatchApplyError(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
    return parent[i]!;
  }
  if (isObject(parent) && Object.hasOwn(parent, key)) return parent[key]!;
  throw new PatchApplyError(`${opName} operation does not apply: doc is missing key: ${path}: missing value`);
}

function addAt(doc: Json, path: string, value: Json, opName = 'add'): Json {
  const parts = parsePointer(path);
  if (parts.length === 0) return value;
  const { parent, key } = container(doc, parts, opName, path);
  if (Array.isArray(parent)) {
    if (key === '-') parent.push(value);
    else {
      const i = Number(key);
      if (!/^\d+$/.test(key) || i > parent.length) throw new PatchApplyError(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
      parent.splice(i, 0, value);
    }
  } else if (isObject(parent)) parent[key] = value;
  else throw new PatchApplyError(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
  return doc;
}

function removeAt(doc: Json, path: string, opName = 'remove'): Json {
  const parts = parsePointer(path);
  if (parts.length === 0) throw new PatchApplyError(`${opName} operation does not apply: doc is missing path: "${path}"`);
  const { parent, key } = container(doc, parts, opName, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!/^\d+$/.test(key) || i >= parent.length) throw new PatchApplyError(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
    parent.splice(i, 1);
  } else if (isObject(parent) && Object.hasOwn(parent, key)) delete parent[key];
  else throw new PatchApplyError(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
  return doc;
}

/** Parses and applies an RFC 6902 patch: 400 when the patch itself is malformed, 422 when it does not apply. */
export function jsonPatch(doc: Json, body: string): Json {
  let ops: unknown;
  try {
    ops = JSON.parse(body);
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  for (const o of ops) {
    if (!isObject(o) || typeof o.op !== 'string') throw badRequest('Unexpected kind: unknown');
    if (!['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(o.op)) throw badRequest(`Unexpected kind: ${o.op}`);
    if (typeof o.path !== 'string') throw badRequest(`${o.op} operation missing path`);
  }
  let cur = clone(doc);
  try {
    for (const o of ops as Op[]) {
      switch (o.op) {
        case 'add':
          if (!('value' in o)) throw new PatchApplyError('add operation missing value');
          cur = addAt(cur, o.path, clone(o.value!));
          break;
        case 'remove':
          cur = removeAt(cur, o.path);
          break;
        case 'replace': {
          if (!('value' in o)) throw new PatchApplyError('replace operation missing value');
          const parts = parsePointer(o.path);
          if (parts.length === 0) {
            cur = clone(o.value!);
            break;
          }
          getAt(cur, o.path, 'replace');
          const { parent, key } = container(cur, parts, 'replace', o.path);
          if (Array.isArray(parent)) parent[Number(key)] = clone(o.value!);
          else (parent as JsonObject)[key] = clone(o.value!);
          break;
        }
        case 'move': {
          if (typeof o.from !== 'string') throw new PatchApplyError('move operation missing from');
          const v = getAt(cur, o.from, 'move');
          cur = removeAt(cur, o.from, 'move');
          cur = addAt(cur, o.path, v, 'move');
          break;
        }
        case 'copy': {
          if (typeof o.from !== 'string') throw new PatchApplyError('copy operation missing from');
          cur = addAt(cur, o.path, clone(getAt(cur, o.from, 'copy')), 'copy');
          break;
        }
        case 'test': {
          let v: Json | undefined;
          try {
            v = getAt(cur, o.path, 'test');
          } catch {
            v = undefined;
          }
          if (v === undefined ? o.value !== null && o.value !== undefined : !deepEqual(v, o.value)) {
            throw new PatchApplyError(`testing value ${o.path} failed: test failed`);
          }
          break;
        }
      }
    }
  } catch (err) {
    if (err instanceof PatchApplyError) throw unprocessable();
    throw err;
  }
  return cur;
}

// ---- strategic merge patch -------------------------------------------------------------------------------

/** patchMergeKey of list fields in the built-in types we serve (by field name; `ports` depends on context). */
function mergeKeyFor(field: string, items: Json[]): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
    case 'containerStatuses':
    case 'initContainerStatuses':
    case 'resourceClaims':
      return 'name';
    case 'volumeMounts':
    case 'volumeDevices':
      return 'mountPath';
    case 'conditions':
    case 'readinessGates':
      return field === 'readinessGates' ? 'conditionType' : 'type';
    case 'ownerReferences':
      return 'uid';
    case 'hostAliases':
      return 'ip';
    case 'podIPs':
    case 'hostIPs':
      return 'ip';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'ports': {
      const first = items.find(isObject);
      return first && 'containerPort' in first ? 'containerPort' : 'port';
    }
    default:
      return undefined;
  }
}

/** Lists of scalars with patchStrategy=merge (union instead of replace). */
const mergePrimitiveLists = new Set(['finalizers']);

/** Strategic merge patch (the subset of directives client tools send: `$patch: replace|delete`, `$retainKeys`,
 * `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`, null deletes). */
export function strategicMergePatch(original: Json | undefined, patch: Json, field = ''): Json | undefined {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return clone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: JsonObject = isObject(original) ? { ...original } : {};
  const retain = Array.isArray(patch.$retainKeys) ? (patch.$retainKeys as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' || k === '$patch' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const list = k.slice('$deleteFromPrimitiveList/'.length);
      const del = Array.isArray(v) ? v : [];
      if (Array.isArray(out[list])) out[list] = (out[list] as Json[]).filter((x) => !del.some((d) => deepEqual(d, x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      const cur = Array.isArray(out[k]) ? (out[k] as Json[]) : [];
      const key = mergeKeyFor(k, [...v, ...cur]);
      if (mergePrimitiveLists.has(k)) {
        const merged = [...cur];
        for (const x of v) if (!merged.some((m) => deepEqual(m, x))) merged.push(clone(x));
        out[k] = merged;
      } else if (key && v.every(isObject)) {
        if (v.some((x) => isObject(x) && x.$patch === 'replace')) {
          out[k] = v.filter((x) => !(isObject(x) && x.$patch === 'replace')).map(clone);
          continue;
        }
        const merged = cur.map(clone);
        for (const item of v as JsonObject[]) {
          const idx = merged.findIndex((m) => isObject(m) && deepEqual(m[key], item[key]));
          if (item.$patch === 'delete') {
            if (idx >= 0) merged.splice(idx, 1);
            continue;
          }
          if (idx >= 0) merged[idx] = strategicMergePatch(merged[idx], item, k) as Json;
          else merged.push(strategicMergePatch(undefined, item, k) as Json);
        }
        const order = patch[`$setElementOrder/${k}`];
        if (Array.isArray(order)) {
          const pos = (m: Json) => order.findIndex((o) => isObject(o) && isObject(m) && deepEqual(o[key], m[key]));
          merged.sort((a, b) => {
            const pa = pos(a);
            const pb = pos(b);
            return (pa < 0 ? Infinity : pa) - (pb < 0 ? Infinity : pb);
          });
        }
        out[k] = merged;
      } else out[k] = clone(v);
      continue;
    }
    if (isObject(v)) {
      const r = strategicMergePatch(out[k], v, k);
      if (r === undefined) delete out[k];
      else out[k] = r;
      continue;
    }
    out[k] = v;
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  void field;
  return out;
}
