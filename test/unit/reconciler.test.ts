// The reconciliation algorithm against a scripted fake master: what is sent, re-sent, and when a run ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reconciler, type ReconcileTarget } from '../../src/scheduler/reconciler.js';
import type { ReconcileProgress } from '../../src/api/leader-status.js';

interface Sent {
  tasks: ReconcileTarget[] | undefined;
}

/** A fake master: answers each explicitly asked task after `answerAfterAsks(taskId)` asks (Infinity = silent). */
function setup(answerAfterAsks: (id: string) => number, opts: Partial<ConstructorParameters<typeof Reconciler>[0]> = {}) {
  const sent: Sent[] = [];
  const asks = new Map<string, number>();
  const progress: ReconcileProgress[] = [];
  const r: Reconciler = new Reconciler({
    initialBackoffMs: 20,
    maxBackoffMs: 80,
    timeoutMs: 2000,
    batchSize: 1000,
    onProgress: (p) => progress.push(p),
    send: async (tasks) => {
      sent.push({ tasks: tasks ? [...tasks] : undefined });
      for (const t of tasks ?? []) {
        const n = (asks.get(t.taskId) ?? 0) + 1;
        asks.set(t.taskId, n);
        // Answers arrive asynchronously on the event stream.
        if (n >= answerAfterAsks(t.taskId)) setTimeout(() => r.heard(t.taskId), 1);
      }
    },
    ...opts,
  });
  return { r, sent, progress };
}

const targets = (n: number): ReconcileTarget[] => Array.from({ length: n }, (_, i) => ({ taskId: `t${i}`, agentId: `S${i % 3}` }));

test('all tasks answer at once: one explicit call, then one implicit, complete', async () => {
  const { r, sent } = setup(() => 1);
  const p = await r.start(targets(10));
  assert.equal(p.phase, 'complete');
  assert.equal(p.remaining, 0);
  assert.equal(sent.length, 2);
  assert.equal(sent[0]!.tasks!.length, 10);
  assert.deepEqual(sent[0]!.tasks![1], { taskId: 't1', agentId: 'S1' }, 'agent ids are sent');
  assert.equal(sent[1]!.tasks, undefined, 'implicit last');
  assert.equal(p.requests, 2);
});

test('silent tasks are re-sent (and only they) until they answer', async () => {
  const { r, sent } = setup((id) => (id === 't3' || id === 't7' ? 3 : 1));
  const p = await r.start(targets(10));
  assert.equal(p.phase, 'complete');
  const explicit = sent.filter((s) => s.tasks);
  assert.equal(explicit.length, 3);
  assert.deepEqual(explicit[1]!.tasks!.map((t) => t.taskId).sort(), ['t3', 't7']);
  assert.deepEqual(explicit[2]!.tasks!.map((t) => t.taskId).sort(), ['t3', 't7']);
  assert.equal(sent.at(-1)!.tasks, undefined);
});

test('a task that never answers ends the run as timed-out, and the next tick asks again', async () => {
  const { r, sent } = setup((id) => (id === 't1' ? Infinity : 1), { timeoutMs: 300 });
  const p = await r.start(targets(4));
  assert.equal(p.phase, 'timed-out');
  assert.equal(p.remaining, 1);
  assert.ok(sent.filter((s) => s.tasks).length >= 3, 'kept re-sending with back-off until the timeout');
  assert.equal(sent.at(-1)!.tasks, undefined, 'implicit still sent');
  const before = sent.length;
  await r.tick();
  const asked = sent.slice(before).filter((s) => s.tasks);
  assert.ok(asked.length >= 1);
  assert.deepEqual(asked[0]!.tasks, [{ taskId: 't1', agentId: 'S1' }], 'stragglers asked explicitly on the periodic tick');
});

test('the periodic tick is implicit when nothing straggles, and is skipped during a run', async () => {
  const { r, sent } = setup(() => 1);
  await r.start(targets(2));
  const n = sent.length;
  await r.tick();
  assert.equal(sent.length, n + 1);
  assert.equal(sent.at(-1)!.tasks, undefined);
  const slow = setup(() => Infinity, { timeoutMs: 300 });
  const running = slow.r.start(targets(1));
  const m = slow.sent.length;
  await slow.r.tick();
  assert.equal(slow.sent.length, m, 'tick skipped while a run is in progress');
  slow.r.cancel();
  assert.equal((await running).phase, 'cancelled');
});

test('a new run cancels the one in progress', async () => {
  const { r } = setup((id) => (id.startsWith('t') ? Infinity : 1), { timeoutMs: 5000 });
  const first = r.start(targets(3));
  await new Promise((res) => setTimeout(res, 30));
  const second = r.start([{ taskId: 'x1' }]);
  assert.equal((await first).phase, 'cancelled');
  const p = await second;
  assert.equal(p.phase, 'complete');
  assert.equal(p.run, 2);
});

test('large runs are batched', async () => {
  const { r, sent } = setup(() => 1, { batchSize: 5 });
  const p = await r.start(targets(12));
  assert.equal(p.phase, 'complete');
  const explicit = sent.filter((s) => s.tasks);
  assert.deepEqual(explicit.map((s) => s.tasks!.length), [5, 5, 2]);
});

