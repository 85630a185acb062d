// The emulator's own surface: fault injection (fail / throttle / delay requests, drop / stall / close watches),
// the request recorder, bearer-token auth, and `schedulerha devstack kube-apiserver` as a process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { KubeApiServer } from '../../src/devstack/kube/server.js';
import { expectStatus, collectWatch } from '../helpers/kube-cluster.js';
import { ProcGroup } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';
import { kubeRequestOk } from '../../src/kube/request.js';

async function emulator(t: import('node:test').TestContext) {
  const server = await KubeApiServer.start();
  t.after(() => server.stop());
  const kc = new k8s.KubeConfig();
  kc.loadFromString(server.kubeconfig);
  return { server, kc, core: kc.makeApiClient(k8s.CoreV1Api) };
}

test('failNext answers 500 InternalError and 429 TooManyRequests (with Retry-After) for matching requests only', async (t) => {
  const { server, core } = await emulator(t);
  server.hooks.failNext(2, { code: 500, method: 'GET', path: '/configmaps' });
  const a = await expectStatus(() => core.listNamespacedConfigMap({ namespace: 'default' }));
  assert.equal(a.code, 500);
  assert.equal(a.reason, 'InternalError');
  await core.listNamespacedSecret({ namespace: 'default' });
  assert.equal((await expectStatus(() => core.listNamespacedConfigMap({ namespace: 'default' }))).code, 500);
  await core.listNamespacedConfigMap({ namespace: 'default' });
  server.hooks.failNext(1, { code: 429, retryAfterSeconds: 3 });
  try {
    await core.listNamespace();
    assert.fail('expected 429');
  } catch (err) {
    const e = err as k8s.ApiException<string>;
    assert.equal(e.code, 429);
    assert.equal(JSON.parse(e.body).reason, 'TooManyRequests');
    assert.equal(JSON.parse(e.body).details.retryAfterSeconds, 3);
    assert.equal(e.headers['retry-after'], '3');
  }
});

test('delayResponses slows matching requests until removed', async (t) => {
  const { server, core } = await emulator(t);
  const undo = server.hooks.delayResponses(400, { path: /configmaps/ });
  const t0 = Date.now();
  await core.listNamespacedConfigMap({ namespace: 'default' });
  assert.ok(Date.now() - t0 >= 380);
  undo();
  const t1 = Date.now();
  await core.listNamespacedConfigMap({ namespace: 'default' });
  assert.ok(Date.now() - t1 < 380);
});

test('dropWatches cuts watch connections; stallWatches holds events back until released', async (t) => {
  const { server, kc, core } = await emulator(t);
  const dropped = collectWatch(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: '0' }, { timeoutMs: 10_000 });
  await waitFor('watch open', () => server.hooks.openWatches('configmaps') === 1);
  assert.equal(server.hooks.dropWatches('configmaps'), 1);
  const d = await dropped;
  assert.equal(d.ended, true);

  const list = await core.listNamespacedConfigMap({ namespace: 'default' });
  const events: string[] = [];
  let release: () => void = () => {};
  const w = collectWatch(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: list.metadata!.resourceVersion! }, {
    until: (ev) => {
      events.splice(0, events.length, ...ev.map((e) => e.object.metadata.name as string));
      return ev.length >= 2;
    },
    timeoutMs: 15_000,
  });
  await waitFor('watch open', () => server.hooks.openWatches('configmaps') === 1);
  release = server.hooks.stallWatches('configmaps');
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'held1' } } });
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'held2' } } });
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(events, [], 'nothing delivered while stalled');
  release();
  const got = await w;
  assert.deepEqual(got.events.map((e) => e.object.metadata.name), ['held1', 'held2']);
});

test('stallWatches also holds the watches opened during the stall, and its release frees them (and ends the ones whose timeout passed)', async (t) => {
  const { server, kc, core } = await emulator(t);
  const release = server.hooks.stallWatches('configmaps');
  let released = false;
  t.after(() => {
    if (!released) release();
  });
  const list = await core.listNamespacedConfigMap({ namespace: 'default' });
  const rv = list.metadata!.resourceVersion!;
  // Opened during the stall: one that stays open, and one whose 1 s timeout passes while it is held.
  const open = collectWatch(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: rv }, { until: (ev) => ev.some((e) => e.object.metadata.name === 'during'), timeoutMs: 15_000 });
  const short = collectWatch(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: rv, timeoutSeconds: '1' }, { timeoutMs: 15_000 });
  await waitFor('both watches open', () => server.hooks.openWatches('configmaps') === 2);
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'during' } } });
  await new Promise((r) => setTimeout(r, 1500));
  released = true;
  release();
  const [o, s] = await Promise.all([open, short]);
  assert.deepEqual(o.events.map((e) => e.object.metadata.name), ['during'], 'held back, then delivered on release');
  assert.deepEqual(s.events.map((e) => e.object.metadata.name), ['during']);
  assert.equal(s.ended, true, 'the watch whose timeout passed while held ends once released');
  // Watches opened after the release are not stalled.
  const after = collectWatch(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: rv }, { until: (ev) => ev.length >= 1, timeoutMs: 5_000 });
  const got = await after;
  assert.deepEqual(got.events.map((e) => e.object.metadata.name), ['during']);
});

