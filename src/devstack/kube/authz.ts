// Authorization as kube-apiserver does it, as pure functions over plain data:
//
//   requestInfo()      the RequestInfoFactory (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go): which verb,
//                      API group, resource, subresource, namespace and name a request is about — list vs get, watch
//                      (?watch=true and /watch/ paths), deletecollection, `fieldSelector=metadata.name=x` naming the
//                      object of a list/watch, /namespaces/<ns> naming its own namespace, non-resource paths.
//   authorize()        the authorizer chain of a default cluster: the privileged group `system:masters` first, then
//                      RBAC (plugin/pkg/auth/authorizer/rbac): ClusterRoleBindings, then the RoleBindings of the
//                      request's namespace, each binding's subjects (User, Group, ServiceAccount with the binding's
//                      namespace as default) and its role's rules (verbs, apiGroups, resources incl. `res/sub` and
//                      `*/sub`, resourceNames, nonResourceURLs with a trailing `*`, `*` everywhere).
//   forbiddenError()   the 403 Status responsewriters.Forbidden writes: `pods "x" is forbidden: User "u" cannot get
//                      resource "pods" in API group "" in the namespace "ns"` (+ ": RBAC: <errors>" when a binding
//                      names a missing role), details {group, kind: <resource>, name}.
//   bootstrapPolicy()  the ClusterRoles / ClusterRoleBindings every cluster has that matter here: cluster-admin for
//                      system:masters, and discovery / public-info / self-review access for every authenticated user.
//
// No I/O: the caller passes the RBAC objects (RbacSource), so the evaluator is table-tested on its own.
import { ApiError, type StatusDetails } from './status.js';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** authorizer.Attributes. */
export interface Attributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  /** The URL path (non-resource requests are authorized by it). */
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export type RequestInfo = Omit<Attributes, 'user'>;

export const SYSTEM_MASTERS = 'system:masters';
export const AUTHENTICATED = 'system:authenticated';
export const SA_PREFIX = 'system:serviceaccount:';
export const SA_GROUP = 'system:serviceaccounts';

/** The user a ServiceAccount token authenticates as. */
export function serviceAccountUser(namespace: string, name: string, uid?: string, extra?: Record<string, string[]>): UserInfo {
  return { name: `${SA_PREFIX}${namespace}:${name}`, ...(uid ? { uid } : {}), groups: [SA_GROUP, `${SA_GROUP}:${namespace}`, AUTHENTICATED], ...(extra ? { extra } : {}) };
}

// ---- request info -----------------------------------------------------------------------------------------

const API_PREFIXES = new Set(['api', 'apis']);
const GROUPLESS_PREFIXES = new Set(['api']);
const SPECIAL_VERBS = new Set(['proxy', 'watch']);
const SPECIAL_VERBS_NO_SUBRESOURCES = new Set(['proxy']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** strconv.ParseBool, as the query parameter decoder reads `watch`. */
function parseBool(v: string | undefined): boolean {
  return v !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}

/** fields.Selector.RequiresExactMatch(field) for a comma-joined selector (`a=b`, `a==b`; `!=` never matches). */
function exactFieldMatch(selector: string | undefined, field: string): string | undefined {
  if (!selector) return undefined;
  for (const term of selector.split(',')) {
    const m = /^\s*([^=!\s]+)\s*(==|=)\s*(.*?)\s*$/.exec(term);
    if (m && m[1] === field) return m[3];
  }
  return undefined;
}

/** path.IsValidPathSegmentName: not "." / "..", no "/" or "%". */
function validPathSegmentName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}

/** What a request is about, exactly as kube-apiserver's RequestInfoFactory resolves it (path already URL-decoded
 * per segment is not required: segments are decoded here). */
export function requestInfo(method: string, path: string, query: Record<string, string> = {}): RequestInfo {
  const m = method.toUpperCase();
  const info: RequestInfo = { verb: m.toLowerCase(), resourceRequest: false, path, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '' };
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  let parts = trimmed === '' ? [] : trimmed.split('/').map((p) => safeDecode(p));
  if (parts.length < 3 || !API_PREFIXES.has(parts[0]!)) return info;
  const prefix = parts[0]!;
  parts = parts.slice(1);
  let apiGroup = '';
  if (!GROUPLESS_PREFIXES.has(prefix)) {
    if (parts.length < 3) return info;
    apiGroup = parts[0]!;
    parts = parts.slice(1);
  }
  const out: RequestInfo = { ...info, resourceRequest: true, apiGroup, apiVersion: parts[0]!, verb: '' };
  parts = parts.slice(1);
  if (SPECIAL_VERBS.has(parts[0]!)) {
    // /watch/… without anything after it cannot be resolved; the server answers it as a 404 anyway.
    out.verb = parts[0]!;
    parts = parts.slice(1);
  } else {
    out.verb = ({ POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[m] ?? '';
  }
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      out.namespace = parts[1]!;
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts = parts.slice(2);
    }
  }
  if (parts.length >= 3 && !SPECIAL_VERBS_NO_SUBRESOURCES.has(out.verb)) out.subresource = parts[2]!;
  if (parts.length >= 2) out.name = parts[1]!;
  if (parts.length >= 1) out.resource = parts[0]!;
  if (out.name === '' && out.verb === 'get') {
    out.verb = parseBool(query.watch) ? 'watch' : 'list';
    const n = exactFieldMatch(query.fieldSelector, 'metadata.name');
    if (n !== undefined && validPathSegmentName(n)) out.name = n;
  }
  if (out.name === '' && out.verb === 'delete') out.verb = 'deletecollection';
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ---- RBAC -------------------------------------------------------------------------------------------------

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup?: string;
  kind: string;
  name: string;
}

