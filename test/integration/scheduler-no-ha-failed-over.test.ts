// Without --ha there is no election: a second scheduler started on the same framework (a misconfiguration)
// subscribes with the stored id and the master fails the first one over. The first then exits non-zero with a
// message saying why (as k8sm did), instead of taking the framework back — which would start a tug-of-war of
// subscriptions, both writing the registry unfenced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerStack } from '../helpers/scheduler-stack.js';
import { waitFor } from '../helpers/wait.js';

test('without --ha, "Framework failed over" makes the replica exit 1 instead of re-subscribing', { timeout: 120_000 }, async (t) => {
  const s = await SchedulerStack.start({ mesos: { masters: 1, agents: 1 }, extraFlags: ['--ha=false'] });
  t.after(() => s.stop());
  const r0 = s.spawn('r0');
  const fwid = await waitFor('r0 registered', () => s.frameworkId(), { timeoutMs: 60_000 });
  const subs = () => s.mesos.history.findCalls({ callType: 'SUBSCRIBE', frameworkId: fwid }).filter((c) => c.status === 200);
  await waitFor('r0 subscribed with its id', () => subs().length >= 1, { timeoutMs: 30_000 });
  const r1 = s.spawn('r1');
  const code = await r0.proc.exited;
  assert.equal(code, 1, 'r0 exits 1');
  assert.match(r0.proc.output(), /Without --ha there is no election to decide between two schedulers, so this one exits/);
  // r1 keeps the framework; nobody takes it back.
  const n = subs().length;
  await new Promise((r) => setTimeout(r, 3000));
  assert.ok(r1.running);
  assert.equal(s.mesos.framework(fwid)?.connected, true);
  assert.equal(subs().length, n, 'no subscription since');
  assert.equal(await s.frameworkId(), fwid);
});
