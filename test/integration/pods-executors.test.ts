// Executor compatibility (k8sm's rule: refuse agents running an executor of this framework with another executor
// id / hash) and pod task lifecycles per restartPolicy, against the emulators and real etcd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodsStack, type PodJson } from '../helpers/pods-stack.js';
import { waitFor } from '../helpers/wait.js';
import { taskIdFor } from '../../src/scheduler/pods/task-id.js';
import type { PodTaskManager } from '../../src/scheduler/pods/manager.js';

test('an agent running an executor with another hash never receives a task; declines are counted per agent', { timeout: 180_000 }, async (t) => {
  const s = await PodsStack.start({ agents: 3 });
  t.after(() => s.stop());
  const { replica, ps } = await s.inProcess('r0');
  const fwid = await s.frameworkId();
  await s.stack.waitForReconciledLeader();
  const [bad, mixed] = [s.mesos.agents[0]!.id, s.mesos.agents[1]!.id];
  // Agent 0 runs an executor of this framework from another executor config (another hash); agent 1 runs ours and
  // an old one side by side (k8sm: more than one executor id → incompatible). Agent 2 is clean.
  const foreign = (hash: string) => ({ type: 'CUSTOM' as const, executor_id: { value: `${hash}_k8sm-executor` }, framework_id: { value: fwid }, name: 'Kubelet-Executor', source: 'kubernetes', command: { value: './km', shell: false } });
  s.mesos.seedTasks(fwid, [
    { taskId: 'legacy-0', agentId: bad, executor: foreign('0123456789abcdef') },
    { taskId: 'legacy-1', agentId: mixed, executor: foreign('fedcba9876543210') },
  ]);

  const pods = await s.createPods('inc', 24, { cpu: '100m', memory: '32Mi' });
  await s.waitAllRunningAndBound(fwid, pods.map((p) => p.metadata.name), 90_000);
  const onAgents = new Set(s.mesos.tasks(fwid).filter((x) => x.info.task_id.value.startsWith('pod.')).map((x) => x.agentId));
  assert.deepEqual([...onAgents], [s.mesos.agents[2]!.id], 'every pod task went to the compatible agent');
  for (const l of s.launches) assert.notEqual(l.agentId, bad, `${l.taskId} launched on the incompatible agent`);
  for (const l of s.launches) assert.notEqual(l.agentId, mixed, `${l.taskId} launched on the agent with two executor ids`);
  s.checkInvariants(fwid);

  const mgr = ps.current as PodTaskManager;
  const st = mgr.status() as { incompatibleAgents: Record<string, number>; incompatibleAgentDetails: Record<string, { executors: string[] }> };
  assert.ok((st.incompatibleAgents[bad] ?? 0) >= 1, 'declines counted for the agent with another hash');
  assert.ok((st.incompatibleAgents[mixed] ?? 0) >= 1, 'declines counted for the agent with two executors');
  assert.equal(st.incompatibleAgents[s.mesos.agents[2]!.id], undefined);
  assert.deepEqual(st.incompatibleAgentDetails[bad]!.executors, ['0123456789abcdef_k8sm-executor']);
  // Declined, never accepted: the offers of those agents were only ever DECLINEd.
  const metrics = await replica.metrics.registry.getSingleMetricAsString('schedulerha_incompatible_offers_declined_total');
  assert.match(metrics, new RegExp(`agent="${bad}"`));
  // The leader-status record carries the per-agent counts.
  const rec = await waitFor('incompatibleAgents in the leader status', async () => {
    const ls = await s.stack.leaderStatus();
    return ls?.incompatibleAgents?.[bad] ? ls : undefined;
  }, { timeoutMs: 10_000 });
  assert.ok(rec.incompatibleAgents![mixed]! >= 1);

  // The old executor on agent 0 exits: its next offer is compatible, so it leaves the report (ExecutorCompatible
  // recovers without a failover), while the agent still running two executor ids stays reported.
  s.mesos.killExecutor(bad, fwid, '0123456789abcdef_k8sm-executor');
  await waitFor('agent 0 no longer reported as incompatible', () => {
    const now = mgr.status() as { incompatibleAgents: Record<string, number> };
    return now.incompatibleAgents[bad] === undefined && (now.incompatibleAgents[mixed] ?? 0) >= 1;
  }, { timeoutMs: 60_000 });
  // Its metric series goes with it (agent ids come and go over a cluster's life); the other agent's stays.
  const after = await replica.metrics.registry.getSingleMetricAsString('schedulerha_incompatible_offers_declined_total');
  assert.doesNotMatch(after, new RegExp(`agent="${bad}"`));
  assert.match(after, new RegExp(`agent="${mixed}"`));
});

