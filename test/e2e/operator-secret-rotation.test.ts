// A rotated Secret reaches the scheduler replicas. They read their mounted etcd TLS / credentials and Mesos
// credentials files once, at start, so the operator puts a hash of the Secrets' data on the pod template: new data
// rolls the pods, the same data (re-read every --secret-cache-ttl) changes nothing.
// Real etcd, the Mesos emulator, the Kubernetes API emulator (the pod runner mounts no volumes, so the replicas
// are not expected to come up here: the StatefulSet is what is checked).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubeRequestOk } from '../../src/kube/request.js';
import { OperatorStack } from '../helpers/operator-stack.js';
import { waitFor } from '../helpers/wait.js';

type Sts = { metadata: { name: string; generation: number }; spec: { template: { metadata: { annotations?: Record<string, string> } } } };

test('a Secret the scheduler pods mount changes: the pod template changes with it (and only then)', { timeout: 180_000 }, async (t) => {
  const s = await OperatorStack.start();
  t.after(() => s.stop());
  const ns = await s.namespace('rotate');
  s.startOperator('op-a', ['--no-leader-elect', '--secret-cache-ttl=500ms']);
  const secret = (value: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mesos-cred', namespace: ns }, stringData: { secret: value } });
  await kubeRequestOk(s.kc, { method: 'POST', path: `/api/v1/namespaces/${ns}/secrets`, body: secret('first') });
  await s.create(s.resource(ns, 'k8sm', { replicas: 1, mesos: { master: s.stack.mesos.masterAddress, principal: 'k8sm', credentialsSecret: 'mesos-cred' } }));
  await s.create(s.resource(ns, 'plain', { replicas: 1 }));
  const sts = async (name: string) => (await s.list<Sts>(`/apis/apps/v1/namespaces/${ns}/statefulsets`)).find((x) => x.metadata.name === name);
  const hashOf = (x: Sts | undefined) => x?.spec.template.metadata.annotations?.['k8sm.io/secrets-hash'];

  const first = await waitFor('the StatefulSet with a secrets hash', async () => {
    const x = await sts('k8sm');
    return hashOf(x) ? x : undefined;
  }, { timeoutMs: 60_000 });
  const h1 = hashOf(first)!;
  assert.match(h1, /^[0-9a-f]{8,}$/);
  const plain = await waitFor('the StatefulSet of a resource that mounts no Secret', () => sts('plain'), { timeoutMs: 60_000 });
  assert.equal(hashOf(plain), undefined);

  // The same data, re-read many times over: nothing rolls.
  await sleep(3000);
  const same = (await sts('k8sm'))!;
  assert.equal(hashOf(same), h1);
  assert.equal(same.metadata.generation, first.metadata.generation);

  // Rotated: the template changes, so the StatefulSet rolls its pods.
  await kubeRequestOk(s.kc, { method: 'PUT', path: `/api/v1/namespaces/${ns}/secrets/mesos-cred`, body: secret('second') });
  const rolled = await waitFor('the pod template carries the new hash', async () => {
    const x = await sts('k8sm');
    return hashOf(x) !== h1 ? x : undefined;
  }, { timeoutMs: 60_000 });
  assert.match(hashOf(rolled)!, /^[0-9a-f]{8,}$/);
  assert.ok(rolled!.metadata.generation > first.metadata.generation);
});
