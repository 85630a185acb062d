// Least privilege, checked statically: what install.yaml (= the Helm chart with default values) grants the operator
// and the scheduler ServiceAccounts is exactly the committed list of the calls their code makes
// (src/manifests/rbac.ts) — nothing more, nothing less — evaluated by the emulator's RBAC authorizer (the same
// code that authorizes the end-to-end tests), plus a table of calls each must NOT be able to make.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { authorize, bootstrapPolicy, forbiddenError, rbacFromObjects, requestInfo, serviceAccountUser, subjectMatches, type BindingLike, type PolicyRule, type UserInfo } from '../../src/devstack/kube/authz.js';
import { INSTALL_FILE, parseObjects } from '../../src/manifests/render.js';
import { OPERATOR_RULES, SCHEDULER_RULES, operatorElectionRules, type RuleSpec } from '../../src/manifests/rbac.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const installed = parseObjects(readFileSync(INSTALL_FILE, 'utf8')) as Obj[];
const src = rbacFromObjects([...(bootstrapPolicy() as Obj[]), ...installed] as never);
const operator = serviceAccountUser('schedulerha-system', 'schedulerha-operator');
const scheduler = serviceAccountUser('mesos', 'schedulerha-scheduler');

const can = (u: UserInfo, method: string, path: string, query: Record<string, string> = {}) => authorize({ ...requestInfo(method, path, query), user: u }, src).allowed;

/** "scope verb group/resource[names]" for every permission a set of rules gives in a scope. */
function atoms(scope: string, rules: PolicyRule[]): string[] {
  const out: string[] = [];
  for (const r of rules) {
    for (const g of r.apiGroups ?? []) for (const res of r.resources ?? []) for (const v of r.verbs) out.push(`${scope} ${v} ${g}/${res}${r.resourceNames?.length ? `[${[...r.resourceNames].sort().join(',')}]` : ''}`);
    for (const u of r.nonResourceURLs ?? []) for (const v of r.verbs) out.push(`${scope} ${v} ${u}`);
  }
  return out;
}

/** Everything the bindings in install.yaml grant `user` (bootstrap discovery roles aside). */
function granted(user: UserInfo): string[] {
  const out: string[] = [];
  for (const b of installed.filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') as unknown as BindingLike[]) {
    const ns = (b as unknown as Obj).kind === 'RoleBinding' ? b.metadata.namespace! : '';
    if (!(b.subjects ?? []).some((s) => subjectMatches(user, s, ns))) continue;
    const role = b.roleRef.kind === 'ClusterRole' ? src.clusterRole(b.roleRef.name) : src.role(ns, b.roleRef.name);
    assert.ok(role, `${b.roleRef.kind} ${b.roleRef.name} of binding ${b.metadata.name} exists`);
    out.push(...atoms(ns ? `ns:${ns}` : 'cluster', role!.rules ?? []));
  }
  return out.sort();
}

const expected = (scope: string, specs: RuleSpec[]) => atoms(scope, specs);

test('the operator is granted exactly the committed list: its rules cluster-wide, the Lease in its namespace', () => {
  assert.deepEqual(granted(operator), [...expected('cluster', OPERATOR_RULES), ...expected('ns:schedulerha-system', operatorElectionRules('schedulerha-operator'))].sort());
});

test('the scheduler is granted exactly the committed list, cluster-wide, through its namespace\'s binding', () => {
  assert.deepEqual(granted(scheduler), expected('cluster', SCHEDULER_RULES).sort());
  assert.deepEqual(granted(serviceAccountUser('elsewhere', 'schedulerha-scheduler')), [], 'a namespace that is not set up gets nothing');
  assert.deepEqual(granted(serviceAccountUser('mesos', 'default')), [], "nor does the namespace's default ServiceAccount");
});

