// Pods across scheduler failovers, with replicas as separate processes (SIGKILL is a real crash):
// - a failover in the middle of launching 200 pods launches each exactly once and binds all;
// - after a failover, reconciliation and the pod view agree: a task whose pod is gone is killed, a deleted pod's
//   task is killed and the pod removed, pods on a removed agent are Failed (NodeLost), a task that failed while no
//   scheduler ran is restarted per policy, and nothing else is launched again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodsStack } from '../helpers/pods-stack.js';
import { waitFor } from '../helpers/wait.js';
import { taskIdFor } from '../../src/scheduler/pods/task-id.js';
import type { TaskRecord } from '../../src/scheduler/task-record.js';

test('SIGKILL of the leader in the middle of launching 200 pods: each launched exactly once, all bound', { timeout: 300_000 }, async (t) => {
  const s = await PodsStack.start({ agents: 4, leaseTtl: '2s' });
  t.after(() => s.stop());
  const dbg = process.env.PODS_TEST_DUMP ? ['--log-level=debug'] : [];
  s.spawn('r0', dbg);
  s.spawn('r1', dbg);
  const first = await s.stack.waitForReconciledLeader();
  const fwid = await s.frameworkId();
  const leader = s.stack.replicas.find((r) => r.name === first.identity && r.running)!;
  // Launches that straddle the crash: ACCEPTs reach the master 200 ms late (some land after the leader died),
  // and two are lost outright (their intents are written, their tasks never created).
  s.mesos.addCallFault({ callType: 'ACCEPT', action: 'drop', times: 2 });
  s.mesos.addCallFault({ callType: 'ACCEPT', action: 'delay', delayMs: 200 });

  const creating = s.createPods('fo', 200, { cpu: '50m', memory: '32Mi' }, 8);
  await waitFor('the first launches', () => s.launches.length >= 20, { timeoutMs: 60_000, intervalMs: 5 });
  leader.proc.signal('SIGKILL');
  const killedAt = s.launches.length;
  const pods = await creating;
  assert.ok(killedAt < 200, `the leader died mid-launch (${killedAt} launched before)`);

  const next = await s.stack.waitForReconciledLeader(BigInt(first.term), 90_000);
  assert.notEqual(next.identity, first.identity);
  await s.waitAllRunningAndBound(fwid, pods.map((p) => p.metadata.name), 180_000);

  const inv = s.checkInvariants(fwid);
  assert.equal(inv.pods, 200, 'every pod launched');
  // Exactly once: one RUNNING task per pod, bound where it runs; any extra launch is a new attempt of a launch
  // that never happened (a lost ACCEPT), never a second live task.
  const running = s.mesos.tasks(fwid).filter((x) => x.state === 'TASK_RUNNING' && x.info.task_id.value.startsWith('pod.'));
  assert.equal(running.length, 200);
  const live = new Map<string, number>();
  for (const x of s.mesos.tasks(fwid)) {
    const uid = x.info.labels?.labels.find((l) => l.key === 'k8s.mesosphere.io/uid')?.value;
    if (uid && !['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE'].includes(x.state)) live.set(uid, (live.get(uid) ?? 0) + 1);
  }
  for (const p of pods) assert.equal(live.get(p.metadata.uid), 1, `pod ${p.metadata.name} has one live task`);
  const extra = s.launches.length - 200;
  assert.ok(extra >= 0 && extra <= 4, `launches beyond one per pod are retries of lost ACCEPTs (${extra})`);
  // The registry agrees: the newest attempt of every pod is RUNNING, earlier ones ended.
  const reg = await s.stack.registry();
  for (const p of pods) {
    const mine = [...reg.values()].filter((r: TaskRecord) => r.pod?.uid === p.metadata.uid).sort((a, b) => (a.attempt ?? 0) - (b.attempt ?? 0));
    assert.equal(mine.at(-1)?.state, 'TASK_RUNNING', `${p.metadata.name}: newest attempt RUNNING`);
    for (const r of mine.slice(0, -1)) assert.ok(['TASK_GONE', 'TASK_DROPPED', 'TASK_LOST', 'TASK_KILLED'].includes(r.state), `${p.metadata.name}: older attempt ${r.id} ended (${r.state})`);
  }
  const acc = s.mesos.history.findCalls({ callType: 'ACCEPT' });
  t.diagnostic(`ACCEPT calls: ${acc.length}; statuses: ${JSON.stringify(acc.reduce((m, c) => ({ ...m, [c.status + ':' + c.detail.slice(0, 40)]: (m[c.status + ':' + c.detail.slice(0, 40)] ?? 0) + 1 }), {} as Record<string, number>))}`);
  t.diagnostic(`relaunched as attempt 1 (their first intent never reached Mesos): ${[...reg.values()].filter((r) => (r.attempt ?? 0) > 0).length}`);
  t.diagnostic(`first to last launch: ${s.launches.at(-1)!.at - s.launches[0]!.at} ms`);
  // PODS_TEST_DUMP=1: replicas log at debug level and their output is written to /tmp/replica-<name>-<pid>.log.
  if (process.env.PODS_TEST_DUMP) for (const r of s.stack.replicas) (await import('node:fs')).writeFileSync(`/tmp/replica-${r.name}-${r.proc.pid}.log`, r.proc.output());
  t.diagnostic(`launched before the crash: ${killedAt}; launches: ${s.launches.length}; new leader ${next.identity} (term ${next.term})`);
});