test('the request recorder keeps method, path, query, content type and body', async (t) => {
  const { server, core } = await emulator(t);
  server.hooks.clearRequests();
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'rec' } } });
  await core.patchNamespacedConfigMap({ namespace: 'default', name: 'rec', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rec' }, data: { a: '1' } }, fieldManager: 'me', force: true }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply));
  const reqs = server.hooks.requests();
  const p = reqs.find((r) => r.method === 'PATCH')!;
  assert.equal(p.path, '/api/v1/namespaces/default/configmaps/rec');
  assert.equal(p.contentType, 'application/apply-patch+yaml');
  assert.deepEqual(p.query, { fieldManager: 'me', force: 'true' });
  assert.equal(JSON.parse(p.body!).data.a, '1');
  assert.equal(p.status, 200);
  assert.match(p.userAgent ?? '', /kubernetes-client-javascript/);
});

test('requests without the bearer token are 401 Unauthorized', async (t) => {
  const { server } = await emulator(t);
  const r = await fetch(`${server.url}/api/v1/namespaces`);
  assert.equal(r.status, 401);
  assert.equal(((await r.json()) as { reason: string }).reason, 'Unauthorized');
  const ok = await fetch(`${server.url}/api/v1/namespaces`, { headers: { Authorization: `Bearer ${server.token}` } });
  assert.equal(ok.status, 200);
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
});

test('schedulerha devstack kube-apiserver runs the emulator and writes a kubeconfig client-node loads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kube-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const group = new ProcGroup();
  t.after(() => group.killAll());
  const file = join(dir, 'kubeconfig');
  const p = group.cli(['devstack', 'kube-apiserver', '--listen', '127.0.0.1:0', '--kubeconfig', file, '--namespace', 'mesos'], { env: { ...process.env, SCHEDULERHA_LOG_PRETTY: '0' } });
  const line = await waitFor('ready line', () => p.output().split('\n').find((l) => l.startsWith('{"url"')), { timeoutMs: 30_000 });
  const info = JSON.parse(line) as { url: string; kubeconfig: string };
  assert.equal(info.kubeconfig, file);
  assert.match(readFileSync(file, 'utf8'), /insecure-skip-tls-verify: true/);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ns = await core.readNamespace({ name: 'mesos' });
  assert.equal(ns.status?.phase, 'Active');
  await p.stop(10_000);
  assert.equal(await p.exited, 0);
});

test('kube-apiserver --run-pods runs pods as processes and stops them on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kube-cli-pods-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const group = new ProcGroup();
  t.after(() => group.killAll());
  const file = join(dir, 'kubeconfig');
  const program = join(import.meta.dirname, '../helpers/kube-pod-program.js');
  const p = group.cli(['devstack', 'kube-apiserver', '--kubeconfig', file, '--run-pods', '--command-map', `tiny-http=${process.execPath} ${program}`, '--pod-log-dir', join(dir, 'logs')], { env: { ...process.env, SCHEDULERHA_LOG_PRETTY: '0' } });
  await waitFor('ready line', () => p.output().split('\n').find((l) => l.startsWith('{"url"')), { timeoutMs: 30_000 });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'cli-pod' }, spec: { containers: [{ name: 'c', image: 'i', command: ['tiny-http'], env: [{ name: 'MARK_DIR', value: dir }, { name: 'POD_NAME', value: 'cli-pod' }, { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }] } } });
  const pod = await waitFor('pod running', async () => {
    const x = await core.readNamespacedPod({ namespace: 'default', name: 'cli-pod' }).catch(() => undefined);
    return x?.status?.phase === 'Running' ? x : undefined;
  }, { timeoutMs: 30_000 });
  await waitFor('program answers', async () => (await fetch(`http://${pod.status!.podIP}:8080/healthz`).catch(() => undefined))?.status === 200);
  await p.stop(15_000);
  assert.equal(await p.exited, 0);
  await waitFor('pod process gone', async () => (await fetch(`http://${pod.status!.podIP}:8080/healthz`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined)) === undefined, { timeoutMs: 10_000 });
});

test('a delayed request whose client gives up while it waits is dropped, never executed (as a cancelled queued request)', async (t) => {
  const { server, kc, core } = await emulator(t);
  server.hooks.delayResponses(500, { method: 'POST', path: /configmaps/ });
  const ac = new AbortController();
  const sent = kubeRequestOk(kc, { method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'abandoned' } }, signal: ac.signal });
  setTimeout(() => ac.abort(), 100);
  await assert.rejects(sent);
  await new Promise((r) => setTimeout(r, 800));
  assert.equal((await core.listNamespacedConfigMap({ namespace: 'default' })).items.some((c) => c.metadata?.name === 'abandoned'), false, 'not created');
  // One whose client waits is executed after the delay.
  await kubeRequestOk(kc, { method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' } } });
  assert.ok((await core.listNamespacedConfigMap({ namespace: 'default' })).items.some((c) => c.metadata?.name === 'kept'));
});
