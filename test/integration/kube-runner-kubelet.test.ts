// The runner's kubelet and scheduler on single pods: restarts with restartCount and CrashLoopBackOff, liveness
// restarts, SIGTERM then SIGKILL after the grace period, restartPolicy Never -> Failed, ConfigMap / Secret env,
// per-incarnation log files, pods of other schedulers left alone, unique pod IPs, and no process left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { KubeApiServer } from '../../src/devstack/kube/server.js';
import { PodRunner } from '../../src/devstack/kube/runner/runner.js';
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

interface Env {
  server: KubeApiServer;
  runner: PodRunner;
  core: k8s.CoreV1Api;
  markDir: string;
  pod(name: string, extra?: { env?: k8s.V1EnvVar[]; restartPolicy?: string; grace?: number; schedulerName?: string; liveness?: k8s.V1Probe; readiness?: k8s.V1Probe; command?: string[] }): Promise<k8s.V1Pod>;
  read(name: string): Promise<k8s.V1Pod | undefined>;
}

async function setup(t: import('node:test').TestContext): Promise<Env> {
  const server = await KubeApiServer.start();
  t.after(() => server.stop());
  const markDir = mkdtempSync(join(tmpdir(), 'kubelet-marks-'));
  t.after(() => rmSync(markDir, { recursive: true, force: true }));
  const runner = await PodRunner.start({
    kubeconfig: server.kubeconfig,
    nodeName: 'node-a',
    commandMap: { 'tiny-http': [process.execPath, PROGRAM] },
    crashLoopBackoff: { initialMs: 300, maxMs: 1200, resetAfterMs: 60_000 },
  });
  t.after(async () => {
    const pids = runner.pids();
    await runner.stop();
    for (const p of pids) assert.equal(alive(p), false, `pid ${p} killed by stop()`);
  });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(server.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return {
    server,
    runner,
    core,
    markDir,
    async pod(name, extra = {}) {
      return await core.createNamespacedPod({
        namespace: 'default',
        body: {
          metadata: { name, labels: { test: 'kubelet' } },
          spec: {
            restartPolicy: extra.restartPolicy ?? 'Always',
            terminationGracePeriodSeconds: extra.grace ?? 10,
            schedulerName: extra.schedulerName,
            containers: [
              {
                name: 'main',
                image: 'tiny-http:1',
                command: extra.command ?? ['tiny-http'],
                ports: [{ containerPort: 8080, name: 'http' }],
                env: [
                  { name: 'MARK_DIR', value: markDir },
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                  ...(extra.env ?? []),
                ],
                livenessProbe: extra.liveness,
                readinessProbe: extra.readiness,
              },
            ],
          },
        },
      });
    },
    async read(name) {
      return await core.readNamespacedPod({ namespace: 'default', name }).catch(() => undefined);
    },
  };
}

/** Waits until the pod runs and its program answers on the pod IP (so its signal handlers are installed). */
async function podIP(e: Env, name: string): Promise<string> {
  const ip = await waitFor(`${name} running with an IP`, async () => {
    const p = await e.read(name);
    return p?.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running ? p.status.podIP : undefined;
  });
  await waitFor(`${name} listening`, async () => (await fetch(`http://${ip}:8080/healthz`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined))?.status === 200);
  return ip;
}

test('killing the process restarts the container: restartCount, lastState, CrashLoopBackOff, new log file', { timeout: 120_000 }, async (t) => {
  const e = await setup(t);
  await e.pod('crashy');
  const ip = await podIP(e, 'crashy');
  const first = (await e.read('crashy'))!;
  assert.equal(first.status?.containerStatuses?.[0]?.restartCount, 0);
  const pid0 = e.runner.pids()[0]!;
  process.kill(pid0, 'SIGKILL');
  const restarted = await waitFor('restartCount 1 and running', async () => {
    const p = await e.read('crashy');
    const cs = p?.status?.containerStatuses?.[0];
    return cs?.restartCount === 1 && cs.state?.running ? p : undefined;
  });
  const cs = restarted.status!.containerStatuses![0]!;
  assert.equal(cs.lastState?.terminated?.exitCode, 137, 'SIGKILL reported as 128+9');
  assert.equal(cs.lastState?.terminated?.reason, 'Error');
  assert.equal(restarted.status?.podIP, ip, 'the pod keeps its IP across container restarts');
  assert.notEqual(e.runner.pids()[0], pid0);
  // Crash again quickly: the second restart waits in CrashLoopBackOff.
  await waitFor('program listening again', async () => (await fetch(`http://${ip}:8080/healthz`).catch(() => undefined))?.status === 200);
  await fetch(`http://${ip}:8080/exit?code=3`);
  const backoff = await waitFor('CrashLoopBackOff or restart 2', async () => {
    const c = (await e.read('crashy'))?.status?.containerStatuses?.[0];
    return c?.state?.waiting?.reason === 'CrashLoopBackOff' || c?.restartCount === 2 ? c : undefined;
  });
  if (backoff.state?.waiting) assert.match(backoff.state.waiting.message ?? '', /^back-off \d+ms restarting failed container=main pod=crashy_default\(/);
  const again = await waitFor('restartCount 2', async () => {
    const c = (await e.read('crashy'))?.status?.containerStatuses?.[0];
    return c?.restartCount === 2 && c.state?.running ? c : undefined;
  });
  assert.equal(again.lastState?.terminated?.exitCode, 3);
  const files = e.runner.logFiles('default', 'crashy').map((f) => f.restartCount);
  assert.deepEqual(files, [0, 1, 2], 'one log file per container incarnation');
  assert.match(e.runner.readLog('default', 'crashy', { restartCount: 0 }), /crashy: listening/);
});

test('liveness probe failures restart the container', { timeout: 120_000 }, async (t) => {
  const e = await setup(t);
  // The program answers 404 on /nope: the liveness probe fails and the kubelet kills and restarts it.
  await e.pod('unhealthy', { liveness: { httpGet: { path: '/nope', port: 'http' }, periodSeconds: 1, failureThreshold: 2, initialDelaySeconds: 1 } });
  await waitFor(
    'restarted by liveness',
    async () => {
      const c = (await e.read('unhealthy'))?.status?.containerStatuses?.[0];
      return (c?.restartCount ?? 0) >= 1 ? c : undefined;
    },
    { timeoutMs: 60_000 },
  );
  assert.ok(readdirSync(e.markDir).some((m) => m.startsWith('unhealthy.sigterm')), 'liveness kill starts with SIGTERM');
});

test('deleting a pod delivers SIGTERM, then the kubelet removes it; an ignored SIGTERM ends in SIGKILL after the grace period', { timeout: 120_000 }, async (t) => {
  const e = await setup(t);
  await e.pod('polite', { grace: 20 });
  await e.pod('stubborn', { grace: 2, env: [{ name: 'IGNORE_SIGTERM', value: '1' }] });
  await podIP(e, 'polite');
  await podIP(e, 'stubborn');
  const pids = e.runner.pids();
  assert.equal(pids.length, 2);

  const del = await e.core.deleteNamespacedPod({ namespace: 'default', name: 'polite' });
  assert.ok(del.metadata?.deletionTimestamp, 'a bound pod is deleted gracefully');
  assert.equal(del.metadata?.deletionGracePeriodSeconds, 20);
  await waitFor('polite removed', async () => (await e.read('polite')) === undefined);
  assert.ok(readdirSync(e.markDir).some((m) => m.startsWith('polite.sigterm')), 'SIGTERM delivered');

  const t0 = Date.now();
  await e.core.deleteNamespacedPod({ namespace: 'default', name: 'stubborn' });
  await waitFor('stubborn removed', async () => (await e.read('stubborn')) === undefined, { timeoutMs: 30_000 });
  assert.ok(Date.now() - t0 >= 1500, 'waited for the grace period before SIGKILL');
  assert.ok(readdirSync(e.markDir).some((m) => m.startsWith('stubborn.sigterm')), 'SIGTERM delivered first');
  await waitFor('processes gone', () => pids.every((p) => !alive(p)), { timeoutMs: 10_000 });
});

test('restartPolicy Never: a failing container leaves the pod Failed; OnFailure: exit 0 ends Succeeded', { timeout: 120_000 }, async (t) => {
  const e = await setup(t);
  await e.pod('once', { restartPolicy: 'Never', command: [process.execPath, '-e', 'process.exit(4)'] });
  await e.pod('done', { restartPolicy: 'OnFailure', command: [process.execPath, '-e', 'console.log("finished")'] });
  const failed = await waitFor('once Failed', async () => {
    const p = await e.read('once');
    return p?.status?.phase === 'Failed' ? p : undefined;
  });
  const cs = failed.status!.containerStatuses![0]!;
  assert.equal(cs.state?.terminated?.exitCode, 4);
  assert.equal(cs.state?.terminated?.reason, 'Error');
  assert.equal(cs.restartCount, 0);
  assert.equal(failed.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
  const ok = await waitFor('done Succeeded', async () => {
    const p = await e.read('done');
    return p?.status?.phase === 'Succeeded' ? p : undefined;
  });
  assert.equal(ok.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
  assert.match(e.runner.readLog('default', 'done'), /finished/);
  // A terminal pod is deleted at once (no grace), even though it is bound.
  const del = await e.core.deleteNamespacedPod({ namespace: 'default', name: 'done' });
  assert.equal(del.metadata?.deletionTimestamp, undefined);
  assert.equal(await e.read('done'), undefined);
});

test('env from ConfigMap and Secret keys; a missing ConfigMap holds the container in CreateContainerConfigError', { timeout: 120_000 }, async (t) => {
  const e = await setup(t);
  await e.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg' }, data: { color: 'blue' } } });
  await e.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'sec' }, stringData: { password: 's3cret' } } });
  await e.pod('envy', {
    env: [
      { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'color' } } },
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ],
  });
  const ip = await podIP(e, 'envy');
  const env = await waitFor('env served', async () => (await (await fetch(`http://${ip}:8080/env`).catch(() => undefined))?.json()) as Record<string, string> | undefined);
  assert.equal(env.COLOR, 'blue');
  assert.equal(env.PASSWORD, 's3cret');
  assert.equal(env.NODE, 'node-a');

  await e.pod('lost', { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k' } } }] });
  const waiting = await waitFor('CreateContainerConfigError', async () => {
    const c = (await e.read('lost'))?.status?.containerStatuses?.[0];
    return c?.state?.waiting?.reason === 'CreateContainerConfigError' ? c : undefined;
  });
  assert.match(waiting.state?.waiting?.message ?? '', /configmap "absent" not found/);
  assert.equal((await e.read('lost'))?.status?.phase, 'Pending');
  await e.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'absent' }, data: { k: 'v' } } });
  await podIP(e, 'lost');
});