test('restart policies: Never → Failed with the Mesos reason; OnFailure → a new attempt on the same node, or Succeeded; launch failures retried', { timeout: 180_000 }, async (t) => {
  const s = await PodsStack.start({ agents: 3 });
  t.after(() => s.stop());
  const { ps } = await s.inProcess('r0', { manager: { backoff: { initialMs: 200, maxMs: 1000, resetAfterMs: 600_000, maxLaunchFailures: 3 } } });
  const fwid = await s.frameworkId();
  const never = await s.createPod('never', { restartPolicy: 'Never' });
  const onfail = await s.createPod('onfail', { restartPolicy: 'OnFailure' });
  const done = await s.createPod('done', { restartPolicy: 'OnFailure' });
  const always = await s.createPod('always', { restartPolicy: 'Always' });
  await s.waitAllRunningAndBound(fwid, ['never', 'onfail', 'done', 'always']);
  const id0 = (p: PodJson) => taskIdFor(p.metadata.uid, 0);
  const nodeOf = async (name: string) => (await s.pod(name))!.spec.nodeName!;

  s.mesos.sendTaskUpdate(fwid, id0(never), 'TASK_FAILED', { reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: 'exit status 1' });
  s.mesos.sendTaskUpdate(fwid, id0(onfail), 'TASK_FAILED', { reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: 'exit status 2' });
  s.mesos.sendTaskUpdate(fwid, id0(done), 'TASK_FINISHED');
  // The executor under `always` dies: its task fails with REASON_EXECUTOR_TERMINATED; the pod restarts on its node.
  const alwaysTask = s.mesos.task(fwid, id0(always))!;
  const alwaysNode = await nodeOf('always');
  const onfailNode = await nodeOf('onfail');

  const failed = await waitFor('never: phase Failed', async () => {
    const p = await s.pod('never');
    return p?.status?.phase === 'Failed' ? p : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  assert.equal(failed.status!.reason, 'REASON_COMMAND_EXECUTOR_FAILED');
  assert.match(failed.status!.message!, /TASK_FAILED.*exit status 1/);
  const succeeded = await waitFor('done: phase Succeeded', async () => {
    const p = await s.pod('done');
    return p?.status?.phase === 'Succeeded' ? p : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  assert.equal(succeeded.status!.reason, 'TASK_FINISHED');

  await waitFor('onfail: attempt 1 RUNNING', () => s.mesos.task(fwid, taskIdFor(onfail.metadata.uid, 1))?.state === 'TASK_RUNNING', { timeoutMs: 30_000, intervalMs: 100 });
  assert.equal(s.hostnameOf(s.mesos.task(fwid, taskIdFor(onfail.metadata.uid, 1))!.agentId), onfailNode, 'restarted on the node it is bound to');
  await waitFor('onfail: annotations name attempt 1', async () => (await s.pod('onfail'))?.metadata.annotations?.['k8s.mesosphere.io/taskId'] === taskIdFor(onfail.metadata.uid, 1), { timeoutMs: 10_000 });

  // Executor crash on `always`'s agent: every task of that executor fails; pods restart on their nodes with a new
  // executor (its resources charged again).
  const victims = s.mesos.tasks(fwid).filter((x) => x.agentId === alwaysTask.agentId && x.state === 'TASK_RUNNING');
  s.mesos.killExecutor(alwaysTask.agentId, fwid, alwaysTask.executorId!);
  await waitFor('always: attempt 1 RUNNING on its node', () => {
    const n = s.mesos.task(fwid, taskIdFor(always.metadata.uid, 1));
    return n?.state === 'TASK_RUNNING' && s.hostnameOf(n.agentId) === alwaysNode;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  assert.ok(victims.length >= 1);

  // A launch that fails before RUNNING: with Never, Failed; the pod was never bound.
  s.taskScript = (task) => (task.name.startsWith('early.') ? [{ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED', source: 'SOURCE_AGENT', message: 'Failed to launch container' }] : undefined);
  const early = await s.createPod('early', { restartPolicy: 'Never' });
  const earlyFailed = await waitFor('early: Failed', async () => {
    const p = await s.pod('early');
    return p?.status?.phase === 'Failed' ? p : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  assert.equal(earlyFailed.spec.nodeName, undefined);
  assert.equal(earlyFailed.status!.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
  void early;
  // With Always, a launch failure is retried (a new attempt, anywhere) until it runs.
  let retriedFailures = 0;
  s.taskScript = (task) => (task.name.startsWith('retried.') && retriedFailures++ < 2 ? [{ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED', source: 'SOURCE_AGENT' }] : undefined);
  const retried = await s.createPod('retried', { restartPolicy: 'Always' });
  await waitFor('retried: attempt 2 RUNNING and bound after two failed launches', async () => {
    const p = await s.pod('retried');
    const id = p?.metadata.annotations?.['k8s.mesosphere.io/taskId'];
    return p?.spec.nodeName && id === taskIdFor(retried.metadata.uid, 2) && s.mesos.task(fwid, id)?.state === 'TASK_RUNNING';
  }, { timeoutMs: 30_000, intervalMs: 100 });
  // Three launch failures in a row with maxLaunchFailures=3 → Failed (LaunchFailed).
  s.taskScript = (task) => (task.name.startsWith('doomed.') ? [{ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED', source: 'SOURCE_AGENT' }] : undefined);
  await s.createPod('doomed', { restartPolicy: 'Always' });
  const doomed = await waitFor('doomed: Failed after 3 launches', async () => {
    const p = await s.pod('doomed');
    return p?.status?.phase === 'Failed' ? p : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  assert.equal(doomed.status!.reason, 'LaunchFailed');
  assert.equal(s.mesos.tasks(fwid).concat(s.mesos.framework(fwid)!.completedTasks).filter((x) => x.info.name.startsWith('doomed.')).length, 3);
  void ps;
});
