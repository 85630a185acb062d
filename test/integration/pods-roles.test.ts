// Roles and reservations end to end: a scheduler in the role "web" (--mesos-roles=web); one agent with resources
// statically reserved for web (and a little unreserved), one with unreserved resources only. The emulator offers
// reserved resources only to their role and refuses a task whose resources do not match the offer's reservations
// and allocation role, as Mesos does — so every launch succeeding means the scheduler's TaskInfos carry exactly
// what the offers held. Tasks take reserved resources first; the executor's resources are unreserved (its
// ExecutorInfo is one for every agent), allocated to the role of the offer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodsStack } from '../helpers/pods-stack.js';
import { reservationRole } from '../../src/devstack/mesos/resources.js';
import { taskIdFor } from '../../src/scheduler/pods/task-id.js';

test('pods run on resources reserved for the framework’s role first; every resource carries the offer’s reservation and allocation role; Mesos refuses nothing', { timeout: 180_000 }, async (t) => {
  const s = await PodsStack.start({
    agents: [{ resources: 'cpus:0.5;mem:256;cpus(web):2;mem(web):1024;ports(web):[31000-31100]' }, { resources: 'cpus:2;mem:2048;ports:[31000-31100]' }],
    extraFlags: ['--mesos-roles=web'],
  });
  t.after(() => s.stop());
  s.spawn('r0');
  await s.stack.waitForReconciledLeader();
  const fwid = await s.frameworkId();
  const [reservedAgent] = s.mesos.agents;
  const pods = await s.createPods('web', 6, { cpu: '500m', memory: '128Mi' });
  await s.waitAllRunningAndBound(fwid, pods.map((p) => p.metadata.name));

  let onReserved = 0;
  for (const p of pods) {
    const task = s.mesos.task(fwid, taskIdFor(p.metadata.uid, 0))!;
    const reserved = task.agentId === reservedAgent!.id;
    if (reserved) onReserved++;
    for (const r of task.info.resources) {
      assert.equal(r.allocation_info?.role, 'web', `${p.metadata.name}: ${r.name} allocated to web`);
      // At most 4 pods' cpus fit in the 2 reserved cpus, and the agent has only 0.5 unreserved for the executor:
      // a pod there runs on reserved resources only.
      assert.equal(reservationRole(r), reserved ? 'web' : undefined, `${p.metadata.name}: ${r.name} ${reserved ? 'reserved for web' : 'unreserved'}`);
    }
  }
  assert.ok(onReserved >= 1, `some pods run on the reserved agent (${onReserved})`);
  for (const [agentId, exs] of s.mesos.framework(fwid)!.executors) {
    for (const ex of exs.values()) {
      assert.ok(ex.resources!.every((r) => r.allocation_info?.role === 'web' && reservationRole(r) === undefined), `the executor on ${agentId}: unreserved resources allocated to web`);
    }
  }
  const refused = s.mesos.history.events.filter((e) => e.type === 'UPDATE' && (e.state === 'TASK_ERROR' || e.state === 'TASK_DROPPED' || e.state === 'TASK_LOST'));
  assert.deepEqual(refused, [], 'the master refused no task');
  s.checkInvariants(fwid); // also: no agent over-committed, reservations counted apart
});