test('every call in the list is allowed, in any namespace (operator and scheduler), as the authorizer decides it', () => {
  for (const ns of ['mesos', 'team-a']) {
    // operator: informers (cluster-wide lists and watches), applies, deletes, status, Events, Secrets
    for (const [m, p, q] of [
      ['GET', '/apis/k8sm.io/v1alpha1/schedulerhas', {}],
      ['GET', '/apis/k8sm.io/v1alpha1/schedulerhas', { watch: 'true' }],
      ['PATCH', `/apis/k8sm.io/v1alpha1/namespaces/${ns}/schedulerhas/k8sm`, {}],
      ['PATCH', `/apis/k8sm.io/v1alpha1/namespaces/${ns}/schedulerhas/k8sm/status`, {}],
      ['PUT', `/apis/k8sm.io/v1alpha1/namespaces/${ns}/schedulerhas/k8sm/finalizers`, {}],
      ['GET', '/apis/apps/v1/statefulsets', { watch: 'true', labelSelector: 'app.kubernetes.io/managed-by=schedulerha-operator' }],
      ['PATCH', `/apis/apps/v1/namespaces/${ns}/statefulsets/k8sm`, {}],
      ['POST', `/apis/apps/v1/namespaces/${ns}/statefulsets`, {}],
      ['DELETE', `/apis/apps/v1/namespaces/${ns}/statefulsets/k8sm`, {}],
      ['PATCH', `/api/v1/namespaces/${ns}/configmaps/k8sm-config`, {}],
      ['PATCH', `/api/v1/namespaces/${ns}/services/k8sm`, {}],
      ['DELETE', `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/k8sm`, {}],
      ['GET', '/api/v1/pods', { labelSelector: 'app.kubernetes.io/managed-by=schedulerha-operator' }],
      ['GET', `/api/v1/namespaces/${ns}/secrets/etcd-tls`, {}],
      ['POST', `/apis/events.k8s.io/v1/namespaces/${ns}/events`, {}],
      ['PATCH', `/apis/events.k8s.io/v1/namespaces/${ns}/events/k8sm.1`, {}],
    ] as Array<[string, string, Record<string, string>]>) {
      assert.ok(can(operator, m, p, q), `operator ${m} ${p} ${JSON.stringify(q)}`);
    }
    for (const [m, p, q] of [
      ['GET', '/api/v1/pods', { fieldSelector: 'spec.schedulerName=kubernetes' }],
      ['GET', '/api/v1/pods', { watch: 'true', fieldSelector: 'spec.schedulerName=kubernetes' }],
      ['POST', `/api/v1/namespaces/${ns}/pods/web-0/binding`, {}],
      ['PATCH', `/api/v1/namespaces/${ns}/pods/web-0/status`, {}],
      ['DELETE', `/api/v1/namespaces/${ns}/pods/web-0`, {}],
      ['POST', `/apis/events.k8s.io/v1/namespaces/${ns}/events`, {}],
      ['PATCH', `/apis/events.k8s.io/v1/namespaces/${ns}/events/web-0.1`, {}],
    ] as Array<[string, string, Record<string, string>]>) {
      assert.ok(can(scheduler, m, p, q), `scheduler ${m} ${p}`);
    }
  }
  for (const [m, p] of [
    ['POST', '/apis/coordination.k8s.io/v1/namespaces/schedulerha-system/leases'],
    ['GET', '/apis/coordination.k8s.io/v1/namespaces/schedulerha-system/leases/schedulerha-operator'],
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/schedulerha-system/leases/schedulerha-operator'],
  ]) {
    assert.ok(can(operator, m!, p!), `operator ${m} ${p}`);
  }
  // Discovery, as every authenticated client.
  assert.ok(can(operator, 'GET', '/apis/k8sm.io/v1alpha1'));
  assert.ok(can(scheduler, 'GET', '/api/v1'));
});