test('the default scheduler binds only default-scheduler pods; other schedulers\' pods are never run', { timeout: 120_000 }, async (t) => {
  const e = await setup(t);
  await e.pod('mine');
  await e.pod('theirs', { schedulerName: 'k8sm-scheduler' });
  await podIP(e, 'mine');
  await new Promise((r) => setTimeout(r, 1500));
  const theirs = (await e.read('theirs'))!;
  assert.equal(theirs.spec?.nodeName, undefined, 'left for its own scheduler');
  assert.equal(theirs.status?.phase, 'Pending');
  // Bound elsewhere (a Mesos agent's node): this kubelet does not run it either.
  await e.core.createNamespacedPodBinding({ namespace: 'default', name: 'theirs', body: { metadata: { name: 'theirs' }, target: { kind: 'Node', name: 'mesos-agent-1' } } });
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(e.runner.pids().length, 1);
  assert.equal((await e.read('theirs'))?.status?.phase, 'Pending');
  const events = await e.core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=mine,reason=Scheduled' });
  assert.equal(events.items.length, 1, 'a Scheduled event for the bound pod');
  const node = await e.core.readNode({ name: 'node-a' });
  assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});

test('pod IPs are unique while pods live and reused only after a pod is gone', { timeout: 120_000 }, async (t) => {
  const server = await KubeApiServer.start();
  t.after(() => server.stop());
  const markDir = mkdtempSync(join(tmpdir(), 'kubelet-ips-'));
  t.after(() => rmSync(markDir, { recursive: true, force: true }));
  // A pool of two addresses makes reuse observable.
  const runner = await PodRunner.start({ kubeconfig: server.kubeconfig, commandMap: { 'tiny-http': [process.execPath, PROGRAM] }, podIPPrefix: '127.0.77', podIPFirst: 2, podIPLast: 3 });
  t.after(() => runner.stop());
  const kc = new k8s.KubeConfig();
  kc.loadFromString(server.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  writeFileSync(join(markDir, 'x'), '');
  const mk = (name: string) =>
    core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name }, spec: { terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'i', command: ['tiny-http'], env: [{ name: 'MARK_DIR', value: markDir }, { name: 'POD_NAME', value: name }, { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }] } },
    });
  const ipOf = (name: string) =>
    waitFor(`${name} ip`, async () => {
      const p = await core.readNamespacedPod({ namespace: 'default', name }).catch(() => undefined);
      return p?.status?.phase === 'Running' ? p.status.podIP : undefined;
    });
  await mk('a');
  await mk('b');
  const [ia, ib] = [await ipOf('a'), await ipOf('b')];
  assert.notEqual(ia, ib);
  await core.deleteNamespacedPod({ namespace: 'default', name: 'a' });
  await waitFor('a gone', async () => (await core.readNamespacedPod({ namespace: 'default', name: 'a' }).catch(() => undefined)) === undefined);
  await mk('c');
  assert.equal(await ipOf('c'), ia, "a's address is reused once a is gone");
});
