// The request semantics of the generic registry store (k8s.io/apiserver/pkg/registry/generic/registry/store.go)
// and its REST handlers, independent of HTTP: create / get / list / update / patch / delete / deletecollection,
// preconditions and optimistic concurrency, generation, status subresource rules, finalizers and graceful
// deletion, field management. The HTTP layer (http.ts) and the in-process controllers call this.
import YAML from 'yaml';
import { type ResourceDef, type Registry, getPath, setPath } from './registry.js';
import { Store, type StoredEvent } from './store.js';
import {
  ApiError,
  type FieldError,
  alreadyExists,
  badRequest,
  conflict,
  expired,
  forbidden,
  forbiddenError,
  invalidError,
  notFound,
  notSupported,
  required,
  staleConflict,
  successStatus,
  unsupportedMediaType,
  invalid,
} from './status.js';
import {
  type KObject,
  generateName,
  newUid,
  nowTime,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateFinalizers,
  validateLabelsAndAnnotations,
  validateOwnerReferences,
  validatePathSegmentName,
} from './meta.js';
import { clone, deepEqual, isObject, jsonPatch, mergePatch, strategicMergePatch, type Json, type JsonObject } from './patch.js';
import { type FieldRequirement, matchFields, matchLabels, parseFieldSelector, parseLabelSelector, labelSelectorFromObject, labelSelectorString } from './selectors.js';
import { apply as ssaApply, recordUpdate, type ListKeys } from './managed.js';
import type { UserInfo } from './authz.js';

export interface RequestContext {
  /** Manager recorded in managedFields (fieldManager query parameter, or derived from the User-Agent). */
  fieldManager?: string;
  userAgent?: string;
  dryRun?: boolean;
  /** fieldValidation: Strict answers 400 on unknown fields; Warn (default) adds Warning headers; Ignore drops them. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  warnings?: string[];
  /** The authenticated user (for admission). */
  user?: UserInfo;
  /** Authorizes the `create` that an apply patch or a PUT of a missing object turns into (the apiserver's patch
   * and update handlers check it besides the request's own verb); throws the 403. */
  authorizeCreate?: (def: ResourceDef, ns: string | undefined, name: string) => void;
  /** Admission plugins (mutating, then validating) for creates and updates of the main resource or a
   * subresource; throw an ApiError to refuse the write. */
  admit?: (op: 'create' | 'update', def: ResourceDef, obj: KObject, old: KObject | undefined, sub: Subresource) => void;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export interface WriteResult {
  code: number;
  body: unknown;
}

export type Subresource = 'status' | undefined;

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** Conditions and similar lists merge by key for SSA on built-ins; CRDs declare it in the schema. */
function builtinListKeys(_path: string[], fieldName: string, items: Json[]): string[] | undefined {
  switch (fieldName) {
    case 'containers':
    case 'initContainers':
    case 'env':
    case 'volumes':
    case 'containerStatuses':
    case 'imagePullSecrets':
      return ['name'];
    case 'conditions':
      return ['type'];
    case 'ownerReferences':
      return ['uid'];
    case 'volumeMounts':
      return ['mountPath'];
    case 'ports': {
      const first = items.find(isObject);
      if (!first) return undefined;
      return 'containerPort' in first ? ['containerPort', 'protocol'] : ['port', 'protocol'];
    }
    default:
      return undefined;
  }
}

/** List keys from a CRD schema (x-kubernetes-list-type: map + x-kubernetes-list-map-keys). */
function schemaListKeys(schema: Record<string, any>): ListKeys { // eslint-disable-line @typescript-eslint/no-explicit-any
  return (path) => {
    let s: Record<string, any> | undefined = schema; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const seg of path) {
      if (!s) return undefined;
      if (seg.startsWith('f:')) s = s.properties?.[seg.slice(2)] ?? (isObject(s.additionalProperties) ? s.additionalProperties : undefined);
      else if (seg.startsWith('k:')) s = s.items;
    }
    if (s?.['x-kubernetes-list-type'] === 'map') return s['x-kubernetes-list-map-keys'] as string[];
    if (path[0] === 'f:metadata') return builtinListKeys(path, path[path.length - 1]!.slice(2), []);
    return undefined;
  };
}

