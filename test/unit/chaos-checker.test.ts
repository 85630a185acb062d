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

// ---- what the soak adds: etcd-observed terms, SUBSCRIBEs, the agents' own record, pods, a bounded history ----

const truth = (taskId: string, launchedAt: number, states: Array<[string, number]>, live: boolean): NonNullable<CheckInput['agentTasks']>[number] => ({
  taskId,
  agentId: 'S1',
  launchedAt,
  statuses: states.map(([state, at]) => ({ state, at })),
  live,
  state: states.at(-1)?.[0] ?? 'TASK_STAGING',
});

function withTruth(): CheckInput {
  const i = clean();
  i.agentTasks = [truth(T1, 1100, [['TASK_STARTING', 1150], ['TASK_RUNNING', 1200]], true)];
  i.agentHostnames = { S1: 'agent-1' };
  i.pods = [{ uid: 'u1', name: 'p1', deleted: false, present: true, nodeName: 'agent-1', phase: 'Running' }];
  i.leaderObservations = [
    { at: 905, term: '10', pod: 'a' },
    { at: 2600, term: null },
    { at: 2905, term: '12', pod: 'b' },
  ];
  return i;
}

test('the agents’ record, the pods and the etcd watch agree with a clean run', () => {
  assert.deepEqual(check(withTruth()), []);
});

test('a call after the term’s key left etcd, and a SUBSCRIBE of an ended term', () => {
  const i = withTruth();
  i.calls.push(call(2700, 'DECLINE', { streamId: 'sA' }));
  const v = check(i);
  assert.deepEqual(v.map((x) => x.kind), ['stale-term-call']);
  assert.match(v[0]!.message, /from a \(term 10\) accepted at .* after that term had ended at .*its key was gone/);
  // A SUBSCRIBE is judged too: term 10's new stream, opened after term 12 began.
  const j = withTruth();
  j.replicaEvents.push({ at: 3500, replica: 'a', kind: 'subscribed', term: '10', streamId: 'sZ' });
  j.calls.push(call(3400, 'SUBSCRIBE', { status: 200, newStreamId: 'sZ', detail: 'SUBSCRIBED' }));
  const w = check(j);
  assert.deepEqual(w.map((x) => x.kind), ['stale-term-call']);
  assert.match(w[0]!.message, /SUBSCRIBE from a \(term 10\) accepted at .* after b was elected for term 12/);
  // A SUBSCRIBE nobody logged (the replica died before it could) is not judged; a call on its stream is.
  const k = withTruth();
  k.calls.push(call(3600, 'SUBSCRIBE', { status: 200, newStreamId: 'sQ', detail: 'SUBSCRIBED' }));
  assert.deepEqual(check(k), []);
});

test('the etcd watch tightens the next term’s start', () => {
  const i = withTruth();
  i.leaderObservations!.splice(1, 1); // no "no leader" gap: 10 → 12 at 2905
  i.replicaEvents = i.replicaEvents.map((e) => (e.term === '12' && e.kind === 'elected' ? { ...e, at: 2990 } : e));
  i.calls.push(call(2950, 'DECLINE', { streamId: 'sA' }));
  const v = check(i);
  assert.deepEqual(v.map((x) => x.kind), ['stale-term-call']);
  assert.match(v[0]!.message, /after b \(etcd watch\) was elected for term 12 at .*2\.905/);
});

test('a task running on an agent that the registry forgot or ended is an orphan; a live record nobody runs is a mismatch', () => {
  const i = withTruth();
  i.agentTasks!.push(truth('pod.u9.0', 1300, [['TASK_RUNNING', 1350]], true));
  i.mesosTasks.set('pod.u9.0', { state: 'TASK_RUNNING' });
  i.registry.set('pod.u9.0', rec('pod.u9.0', 'TASK_KILLED'));
  const v = check(i);
  assert.ok(v.some((x) => x.kind === 'orphan-task' && /pod\.u9\.0 is TASK_RUNNING on agent S1 but the registry says TASK_KILLED/.test(x.message)), formatViolations(v));
  const j = withTruth();
  j.agentTasks![0] = truth(T1, 1100, [['TASK_RUNNING', 1200], ['TASK_KILLED', 1500]], false);
  const w = check(j);
  assert.ok(w.some((x) => x.kind === 'registry-mismatch' && /no agent runs it/.test(x.message)), formatViolations(w));
});

