// An unbound pod whose task's agent becomes unreachable before the task ran: nothing would ever bind or fail it (a
// partition-aware framework hears no more of the task until the agent returns). After the unreachable timeout it
// is launched anew elsewhere, and the attempt on the lost agent is killed as superseded if that agent comes back.
// Real etcd, the Mesos emulator, the Kubernetes API emulator, one in-process replica.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodsStack } from '../helpers/pods-stack.js';
import { waitFor } from '../helpers/wait.js';
import { taskIdFor } from '../../src/scheduler/pods/task-id.js';

test('an unbound pod whose task is stranded on an unreachable agent is launched anew after the timeout', { timeout: 120_000 }, async (t) => {
  const s = await PodsStack.start({ agents: 3 });
  t.after(() => s.stop());
  await s.inProcess('r0', { manager: { unreachableTimeoutMs: 2000 } });
  await s.stack.waitForReconciledLeader();
  const fwid = await s.frameworkId();
  // Attempt 0 starts slowly (it would be RUNNING only after 10 min), so the pod is still unbound when its agent goes.
  s.taskScript = (task) => (task.task_id.value.endsWith('.0') ? [{ state: 'TASK_STARTING', afterMs: 100 }, { state: 'TASK_RUNNING', afterMs: 600_000 }] : undefined);
  const pod = await s.createPod('stranded');
  const first = taskIdFor(pod.metadata.uid, 0);
  const staged = await waitFor('attempt 0 on an agent', () => s.mesos.task(fwid, first), { timeoutMs: 30_000, intervalMs: 20 });
  s.mesos.markAgentUnreachable(staged.agentId);
  await waitFor('attempt 0 recorded unreachable', async () => (await s.stack.registry()).get(first)?.state === 'TASK_UNREACHABLE' || undefined, { timeoutMs: 30_000, intervalMs: 50 });
  const second = taskIdFor(pod.metadata.uid, 1);
  await s.waitAllRunningAndBound(fwid, ['stranded'], 60_000);
  const bound = await s.pod('stranded');
  assert.equal(bound!.metadata.annotations?.['k8s.mesosphere.io/taskId'], second, 'bound with attempt 1');
  assert.notEqual(s.mesos.task(fwid, second)!.agentId, staged.agentId, 'on another agent');
  // The lost agent comes back with attempt 0 (still starting): superseded, it is killed; attempt 1 runs on.
  s.mesos.reregisterAgent(staged.agentId);
  await waitFor('attempt 0 killed', () => s.taskState(fwid, first) === 'TASK_KILLED' || undefined, { timeoutMs: 60_000, intervalMs: 50 });
  assert.equal(s.mesos.task(fwid, second)?.state, 'TASK_RUNNING');
  assert.equal((await s.pod('stranded'))!.spec.nodeName, bound!.spec.nodeName);
});