export interface RoleLike {
  metadata: { name?: string; namespace?: string };
  rules?: PolicyRule[] | null;
}

export interface BindingLike {
  metadata: { name?: string; namespace?: string };
  subjects?: Subject[] | null;
  roleRef: RoleRef;
}

/** Where the authorizer reads RBAC objects from (the store, or plain arrays in tests). */
export interface RbacSource {
  clusterRoleBindings(): BindingLike[];
  roleBindings(namespace: string): BindingLike[];
  clusterRole(name: string): RoleLike | undefined;
  role(namespace: string, name: string): RoleLike | undefined;
}

/** An RbacSource over plain lists of RBAC objects (any kind mixed). */
export function rbacFromObjects(objects: Array<{ kind?: string; metadata: { name?: string; namespace?: string } } & Record<string, unknown>>): RbacSource {
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  return {
    clusterRoleBindings: () => of('ClusterRoleBinding') as unknown as BindingLike[],
    roleBindings: (ns) => of('RoleBinding').filter((b) => b.metadata.namespace === ns) as unknown as BindingLike[],
    clusterRole: (name) => of('ClusterRole').find((r) => r.metadata.name === name) as unknown as RoleLike | undefined,
    role: (ns, name) => of('Role').find((r) => r.metadata.name === name && r.metadata.namespace === ns) as unknown as RoleLike | undefined,
  };
}

const has = (list: readonly string[] | null | undefined, v: string) => !!list && list.includes(v);

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, '*') || has(rule.verbs, verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return has(rule.apiGroups, '*') || has(rule.apiGroups, group);
}

/** `*`, the exact `resource` or `resource/subresource`, or `*​/subresource`. */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (!subresource) continue;
    if (r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  if (!rule.resourceNames || rule.resourceNames.length === 0) return true;
  return rule.resourceNames.includes(name);
}

/** `*`, the exact path, or a prefix ending in `*`. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))) return true;
  }
  return false;
}

/** rbac.RuleAllows. */
export function ruleAllows(a: RequestInfo, rule: PolicyRule): boolean {
  if (a.resourceRequest) {
    const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return verbMatches(rule, a.verb) && apiGroupMatches(rule, a.apiGroup) && resourceMatches(rule, combined, a.subresource) && resourceNameMatches(rule, a.name);
  }
  return verbMatches(rule, a.verb) && nonResourceURLMatches(rule, a.path);
}

/** appliesToUser: a ServiceAccount subject without a namespace means the binding's namespace (none for
 * ClusterRoleBindings, which then never match). */
export function subjectMatches(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.name === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      if (!ns) return false;
      return user.name === `${SA_PREFIX}${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

export interface Decision {
  allowed: boolean;
  /** "RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"" when allowed; on a denial the RBAC
   * errors met on the way ("RBAC: clusterrole.rbac.authorization.k8s.io "x" not found"), else "". */
  reason: string;
  /** The binding and role that allowed it. */
  by?: { binding: string; bindingNamespace?: string; role: string; roleKind: string };
}

/** describeSubject: a ServiceAccount as "name/namespace" (the binding's namespace when the subject has none). */
function subjectString(s: Subject, bindingNamespace: string): string {
  return s.kind === 'ServiceAccount' ? `ServiceAccount "${s.name}/${s.namespace || bindingNamespace}"` : `${s.kind} "${s.name}"`;
}

/** The errors aggregate as utilerrors.NewAggregate renders it (one error: itself; more: "[a, b]"). */
function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`;
}

/** RBACAuthorizer.Authorize: allowed as soon as one rule of one applicable binding allows; the visit order
 * (cluster role bindings, then role bindings of the namespace) only matters for the reason. */
