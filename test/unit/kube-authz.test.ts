// The emulator's authorization, pure: request attributes as kube-apiserver's RequestInfoFactory resolves them,
// the RBAC rule and subject matching, the authorizer chain, the 403 Status, and ServiceAccount tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorize, bootstrapPolicy, forbiddenError, rbacFromObjects, requestInfo, ruleAllows, serviceAccountUser, type Attributes, type PolicyRule, type RequestInfo, type UserInfo } from '../../src/devstack/kube/authz.js';
import { ServiceAccountTokens } from '../../src/devstack/kube/sa-tokens.js';
import { ApiError } from '../../src/devstack/kube/status.js';
import type { KObject } from '../../src/devstack/kube/meta.js';

const ri = (method: string, path: string, query: Record<string, string> = {}) => requestInfo(method, path, query);
const pick = (r: RequestInfo) => [r.verb, r.apiGroup, r.resource, r.subresource, r.namespace, r.name, r.resourceRequest] as const;

test('requestInfo: verbs, groups, resources, subresources, namespaces and names as the RequestInfoFactory', () => {
  const cases: Array<[string, string, Record<string, string>, ReturnType<typeof pick>]> = [
    ['GET', '/api/v1/namespaces/ns/pods', {}, ['list', '', 'pods', '', 'ns', '', true]],
    ['GET', '/api/v1/namespaces/ns/pods', { watch: 'true' }, ['watch', '', 'pods', '', 'ns', '', true]],
    ['GET', '/api/v1/namespaces/ns/pods', { watch: '1' }, ['watch', '', 'pods', '', 'ns', '', true]],
    ['GET', '/api/v1/namespaces/ns/pods', { watch: 'false' }, ['list', '', 'pods', '', 'ns', '', true]],
    ['GET', '/api/v1/watch/namespaces/ns/pods', {}, ['watch', '', 'pods', '', 'ns', '', true]],
    ['GET', '/api/v1/watch/namespaces/ns/pods/p', {}, ['watch', '', 'pods', '', 'ns', 'p', true]],
    ['GET', '/api/v1/pods', { fieldSelector: 'spec.nodeName=n,metadata.name=p' }, ['list', '', 'pods', '', '', 'p', true]],
    ['GET', '/api/v1/pods', { fieldSelector: 'metadata.name!=p' }, ['list', '', 'pods', '', '', '', true]],
    ['GET', '/api/v1/pods', { watch: 'true', fieldSelector: 'metadata.name==p' }, ['watch', '', 'pods', '', '', 'p', true]],
    ['GET', '/api/v1/namespaces/ns/pods/p', {}, ['get', '', 'pods', '', 'ns', 'p', true]],
    ['HEAD', '/api/v1/namespaces/ns/pods/p', {}, ['get', '', 'pods', '', 'ns', 'p', true]],
    ['POST', '/api/v1/namespaces/ns/pods', {}, ['create', '', 'pods', '', 'ns', '', true]],
    ['POST', '/api/v1/namespaces/ns/pods/p/binding', {}, ['create', '', 'pods', 'binding', 'ns', 'p', true]],
    ['PATCH', '/api/v1/namespaces/ns/pods/p/status', {}, ['patch', '', 'pods', 'status', 'ns', 'p', true]],
    ['PUT', '/api/v1/namespaces/ns/pods/p', {}, ['update', '', 'pods', '', 'ns', 'p', true]],
    ['DELETE', '/api/v1/namespaces/ns/pods/p', {}, ['delete', '', 'pods', '', 'ns', 'p', true]],
    ['DELETE', '/api/v1/namespaces/ns/pods', {}, ['deletecollection', '', 'pods', '', 'ns', '', true]],
    ['POST', '/api/v1/namespaces/ns/serviceaccounts/sa/token', {}, ['create', '', 'serviceaccounts', 'token', 'ns', 'sa', true]],
    // A namespace is "in" itself; its finalize / status subresources stay on the namespaces resource.
    ['GET', '/api/v1/namespaces/ns', {}, ['get', '', 'namespaces', '', 'ns', 'ns', true]],
    ['PUT', '/api/v1/namespaces/ns/finalize', {}, ['update', '', 'namespaces', 'finalize', 'ns', 'ns', true]],
    ['GET', '/api/v1/namespaces', {}, ['list', '', 'namespaces', '', '', '', true]],
    ['GET', '/apis/apps/v1/namespaces/ns/statefulsets', {}, ['list', 'apps', 'statefulsets', '', 'ns', '', true]],
    ['PATCH', '/apis/k8sm.io/v1alpha1/namespaces/ns/schedulerhas/k8sm/status', {}, ['patch', 'k8sm.io', 'schedulerhas', 'status', 'ns', 'k8sm', true]],
    ['GET', '/apis/k8sm.io/v1alpha1/schedulerhas', {}, ['list', 'k8sm.io', 'schedulerhas', '', '', '', true]],
    ['GET', '/apis/coordination.k8s.io/v1/namespaces/sys/leases/l', {}, ['get', 'coordination.k8s.io', 'leases', '', 'sys', 'l', true]],
    // Discovery and health are non-resource requests, authorized by path with the lower-cased method.
    ['GET', '/api', {}, ['get', '', '', '', '', '', false]],
    ['GET', '/api/v1', {}, ['get', '', '', '', '', '', false]],
    ['GET', '/apis', {}, ['get', '', '', '', '', '', false]],
    ['GET', '/apis/apps/v1', {}, ['get', '', '', '', '', '', false]],
    ['GET', '/healthz', {}, ['get', '', '', '', '', '', false]],
    ['POST', '/logs', {}, ['post', '', '', '', '', '', false]],
  ];
  for (const [m, p, q, want] of cases) assert.deepEqual(pick(ri(m, p, q)), want, `${m} ${p} ${JSON.stringify(q)}`);
  assert.equal(ri('GET', '/apis/apps/v1').path, '/apis/apps/v1');
});

