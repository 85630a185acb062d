// The production Informer (client-node Watch + raw lists) against the Kubernetes API emulator under API-server
// stress: a watch that keeps answering 410, 429 with Retry-After on LIST, and a lagging watch cache. (The set-up of
// the apistress audit's reproductions.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiServer } from '../../src/devstack/kube/server.js';
import { kubeConfigFromString } from '../../src/kube/config.js';
import { createInformer } from '../../src/kube/informer-transport.js';
import { kubeRequestOk } from '../../src/kube/request.js';
import { waitFor } from '../helpers/wait.js';

async function setup(t: import('node:test').TestContext, pods = 20) {
  const kube = await KubeApiServer.start({});
  t.after(() => kube.stop());
  const kc = kubeConfigFromString(kube.kubeconfig);
  for (let i = 0; i < pods; i++) await createPod(kc, `p${i}`);
  return { kube, kc };
}

const createPod = (kc: ReturnType<typeof kubeConfigFromString>, name: string) =>
  kubeRequestOk(kc, { method: 'POST', path: '/api/v1/namespaces/default/pods', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'x' }] } } });

const podLists = (kube: KubeApiServer) => kube.hooks.requests().filter((r) => r.path === '/api/v1/pods' && r.query.watch !== 'true');

test('a watch that keeps answering 410 does not become a LIST loop; the relists are counted and the repeat is an error', { timeout: 60_000 }, async (t) => {
  const { kube, kc } = await setup(t);
  const inf = createInformer(kc, { path: '/api/v1/pods', name: 'pods' });
  t.after(() => inf.stop());
  inf.start();
  await inf.waitForSync(10_000);
  kube.hooks.clearRequests();
  kube.hooks.failNext(1_000_000, { code: 410, watch: true, path: /\/pods$/ });
  kube.hooks.dropWatches('pods');
  await new Promise((r) => setTimeout(r, 3000));
  kube.hooks.clearFaults();
  const lists = podLists(kube).length;
  // The first 410 comes within 10 s of the initial list, so even it waits for the back-off (0.4–0.8 s), then
  // 0.8–1.6 s, …: a handful of LISTs in 3 s, where relisting at once made thousands.
  assert.ok(lists >= 1 && lists < 10, `${lists} LISTs in 3 s`);
  const s = inf.stats();
  assert.ok(s.relistsByCause.goneHttp >= 1, JSON.stringify(s.relistsByCause));
  assert.ok(s.relists >= 1);
  assert.ok(s.errors >= 1 && /410/.test(s.lastError ?? ''), `a repeated 410 shows in errors/lastError: ${s.errors} ${s.lastError}`);
  // And it recovers once the watch works again.
  await createPod(kc, 'after');
  await waitFor('follows again', () => inf.get('after', 'default'), { timeoutMs: 40_000 });
});

test('429 with Retry-After on LIST is retried no sooner than the server asked', { timeout: 60_000 }, async (t) => {
  const { kube, kc } = await setup(t, 3);
  kube.hooks.failNext(2, { code: 429, retryAfterSeconds: 2, watch: false, path: /\/pods$/ });
  const inf = createInformer(kc, { path: '/api/v1/pods', name: 'pods' });
  t.after(() => inf.stop());
  inf.start();
  await inf.waitForSync(30_000);
  const lists = podLists(kube);
  const gaps = lists.slice(1).map((r, i) => r.at - lists[i]!.at);
  assert.equal(lists.length, 3);
  assert.ok(gaps.every((g) => g >= 1900), `Retry-After 2 s honoured: gaps ${JSON.stringify(gaps)}`);
});

test('lists read the watch cache (resourceVersion=0, limit ignored) except after a 410, which lists consistently (paginated) past a lagging cache', { timeout: 60_000 }, async (t) => {
  const { kube, kc } = await setup(t, 12);
  const inf = createInformer(kc, { path: '/api/v1/pods', name: 'pods', pageSize: 5 });
  t.after(() => inf.stop());
  inf.start();
  await inf.waitForSync(10_000);
  const initial = podLists(kube);
  assert.equal(initial.length, 1, 'one request: the watch cache answered the whole list');
  assert.equal(initial[0]!.query.resourceVersion, '0');
  assert.equal(initial[0]!.query.limit, '5');
  assert.equal(inf.size, 12);

  // This API server's watch cache lags (frozen now); a pod is created and the event window is forgotten, so the
  // informer's re-watch gets 410. A relist from the cache would hand back the frozen snapshot and its old
  // resourceVersion — and 410 again, for ever. The consistent relist sees the pod and the watch resumes.
  const thaw = kube.hooks.freezeWatchCache('pods');
  t.after(thaw);
  const release = kube.hooks.stallWatches('pods'); // the open watch must not deliver it
  await createPod(kc, 'late');
  kube.hooks.compact('pods');
  kube.hooks.clearRequests();
  kube.hooks.dropWatches('pods');
  release();
  await waitFor('the pod created while the cache lagged', () => inf.get('late', 'default'), { timeoutMs: 20_000 });
  const relists = podLists(kube);
  assert.ok(relists.length >= 3, `a paginated consistent relist (13 pods, pages of 5): ${relists.length} requests`);
  for (const r of relists) assert.equal(r.query.resourceVersion, undefined, `no resourceVersion on the relist after 410: ${JSON.stringify(r.query)}`);
  assert.ok(relists.slice(1).every((r) => r.query.continue), 'the later pages carry continue tokens');
  assert.equal(inf.stats().relistsByCause.goneEvent, 1, JSON.stringify(inf.stats().relistsByCause));
  await createPod(kc, 'later');
  await waitFor('follows after the relist', () => inf.get('later', 'default'), { timeoutMs: 20_000 });
});
