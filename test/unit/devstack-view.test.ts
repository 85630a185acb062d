import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  renderView,
  statusLine,
  statusKey,
  buildSnapshot,
  readiness,
  startupMessage,
  actionProgress,
  parseCommand,
  wrapText,
  KEYS_HELP,
  type StackSnapshot,
  type Observation,
  type PendingAction,
} from '../../src/devstack/view.js';
import type { SchedulerHA } from '../../src/api/types.js';
import type { LeaderStatusRecord } from '../../src/api/leader-status.js';

const snap: StackSnapshot = {
  at: new Date('2026-11-25T10:11:12Z'),
  resource: 'SchedulerHA mesos/k8sm',
  statusCurrent: true,
  mesosLeader: 'http://127.0.0.1:5050',
  masters: 3,
  agents: 5,
  frameworkId: 'M-0000',
  frameworkConnected: true,
  etcd: 'http://127.0.0.1:2379',
  kubeApi: 'http://127.0.0.1:6443',
  kubeconfig: '/tmp/k',
  replicas: [
    { pod: 'k8sm-0', role: 'leader', ready: true, term: '42', pid: 100, restarts: 0 },
    { pod: 'k8sm-1', role: 'standby', ready: true, pid: 101, restarts: 1 },
  ],
  leader: { pod: 'k8sm-0', term: '42', since: '2026-11-25T10:00:00Z', mesos: 'subscribed' },
  tasks: { TASK_RUNNING: 3, TASK_STAGING: 1 },
  pods: { pending: 1, bound: 3 },
  conditions: [
    { type: 'Ready', status: 'True', reason: 'Ready' },
    { type: 'FrameworkRegistered', status: 'True', reason: 'Registered' },
    { type: 'TasksReconciled', status: 'False', reason: 'Reconciling', message: '1 task not heard from' },
    { type: 'Degraded', status: 'False', reason: 'AsExpected' },
  ],
  lastFailover: { at: '2026-11-25T10:00:00Z', from: 'k8sm-1', to: 'k8sm-0', reason: 'USR1', seconds: 0.312 },
};

test('the live view shows leader and standby, term, framework id, tasks, conditions, last failover, keys', () => {
  const text = renderView(snap).join('\n');
  assert.match(text, /k8sm-0\s+leader\s+yes\s+42\s+100/);
  assert.match(text, /k8sm-1\s+standby/);
  assert.match(text, /Framework\s+M-0000\s+connected/);
  assert.match(text, /Leader\s+k8sm-0\s+term 42\s+since 10:00:00\s+subscribed/);
  assert.match(text, /Tasks\s+RUNNING 3\s+STAGING 1\s+pods: 3 bound, 1 pending/);
  assert.match(text, /TasksReconciled: Reconciling — 1 task not heard from/);
  assert.doesNotMatch(text, /Degraded: AsExpected/, 'Degraded=False is the good state and is not explained');
  assert.match(text, /k8sm-1 → k8sm-0\s+\(USR1, 0\.31 s\)/);
  assert.ok(text.includes(KEYS_HELP));
  const degraded = renderView({ ...snap, conditions: [{ type: 'Degraded', status: 'True', reason: 'TooManyReplicas', message: 'spec.replicas is 3' }] }).join('\n');
  assert.match(degraded, /Degraded: TooManyReplicas — spec\.replicas is 3/);
  assert.match(renderView({ ...snap, frameworkConnected: false }).join('\n'), /M-0000\s+DISCONNECTED/);
  assert.match(renderView({ ...snap, replicas: [], leader: undefined, lastFailover: undefined }).join('\n'), /\(no scheduler pods yet\)[\s\S]*Leader\s+\(none\)[\s\S]*Failover\s+\(none yet\)/);
});

