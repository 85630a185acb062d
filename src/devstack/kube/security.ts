// Authentication, authorization and the admission plugins that depend on them, wired to the emulator's store:
//
//   authenticate   the admin bearer token → kubernetes-admin (groups system:masters, system:authenticated);
//                  a ServiceAccount token from the TokenRequest API → system:serviceaccount:<ns>:<name>
//                  (groups system:serviceaccounts, system:serviceaccounts:<ns>, system:authenticated).
//   authorize      with `rbac` on: the RBAC authorizer of authz.ts over the stored Roles, ClusterRoles,
//                  RoleBindings and ClusterRoleBindings (plus the bootstrap policy, seeded at start); off: every
//                  authenticated request is allowed (--authorization-mode=AlwaysAllow), as before.
//   admit          with `rbac` on, the admission plugins a production cluster runs that RBAC-sensitive clients
//                  meet: ServiceAccount (a pod gets spec.serviceAccountName "default" when it names none, and
//                  is refused while its ServiceAccount does not exist) and OwnerReferencesPermissionEnforcement
//                  (setting blockOwnerDeletion needs `update` on the owner's `finalizers` subresource; changing
//                  ownerReferences of an existing object needs `delete` on it) — enabled on OpenShift and many
//                  hardened clusters, so manifests that pass here pass there.
import { timingSafeEqual } from 'node:crypto';
import type { ApiCore } from './api.js';
import type { ResourceDef } from './registry.js';
import type { KObject, OwnerReference } from './meta.js';
import { notFound } from './status.js';
import { type Attributes, type BindingLike, type Decision, type RbacSource, type RoleLike, type UserInfo, AUTHENTICATED, SYSTEM_MASTERS, authorize, bootstrapPolicy, newForbidden } from './authz.js';
import { ServiceAccountTokens } from './sa-tokens.js';

export const ADMIN_USER: UserInfo = { name: 'kubernetes-admin', groups: [SYSTEM_MASTERS, AUTHENTICATED] };

const RBAC = 'rbac.authorization.k8s.io';

export interface SecurityOptions {
  adminToken: string;
  rbac: boolean;
}

/** One refused request (authorization, an apply's create check, or OwnerReferencesPermissionEnforcement). */
export interface Denial {
  at: number;
  user: string;
  verb: string;
  /** group/resource[/subresource], or the path of a non-resource request. */
  resource: string;
  namespace: string;
  name: string;
  reason: string;
}

const MAX_DENIALS = 1000;

export class Security {
  readonly tokens: ServiceAccountTokens;
  readonly rbacEnabled: boolean;
  /** The last MAX_DENIALS refusals, oldest first (a test asserts none happened). */
  readonly denials: Denial[] = [];
  private readonly adminToken: Buffer;

  constructor(
    private readonly api: ApiCore,
    opts: SecurityOptions,
  ) {
    this.rbacEnabled = opts.rbac;
    this.adminToken = Buffer.from(opts.adminToken);
    this.tokens = new ServiceAccountTokens({
      serviceAccount: (ns, name) => this.api.store.get('/serviceaccounts', ns, name),
      pod: (ns, name) => this.api.store.get('/pods', ns, name),
    });
  }

