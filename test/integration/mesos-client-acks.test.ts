// ACKNOWLEDGE calls travel on their own connections: several at once, and never queued behind (or in front of)
// the calls whose order matters, which keep their one ordered connection. Acks commute — each only releases the
// next status update of its own task — so a leader acknowledging a batch of updates waits about one round trip,
// not one per update (bench/launch.ts: 2,000 acks for 1,000 launches).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MesosCluster } from '../../src/devstack/mesos/index.js';
import { FixedMasterDetector } from '../../src/mesos/detector.js';
import { SchedulerClient } from '../../src/mesos/scheduler-client.js';
import type { TaskInfo, TaskStatus } from '../../src/mesos/types.js';
import { waitFor } from '../helpers/wait.js';

const DELAY = 400;

test('acknowledgements go out in parallel on their own connections; ordered calls are not held behind them', { timeout: 60_000 }, async (t) => {
  const mc = await MesosCluster.start({ masters: 1, agents: 1, clock: 'real' });
  t.after(() => mc.stop());
  const c = new SchedulerClient({ detector: new FixedMasterDetector(mc.leaderUrl!), framework: { user: 'root', name: 'acks', failoverTimeoutSeconds: 3600, checkpoint: true, roles: ['*'] }, ackConnections: 4 });
  t.after(() => c.stop());
  const starting: TaskStatus[] = [];
  let launched = false;
  c.on('event', (e) => {
    if (e.type === 'OFFERS' && !launched) {
      launched = true;
      const o = e.offers!.offers[0]!;
      const tasks: TaskInfo[] = [0, 1, 2, 3].map((i) => ({
        name: `t${i}`,
        task_id: { value: `t${i}` },
        agent_id: o.agent_id,
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
          { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
        ],
        command: { value: 'sleep 1000' },
      }));
      void c.launch([o.id], tasks, { refuse_seconds: 3600 });
    }
    if (e.type === 'UPDATE' && e.update!.status.state === 'TASK_STARTING' && e.update!.status.uuid) starting.push(e.update!.status);
  });
  c.start();
  await c.waitForSubscribed(undefined, 30_000);
  await waitFor('four TASK_STARTING updates', () => starting.length >= 4 || undefined, { timeoutMs: 30_000 });

  // The master answers every ACKNOWLEDGE DELAY ms late (after processing it).
  mc.addCallFault({ callType: 'ACKNOWLEDGE', action: 'delay-response', delayMs: DELAY });
  const t0 = performance.now();
  const acks = Promise.all(starting.slice(0, 4).map((s) => c.acknowledge(s)));
  // A call whose order matters, sent while the acks are out: answered at once, not after them.
  await c.revive();
  const reviveMs = performance.now() - t0;
  await acks;
  const acksMs = performance.now() - t0;
  assert.ok(reviveMs < DELAY, `REVIVE answered after ${Math.round(reviveMs)} ms: it waited behind the acks`);
  assert.ok(acksMs < 2 * DELAY, `4 acks took ${Math.round(acksMs)} ms: sent one after another (≥ ${4 * DELAY} ms), not together`);
  await waitFor('the four tasks RUNNING (each released by its ack)', () => [0, 1, 2, 3].every((i) => mc.task(c.frameworkId!, `t${i}`)?.state === 'TASK_RUNNING') || undefined, { timeoutMs: 30_000 });
});