test('the live view wraps long lines to the terminal width; messages may span lines', () => {
  const long = { ...snap, message: `starting (3 s): waiting…\n${'x '.repeat(60)}end` };
  const lines = renderView(long, 80);
  for (const l of lines) assert.ok(l.length <= 80, `"${l}" is ${l.length} columns`);
  assert.ok(lines.includes('starting (3 s): waiting…'));
  assert.ok(lines.some((l) => l.startsWith('  ') && l.endsWith('end')), 'a wrapped message continues indented');
  assert.ok(lines.join(' ').replace(/\s+/g, ' ').includes(KEYS_HELP.replace(/\s+/g, ' ')), 'the keys are all there, wrapped');
  assert.ok(lines.some((l) => l.startsWith('[a] toggle the failover annotation')), 'wrapped between keys, not inside one');
  assert.ok(lines.every((l) => l === l.trimEnd()), 'no trailing blanks where a line wrapped');
  const narrow = renderView({ ...snap, kubeconfig: `/tmp/${'d'.repeat(100)}/kubeconfig` }, 80);
  assert.ok(narrow.every((l) => l.length <= 80), 'a long path wraps too');
  assert.deepEqual(wrapText('aaa bbb ccc', 7), ['aaa bbb', 'ccc']);
  assert.deepEqual(wrapText('abcdefghij', 4), ['abcd', 'efgh', 'ij'], 'a word longer than the room is cut');
});

test('status lines for --no-tty', () => {
  const l = statusLine(snap);
  assert.match(l, /^10:11:12 leader=k8sm-0 term=42 framework=M-0000 master=http:\/\/127\.0\.0\.1:5050 replicas=k8sm-0:leader,k8sm-1:standby tasks=running=3,staging=1 pods=3\/4 ready=True\(Ready\) lastFailover=k8sm-1->k8sm-0:0\.31s\(USR1\)$/);
  assert.match(statusLine({ ...snap, replicas: [], leader: undefined, frameworkId: undefined, mesosLeader: undefined, conditions: [], tasks: {}, pods: { bound: 0, pending: 0 }, lastFailover: undefined }), /leader=- term=- framework=- master=- replicas=- tasks=- pods=0\/0 ready=-$/);
  assert.match(statusLine({ ...snap, frameworkConnected: false }), /framework=M-0000\(disconnected\)/);
  assert.equal(statusKey(snap), statusKey({ ...snap, at: new Date('2026-11-25T11:00:00Z') }), 'the time alone is no change');
  assert.notEqual(statusKey(snap), statusKey({ ...snap, leader: { ...snap.leader!, term: '43' } }));
});

// ---- buildSnapshot ----------------------------------------------------------------------------------------------

function resource(over: Partial<SchedulerHA['status']> = {}, generation = 2): SchedulerHA {
  return {
    apiVersion: 'k8sm.io/v1alpha1',
    kind: 'SchedulerHA',
    metadata: { name: 'k8sm', namespace: 'mesos', generation },
    spec: { mesos: { master: 'm:5050' }, etcd: { endpoints: ['http://e:2379'] } },
    status: {
      observedGeneration: 2,
      frameworkID: 'F-1',
      conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'framework F-1 registered', lastTransitionTime: '2026-11-25T10:00:00Z' }],
      lastFailover: { at: '2026-11-25T10:05:00Z', from: 'k8sm-0', to: 'k8sm-1', reason: 'FailoverRequested', seconds: 0.5 },
      ...over,
    },
  };
}

const leaderStatus = (o: Partial<LeaderStatusRecord> = {}): LeaderStatusRecord =>
  ({ version: 1, term: '17', leaseId: 'a', identity: 'k8sm-1', incarnation: 'i', pod: 'k8sm-1', since: '2026-11-25T10:05:00Z', frameworkId: 'F-1', frameworkName: 'Kubernetes', mesos: 'subscribed', executorHash: 'h', reconciliation: { phase: 'complete', run: 1, total: 0, remaining: 0, requests: 0 }, tasks: { total: 0, byState: {} }, updatedAt: '', ...o }) as LeaderStatusRecord;