test('after a failover, reconciliation and the pod view agree', { timeout: 300_000 }, async (t) => {
  const s = await PodsStack.start({ agents: 3, leaseTtl: '2s' });
  t.after(() => s.stop());
  const a = s.spawn('a');
  const first = await s.stack.waitForReconciledLeader();
  const fwid = await s.frameworkId();
  const names = Array.from({ length: 12 }, (_, i) => `p${i}`);
  for (const n of names) await s.createPod(n, { restartPolicy: 'OnFailure', cpu: '100m', memory: '32Mi' });
  const pods = await s.waitAllRunningAndBound(fwid, names);
  const byName = new Map(pods.map((p) => [p.metadata.name, p]));
  const taskOf = (n: string) => taskIdFor(byName.get(n)!.metadata.uid, 0);
  const agentOf = (n: string) => s.mesos.task(fwid, taskOf(n))!.agentId;

  // No scheduler runs while the world changes.
  a.proc.signal('SIGKILL');
  await a.proc.exited;
  const goneAgent = agentOf('p0');
  const onGone = names.filter((n) => agentOf(n) === goneAgent);
  const others = names.filter((n) => agentOf(n) !== goneAgent);
  const [forced, deleted, failed] = others;
  // 1. A pod force-deleted: its task has no pod any more.
  await s.kc.makeApiClient((await import('@kubernetes/client-node')).CoreV1Api).deleteNamespacedPod({ name: forced!, namespace: s.namespace, gracePeriodSeconds: 0 });
  // 2. A pod deleted normally: bound, so it waits (Terminating) for its task to end.
  await s.deletePod(deleted!);
  // 3. An agent removed by the operator: its tasks are gone (the updates cannot reach the disconnected framework).
  s.mesos.markAgentGone(goneAgent);
  // 4. A task failed meanwhile (a reliable update, delivered after the next SUBSCRIBE).
  s.mesos.sendTaskUpdate(fwid, taskOf(failed!), 'TASK_FAILED', { reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: 'exit status 3' });
  const launchesBefore = s.launches.length;

  s.spawn('b');
  const next = await s.stack.waitForReconciledLeader(BigInt(first.term), 60_000);
  assert.equal(next.identity, 'b');

  await waitFor('the task without a pod killed', () => s.taskState(fwid, taskOf(forced!)) === 'TASK_KILLED', { timeoutMs: 30_000, intervalMs: 100 });
  await waitFor('the deleted pod’s task killed and the pod removed', async () => s.taskState(fwid, taskOf(deleted!)) === 'TASK_KILLED' && !(await s.pod(deleted!)), { timeoutMs: 30_000, intervalMs: 100 });
  for (const n of onGone) {
    const p = await waitFor(`${n} (on the removed agent) Failed`, async () => {
      const x = await s.pod(n);
      return x?.status?.phase === 'Failed' ? x : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    assert.equal(p.status!.reason, 'NodeLost');
  }
  await waitFor('the failed task restarted on its node as attempt 1', () => {
    const x = s.mesos.task(fwid, taskIdFor(byName.get(failed!)!.metadata.uid, 1));
    return x?.state === 'TASK_RUNNING' && s.hostnameOf(x.agentId) === byName.get(failed!)!.spec.nodeName;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  // Everything else untouched: same tasks RUNNING, bound, and no other launch.
  const untouched = others.filter((n) => n !== forced && n !== deleted && n !== failed);
  for (const n of untouched) assert.equal(s.mesos.task(fwid, taskOf(n))?.state, 'TASK_RUNNING', `${n} still runs its first task`);
  assert.deepEqual(s.launches.slice(launchesBefore).map((l) => l.taskId), [taskIdFor(byName.get(failed!)!.metadata.uid, 1)], 'the only launch after the failover is the restart');
  s.checkInvariants(fwid);
});
