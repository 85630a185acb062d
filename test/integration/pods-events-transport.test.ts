// The pod scheduler's Events (FailedScheduling) go through the project's pooled keep-alive transport with bounded
// timeouts (src/kube/config.ts makeApiClient), like every other API call: client-node's own client opened a new
// connection for each Event and waited up to undici's 300 s on a dead one (audit apistress #8). Counted at a TCP
// proxy in front of the Kubernetes API emulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { KubeApiServer } from '../../src/devstack/kube/server.js';
import { TcpProxy } from '../../src/devstack/tcp-proxy.js';
import { parseAndValidate } from '../../src/scheduler/command.js';
import { PodScheduler } from '../../src/scheduler/pods/index.js';
import { kubeRequestOk } from '../../src/kube/request.js';
import { waitFor } from '../helpers/wait.js';

test('the pod scheduler\'s Events reuse pooled connections', { timeout: 60_000 }, async (t) => {
  const kube = await KubeApiServer.start();
  t.after(() => kube.stop());
  const proxy = await TcpProxy.start({ targetPort: kube.port });
  t.after(() => proxy.stop());
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kube.kubeconfig.replace(`:${kube.port}`, `:${proxy.port}`));
  const parsed = parseAndValidate(['--framework-name=Kubernetes', '--etcd-servers=http://127.0.0.1:1', '--mesos-master=127.0.0.1:5050', '--km-path=hdfs:///km', '--identity=r0']);
  assert.deepEqual(parsed.errors, []);
  // Not started: no informer, so the Events are the only traffic through the proxy.
  const ps = new PodScheduler({ config: parsed.config!, kc });
  t.after(() => ps.stop());
  const n = 8;
  for (let i = 0; i < n; i++) {
    ps.events.warning({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: `p-${i}`, uid: `uid-${i}` }, 'FailedScheduling', 'Scheduling', `no offer fits pod p-${i}`);
    await ps.events.flush(); // one at a time: each create could have reused the last one's connection
  }
  const adminKc = new k8s.KubeConfig();
  adminKc.loadFromString(kube.kubeconfig);
  await waitFor(`${n} Events written`, async () => (await kubeRequestOk<{ items: unknown[] }>(adminKc, { method: 'GET', path: '/apis/events.k8s.io/v1/namespaces/default/events' })).items.length === n || undefined, { timeoutMs: 20_000 });
  t.diagnostic(`connections for ${n} Events: ${proxy.acceptedTotal}`);
  assert.ok(proxy.acceptedTotal <= 2, `${proxy.acceptedTotal} connections for ${n} Events written one after another`);
});
