// Conformance: list resourceVersion, watch ADDED / MODIFIED / DELETED / BOOKMARK, timeoutSeconds, 410 Expired,
// selector transitions, pagination, and client-node's Watch and informer (including a relist after 410).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, collectWatch, type TestCluster } from '../helpers/kube-cluster.js';
import { waitFor } from '../helpers/wait.js';

let c: TestCluster;
before(async () => {
  c = await startCluster({ watchWindow: 20 });
});
after(() => c.stop());

const cmPath = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

test('list returns its resourceVersion; a watch from it sees ADDED, MODIFIED, DELETED in order', async () => {
  const ns = await c.namespace();
  const list = await c.core.listNamespacedConfigMap({ namespace: ns });
  const rv = list.metadata?.resourceVersion;
  assert.match(rv ?? '', /^\d+$/);
  const w = await collectWatch(c.kc, cmPath(ns), { resourceVersion: rv! }, {
    until: (ev) => ev.some((e) => e.type === 'DELETED'),
    onOpen: async () => {
      await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'w' }, data: { a: '1' } } });
      await c.core.patchNamespacedConfigMap({ namespace: ns, name: 'w', body: { data: { a: '2' } } }, merge);
      await c.core.deleteNamespacedConfigMap({ namespace: ns, name: 'w' });
    },
  });
  assert.equal(w.status, 200);
  const mine = w.events.filter((e) => e.object.metadata?.name === 'w');
  assert.deepEqual(mine.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  const rvs = mine.map((e) => Number(e.object.metadata.resourceVersion));
  assert.ok(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, `resourceVersions increase: ${rvs}`);
  assert.equal(mine[0]!.object.kind, 'ConfigMap');
  assert.equal(mine[0]!.object.apiVersion, 'v1');
  assert.equal(mine[1]!.object.data.a, '2');
});

test('a watch without resourceVersion starts with ADDED events for the existing objects', async () => {
  const ns = await c.namespace();
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } });
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'y' } } });
  const w = await collectWatch(c.kc, cmPath(ns), {}, { until: (ev) => ev.filter((e) => ['x', 'y'].includes(e.object.metadata?.name)).length >= 2 });
  assert.deepEqual(
    w.events.filter((e) => ['x', 'y'].includes(e.object.metadata?.name)).map((e) => `${e.type} ${e.object.metadata.name}`).sort(),
    ['ADDED x', 'ADDED y'],
  );
});

test('timeoutSeconds ends the stream cleanly; allowWatchBookmarks delivers a BOOKMARK with a resourceVersion', async () => {
  const ns = await c.namespace();
  const list = await c.core.listNamespacedConfigMap({ namespace: ns });
  const t0 = Date.now();
  const w = await collectWatch(c.kc, cmPath(ns), { resourceVersion: list.metadata!.resourceVersion!, timeoutSeconds: '4', allowWatchBookmarks: 'true' }, { timeoutMs: 30_000 });
  assert.equal(w.ended, true, 'the server closed the stream');
  assert.ok(Date.now() - t0 >= 3000, 'not before the timeout');
  const bm = w.events.find((e) => e.type === 'BOOKMARK');
  assert.ok(bm, 'a bookmark arrived');
  assert.equal(bm.object.kind, 'ConfigMap');
  assert.match(bm.object.metadata.resourceVersion, /^\d+$/);
});

test('a watch from a resourceVersion older than the window answers 200 with an ERROR event: 410 Expired', async () => {
  const ns = await c.namespace();
  let old = '1';
  if (c.server) {
    const l = await c.core.listNamespacedConfigMap({ namespace: ns });
    old = l.metadata!.resourceVersion!;
    for (let i = 0; i < 30; i++) await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `f${i}` } } });
  }
  const w = await collectWatch(c.kc, cmPath(ns), { resourceVersion: old }, { until: (ev) => ev.length > 0 });
  assert.equal(w.status, 200);
  assert.equal(w.events[0]!.type, 'ERROR');
  const st = w.events[0]!.object;
  assert.equal(st.kind, 'Status');
  assert.equal(st.code, 410);
  assert.equal(st.reason, 'Expired');
  assert.match(st.message, /^too old resource version: \d+ \(\d+\)$/);
});

test('a list at an exact resourceVersion older than the window is 410 Expired', async (t) => {
  if (!c.server) return t.skip('needs the emulator to compact on demand');
  const ns = await c.namespace();
  const l = await c.core.listNamespacedConfigMap({ namespace: ns });
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'later' } } });
  c.server.hooks.compact('configmaps');
  const r = await c.raw('GET', cmPath(ns), { query: { resourceVersion: l.metadata!.resourceVersion!, resourceVersionMatch: 'Exact' } });
  assert.equal(r.status, 410);
  assert.equal(r.json.reason, 'Expired');
});