function managerFromUserAgent(ua: string | undefined): string {
  const m = (ua ?? '').split('/')[0]!.trim();
  return (m || 'unknown').slice(0, 128);
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  const ct = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (raw.trim() === '') throw badRequest('the request body is empty');
  try {
    if (ct === 'application/yaml' || ct === 'application/apply-patch+yaml') {
      // Apply configurations are mostly sent as JSON (client-node, controller-runtime), which is YAML too: the same
      // value, parsed 60–80× faster (the operator's StatefulSet: 550 vs 7 µs; YAML parsing was a third of this
      // emulator's CPU in bench/operator).
      // A body that only starts like JSON (a flow mapping such as `{a: 1}`) fails here and is parsed as YAML.
      if (raw.trimStart().startsWith('{')) {
        try {
          return JSON.parse(raw);
        } catch {
          /* not JSON: YAML below */
        }
      }
      return YAML.parse(raw);
    }
    return JSON.parse(raw);
  } catch (err) {
    throw badRequest(`error decoding ${ct === 'application/yaml' ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
}

export function decodeBody(raw: string, contentType: string | undefined): unknown {
  const ct = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (!['application/json', 'application/yaml', '', '*/*'].includes(ct)) throw unsupportedMediaType(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/cbor']);
  return parseBody(raw, ct);
}

export class ApiCore {
  /** Set by the server to look up the CRD schema of a custom resource (for SSA list keys). */
  crdSchema: (def: ResourceDef) => Record<string, unknown> | undefined = () => undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Test hook: watch caches frozen at a snapshot (per store key), as a lagging API server instance's cache is;
   * lists served from the cache answer from it. */
  readonly frozenCaches = new Map<string, { rv: number; objects: KObject[] }>();
  /** Hook run after a namespace or CRD is deleted / created so controllers can react at once. */
  constructor(
    readonly store: Store,
    readonly registry: Registry,
  ) {}

  gr(def: ResourceDef) {
    return { group: def.group, resource: def.resource };
  }
  gk(def: ResourceDef) {
    return { group: def.group, kind: def.kind };
  }

  /** Stored form -> the form served at `def`'s version, with apiVersion and kind. */
  external(def: ResourceDef, stored: KObject): KObject {
    const o = def.fromStorage ? def.fromStorage(clone(stored)) : clone(stored);
    o.apiVersion = def.group ? `${def.group}/${def.version}` : def.version;
    o.kind = def.kind;
    return orderKeys(o);
  }

  private toStored(def: ResourceDef, o: KObject): KObject {
    const s = def.toStorage ? def.toStorage(clone(o)) : clone(o);
    s.apiVersion = def.storageVersion;
    s.kind = def.toStorage && def.group === 'events.k8s.io' ? 'Event' : def.kind;
    return s;
  }

  private listKeys(def: ResourceDef): ListKeys {
    if (def.custom) {
      const schema = this.crdSchema(def);
      if (schema) return schemaListKeys(schema);
    }
    return builtinListKeys;
  }

  // ---- reads -------------------------------------------------------------------------------------------

  get(def: ResourceDef, ns: string | undefined, name: string): KObject {
    const o = this.store.get(def.storeKey, def.namespaced ? ns : undefined, name);
    if (!o) throw notFound(this.gr(def), name);
    return this.external(def, o);
  }

  fieldFilter(def: ResourceDef, sel: string | undefined): FieldRequirement[] {
    const reqs = parseFieldSelector(sel);
    const sample = def.fieldLabels({ metadata: { name: '', namespace: '' } } as KObject);
    for (const r of reqs) {
      if (!(r.field in sample)) {
        if (def.custom) {
          throw badRequest(`"${r.field}" is not a known field selector: only ${Object.keys(sample).map((k) => `"${k}"`).join(', ')}`);
        }
        throw badRequest(`field label not supported: ${r.field}`);
      }
    }
    return reqs;
  }

  /** A predicate for list/watch filtering. */
  matcher(def: ResourceDef, opts: { labelSelector?: string; fieldSelector?: string }, ns: string | undefined): (o: KObject) => boolean {
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = this.fieldFilter(def, opts.fieldSelector);
    return (o) => (ns === undefined || o.metadata.namespace === ns) && matchLabels(labels, o.metadata.labels) && matchFields(fields, def.fieldLabels(o));
  }

  /** Freezes the watch cache of a store key at its current state; the returned function thaws it. */
  freezeCache(storeKey: string): () => void {
    const snap = { rv: this.store.currentRV, objects: this.store.list(storeKey).map((o) => clone(o)) };
    this.frozenCaches.set(storeKey, snap);
    return () => {
      if (this.frozenCaches.get(storeKey) === snap) this.frozenCaches.delete(storeKey);
    };
  }

  list(def: ResourceDef, ns: string | undefined, opts: ListOptions): KObject {
    const match = this.matcher(def, opts, def.namespaced ? ns : undefined);
    const current = this.store.currentRV;
    let rv = current;
    let source: KObject[];
    let start = '';
    let limit = opts.limit && opts.limit > 0 ? opts.limit : undefined;
    if (opts.continue) {
      let tok: { v?: string; rv?: number; start?: string };
      try {
        tok = JSON.parse(Buffer.from(opts.continue, 'base64url').toString('utf8'));
      } catch {
        throw badRequest('continue key is not valid: illegal base64 data at input byte 0');
      }
      if (tok.v !== 'meta.k8s.io/v1' || typeof tok.rv !== 'number' || typeof tok.start !== 'string') throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
      // "0" is tolerated with a continue token (the storage layer ignores it), any other version is refused.
      if (opts.resourceVersion && opts.resourceVersion !== '0') throw badRequest('specifying resource version is not allowed when using continue');
      const snap = this.store.snapshotAt(def.storeKey, tok.rv);
      if (!snap) {
        throw expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      rv = tok.rv;
      start = tok.start;
      source = sortByKey(snap);
    } else if (opts.resourceVersionMatch === 'Exact' && opts.resourceVersion) {
      const want = Number(opts.resourceVersion);
      if (!Number.isInteger(want)) throw badRequest(`invalid resource version: ${opts.resourceVersion}`);
      if (want > current) throw tooLargeRV(want, current);
      const snap = this.store.snapshotAt(def.storeKey, want);
      if (!snap) throw expired(`too old resource version: ${want} (${this.store.floor(def.storeKey)})`);
      rv = want;
      source = sortByKey(snap);
    } else {
      if (opts.resourceVersionMatch && !['NotOlderThan', 'Exact'].includes(opts.resourceVersionMatch)) {
        throw invalidError({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [notSupported('resourceVersionMatch', opts.resourceVersionMatch, ['Exact', 'NotOlderThan', ''])]);
      }
      if (opts.resourceVersionMatch && !opts.resourceVersion) {
        throw invalidError({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided')]);
      }
      let want: number | undefined;
      if (opts.resourceVersion && opts.resourceVersion !== '0') {
        want = Number(opts.resourceVersion);
        if (!Number.isInteger(want)) throw badRequest(`invalid resource version: ${opts.resourceVersion}`);
        if (want > current) throw tooLargeRV(want, current);
      }
      const from = listSource(opts, limit, want);
      if (from === 'exact') {
        // Legacy: a limit with a non-zero resourceVersion and no resourceVersionMatch means Exact (from etcd).
        const snap = this.store.snapshotAt(def.storeKey, want!);
        if (!snap) throw expired(`too old resource version: ${want} (${this.store.floor(def.storeKey)})`);
        rv = want!;
        source = sortByKey(snap);
      } else if (from === 'cache') {
        // The watch cache: any version not older than asked ("0" = any). For "0" it ignores limit (the cacher's
        // computeListLimit; before 1.31 it never paginated at all): the whole list, no continue token.
        const frozen = this.frozenCaches.get(def.storeKey);
        if (frozen && want !== undefined && want > frozen.rv) throw tooLargeRV(want, frozen.rv);
        rv = frozen ? frozen.rv : current;
        source = frozen ? frozen.objects : this.store.list(def.storeKey);
        if (opts.resourceVersion === '0') limit = undefined;
      } else {
        // No resourceVersion: the most recent state, a consistent read (etcd), paginated by limit.
        source = this.store.list(def.storeKey);
      }
    }
    const items: KObject[] = [];
    let remaining = 0;
    let next: string | undefined;
    for (const o of source) {
      const key = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      if (start && key <= start) continue;
      if (!match(o)) continue;
      if (limit !== undefined && items.length >= limit) {
        remaining++;
        continue;
      }
      items.push(o);
      next = key;
    }
    const meta: Record<string, unknown> = { resourceVersion: String(rv) };
    if (limit !== undefined && remaining > 0 && next) {
      meta.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: next })).toString('base64url');
      if (!opts.labelSelector && !opts.fieldSelector) meta.remainingItemCount = remaining;
    }
    return {
      kind: def.listKind,
      apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
      metadata: meta as KObject['metadata'],
      items: items.map((o) => {
        const e = this.external(def, o);
        if (!def.custom) {
          delete e.apiVersion;
          delete e.kind;
        }
        return e;
      }),
    };
  }

  // ---- create ------------------------------------------------------------------------------------------

  private checkNamespace(def: ResourceDef, ns: string | undefined, name: string): void {
    if (!def.namespaced) return;
    if (!ns) throw badRequest('the server could not find the requested resource');
    const nsObj = this.store.get('/namespaces', undefined, ns);
    if (!nsObj) throw notFound({ group: '', resource: 'namespaces' }, ns);
    if (nsObj.metadata.deletionTimestamp || (nsObj.status as JsonObject | undefined)?.phase === 'Terminating') {
      const e = forbiddenError(this.gr(def), name, `unable to create new content in namespace ${ns} because it is being terminated`);
      e.status.details!.causes = [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }];
      throw e;
    }
  }

  private validateName(def: ResourceDef, name: string): FieldError[] {
    if (def.nameValidation === 'label') return validateDNS1123Label('metadata.name', name);
    if (def.nameValidation === 'path') return validatePathSegmentName('metadata.name', name);
    return validateDNS1123Subdomain('metadata.name', name);
  }

  private checkTypeMeta(def: ResourceDef, body: KObject, raw: unknown): void {
    if (def.custom) {
      if (!body.kind) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(raw)}'`);
      if (!body.apiVersion) throw badRequest(`Object 'apiVersion' is missing in '${JSON.stringify(raw)}'`);
    }
    const want = def.group ? `${def.group}/${def.version}` : def.version;
    if (body.apiVersion && body.apiVersion !== want) {
      const other = this.registry.byKind(String(body.apiVersion), String(body.kind ?? def.kind));
      // Another version of the same kind converts (conversion None); anything else is refused.
      if (!other || other.storeKey !== def.storeKey) throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${want})`);
    }
    if (body.kind && body.kind !== def.kind) throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${def.kind})`);
  }

  private asObject(body: unknown): KObject {
    if (!isObject(body)) throw badRequest('the request body is not a JSON object');
    const o = clone(body) as KObject;
    if (o.metadata === undefined || o.metadata === null) o.metadata = {};
    if (!isObject(o.metadata)) throw badRequest('metadata must be an object');
    return o;
  }

  /** Type decoding, pruning (CRs), defaulting; collects unknown-field warnings per fieldValidation. */
  private normalize(def: ResourceDef, o: KObject, ctx: RequestContext): void {
    def.decode?.(o);
    if (def.prune) {
      const unknown = def.prune(o as unknown as JsonObject);
      if (unknown.length) {
        const fv = ctx.fieldValidation ?? 'Warn';
        if (fv === 'Strict') throw badRequest(`strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`);
        if (fv === 'Warn') for (const u of unknown) (ctx.warnings ??= []).push(`unknown field "${u}"`);
      }
    }
    def.applyDefaults?.(o);
  }

  private validateMeta(def: ResourceDef, o: KObject): FieldError[] {
    const errs = [...validateLabelsAndAnnotations(o.metadata), ...validateOwnerReferences(o.metadata), ...validateFinalizers(o.metadata)];
    if (def.namespaced) {
      for (const r of o.metadata.ownerReferences ?? []) {
        const od = this.registry.byKind(r.apiVersion, r.kind);
        void od;
      }
    }
    return errs;
  }

  create(def: ResourceDef, ns: string | undefined, raw: unknown, ctx: RequestContext, opts: { managedFields?: Json } = {}): WriteResult {
    const o = this.asObject(raw);
    delete o.metadata.managedFields;
    this.checkTypeMeta(def, o, raw);
    if (def.namespaced) {
      if (o.metadata.namespace && ns && o.metadata.namespace !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      o.metadata.namespace = ns;
    } else delete o.metadata.namespace;
    if (o.metadata.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    if (!o.metadata.name) {
      if (o.metadata.generateName) o.metadata.name = generateName(o.metadata.generateName);
      else throw invalidError(this.gk(def), '', [required('metadata.name', 'name or generateName is required')]);
    }
    const name = o.metadata.name!;
    this.checkNamespace(def, ns, name);
    this.normalize(def, o, ctx);
    if (def.custom) o.apiVersion = `${def.group}/${def.version}`;
    // System fields are the server's to set.
    o.metadata.uid = newUid();
    o.metadata.creationTimestamp = nowTime();
    delete o.metadata.deletionTimestamp;
    delete o.metadata.deletionGracePeriodSeconds;
    delete o.metadata.selfLink;
    if (def.generation) o.metadata.generation = 1;
    else delete o.metadata.generation;
    def.prepareForCreate?.(o);
    ctx.admit?.('create', def, o, undefined, undefined);
    const errs = [...this.validateName(def, name), ...this.validateMeta(def, o), ...(def.validate?.(o) ?? [])];
    if (errs.length) throw invalidError(this.gk(def), name, errs);
    if (this.store.get(def.storeKey, o.metadata.namespace, name)) throw alreadyExists(this.gr(def), name);
    if (opts.managedFields !== undefined) o.metadata.managedFields = opts.managedFields as never;
    else recordUpdate(undefined, o as unknown as JsonObject, ctx.fieldManager ?? managerFromUserAgent(ctx.userAgent), String(o.apiVersion ?? (def.group ? `${def.group}/${def.version}` : def.version)), this.listKeys(def));
    if (ctx.dryRun) return { code: 201, body: this.external(def, this.toStored(def, o)) };
    const stored = this.store.put(def.storeKey, this.toStored(def, o));
    return { code: 201, body: this.external(def, stored) };
  }

  // ---- update ------------------------------------------------------------------------------------------

  update(def: ResourceDef, ns: string | undefined, name: string, raw: unknown, ctx: RequestContext, sub: Subresource, opts: { fromPatch?: boolean } = {}): WriteResult {
    const o = this.asObject(raw);
    this.checkTypeMeta(def, o, raw);
    if (o.metadata.name !== undefined && o.metadata.name !== name) throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
    o.metadata.name = name;
    if (def.namespaced) {
      if (o.metadata.namespace && o.metadata.namespace !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      o.metadata.namespace = ns;
    } else delete o.metadata.namespace;
    const oldStored = this.store.get(def.storeKey, def.namespaced ? ns : undefined, name);
    if (!oldStored) {
      if (def.allowCreateOnUpdate && !sub) {
        ctx.authorizeCreate?.(def, ns, name);
        const copy = clone(o);
        delete copy.metadata.resourceVersion;
        return this.create(def, ns, copy, ctx);
      }
      throw notFound(this.gr(def), name);
    }
    const old = this.external(def, oldStored);
    const rv = o.metadata.resourceVersion;
    if (!rv) {
      if (!def.allowUnconditionalUpdate && !opts.fromPatch) {
        throw invalidError(this.gk(def), name, [{ ...invalid('metadata.resourceVersion', 0, 'must be specified for an update'), rendered: '0x0' }]);
      }
    } else if (rv !== old.metadata.resourceVersion) {
      throw staleConflict(this.gr(def), name);
    }
    if (o.metadata.uid && o.metadata.uid !== old.metadata.uid) {
      throw conflict(this.gr(def), name, `Precondition failed: UID in precondition: ${o.metadata.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    this.normalize(def, o, ctx);
    if (def.custom) o.apiVersion = `${def.group}/${def.version}`;
    let next: KObject;
    if (sub === 'status') {
      next = def.prepareForStatusUpdate ? def.prepareForStatusUpdate(o, old) : o;
    } else {
      next = o;
      def.prepareForUpdate?.(next, old);
    }
    // Fields only the server sets.
    next.metadata.uid = old.metadata.uid;
    next.metadata.creationTimestamp = old.metadata.creationTimestamp;
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (old.metadata.deletionTimestamp) next.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
    else delete next.metadata.deletionTimestamp;
    if (old.metadata.deletionGracePeriodSeconds !== undefined) next.metadata.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    else delete next.metadata.deletionGracePeriodSeconds;
    if (old.metadata.generation !== undefined) next.metadata.generation = old.metadata.generation;
    else delete next.metadata.generation;
    if (old.metadata.managedFields) next.metadata.managedFields = clone(old.metadata.managedFields);
    else delete next.metadata.managedFields;
    if (def.generation && sub !== 'status' && specChanged(def, old, next)) next.metadata.generation = (old.metadata.generation ?? 0) + 1;

    const errs: FieldError[] = [...this.validateMeta(def, next)];
    if (old.metadata.deletionTimestamp) {
      const added = (next.metadata.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
      if (added.length) errs.push(forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`));
    }
    if (sub === 'status') errs.push(...(def.validateStatusUpdate?.(next, old) ?? []));
    else errs.push(...(def.validateUpdate ? def.validateUpdate(next, old) : (def.validate?.(next) ?? [])));
    if (errs.length) throw invalidError(this.gk(def), name, errs);
    ctx.admit?.('update', def, next, old, sub);

    return this.commitUpdate(def, old, next, ctx, sub);
  }

  private commitUpdate(def: ResourceDef, old: KObject, next: KObject, ctx: RequestContext, sub: Subresource, managedDone = false): WriteResult {
    const cmp = (x: KObject) => {
      const c = clone(x);
      delete c.metadata.managedFields;
      delete c.metadata.resourceVersion;
      return c;
    };
    // A write that changes nothing is not persisted: no new resourceVersion, no watch event.
    if (deepEqual(cmp(old), cmp(next))) return { code: 200, body: old };
    if (!managedDone) {
      recordUpdate(old as unknown as JsonObject, next as unknown as JsonObject, ctx.fieldManager ?? managerFromUserAgent(ctx.userAgent), String(next.apiVersion), this.listKeys(def), sub);
    }
    const ns = next.metadata.namespace;
    // Removing the last finalizer of an object whose deletion is due deletes it.
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && (next.metadata.deletionGracePeriodSeconds ?? 0) === 0 && !this.pendingSpecFinalizers(def, next)) {
      if (ctx.dryRun) return { code: 200, body: next };
      const gone = this.store.remove(def.storeKey, next);
      return { code: 200, body: gone ? this.external(def, { ...gone, ...this.toStored(def, next), metadata: { ...next.metadata, resourceVersion: gone.metadata.resourceVersion } }) : next };
    }
    if (ctx.dryRun) return { code: 200, body: next };
    void ns;
    const stored = this.store.put(def.storeKey, this.toStored(def, next));
    return { code: 200, body: this.external(def, stored) };
  }

  /** Namespaces keep existing while spec.finalizers (the namespace controller's "kubernetes") remain. */
  private pendingSpecFinalizers(def: ResourceDef, o: KObject): boolean {
    return def.storeKey === '/namespaces' && ((o.spec as JsonObject | undefined)?.finalizers as string[] | undefined)?.length !== 0 && (o.spec as JsonObject | undefined)?.finalizers !== undefined;
  }

  // ---- patch -------------------------------------------------------------------------------------------

  patch(def: ResourceDef, ns: string | undefined, name: string, rawBody: string, contentType: string | undefined, ctx: RequestContext & { force?: boolean }, sub: Subresource): WriteResult {
    const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const accepted = def.custom ? PATCH_TYPES.filter((t) => !t.startsWith('application/strategic')) : PATCH_TYPES;
    if (!accepted.includes(ct)) throw unsupportedMediaType(accepted);
    const isApply = ct === 'application/apply-patch+yaml';
    if (ctx.force !== undefined && !isApply) throw invalidError({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [forbidden('force', 'may not be specified for non-apply patch')]);
    if (isApply && !ctx.fieldManager) throw invalidError({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [required('fieldManager', 'is required for apply patch')]);
    const oldStored = this.store.get(def.storeKey, def.namespaced ? ns : undefined, name);

    if (isApply) return this.applyPatch(def, ns, name, rawBody, ctx, sub, oldStored);
    if (!oldStored) throw notFound(this.gr(def), name);
    const old = this.external(def, oldStored);
    let patched: Json | undefined;
    if (ct === 'application/json-patch+json') patched = jsonPatch(old as unknown as Json, rawBody);
    else {
      const p = parseBody(rawBody, 'application/json');
      if (!isObject(p)) throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
      patched = ct === 'application/merge-patch+json' ? mergePatch(old as unknown as Json, p as Json) : strategicMergePatch(old as unknown as Json, p as Json);
    }
    if (!isObject(patched)) throw badRequest('the patched object is not an object');
    const obj = patched as unknown as KObject;
    if (!isObject(obj.metadata)) obj.metadata = {};
    // A patch that does not set resourceVersion is applied to the current object (no conflict possible).
    if (obj.metadata.resourceVersion === undefined || obj.metadata.resourceVersion === '') obj.metadata.resourceVersion = old.metadata.resourceVersion;
    if (obj.metadata.name === undefined) obj.metadata.name = name;
    if (obj.metadata.name !== name) throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    return this.update(def, ns, name, obj, ctx, sub, { fromPatch: true });
  }

  private applyPatch(def: ResourceDef, ns: string | undefined, name: string, rawBody: string, ctx: RequestContext & { force?: boolean }, sub: Subresource, oldStored: KObject | undefined): WriteResult {
    const cfg = parseBody(rawBody, 'application/apply-patch+yaml');
    if (!isObject(cfg)) throw badRequest('error decoding YAML: the apply configuration is not an object');
    const c = cfg as JsonObject;
    if (!c.apiVersion || !c.kind) throw badRequest(`invalid object type: ${c.apiVersion ?? ''}, Kind=${c.kind ?? ''}`);
    this.checkTypeMeta(def, c as unknown as KObject, cfg);
    const meta = (isObject(c.metadata) ? c.metadata : (c.metadata = {})) as JsonObject;
    if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    meta.name = name;
    if (def.namespaced) {
      if (meta.namespace && meta.namespace !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = ns!;
    }
    const apiVersion = def.group ? `${def.group}/${def.version}` : def.version;
    if (!oldStored) {
      if (sub) throw notFound(this.gr(def), name);
      ctx.authorizeCreate?.(def, ns, name);
      const merged = ssaApply(undefined, c, ctx.fieldManager!, apiVersion, !!ctx.force, this.listKeys(def), undefined, !!def.status);
      const managed = (merged.metadata as JsonObject).managedFields;
      return this.create(def, ns, merged, ctx, { managedFields: managed });
    }
    const old = this.external(def, oldStored);
    if (meta.resourceVersion && meta.resourceVersion !== old.metadata.resourceVersion) throw staleConflict(this.gr(def), name);
    const merged = ssaApply(old as unknown as JsonObject, c, ctx.fieldManager!, apiVersion, !!ctx.force, this.listKeys(def), sub, !!def.status);
    const m = merged as unknown as KObject;
    m.metadata.resourceVersion = old.metadata.resourceVersion;
    const managed = m.metadata.managedFields;
    // Run the normal update pipeline, then keep the managedFields apply computed.
    const o = clone(m);
    this.checkTypeMeta(def, o, merged);
    this.normalize(def, o, ctx);
    if (def.custom) o.apiVersion = apiVersion;
    let next: KObject;
    if (sub === 'status') next = def.prepareForStatusUpdate ? def.prepareForStatusUpdate(o, old) : o;
    else {
      next = o;
      def.prepareForUpdate?.(next, old);
    }
    for (const k of ['uid', 'creationTimestamp', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      if (old.metadata[k] !== undefined) (next.metadata as Record<string, unknown>)[k] = old.metadata[k];
      else delete next.metadata[k];
    }
    next.metadata.managedFields = managed;
    if (def.generation && sub !== 'status' && specChanged(def, old, next)) next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    const errs: FieldError[] = [...this.validateMeta(def, next), ...(sub === 'status' ? (def.validateStatusUpdate?.(next, old) ?? []) : def.validateUpdate ? def.validateUpdate(next, old) : (def.validate?.(next) ?? []))];
    if (errs.length) throw invalidError(this.gk(def), name, errs);
    const cmp = (x: KObject) => {
      const cc = clone(x);
      delete cc.metadata.resourceVersion;
      for (const e of (cc.metadata.managedFields ?? []) as JsonObject[]) delete e.time;
      return cc;
    };
    if (deepEqual(cmp(old), cmp(next))) return { code: 200, body: old };
    ctx.admit?.('update', def, next, old, sub);
    return this.commitUpdate(def, old, next, ctx, sub, true);
  }

  // ---- delete ------------------------------------------------------------------------------------------

  delete(def: ResourceDef, ns: string | undefined, name: string, options: DeleteOptions, ctx: RequestContext): WriteResult {
    const stored = this.store.get(def.storeKey, def.namespaced ? ns : undefined, name);
    if (!stored) throw notFound(this.gr(def), name);
    const obj = this.external(def, stored);
    const pre = options.preconditions ?? {};
    if (pre.uid && pre.uid !== obj.metadata.uid) throw conflict(this.gr(def), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`);
    if (pre.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
      throw conflict(this.gr(def), name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`);
    }
    const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : options.orphanDependents === false ? 'Background' : undefined);
    if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw invalidError({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [notSupported('propagationPolicy', policy, ['Foreground', 'Background', 'Orphan', 'nil'])]);
    }
    if (options.gracePeriodSeconds !== undefined && options.gracePeriodSeconds < 0) options.gracePeriodSeconds = 1;
    if (def.storeKey === '/namespaces' && PROTECTED_NAMESPACES.has(name)) throw forbiddenError(this.gr(def), name, 'this namespace may not be deleted');

    const next = clone(obj);
    const fins = new Set(next.metadata.finalizers ?? []);
    if (policy === 'Orphan') {
      fins.add('orphan');
      fins.delete('foregroundDeletion');
    } else if (policy === 'Foreground') {
      fins.add('foregroundDeletion');
      fins.delete('orphan');
    } else if (policy === 'Background') {
      fins.delete('orphan');
      fins.delete('foregroundDeletion');
    }
    if (def.crdName === undefined && def.storeKey === 'apiextensions.k8s.io/customresourcedefinitions') fins.add('customresourcecleanup.apiextensions.k8s.io');
    if (fins.size) next.metadata.finalizers = [...fins];
    else delete next.metadata.finalizers;

    let grace = def.gracefulDelete ? def.gracefulDelete(obj, options.gracePeriodSeconds) : 0;
    const nsPending = def.storeKey === '/namespaces';
    if (obj.metadata.deletionTimestamp) {
      // Already being deleted: only a shorter grace period (or finalizer changes) changes anything.
      const cur = obj.metadata.deletionGracePeriodSeconds ?? 0;
      if (def.gracefulDelete && options.gracePeriodSeconds !== undefined && options.gracePeriodSeconds < cur) {
        grace = options.gracePeriodSeconds;
        next.metadata.deletionGracePeriodSeconds = grace;
        next.metadata.deletionTimestamp = nowTime(Date.now() + grace * 1000);
      } else grace = cur;
      if (grace === 0 && fins.size === 0 && !(nsPending && this.pendingSpecFinalizers(def, next))) return this.removeNow(def, next, ctx);
      if (deepEqual(next, obj)) return { code: 200, body: obj };
      if (ctx.dryRun) return { code: 200, body: next };
      return { code: 200, body: this.external(def, this.store.put(def.storeKey, this.toStored(def, next))) };
    }
    if (grace > 0 || fins.size > 0 || nsPending) {
      next.metadata.deletionTimestamp = nowTime(Date.now() + grace * 1000);
      next.metadata.deletionGracePeriodSeconds = grace;
      if ((next.metadata.generation ?? 0) > 0) next.metadata.generation = next.metadata.generation! + 1;
      if (nsPending) next.status = { ...((next.status as JsonObject | undefined) ?? {}), phase: 'Terminating' };
      if (def.storeKey === 'apiextensions.k8s.io/customresourcedefinitions') setCondition(next, 'Terminating', 'True', 'InstanceDeletionPending', 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon');
      if (ctx.dryRun) return { code: 200, body: next };
      return { code: 200, body: this.external(def, this.store.put(def.storeKey, this.toStored(def, next))) };
    }
    return this.removeNow(def, obj, ctx);
  }

  private removeNow(def: ResourceDef, obj: KObject, ctx: RequestContext): WriteResult {
    const gone = ctx.dryRun ? obj : this.store.remove(def.storeKey, obj);
    if (!gone) throw notFound(this.gr(def), obj.metadata.name!);
    if (def.returnDeletedObject) return { code: 200, body: ctx.dryRun ? obj : this.external(def, gone) };
    const details: Record<string, string> = { name: obj.metadata.name!, kind: def.resource, uid: obj.metadata.uid! };
    if (def.group) details.group = def.group;
    return { code: 200, body: successStatus(details) };
  }

  deleteCollection(def: ResourceDef, ns: string | undefined, listOpts: ListOptions, options: DeleteOptions, ctx: RequestContext): KObject {
    const list = this.list(def, ns, { labelSelector: listOpts.labelSelector, fieldSelector: listOpts.fieldSelector });
    const items: KObject[] = [];
    for (const item of list.items as KObject[]) {
      try {
        const r = this.delete(def, item.metadata.namespace, item.metadata.name!, { ...options, preconditions: undefined }, ctx);
        if (isObject(r.body) && (r.body as KObject).metadata?.name) items.push(r.body as KObject);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    return { ...list, items: items.map((i) => ({ ...i })) };
  }

  // ---- subresources ------------------------------------------------------------------------------------

  /** GET …/scale: autoscaling/v1 Scale for a resource with a scale subresource. */
  getScale(def: ResourceDef, ns: string | undefined, name: string): KObject {
    const o = this.get(def, ns, name);
    return this.toScale(def, o);
  }

  toScale(def: ResourceDef, o: KObject): KObject {
    const sc = def.scale!;
    let selector: string | undefined;
    if (def.custom) {
      const s = sc.labelSelectorPath ? getPath(o, sc.labelSelectorPath) : undefined;
      selector = typeof s === 'string' ? s : undefined;
    } else {
      const sel = labelSelectorFromObject(getPath(o, '.spec.selector') as never);
      selector = sel ? labelSelectorString(sel) : undefined;
    }
    const status: Record<string, unknown> = { replicas: Number(getPath(o, sc.statusReplicasPath) ?? 0) };
    if (selector !== undefined) status.selector = selector;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
      spec: { replicas: Number(getPath(o, sc.specReplicasPath) ?? 0) },
      status,
    };
  }

  /** PUT/PATCH …/scale: the Scale's spec.replicas lands in the object's specReplicasPath. */
  updateScale(def: ResourceDef, ns: string | undefined, name: string, scaleBody: unknown, ctx: RequestContext): WriteResult {
    const s = this.asObject(scaleBody);
    const cur = this.get(def, ns, name);
    const replicas = (s.spec as JsonObject | undefined)?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalidError({ group: 'autoscaling', kind: 'Scale' }, name, [invalid('spec.replicas', replicas ?? null, 'must be greater than or equal to 0')]);
    }
    if (s.metadata.resourceVersion && s.metadata.resourceVersion !== cur.metadata.resourceVersion) throw staleConflict(this.gr(def), name);
    const next = clone(cur);
    setPath(next as unknown as Record<string, unknown>, def.scale!.specReplicasPath, replicas);
    const r = this.update(def, ns, name, next, ctx, undefined, { fromPatch: true });
    return { code: r.code, body: this.toScale(def, r.body as KObject) };
  }

  patchScale(def: ResourceDef, ns: string | undefined, name: string, rawBody: string, contentType: string | undefined, ctx: RequestContext): WriteResult {
    const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const accepted = PATCH_TYPES.filter((t) => t !== 'application/apply-patch+yaml' || true);
    if (!accepted.includes(ct)) throw unsupportedMediaType(accepted);
    const cur = this.getScale(def, ns, name);
    let patched: Json | undefined;
    if (ct === 'application/json-patch+json') patched = jsonPatch(cur as unknown as Json, rawBody);
    else {
      const p = parseBody(rawBody, ct === 'application/apply-patch+yaml' ? ct : 'application/json');
      patched = ct === 'application/strategic-merge-patch+json' ? strategicMergePatch(cur as unknown as Json, p as Json) : mergePatch(cur as unknown as Json, p as Json);
    }
    return this.updateScale(def, ns, name, patched, ctx);
  }

  /** POST pods/<name>/binding: sets spec.nodeName once (409 when already bound) and PodScheduled=True. */
  bind(def: ResourceDef, ns: string | undefined, name: string, raw: unknown, ctx: RequestContext): WriteResult {
    const b = this.asObject(raw);
    const target = (b.target ?? {}) as JsonObject;
    if (b.metadata.name && b.metadata.name !== name) throw badRequest(`the name of the object (${b.metadata.name}) does not match the name on the URL (${name})`);
    if (!target.name) throw invalidError({ group: '', kind: 'Binding' }, name, [required('target.name', '')]);
    if (target.kind && target.kind !== 'Node') throw invalidError({ group: '', kind: 'Binding' }, name, [notSupported('target.kind', target.kind, ['Node', '<empty>'])]);
    const stored = this.store.get(def.storeKey, ns, name);
    if (!stored) throw notFound(this.gr(def), name);
    const pod = this.external(def, stored);
    if (b.metadata.uid && b.metadata.uid !== pod.metadata.uid) throw conflict(this.gr(def), name, `Precondition failed: UID in precondition: ${b.metadata.uid}, UID in object meta: ${pod.metadata.uid}`);
    if (b.metadata.resourceVersion && b.metadata.resourceVersion !== pod.metadata.resourceVersion) throw staleConflict(this.gr(def), name);
    if (pod.metadata.deletionTimestamp) throw conflict(this.gr(def), name, 'pod is being deleted, cannot be assigned to a host');
    const spec = pod.spec as JsonObject;
    if (spec.nodeName) throw conflict(this.gr(def), name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    const next = clone(pod);
    (next.spec as JsonObject).nodeName = target.name as string;
    // Annotations on the Binding are copied to the pod (assignPod).
    if (b.metadata.annotations) next.metadata.annotations = { ...(next.metadata.annotations ?? {}), ...b.metadata.annotations };
    setCondition(next, 'PodScheduled', 'True', undefined, undefined);
    recordUpdate(pod as unknown as JsonObject, next as unknown as JsonObject, ctx.fieldManager ?? managerFromUserAgent(ctx.userAgent), 'v1', builtinListKeys);
    if (!ctx.dryRun) this.store.put(def.storeKey, this.toStored(def, next));
    return { code: 201, body: successStatus({}) };
  }

  /** PUT namespaces/<name>/finalize: only spec.finalizers changes. */
  finalizeNamespace(def: ResourceDef, name: string, raw: unknown, ctx: RequestContext): WriteResult {
    const o = this.asObject(raw);
    const stored = this.store.get(def.storeKey, undefined, name);
    if (!stored) throw notFound(this.gr(def), name);
    const old = this.external(def, stored);
    if (o.metadata.resourceVersion && o.metadata.resourceVersion !== old.metadata.resourceVersion) throw staleConflict(this.gr(def), name);
    const next = clone(old);
    next.spec = { ...((old.spec as JsonObject | undefined) ?? {}), finalizers: ((o.spec as JsonObject | undefined)?.finalizers as Json) ?? [] };
    if (((next.spec as JsonObject).finalizers as string[]).length === 0) delete (next.spec as JsonObject).finalizers;
    return this.commitUpdate(def, old, next, ctx, undefined);
  }

  /** Writes used by the in-process controllers (GC, namespace lifecycle, CRD status): no preconditions. */
  internalUpdate(def: ResourceDef, next: KObject, manager: string, sub?: Subresource): void {
    const stored = this.store.get(def.storeKey, next.metadata.namespace, next.metadata.name!);
    if (!stored) return;
    const old = this.external(def, stored);
    const n = clone(next);
    n.metadata.resourceVersion = old.metadata.resourceVersion;
    this.commitUpdate(def, old, n, { fieldManager: manager }, sub);
  }

  onEvent(fn: (resource: string, ev: StoredEvent) => void): () => void {
    return this.store.subscribeAll(fn);
  }
}

/** Where a list without continue token and without resourceVersionMatch=Exact is served from, as the API server's
 * cacher decides (shouldDelegateList; api-concepts "Semantics for get and list"): no resourceVersion = the most
 * recent state (a consistent read); a limit with a non-zero resourceVersion and no match = legacy Exact; any other
 * resourceVersion ("0", or NotOlderThan) = the watch cache. */
export function listSource(opts: { resourceVersion?: string; resourceVersionMatch?: string }, limit: number | undefined, want: number | undefined): 'consistent' | 'exact' | 'cache' {
  if (!opts.resourceVersion) return 'consistent';
  if (!opts.resourceVersionMatch && limit !== undefined && want !== undefined) return 'exact';
  return 'cache';
}

function tooLargeRV(want: number, current: number): ApiError {
  return new ApiError({ message: `Too large resource version: ${want}, current: ${current}`, reason: 'Timeout', details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 }, code: 504 });
}

function sortByKey(m: Map<string, KObject>): KObject[] {
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, o]) => o);
}

