// A bound pod restarting on its node keeps its place there. Found by the chaos soak: a pod's task failed on a full
// node; during its restart back-off the leader placed newly created pods into the resources the failed task had
// freed, and the bound pod — which cannot move — waited forever. The leader now holds what a bound pod waiting to
// restart needs on its node, as a kubelet keeps a restarting pod's resources allocated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodsStack } from '../helpers/pods-stack.js';
import { waitFor } from '../helpers/wait.js';
import { taskIdFor } from '../../src/scheduler/pods/task-id.js';

// Our executor (0.25 cpu, 128 MB) and exactly four 0.25-cpu pods.
const FULL_AFTER_FOUR = 'cpus:1.25;mem:2048;disk:1000;ports:[31000-31100]';

test('a bound pod whose task failed gets its place on its full node back; pods created meanwhile keep waiting', { timeout: 180_000 }, async (t) => {
  const s = await PodsStack.start({ agents: [{ resources: FULL_AFTER_FOUR }] });
  t.after(() => s.stop());
  s.spawn('r0');
  await s.stack.waitForReconciledLeader();
  const fwid = await s.frameworkId();
  const pods = await s.createPods('full', 4, { cpu: '250m', memory: '128Mi' });
  await s.waitAllRunningAndBound(fwid, pods.map((p) => p.metadata.name));

  // The node is full: two more pods wait.
  const late = await s.createPods('late', 2, { cpu: '250m', memory: '128Mi' });
  await new Promise((r) => setTimeout(r, 1500));
  for (const p of late) assert.equal((await s.pod(p.metadata.name))?.spec.nodeName, undefined, `${p.metadata.name} waits for room`);

  // One task fails. Its pod restarts on its node after the back-off (1 s); the waiting pods must not take the place
  // its task freed in the meantime.
  const victim = pods[1]!;
  s.mesos.sendTaskUpdate(fwid, taskIdFor(victim.metadata.uid, 0), 'TASK_FAILED', { reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: 'exit status 1' });
  await waitFor('the failed pod running again on its node as attempt 1', () => s.mesos.task(fwid, taskIdFor(victim.metadata.uid, 1))?.state === 'TASK_RUNNING', { timeoutMs: 60_000, intervalMs: 100 });
  const lateUids = new Set(late.map((p) => p.metadata.uid));
  assert.deepEqual(s.launches.filter((l) => l.uid && lateUids.has(l.uid)).map((l) => l.taskId), [], 'no pod created meanwhile was launched into the held place');
  for (const p of late) assert.equal((await s.pod(p.metadata.name))?.spec.nodeName, undefined, `${p.metadata.name} still waits`);
  assert.equal((await s.pod(victim.metadata.name))?.spec.nodeName, s.hostnameOf(s.mesos.agents[0]!.id));
  s.checkInvariants(fwid);

  // Room frees up (a pod deleted): a waiting pod takes it.
  await s.deletePod(pods[3]!.metadata.name);
  await waitFor('a waiting pod launched into the freed place', () => s.launches.some((l) => l.uid && lateUids.has(l.uid)), { timeoutMs: 60_000, intervalMs: 100 });
  s.checkInvariants(fwid);
});

test('a bound pod whose task failed while no leader ran keeps its place: the new leader holds it until Mesos confirms its task, although the offers come first', { timeout: 180_000 }, async (t) => {
  const s = await PodsStack.start({ agents: [{ resources: FULL_AFTER_FOUR }], leaseTtl: '2s' });
  t.after(() => s.stop());
  const r0 = s.spawn('r0');
  await s.stack.waitForReconciledLeader();
  const fwid = await s.frameworkId();
  const pods = await s.createPods('full', 4, { cpu: '250m', memory: '128Mi' });
  await s.waitAllRunningAndBound(fwid, pods.map((p) => p.metadata.name));
  const late = await s.createPods('late', 2, { cpu: '250m', memory: '128Mi' });
  const lateUids = new Set(late.map((p) => p.metadata.uid));

  // No scheduler runs; meanwhile a task fails. The master frees its resources at once; the update waits at the
  // agent (retried) until a scheduler acknowledges it.
  r0.proc.signal('SIGKILL');
  await waitFor('the framework disconnected', () => s.mesos.framework(fwid)?.connected === false || undefined, { timeoutMs: 10_000, intervalMs: 20 });
  const victim = pods[2]!;
  s.mesos.sendTaskUpdate(fwid, taskIdFor(victim.metadata.uid, 0), 'TASK_FAILED', { reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: 'exit status 1' });

  // The next leader gets offers with the freed place right after SUBSCRIBED, before it hears of the failure.
  s.spawn('r1');
  await waitFor('the failed pod running again on its node as attempt 1', () => s.mesos.task(fwid, taskIdFor(victim.metadata.uid, 1))?.state === 'TASK_RUNNING', { timeoutMs: 60_000, intervalMs: 100 });
  assert.deepEqual(s.launches.filter((l) => l.uid && lateUids.has(l.uid)).map((l) => l.taskId), [], 'no waiting pod was launched into the place');
  assert.equal((await s.pod(victim.metadata.name))?.spec.nodeName, s.hostnameOf(s.mesos.agents[0]!.id));
  s.checkInvariants(fwid);
});