test('an empty registry goes straight to implicit', async () => {
  const { r, sent } = setup(() => 1);
  const p = await r.start([]);
  assert.equal(p.phase, 'complete');
  assert.deepEqual(sent, [{ tasks: undefined }]);
});

test('after stop() nothing is sent', async () => {
  const { r, sent } = setup(() => 1);
  r.stop();
  await r.start(targets(3));
  await r.tick();
  assert.equal(sent.length, 0);
});

test('progress is published through the phases', async () => {
  const { r, progress } = setup(() => 1);
  await r.start(targets(3));
  const phases = progress.map((p) => p.phase);
  assert.equal(phases[0], 'explicit');
  assert.ok(phases.includes('implicit'));
  assert.equal(phases.at(-1), 'complete');
  assert.ok(progress.at(-1)!.durationSeconds! >= 0);
});

test('a failed RECONCILE call is a silent round: its tasks are re-sent after the back-off and the run completes', async () => {
  let failures = 1;
  const { r, sent } = setup(() => 1, {
    send: async (tasks) => {
      sent.push({ tasks: tasks ? [...tasks] : undefined });
      if (tasks && failures-- > 0) throw new Error('RECONCILE: no response within 10000 ms (CallTimeout)');
      for (const t of tasks ?? []) setTimeout(() => r.heard(t.taskId), 1);
    },
  });
  const p = await r.start(targets(4));
  assert.equal(p.phase, 'complete');
  assert.equal(p.remaining, 0);
  const explicit = sent.filter((s) => s.tasks);
  assert.equal(explicit.length, 2, 'the failed call is sent again');
  assert.deepEqual(explicit[1]!.tasks!.map((t) => t.taskId), ['t0', 't1', 't2', 't3']);
  assert.equal(sent.at(-1)!.tasks, undefined, 'then implicit');
});

test('a failed implicit call still ends the run (the periodic tick sends it again)', async () => {
  const { r, sent } = setup(() => 1, {
    send: async (tasks) => {
      sent.push({ tasks: tasks ? [...tasks] : undefined });
      if (!tasks) throw new Error('RECONCILE answered 503');
      for (const t of tasks) setTimeout(() => r.heard(t.taskId), 1);
    },
  });
  const p = await r.start(targets(2));
  assert.equal(p.phase, 'complete');
  await assert.doesNotReject(r.tick());
  assert.equal(sent.at(-1)!.tasks, undefined, 'the tick sent the implicit call');
});

test('stragglers are kept until heard from: a later run over other tasks does not forget them', async () => {
  const { r, sent } = setup((id) => (id === 't1' ? Infinity : 1), { timeoutMs: 100 });
  const first = await r.start(targets(3));
  assert.equal(first.phase, 'timed-out');
  // A small run over another task (the pods manager asking about a stuck launch) completes.
  const second = await r.start([{ taskId: 'x9', agentId: 'S0' }]);
  assert.equal(second.phase, 'complete');
  const before = sent.length;
  await r.tick();
  const asked = sent.slice(before).filter((s) => s.tasks).flatMap((s) => s.tasks!.map((t) => t.taskId));
  assert.ok(asked.includes('t1'), `the straggler is asked again on the tick (asked: ${asked.join(', ')})`);
  // Once it answers it is no straggler any more: the next tick is implicit.
  r.heard('t1');
  const mark = sent.length;
  await r.tick();
  assert.deepEqual(sent.slice(mark).map((s) => s.tasks), [undefined]);
});

test('tasks included during a run are asked at once, join its re-sends, and count in its total; with no run they start one', async () => {
  // t0 stays silent for a while (a long run, e.g. agents not yet back after a master failover); x1 answers on its
  // second ask.
  let t0Asks = 0;
  const { r, sent } = setup((id) => (id === 't0' ? (++t0Asks, 4) : id === 'x1' ? 2 : 1), { initialBackoffMs: 200, maxBackoffMs: 400 });
  const run = r.start(targets(1));
  await new Promise((res) => setTimeout(res, 20));
  const before = sent.length;
  r.include([{ taskId: 'x1', agentId: 'S9' }, { taskId: 't0', agentId: 'S0' }]);
  assert.deepEqual(sent[before]?.tasks, [{ taskId: 'x1', agentId: 'S9' }], 'only the new task, at once (not after the 200 ms back-off), and the run was not cancelled');
  const p = await run;
  assert.equal(p.phase, 'complete');
  assert.equal(p.total, 2, 'the included task counts in the run');
  assert.equal(p.remaining, 0);
  const rounds = sent.filter((s) => s.tasks && s.tasks.length > 0 && s !== sent[before]);
  assert.ok(rounds.some((s) => s.tasks!.some((t) => t.taskId === 'x1')), 'x1 was re-sent with the run until heard');
  // No run going: include starts one.
  const n = sent.length;
  r.include([{ taskId: 'y', agentId: 'S1' }]);
  await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(sent[n]?.tasks, [{ taskId: 'y', agentId: 'S1' }]);
  assert.equal(sent.at(-1)?.tasks, undefined, 'that run ended with its implicit call');
});