const attrs = (user: UserInfo, method: string, path: string, query: Record<string, string> = {}): Attributes => ({ ...ri(method, path, query), user });
const sa = serviceAccountUser('ns', 'sa');

test('ruleAllows: verbs, apiGroups, resources (exact, */sub, never res/*), resourceNames, nonResourceURLs, wildcards', () => {
  const r = (rule: PolicyRule, method: string, path: string, query: Record<string, string> = {}) => ruleAllows(ri(method, path, query), rule);
  const pods: PolicyRule = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] };
  assert.equal(r(pods, 'GET', '/api/v1/namespaces/ns/pods'), true);
  assert.equal(r(pods, 'GET', '/api/v1/namespaces/ns/pods/p'), true);
  assert.equal(r(pods, 'GET', '/api/v1/namespaces/ns/pods', { watch: 'true' }), false, 'list does not imply watch');
  assert.equal(r(pods, 'PATCH', '/api/v1/namespaces/ns/pods/p'), false);
  assert.equal(r(pods, 'GET', '/api/v1/namespaces/ns/pods/p/status'), false, 'pods does not cover pods/status');
  assert.equal(r(pods, 'GET', '/apis/apps/v1/namespaces/ns/pods'), false, 'the API group must match');
  assert.equal(r({ apiGroups: [''], resources: ['pods/status'], verbs: ['patch'] }, 'PATCH', '/api/v1/namespaces/ns/pods/p/status'), true);
  assert.equal(r({ apiGroups: [''], resources: ['pods/status'], verbs: ['patch'] }, 'PATCH', '/api/v1/namespaces/ns/pods/p'), false);
  assert.equal(r({ apiGroups: [''], resources: ['*/status'], verbs: ['patch'] }, 'PATCH', '/api/v1/namespaces/ns/pods/p/status'), true);
  assert.equal(r({ apiGroups: [''], resources: ['*/status'], verbs: ['patch'] }, 'PATCH', '/api/v1/namespaces/ns/pods/p'), false);
  assert.equal(r({ apiGroups: [''], resources: ['pods/*'], verbs: ['patch'] }, 'PATCH', '/api/v1/namespaces/ns/pods/p/status'), false, 'RBAC has no res/* form');
  assert.equal(r({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, 'DELETE', '/apis/apps/v1/namespaces/ns/statefulsets'), true);
  assert.equal(r({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, 'GET', '/apis'), false, 'resource rules never match paths');
  assert.equal(r({ apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['delete'] }, 'DELETE', '/apis/apps/v1/namespaces/ns/statefulsets'), false, 'delete is not deletecollection');
  const lease: PolicyRule = { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['l'], verbs: ['get', 'update', 'create', 'list'] };
  assert.equal(r(lease, 'GET', '/apis/coordination.k8s.io/v1/namespaces/sys/leases/l'), true);
  assert.equal(r(lease, 'GET', '/apis/coordination.k8s.io/v1/namespaces/sys/leases/other'), false);
  assert.equal(r(lease, 'POST', '/apis/coordination.k8s.io/v1/namespaces/sys/leases'), false, 'a create carries no name: resourceNames cannot allow it');
  assert.equal(r(lease, 'GET', '/apis/coordination.k8s.io/v1/namespaces/sys/leases'), false, 'nor a list');
  assert.equal(r(lease, 'GET', '/apis/coordination.k8s.io/v1/namespaces/sys/leases', { fieldSelector: 'metadata.name=l' }), true, 'a list naming the object by field selector');
  const disco: PolicyRule = { nonResourceURLs: ['/api', '/apis/*', '/version'], verbs: ['get'] };
  assert.equal(r(disco, 'GET', '/api'), true);
  assert.equal(r(disco, 'GET', '/api/v1'), false, 'exact unless it ends in *');
  assert.equal(r(disco, 'GET', '/apis/apps/v1'), true);
  assert.equal(r(disco, 'POST', '/apis/apps/v1'), false);
  assert.equal(r({ nonResourceURLs: ['*'], verbs: ['*'] }, 'PUT', '/anything'), true);
});