function observation(over: Partial<Observation> = {}): Observation {
  return {
    at: new Date('2026-11-25T10:06:00Z'),
    namespace: 'mesos',
    name: 'k8sm',
    resource: resource(),
    schedulerPods: [
      { name: 'k8sm-1', ready: true, restarts: 2 },
      { name: 'k8sm-0', ready: true, restarts: 0 },
    ],
    pids: { 'k8sm-0': [200], 'k8sm-1': [201] },
    // k8sm-1 holds the lowest create revision: it leads, whatever order etcd lists them in.
    candidates: [
      { createRevision: '23', id: 'k8sm-0', pod: 'k8sm-0' },
      { createRevision: '17', id: 'k8sm-1', pod: 'k8sm-1' },
    ],
    leaderStatus: leaderStatus(),
    mesos: { leaderUrl: 'http://m1', masters: 3, agents: 5, framework: { id: 'F-1', connected: true, active: true }, tasks: { TASK_RUNNING: 2 } },
    workloadPods: [
      { name: 'p-1', ready: false, restarts: 0, nodeName: 'agent-1' },
      { name: 'p-2', ready: false, restarts: 0 },
    ],
    etcd: 'http://e',
    kubeApi: 'http://k',
    kubeconfig: '/k',
    ...over,
  };
}

test('buildSnapshot: the lowest create revision leads; roles, terms, pids, pods, framework, failover', () => {
  const s = buildSnapshot(observation());
  assert.deepEqual(
    s.replicas.map((r) => [r.pod, r.role, r.term, r.pid, r.restarts]),
    [
      ['k8sm-0', 'standby', undefined, 200, 0],
      ['k8sm-1', 'leader', '17', 201, 2],
    ],
    'sorted by ordinal',
  );
  assert.deepEqual(s.leader, { pod: 'k8sm-1', term: '17', since: '2026-11-25T10:05:00Z', mesos: 'subscribed' });
  assert.equal(s.frameworkId, 'F-1');
  assert.equal(s.frameworkConnected, true);
  assert.equal(s.statusCurrent, true);
  assert.deepEqual(s.pods, { bound: 1, pending: 1 });
  assert.deepEqual(s.tasks, { TASK_RUNNING: 2 });
  assert.equal(s.lastFailover?.reason, 'FailoverRequested');
  assert.equal(s.mesosLeader, 'http://m1');
  assert.equal(s.resource, 'SchedulerHA mesos/k8sm');
});

test('buildSnapshot: a leader status of an older term is not attributed to the current leader', () => {
  const s = buildSnapshot(observation({ leaderStatus: leaderStatus({ term: '9', pod: 'k8sm-0', identity: 'k8sm-0' }) }));
  assert.equal(s.leader?.pod, 'k8sm-1');
  assert.equal(s.leader?.term, '17');
  assert.equal(s.leader?.mesos, undefined, 'not subscribed as far as we know');
  assert.equal(s.leader?.since, undefined);
});

test('buildSnapshot: pods without a candidate key are starting; deleting pods stopping; etcd unreadable is "?"', () => {
  const s = buildSnapshot(observation({ candidates: [{ createRevision: '17', id: 'k8sm-1', pod: 'k8sm-1' }], schedulerPods: [{ name: 'k8sm-0', ready: false, restarts: 0 }, { name: 'k8sm-1', ready: true, restarts: 0, deleting: true }] }));
  assert.deepEqual(s.replicas.map((r) => r.role), ['starting', 'stopping']);
  const u = buildSnapshot(observation({ candidates: undefined, leaderStatus: undefined }));
  assert.deepEqual(u.replicas.map((r) => r.role), ['?', '?']);
  assert.equal(u.leader, undefined);
});

