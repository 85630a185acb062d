// The task registry does not grow forever: replica processes run with --task-retention=2s, and the leader deletes
// the ended records of a deleted pod and of a finished one, while the records a live pod's decisions read stay.
// A standby that takes over afterwards has the smaller registry and launches nothing again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodsStack } from '../helpers/pods-stack.js';
import { waitFor } from '../helpers/wait.js';
import { taskIdFor } from '../../src/scheduler/pods/task-id.js';

test('ended records of deleted and finished pods are deleted after --task-retention; a live pod keeps its history; the next leader launches nothing again', { timeout: 180_000 }, async (t) => {
  // One agent: it keeps live records, so no ended record stays to name the executor's role there (retention.ts).
  const s = await PodsStack.start({ agents: 1, extraFlags: ['--task-retention=2s'] });
  t.after(() => s.stop());
  s.spawn('r0');
  s.spawn('r1');
  const first = await s.stack.waitForReconciledLeader();
  const fwid = await s.frameworkId();
  const keep = await s.createPod('keep', { restartPolicy: 'Always' });
  const gone = await s.createPod('gone', { restartPolicy: 'Always' });
  const never = await s.createPod('never', { restartPolicy: 'Never' });
  const again = await s.createPod('again', { restartPolicy: 'OnFailure' });
  await s.waitAllRunningAndBound(fwid, ['keep', 'gone', 'never', 'again']);
  const id = (p: { metadata: { uid: string } }, attempt = 0) => taskIdFor(p.metadata.uid, attempt);

  // gone: deleted while running (its task is killed); never: its task fails, the pod is Failed for good; again: its
  // task fails once and attempt 1 runs — attempt 0 is part of the history its restart back-off reads.
  await s.deletePod('gone');
  s.mesos.sendTaskUpdate(fwid, id(never), 'TASK_FAILED', { reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: 'exit status 1' });
  s.mesos.sendTaskUpdate(fwid, id(again), 'TASK_FAILED', { reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: 'exit status 2' });
  await waitFor('gone: task killed', () => s.taskState(fwid, id(gone)) === 'TASK_KILLED', { timeoutMs: 30_000, intervalMs: 100 });
  await waitFor('never: phase Failed', async () => (await s.pod('never'))?.status?.phase === 'Failed', { timeoutMs: 30_000, intervalMs: 100 });
  await waitFor('again: attempt 1 RUNNING', () => s.mesos.task(fwid, id(again, 1))?.state === 'TASK_RUNNING', { timeoutMs: 30_000, intervalMs: 100 });
  const before = await s.stack.registry();
  assert.equal(before.get(id(gone))?.state, 'TASK_KILLED');
  assert.equal(before.get(id(never))?.state, 'TASK_FAILED');

  // Retention 2 s, the leader looks every sweep (5 s): both records go, and nothing else.
  const after = await waitFor('the ended records of gone and never deleted from etcd', async () => {
    const reg = await s.stack.registry();
    return !reg.has(id(gone)) && !reg.has(id(never)) ? reg : undefined;
  }, { timeoutMs: 30_000, intervalMs: 250 });
  assert.deepEqual(
    [...after.values()].map((r) => `${r.id}:${r.state}`).sort(),
    [`${id(keep)}:TASK_RUNNING`, `${id(again)}:TASK_FAILED`, `${id(again, 1)}:TASK_RUNNING`].sort(),
  );
  const leader = s.stack.leaderReplica(first.term)!;
  const st = await leader.status();
  assert.equal(st.taskManager?.pruned, 2, 'the leader reports what it deleted');
  assert.equal((await s.pod('never'))?.status?.phase, 'Failed', 'a finished pod stays finished without its record');
  const launchesBefore = s.launches.length;
  assert.equal(launchesBefore, 5);

  // Manual failover: the standby loads the pruned registry and launches nothing again — not `never` (Failed),
  // not `again` (its attempt 1 runs), not `keep`.
  leader.proc.signal('SIGUSR1');
  const next = await s.stack.waitForReconciledLeader(BigInt(first.term), 60_000);
  assert.notEqual(next.identity, first.identity);
  const newLeader = s.stack.leaderReplica(next.term)!;
  const metrics = await (await fetch(`${newLeader.url}/metrics`)).text();
  assert.match(metrics, /^schedulerha_failovers_total\{[^}]*\} 1$/m, 'the take-over is counted');
  assert.ok(newLeader.registryLoads.at(-1), 'the new leader loaded the registry');
  assert.equal(newLeader.registryLoads.at(-1)!.tasks, 3, 'with the 3 records left');
  // Two sweeps of the new leader: nothing is launched, killed or deleted.
  await new Promise((r) => setTimeout(r, 11_000));
  assert.equal(s.launches.length, launchesBefore, 'no task launched again');
  assert.deepEqual([...(await s.stack.registry()).keys()].sort(), [...after.keys()].sort());
  assert.equal(s.mesos.task(fwid, id(keep))?.state, 'TASK_RUNNING');
  assert.equal(s.mesos.task(fwid, id(again, 1))?.state, 'TASK_RUNNING');
  s.checkInvariants(fwid);
});
