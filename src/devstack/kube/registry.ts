// The resource registry: what each served resource is (group/version/resource, kind, scope, subresources) and
// its strategy (defaulting, validation, status-subresource rules, create/update policies), as the apiserver's
// per-resource REST storage + strategy pairs define them.
import type { FieldError } from './status.js';
import type { KObject } from './meta.js';
import type { JsonObject } from './patch.js';

export interface ScaleSpec {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface ResourceDef {
  group: string;
  version: string;
  /** Plural resource name. */
  resource: string;
  kind: string;
  listKind: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Which subresources exist (`status`, `scale`, `binding`). */
  status: boolean;
  scale?: ScaleSpec;
  binding?: boolean;
  /** Store key shared by every version of the same group/resource. */
  storeKey: string;
  /** apiVersion objects are kept in (other served versions convert by apiVersion only; conversion None). */
  storageVersion: string;
  allowCreateOnUpdate: boolean;
  allowUnconditionalUpdate: boolean;
  /** metadata.generation is maintained (set to 1 on create, bumped on spec changes). */
  generation: boolean;
  /** DELETE answers with the deleted object rather than a Success Status. */
  returnDeletedObject: boolean;
  /** A custom resource (from a CRD): no strategic merge patch, list items carry apiVersion/kind. */
  custom: boolean;
  nameValidation: 'subdomain' | 'label' | 'path';
  /** Field selector values for an object; the keys are the supported field labels. */
  fieldLabels(obj: KObject): Record<string, string>;
  /** Type-level decoding (time formats...). Throws a 400 ApiError for values the Go decoder would refuse. */
  decode?(obj: KObject): void;
  /** Defaults applied to every write (and, for CRs, on read). */
  applyDefaults?(obj: KObject): void;
  /** Create-time preparation (status reset, allocations). */
  prepareForCreate?(obj: KObject): void;
  /** Update-time preparation on the main resource (status kept from old when a status subresource exists). */
  prepareForUpdate?(obj: KObject, old: KObject): void;
  /** What a write to /status keeps from the new object (the rest comes from old). */
  prepareForStatusUpdate?(obj: KObject, old: KObject): KObject;
  validate?(obj: KObject): FieldError[];
  validateUpdate?(obj: KObject, old: KObject): FieldError[];
  validateStatusUpdate?(obj: KObject, old: KObject): FieldError[];
  /** For graceful deletion (pods): the grace period to use, or 0 for immediate. */
  gracefulDelete?(obj: KObject, requested: number | undefined): number;
  /** Conversion between this version's shape and the stored shape (events.k8s.io/v1 over core/v1 Events;
   * custom resources only change apiVersion). */
  toStorage?(obj: KObject): KObject;
  fromStorage?(obj: KObject): KObject;
  /** CR pruning + defaulting (returns unknown-field paths that were dropped). */
  prune?(obj: JsonObject): string[];
  /** The CRD this resource comes from. */
  crdName?: string;
}

export const gvKey = (group: string, version: string): string => (group ? `${group}/${version}` : version);

export class Registry {
  /** group/version -> resource -> def */
  private readonly byGV = new Map<string, Map<string, ResourceDef>>();

  add(def: ResourceDef): void {
    const gv = gvKey(def.group, def.version);
    let m = this.byGV.get(gv);
    if (!m) {
      m = new Map();
      this.byGV.set(gv, m);
    }
    m.set(def.resource, def);
  }

  removeGroupResource(group: string, resource: string): void {
    for (const [gv, m] of this.byGV) {
      const d = m.get(resource);
      if (d && d.group === group) m.delete(resource);
      if (m.size === 0) this.byGV.delete(gv);
    }
  }

  get(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.byGV.get(gvKey(group, version))?.get(resource);
  }

  hasGroupVersion(group: string, version: string): boolean {
    return (this.byGV.get(gvKey(group, version))?.size ?? 0) > 0;
  }

  /** Resolves an apiVersion + kind (owner references) to its resource definition. */
  byKind(apiVersion: string, kind: string): ResourceDef | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    for (const d of this.byGV.get(gvKey(group!, version!))?.values() ?? []) if (d.kind === kind) return d;
    // Another served version of the same group/kind will do (owner references may name an older version).
    for (const m of this.byGV.values()) for (const d of m.values()) if (d.group === group && d.kind === kind) return d;
    return undefined;
  }

  /** Every served definition. */
  all(): ResourceDef[] {
    const out: ResourceDef[] = [];
    for (const m of this.byGV.values()) out.push(...m.values());
    return out;
  }

  groupVersions(): { group: string; version: string }[] {
    const out: { group: string; version: string }[] = [];
    for (const [gv, m] of this.byGV) {
      const d = m.values().next().value;
      if (!d) continue;
      out.push({ group: d.group, version: gv.includes('/') ? gv.split('/')[1]! : gv });
    }
    return out;
  }

  /** One def per store key, for controllers that sweep every resource (GC, namespace cleanup). */
  storageDefs(): ResourceDef[] {
    const seen = new Map<string, ResourceDef>();
    for (const d of this.all()) {
      const cur = seen.get(d.storeKey);
      if (!cur || d.version === d.storageVersion.split('/').pop()) seen.set(d.storeKey, d);
    }
    return [...seen.values()];
  }
}

/** Reads a dotted JSON path (".spec.replicas" or "spec.replicas") from an object. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.replace(/^\./, '').split('.')) {
    if (p === '') continue;
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.').filter(Boolean);
  let cur: Record<string, unknown> = obj;
  for (const p of parts.slice(0, -1)) {
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}