test('buildSnapshot: missing resource, stale status, disconnected or unknown framework', () => {
  const missing = buildSnapshot(observation({ resource: undefined }));
  assert.equal(missing.resource, 'SchedulerHA mesos/k8sm (not found)');
  assert.equal(missing.statusCurrent, false);
  assert.deepEqual(missing.conditions, []);
  assert.equal(buildSnapshot(observation({ resource: resource({}, 3) })).statusCurrent, false, 'observedGeneration 2 < generation 3');
  const disc = buildSnapshot(observation({ mesos: { masters: 3, agents: 5, framework: { id: 'F-1', connected: false, active: true }, tasks: {} } }));
  assert.equal(disc.frameworkConnected, false);
  assert.equal(disc.mesosLeader, undefined);
  const none = buildSnapshot(observation({ mesos: { masters: 3, agents: 5, tasks: {} }, leaderStatus: undefined }));
  assert.equal(none.frameworkId, 'F-1', 'from the resource status');
  assert.equal(none.frameworkConnected, false);
});

// ---- readiness ----------------------------------------------------------------------------------------------------

test('readiness: Ready=True for the current generation, framework connected, every pod bound', () => {
  const ok = { ...snap, pods: { bound: 3, pending: 0 } };
  assert.deepEqual(readiness(ok, 3), { ready: true, missing: [] });
  const cases: Array<[Partial<StackSnapshot>, RegExp]> = [
    [{ resource: 'SchedulerHA mesos/k8sm (not found)' }, /SchedulerHA mesos\/k8sm does not exist/],
    [{ statusCurrent: false }, /not reported status for the current generation/],
    [{ conditions: [{ type: 'Ready', status: 'False', reason: 'ReplicasNotReady', message: '1/2 scheduler replicas ready' }] }, /Ready=False \(ReplicasNotReady: 1\/2 scheduler replicas ready\)/],
    [{ conditions: [] }, /no Ready condition yet/],
    [{ frameworkId: undefined }, /no framework registered/],
    [{ frameworkConnected: false }, /framework M-0000 is not connected/],
    [{ pods: { bound: 1, pending: 2 } }, /2 of 3 pods for the scheduler not bound yet/],
    [{ pods: { bound: 2, pending: 0 } }, /1 of 3 pods for the scheduler do not exist/],
  ];
  for (const [over, re] of cases) {
    const r = readiness({ ...ok, ...over }, 3);
    assert.equal(r.ready, false, re.source);
    assert.ok(r.missing.some((m) => re.test(m)), `${re.source} in ${JSON.stringify(r.missing)}`);
  }
  assert.equal(readiness({ ...ok, pods: { bound: 0, pending: 0 } }, 0).ready, true, '--pods 0');
});

test('startupMessage: the step the stack waits for, with the elapsed time; none once ready', () => {
  const ok = { ...snap, pods: { bound: 3, pending: 0 } };
  assert.equal(startupMessage(ok, 3, 5000), undefined);
  assert.equal(startupMessage({ ...ok, replicas: [], leader: undefined, conditions: [] }, 3, 1200), 'starting (1 s): waiting for the operator to create the scheduler StatefulSet…');
  assert.match(startupMessage({ ...ok, leader: undefined, conditions: [] }, 3, 3000)!, /waiting for a scheduler leader \(2\/2 replicas ready\)/);
  assert.match(startupMessage({ ...ok, leader: { pod: 'k8sm-0', term: '4', mesos: 'subscribing' }, conditions: [] }, 3, 3000)!, /waiting for k8sm-0 to register the framework with Mesos/);
  assert.match(startupMessage({ ...ok, pods: { bound: 1, pending: 2 } }, 3, 3000)!, /launch the pods \(1\/3 bound\)/);
  assert.match(startupMessage({ ...ok, conditions: [{ type: 'Ready', status: 'False', reason: 'Reconciling' }] }, 3, 3000)!, /waiting for Ready: Ready=False \(Reconciling\)/);
});

// ---- actions ------------------------------------------------------------------------------------------------------

