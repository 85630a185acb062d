// Roles and reservations end to end: a scheduler in the role "web" (--mesos-roles=web); one agent whose resources
// are all statically reserved for web, one with unreserved resources only. The emulator offers reserved resources
// only to their role and refuses a task whose resources do not match the offer's reservations and allocation role,
// or whose ExecutorInfo differs from the running executor's, as Mesos does — so every launch succeeding means the
// scheduler's TaskInfos carry exactly what the offers held. On the reserved agent our executor itself runs on
// reserved resources, and a new leader (after a crash) launches there with that same ExecutorInfo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodsStack } from '../helpers/pods-stack.js';
import { reservationRole } from '../../src/devstack/mesos/resources.js';
import { taskIdFor } from '../../src/scheduler/pods/task-id.js';

test('pods run on resources reserved for the framework’s role, the executor too on an all-reserved agent; a new leader repeats that ExecutorInfo; Mesos refuses nothing', { timeout: 180_000 }, async (t) => {
  const s = await PodsStack.start({
    agents: [{ resources: 'cpus(web):3;mem(web):2048;ports(web):[31000-31100]' }, { resources: 'cpus:3;mem:2048;ports:[31000-31100]' }],
    extraFlags: ['--mesos-roles=web'],
  });
  t.after(() => s.stop());
  s.spawn('r0');
  s.spawn('r1');
  const first = await s.stack.waitForReconciledLeader();
  const fwid = await s.frameworkId();
  const [reservedAgent] = s.mesos.agents;

  const check = (pods: Array<{ metadata: { name: string; uid: string } }>): number => {
    let onReserved = 0;
    for (const p of pods) {
      const task = s.mesos.task(fwid, taskIdFor(p.metadata.uid, 0))!;
      const reserved = task.agentId === reservedAgent!.id;
      if (reserved) onReserved++;
      for (const r of task.info.resources) {
        assert.equal(r.allocation_info?.role, 'web', `${p.metadata.name}: ${r.name} allocated to web`);
        assert.equal(reservationRole(r), reserved ? 'web' : undefined, `${p.metadata.name}: ${r.name} ${reserved ? 'reserved for web' : 'unreserved'}`);
      }
    }
    return onReserved;
  };
  const before = await s.createPods('a', 4, { cpu: '500m', memory: '128Mi' });
  await s.waitAllRunningAndBound(fwid, before.map((p) => p.metadata.name));
  assert.ok(check(before) >= 1, 'pods run on the reserved agent');
  const executorOn = (agentId: string) => [...(s.mesos.framework(fwid)!.executors.get(agentId)?.values() ?? [])];
  const [exReserved] = executorOn(reservedAgent!.id);
  assert.ok(exReserved, 'our executor runs on the reserved agent');
  assert.ok(exReserved.resources!.every((r) => r.allocation_info?.role === 'web' && reservationRole(r) === 'web'), 'on reserved resources: nothing else is there');

  // The leader dies; the standby takes over and launches more pods on the same agents: on the reserved agent with
  // the ExecutorInfo the running executor has (Mesos would refuse any other).
  s.stack.leaderReplica(first.term)!.proc.signal('SIGKILL');
  await s.stack.waitForReconciledLeader(BigInt(first.term), 60_000);
  const after = await s.createPods('b', 4, { cpu: '500m', memory: '128Mi' });
  await s.waitAllRunningAndBound(fwid, after.map((p) => p.metadata.name));
  const onReserved = check(after);
  assert.ok(onReserved >= 1, `the new leader launched on the reserved agent too (${onReserved})`);
  assert.equal(executorOn(reservedAgent!.id).length, 1, 'still the one executor there');

  const refused = s.mesos.history.events.filter((e) => e.type === 'UPDATE' && (e.state === 'TASK_ERROR' || e.state === 'TASK_DROPPED' || e.state === 'TASK_LOST'));
  assert.deepEqual(refused, [], 'the master refused no task');
  s.checkInvariants(fwid); // also: no agent over-committed, reservations counted apart
});