/** Did anything but metadata (and status, where it is a subresource) change? */
export function specChanged(def: ResourceDef, a: KObject, b: KObject): boolean {
  const strip = (o: KObject) => {
    const c = clone(o) as Record<string, unknown>;
    delete c.metadata;
    delete c.apiVersion;
    delete c.kind;
    if (def.status) delete c.status;
    return c;
  };
  return !deepEqual(strip(a), strip(b));
}

export function setCondition(o: KObject, type: string, status: string, reason: string | undefined, message: string | undefined): void {
  const st = ((o.status ??= {}) as JsonObject);
  const conds = ((st.conditions as JsonObject[] | undefined) ?? []).slice();
  const i = conds.findIndex((c) => c.type === type);
  const prev = i >= 0 ? conds[i] : undefined;
  const c: JsonObject = { type, status, lastProbeTime: null, lastTransitionTime: prev && prev.status === status ? (prev.lastTransitionTime as string) : nowTime() };
  if (o.kind !== 'Pod') delete c.lastProbeTime;
  if (reason) c.reason = reason;
  if (message) c.message = message;
  if (i >= 0) conds[i] = c;
  else conds.push(c);
  st.conditions = conds;
}

/** apiVersion, kind, metadata first (as Go's struct order renders them). */
function orderKeys(o: KObject): KObject {
  const { apiVersion, kind, metadata, ...rest } = o;
  const out: KObject = { apiVersion, kind, metadata } as KObject;
  for (const [k, v] of Object.entries(rest)) out[k] = v;
  if (out.apiVersion === undefined) delete out.apiVersion;
  if (out.kind === undefined) delete out.kind;
  return out;
}

export { PATCH_TYPES, managerFromUserAgent };
export type { KObject };
void required;
