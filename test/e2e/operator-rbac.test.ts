// The RBAC check, end to end. Under the emulator's RBAC authorizer, with exactly the generated manifests
// (src/manifests): the operator runs with its ServiceAccount's token and the scheduler pods with theirs (the
// runner's projected-token emulation), a SchedulerHA becomes Ready, and a user pod in another namespace is
// scheduled through Mesos — bound, then deleted — by the scheduler's ServiceAccount, with no call refused; a
// SchedulerHA in a namespace that was not set up cannot start its pods (no ServiceAccount there).
// And the check can fail: take one rule away (the operator's `create` on StatefulSets, the scheduler's
// pods/binding) and exactly those calls are refused with 403 until the rule is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorStack } from '../helpers/operator-stack.js';
import { waitFor } from '../helpers/wait.js';
import { kubeRequest, kubeRequestOk, mergePatchObject } from '../../src/kube/index.js';
import { schedulerNameOf } from '../../src/scheduler/framework.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const OPERATOR = 'system:serviceaccount:schedulerha-system:schedulerha-operator';

function userPod(name: string, schedulerName: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { schedulerName, containers: [{ name: 'main', image: 'example/app:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
  };
}

test('under RBAC: operator and scheduler run as their ServiceAccounts; Ready; a pod scheduled, bound and deleted', { timeout: 300_000 }, async (t) => {
  const s = await OperatorStack.start();
  t.after(() => s.stop()); // fails the test if any call was refused
  const ns = await s.namespace('rbac');
  const apps = 'apps-' + ns.slice(-8);
  await s.clients.core.createNamespace({ body: { metadata: { name: apps } } });
  // The operator's own pod (downward API POD_NAME / POD_NAMESPACE): without --scheduler-image its image is the
  // scheduler image, read with the operator's own token (bound elsewhere, so nothing runs it here).
  const image = 'registry.example.com/team/schedulerha:rbac-test';
  await kubeRequestOk(s.kc, { method: 'POST', path: `/api/v1/namespaces/${s.operatorNamespace}/pods`, body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'schedulerha-operator-x' }, spec: { nodeName: 'elsewhere', containers: [{ name: 'operator', image }] } } });
  const op = s.startOperator('op', ['--leader-elect-lease-duration=4s', '--leader-elect-renew-deadline=3s', '--leader-elect-retry-period=1s'], { POD_NAME: 'schedulerha-operator-x', POD_NAMESPACE: s.operatorNamespace });
  const o = await s.create(s.resource(ns, 'k8sm'));
  const ready = await s.waitForCondition(ns, 'k8sm', 'Ready', 'True', { timeoutMs: 120_000 });
  assert.equal(ready.status!.readyReplicas, 2);
  const sts = await kubeRequestOk<Obj>(s.kc, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/statefulsets/k8sm` });
  assert.equal(sts.spec.template.spec.containers[0].image, image, "the scheduler image is the operator pod's image");
  assert.ok(!op.lines.some((l) => /cannot read the operator pod/.test(String(l.msg))), 'the operator could read its own pod');
  // The Lease is in the operator's namespace (the kubeconfig's namespace), the only place RBAC allows it.
  const lease = await kubeRequestOk<Obj>(s.kc, { method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/${s.operatorNamespace}/leases/schedulerha-operator` });
  assert.match(String(lease.spec.holderIdentity), /^op_/);

  // A pod anywhere that names this scheduler: launched on Mesos, bound by the scheduler, deleted by it.
  const schedulerName = schedulerNameOf(String(o.spec.flags!.frameworkName));
  await kubeRequestOk(s.kc, { method: 'POST', path: `/api/v1/namespaces/${apps}/pods`, body: userPod('web', schedulerName) });
  const bound = await waitFor('the pod bound', async () => {
    const p = await kubeRequestOk<Obj>(s.kc, { method: 'GET', path: `/api/v1/namespaces/${apps}/pods/web` });
    return p.spec.nodeName ? p : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  assert.ok(bound.metadata.annotations['k8s.mesosphere.io/taskId'], 'annotated with its task');
  await kubeRequestOk(s.kc, { method: 'DELETE', path: `/api/v1/namespaces/${apps}/pods/web` });
  await waitFor('the pod gone (its task killed, then deleted by the scheduler)', async () => (await kubeRequest(s.kc, { method: 'GET', path: `/api/v1/namespaces/${apps}/pods/web` })).status === 404, { timeoutMs: 60_000, intervalMs: 250 });

  // Who made the calls: the operator and the scheduler as their ServiceAccounts, never with admin credentials.
  const reqs = s.stack.kube.hooks.requests();
  const did = (user: string, method: string, path: RegExp) => reqs.some((r) => r.user === user && r.method === method && path.test(r.path) && (r.status ?? 0) < 300);
  const scheduler = `system:serviceaccount:${ns}:schedulerha-scheduler`;
  assert.ok(did(OPERATOR, 'PATCH', /\/schedulerhas\/k8sm\/status$/), 'the operator writes status');
  assert.ok(did(OPERATOR, 'PUT', /\/leases\/schedulerha-operator$/), 'the operator renews its Lease');
  assert.ok(did(OPERATOR, 'GET', /^\/api\/v1\/pods$/), 'the operator lists pods');
  assert.ok(did(scheduler, 'GET', /^\/api\/v1\/pods$/), 'the scheduler pods watch pods with their own token');
  assert.ok(did(scheduler, 'POST', new RegExp(`^/api/v1/namespaces/${apps}/pods/web/binding$`)), 'the scheduler binds');
  assert.ok(did(scheduler, 'DELETE', new RegExp(`^/api/v1/namespaces/${apps}/pods/web$`)), 'the scheduler finishes the deletion');
  assert.ok(!reqs.some((r) => r.user === 'kubernetes-admin' && /\/schedulerhas\/k8sm\/status$/.test(r.path) && r.method === 'PATCH'), 'no status write with admin credentials');

  // A SchedulerHA in a namespace that was not set up: its pods are refused (no ServiceAccount), which the
  // StatefulSet's events and the resource's ReplicasReady condition report.
  await s.create(s.resource(apps, 'k8sm', { replicas: 1 }));
  const ev = await waitFor('FailedCreate for the missing ServiceAccount', async () => {
    const l = await kubeRequestOk<{ items: Obj[] }>(s.kc, { method: 'GET', path: `/api/v1/namespaces/${apps}/events` });
    return l.items.find((e) => e.reason === 'FailedCreate' && e.involvedObject?.kind === 'StatefulSet');
  }, { timeoutMs: 60_000, intervalMs: 250 });
  assert.match(ev.message, /error looking up service account [^/]+\/schedulerha-scheduler: serviceaccount "schedulerha-scheduler" not found/);
  await s.waitForCondition(apps, 'k8sm', 'ReplicasReady', 'False', { timeoutMs: 60_000 });
  assert.deepEqual(s.denials(), []);
});

test('the check can fail: one rule less → exactly its calls get 403, and work again once it is back', { timeout: 300_000 }, async (t) => {
  const s = await OperatorStack.start();
  s.checkDenials = false; // denials are what this test provokes
  t.after(() => s.stop());
  const ns = await s.namespace('rbacfail');
  const role = (name: string) => kubeRequestOk<Obj>(s.kc, { method: 'GET', path: `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}` });
  const setRules = (name: string, rules: Obj[]) => mergePatchObject(s.kc, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name }, { rules });
  const opRules = (await role('schedulerha-operator')).rules as Obj[];
  const schedRules = (await role('schedulerha-scheduler')).rules as Obj[];

  // The operator without `create` on StatefulSets: its server-side apply of a new StatefulSet is refused
  // (apply creates are authorized as create), while the ConfigMap and the Service are applied.
  await setRules('schedulerha-operator', opRules.map((r) => (r.resources.includes('statefulsets') ? { ...r, verbs: r.verbs.filter((v: string) => v !== 'create') } : r)));
  const op = s.startOperator('op', ['--no-leader-elect']);
  await s.create(s.resource(ns, 'k8sm'));
  const line = await waitFor('the apply refused', () => op.lines.find((l) => l.msg === 'applying the children failed' && /statefulsets\.apps "k8sm" is forbidden/.test(String(l.err))), { timeoutMs: 60_000 });
  assert.ok(line);
  const d = s.denials().find((x) => x.user === OPERATOR && x.resource === 'apps/statefulsets');
  assert.deepEqual(d && { verb: d.verb, namespace: d.namespace, name: d.name }, { verb: 'create', namespace: ns, name: 'k8sm' });
  assert.equal((await kubeRequest(s.kc, { method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/k8sm-config` })).status, 200, 'what the rules allow still happens');
  assert.equal((await kubeRequest(s.kc, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/statefulsets/k8sm` })).status, 404);

  // The rule back: the operator's retry creates it and the resource becomes Ready.
  await setRules('schedulerha-operator', opRules);
  const o = await s.waitForCondition(ns, 'k8sm', 'Ready', 'True', { timeoutMs: 120_000 });

  // The scheduler without pods/binding: the pod's task may run, but the pod is never bound, and the scheduler's
  // binding calls are refused; with the rule back, it is bound.
  await setRules('schedulerha-scheduler', schedRules.filter((r) => !r.resources.includes('pods/binding')));
  await kubeRequestOk(s.kc, { method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: userPod('web', schedulerNameOf(String(o.spec.flags!.frameworkName))) });
  const scheduler = `system:serviceaccount:${ns}:schedulerha-scheduler`;
  await waitFor('the binding refused', () => s.denials().some((x) => x.user === scheduler && x.verb === 'create' && x.resource === '/pods/binding' && x.name === 'web'), { timeoutMs: 60_000, intervalMs: 250 });
  assert.equal((await kubeRequestOk<Obj>(s.kc, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/web` })).spec.nodeName, undefined);
  await setRules('schedulerha-scheduler', schedRules);
  await waitFor('the pod bound once the rule is back', async () => !!(await kubeRequestOk<Obj>(s.kc, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/web` })).spec.nodeName, { timeoutMs: 90_000, intervalMs: 250 });
  // Nothing but the provoked calls was refused.
  const unexpected = s.denials().filter((x) => !(x.user === OPERATOR && x.resource === 'apps/statefulsets' && x.verb === 'create') && !(x.user === scheduler && x.resource === '/pods/binding'));
  assert.deepEqual(unexpected, []);
});