  /** The user of an `Authorization` header, or undefined (401). */
  authenticate(header: string | undefined): UserInfo | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) return undefined;
    const token = Buffer.from(m[1]!);
    if (token.length === this.adminToken.length && timingSafeEqual(token, this.adminToken)) return ADMIN_USER;
    return this.tokens.authenticate(m[1]!);
  }

  /** RBAC over the store (stored objects are in their v1 shape). */
  readonly rbacSource: RbacSource = {
    clusterRoleBindings: () => this.api.store.list(`${RBAC}/clusterrolebindings`) as unknown as BindingLike[],
    roleBindings: (ns) => this.api.store.list(`${RBAC}/rolebindings`, ns) as unknown as BindingLike[],
    clusterRole: (name) => this.api.store.get(`${RBAC}/clusterroles`, undefined, name) as unknown as RoleLike | undefined,
    role: (ns, name) => this.api.store.get(`${RBAC}/roles`, ns, name) as unknown as RoleLike | undefined,
  };

  authorize(a: Attributes): Decision {
    if (!this.rbacEnabled) return { allowed: true, reason: '' };
    const d = authorize(a, this.rbacSource);
    if (!d.allowed) this.recordDenial(a, d.reason);
    return d;
  }

  private recordDenial(a: Attributes, reason: string): void {
    const resource = a.resourceRequest ? `${a.apiGroup}/${a.resource}${a.subresource ? `/${a.subresource}` : ''}` : a.path;
    this.denials.push({ at: Date.now(), user: a.user.name, verb: a.verb, resource, namespace: a.namespace, name: a.name, reason });
    if (this.denials.length > MAX_DENIALS) this.denials.splice(0, this.denials.length - MAX_DENIALS);
  }

  /** The bootstrap ClusterRoles and ClusterRoleBindings, created when missing (as the apiserver's
   * rbac/bootstrap-roles post-start hook does). */
  seed(): void {
    if (!this.rbacEnabled) return;
    for (const o of bootstrapPolicy()) {
      const def = this.api.registry.get(RBAC, 'v1', o.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings')!;
      if (this.api.store.get(def.storeKey, undefined, o.metadata.name)) continue;
      this.api.create(def, undefined, o, { fieldManager: 'kube-apiserver' });
    }
  }

  /** Admission for a write by `user` (see the file comment). */
  admit(user: UserInfo, op: 'create' | 'update', def: ResourceDef, obj: KObject, old: KObject | undefined, sub: string | undefined): void {
    if (!this.rbacEnabled) return;
    if (op === 'create' && def.storeKey === '/pods' && !sub) this.serviceAccountAdmission(obj);
    if (!sub) this.ownerReferencesPermission(user, op, def, obj, old);
  }

  /** plugin/pkg/admission/serviceaccount: default the ServiceAccount, refuse a pod whose ServiceAccount does not
   * exist, and give a pod without imagePullSecrets the ServiceAccount's. (The `default` ServiceAccount the namespace
   * controller is about to create counts as existing: the real plugin retries its lookup for a while for exactly
   * that case.) */
  private serviceAccountAdmission(pod: KObject): void {
    const spec = (pod.spec ?? (pod.spec = {})) as { serviceAccountName?: string; serviceAccount?: string; imagePullSecrets?: unknown[] };
    if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || 'default';
    const ns = pod.metadata.namespace!;
    const name = spec.serviceAccountName;
    const sa = this.api.store.get('/serviceaccounts', ns, name) as (KObject & { imagePullSecrets?: unknown[] }) | undefined;
    if (sa) {
      if (!spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) spec.imagePullSecrets = JSON.parse(JSON.stringify(sa.imagePullSecrets)) as unknown[];
      return;
    }
    if (name === 'default' && this.api.store.get('/namespaces', undefined, ns)) return;
    const err = notFound({ group: '', resource: 'serviceaccount' }, name);
    throw newForbidden('', 'pods', pod.metadata.name ?? '', `error looking up service account ${ns}/${name}: ${err.message}`);
  }

  /** plugin/pkg/admission/gc (OwnerReferencesPermissionEnforcement). */
  private ownerReferencesPermission(user: UserInfo, op: 'create' | 'update', def: ResourceDef, obj: KObject, old: KObject | undefined): void {
    const refs = obj.metadata.ownerReferences ?? [];
    const oldRefs = old?.metadata.ownerReferences ?? [];
    if (JSON.stringify(refs) === JSON.stringify(oldRefs)) return;
    const forbid = (why: string) => newForbidden(def.group, def.resource, obj.metadata.name ?? '', why);
    const ns = obj.metadata.namespace ?? '';
    const base = { user, resourceRequest: true, path: '', apiGroup: def.group, apiVersion: def.version, resource: def.resource, subresource: '', namespace: def.namespaced ? ns : '', name: obj.metadata.name ?? '' };
    if (op !== 'create') {
      const d = this.authorize({ ...base, verb: 'delete' });
      if (!d.allowed) throw forbid(`cannot set an ownerRef on a resource you can't delete: ${d.reason}, <nil>`);
    }
    const blocking = refs.filter((r) => r.blockOwnerDeletion && !oldRefs.some((o) => o.uid === r.uid && o.blockOwnerDeletion));
    for (const ref of blocking) {
      const owner = this.ownerDef(ref);
      if (!owner) throw forbid(`cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion ${ref.apiVersion} Kind ${ref.kind}: no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`);
      const d = this.authorize({ ...base, verb: 'update', apiGroup: owner.group, apiVersion: owner.version, resource: owner.resource, subresource: 'finalizers', name: ref.name, namespace: owner.namespaced ? ns : '' });
      if (!d.allowed) throw forbid(`cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: ${d.reason}, <nil>`);
    }
  }

  private ownerDef(ref: OwnerReference): ResourceDef | undefined {
    const [group, version] = ref.apiVersion.includes('/') ? ref.apiVersion.split('/') : ['', ref.apiVersion];
    return this.api.registry.all().find((d) => d.group === group && d.version === version && d.kind === ref.kind);
  }

  /** Throws the 403 of a create the user may not do (the apply-creates / update-creates check). */
  authorizeCreate(user: UserInfo, def: ResourceDef, ns: string | undefined, name: string): void {
    const a: Attributes = { user, verb: 'create', resourceRequest: true, path: '', apiGroup: def.group, apiVersion: def.version, resource: def.resource, subresource: '', namespace: def.namespaced ? (ns ?? '') : '', name };
    const d = this.authorize(a);
    // withAuthorization (endpoints/handlers/rest.go) wraps only the authorizer's reason, not forbiddenMessage.
    if (!d.allowed) throw newForbidden(def.group, def.resource, name, d.reason);
  }
}