const crole = (name: string, rules: PolicyRule[]) => ({ kind: 'ClusterRole', metadata: { name }, rules });
const role = (ns: string, name: string, rules: PolicyRule[]) => ({ kind: 'Role', metadata: { name, namespace: ns }, rules });
const crb = (name: string, roleName: string, subjects: unknown[]) => ({ kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName }, subjects });
const rb = (ns: string, name: string, kind: string, roleName: string, subjects: unknown[]) => ({ kind: 'RoleBinding', metadata: { name, namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: roleName }, subjects });

test('authorize: bindings and subjects (User, Group, ServiceAccount defaulting), scopes, privileged group, reasons', () => {
  const readPods = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }];
  const src = rbacFromObjects([
    ...(bootstrapPolicy() as never[]),
    crole('read-pods', readPods),
    role('ns', 'read-cms', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]),
    rb('ns', 'sa-pods', 'ClusterRole', 'read-pods', [{ kind: 'ServiceAccount', name: 'sa' }]), // namespace defaults to ns
    rb('ns', 'sa-cms', 'Role', 'read-cms', [{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }]),
    crb('no-ns-sa', 'read-pods', [{ kind: 'ServiceAccount', name: 'other' }]), // no namespace: never matches
    crb('group-pods', 'read-pods', [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:serviceaccounts:team' }]),
    crb('alice', 'read-pods', [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }]),
    crb('dangling', 'does-not-exist', [{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }]),
  ]);
  const can = (u: UserInfo, m: string, p: string, q: Record<string, string> = {}) => authorize(attrs(u, m, p, q), src).allowed;
  assert.equal(can(sa, 'GET', '/api/v1/namespaces/ns/pods/p'), true, 'RoleBinding → ClusterRole, limited to its namespace');
  assert.equal(can(sa, 'GET', '/api/v1/namespaces/other/pods/p'), false);
  assert.equal(can(sa, 'GET', '/api/v1/pods'), false, 'a RoleBinding never grants cluster-wide lists');
  assert.equal(can(sa, 'GET', '/api/v1/namespaces/ns/configmaps/c'), true, 'RoleBinding → Role');
  assert.equal(can(serviceAccountUser('other', 'other'), 'GET', '/api/v1/namespaces/other/pods/p'), false, 'a ClusterRoleBinding SA subject needs a namespace');
  assert.equal(can(serviceAccountUser('team', 'x'), 'GET', '/api/v1/pods'), true, 'Group system:serviceaccounts:<ns>');
  assert.equal(can({ name: 'alice', groups: ['system:authenticated'] }, 'GET', '/api/v1/pods'), true, 'User');
  assert.equal(can({ name: 'bob', groups: ['system:authenticated'] }, 'GET', '/api/v1/pods'), false);
  assert.equal(can({ name: 'root', groups: ['system:masters'] }, 'DELETE', '/api/v1/nodes'), true, 'system:masters');
  // Every authenticated user may discover the API and read health / version (bootstrap policy).
  for (const p of ['/api', '/api/v1', '/apis', '/apis/apps/v1', '/version', '/healthz', '/openapi/v3']) assert.equal(can(sa, 'GET', p), true, p);
  assert.equal(can(sa, 'GET', '/metrics'), false);
  assert.equal(can({ name: 'anon', groups: ['system:unauthenticated'] }, 'GET', '/apis'), false, 'discovery is for authenticated users');
  const allowed = authorize(attrs(sa, 'GET', '/api/v1/namespaces/ns/pods/p'), src);
  assert.equal(allowed.reason, 'RBAC: allowed by RoleBinding "sa-pods/ns" of ClusterRole "read-pods" to ServiceAccount "sa/ns"');
  const denied = authorize(attrs(sa, 'DELETE', '/api/v1/namespaces/ns/pods/p'), src);
  assert.deepEqual(denied, { allowed: false, reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "does-not-exist" not found' });
  assert.equal(authorize(attrs(serviceAccountUser('x', 'y'), 'DELETE', '/api/v1/namespaces/x/pods/p'), src).reason, '');
});

