// Controllers that a real cluster runs next to the API server and that the API's semantics depend on:
// - CRD establishment (apiextensions-apiserver's naming + establishing controllers) and CRD deletion cleanup;
// - namespace lifecycle (kube-controller-manager's namespace controller: delete the content, then finalize);
// - garbage collection of owner references (background / foreground / orphan propagation).
// They work on the store through ApiCore, asynchronously (a deduplicating queue drained on setImmediate), as
// controllers observe changes after the write that caused them.
import type { ApiCore } from './api.js';
import { setCondition } from './api.js';
import type { ResourceDef } from './registry.js';
import type { StoredEvent } from './store.js';
import type { KObject, OwnerReference } from './meta.js';
import { crdToDefs, compileSchema } from './crd.js';
import { clone, type JsonObject } from './patch.js';
import { ApiError } from './status.js';
import type { Logger } from '../../util/log.js';

const CRD_KEY = 'apiextensions.k8s.io/customresourcedefinitions';
const CRD_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export class Controllers {
  private readonly queue = new Map<string, () => void>();
  private scheduled = false;
  private stopped = false;
  private unsubscribe: () => void = () => {};
  private retryTimer: NodeJS.Timeout | undefined;
  /** uids of owners in foreground deletion (their dependents' changes may unblock them). */
  private readonly foregroundOwners = new Set<string>();
  /** CRD name -> served schema per version (for SSA list keys). */
  readonly crdSchemas = new Map<string, Map<string, Record<string, unknown>>>();

  constructor(
    private readonly api: ApiCore,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.unsubscribe = this.api.onEvent((resource, ev) => this.onEvent(resource, ev));
    this.api.crdSchema = (def) => this.crdSchemas.get(def.crdName ?? '')?.get(def.version);
    // A periodic sweep catches anything an event-driven pass could not finish (e.g. waiting dependents).
    this.retryTimer = setInterval(() => this.sweep(), 1000);
    this.retryTimer.unref();
    for (const ns of this.api.store.list('/namespaces')) this.enqueue(`ns-init/${ns.metadata.name}`, () => this.initNamespace(ns.metadata.name!));
  }

  /** What kube-controller-manager puts into every namespace: the `default` ServiceAccount (serviceaccount
   * controller) and the `kube-root-ca.crt` ConfigMap (root-ca-cert-publisher). */
  private initNamespace(name: string): void {
    const ns = this.api.store.get('/namespaces', undefined, name);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const sa = this.api.registry.get('', 'v1', 'serviceaccounts');
    const cm = this.api.registry.get('', 'v1', 'configmaps')!;
    const ctx = { fieldManager: 'kube-controller-manager' };
    if (sa && !this.api.store.get(sa.storeKey, name, 'default')) this.api.create(sa, name, { metadata: { name: 'default' } }, ctx);
    if (!this.api.store.get(cm.storeKey, name, 'kube-root-ca.crt')) {
      this.api.create(cm, name, { metadata: { name: 'kube-root-ca.crt', annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data: { 'ca.crt': DEVSTACK_CA } }, ctx);
    }
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.queue.clear();
  }

  private enqueue(key: string, fn: () => void): void {
    if (this.stopped) return;
    this.queue.set(key, fn);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    let budget = 10_000;
    while (this.queue.size && budget-- > 0 && !this.stopped) {
      const [key, fn] = this.queue.entries().next().value as [string, () => void];
      this.queue.delete(key);
      try {
        fn();
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) this.log.warn({ err, key }, 'devstack kube controller error');
      }
    }
    if (this.queue.size && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private defFor(storeKey: string): ResourceDef | undefined {
    return this.api.registry.storageDefs().find((d) => d.storeKey === storeKey);
  }

  private onEvent(resource: string, ev: StoredEvent): void {
    const o = ev.object;
    if (resource === CRD_KEY) this.enqueue(`crd/${o.metadata.name}`, () => this.syncCRD(o.metadata.name!));
    if (resource === '/namespaces' && ev.type === 'ADDED') this.enqueue(`ns-init/${o.metadata.name}`, () => this.initNamespace(o.metadata.name!));
    if (resource === '/namespaces' && ev.type !== 'DELETED' && o.metadata.deletionTimestamp) this.enqueue(`ns/${o.metadata.name}`, () => this.syncNamespace(o.metadata.name!));
    if (ev.type === 'DELETED' && o.metadata.namespace) {
      const ns = this.api.store.get('/namespaces', undefined, o.metadata.namespace);
      if (ns?.metadata.deletionTimestamp) this.enqueue(`ns/${ns.metadata.name}`, () => this.syncNamespace(ns.metadata.name!));
    }
    if (ev.type === 'DELETED' && o.metadata.name && resource.endsWith('/customresourcedefinitions') === false) {
      // CR instances going away may unblock a terminating CRD.
      for (const d of this.api.registry.all()) {
        if (d.storeKey === resource && d.crdName) this.enqueue(`crd/${d.crdName}`, () => this.syncCRD(d.crdName!));
      }
    }
    // Garbage collection.
    if (ev.type === 'DELETED') this.enqueue(`gc-owner/${o.metadata.uid}`, () => this.processDependentsOf(o.metadata.uid!));
    else {
      if ((o.metadata.ownerReferences ?? []).length) this.enqueue(`gc/${resource}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, () => this.processDependent(resource, o.metadata.namespace, o.metadata.name!));
      const fins = o.metadata.finalizers ?? [];
      if (o.metadata.deletionTimestamp && (fins.includes('orphan') || fins.includes('foregroundDeletion'))) {
        this.enqueue(`gc-owner-del/${resource}/${o.metadata.uid}`, () => this.processDeletingOwner(resource, o.metadata.namespace, o.metadata.name!));
      }
      if (o.metadata.deletionTimestamp && fins.includes('foregroundDeletion')) this.foregroundOwners.add(o.metadata.uid!);
      else this.foregroundOwners.delete(o.metadata.uid!);
      // Dependents of an owner in foreground deletion may unblock it when they change.
      for (const r of o.metadata.ownerReferences ?? []) if (this.foregroundOwners.has(r.uid)) this.enqueue(`gc-owner-uid/${r.uid}`, () => this.recheckOwnerUid(r.uid));
    }
    if (ev.type === 'DELETED') this.foregroundOwners.delete(o.metadata.uid!);
    if (ev.type === 'DELETED') for (const r of o.metadata.ownerReferences ?? []) if (this.foregroundOwners.has(r.uid)) this.enqueue(`gc-owner-uid/${r.uid}`, () => this.recheckOwnerUid(r.uid));
  }

  private sweep(): void {
    for (const d of this.api.registry.storageDefs()) {
      for (const o of this.api.store.list(d.storeKey)) {
        const fins = o.metadata.finalizers ?? [];
        if (o.metadata.deletionTimestamp && (fins.includes('orphan') || fins.includes('foregroundDeletion'))) {
          this.enqueue(`gc-owner-del/${d.storeKey}/${o.metadata.uid}`, () => this.processDeletingOwner(d.storeKey, o.metadata.namespace, o.metadata.name!));
        }
        if (d.storeKey === '/namespaces' && o.metadata.deletionTimestamp) this.enqueue(`ns/${o.metadata.name}`, () => this.syncNamespace(o.metadata.name!));
        if (d.storeKey === CRD_KEY && (o.metadata.deletionTimestamp || !isEstablished(o))) this.enqueue(`crd/${o.metadata.name}`, () => this.syncCRD(o.metadata.name!));
      }
    }
  }

  // ---- CRDs --------------------------------------------------------------------------------------------

  private syncCRD(name: string): void {
    const crdDef = this.api.registry.get('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
    const crd = this.api.store.get(CRD_KEY, undefined, name);
    const served = this.api.registry.all().filter((d) => d.crdName === name);
    if (!crd) {
      for (const d of served) this.api.registry.removeGroupResource(d.group, d.resource);
      this.crdSchemas.delete(name);
      return;
    }
    if (crd.metadata.deletionTimestamp) {
      const def = served[0];
      const remaining = def ? this.api.store.list(def.storeKey) : [];
      for (const o of remaining) {
        if (o.metadata.deletionTimestamp) continue;
        try {
          this.api.delete(def!, o.metadata.namespace, o.metadata.name!, {}, { fieldManager: 'apiextensions-apiserver' });
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 404)) throw err;
        }
      }
      const left = def ? this.api.store.list(def.storeKey).length : 0;
      const next = clone(crd);
      setCondition(next, 'Terminating', 'True', left ? 'InstanceDeletionInProgress' : 'InstanceDeletionCompleted', left ? `CustomResource deletion is in progress` : 'removed all instances');
      if (left === 0) next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== CRD_FINALIZER);
      this.api.internalUpdate(crdDef, next, 'apiextensions-apiserver', left === 0 ? undefined : 'status');
      return;
    }
    // (Re)serve the versions: names are accepted unless another CRD already serves the same group/plural.
    const spec = crd.spec as JsonObject;
    const names = spec.names as JsonObject;
    const group = spec.group as string;
    const conflicting = this.api.registry.all().some((d) => d.group === group && d.resource === names.plural && d.crdName !== name);
    const next = clone(crd);
    if (conflicting) {
      setCondition(next, 'NamesAccepted', 'False', 'NameConflict', `"${names.plural}" is already in use`);
      setCondition(next, 'Established', 'False', 'NotAccepted', 'not all names are accepted');
      this.api.internalUpdate(crdDef, next, 'apiextensions-apiserver', 'status');
      return;
    }
    for (const d of served) this.api.registry.removeGroupResource(d.group, d.resource);
    const schemas = new Map<string, Record<string, unknown>>();
    for (const v of (spec.versions as JsonObject[]) ?? []) {
      const s = ((v.schema as JsonObject | undefined)?.openAPIV3Schema ?? {}) as Record<string, unknown>;
      schemas.set(v.name as string, s);
      compileSchema(s);
    }
    this.crdSchemas.set(name, schemas);
    for (const d of crdToDefs(crd)) this.api.registry.add(d);
    const st = (next.status ??= {}) as JsonObject;
    st.acceptedNames = clone(names);
    setCondition(next, 'NamesAccepted', 'True', 'NoConflicts', 'no conflicts found');
    setCondition(next, 'Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted');
    const storage = ((spec.versions as JsonObject[]).find((v) => v.storage)?.name as string) ?? '';
    const stored = (st.storedVersions as string[] | undefined) ?? [];
    if (storage && !stored.includes(storage)) st.storedVersions = [...stored, storage];
    this.api.internalUpdate(crdDef, next, 'apiextensions-apiserver', 'status');
  }

  // ---- namespaces --------------------------------------------------------------------------------------

  private syncNamespace(name: string): void {
    const nsDef = this.api.registry.get('', 'v1', 'namespaces')!;
    const ns = this.api.store.get('/namespaces', undefined, name);
    if (!ns || !ns.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const d of this.api.registry.storageDefs()) {
      if (!d.namespaced) continue;
      for (const o of this.api.store.list(d.storeKey, name)) {
        remaining++;
        if (o.metadata.deletionTimestamp) continue;
        try {
          this.api.delete(d, name, o.metadata.name!, {}, { fieldManager: 'namespace-controller' });
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 404)) throw err;
        }
      }
    }
    const left = this.api.registry.storageDefs().reduce((n, d) => n + (d.namespaced ? this.api.store.list(d.storeKey, name).length : 0), 0);
    void remaining;
    const next = clone(ns);
    setCondition(next, 'NamespaceContentRemaining', left ? 'True' : 'False', left ? 'SomeResourcesRemain' : 'ContentDeleted', left ? `Some resources are remaining: ${left} objects` : 'All content successfully deleted, may be waiting on finalization');
    if (left === 0) {
      const spec = (next.spec ?? {}) as JsonObject;
      const fins = ((spec.finalizers as string[] | undefined) ?? []).filter((f) => f !== 'kubernetes');
      if (fins.length) spec.finalizers = fins;
      else delete spec.finalizers;
      next.spec = spec;
      this.api.internalUpdate(nsDef, next, 'namespace-controller');
    } else this.api.internalUpdate(nsDef, next, 'namespace-controller', 'status');
  }

  // ---- garbage collection ------------------------------------------------------------------------------

  private ownerObject(dependentNs: string | undefined, ref: OwnerReference): { def?: ResourceDef; obj?: KObject } {
    const def = this.api.registry.byKind(ref.apiVersion, ref.kind);
    if (!def) return {};
    const obj = this.api.store.get(def.storeKey, def.namespaced ? dependentNs : undefined, ref.name);
    return { def, obj: obj && obj.metadata.uid === ref.uid ? obj : undefined };
  }

  private processDependent(storeKey: string, ns: string | undefined, name: string): void {
    const dep = this.api.store.get(storeKey, ns, name);
    const def = this.defFor(storeKey);
    if (!dep || !def) return;
    const refs = dep.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const absent: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    const solid: OwnerReference[] = [];
    for (const r of refs) {
      const { def: od, obj } = this.ownerObject(ns, r);
      if (!od) {
        solid.push(r); // unknown kind: GC cannot tell, so it keeps the dependent
        continue;
      }
      if (!obj) absent.push(r);
      else if (obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).includes('foregroundDeletion')) waiting.push(r);
      else solid.push(r);
    }
    if (absent.length === 0 && waiting.length === 0) return;
    if (solid.length === 0) {
      if (dep.metadata.deletionTimestamp) return;
      const policy = waiting.length ? 'Foreground' : 'Background';
      this.api.delete(def, ns, name, { propagationPolicy: policy, preconditions: { uid: dep.metadata.uid } }, { fieldManager: 'garbage-collector' });
      return;
    }
    // Some owners remain: drop the references to the absent ones (and to owners waiting on their dependents).
    const drop = new Set([...absent, ...waiting].map((r) => r.uid));
    const next = this.api.external(def, dep);
    next.metadata.ownerReferences = refs.filter((r) => !drop.has(r.uid));
    this.api.internalUpdate(def, next, 'garbage-collector');
  }

  private dependentsOf(uid: string): { def: ResourceDef; obj: KObject }[] {
    const out: { def: ResourceDef; obj: KObject }[] = [];
    for (const d of this.api.registry.storageDefs()) {
      for (const o of this.api.store.list(d.storeKey)) if ((o.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) out.push({ def: d, obj: o });
    }
    return out;
  }

  private processDependentsOf(uid: string): void {
    for (const { def, obj } of this.dependentsOf(uid)) this.processDependent(def.storeKey, obj.metadata.namespace, obj.metadata.name!);
  }

  private recheckOwnerUid(uid: string): void {
    for (const d of this.api.registry.storageDefs()) {
      for (const o of this.api.store.list(d.storeKey)) {
        if (o.metadata.uid === uid && o.metadata.deletionTimestamp) this.processDeletingOwner(d.storeKey, o.metadata.namespace, o.metadata.name!);
      }
    }
  }

  private processDeletingOwner(storeKey: string, ns: string | undefined, name: string): void {
    const owner = this.api.store.get(storeKey, ns, name);
    const def = this.defFor(storeKey);
    if (!owner || !def || !owner.metadata.deletionTimestamp) return;
    const fins = owner.metadata.finalizers ?? [];
    const uid = owner.metadata.uid!;
    const deps = this.dependentsOf(uid);
    if (fins.includes('orphan')) {
      for (const { def: dd, obj } of deps) {
        const next = this.api.external(dd, obj);
        next.metadata.ownerReferences = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
        this.api.internalUpdate(dd, next, 'garbage-collector');
      }
      const next = this.api.external(def, owner);
      next.metadata.finalizers = fins.filter((f) => f !== 'orphan');
      this.api.internalUpdate(def, next, 'garbage-collector');
      return;
    }
    if (fins.includes('foregroundDeletion')) {
      let blocking = 0;
      for (const { def: dd, obj } of deps) {
        const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.uid === uid)!;
        if (ref.blockOwnerDeletion) blocking++;
        if (!obj.metadata.deletionTimestamp) this.processDependent(dd.storeKey, obj.metadata.namespace, obj.metadata.name!);
      }
      if (blocking === 0) {
        const cur = this.api.store.get(storeKey, ns, name);
        if (!cur) return;
        const next = this.api.external(def, cur);
        next.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== 'foregroundDeletion');
        this.api.internalUpdate(def, next, 'garbage-collector');
      }
    }
  }
}

function isEstablished(crd: KObject): boolean {
  return (((crd.status as JsonObject | undefined)?.conditions as JsonObject[] | undefined) ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

/** A placeholder CA bundle: the emulator serves plain HTTP, so nothing verifies against it. */
const DEVSTACK_CA = '-----BEGIN CERTIFICATE-----\nMIIBdevstackPlainHTTPNoTLSPlaceholderCertificateForKubeRootCA=\n-----END CERTIFICATE-----\n';