test('two tasks of one pod live on agents at once, judged on the agents’ own record', () => {
  const i = withTruth();
  i.calls.push(call(2000, 'ACCEPT', { streamId: 'sA', taskIds: [T2] }));
  i.agentTasks![0] = truth(T1, 1100, [['TASK_RUNNING', 1200], ['TASK_KILLED', 2500]], false);
  i.agentTasks!.push(truth(T2, 2000, [['TASK_RUNNING', 2100]], true));
  i.registry.set(T1, rec(T1, 'TASK_KILLED'));
  i.registry.set(T2, rec(T2, 'TASK_RUNNING'));
  i.mesosTasks.set(T1, { state: 'TASK_KILLED' });
  i.mesosTasks.set(T2, { state: 'TASK_RUNNING' });
  const v = check(i);
  assert.deepEqual(v.map((x) => x.kind), ['duplicate-launch']);
  assert.match(v[0]!.message, /pod u1 ran twice at once: .* both live on agents for 500 ms/);
  assert.ok(v[0]!.timeline.some((l) => l.includes(`agent S1: launch ${T2}`)), formatViolations(v));
  // Sequential attempts (the second launched after the first ended) are fine.
  i.agentTasks![0] = truth(T1, 1100, [['TASK_RUNNING', 1200], ['TASK_KILLED', 1900]], false);
  assert.deepEqual(check(i), []);
});

test('pods: a kept pod runs one RUNNING task where it is bound; a deleted pod is gone with its tasks', () => {
  const kinds2 = (i: CheckInput) => check(i).map((v) => `${v.kind}: ${v.message}`);
  const unbound = withTruth();
  unbound.pods![0] = { ...unbound.pods![0]!, nodeName: 'agent-2' };
  assert.match(kinds2(unbound).join('\n'), /pod-not-running: pod p1 \(u1\) is bound to agent-2 but pod\.u1\.0 runs on agent-1/);
  const starting = withTruth();
  starting.agentTasks![0] = truth(T1, 1100, [['TASK_STARTING', 1150]], true);
  assert.match(kinds2(starting).join('\n'), /pod-not-running: pod p1 \(u1\) task pod\.u1\.0 is TASK_STARTING, not RUNNING/);
  const failed = withTruth();
  failed.pods![0] = { ...failed.pods![0]!, phase: 'Failed' };
  assert.match(kinds2(failed).join('\n'), /pod p1 \(u1\) ended Failed/);
  const gone = withTruth();
  gone.pods![0] = { uid: 'u1', name: 'p1', deleted: false, present: false };
  assert.match(kinds2(gone).join('\n'), /is gone from the API although nobody deleted it/);
  const deleted = withTruth();
  deleted.pods![0] = { uid: 'u1', name: 'p1', deleted: true, deletedAt: 2000, present: true, deleting: true, nodeName: 'agent-1' };
  assert.deepEqual(check(deleted).map((v) => v.kind).sort(), ['deleted-pod-present', 'deleted-pod-task-alive']);
  const clean2 = withTruth();
  clean2.pods![0] = { uid: 'u1', name: 'p1', deleted: true, deletedAt: 2000, present: false };
  clean2.agentTasks![0] = truth(T1, 1100, [['TASK_RUNNING', 1200], ['TASK_KILLED', 2100]], false);
  clean2.registry.set(T1, rec(T1, 'TASK_KILLED'));
  clean2.mesosTasks.set(T1, { state: 'TASK_KILLED' });
  assert.deepEqual(check(clean2), []);
});

test('a history the emulator had to truncate cannot vouch for the run', () => {
  const i = withTruth();
  i.historyDropped = { calls: 0, events: 12 };
  const v = check(i);
  assert.deepEqual(v.map((x) => x.kind), ['history-incomplete']);
  assert.match(v[0]!.message, /dropped 0 call and 12 event records/);
  i.historyDropped = { calls: 0, events: 0 };
  assert.deepEqual(check(i), []);
});

test('timelines collapse repeated lines and keep how it started', () => {
  const i = withTruth();
  i.agentTasks![0] = truth(T1, 1100, [['TASK_STARTING', 1150]], true);
  for (let k = 0; k < 200; k++) i.events.push(ev(5000 + k * 10, T1, 'TASK_STARTING'));
  for (let k = 0; k < 100; k++) i.events.push(ev(8000 + k * 10, T1, k % 2 ? 'TASK_STARTING' : 'TASK_RUNNING'));
  const v = check(i).find((x) => x.kind === 'pod-not-running')!;
  assert.ok(v.timeline.length <= 61, `bounded (${v.timeline.length} lines)`);
  assert.ok(v.timeline.some((l) => /TASK_STARTING \(×200 until/.test(l)), v.timeline.join('\n'));
  assert.match(v.timeline[0]!, /mesos ACCEPT → 202 .*pod\.u1\.0/, 'the launch stays in view');
  assert.ok(v.timeline.some((l) => /lines omitted/.test(l)));
});

test('a long soak’s history (hundreds of thousands of records) is checked without exhausting the stack', () => {
  const i = withTruth();
  for (let k = 0; k < 300_000; k++) i.events.push(ev(4000 + k, T1, 'TASK_RUNNING'));
  for (let k = 0; k < 20_000; k++) i.calls.push(call(3100 + k / 100, 'DECLINE', { streamId: 'sB' }));
  assert.deepEqual(check(i), []);
});
