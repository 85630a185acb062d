// Field management (metadata.managedFields, FieldsV1) and server-side apply: every write records which manager
// owns which fields; an apply merges its configuration into the live object, removes fields the same manager
// applied before and no longer does (unless someone else owns them), and refuses (409) to change a field another
// manager owns unless `force=true`. Lists are atomic unless keyed: `x-kubernetes-list-type: map` in a CRD schema
// or the patchMergeKey of a built-in list (containers by name, conditions by type, ...).
import { ApiError } from './status.js';
import { clone, deepEqual, isObject, type Json, type JsonObject } from './patch.js';
import { nowTime } from './meta.js';

export type ListKeys = (path: string[], fieldName: string, items: Json[]) => string[] | undefined;

const SEP = '\u0001';
const IGNORED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName']);

function itemKey(item: Json, keys: string[]): string {
  const o: Record<string, Json> = {};
  if (isObject(item)) for (const k of keys) if (item[k] !== undefined) o[k] = item[k]!;
  return `k:${JSON.stringify(o)}`;
}

/** The leaf field paths of a value (FieldsV1 semantics: maps recurse, keyed lists recurse by key, others are leaves). */
export function fieldSet(obj: JsonObject, listKeys: ListKeys, subresource?: 'status', statusIsSubresource = false): Set<string> {
  const out = new Set<string>();
  const walk = (v: Json, path: string[], fieldName: string) => {
    if (isObject(v)) {
      const entries = Object.entries(v);
      if (entries.length === 0 && path.length) out.add(path.join(SEP));
      for (const [k, child] of entries) {
        if (path.length === 1 && path[0] === 'f:metadata' && IGNORED_META.has(k)) continue;
        walk(child, [...path, `f:${k}`], k);
      }
      return;
    }
    if (Array.isArray(v)) {
      const keys = listKeys(path, fieldName, v);
      if (keys && v.every(isObject)) {
        for (const item of v) {
          const p = [...path, itemKey(item, keys)];
          out.add([...p, '.'].join(SEP));
          walk(item, p, '');
        }
        if (v.length === 0) out.add(path.join(SEP));
        return;
      }
    }
    out.add(path.join(SEP));
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (subresource === 'status' && k !== 'status') continue;
    // A field the endpoint's strategy resets (status, written through the main endpoint of a resource with a
    // status subresource) is not owned by the applier (the field manager's reset-fields filter).
    if (subresource !== 'status' && k === 'status' && statusIsSubresource) continue;
    walk(v, [`f:${k}`], k);
  }
  return out;
}

/** FieldsV1 JSON from a set of leaf paths. */
export function toFieldsV1(set: Set<string>): JsonObject {
  const root: JsonObject = {};
  for (const p of set) {
    let cur = root;
    for (const seg of p.split(SEP)) {
      if (!isObject(cur[seg])) cur[seg] = {};
      cur = cur[seg] as JsonObject;
    }
  }
  return root;
}

export function fromFieldsV1(f: Json | undefined): Set<string> {
  const out = new Set<string>();
  const walk = (v: Json, path: string[]) => {
    if (!isObject(v) || Object.keys(v).length === 0) {
      if (path.length) out.add(path.join(SEP));
      return;
    }
    for (const [k, c] of Object.entries(v)) walk(c, [...path, k]);
  };
  if (f) walk(f, []);
  return out;
}

/** Reads the value at a leaf path ('.' = the keyed item itself). */
function valueAt(obj: Json, path: string[]): Json | undefined {
  let cur: Json | undefined = obj;
  for (const seg of path) {
    if (cur === undefined) return undefined;
    if (seg === '.') return cur;
    if (seg.startsWith('f:')) cur = isObject(cur) ? cur[seg.slice(2)] : undefined;
    else if (seg.startsWith('k:')) {
      const key = JSON.parse(seg.slice(2)) as Record<string, Json>;
      cur = Array.isArray(cur) ? cur.find((i) => isObject(i) && Object.entries(key).every(([k, v]) => deepEqual(i[k], v))) : undefined;
    } else return undefined;
  }
  return cur;
}

