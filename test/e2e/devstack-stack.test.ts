// The local stack end to end without the operator: a StatefulSet of two scheduler replicas run by the pod runner
// (their own pod IPs, POD_NAME from the downward API) elects a leader that registers with the Mesos emulator;
// deleting the leader pod (SIGTERM → resign) hands over to the other replica with the same framework id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalStack } from '../../src/devstack/stack.js';
import { keyLayout } from '../../src/api/keys.js';
import { parseLeaderStatus } from '../../src/api/leader-status.js';
import { kubeRequestOk } from '../../src/kube/index.js';
import { waitFor, uniqueName } from '../helpers/wait.js';
import { Etcd3 } from 'etcd3';

test('a StatefulSet of scheduler replicas under the pod runner: leader, hand-over on pod delete', { timeout: 180_000 }, async (t) => {
  const stack = await LocalStack.start({ mesos: { masters: 2, agents: 2, heartbeatSeconds: 2 } });
  t.after(() => stack.stop());
  const fw = uniqueName('dev').replace(/[^a-z0-9-]/g, '');
  const keys = keyLayout('/k8sm', fw);
  const etcd = new Etcd3({ hosts: stack.etcd.endpoint });
  t.after(() => etcd.close());
  const args = ['scheduler', '--ha', `--framework-name=${fw}`, `--etcd-servers=${stack.etcd.endpoint}`, `--mesos-master=${stack.mesos.masterAddress}`, '--km-path=hdfs:///km', '--lease-ttl=2s'];
  await stack.apply([
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'k8sm', namespace: 'default' },
      spec: {
        replicas: 2,
        serviceName: 'k8sm',
        selector: { matchLabels: { app: 'k8sm' } },
        template: {
          metadata: { labels: { app: 'k8sm' } },
          spec: {
            terminationGracePeriodSeconds: 10,
            containers: [
              {
                name: 'scheduler',
                image: 'schedulerha:dev',
                command: ['schedulerha'],
                args,
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                ],
                readinessProbe: { httpGet: { path: '/readyz', port: 10251 }, periodSeconds: 1 },
                livenessProbe: { httpGet: { path: '/healthz', port: 10251 }, periodSeconds: 2, failureThreshold: 5 },
              },
            ],
          },
        },
      },
    },
  ]);
  const status = async () => parseLeaderStatus(await etcd.get(keys.leaderStatus).string());
  const s0 = await waitFor('a subscribed leader', async () => ((await status())?.mesos === 'subscribed' ? status() : undefined), { timeoutMs: 60_000 });
  assert.match(s0!.identity, /^k8sm-[01]$/, 'the leader identifies as its pod');
  const sts = await waitFor('both replicas ready', async () => {
    const s = await kubeRequestOk<{ status?: { readyReplicas?: number } }>(stack.kc, { method: 'GET', path: '/apis/apps/v1/namespaces/default/statefulsets/k8sm' });
    return s.status?.readyReplicas === 2 ? s : undefined;
  }, { timeoutMs: 60_000 });
  assert.ok(sts);
  const fwid = s0!.frameworkId;

  await kubeRequestOk(stack.kc, { method: 'DELETE', path: `/api/v1/namespaces/default/pods/${s0!.identity}` });
  const s1 = await waitFor('the other replica leads', async () => {
    const s = await status();
    return s && s.mesos === 'subscribed' && s.identity !== s0!.identity ? s : undefined;
  }, { timeoutMs: 30_000 });
  assert.equal(s1.frameworkId, fwid);
  assert.equal(stack.mesos.frameworks().length, 1);
  await waitFor('the deleted pod is recreated and ready', async () => {
    const s = await kubeRequestOk<{ status?: { readyReplicas?: number } }>(stack.kc, { method: 'GET', path: '/apis/apps/v1/namespaces/default/statefulsets/k8sm' });
    return s.status?.readyReplicas === 2;
  }, { timeoutMs: 60_000 });
});
