// A pod no offer can take says why, as kube-scheduler's pods do: PodScheduled=False, reason Unschedulable, with the
// reasons counted across the offered agents (`kubectl describe pod` shows it); a pod whose resources cannot even
// be read says that, and each gets a FailedScheduling Event. Once placed, the Binding sets PodScheduled=True.
// Real etcd, the Mesos emulator (3 agents, 4 cpus each), the Kubernetes API emulator, one in-process replica.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodsStack } from '../helpers/pods-stack.js';
import { waitFor } from '../helpers/wait.js';
import { kubeRequestOk } from '../../src/kube/request.js';
import { SCHEDULER_REPORTING_CONTROLLER } from '../../src/scheduler/pods/pod-writes.js';

type Cond = { type: string; status: string; reason?: string; message?: string };

test('pods that cannot be placed carry PodScheduled=False Unschedulable with the reason; placed ones PodScheduled=True', { timeout: 120_000 }, async (t) => {
  const s = await PodsStack.start({ agents: 3 });
  t.after(() => s.stop());
  await s.inProcess('r0');
  await s.stack.waitForReconciledLeader();
  const fwid = await s.frameworkId();
  const scheduled = async (name: string) => ((await s.pod(name))?.status as { conditions?: Cond[] } | undefined)?.conditions?.find((c) => c.type === 'PodScheduled');
  await s.createPod('huge', { cpu: '64' });
  await s.createPod('bad', { memory: '12 parsecs' });
  await s.createPod('fine');
  const huge = await waitFor('huge marked unschedulable', async () => {
    const c = await scheduled('huge');
    return c?.status === 'False' ? c : undefined;
  }, { timeoutMs: 60_000, intervalMs: 100 });
  assert.equal(huge.reason, 'Unschedulable');
  assert.match(huge.message!, /^0\/\d offered agents? fit the pod \(cpus 64, mem \d+ MB\): \d too little cpus/);
  const bad = await waitFor('bad marked unschedulable', async () => {
    const c = await scheduled('bad');
    return c?.status === 'False' ? c : undefined;
  }, { timeoutMs: 60_000, intervalMs: 100 });
  assert.match(bad.message!, /^the pod cannot be placed: .*12 parsecs/);
  await s.waitAllRunningAndBound(fwid, ['fine']);
  assert.equal((await scheduled('fine'))?.status, 'True', 'the Binding sets PodScheduled=True');
  assert.equal((await s.pod('huge'))!.spec.nodeName, undefined);

  // Each write of the condition is also a FailedScheduling Event on the pod, as kube-scheduler records it.
  type Ev = { reason: string; type: string; note: string; action: string; reportingController: string; regarding: { kind: string; name: string; uid: string } };
  const events = async () => (await kubeRequestOk<{ items: Ev[] }>(s.kc, { method: 'GET', path: `/apis/events.k8s.io/v1/namespaces/${s.namespace}/events` })).items;
  for (const [name, cond] of [['huge', huge], ['bad', bad]] as const) {
    const ev = await waitFor(`FailedScheduling for ${name}`, async () => (await events()).find((e) => e.regarding.name === name && e.reason === 'FailedScheduling'), { timeoutMs: 30_000 });
    assert.deepEqual([ev.type, ev.action, ev.reportingController, ev.regarding.kind, ev.regarding.uid], ['Warning', 'Scheduling', SCHEDULER_REPORTING_CONTROLLER, 'Pod', (await s.pod(name))!.metadata.uid]);
    assert.equal(ev.note, cond.message);
  }
  assert.ok(!(await events()).some((e) => e.regarding.name === 'fine'), 'a placed pod gets none');
});
