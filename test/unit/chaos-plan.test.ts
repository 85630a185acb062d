// The soak's seeded choices: the PRNG is deterministic per seed, and the fault plan covers every kind equally
// often, in a seeded order, with gaps, bursts and holds within their bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/devstack/chaos/prng.js';
import { chooseTarget, DEFAULT_SPACING, FAULT_KINDS, planFaults, type PlanTiming } from '../../src/devstack/chaos/faults.js';

const timing: PlanTiming = { ttlMs: 3000, renewWindowMs: 2250, agentPingTimeoutMs: 5000 };

test('the PRNG is deterministic per seed, uniform enough, and forks independent streams', () => {
  const a = createRng(42);
  const b = createRng(42);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  assert.notDeepEqual(Array.from({ length: 10 }, () => createRng(43).next()), xs.slice(0, 10));
  const ints = Array.from({ length: 2000 }, () => a.int(1, 6));
  for (let v = 1; v <= 6; v++) assert.ok(ints.filter((x) => x === v).length > 250, `face ${v} comes up`);
  assert.ok(ints.every((x) => x >= 1 && x <= 6));
  // A fork depends only on the seed and the label, not on how much the parent was used.
  assert.equal(createRng(7).fork('plan').next(), (() => {
    const r = createRng(7);
    r.next();
    r.next();
    return r.fork('plan').next();
  })());
  assert.notEqual(createRng(7).fork('plan').next(), createRng(7).fork('pods').next());
  assert.deepEqual(createRng(1).shuffle([1, 2, 3, 4, 5]).sort(), [1, 2, 3, 4, 5]);
  assert.throws(() => createRng(-1), /seed must be an integer/);
  assert.throws(() => createRng(1).pick([]), /empty/);
});

test('a plan covers every fault kind equally often, and the same seed gives the same plan', () => {
  const plan = planFaults(createRng(9), 500, timing);
  assert.equal(plan.length, 500);
  const counts = new Map<string, number>();
  for (const f of plan) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  assert.equal(counts.size, FAULT_KINDS.length);
  for (const [k, n] of counts) assert.ok(n === Math.floor(500 / FAULT_KINDS.length) || n === Math.ceil(500 / FAULT_KINDS.length), `${k}: ${n}`);
  assert.deepEqual(planFaults(createRng(9), 500, timing), plan);
  assert.notDeepEqual(planFaults(createRng(10), 500, timing).map((f) => f.kind), plan.map((f) => f.kind));
  assert.ok(plan.every((f, i) => i === 0 || plan[i - 1]!.kind !== f.kind), 'the same kind never follows itself');
  for (let n = FAULT_KINDS.length; n <= 500; n += FAULT_KINDS.length) {
    assert.equal(new Set(plan.slice(0, n).map((f) => f.kind)).size, FAULT_KINDS.length, `the first ${n} faults cover every kind`);
  }
  // 50 faults: still every kind.
  assert.equal(new Set(planFaults(createRng(3), 50, timing).map((f) => f.kind)).size, FAULT_KINDS.length);
});

test('gaps, bursts, holds and variants stay within their bounds', () => {
  const plan = planFaults(createRng(5), 2000, timing);
  const bursts = plan.filter((f) => f.gapMs < DEFAULT_SPACING.minGapMs);
  assert.ok(bursts.length > 100 && bursts.length < 400, `about 12 % bursts (${bursts.length})`);
  for (const f of bursts) {
    assert.ok(f.gapMs >= 100 && f.gapMs <= 800);
    assert.equal(f.waitForRecovery, false, 'a burst never waits for recovery');
  }
  for (const f of plan) {
    assert.ok(f.gapMs >= 100 && f.gapMs <= DEFAULT_SPACING.maxGapMs);
    assert.ok(f.targetFraction >= 0 && f.targetFraction < 1);
    if (f.kind.startsWith('sigstop')) {
      assert.ok(f.holdMs! > timing.renewWindowMs && f.holdMs! <= timing.ttlMs + 3000, `SIGSTOP held past the renew deadline (${f.holdMs})`);
    } else if (f.kind === 'agent-partition') {
      assert.ok(f.holdMs! >= 500 && f.holdMs! <= timing.agentPingTimeoutMs + 5000);
    } else assert.equal(f.holdMs, undefined);
    if (f.kind === 'operator-restart') assert.ok(f.signal === 'SIGTERM' || f.signal === 'SIGKILL');
    if (f.kind === 'master-failover') assert.ok(f.reregisterDelayMs! >= 0 && f.reregisterDelayMs! <= 3000);
  }
  const stops = plan.filter((f) => f.kind.startsWith('sigstop'));
  assert.ok(stops.some((f) => f.holdMs! > timing.ttlMs) && stops.some((f) => f.holdMs! <= timing.ttlMs), 'some SIGSTOPs outlast the lease, some only the renew deadline');
  const parts = plan.filter((f) => f.kind === 'agent-partition');
  assert.ok(parts.some((f) => f.holdMs! > timing.agentPingTimeoutMs) && parts.some((f) => f.holdMs! < timing.agentPingTimeoutMs), 'partitions shorter and longer than the ping timeout');
  assert.throws(() => planFaults(createRng(1), -1, timing), /non-negative/);
  assert.throws(() => planFaults(createRng(1), 3, timing, DEFAULT_SPACING, []), /no fault kinds/);
  assert.deepEqual(new Set(planFaults(createRng(1), 30, timing, DEFAULT_SPACING, ['usr1-leader', 'etcd-restart']).map((f) => f.kind)), new Set(['usr1-leader', 'etcd-restart']));
});

test('targets are chosen from the sorted candidates by the planned fraction', () => {
  assert.equal(chooseTarget([], 0.5, (x: string) => x), undefined);
  assert.equal(chooseTarget(['c', 'a', 'b'], 0, (x) => x), 'a');
  assert.equal(chooseTarget(['c', 'a', 'b'], 0.5, (x) => x), 'b');
  assert.equal(chooseTarget(['c', 'a', 'b'], 0.999, (x) => x), 'c');
});
