// The one-namespace install (chart value operator.watchNamespace, install flag --namespace), end to end under the
// emulator's RBAC with exactly the generated manifests: the operator's rules are a Role in the watched namespace,
// not a ClusterRole, so every call it makes must be confined to that namespace (and its Lease's). A SchedulerHA
// there becomes Ready; one in another namespace is never touched (no status, no children, not one request).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorStack, namespaceName } from '../helpers/operator-stack.js';
import { waitFor } from '../helpers/wait.js';
import { kubeRequest } from '../../src/kube/index.js';

const OPERATOR = 'system:serviceaccount:schedulerha-system:schedulerha-operator';

test('watchNamespace: a Role in one namespace; the operator works there under RBAC and touches nothing else', { timeout: 300_000 }, async (t) => {
  const watched = namespaceName('watched');
  const s = await OperatorStack.start({ watchNamespace: watched });
  t.after(() => s.stop()); // fails the test if any call was refused
  const other = await s.namespace('other');

  // The generated RBAC really is namespaced: no ClusterRole for the operator, a Role in the watched namespace.
  assert.equal((await kubeRequest(s.kc, { method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles/schedulerha-operator' })).status, 404);
  assert.equal((await kubeRequest(s.kc, { method: 'GET', path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${watched}/roles/schedulerha-operator` })).status, 200);

  // The resource outside the watched namespace exists first, so an operator that looked cluster-wide would meet it.
  await s.create(s.resource(other, 'k8sm', { replicas: 1 }));
  s.startOperator('op', [`--namespace=${watched}`, '--leader-elect-lease-duration=4s', '--leader-elect-renew-deadline=3s', '--leader-elect-retry-period=1s']);
  await s.create(s.resource(watched, 'k8sm'));
  const ready = await s.waitForCondition(watched, 'k8sm', 'Ready', 'True', { timeoutMs: 120_000 });
  assert.equal(ready.status!.readyReplicas, 2);
  assert.equal((await s.list(`/apis/apps/v1/namespaces/${watched}/statefulsets`)).length, 1);

  // The other namespace's resource: untouched.
  const o = await s.get(other, 'k8sm');
  assert.equal(o?.status, undefined, 'no status written outside the watched namespace');
  assert.deepEqual(await s.list(`/apis/apps/v1/namespaces/${other}/statefulsets`), [], 'no children created outside it');

  // Every request the operator made stayed in the watched namespace or its own (the Lease) — nothing cluster-wide.
  const own = `/namespaces/${s.operatorNamespace}/`;
  const mine = s.stack.kube.hooks.requests().filter((r) => r.user === OPERATOR);
  assert.ok(mine.length > 0, 'the operator made requests as its ServiceAccount');
  const stray = mine.filter((r) => !r.path.includes(`/namespaces/${watched}/`) && !r.path.includes(own));
  assert.deepEqual(stray.map((r) => `${r.method} ${r.path}`), [], 'requests outside the watched namespace');
  assert.ok(mine.some((r) => r.method === 'GET' && r.path === `/apis/k8sm.io/v1alpha1/namespaces/${watched}/schedulerhas`), 'lists SchedulerHAs in the watched namespace');
  assert.ok(mine.some((r) => r.method === 'GET' && r.path === `/api/v1/namespaces/${watched}/pods`), 'lists pods in the watched namespace');
  assert.deepEqual(s.denials(), []);
});

test('watchNamespace RBAC but no --namespace: the refused cluster-wide lists say how to fix it; nothing is written', { timeout: 300_000 }, async (t) => {
  const watched = namespaceName('watched');
  const s = await OperatorStack.start({ watchNamespace: watched });
  s.checkDenials = false; // the refusals are what this test provokes
  t.after(() => s.stop());
  await s.create(s.resource(watched, 'k8sm', { replicas: 1 }));
  const op = s.startOperator('op', ['--leader-elect-lease-duration=4s', '--leader-elect-renew-deadline=3s', '--leader-elect-retry-period=1s']);

  const line = await waitFor('a refused list logged with its fix', () => op.lines.find((l) => l.code === 403 && typeof l.hint === 'string'), { timeoutMs: 60_000 });
  assert.match(String(line.hint), /needs --namespace=<that namespace>/);
  assert.match(String(line.err), /cannot list resource .* at the cluster scope/);
  // /status carries the same explanation per informer, and the operator is not ready.
  const st = await waitFor('every informer reporting the refusal', async () => {
    const v = (await op.status()) as { informers?: Array<{ name: string; synced: boolean; lastError?: string }> };
    return v.informers?.length && v.informers.every((i) => !i.synced && /403 Forbidden.*needs --namespace=/.test(i.lastError ?? '')) ? v : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  assert.ok(st.informers!.some((i) => i.name === 'schedulerhas'));
  assert.equal((await fetch(`${await op.url()}/readyz`, { signal: AbortSignal.timeout(5000) })).status, 503);
  // Refused were only the operator's cluster-wide lists; and it wrote nothing (no status, no children).
  const denied = s.denials();
  assert.ok(denied.length > 0);
  assert.deepEqual([...new Set(denied.map((d) => `${d.user} ${d.verb} ${d.namespace ?? ''}`))], [`${OPERATOR} list `]);
  assert.equal((await s.get(watched, 'k8sm'))?.status, undefined);
  assert.deepEqual(await s.list(`/apis/apps/v1/namespaces/${watched}/statefulsets`), []);
});