function removeAt(obj: JsonObject, path: string[]): void {
  let cur: Json | undefined = obj;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1 || path[i + 1] === '.';
    if (seg.startsWith('f:')) {
      if (!isObject(cur)) return;
      if (last) {
        delete cur[seg.slice(2)];
        return;
      }
      cur = cur[seg.slice(2)];
    } else if (seg.startsWith('k:')) {
      if (!Array.isArray(cur)) return;
      const key = JSON.parse(seg.slice(2)) as Record<string, Json>;
      const idx = cur.findIndex((it) => isObject(it) && Object.entries(key).every(([k, v]) => deepEqual(it[k], v)));
      if (idx < 0) return;
      if (last) {
        cur.splice(idx, 1);
        return;
      }
      cur = cur[idx];
    }
  }
}

export interface ManagedEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

function entries(obj: JsonObject): ManagedEntry[] {
  const meta = obj.metadata as JsonObject | undefined;
  return ((meta?.managedFields as unknown as ManagedEntry[] | undefined) ?? []).filter(isObject);
}

function setEntries(obj: JsonObject, list: ManagedEntry[]): void {
  const meta = (obj.metadata ??= {}) as JsonObject;
  const kept = list.filter((e) => Object.keys(e.fieldsV1).length > 0);
  if (kept.length) meta.managedFields = kept as unknown as Json;
  else delete meta.managedFields;
}

function upsert(list: ManagedEntry[], e: ManagedEntry): ManagedEntry[] {
  const i = list.findIndex((x) => x.manager === e.manager && x.operation === e.operation && (x.subresource ?? '') === (e.subresource ?? ''));
  if (i >= 0) list[i] = e;
  else list.push(e);
  return list;
}

function without(list: ManagedEntry[], drop: Set<string>, except?: (e: ManagedEntry) => boolean): ManagedEntry[] {
  return list.map((e) => {
    if (except?.(e)) return e;
    const s = fromFieldsV1(e.fieldsV1);
    let changed = false;
    for (const p of drop) if (s.delete(p)) changed = true;
    return changed ? { ...e, fieldsV1: toFieldsV1(s) } : e;
  });
}

/** Records an Update-operation write: the manager takes the fields whose values it changed. */
export function recordUpdate(oldObj: JsonObject | undefined, newObj: JsonObject, manager: string, apiVersion: string, listKeys: ListKeys, subresource?: 'status'): void {
  const before = oldObj ? fieldSet(oldObj, listKeys) : new Set<string>();
  const after = fieldSet(newObj, listKeys);
  const changed = new Set<string>();
  for (const p of after) {
    const seg = p.split(SEP);
    if (!before.has(p) || !deepEqual(valueAt(oldObj ?? {}, seg), valueAt(newObj, seg))) changed.add(p);
  }
  const removed = new Set([...before].filter((p) => !after.has(p)));
  let list = entries(newObj);
  list = without(list, new Set([...changed, ...removed]));
  const mine = list.find((e) => e.manager === manager && e.operation === 'Update' && (e.subresource ?? '') === (subresource ?? ''));
  const owned = mine ? fromFieldsV1(mine.fieldsV1) : new Set<string>();
  for (const p of changed) owned.add(p);
  for (const p of [...owned]) if (!after.has(p)) owned.delete(p);
  if (owned.size === 0 && !mine) {
    setEntries(newObj, list);
    return;
  }
  const e: ManagedEntry = { manager, operation: 'Update', apiVersion, time: nowTime(), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(owned) };
  if (subresource) e.subresource = subresource;
  setEntries(newObj, upsert(list, e));
}