test('forbiddenError: the Status kube-apiserver answers', () => {
  const body = (a: Attributes, reason = '') => {
    const e = forbiddenError(a, reason);
    assert.ok(e instanceof ApiError);
    return e.status;
  };
  assert.deepEqual(body(attrs(serviceAccountUser('ns', 'sa'), 'GET', '/api/v1/namespaces/ns/pods/x')), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'pods "x" is forbidden: User "system:serviceaccount:ns:sa" cannot get resource "pods" in API group "" in the namespace "ns"',
    reason: 'Forbidden',
    details: { name: 'x', kind: 'pods' },
    code: 403,
  });
  const l = body(attrs(sa, 'GET', '/apis/apps/v1/statefulsets', { watch: 'true' }));
  assert.equal(l.message, 'statefulsets.apps is forbidden: User "system:serviceaccount:ns:sa" cannot watch resource "statefulsets" in API group "apps" at the cluster scope');
  assert.deepEqual(l.details, { group: 'apps', kind: 'statefulsets' });
  const b = body(attrs(sa, 'POST', '/api/v1/namespaces/ns/pods/x/binding'));
  assert.equal(b.message, 'pods "x" is forbidden: User "system:serviceaccount:ns:sa" cannot create resource "pods/binding" in API group "" in the namespace "ns"');
  const p = body(attrs(sa, 'GET', '/metrics'));
  assert.equal(p.message, 'forbidden: User "system:serviceaccount:ns:sa" cannot get path "/metrics"');
  assert.deepEqual(p.details, {});
  assert.equal(body(attrs(sa, 'DELETE', '/api/v1/namespaces/ns/pods/x'), 'RBAC: clusterrole.rbac.authorization.k8s.io "r" not found').message, 'pods "x" is forbidden: User "system:serviceaccount:ns:sa" cannot delete resource "pods" in API group "" in the namespace "ns": RBAC: clusterrole.rbac.authorization.k8s.io "r" not found');
});

