// When a pod gets the k8sm annotations (task id, agent id, executor id). A launch that reaches RUNNING soon is
// annotated by its Binding alone (the API server copies a Binding's annotations onto the pod): one write per pod.
// A launch that stays in STAGING/STARTING past `annotateAfterMs` is annotated on its own, so `kubectl describe`
// shows where a pending pod's task is while its executor is still being fetched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodsStack } from '../helpers/pods-stack.js';
import { waitFor } from '../helpers/wait.js';
import { taskIdFor } from '../../src/scheduler/pods/task-id.js';
import type { PodRefFull } from '../../src/scheduler/pods/pod-model.js';

const ANNOTATE_AFTER_MS = 400;
const SLOW_RUNNING_AFTER_MS = 3000;

test('a fast launch is annotated only by its Binding; a slow one is annotated while it starts', { timeout: 120_000 }, async (t) => {
  const s = await PodsStack.start({ agents: 2 });
  t.after(() => s.stop());
  const { ps } = await s.inProcess('r0', { manager: { annotateAfterMs: ANNOTATE_AFTER_MS } });
  await s.stack.waitForReconciledLeader();
  const fwid = await s.frameworkId();
  // Every annotate PATCH the scheduler sends, by pod name.
  const annotated: string[] = [];
  const annotate = ps.writer.annotate.bind(ps.writer);
  ps.writer.annotate = async (ref: PodRefFull, a: Record<string, string>) => {
    annotated.push(ref.name);
    await annotate(ref, a);
  };
  s.taskScript = (task) => (task.name.startsWith('slow.') ? [{ state: 'TASK_STARTING' }, { state: 'TASK_RUNNING', afterMs: SLOW_RUNNING_AFTER_MS }] : undefined);

  const slow = await s.createPod('slow');
  const fast = await s.createPod('fast');
  const slowTask = taskIdFor(slow.metadata.uid, 0);
  const starting = await waitFor('the slow pod annotated while its task is still starting', async () => {
    const p = await s.pod('slow');
    return p?.metadata.annotations?.['k8s.mesosphere.io/taskId'] === slowTask ? p : undefined;
  }, { timeoutMs: 30_000, intervalMs: 50 });
  assert.equal(starting.spec.nodeName, undefined, 'annotated before it was bound');
  assert.equal(s.mesos.task(fwid, slowTask)?.state, 'TASK_STARTING');
  assert.ok(starting.metadata.annotations?.['k8s.mesosphere.io/slaveId'], 'with its agent id');
  assert.ok(starting.metadata.annotations?.['k8s.mesosphere.io/executorId'], 'and its executor id');

  await s.waitAllRunningAndBound(fwid, ['slow', 'fast']);
  assert.deepEqual(annotated, ['slow'], 'only the slow launch needed a PATCH of its own');
  const f = (await s.pod('fast'))!;
  assert.equal(f.metadata.annotations?.['k8s.mesosphere.io/taskId'], taskIdFor(fast.metadata.uid, 0), 'the Binding carried the annotations');
  assert.equal(f.metadata.annotations?.['k8s.mesosphere.io/bindingHost'], f.spec.nodeName);
  s.checkInvariants(fwid);
});
