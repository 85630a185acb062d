// A leader whose subscription stream goes silent (the TCP connection stays open, the master writes nothing): each
// heartbeat interval without an event is counted, and after 5 the subscription is dropped (counted apart) and the
// leader subscribes again with its framework id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerStack } from '../helpers/scheduler-stack.js';
import { waitFor } from '../helpers/wait.js';

test('missed heartbeats are counted per interval; the silent subscription is dropped after 5 and renewed', { timeout: 120_000 }, async (t) => {
  const s = await SchedulerStack.start({ mesos: { masters: 1, agents: 1 } });
  t.after(() => s.stop());
  const r0 = s.spawn('r0');
  await s.waitForReconciledLeader();
  const fwid = (await s.frameworkId())!;
  const subscribes = () => s.mesos.history.findCalls({ callType: 'SUBSCRIBE', frameworkId: fwid }).filter((c) => c.status === 200).length;
  const before = subscribes();
  s.mesos.partitionFrameworkStream(fwid);
  await waitFor('a new subscription with the same framework id', () => subscribes() > before, { timeoutMs: 60_000, intervalMs: 100 });
  const metric = async (name: string) => Number(/\} (\d+)$/m.exec((await (await fetch(`${r0.url}/metrics`)).text()).split('\n').find((l) => l.startsWith(`${name}{`)) ?? '')?.[1] ?? NaN);
  assert.ok((await metric('schedulerha_mesos_missed_heartbeats_total')) >= 4, 'the silent intervals before the drop');
  assert.equal(await metric('schedulerha_mesos_heartbeat_timeouts_total'), 1);
  assert.equal(await s.frameworkId(), fwid);
});
