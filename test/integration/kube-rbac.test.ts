// The Kubernetes API emulator with RBAC on, over real HTTP with client-node: install.yaml and the samples apply
// (every kind validated, the samples against the CRD schema and the ServiceAccount admission plugin);
// ServiceAccount tokens from the TokenRequest API authenticate as system:serviceaccount:<ns>:<name>; the operator
// and scheduler ServiceAccounts can make their calls and get the real 403 Status for anything else; taking one rule
// away from the operator's ClusterRole makes exactly the calls that needed it fail; an apply that creates needs
// `create`; blockOwnerDeletion needs `update` on the owner's finalizers; tokens die with their ServiceAccount.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KubeApiServer } from '../../src/devstack/kube/index.js';
import { applyObject, kubeConfigFromString, kubeRequest, kubeRequestOk, mergePatchObject } from '../../src/kube/index.js';
import { INSTALL_FILE, parseObjects } from '../../src/manifests/render.js';
import type { KubeConfig } from '@kubernetes/client-node';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function rbacServer(t: { after: (fn: () => Promise<void>) => void }) {
  const server = await KubeApiServer.start({ rbac: true });
  t.after(() => server.stop());
  const admin = kubeConfigFromString(server.kubeconfig);
  for (const o of parseObjects(readFileSync(INSTALL_FILE, 'utf8'))) await applyObject(admin, o, { fieldManager: 'test', force: true });
  /** A kubeconfig for a ServiceAccount, with a token from the TokenRequest API (as `kubectl create token`). */
  const saKubeconfig = async (ns: string, name: string): Promise<KubeConfig> => {
    const tr = await kubeRequestOk<Obj>(admin, { method: 'POST', path: `/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } });
    return kubeConfigFromString(server.kubeconfigWithToken(tr.status.token, { namespace: ns }));
  };
  return { server, admin, saKubeconfig };
}

const ownedCm = (name: string, owner: Obj) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'mesos', ownerReferences: [{ apiVersion: 'k8sm.io/v1alpha1', kind: 'SchedulerHA', name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }] },
  data: { a: '1' },
});

test('install.yaml and every sample apply; the samples pass the CRD schema and ServiceAccount admission', async (t) => {
  const { admin } = await rbacServer(t);
  const samples = readdirSync('manifests/samples').flatMap((f) => parseObjects(readFileSync(join('manifests/samples', f), 'utf8')));
  assert.ok(samples.length >= 3);
  for (const s of samples) await applyObject(admin, s, { fieldManager: 'test' });
  const ha = await kubeRequestOk<Obj>(admin, { method: 'GET', path: '/apis/k8sm.io/v1alpha1/namespaces/mesos/schedulerhas/k8sm' });
  assert.equal(ha.spec.replicas, 2);
  assert.equal(ha.spec.serviceAccountName, 'schedulerha-scheduler', 'CRD defaulting');
  const pod = await kubeRequestOk<Obj>(admin, { method: 'GET', path: '/api/v1/namespaces/default/pods/nginx-on-mesos' });
  assert.equal(pod.spec.serviceAccountName, 'default', 'ServiceAccount admission defaults it');
  const dep = await kubeRequestOk<Obj>(admin, { method: 'GET', path: '/apis/apps/v1/namespaces/schedulerha-system/deployments/schedulerha-operator' });
  assert.equal(dep.spec.replicas, 2);
  // A pod without imagePullSecrets gets its ServiceAccount's (how the scheduler pods get the chart's).
  await kubeRequestOk(admin, { method: 'POST', path: '/api/v1/namespaces/mesos/serviceaccounts', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'pulls' }, imagePullSecrets: [{ name: 'regcred' }] } });
  const pulled = await kubeRequestOk<Obj>(admin, { method: 'POST', path: '/api/v1/namespaces/mesos/pods', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pulled' }, spec: { serviceAccountName: 'pulls', containers: [{ name: 'c', image: 'x' }] } } });
  assert.deepEqual(pulled.spec.imagePullSecrets, [{ name: 'regcred' }]);
  // A pod naming a ServiceAccount that does not exist is refused, as on a real cluster.
  const r = await kubeRequest<Obj>(admin, { method: 'POST', path: '/api/v1/namespaces/mesos/pods', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { serviceAccountName: 'nope', containers: [{ name: 'c', image: 'x' }] } } });
  assert.equal(r.status, 403);
  assert.equal(r.body.message, 'pods "p" is forbidden: error looking up service account mesos/nope: serviceaccount "nope" not found');
});

test('ServiceAccount tokens: the operator and the scheduler make their calls; anything else is the real 403', async (t) => {
  const { server, admin, saKubeconfig } = await rbacServer(t);
  await applyObject(admin, parseObjects(readFileSync('manifests/samples/schedulerha-ha.yaml', 'utf8'))[0]!, { fieldManager: 'test' });
  const owner = await kubeRequestOk<Obj>(admin, { method: 'GET', path: '/apis/k8sm.io/v1alpha1/namespaces/mesos/schedulerhas/k8sm' });
  const op = await saKubeconfig('schedulerha-system', 'schedulerha-operator');
  const sched = await saKubeconfig('mesos', 'schedulerha-scheduler');

  // Allowed: cluster-wide informer lists, status patch, an owned child applied (created), the Lease.
  assert.equal((await kubeRequest(op, { method: 'GET', path: '/apis/k8sm.io/v1alpha1/schedulerhas' })).status, 200);
  assert.equal((await kubeRequest(op, { method: 'GET', path: '/api/v1/pods', query: { labelSelector: 'app.kubernetes.io/managed-by=schedulerha-operator' } })).status, 200);
  await kubeRequestOk(op, { method: 'PATCH', path: '/apis/k8sm.io/v1alpha1/namespaces/mesos/schedulerhas/k8sm/status', body: { status: { replicas: 0 } }, contentType: 'application/merge-patch+json' });
  await applyObject(op, ownedCm('k8sm-config', owner), { fieldManager: 'schedulerha-operator', force: true });
  await kubeRequestOk(op, { method: 'POST', path: '/apis/coordination.k8s.io/v1/namespaces/schedulerha-system/leases', body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'schedulerha-operator' }, spec: { holderIdentity: 'a' } } });
  assert.equal((await kubeRequest(op, { method: 'GET', path: '/apis/coordination.k8s.io/v1/namespaces/schedulerha-system/leases/schedulerha-operator' })).status, 200);
  assert.equal((await kubeRequest(op, { method: 'GET', path: '/apis' })).status, 200, 'discovery');

  // Forbidden, with the Status kube-apiserver writes.
  const r = await kubeRequest<Obj>(op, { method: 'GET', path: '/api/v1/namespaces/mesos/pods/k8sm-0' });
  assert.equal(r.status, 403);
  assert.deepEqual(r.body, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'pods "k8sm-0" is forbidden: User "system:serviceaccount:schedulerha-system:schedulerha-operator" cannot get resource "pods" in API group "" in the namespace "mesos"',
    reason: 'Forbidden',
    details: { name: 'k8sm-0', kind: 'pods' },
    code: 403,
  });
  assert.equal((await kubeRequest(op, { method: 'GET', path: '/apis/coordination.k8s.io/v1/namespaces/schedulerha-system/leases/other' })).status, 403, 'resourceNames');
  const p = await kubeRequest<Obj>(op, { method: 'GET', path: '/logs' });
  assert.equal(p.status, 403);
  assert.equal(p.body.message, 'forbidden: User "system:serviceaccount:schedulerha-system:schedulerha-operator" cannot get path "/logs"');
  const audit = server.hooks.requests().filter((x) => x.status === 403);
  assert.ok(audit.every((x) => x.user === 'system:serviceaccount:schedulerha-system:schedulerha-operator'), 'the recorder names the user');

  // The scheduler: bind a pod anywhere, never read Secrets.
  await kubeRequestOk(admin, { method: 'POST', path: '/api/v1/namespaces/default/pods', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { schedulerName: 'kubernetes', containers: [{ name: 'c', image: 'x' }] } } });
  assert.equal((await kubeRequest(sched, { method: 'GET', path: '/api/v1/pods', query: { fieldSelector: 'spec.schedulerName=kubernetes' } })).status, 200);
  await kubeRequestOk(sched, { method: 'POST', path: '/api/v1/namespaces/default/pods/web/binding', body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web' }, target: { kind: 'Node', name: 'agent-1' } } });
  // Annotations through pods/status (metadata kept, spec never); the pod itself is not the scheduler's to patch.
  const annotated = await kubeRequestOk<Obj>(sched, { method: 'PATCH', path: '/api/v1/namespaces/default/pods/web/status', contentType: 'application/merge-patch+json', body: { metadata: { annotations: { 'k8sm.io/task-id': 't1' } }, spec: { containers: [{ name: 'c', image: 'attacker/implant' }] } } });
  assert.equal(annotated.metadata.annotations['k8sm.io/task-id'], 't1');
  assert.equal(annotated.spec.containers[0].image, 'x', 'pods/status keeps the spec');
  const patched = await kubeRequest<Obj>(sched, { method: 'PATCH', path: '/api/v1/namespaces/default/pods/web', contentType: 'application/merge-patch+json', body: { metadata: { annotations: { a: 'b' } } } });
  assert.equal(patched.status, 403);
  assert.equal((await kubeRequest(sched, { method: 'GET', path: '/api/v1/namespaces/mesos/secrets/x' })).status, 403);
  assert.equal((await kubeRequest(sched, { method: 'POST', path: '/api/v1/namespaces/default/pods', body: {} })).status, 403);
});

test('one rule less → exactly its calls fail: apply-creates need create, blockOwnerDeletion needs finalizers', async (t) => {
  const { admin, saKubeconfig } = await rbacServer(t);
  await applyObject(admin, parseObjects(readFileSync('manifests/samples/schedulerha-ha.yaml', 'utf8'))[0]!, { fieldManager: 'test' });
  const owner = await kubeRequestOk<Obj>(admin, { method: 'GET', path: '/apis/k8sm.io/v1alpha1/namespaces/mesos/schedulerhas/k8sm' });
  const op = await saKubeconfig('schedulerha-system', 'schedulerha-operator');
  await applyObject(op, ownedCm('existing', owner), { fieldManager: 'schedulerha-operator', force: true });
  const role = await kubeRequestOk<Obj>(admin, { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles/schedulerha-operator' });
  const setRules = (rules: Obj[]) => mergePatchObject(admin, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'schedulerha-operator' }, { rules });

  // Without `create` on configmaps: applying a new ConfigMap is refused (the apply handler's create check), while
  // applying over an existing one (a patch) still works.
  await setRules(role.rules.map((r: Obj) => (r.resources.includes('configmaps') ? { ...r, verbs: r.verbs.filter((v: string) => v !== 'create') } : r)));
  const denied = await applyObject(op, ownedCm('new-one', owner), { fieldManager: 'schedulerha-operator', force: true }).then(
    () => undefined,
    (e: { code: number; message: string }) => e,
  );
  assert.equal(denied?.code, 403);
  assert.match(denied!.message, /configmaps "new-one" is forbidden/);
  await applyObject(op, { ...ownedCm('existing', owner), data: { a: '2' } }, { fieldManager: 'schedulerha-operator', force: true });

  // Without update on schedulerhas/finalizers: a new child with blockOwnerDeletion is refused by
  // OwnerReferencesPermissionEnforcement; without blockOwnerDeletion it would be fine.
  await setRules(role.rules.filter((r: Obj) => !r.resources.includes('schedulerhas/finalizers')));
  const noFin = await applyObject(op, ownedCm('blocking', owner), { fieldManager: 'schedulerha-operator', force: true }).then(
    () => undefined,
    (e: { code: number; message: string }) => e,
  );
  assert.equal(noFin?.code, 403);
  assert.match(noFin!.message, /configmaps "blocking" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on/);
  const plain = ownedCm('not-blocking', owner);
  delete (plain.metadata.ownerReferences[0] as Obj).blockOwnerDeletion;
  await applyObject(op, plain, { fieldManager: 'schedulerha-operator', force: true });

  // The rules back: everything works again (the authorizer reads the live objects).
  await setRules(role.rules);
  await applyObject(op, ownedCm('blocking', owner), { fieldManager: 'schedulerha-operator', force: true });
});

test('tokens: rejected (401) once their ServiceAccount is gone; TokenRequest needs create on serviceaccounts/token', async (t) => {
  const { admin, saKubeconfig } = await rbacServer(t);
  await kubeRequestOk(admin, { method: 'POST', path: '/api/v1/namespaces/mesos/serviceaccounts', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'temp' } } });
  const temp = await saKubeconfig('mesos', 'temp');
  assert.equal((await kubeRequest(temp, { method: 'GET', path: '/api' })).status, 200);
  assert.equal((await kubeRequest(temp, { method: 'GET', path: '/api/v1/namespaces/mesos/pods' })).status, 403, 'no RBAC, no pods');
  assert.equal((await kubeRequest(temp, { method: 'POST', path: '/api/v1/namespaces/mesos/serviceaccounts/schedulerha-scheduler/token', body: {} })).status, 403, 'cannot mint tokens');
  await kubeRequestOk(admin, { method: 'DELETE', path: '/api/v1/namespaces/mesos/serviceaccounts/temp' });
  const gone = await kubeRequest<Obj>(temp, { method: 'GET', path: '/api' });
  assert.equal(gone.status, 401);
  assert.equal(gone.body.reason, 'Unauthorized');
});
