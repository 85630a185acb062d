// Reconciliation against the emulator, end to end: after a master failover whose agents are slow to re-register,
// Mesos answers nothing for their tasks (reference §2.2 case 2); the leader must keep re-sending until they answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerStack } from '../helpers/scheduler-stack.js';
import { waitFor } from '../helpers/wait.js';
import type { TaskRecord } from '../../src/scheduler/task-record.js';

test('explicit reconciliation re-sends for silent tasks until agents re-register; acks only reliable updates', { timeout: 120_000 }, async (t) => {
  const stack = await SchedulerStack.start({ mesos: { masters: 2, agents: 3 } });
  t.after(() => stack.stop());
  const boot = stack.spawn('boot');
  const fwid = await waitFor('framework id', () => stack.frameworkId(), { timeoutMs: 30_000 });
  await boot.proc.stop();
  const ids = stack.mesos.seedTasks(fwid, 12, { prefix: 'pod-' });
  const now = new Date().toISOString();
  await stack.writeRegistry(ids.map((id): TaskRecord => ({ id, agentId: stack.mesos.task(fwid, id)!.agentId, state: 'TASK_RUNNING', createdAt: now, updatedAt: now })));
  const a = stack.spawn('a');
  const s0 = await stack.waitForReconciledLeader();

  // Master failover; no agent re-registers for now.
  const t0 = Date.now();
  await stack.mesos.failover({ reregister: 'none' });
  const stuck = await waitFor('a run that keeps re-sending', async () => {
    const s = await stack.leaderStatus();
    return s && s.reconciliation.run > s0.reconciliation.run && s.reconciliation.phase === 'explicit' && s.reconciliation.requests >= 3 ? s : undefined;
  }, { timeoutMs: 30_000, intervalMs: 50 });
  assert.equal(stuck.reconciliation.remaining, 12, 'silent for every task on a recovered agent');
  const resent = stack.mesos.history.calls.filter((c) => c.callType === 'RECONCILE' && c.time > t0 && c.status === 202);
  assert.ok(resent.length >= 3, `re-sent (${resent.length} RECONCILE calls)`);

  // The term's warnings about Mesos name the framework (its id was stored before the term began).
  const lines = a.proc.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const lost = lines.filter((j) => String(j.msg).startsWith('Mesos subscription lost'));
  assert.ok(lost.length >= 1, 'the master failover was logged');
  for (const j of [...lost, ...lines.filter((j) => j.term !== undefined && ['warn', 'error', 'fatal'].includes(String(j.level)))]) assert.equal(j.frameworkId, fwid, `framework id on: ${j.msg}`);

  for (const ag of stack.mesos.agents) stack.mesos.reregisterAgent(ag.id);
  const done = await waitFor('reconciliation complete', async () => {
    const s = await stack.leaderStatus();
    return s && s.reconciliation.run === stuck.reconciliation.run && s.reconciliation.phase === 'complete' ? s : undefined;
  }, { timeoutMs: 30_000, intervalMs: 50 });
  assert.equal(done.reconciliation.remaining, 0);
  const reg = await stack.registry();
  for (const id of ids) assert.equal(reg.get(id)?.state, 'TASK_RUNNING');

  // A reliable update (with uuid) is acknowledged after the registry reflects it; master-generated ones never.
  stack.mesos.sendTaskUpdate(fwid, ids[0]!, 'TASK_FINISHED');
  await waitFor('the terminal update acknowledged (task moves to completed)', () => stack.mesos.task(fwid, ids[0]!) === undefined || stack.mesos.tasks(fwid).every((x) => x.info.task_id.value !== ids[0]), { timeoutMs: 20_000 });
  assert.equal((await stack.registry()).get(ids[0]!)?.state, 'TASK_FINISHED');
  const acks = stack.mesos.history.calls.filter((c) => c.callType === 'ACKNOWLEDGE');
  assert.ok(acks.length >= 1);
  assert.ok(acks.every((c) => c.status === 202), 'no ACKNOWLEDGE was rejected (e.g. for a missing uuid)');
  const reliable = stack.mesos.history.events.filter((e) => e.type === 'UPDATE' && e.uuid && !e.dropped).length;
  assert.ok(acks.length <= reliable, `acks (${acks.length}) only for delivered reliable updates (${reliable})`);
});
