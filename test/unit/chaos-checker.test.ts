// The soak's checker finds each kind of violation in synthetic recordings, and nothing in a clean one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, formatViolations, type CheckInput } from '../../src/devstack/chaos/checker.js';
import type { CallRecord, EventRecord } from '../../src/devstack/mesos/history.js';
import type { TaskRecord } from '../../src/scheduler/task-record.js';

let seq = 0;
const call = (time: number, callType: string, extra: Partial<CallRecord> = {}): CallRecord => ({ kind: 'call', seq: ++seq, time, master: 0, masterId: 'M', frameworkId: 'F', connectionId: 1, callType, status: 202, detail: '', ...extra });
const ev = (time: number, taskId: string, state: string): EventRecord => ({ kind: 'event', seq: ++seq, time, master: 0, masterId: 'M', frameworkId: 'F', streamId: 's', connectionId: 1, type: 'UPDATE', taskId, state });
const rec = (id: string, state: TaskRecord['state']): TaskRecord => ({ id, state, createdAt: '', updatedAt: '' });
const T1 = 'pod.u1.0';
const T2 = 'pod.u1.1';

function clean(): CheckInput {
  return {
    frameworkId: 'F',
    calls: [
      call(1000, 'SUBSCRIBE', { status: 200, newStreamId: 'sA', detail: 'SUBSCRIBED' }),
      call(1100, 'ACCEPT', { streamId: 'sA', taskIds: [T1] }),
      call(3000, 'SUBSCRIBE', { status: 200, newStreamId: 'sB', detail: 'SUBSCRIBED' }),
      call(3100, 'RECONCILE', { streamId: 'sB' }),
    ],
    events: [ev(1200, T1, 'TASK_RUNNING')],
    replicaEvents: [
      { at: 900, replica: 'a', kind: 'elected', term: '10' },
      { at: 1000, replica: 'a', kind: 'subscribed', term: '10', streamId: 'sA' },
      { at: 2500, replica: 'a', kind: 'lost', term: '10', reason: 'resigned' },
      { at: 2900, replica: 'b', kind: 'elected', term: '12' },
      { at: 3000, replica: 'b', kind: 'subscribed', term: '12', streamId: 'sB' },
    ],
    faults: [{ at: 2400, kind: 'usr1', target: 'a' }],
    registry: new Map([[T1, rec(T1, 'TASK_RUNNING')]]),
    mesosTasks: new Map([[T1, { state: 'TASK_RUNNING' }]]),
    storedFrameworkIds: ['F'],
    finalConditions: [{ type: 'Ready', status: 'True', reason: 'Ready' }, { type: 'Degraded', status: 'False', reason: 'AsExpected' }],
    finalReconciliation: { phase: 'complete', remaining: 0 },
  };
}

test('a clean run has no violation', () => {
  assert.deepEqual(check(clean()), []);
});

const kinds = (i: CheckInput) => check(i).map((v) => v.kind);

test('a call accepted after the next term was elected', () => {
  const i = clean();
  i.calls.push(call(2950, 'DECLINE', { streamId: 'sA' }));
  const v = check(i);
  assert.deepEqual(v.map((x) => x.kind), ['stale-term-call']);
  assert.match(v[0]!.message, /from a \(term 10\) accepted at .* after b was elected for term 12/);
  assert.ok(v[0]!.timeline.some((l) => l.includes('FAULT usr1 a')), formatViolations(v));
});

test('a call on a stream no replica opened', () => {
  const i = clean();
  i.calls.push(call(3200, 'KILL', { streamId: 'sX' }));
  assert.deepEqual(kinds(i), ['unattributed-call']);
});

test('a changed framework id or a new framework', () => {
  const i = clean();
  i.calls.push(call(4000, 'SUBSCRIBE', { status: 200, frameworkId: 'G', newStreamId: 'sC' }));
  i.storedFrameworkIds.push('G');
  assert.deepEqual(kinds(i).sort(), ['framework-id-changed', 'framework-id-changed']);
  const j = clean();
  j.calls.push(call(4000, 'SUBSCRIBE', { status: 200, frameworkId: undefined, newStreamId: 'sC' }));
  assert.deepEqual(kinds(j), ['new-framework']);
});

test('a launched task missing from the registry, and registry/Mesos mismatches', () => {
  const i = clean();
  i.registry.clear();
  assert.deepEqual(kinds(i).sort(), ['lost-task', 'lost-task']);
  const j = clean();
  j.registry.set(T1, rec(T1, 'TASK_FINISHED'));
  assert.deepEqual(kinds(j), ['registry-mismatch']);
  const k = clean();
  k.registry.set('ghost', rec('ghost', 'TASK_RUNNING'));
  assert.deepEqual(kinds(k), ['registry-mismatch']);
});

test('one attempt launched twice, and one pod running twice at once', () => {
  const i = clean();
  i.calls.push(call(3300, 'ACCEPT', { streamId: 'sB', taskIds: [T1] }));
  assert.deepEqual(kinds(i), ['relaunched-same-attempt']);
  const j = clean();
  j.calls.push(call(3300, 'ACCEPT', { streamId: 'sB', taskIds: [T2] }));
  j.events.push(ev(3400, T2, 'TASK_RUNNING'), ev(5000, T1, 'TASK_KILLED'));
  j.registry.set(T2, rec(T2, 'TASK_RUNNING'));
  j.registry.set(T1, rec(T1, 'TASK_KILLED'));
  j.mesosTasks.set(T2, { state: 'TASK_RUNNING' });
  j.mesosTasks.set(T1, { state: 'TASK_KILLED' });
  const v = check(j);
  assert.deepEqual(v.map((x) => x.kind), ['duplicate-launch']);
  assert.match(v[0]!.message, /pod u1 ran twice at once: .* for 1600 ms/);
  assert.deepEqual(check({ ...j, duplicateGraceMs: 2000 }), [], 'within the grace a healed duplicate is tolerated');
});

test('not ready or not reconciled at the end', () => {
  const i = clean();
  i.finalConditions = [{ type: 'Ready', status: 'False', reason: 'NoLeader' }, { type: 'LeaderElected', status: 'False', reason: 'NoLeader' }];
  i.finalReconciliation = { phase: 'explicit', remaining: 3 };
  assert.deepEqual(kinds(i).sort(), ['not-ready', 'not-ready', 'not-reconciled']);
});