test('what they must not do', () => {
  const deny: Array<[UserInfo, string, string, Record<string, string>?]> = [
    // operator: no pod writes or reads by name, no Secret lists, no deleting or creating SchedulerHAs, no other Lease
    [operator, 'POST', '/api/v1/namespaces/mesos/pods'],
    [operator, 'GET', '/api/v1/namespaces/mesos/pods/k8sm-0'],
    [operator, 'DELETE', '/api/v1/namespaces/mesos/pods/k8sm-0'],
    [operator, 'POST', '/api/v1/namespaces/mesos/pods/x/binding'],
    [operator, 'GET', '/api/v1/namespaces/mesos/secrets'],
    [operator, 'GET', '/api/v1/secrets', { watch: 'true' }],
    [operator, 'PATCH', '/api/v1/namespaces/mesos/secrets/etcd-tls'],
    [operator, 'DELETE', '/api/v1/namespaces/mesos/configmaps'],
    [operator, 'PUT', '/apis/apps/v1/namespaces/mesos/statefulsets/k8sm'],
    [operator, 'DELETE', '/apis/apps/v1/namespaces/mesos/statefulsets'],
    [operator, 'POST', '/apis/k8sm.io/v1alpha1/namespaces/mesos/schedulerhas'],
    [operator, 'DELETE', '/apis/k8sm.io/v1alpha1/namespaces/mesos/schedulerhas/k8sm'],
    [operator, 'PUT', '/apis/k8sm.io/v1alpha1/namespaces/mesos/schedulerhas/k8sm'],
    [operator, 'GET', '/apis/k8sm.io/v1alpha1/namespaces/mesos/schedulerhas/k8sm'],
    [operator, 'GET', '/apis/coordination.k8s.io/v1/namespaces/schedulerha-system/leases/other'],
    [operator, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/mesos/leases/schedulerha-operator'],
    [operator, 'POST', '/apis/coordination.k8s.io/v1/namespaces/mesos/leases'],
    [operator, 'GET', '/apis/coordination.k8s.io/v1/namespaces/schedulerha-system/leases'],
    [operator, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'],
    [operator, 'POST', '/api/v1/namespaces/mesos/events'],
    [operator, 'GET', '/api/v1/nodes'],
    [operator, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'],
    [operator, 'POST', '/api/v1/namespaces/mesos/serviceaccounts/schedulerha-scheduler/token'],
    // scheduler: pods (and Events about them) only, and no pod creation / replacement
    [scheduler, 'POST', '/api/v1/namespaces/mesos/pods'],
    [scheduler, 'PATCH', '/api/v1/namespaces/kube-system/pods/kube-proxy-x'],
    [scheduler, 'PUT', '/api/v1/namespaces/mesos/pods/web-0'],
    [scheduler, 'GET', '/api/v1/namespaces/mesos/pods/web-0'],
    [scheduler, 'DELETE', '/api/v1/namespaces/mesos/pods'],
    [scheduler, 'PUT', '/api/v1/namespaces/mesos/pods/web-0/status'],
    [scheduler, 'GET', '/api/v1/namespaces/mesos/secrets/etcd-tls'],
    [scheduler, 'GET', '/api/v1/nodes'],
    [scheduler, 'POST', '/api/v1/namespaces/mesos/events'],
    [scheduler, 'DELETE', '/apis/events.k8s.io/v1/namespaces/mesos/events/web-0.1'],
    [scheduler, 'GET', '/apis/k8sm.io/v1alpha1/schedulerhas'],
    [scheduler, 'PATCH', '/apis/coordination.k8s.io/v1/namespaces/mesos/leases/x'],
    // a scheduler pod in a namespace that was not set up
    [serviceAccountUser('elsewhere', 'schedulerha-scheduler'), 'GET', '/api/v1/pods', { fieldSelector: 'spec.schedulerName=kubernetes' }],
  ];
  for (const [u, m, p, q] of deny) assert.equal(can(u, m, p, q ?? {}), false, `${u.name} must not ${m} ${p} ${JSON.stringify(q ?? {})}`);
  const e = forbiddenError({ ...requestInfo('GET', '/api/v1/namespaces/mesos/pods/k8sm-0'), user: operator });
  assert.equal(e.message, 'pods "k8sm-0" is forbidden: User "system:serviceaccount:schedulerha-system:schedulerha-operator" cannot get resource "pods" in API group "" in the namespace "mesos"');
});

test('every rule names the code that needs it, and that code exists', () => {
  for (const r of [...OPERATOR_RULES, ...operatorElectionRules('x'), ...SCHEDULER_RULES]) {
    assert.ok(r.why.length > 20, `a reason for ${r.resources?.join(',')}`);
    assert.ok(r.usedBy.length > 0, `code for ${r.resources?.join(',')}`);
    for (const u of r.usedBy) {
      const file = u.split(' ')[0]!;
      assert.ok(existsSync(file), `${file} (${r.resources?.join(',')})`);
      const fn = /\(([^)]+)\)/.exec(u)?.[1];
      if (fn && /^[A-Za-z]+(, [A-Za-z]+)*$/.test(fn) && !['informer', 'informers'].includes(fn)) {
        for (const name of fn.split(', ')) assert.ok(readFileSync(file, 'utf8').includes(name), `${file} mentions ${name}`);
      }
    }
  }
});