test('label-selector watches see an object leave (DELETED) and enter (ADDED) the selection', async () => {
  const ns = await c.namespace();
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 's', labels: { sel: 'yes' } } } });
  const l = await c.core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'sel=yes' });
  let left: k8s.V1ConfigMap | undefined;
  const w = await collectWatch(c.kc, cmPath(ns), { resourceVersion: l.metadata!.resourceVersion!, labelSelector: 'sel=yes' }, {
    until: (ev) => ev.length >= 2,
    onOpen: async () => {
      left = await c.core.patchNamespacedConfigMap({ namespace: ns, name: 's', body: { metadata: { labels: { sel: 'no' } } } }, merge);
      await c.core.patchNamespacedConfigMap({ namespace: ns, name: 's', body: { metadata: { labels: { sel: 'yes' } } } }, merge);
    },
  });
  assert.deepEqual(w.events.map((e) => e.type), ['DELETED', 'ADDED']);
  // The cacher's convertToWatchEvent: "a delete event with the previous object content, but with the event's
  // resource version".
  assert.equal(w.events[0]!.object.metadata.labels.sel, 'yes', 'the DELETED event carries the object as it last matched');
  assert.equal(w.events[0]!.object.metadata.resourceVersion, left!.metadata!.resourceVersion, "at the event's resourceVersion");
});

test('limit / continue pages through a list at one resourceVersion', async () => {
  const ns = await c.namespace();
  for (const n of ['p1', 'p2', 'p3', 'p4', 'p5']) await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: n, labels: { page: 't' } } } });
  const names: string[] = [];
  let cont: string | undefined;
  let pages = 0;
  let rv: string | undefined;
  do {
    const page = await c.core.listNamespacedConfigMap({ namespace: ns, limit: 2, _continue: cont, labelSelector: 'page=t' });
    names.push(...page.items.map((i) => i.metadata!.name!));
    cont = page.metadata?._continue;
    rv ??= page.metadata?.resourceVersion;
    if (pages === 0) await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'p6', labels: { page: 't' } } } });
    pages++;
  } while (cont);
  assert.equal(pages, 3);
  assert.deepEqual(names, ['p1', 'p2', 'p3', 'p4', 'p5'], 'a consistent snapshot: p6 (created after page 1) is not included');
  const first = await c.core.listNamespacedConfigMap({ namespace: ns, limit: 2 });
  assert.ok((first.metadata?.remainingItemCount ?? 0) >= 3);
});

test('where a list is served from follows its resourceVersion: unset = most recent, paginated; "0" = the watch cache, limit ignored; N with limit = legacy Exact; NotOlderThan; too large = 504', async () => {
  const ns = await c.namespace();
  for (const n of ['r1', 'r2', 'r3', 'r4', 'r5']) await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: n, labels: { rv: 't' } } } });
  const q = (extra: Record<string, string>) => c.raw('GET', cmPath(ns), { query: { labelSelector: 'rv=t', ...extra } });
  // Unset: a consistent read of the most recent state, paginated by limit.
  const latest = await q({ limit: '2' });
  assert.equal(latest.status, 200);
  assert.equal(latest.json.items.length, 2);
  assert.ok(latest.json.metadata.continue, 'more pages');
  const n = latest.json.metadata.resourceVersion as string;
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'r6', labels: { rv: 't' } } } });
  // "0": any version, from the watch cache, which ignores limit for it (the cacher's computeListLimit; before
  // 1.31 it never paginated): everything in one answer, no continue token.
  const any = await q({ resourceVersion: '0', limit: '2' });
  assert.equal(any.status, 200);
  assert.equal(any.json.metadata.continue, undefined, 'no continue token from the watch cache for resourceVersion=0');
  assert.ok(any.json.items.length >= 5, `the whole list: ${any.json.items.length}`);
  // A continue token with resourceVersion=0 is accepted (the storage ignores "0"); with another version refused.
  assert.equal((await q({ limit: '2', continue: latest.json.metadata.continue, resourceVersion: '0' })).status, 200);
  assert.equal((await q({ limit: '2', continue: latest.json.metadata.continue, resourceVersion: n })).status, 400);
  // N with a limit and no resourceVersionMatch: legacy Exact — the state at N, without r6.
  const exact = await q({ resourceVersion: n, limit: '10' });
  assert.equal(exact.status, 200);
  assert.equal(exact.json.metadata.resourceVersion, n);
  assert.deepEqual(exact.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['r1', 'r2', 'r3', 'r4', 'r5']);
  // NotOlderThan N: at least as new as N.
  const newer = await q({ resourceVersion: n, resourceVersionMatch: 'NotOlderThan' });
  assert.equal(newer.status, 200);
  assert.ok(BigInt(newer.json.metadata.resourceVersion) >= BigInt(n));
  // Newer than the server has: 504 "Too large resource version" (the real server waits up to 3 s first).
  const future = await q({ resourceVersion: String(BigInt(n) + 1_000_000n), resourceVersionMatch: 'NotOlderThan' });
  assert.equal(future.status, 504);
  assert.match(future.json.message, /Too large resource version/);
});

