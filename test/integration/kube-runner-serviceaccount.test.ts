// The runner's projected service-account token: with serviceAccountTokens, a container's KUBECONFIG authenticates
// as its pod's spec.serviceAccountName (a TokenRequest bound to the pod) instead of the runner's credentials —
// what RBAC then authorizes; automountServiceAccountToken: false means no credentials at all; the token dies with
// the pod; a ServiceAccount that does not exist yet keeps the container waiting until it does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeApiServer } from '../../src/devstack/kube/server.js';
import { PodRunner } from '../../src/devstack/kube/runner/runner.js';
import { kubeConfigFromString, kubeRequest, kubeRequestOk, loadKubeConfig } from '../../src/kube/index.js';
import { waitFor } from '../helpers/wait.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PROGRAM = resolve(dirname(fileURLToPath(import.meta.url)), '../helpers/kube-pod-program.js');
const PORT = 38461;

async function setup(t: import('node:test').TestContext, rbac: boolean) {
  const server = await KubeApiServer.start({ rbac });
  t.after(() => server.stop());
  const admin = kubeConfigFromString(server.kubeconfig);
  const runner = await PodRunner.start({
    kubeconfig: server.kubeconfig,
    nodeName: 'node-sa',
    commandMap: { 'tiny-http': [process.execPath, PROGRAM] },
    // Proves the pods do not get the runner's own credentials.
    env: { KUBECONFIG: '/runner/admin/kubeconfig' },
    serviceAccountTokens: true,
    crashLoopBackoff: { initialMs: 300, maxMs: 1000, resetAfterMs: 60_000 },
    podIPPrefix: '127.0.91',
  });
  t.after(() => runner.stop());
  const pod = (name: string, spec: Obj = {}) =>
    kubeRequestOk<Obj>(admin, {
      method: 'POST',
      path: '/api/v1/namespaces/default/pods',
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [{ name: 'main', image: 'tiny-http:1', command: ['tiny-http'], env: [{ name: 'PORT', value: String(PORT) }, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }],
          ...spec,
        },
      },
    });
  /** The environment of the pod's running container (tiny-http's /env). */
  const envOf = (name: string) =>
    waitFor(`${name} running`, async () => {
      const p = await kubeRequestOk<Obj>(admin, { method: 'GET', path: `/api/v1/namespaces/default/pods/${name}` });
      if (!p.status?.podIP || !p.status?.containerStatuses?.[0]?.state?.running) return undefined;
      try {
        return (await (await fetch(`http://${p.status.podIP}:${PORT}/env`, { signal: AbortSignal.timeout(2000) })).json()) as Record<string, string>;
      } catch {
        return undefined;
      }
    }, { timeoutMs: 30_000, intervalMs: 200 });
  return { server, admin, runner, pod, envOf };
}

test('a pod talks to the API as its ServiceAccount (RBAC applies), or not at all without automount', async (t) => {
  const { admin, pod, envOf } = await setup(t, true);
  await kubeRequestOk(admin, { method: 'POST', path: '/api/v1/namespaces/default/serviceaccounts', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'worker' } } });
  await kubeRequestOk(admin, { method: 'POST', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'read-cms' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }] } });
  await kubeRequestOk(admin, { method: 'POST', path: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'worker-cms' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-cms' }, subjects: [{ kind: 'ServiceAccount', name: 'worker' }] } });
  await pod('w', { serviceAccountName: 'worker' });
  const env = await envOf('w');
  assert.ok(env.KUBECONFIG && env.KUBECONFIG !== '/runner/admin/kubeconfig', `KUBECONFIG=${env.KUBECONFIG}`);
  // The pod's kubeconfig, loaded as the scheduler loads it (src/kube loadKubeConfig).
  const kc = loadKubeConfig({ kubeconfig: env.KUBECONFIG }).kc;
  assert.equal((await kubeRequest(kc, { method: 'GET', path: '/api/v1/namespaces/default/configmaps' })).status, 200);
  const denied = await kubeRequest<Obj>(kc, { method: 'GET', path: '/api/v1/namespaces/default/secrets' });
  assert.equal(denied.status, 403);
  assert.equal(denied.body.message, 'secrets is forbidden: User "system:serviceaccount:default:worker" cannot list resource "secrets" in API group "" in the namespace "default"');
  const kubeconfig = JSON.parse(readFileSync(env.KUBECONFIG, 'utf8')) as Obj;
  const tokenFile = kubeconfig.users[0].user['auth-provider'].config.tokenFile as string;
  const token = readFileSync(tokenFile, 'utf8');
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Obj;
  const uid = (await kubeRequestOk<Obj>(admin, { method: 'GET', path: '/api/v1/namespaces/default/pods/w' })).metadata.uid;
  assert.deepEqual(claims['kubernetes.io'].pod, { name: 'w', uid }, 'bound to the pod');
  assert.equal(claims.exp - claims.iat, 3607, 'the lifetime the kubelet asks for');

  // Without automount: no credentials at all (not the runner's either). The namespace's default ServiceAccount.
  await pod('n', { automountServiceAccountToken: false });
  assert.equal((await envOf('n')).KUBECONFIG, undefined);

  // The token dies with its pod.
  await kubeRequestOk(admin, { method: 'DELETE', path: '/api/v1/namespaces/default/pods/w' });
  await waitFor('w gone', async () => (await kubeRequest(admin, { method: 'GET', path: '/api/v1/namespaces/default/pods/w' })).status === 404, { timeoutMs: 30_000 });
  const after = await kubeRequest(kubeConfigFromString(`apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${kubeconfig.clusters[0].cluster.server}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: "${token}"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`), { method: 'GET', path: '/api' });
  assert.equal(after.status, 401);
});

test('a ServiceAccount that does not exist yet keeps the container waiting (CreateContainerConfigError) until it does', async (t) => {
  // Without RBAC the ServiceAccount admission plugin is off, so such a pod can exist (as it can after its
  // ServiceAccount is deleted on a real cluster).
  const { admin, pod, envOf } = await setup(t, false);
  await pod('late', { serviceAccountName: 'late' });
  const waiting = await waitFor('waiting for its ServiceAccount', async () => {
    const p = await kubeRequestOk<Obj>(admin, { method: 'GET', path: '/api/v1/namespaces/default/pods/late' });
    const w = p.status?.containerStatuses?.[0]?.state?.waiting;
    return w?.reason === 'CreateContainerConfigError' ? w : undefined;
  }, { timeoutMs: 30_000 });
  assert.match(waiting.message, /serviceaccount "late" not found/);
  await kubeRequestOk(admin, { method: 'POST', path: '/api/v1/namespaces/default/serviceaccounts', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'late' } } });
  const env = await envOf('late');
  const kc = loadKubeConfig({ kubeconfig: env.KUBECONFIG }).kc;
  assert.equal((await kubeRequest(kc, { method: 'GET', path: '/api/v1/namespaces/default/configmaps' })).status, 200, 'without RBAC every authenticated user may do anything');
});