function mergeApply(live: Json | undefined, cfg: Json, path: string[], fieldName: string, listKeys: ListKeys): Json {
  if (isObject(cfg)) {
    const out: JsonObject = isObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(cfg)) out[k] = mergeApply(out[k], v, [...path, `f:${k}`], k, listKeys);
    return out;
  }
  if (Array.isArray(cfg)) {
    const keys = listKeys(path, fieldName, [...cfg, ...(Array.isArray(live) ? live : [])]);
    if (keys && cfg.every(isObject) && Array.isArray(live)) {
      const out = live.map(clone);
      for (const item of cfg) {
        const k = itemKey(item, keys);
        const idx = out.findIndex((x) => itemKey(x, keys) === k);
        if (idx >= 0) out[idx] = mergeApply(out[idx], item, [...path, k], '', listKeys);
        else out.push(clone(item));
      }
      return out;
    }
  }
  return clone(cfg);
}

/** Server-side apply of `config` onto `live` (undefined when creating). Returns the merged object with its
 * managedFields updated, or throws a 409 Conflict naming the conflicting fields and managers. */
export function apply(live: JsonObject | undefined, config: JsonObject, manager: string, apiVersion: string, force: boolean, listKeys: ListKeys, subresource?: 'status', statusIsSubresource = false): JsonObject {
  const base = live ? clone(live) : {};
  const cfgSet = fieldSet(config, listKeys, subresource, statusIsSubresource);
  let list = entries(base);
  const mine = list.find((e) => e.manager === manager && e.operation === 'Apply' && (e.subresource ?? '') === (subresource ?? ''));
  const prevApplied = mine ? fromFieldsV1(mine.fieldsV1) : new Set<string>();

  // Conflicts: a field in the config that another manager owns, with a different live value.
  const conflicts: { manager: string; apiVersion: string; field: string }[] = [];
  const forced = new Set<string>();
  for (const e of list) {
    if (e.manager === manager) continue;
    const theirs = fromFieldsV1(e.fieldsV1);
    for (const p of cfgSet) {
      if (!theirs.has(p)) continue;
      const seg = p.split(SEP);
      if (seg[seg.length - 1] === '.') continue;
      if (deepEqual(valueAt(base, seg), valueAt(config, seg))) continue;
      if (force) forced.add(p);
      else conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, field: '.' + seg.map((s) => (s.startsWith('f:') ? s.slice(2) : `[${s.slice(2)}]`)).join('.').replace(/\.\[/g, '[') });
    }
  }
  if (conflicts.length) throw conflictError(conflicts);

  let merged = mergeApply(base, config, [], '', listKeys) as JsonObject;
  // Fields this manager applied before and dropped now: removed unless another manager owns them.
  const othersOwn = new Set<string>();
  for (const e of list) if (!(e.manager === manager && e.operation === 'Apply')) for (const p of fromFieldsV1(e.fieldsV1)) othersOwn.add(p);
  for (const p of prevApplied) {
    if (cfgSet.has(p) || othersOwn.has(p)) continue;
    removeAt(merged, p.split(SEP));
  }
  merged = clone(merged);
  list = without(list, forced, (e) => e.manager === manager);
  const entry: ManagedEntry = { manager, operation: 'Apply', apiVersion, time: nowTime(), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(cfgSet) };
  if (subresource) entry.subresource = subresource;
  setEntries(merged, upsert(list, entry));
  return merged;
}

function conflictError(cs: { manager: string; apiVersion: string; field: string }[]): ApiError {
  let message: string;
  if (cs.length === 1) message = `Apply failed with 1 conflict: conflict with "${cs[0]!.manager}" using ${cs[0]!.apiVersion}: ${cs[0]!.field}`;
  else {
    const byMgr = new Map<string, string[]>();
    for (const c of cs) byMgr.set(`"${c.manager}" using ${c.apiVersion}`, [...(byMgr.get(`"${c.manager}" using ${c.apiVersion}`) ?? []), c.field]);
    message = `Apply failed with ${cs.length} conflicts: ` + [...byMgr].map(([m, fs]) => `conflicts with ${m}:\n${fs.map((f) => `- ${f}`).join('\n')}`).join('\n');
  }
  return new ApiError({
    message,
    reason: 'Conflict',
    details: { causes: cs.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${c.apiVersion}`, field: c.field })) },
    code: 409,
  });
}
