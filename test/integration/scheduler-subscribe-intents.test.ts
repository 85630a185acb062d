// Launch intents written while a SUBSCRIBED is still being handled are not reconciled by that SUBSCRIBED's
// reconciliation. The leader handles the new stream's OFFERS while it persists the framework id and tells the task
// manager; an intent written then may be asked about before its ACCEPT leaves (the pods manager sends the ACCEPT
// once every intent chunk is committed), the master answers TASK_LOST ("unknown to the agent"), and the pod is
// launched a second time although the first launch goes ahead. (Found by bench/launch.ts: 1000 pending pods, 100
// or 200 of them launched twice.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerStack } from '../helpers/scheduler-stack.js';
import { waitFor } from '../helpers/wait.js';
import type { TaskManager, TaskManagerFactory } from '../../src/scheduler/task-manager.js';
import type { TaskRecord } from '../../src/scheduler/task-record.js';
import type { TaskInfo } from '../../src/mesos/types.js';

test('an intent written while SUBSCRIBED is handled is not reconciled before its ACCEPT: the task is never reported lost', { timeout: 60_000 }, async (t) => {
  const s = await SchedulerStack.start({ mesos: { masters: 1, agents: 1 } });
  t.after(() => s.stop());
  const taskId = 'intent-race-0';
  const states: string[] = [];
  let written!: () => void;
  const intentWritten = new Promise<void>((r) => (written = r));
  let launched = false;
  const factory: TaskManagerFactory = (svc) => {
    const m: TaskManager = {
      initiallySuppressed: () => false,
      // The SUBSCRIBED handling goes on only once this subscription's offer has produced a committed intent, as it
      // does whenever intents are written faster than the framework id is persisted.
      onSubscribed: async () => {
        await intentWritten;
      },
      onOffers: async (offers) => {
        const mesos = svc.mesos()!;
        const offer = offers[0]!;
        if (launched) {
          await mesos.decline(offers.map((o) => o.id.value), { refuse_seconds: 3600 });
          return;
        }
        launched = true;
        const now = new Date().toISOString();
        const rec: TaskRecord = { id: taskId, agentId: offer.agent_id.value, state: 'TASK_INTENT', createdAt: now, updatedAt: now, term: svc.term };
        await svc.registry.putMany(svc.writer, [rec]);
        written();
        // More intent chunks being written before the ACCEPT leaves.
        await new Promise((r) => setTimeout(r, 300));
        const task: TaskInfo = {
          name: taskId,
          task_id: { value: taskId },
          agent_id: { value: offer.agent_id.value },
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
            { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
          ],
          command: { value: 'sleep 1000' },
        };
        await mesos.launch([offer.id.value], [task], { refuse_seconds: 3600 });
      },
      onRescind: () => undefined,
      onTaskUpdate: async (record) => {
        if (record.id === taskId) states.push(record.state);
      },
      onReconciled: async () => undefined,
      status: () => ({}),
      stop: async () => undefined,
    };
    return m;
  };
  await s.inProcess('r0', () => factory);
  await waitFor('the task RUNNING in the registry', () => states.includes('TASK_RUNNING') || undefined, { timeoutMs: 30_000 });
  assert.deepEqual(states.filter((x) => x !== 'TASK_STAGING' && x !== 'TASK_STARTING' && x !== 'TASK_RUNNING'), [], `the task went through ${states.join(' → ')}`);
  const done = await s.waitForReconciledLeader(undefined, 30_000);
  assert.equal(done.reconciliation.total, 0, 'the SUBSCRIBED reconciliation asked about nothing (the registry was empty at SUBSCRIBED)');
  assert.equal((await s.registry()).get(taskId)?.state, 'TASK_RUNNING');
});