export function rbacAuthorize(a: Attributes, src: RbacSource): Decision {
  const errors: string[] = [];
  const visitBinding = (b: BindingLike, bindingNs: string, kind: 'ClusterRoleBinding' | 'RoleBinding'): Decision | undefined => {
    const subj = (b.subjects ?? []).find((s) => subjectMatches(a.user, s, bindingNs));
    if (!subj) return undefined;
    let role: RoleLike | undefined;
    if (b.roleRef.kind === 'ClusterRole') {
      role = src.clusterRole(b.roleRef.name);
      if (!role) errors.push(`clusterrole.rbac.authorization.k8s.io "${b.roleRef.name}" not found`);
    } else if (b.roleRef.kind === 'Role' && kind === 'RoleBinding') {
      role = src.role(bindingNs, b.roleRef.name);
      if (!role) errors.push(`role.rbac.authorization.k8s.io "${b.roleRef.name}" not found`);
    } else {
      errors.push(`unsupported role reference kind: "${b.roleRef.kind}"`);
    }
    if (!role) return undefined;
    for (const rule of role.rules ?? []) {
      if (!ruleAllows(a, rule)) continue;
      const where = kind === 'RoleBinding' ? `RoleBinding "${b.metadata.name}/${bindingNs}"` : `ClusterRoleBinding "${b.metadata.name}"`;
      return {
        allowed: true,
        reason: `RBAC: allowed by ${where} of ${b.roleRef.kind} "${b.roleRef.name}" to ${subjectString(subj, bindingNs)}`,
        by: { binding: b.metadata.name ?? '', ...(kind === 'RoleBinding' ? { bindingNamespace: bindingNs } : {}), role: b.roleRef.name, roleKind: b.roleRef.kind },
      };
    }
    return undefined;
  };
  for (const b of src.clusterRoleBindings()) {
    const d = visitBinding(b, '', 'ClusterRoleBinding');
    if (d) return d;
  }
  if (a.namespace) {
    for (const b of src.roleBindings(a.namespace)) {
      const d = visitBinding(b, a.namespace, 'RoleBinding');
      if (d) return d;
    }
  }
  return { allowed: false, reason: errors.length ? `RBAC: ${aggregate(errors)}` : '' };
}

/** The authorizer chain of a default cluster (--authorization-mode=Node,RBAC behind the privileged-group
 * authorizer): members of system:masters may do anything; everyone else is decided by RBAC. (The Node
 * authorizer only ever speaks for kubelets' system:node:* users, which do not exist here.) */
export function authorize(a: Attributes, src: RbacSource): Decision {
  if (a.user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
  return rbacAuthorize(a, src);
}

/** The text after "is forbidden: " (responsewriters.forbiddenMessage). */
export function forbiddenMessage(a: Attributes): string {
  if (!a.resourceRequest) return `User "${a.user.name}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (a.namespace) return `User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" in the namespace "${a.namespace}"`;
  return `User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" at the cluster scope`;
}

/** apierrors.NewForbidden(groupResource, name, err): `<resource>[.<group>] ["<name>"] is forbidden: <err>`, or
 * `forbidden: <err>` without a resource; details carry only the non-empty fields (Go's omitempty). */
export function newForbidden(group: string, resource: string, name: string, err: string): ApiError {
  const qualified = resource ? (group ? `${resource}.${group}` : resource) : '';
  const message = !qualified ? `forbidden: ${err}` : name ? `${qualified} "${name}" is forbidden: ${err}` : `${qualified} is forbidden: ${err}`;
  const details: StatusDetails = {};
  if (name) details.name = name;
  if (group) details.group = group;
  if (resource) details.kind = resource;
  return new ApiError({ message, reason: 'Forbidden', details, code: 403 });
}

/** The 403 the authorization filter answers (responsewriters.Forbidden): the group and resource of the request
 * (without the subresource), its name, and forbiddenMessage plus ": <reason>" when the authorizer gave one. */
export function forbiddenError(a: Attributes, reason = ''): ApiError {
  const msg = forbiddenMessage(a);
  return newForbidden(a.resourceRequest ? a.apiGroup : '', a.resourceRequest ? a.resource : '', a.resourceRequest ? a.name : '', reason ? `${msg}: ${reason}` : msg);
}

// ---- bootstrap policy ---------------------------------------------------------------------------------------

const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AUTOUPDATE = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

/** The part of kube-apiserver's bootstrap RBAC policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy) that
 * every authenticated client relies on: cluster-admin (bound to system:masters), system:discovery (API discovery
 * and health paths), system:public-info-viewer (health and version), system:basic-user (self reviews). */
export function bootstrapPolicy(): Array<Record<string, unknown> & { kind: string; metadata: { name: string } }> {
  const role = (name: string, rules: PolicyRule[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels: { ...BOOTSTRAP_LABELS }, annotations: { ...AUTOUPDATE } }, rules });
  const binding = (name: string, ...groups: string[]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...BOOTSTRAP_LABELS }, annotations: { ...AUTOUPDATE } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: groups.map((g) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: g })),
  });
  return [
    role('cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]),
    binding('cluster-admin', SYSTEM_MASTERS),
    role('system:discovery', [{ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] }]),
    binding('system:discovery', AUTHENTICATED),
    role('system:public-info-viewer', [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }]),
    binding('system:public-info-viewer', AUTHENTICATED, 'system:unauthenticated'),
    role('system:basic-user', [
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ]),
    binding('system:basic-user', AUTHENTICATED),
  ];
}
