// The pod runner against the API emulator: a StatefulSet of 3 pods running a tiny HTTP program as real local
// processes, each on its own loopback pod IP; ordered creation, readiness gating Ready, scaling up and down from
// the top ordinal, a rolling update on a template change, and no process left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeApiServer } from '../../src/devstack/kube/server.js';
import { PodRunner } from '../../src/devstack/kube/runner/runner.js';
import * as k8s from '@kubernetes/client-node';
import { waitFor } from '../helpers/wait.js';

const PROGRAM = resolve(dirname(fileURLToPath(import.meta.url)), '../helpers/kube-pod-program.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return { status: r.status, text: await r.text() };
}

function stsBody(name: string, markDir: string, replicas: number, version: string): k8s.V1StatefulSet {
  return {
    metadata: { name },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'web',
              image: 'tiny-http:1',
              command: ['tiny-http'],
              env: [
                { name: 'PORT', value: '8080' },
                { name: 'VERSION', value: version },
                { name: 'MARK_DIR', value: markDir },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'GREETING', value: 'hello from $(POD_NAME)' },
              ],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
              livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 2, failureThreshold: 3 },
            },
          ],
        },
      },
    },
  };
}

test('StatefulSet of 3 tiny HTTP pods: ordered creation, readiness, pod IPs, scale, rolling update, cleanup', { timeout: 240_000 }, async (t) => {
  const server = await KubeApiServer.start();
  t.after(() => server.stop());
  const markDir = mkdtempSync(join(tmpdir(), 'kube-runner-marks-'));
  t.after(() => rmSync(markDir, { recursive: true, force: true }));
  const runner = await PodRunner.start({
    kubeconfig: server.kubeconfig,
    commandMap: { 'tiny-http': [process.execPath, PROGRAM] },
    crashLoopBackoff: { initialMs: 200, maxMs: 1000 },
  });
  let stopped = false;
  t.after(async () => {
    if (!stopped) await runner.stop();
  });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(server.kubeconfig);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ns = 'default';
  const ready = (name: string) => import('node:fs').then((fs) => fs.writeFileSync(join(markDir, `${name}.ready`), ''));

  await apps.createNamespacedStatefulSet({ namespace: ns, body: stsBody('web', markDir, 3, 'v1') });

  // OrderedReady: web-0 runs but is not Ready until its readiness probe passes, and web-1 waits for it.
  const pod0 = await waitFor('web-0 running', async () => {
    const p = await core.readNamespacedPod({ namespace: ns, name: 'web-0' }).catch(() => undefined);
    return p?.status?.phase === 'Running' ? p : undefined;
  });
  assert.equal(pod0.spec?.nodeName, runner.nodeName);
  assert.match(pod0.status?.podIP ?? '', /^127\.0\.0\.\d+$/);
  assert.notEqual(pod0.status?.podIP, '127.0.0.1');
  assert.equal(pod0.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], 'web-0');
  assert.ok(pod0.metadata?.labels?.['controller-revision-hash']);
  assert.equal(pod0.metadata?.ownerReferences?.[0]?.kind, 'StatefulSet');
  assert.equal(pod0.metadata?.ownerReferences?.[0]?.controller, true);
  await waitFor('web-0 answers on its pod IP', async () => (await get(`http://${pod0.status!.podIP}:8080/healthz`).catch(() => ({ status: 0 }))).status === 200);
  const notReady = await core.readNamespacedPod({ namespace: ns, name: 'web-0' });
  assert.equal(notReady.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False', 'readiness probe failing keeps Ready False');
  assert.equal(notReady.status?.containerStatuses?.[0]?.ready, false);
  await assert.rejects(core.readNamespacedPod({ namespace: ns, name: 'web-1' }), 'web-1 is not created before web-0 is Ready');

  for (const n of ['web-0', 'web-1', 'web-2']) await ready(n);
  await waitFor(
    'three ready replicas',
    async () => {
      const s = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'web' });
      return s.status?.readyReplicas === 3 && s.status.replicas === 3 ? s : undefined;
    },
    { timeoutMs: 60_000 },
  );
  const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items;
  const ips = pods.map((p) => p.status?.podIP);
  assert.equal(new Set(ips).size, 3, `each pod has its own IP: ${ips}`);
  for (const p of pods) {
    assert.equal(p.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(p.status?.conditions?.find((c) => c.type === 'ContainersReady')?.status, 'True');
    assert.equal(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
    assert.equal(p.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
    assert.ok(p.status?.containerStatuses?.[0]?.state?.running?.startedAt);
    assert.ok(p.status?.startTime);
    assert.equal(p.status?.hostIP, '127.0.0.1');
    const env = JSON.parse((await get(`http://${p.status!.podIP}:8080/env`)).text) as Record<string, string>;
    assert.equal(env.POD_NAME, p.metadata?.name);
    assert.equal(env.POD_NAMESPACE, ns);
    assert.equal(env.POD_IP, p.status?.podIP);
    assert.equal(env.GREETING, `hello from ${p.metadata?.name}`);
    assert.equal(env.HOSTNAME, p.metadata?.name);
  }
  // The program's stdout went to the pod's log file.
  assert.match(runner.readLog(ns, 'web-1'), /web-1: listening on 127\.0\.0\.\d+:8080/);

  // Scale up to 4, then down to 2: the highest ordinals go, and they get SIGTERM.
  await apps.patchNamespacedStatefulSetScale({ namespace: ns, name: 'web', body: { spec: { replicas: 4 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  await ready('web-3');
  await waitFor('4 ready', async () => (await apps.readNamespacedStatefulSet({ namespace: ns, name: 'web' })).status?.readyReplicas === 4, { timeoutMs: 60_000 });
  await apps.patchNamespacedStatefulSet({ namespace: ns, name: 'web', body: { spec: { replicas: 2 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  await waitFor(
    'scaled down to web-0, web-1',
    async () => {
      const names = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items.map((p) => p.metadata?.name).sort();
      return names.join(',') === 'web-0,web-1';
    },
    { timeoutMs: 60_000 },
  );
  const marks = readdirSync(markDir);
  assert.ok(marks.some((m) => m.startsWith('web-3.sigterm')), 'web-3 got SIGTERM');
  assert.ok(marks.some((m) => m.startsWith('web-2.sigterm')), 'web-2 got SIGTERM');
  assert.ok(!marks.some((m) => m.startsWith('web-0.sigterm') || m.startsWith('web-1.sigterm')), 'lower ordinals untouched');
  const s2 = await waitFor('status replicas 2', async () => {
    const s = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'web' });
    return s.status?.replicas === 2 && s.status.readyReplicas === 2 ? s : undefined;
  });
  assert.equal(s2.status?.observedGeneration, s2.metadata?.generation);
  const rev1 = s2.status?.updateRevision;
  assert.equal(s2.status?.currentRevision, rev1);

  // Rolling update: a template change replaces pods from the highest ordinal down, each with the new revision.
  await apps.patchNamespacedStatefulSet(
    { namespace: ns, name: 'web', body: [{ op: 'replace', path: '/spec/template/spec/containers/0/env/1/value', value: 'v2' }] },
  );
  const rolled = await waitFor(
    'rolling update done',
    async () => {
      const s = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'web' });
      return s.status?.updatedReplicas === 2 && s.status.readyReplicas === 2 && s.status.currentRevision === s.status.updateRevision && s.status.updateRevision !== rev1 ? s : undefined;
    },
    { timeoutMs: 90_000 },
  );
  const after = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items;
  for (const p of after) {
    assert.equal(`web-${p.metadata?.labels?.['controller-revision-hash']}`, rolled.status?.updateRevision);
    assert.equal((await get(`http://${p.status!.podIP}:8080/version`)).text, 'v2');
  }
  const sigterms = readdirSync(markDir).filter((m) => m.startsWith('web-1.sigterm') || m.startsWith('web-0.sigterm'));
  assert.equal(sigterms.length, 2, 'each old pod was terminated once');
  const revs = await kc.makeApiClient(k8s.AppsV1Api).listNamespacedControllerRevision({ namespace: ns });
  assert.equal(revs.items.length, 2, 'a ControllerRevision per template');

  // No process survives the runner.
  const pids = runner.pids();
  assert.equal(pids.length, 2);
  await runner.stop();
  stopped = true;
  await waitFor('no container process left', () => pids.every((p) => !alive(p)), { timeoutMs: 10_000 });
  assert.equal(existsSync(runner.logDir), false, 'temporary log dir removed');
});

test('RollingUpdate honours the partition; Parallel management creates pods without waiting', { timeout: 240_000 }, async (t) => {
  const server = await KubeApiServer.start();
  t.after(() => server.stop());
  const markDir = mkdtempSync(join(tmpdir(), 'kube-runner-part-'));
  t.after(() => rmSync(markDir, { recursive: true, force: true }));
  const runner = await PodRunner.start({ kubeconfig: server.kubeconfig, commandMap: { 'tiny-http': [process.execPath, PROGRAM] } });
  t.after(() => runner.stop());
  const kc = new k8s.KubeConfig();
  kc.loadFromString(server.kubeconfig);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ns = 'default';
  const { writeFileSync } = await import('node:fs');
  const body = stsBody('part', markDir, 3, 'v1');
  body.spec!.podManagementPolicy = 'Parallel';
  body.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 2 } };
  await apps.createNamespacedStatefulSet({ namespace: ns, body });
  // Parallel: all three exist before any is Ready.
  const created = await waitFor('three pods created', async () => {
    const items = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=part' })).items;
    return items.length === 3 ? items : undefined;
  });
  assert.ok(created.every((p) => p.status?.conditions?.find((x) => x.type === 'Ready')?.status !== 'True'), 'none was Ready yet (their readiness files do not exist)');
  for (const n of ['part-0', 'part-1', 'part-2']) writeFileSync(join(markDir, `${n}.ready`), '');
  const s1 = await waitFor('ready', async () => {
    const s = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'part' });
    return s.status?.readyReplicas === 3 ? s : undefined;
  }, { timeoutMs: 60_000 });
  const rev1 = s1.status!.updateRevision!;
  await apps.patchNamespacedStatefulSet({ namespace: ns, name: 'part', body: [{ op: 'replace', path: '/spec/template/spec/containers/0/env/1/value', value: 'v2' }] });
  const s2 = await waitFor('ordinal 2 updated', async () => {
    const s = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'part' });
    return s.status?.updatedReplicas === 1 && s.status.readyReplicas === 3 ? s : undefined;
  }, { timeoutMs: 60_000 });
  assert.notEqual(s2.status?.updateRevision, rev1);
  assert.equal(s2.status?.currentRevision, rev1, 'the rollout is not complete below the partition');
  assert.equal(s2.status?.currentReplicas, 2);
  const revOf = async (n: string) => (await core.readNamespacedPod({ namespace: ns, name: n })).metadata?.labels?.['controller-revision-hash'];
  assert.equal(`part-${await revOf('part-2')}`, s2.status?.updateRevision);
  assert.equal(`part-${await revOf('part-0')}`, rev1);
  assert.equal(`part-${await revOf('part-1')}`, rev1);
  // Pods below the partition that get deleted come back at the current (old) revision.
  await core.deleteNamespacedPod({ namespace: ns, name: 'part-0' });
  await waitFor('part-0 back at the old revision', async () => {
    const p = await core.readNamespacedPod({ namespace: ns, name: 'part-0' }).catch(() => undefined);
    return p && !p.metadata?.deletionTimestamp && `part-${p.metadata?.labels?.['controller-revision-hash']}` === rev1 && p.status?.phase === 'Running';
  }, { timeoutMs: 60_000 });
  await apps.patchNamespacedStatefulSet({ namespace: ns, name: 'part', body: { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  await waitFor('rollout complete', async () => {
    const s = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'part' });
    return s.status?.updatedReplicas === 3 && s.status.readyReplicas === 3 && s.status.currentRevision === s.status.updateRevision;
  }, { timeoutMs: 90_000 });
});
