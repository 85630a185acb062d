// The pod scheduler against the Kubernetes API emulator, the Mesos master emulator and real etcd, with an
// in-process leader (so its task manager can be inspected): pods launched and bound, never over-committed,
// annotations and TaskInfo as specified, deletion kills the task, restart policies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodsStack } from '../helpers/pods-stack.js';
import { waitFor } from '../helpers/wait.js';
import { executorIdentity } from '../../src/scheduler/framework.js';
import { parseAndValidate } from '../../src/scheduler/command.js';
import { taskIdFor } from '../../src/scheduler/pods/task-id.js';

const SMALL_AGENT = 'cpus:2;mem:2048;disk:1000;ports:[31000-31100]';

test('pods are launched and bound; resources are never over-committed; freed resources go to pending pods', { timeout: 180_000 }, async (t) => {
  const s = await PodsStack.start({ agents: [{ resources: SMALL_AGENT }, { resources: SMALL_AGENT }, { resources: SMALL_AGENT }] });
  t.after(() => s.stop());
  const { replica } = await s.inProcess('r0');
  const fwid = await s.frameworkId();
  const expectedExecutor = executorIdentity(parseAndValidate(s.stack.flags('x').slice(1)).config!).executorId;

  // 0.3 cpu / 200 MB each; per agent (2 − 0.25 executor) / 0.3 → 5 pods by cpu: 15 of 30 fit at once.
  const created = await s.createPods('web', 30, { cpu: '300m', memory: '200Mi' });
  const running = await waitFor(
    '15 pods bound',
    async () => {
      const pods = await s.pods();
      const bound = pods.filter((p) => p.spec.nodeName);
      return bound.length >= 15 ? bound : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  // Nothing more fits: wait a moment of offers and check nobody else got bound or launched.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await s.pods()).filter((p) => p.spec.nodeName).length, 15, 'exactly the pods that fit are bound');
  assert.equal(s.mesos.tasks(fwid).filter((x) => x.state === 'TASK_RUNNING').length, 15);
  s.checkInvariants(fwid);

  // Annotations, binding and TaskInfo.
  for (const p of running) {
    const a = p.metadata.annotations!;
    const id = a['k8s.mesosphere.io/taskId']!;
    assert.equal(id, taskIdFor(p.metadata.uid, 0));
    const task = s.mesos.task(fwid, id)!;
    assert.equal(a['k8s.mesosphere.io/slaveId'], task.agentId);
    assert.equal(a['k8s.mesosphere.io/executorId'], expectedExecutor);
    assert.equal(a['k8s.mesosphere.io/bindingHost'], p.spec.nodeName);
    assert.ok(a['k8s.mesosphere.io/offerId'], 'offer id annotated');
    assert.equal(p.spec.nodeName, s.hostnameOf(task.agentId), 'bound to the node named after the agent hostname');
    assert.equal(task.info.executor?.executor_id.value, expectedExecutor);
    assert.deepEqual(
      Object.fromEntries(task.info.labels!.labels.map((l) => [l.key, l.value])),
      { 'k8s.mesosphere.io/namespace': 'default', 'k8s.mesosphere.io/name': p.metadata.name, 'k8s.mesosphere.io/uid': p.metadata.uid, 'k8s.mesosphere.io/attempt': '0' },
    );
    assert.equal(task.info.name, `${p.metadata.name}.default.pod`);
  }
  // Spread over all three agents.
  assert.deepEqual(new Set(running.map((p) => p.spec.nodeName)).size, 3);
  // The registry holds one record per launched task, RUNNING.
  const reg = await s.stack.registry();
  for (const p of running) assert.equal(reg.get(taskIdFor(p.metadata.uid, 0))?.state, 'TASK_RUNNING');

  // The leader's status shows the pods; no incompatible agent.
  const st = replica.status() as { taskManager?: { pods?: Record<string, number>; incompatibleAgents?: Record<string, number> } };
  assert.deepEqual(st.taskManager?.incompatibleAgents, {});

  // Delete the 15 running pods: their tasks are killed, the pods go, and the other 15 take their place.
  for (const p of running) await s.deletePod(p.metadata.name);
  await waitFor('the deleted pods’ tasks killed', () => running.every((p) => s.taskState(fwid, taskIdFor(p.metadata.uid, 0)) === 'TASK_KILLED'), { timeoutMs: 60_000, intervalMs: 200 });
  // Each KILL carried the deletion's grace (a bound pod's terminationGracePeriodSeconds, 30 s by default) to the executor.
  const killed = s.mesos.framework(fwid)!.completedTasks.find((x) => x.info.task_id.value === taskIdFor(running[0]!.metadata.uid, 0));
  assert.deepEqual(killed?.killPolicy, { grace_period: { nanoseconds: 30_000_000_000 } });
  await waitFor('the deleted pods removed', async () => {
    const names = new Set((await s.pods()).map((p) => p.metadata.name));
    return running.every((p) => !names.has(p.metadata.name));
  }, { timeoutMs: 60_000, intervalMs: 200 });
  const rest = created.filter((c) => !running.some((r) => r.metadata.uid === c.metadata.uid)).map((c) => c.metadata.name);
  await s.waitAllRunningAndBound(fwid, rest, 90_000);
  const inv = s.checkInvariants(fwid);
  assert.equal(inv.launches, 30, 'every pod launched exactly once');
});