test('legacy Exact (limit + an old resourceVersion) answers 410 Expired once the version left the window', async (t) => {
  if (!c.server) return t.skip('needs the emulator to compact the window');
  const ns = await c.namespace();
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } });
  const l = await c.core.listNamespacedConfigMap({ namespace: ns });
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'y' } } });
  c.server.hooks.compact('configmaps');
  const r = await c.raw('GET', cmPath(ns), { query: { resourceVersion: l.metadata!.resourceVersion!, limit: '5' } });
  assert.equal(r.status, 410);
  assert.equal(r.json.reason, 'Expired');
  // Without a limit the same resourceVersion is NotOlderThan: served (from the watch cache).
  assert.equal((await c.raw('GET', cmPath(ns), { query: { resourceVersion: l.metadata!.resourceVersion! } })).status, 200);
});

test('freezeWatchCache: cache-served lists answer the frozen snapshot, consistent lists the current state', async (t) => {
  if (!c.server) return t.skip('emulator hook');
  const ns = await c.namespace();
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'before', labels: { fz: 't' } } } });
  const thaw = c.server.hooks.freezeWatchCache('configmaps');
  t.after(thaw);
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after', labels: { fz: 't' } } } });
  const names = async (query: Record<string, string>) => ((await c.raw('GET', cmPath(ns), { query: { labelSelector: 'fz=t', ...query } })).json.items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name);
  assert.deepEqual(await names({ resourceVersion: '0' }), ['before']);
  assert.deepEqual(await names({}), ['after', 'before']);
  thaw();
  assert.deepEqual(await names({ resourceVersion: '0' }), ['after', 'before']);
});

test('client-node Watch passes query parameters, delivers events and calls done(null) on a clean close', async () => {
  const ns = await c.namespace();
  const list = await c.core.listNamespacedConfigMap({ namespace: ns });
  const seen: string[] = [];
  let doneErr: unknown = 'not called';
  const watch = new k8s.Watch(c.kc);
  await watch.watch(
    cmPath(ns),
    { resourceVersion: list.metadata!.resourceVersion, timeoutSeconds: 3, allowWatchBookmarks: true, labelSelector: 'app=x' },
    (type, obj) => seen.push(`${type} ${obj?.metadata?.name ?? ''}`),
    (err) => (doneErr = err),
  );
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'in', labels: { app: 'x' } } } });
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'out', labels: { app: 'y' } } } });
  await waitFor('done called', () => doneErr !== 'not called', { timeoutMs: 20_000 });
  assert.equal(doneErr, null);
  assert.ok(seen.includes('ADDED in'));
  assert.ok(!seen.some((s) => s.endsWith(' out')));
});

test('client-node informer: list, watch, and after a 410 a relist that reports what changed meanwhile', async (t) => {
  if (!c.server) return t.skip('needs the emulator to hold back events and compact the window');
  const ns = await c.namespace();
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'keep' } } });
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'gone' } } });
  const informer = k8s.makeInformer(c.kc, cmPath(ns), () => c.core.listNamespacedConfigMap({ namespace: ns }));
  const log: string[] = [];
  const errors: unknown[] = [];
  informer.on('add', (o) => log.push(`add ${o.metadata?.name}`));
  informer.on('update', (o) => log.push(`update ${o.metadata?.name}`));
  informer.on('delete', (o) => log.push(`delete ${o.metadata?.name}`));
  informer.on('error', (e) => errors.push(e));
  await informer.start();
  t.after(() => informer.stop());
  await waitFor('initial adds', () => log.includes('add keep') && log.includes('add gone'));
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'live' } } });
  await waitFor('live event', () => log.includes('add live'));

  // Hold back the stream, change things, forget the window, and close the watch: the informer re-watches from its
  // last resourceVersion, gets 410 Expired, relists, and reports the difference.
  const release = c.server.hooks.stallWatches('configmaps');
  await c.core.deleteNamespacedConfigMap({ namespace: ns, name: 'gone' });
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'new' } } });
  await c.core.patchNamespacedConfigMap({ namespace: ns, name: 'keep', body: { data: { v: '2' } } }, merge);
  c.server.hooks.compact('configmaps');
  c.server.hooks.closeWatches('configmaps');
  release();
  await waitFor('relist diff', () => log.includes('delete gone') && log.includes('add new') && log.includes('update keep'), { timeoutMs: 20_000 });
  const relisted = c.server.hooks.requests().filter((r) => r.path === cmPath(ns) && r.query.watch === undefined);
  assert.ok(relisted.length >= 2, 'listed again after the 410');
  // And it keeps following.
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after' } } });
  await waitFor('follows after relist', () => log.includes('add after'));
  assert.deepEqual(errors, []);
  assert.deepEqual(informer.list(ns).map((o) => o.metadata?.name).filter((n) => n !== 'kube-root-ca.crt').sort(), ['after', 'keep', 'live', 'new']);
});
