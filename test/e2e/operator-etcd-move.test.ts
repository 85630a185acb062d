// Pointing a SchedulerHA at another etcd cluster. A rolling update would leave the old replicas leading on the old
// cluster while the updated ones elect a leader of their own on the new one: two schedulers for one framework. The
// operator holds the change (ConfigValid=False EtcdClusterChanged, no child changed) while replicas run, and while
// the new cluster lacks the framework id; the documented move (stop, copy the keys, switch, start) then resumes
// the same framework from the new cluster. New addresses of the same cluster roll out as usual.
// Two real etcd servers, the Mesos emulator, the Kubernetes API emulator + pod runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { OperatorStack } from '../helpers/operator-stack.js';
import { waitFor } from '../helpers/wait.js';
import type { SchedulerHA } from '../../src/api/types.js';

test('another etcd cluster: held while replicas run and until the framework id is copied; the same framework resumes from it', { timeout: 420_000 }, async (t) => {
  const s = await OperatorStack.start();
  t.after(() => s.stop());
  const other = await EtcdServer.start();
  t.after(() => other.stop());
  const otherClient = new Etcd3({ hosts: other.endpoint, defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 5000 }) });
  t.after(() => otherClient.close());
  const ns = await s.namespace('move');
  const name = 'k8sm';
  s.startOperator('op-a', ['--no-leader-elect']);
  const first = s.stack.etcd.endpoint;
  await s.create(s.resource(ns, name));
  const r0 = await s.waitForCondition(ns, name, 'Ready', 'True', { timeoutMs: 120_000 });
  const fid = r0.status!.frameworkID!;
  const term = r0.status!.leader!.term;
  const keys = s.keys(r0);
  const frameworkName = String(r0.spec.flags?.frameworkName);
  const stsArgs = async (): Promise<string[]> => {
    const [sts] = await s.list(`/apis/apps/v1/namespaces/${ns}/statefulsets`);
    return sts!.spec.template.spec.containers.find((c: { name: string }) => c.name === 'scheduler').args as string[];
  };
  const etcdServers = async () => (await stsArgs()).find((a) => a.startsWith('--etcd-servers='));
  const held = (o: SchedulerHA | undefined) => s.condition(o, 'ConfigValid')?.reason === 'EtcdClusterChanged';

  // 1. The other cluster while both replicas run: held, nothing changes, the leader is still observed.
  const g1 = (await s.patch(ns, name, { spec: { etcd: { endpoints: [other.endpoint] } } })).metadata.generation!;
  const h1 = await s.waitForCondition(ns, name, 'ConfigValid', 'False', { reason: 'EtcdClusterChanged', generation: g1 });
  assert.match(s.condition(h1, 'ConfigValid')!.message, new RegExp(`spec\\.etcd\\.endpoints \\(${other.endpoint}\\) name another etcd cluster \\(cluster id \\d+\\) than the replicas run with \\(${first}, cluster id \\d+\\); .*two leaders at once while its 2 pods run`));
  assert.equal(s.condition(h1, 'Ready')!.reason, 'EtcdClusterChanged');
  assert.equal(await etcdServers(), `--etcd-servers=${first}`, 'the StatefulSet keeps the old endpoints');
  assert.equal(s.condition(h1, 'LeaderElected')!.status, 'True', 'observed on the cluster the replicas run with');
  assert.equal(h1.status!.leader!.term, term);
  assert.equal((await otherClient.getAll().prefix(`${keys.root}/`).keys()).length, 0, 'nobody campaigns on the other cluster');

  // 2. As the message says: the old endpoints with no replicas.
  await s.patch(ns, name, { spec: { replicas: 0, etcd: { endpoints: [first] } } });
  await s.waitForCondition(ns, name, 'ReplicasReady', 'True', { reason: 'ScaledToZero' });

  // 3. Switched while stopped, but nothing copied: the first leader there would register a second framework.
  const g3 = (await s.patch(ns, name, { spec: { etcd: { endpoints: [other.endpoint] } } })).metadata.generation!;
  const h3 = await s.waitForCondition(ns, name, 'ConfigValid', 'False', { reason: 'EtcdClusterChanged', generation: g3 });
  assert.match(s.condition(h3, 'ConfigValid')!.message, new RegExp(`holds no framework id at ${keys.frameworkId} while the old one holds ${fid}`));
  assert.equal(await etcdServers(), `--etcd-servers=${first}`);

  // 4. The keys copied: the change goes ahead by itself.
  const copied: string[] = [];
  for (const [k, v] of Object.entries(await s.etcdClient.getAll().prefix(`${keys.root}/`).strings())) {
    if (k === keys.frameworkId || k === keys.executorHash || k.startsWith(keys.tasksPrefix)) {
      await otherClient.put(k).value(v);
      copied.push(k);
    }
  }
  assert.ok(copied.includes(keys.frameworkId) && copied.includes(keys.executorHash), `copied ${copied.join(', ')}`);
  const c4 = await waitFor('the change applied', async () => {
    const o = await s.get(ns, name);
    return s.condition(o, 'ConfigValid')?.status === 'True' && (await etcdServers()) === `--etcd-servers=${other.endpoint}` ? o : undefined;
  }, { timeoutMs: 60_000 });
  assert.ok(!held(c4));

  // 5. Scaled up: the same framework, led from the other cluster; no second framework ever registered.
  await s.patch(ns, name, { spec: { replicas: 2 } });
  const r5 = await s.waitForCondition(ns, name, 'Ready', 'True', { timeoutMs: 120_000 });
  assert.equal(r5.status!.frameworkID, fid);
  assert.equal(await otherClient.get(keys.frameworkId).string(), fid);
  assert.ok((await otherClient.getAll().prefix(`${keys.electionPrefix}/`).keys()).length >= 1, 'the election runs on the other cluster');
  const named = [...s.stack.mesos.frameworks(), ...s.stack.mesos.completedFrameworks()].filter((f) => f.info.name === frameworkName);
  assert.deepEqual(named.map((f) => f.id), [fid]);

  // 6. New addresses of the same cluster are an ordinary rolling update.
  const localhost = other.endpoint.replace('127.0.0.1', 'localhost');
  const g6 = (await s.patch(ns, name, { spec: { etcd: { endpoints: [other.endpoint, localhost] } } })).metadata.generation!;
  await s.waitForCondition(ns, name, 'ConfigValid', 'True', { generation: g6 });
  await waitFor('the StatefulSet rolled to the new addresses', async () => (await etcdServers()) === `--etcd-servers=${other.endpoint},${localhost}` || undefined, { timeoutMs: 60_000 });
  assert.ok(!(await s.events(ns, name)).some((e) => e.reason === 'EtcdClusterUnverified'), 'both sides were read');
});
