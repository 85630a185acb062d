// The condition functions against the reason table (src/operator/condition-reasons.ts) that docs/reference.md is
// generated from: every documented reason is produced by an observation, with its documented status; Ready copies
// the first failing reason; and the Event policy (conditionChanges) is what the Events reference says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONDITION_TYPES, GOOD_STATUS, conditionChanges, evaluateConditions, toConditions, type ConditionType } from '../../src/operator/conditions.js';
import { CONDITION_REASONS, READY_REQUIRES, conditionReasons, type ReasonDoc } from '../../src/operator/condition-reasons.js';
import { CONDITION_EXAMPLES, EXAMPLE_NOW, healthyInput } from '../../src/docs/condition-examples.js';

const docOf = (type: ConditionType, reason: string): ReasonDoc | undefined => (CONDITION_REASONS[type] as Record<string, ReasonDoc>)[reason];

for (const ex of CONDITION_EXAMPLES) {
  test(`${ex.type}=${ex.reason}: ${ex.situation}`, () => {
    const v = evaluateConditions(ex.input)[ex.type];
    const doc = docOf(ex.type, ex.reason);
    assert.ok(doc, `${ex.type}/${ex.reason} is not in CONDITION_REASONS`);
    assert.equal(v.reason, ex.reason, v.message);
    assert.equal(v.status, doc.status, `${ex.type}/${ex.reason}: documented as ${doc.status}`);
    assert.ok(v.message.length > 0);
  });
}

test('every documented reason has an example', () => {
  const covered = new Set(CONDITION_EXAMPLES.map((e) => `${e.type}/${e.reason}`));
  const missing = conditionReasons().map((r) => `${r.type}/${r.reason}`).filter((k) => !covered.has(k));
  assert.deepEqual(missing, []);
  assert.deepEqual(Object.keys(CONDITION_REASONS).sort(), [...CONDITION_TYPES].sort(), 'one entry per condition type');
});

test('every condition of every example carries a documented reason and status', () => {
  for (const ex of CONDITION_EXAMPLES) {
    const values = evaluateConditions(ex.input);
    for (const type of CONDITION_TYPES) {
      const v = values[type];
      const own = docOf(type, v.reason);
      if (type === 'Ready' && !own) {
        // Ready copies the reason of a required condition that is not True.
        assert.equal(v.status, 'False');
        assert.ok(READY_REQUIRES.some((t) => docOf(t, v.reason) && docOf(t, v.reason)!.status !== 'True'), `Ready/${v.reason}`);
        continue;
      }
      assert.ok(own, `${ex.situation}: ${type}/${v.reason} is undocumented`);
      assert.equal(v.status, own.status, `${ex.situation}: ${type}/${v.reason}`);
    }
  }
});

test('healthy: every condition has its good value', () => {
  const values = evaluateConditions(healthyInput());
  for (const type of CONDITION_TYPES) assert.equal(values[type].status, GOOD_STATUS[type], `${type}: ${values[type].message}`);
});

test('Ready=False carries the reason of the first required condition that is not True', () => {
  for (const ex of CONDITION_EXAMPLES) {
    const values = evaluateConditions(ex.input);
    const first = READY_REQUIRES.find((t) => values[t].status !== 'True');
    if (first) {
      assert.equal(values.Ready.status, 'False', ex.situation);
      assert.equal(values.Ready.reason, values[first].reason, ex.situation);
      assert.equal(values.Ready.message, `${first}: ${values[first].message}`);
    } else if (values.ExecutorCompatible.status === 'False' && values.ExecutorCompatible.reason === 'ExecutorHashMismatch') {
      assert.equal(values.Ready.reason, 'ExecutorHashMismatch', ex.situation);
    } else {
      assert.equal(values.Ready.reason, 'Ready', ex.situation);
    }
  }
});

// ---- the Event policy the Events reference describes ----------------------------------------------------------

const conds = (input = healthyInput(), previous?: ReturnType<typeof toConditions>) => toConditions(evaluateConditions(input), previous, 7, EXAMPLE_NOW);
const exampleInput = (type: ConditionType, reason: string) => CONDITION_EXAMPLES.find((e) => e.type === type && e.reason === reason)!.input;

