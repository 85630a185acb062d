// A task status with an oversized message (an executor's crash dump) must not jam the registry: recorded with the
// message cut to a bound, acknowledged, and the other updates written with it are not held back.
// Real etcd (its default 1.5 MiB request limit), the Mesos emulator, a replica process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerStack } from '../helpers/scheduler-stack.js';
import { waitFor } from '../helpers/wait.js';
import { MAX_STATUS_MESSAGE_CHARS, type TaskRecord } from '../../src/scheduler/task-record.js';

test('a 2 MB status message is recorded cut to its bound and acknowledged; the update beside it is recorded too', { timeout: 120_000 }, async (t) => {
  const stack = await SchedulerStack.start();
  t.after(() => stack.stop());
  const boot = stack.spawn('boot');
  const fwid = await waitFor('framework id', () => stack.frameworkId(), { timeoutMs: 30_000 });
  await boot.proc.stop();
  const [crashing, finishing, ...rest] = stack.mesos.seedTasks(fwid, 6, { prefix: 'pod-' });
  const now = new Date().toISOString();
  await stack.writeRegistry([crashing!, finishing!, ...rest].map((id): TaskRecord => ({ id, agentId: stack.mesos.task(fwid, id)!.agentId, state: 'TASK_RUNNING', createdAt: now, updatedAt: now })));
  const a = stack.spawn('a');
  await stack.waitForReconciledLeader();
  // Both at once, as tasks failing together on one agent do: their updates land in the same registry txn.
  stack.mesos.sendTaskUpdate(fwid, crashing!, 'TASK_FAILED', { message: 'E'.repeat(2_000_000), reason: 'REASON_COMMAND_EXECUTOR_FAILED' });
  stack.mesos.sendTaskUpdate(fwid, finishing!, 'TASK_FINISHED');
  const reg = await waitFor('both updates recorded', async () => {
    const r = await stack.registry();
    return r.get(crashing!)?.state === 'TASK_FAILED' && r.get(finishing!)?.state === 'TASK_FINISHED' ? r : undefined;
  }, { timeoutMs: 30_000 });
  const msg = reg.get(crashing!)!.message!;
  assert.ok(msg.length < MAX_STATUS_MESSAGE_CHARS + 100, `the stored message is bounded (${msg.length} characters)`);
  assert.match(msg, /more characters not kept\]$/);
  // Acknowledged: the master forgets a terminal task once its update is acknowledged.
  await waitFor('both terminal updates acknowledged', () => !stack.mesos.task(fwid, crashing!) && !stack.mesos.task(fwid, finishing!), { timeoutMs: 30_000 });
  const st = await a.status();
  assert.equal(st.problem, undefined, 'no write problem reported');
  assert.equal(st.mesos, 'subscribed');
});
