// The Mesos fence at the level of a leader term: another subscriber with our framework id makes the master send the
// leader "Framework failed over" and close its stream. The term must end at once and never call Mesos again on that
// stream; the replica campaigns again, and its next term subscribes (failing the intruder over in turn).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerStack } from '../helpers/scheduler-stack.js';
import { waitFor } from '../helpers/wait.js';
import { FixedMasterDetector } from '../../src/mesos/detector.js';
import { SchedulerClient } from '../../src/mesos/scheduler-client.js';
import { FrameworkFailedOverError } from '../../src/mesos/errors.js';
import { record } from '../helpers/mesos-client-recorder.js';

test('another subscriber with our framework id: the leader term ends at once, sends nothing more on its stream, and a new term takes the framework back', { timeout: 120_000 }, async (t) => {
  const stack = await SchedulerStack.start({ mesos: { masters: 1, agents: 1 } });
  t.after(() => stack.stop());
  const a = stack.spawn('a');
  const s0 = await stack.waitForReconciledLeader();
  const fwid = s0.frameworkId!;
  const subscribed = a.events.filter((e) => e.kind === 'subscribed' && e.term === s0.term);
  assert.equal(subscribed.length, 1);
  const oldStream = (subscribed[0] as { streamId: string }).streamId;

  // The intruder: a client of our own, with the leader's framework id.
  const detector = new FixedMasterDetector(stack.mesos.leaderUrl!);
  detector.start();
  t.after(() => detector.stop());
  const intruder = new SchedulerClient({ detector, framework: { user: 'root', name: stack.frameworkName, failoverTimeoutSeconds: 3600, checkpoint: true, roles: ['*'] }, frameworkId: fwid, backoff: { initialMs: 50, maxMs: 200 } });
  t.after(() => intruder.stop());
  const rec = record(intruder);
  const failedOverAt = Date.now();
  intruder.start();
  await intruder.waitForSubscribed(undefined, 30_000);

  const lost = await waitFor('the leader term ends', () => a.events.find((e) => e.kind === 'lost' && e.term === s0.term), { timeoutMs: 20_000 });
  assert.ok(lost);
  // The replica campaigns again; its new term subscribes with the same id and fails the intruder over.
  const s1 = await stack.waitForReconciledLeader(BigInt(s0.term));
  assert.equal(s1.frameworkId, fwid, 'the same framework, never a new one');
  await waitFor('the intruder failed over', () => rec.fatal[0], { timeoutMs: 20_000 });
  assert.ok(rec.fatal[0] instanceof FrameworkFailedOverError);

  const late = stack.mesos.history.calls.filter((c) => c.streamId === oldStream && c.time >= failedOverAt);
  assert.deepEqual(late.map((c) => `${c.callType} ${c.status}`), [], 'no call on the failed-over stream');
  const error = stack.mesos.history.events.find((e) => e.type === 'ERROR' && e.frameworkId === fwid && !e.dropped);
  assert.ok(error, 'the master sent the old leader "Framework failed over"');
});