test('events: a new resource gets Events only for problems of the spec itself', () => {
  assert.deepEqual(conditionChanges(undefined, conds()), [], 'a healthy first status: no Event');
  const first = conditionChanges(undefined, conds(exampleInput('ConfigValid', 'InvalidSpec')));
  assert.deepEqual(first.map((c) => [c.type, c.to.reason, c.bad]), [['ConfigValid', 'InvalidSpec', true]]);
  const degraded = conditionChanges(undefined, conds(exampleInput('Degraded', 'TooManyReplicas')));
  assert.deepEqual(degraded.map((c) => [c.type, c.to.reason, c.bad]), [['Degraded', 'TooManyReplicas', true]]);
});

test('events: status flips are Events (Warning when bad), named after the new reason; ReplicasReady and Unknown are not', () => {
  const healthy = conds();
  const removed = conds(exampleInput('FrameworkRegistered', 'FrameworkRemoved'), healthy);
  const ch = conditionChanges(healthy, removed);
  assert.deepEqual(ch.map((c) => [c.type, c.to.reason, c.bad]).sort(), [
    ['Degraded', 'FrameworkRemoved', true],
    ['FrameworkRegistered', 'FrameworkRemoved', true],
    ['Ready', 'FrameworkRemoved', true],
  ]);
  const back = conditionChanges(removed, conds(healthyInput(), removed));
  assert.deepEqual(back.map((c) => [c.type, c.to.reason, c.bad]).sort(), [
    ['Degraded', 'AsExpected', false],
    ['FrameworkRegistered', 'Registered', false],
    ['Ready', 'Ready', false],
    ['TasksReconciled', 'Reconciled', false],
  ], 'Unknown → a value is an Event too (TasksReconciled was Unknown while the framework was removed)');
  const notReady = conditionChanges(healthy, conds(exampleInput('ReplicasReady', 'ReplicasNotReady'), healthy));
  assert.ok(!notReady.some((c) => c.type === 'ReplicasReady'), 'ReplicasReady never makes an Event');
  const unknown = conditionChanges(healthy, conds(exampleInput('LeaderElected', 'EtcdUnreachable'), healthy));
  assert.ok(!unknown.some((c) => c.to.status === 'Unknown'), 'flips to Unknown make no Event');
});

test('events: a new kind of degradation while Degraded stays True is an Event; progress within a status is not', () => {
  const tooMany = conds(exampleInput('Degraded', 'TooManyReplicas'));
  const zombie = conds(exampleInput('Degraded', 'ZombieFramework'), tooMany);
  assert.deepEqual(conditionChanges(tooMany, zombie).map((c) => [c.type, c.to.reason]), [['Degraded', 'ZombieFramework']]);
  const a = conds(exampleInput('TasksReconciled', 'Reconciling'));
  const b = conds(exampleInput('TasksReconciled', 'ReconciliationTimedOut'), a);
  assert.deepEqual(conditionChanges(a, b), [], 'Reconciling → ReconciliationTimedOut: both False, no Event');
});

test('a refusal that is not about the executor hash leaves ExecutorCompatible alone (FrameworkRegistered reports it)', () => {
  const ex = CONDITION_EXAMPLES.find((e) => e.reason === 'LeaderRefused' && e.situation.includes('no framework id'))!;
  const values = evaluateConditions(ex.input);
  assert.notEqual(values.ExecutorCompatible.reason, 'ExecutorHashMismatch', values.ExecutorCompatible.message);
  assert.equal(values.ExecutorCompatible.status, 'True', values.ExecutorCompatible.message);
});

test('LeaderElected counts standbys by process: after an etcd restart a replica\'s pre-outage key beside its new one is not another standby', () => {
  const base = healthyInput();
  const e = base.etcd!;
  assert.match(evaluateConditions(base).LeaderElected.message, /leads; 1 standby$/);
  // Both replicas campaign again with new leases while their pre-outage keys (leases restored) live on.
  const again = e.candidates.map((c, k) => ({ ...c, key: `${c.key}0`, createRevision: String(5000 + k) }));
  assert.match(evaluateConditions({ ...base, etcd: { ...e, candidates: [...e.candidates, ...again] } }).LeaderElected.message, /leads; 1 standby$/);
  // Distinct processes still count each.
  const third = { ...e.candidates[1]!, key: `${e.candidates[1]!.key}1`, createRevision: '6000', identity: { ...e.candidates[1]!.identity!, incarnation: 'inc-other' } };
  assert.match(evaluateConditions({ ...base, etcd: { ...e, candidates: [...e.candidates, third] } }).LeaderElected.message, /leads; 2 standbys$/);
});