const t0 = Date.parse('2026-11-25T10:11:12Z');
const usr1: PendingAction = { key: 'f', at: t0, detail: 'sent USR1 to leader k8sm-0 (pid 100, term 42)', fromPod: 'k8sm-0', fromTerm: '42', frameworkId: 'M-0000' };

test('actionProgress: f/k/a end when another term leads and has subscribed, with the framework id unchanged', () => {
  const waiting = actionProgress(usr1, snap, t0 + 1500);
  assert.deepEqual(waiting, { done: false, ok: false, message: 'f: sent USR1 to leader k8sm-0 (pid 100, term 42); waiting… (1.5 s)' });
  const subscribing = { ...snap, leader: { pod: 'k8sm-1', term: '50', mesos: 'subscribing' } };
  assert.equal(actionProgress(usr1, subscribing, t0 + 2000).done, false, 'not yet subscribed');
  const next = { ...snap, leader: { pod: 'k8sm-1', term: '50', mesos: 'subscribed' } };
  assert.deepEqual(actionProgress(usr1, next, t0 + 2345), { done: true, ok: true, message: 'f: leader k8sm-0 (term 42) → k8sm-1 (term 50), subscribed after 2.3 s; framework M-0000 unchanged' });
  const changed = actionProgress({ ...usr1, key: 'k' }, { ...next, frameworkId: 'M-0001' }, t0 + 1000);
  assert.equal(changed.done, true);
  assert.equal(changed.ok, false, 'a new framework id is a failure');
  assert.match(changed.message, /framework CHANGED M-0000 → M-0001/);
  assert.equal(actionProgress({ ...usr1, key: 'a' }, { ...next, frameworkConnected: false }, t0 + 1000).done, false, 'waits for the framework to be connected');
});

test('actionProgress: m ends when another master leads and the framework is connected to it again', () => {
  const m: PendingAction = { key: 'm', at: t0, detail: 'failed over the leading Mesos master', fromMaster: 'http://127.0.0.1:5050', frameworkId: 'M-0000', fromTerm: '42', fromPod: 'k8sm-0' };
  assert.equal(actionProgress(m, snap, t0 + 500).done, false, 'same master');
  assert.equal(actionProgress(m, { ...snap, mesosLeader: 'http://127.0.0.1:5051', frameworkConnected: false }, t0 + 500).done, false, 'not re-subscribed yet');
  const p = actionProgress(m, { ...snap, mesosLeader: 'http://127.0.0.1:5051' }, t0 + 800);
  assert.deepEqual(p, { done: true, ok: true, message: 'm: Mesos master http://127.0.0.1:5050 → http://127.0.0.1:5051; the scheduler re-subscribed after 0.8 s; framework M-0000 unchanged' });
});

test('actionProgress: gives up after the timeout with what did not happen', () => {
  const p = actionProgress(usr1, snap, t0 + 90_000);
  assert.equal(p.done, true);
  assert.equal(p.ok, false);
  assert.match(p.message, /^f: no new leader has subscribed 90 s after it \(sent USR1/);
  assert.match(actionProgress({ ...usr1, key: 'm', fromMaster: 'http://127.0.0.1:5050' }, snap, t0 + 10_000, 10_000).message, /^m: the scheduler has not re-subscribed to a new leading master 10 s after it/);
});

test('parseCommand: keys and words; Ctrl-C and Ctrl-D quit; anything else is not a command', () => {
  for (const [input, want] of [['f', 'f'], ['F', 'f'], ['usr1\n', 'f'], ['k', 'k'], ['kill', 'k'], [' m ', 'm'], ['master', 'm'], ['a', 'a'], ['annotate', 'a'], ['q', 'q'], ['quit', 'q'], ['\u0003', 'q'], ['\u0004', 'q']] as const) {
    assert.equal(parseCommand(input), want, JSON.stringify(input));
  }
  for (const input of ['x', '', 'ff', '\u001b[A']) assert.equal(parseCommand(input), undefined, JSON.stringify(input));
});