test('ServiceAccount tokens: issued by TokenRequest, valid while the ServiceAccount (and a bound pod) live', () => {
  const objs = new Map<string, KObject>();
  const put = (kind: string, ns: string, name: string, uid: string, spec: Record<string, unknown> = {}) => objs.set(`${kind}/${ns}/${name}`, { metadata: { name, namespace: ns, uid }, spec });
  let now = Date.parse('2026-01-01T00:00:00Z');
  const tokens = new ServiceAccountTokens({ serviceAccount: (ns, n) => objs.get(`sa/${ns}/${n}`), pod: (ns, n) => objs.get(`pod/${ns}/${n}`) }, { now: () => now });
  put('sa', 'ns', 'sa', 'sa-uid-1');
  put('pod', 'ns', 'p', 'pod-uid-1', { serviceAccountName: 'sa' });

  const r = tokens.tokenRequest('ns', 'sa', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
  assert.equal(r.code, 201);
  const st = r.body.status as { token: string; expirationTimestamp: string };
  assert.equal(st.expirationTimestamp, '2026-01-01T01:00:00Z', 'default lifetime 1 h');
  assert.deepEqual((r.body.spec as { audiences: string[] }).audiences, ['https://kubernetes.default.svc.cluster.local']);
  const u = tokens.authenticate(st.token)!;
  assert.equal(u.name, 'system:serviceaccount:ns:sa');
  assert.deepEqual(u.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns', 'system:authenticated']);
  assert.equal(u.uid, 'sa-uid-1');

  assert.equal(tokens.authenticate(st.token.slice(0, -2) + 'xx'), undefined, 'a tampered token');
  assert.equal(tokens.authenticate('not-a-token'), undefined);
  now += 3600_000;
  assert.equal(tokens.authenticate(st.token), undefined, 'expired');
  now -= 3600_000;

  const bound = (tokens.tokenRequest('ns', 'sa', { spec: { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'pod-uid-1' } } }).body.status as { token: string }).token;
  assert.deepEqual(tokens.authenticate(bound)!.extra!['authentication.kubernetes.io/pod-name'], ['p']);
  put('pod', 'ns', 'p', 'pod-uid-2', { serviceAccountName: 'sa' });
  assert.equal(tokens.authenticate(bound), undefined, 'the bound pod was replaced');
  const vault = (tokens.tokenRequest('ns', 'sa', { spec: { audiences: ['vault'] } }).body.status as { token: string }).token;
  assert.equal(tokens.authenticate(vault), undefined, 'a token for another audience is not accepted by the API server');
  put('sa', 'ns', 'sa', 'sa-uid-2');
  assert.equal(tokens.authenticate(st.token), undefined, 'the ServiceAccount was deleted and re-created');

  const err = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as ApiError).status;
    }
    assert.fail('no error');
  };
  const tooShort = err(() => tokens.tokenRequest('ns', 'sa', { spec: { expirationSeconds: 599 } }));
  assert.equal(tooShort.code, 422);
  assert.equal(tooShort.message, 'TokenRequest.authentication.k8s.io "sa" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');
  assert.equal(err(() => tokens.tokenRequest('ns', 'nope', {})).message, 'serviceaccounts "nope" not found');
  assert.equal(err(() => tokens.tokenRequest('ns', 'sa', { spec: { boundObjectRef: { kind: 'Pod', name: 'gone' } } })).message, 'pods "gone" not found');
  put('pod', 'ns', 'q', 'q-uid', { serviceAccountName: 'other' });
  assert.equal(err(() => tokens.tokenRequest('ns', 'sa', { spec: { boundObjectRef: { kind: 'Pod', name: 'q' } } })).code, 400);
});
