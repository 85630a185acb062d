// A cold start reconciles each SchedulerHA once and writes its status once. What used to add a second reconcile
// (and often a second status write) for every resource: the framework watch announcing its first read as a change
// (the reconcile that started it reads it anyway), the echo of the children the reconcile just wrote arriving before
// the write's answer (so it was not recognised as our own), the echo of the executor-hash sanction the reconcile
// itself put in etcd, and a status judged on the informer's copy of a StatefulSet older than the one just applied.
// (bench/operator.ts: 2,000 reconciles and ~1,200 status writes for 1,000 resources before; 1,000 and 1,000 now.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { KubeApiServer } from '../../src/devstack/kube/server.js';
import { MesosCluster } from '../../src/devstack/mesos/index.js';
import { installCrd, kubeConfigFromString, kubeRequestOk } from '../../src/kube/index.js';
import { buildCrd } from '../../src/api/schema.js';
import { GROUP, PLURAL, VERSION, type SchedulerHA } from '../../src/api/types.js';
import { Operator } from '../../src/operator/controller.js';
import { createLogger } from '../../src/util/log.js';
import { uniqueName, waitFor } from '../helpers/wait.js';

const N = 6;

async function counter(op: Operator, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await op.metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((a, v) => a + v.value, 0);
}

test('cold start: one reconcile and one status write per resource, none afterwards while nothing changes', { timeout: 120_000 }, async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const mesos = await MesosCluster.start({ masters: 1, agents: 1, clock: 'real' });
  t.after(() => mesos.stop());
  const kube = await KubeApiServer.start({ watchWindow: 5000 });
  t.after(() => kube.stop());
  const kc = kubeConfigFromString(kube.kubeconfig);
  await installCrd(kc, buildCrd());
  const ns = uniqueName('cold').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 50).replace(/-+$/, '');
  await kubeRequestOk(kc, { method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  const base = `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`;
  for (let i = 0; i < N; i++) {
    await kubeRequestOk(kc, {
      method: 'POST',
      path: base,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'SchedulerHA',
        metadata: { name: `s${i}`, namespace: ns },
        spec: { replicas: 0, mesos: { master: mesos.masterAddress }, etcd: { endpoints: [etcd.endpoint] }, flags: { kmPath: 'hdfs:///km', frameworkName: `${ns.replace(/-/g, '')}${i}`, reconcileInterval: '0' } },
      },
    });
  }
  const logger = createLogger({ name: 'operator', level: process.env.SCHEDULERHA_TEST_LOG_LEVEL ?? 'warn', pretty: false });
  const op = new Operator({ kc, schedulerImage: 'schedulerha:test', leaderElection: false, logger });
  t.after(() => op.stop());
  await op.start();
  await waitFor(
    'every status written for its generation',
    async () => {
      const list = await kubeRequestOk<{ items: SchedulerHA[] }>(kc, { method: 'GET', path: base });
      return list.items.length === N && list.items.every((o) => (o.status?.observedGeneration ?? -1) >= (o.metadata.generation ?? 0)) ? list.items : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  // Everything the cold start set off (child events, etcd watch events, Events) has arrived by now.
  await waitFor('the work queue idle', () => (op.queue.depth === 0 && op.queue.active === 0) || undefined, { timeoutMs: 10_000 });
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await counter(op, 'controller_runtime_reconcile_total', { result: 'success' }), N, 'one reconcile per resource');
  assert.equal(await counter(op, 'controller_runtime_reconcile_total', { result: 'error' }), 0);
  assert.equal(await counter(op, 'schedulerha_status_patches_total', { result: 'written' }), N, 'one status write per resource');
  assert.equal(await counter(op, 'schedulerha_child_writes_total', { action: 'create' }), 3 * N, 'ConfigMap, Service and StatefulSet created once each');
  assert.equal(await counter(op, 'schedulerha_child_writes_total', { action: 'update' }), 0);
  assert.equal(op.queue.depth + op.queue.active, 0);
  // A status judged on the StatefulSet just applied, not on an informer copy that did not have it yet.
  const one = await kubeRequestOk<SchedulerHA>(kc, { method: 'GET', path: `${base}/s0` });
  const rr = one.status?.conditions?.find((c) => c.type === 'ReplicasReady');
  assert.ok(rr, 'ReplicasReady reported');
  assert.notEqual(rr.reason, 'StatefulSetMissing', rr.message);
});
