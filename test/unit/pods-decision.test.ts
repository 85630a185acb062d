// What the leader does about one pod (src/scheduler/pods/pod-decision.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decidePod, DEFAULT_ANNOTATE_AFTER_MS, DEFAULT_BACKOFF, outcomeOf, taskAnnotations, DEFAULT_UNREACHABLE_TIMEOUT_MS } from '../../src/scheduler/pods/pod-decision.js';
import type { PodLike } from '../../src/scheduler/pods/pod-model.js';
import type { PodTaskRecord } from '../../src/scheduler/pods/task-info.js';
import { taskIdFor } from '../../src/scheduler/pods/task-id.js';

const UID = 'u-1';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function pod(o: { nodeName?: string; restartPolicy?: string; deleting?: boolean; phase?: string; annotations?: Record<string, string> } = {}): PodLike {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: UID, ...(o.annotations ? { annotations: o.annotations } : {}), ...(o.deleting ? { deletionTimestamp: iso(T0) } : {}) },
    spec: { schedulerName: 'fw', ...(o.nodeName ? { nodeName: o.nodeName } : {}), ...(o.restartPolicy ? { restartPolicy: o.restartPolicy } : {}), containers: [{ name: 'c' }] },
    status: { phase: o.phase ?? 'Pending' },
  };
}

function rec(attempt: number, state: PodTaskRecord['state'], o: Partial<PodTaskRecord> & { ranMs?: number; at?: number } = {}): PodTaskRecord {
  const { ranMs, at, ...rest } = o;
  const created = at ?? T0;
  return {
    id: taskIdFor(UID, attempt),
    agentId: 'S1',
    hostname: 'node-1',
    executorId: 'x_k8sm-executor',
    state,
    pod: { namespace: 'ns', name: 'p', uid: UID },
    attempt,
    offerIds: ['O1'],
    createdAt: iso(created),
    updatedAt: iso(created + (ranMs ?? 100)),
    ...rest,
  };
}

const ctx = (o: { inflight?: string[]; now?: number } = {}) => ({ now: o.now ?? T0 + 1000, inflight: new Set(o.inflight ?? []) });
const kinds = (d: ReturnType<typeof decidePod>) => d.actions.map((a) => a.kind);

test('a new unbound pod needs its first launch (attempt 0), or the one after its annotated attempt', () => {
  const d = decidePod(pod(), [], ctx());
  assert.equal(d.state, 'pending');
  assert.deepEqual(d.launch, { attempt: 0, notBefore: 0, restart: false });
  const ann = decidePod(pod({ annotations: { 'k8s.mesosphere.io/taskId': taskIdFor(UID, 3) } }), [], ctx());
  assert.equal(ann.launch!.attempt, 4, 'never reuse an attempt a pod annotation names');
  const other = decidePod(pod({ annotations: { 'k8s.mesosphere.io/taskId': taskIdFor('someone-else', 7) } }), [], ctx());
  assert.equal(other.launch!.attempt, 0, 'an annotation naming another pod’s task is ignored');
});

test('a live launch blocks any other launch; missing annotations are added', () => {
  for (const s of ['TASK_INTENT', 'TASK_STAGING', 'TASK_STARTING', 'TASK_KILLING'] as const) {
    const d = decidePod(pod(), [rec(0, s)], ctx({ now: T0 + DEFAULT_ANNOTATE_AFTER_MS }));
    assert.equal(d.state, 'launching', s);
    assert.equal(d.launch, undefined, s);
    assert.deepEqual(d.actions, [{ kind: 'annotate', annotations: taskAnnotations(rec(0, s)) }]);
  }
  const annotated = pod({ annotations: taskAnnotations(rec(0, 'TASK_STAGING')) });
  assert.deepEqual(decidePod(annotated, [rec(0, 'TASK_STAGING')], ctx()).actions, []);
  assert.equal(decidePod(pod(), [rec(0, 'TASK_UNREACHABLE')], ctx()).state, 'unreachable');
});

test('a young launch is not annotated yet (the Binding will carry the annotations); it is judged again when due', () => {
  for (const s of ['TASK_INTENT', 'TASK_STAGING', 'TASK_STARTING'] as const) {
    const young = decidePod(pod(), [rec(0, s)], ctx({ now: T0 + DEFAULT_ANNOTATE_AFTER_MS - 1 }));
    assert.equal(young.state, 'launching', s);
    assert.deepEqual(young.actions, [], s);
    assert.equal(young.recheckAt, T0 + DEFAULT_ANNOTATE_AFTER_MS, s);
    const due = decidePod(pod(), [rec(0, s)], { ...ctx({ now: T0 + 400 }), annotateAfterMs: 400 });
    assert.deepEqual(kinds(due), ['annotate'], `${s}: annotateAfterMs`);
    assert.equal(due.recheckAt, undefined);
  }
  // Not a launch any more: annotated at once, whatever its age.
  assert.deepEqual(kinds(decidePod(pod(), [rec(0, 'TASK_KILLING')], ctx({ now: T0 }))), ['annotate']);
  // Nothing missing: no re-check either.
  const annotated = pod({ annotations: taskAnnotations(rec(0, 'TASK_STAGING')) });
  assert.equal(decidePod(annotated, [rec(0, 'TASK_STAGING')], ctx({ now: T0 })).recheckAt, undefined);
});

test('RUNNING binds the pod to the agent’s hostname with the k8sm annotations', () => {
  const r = rec(0, 'TASK_RUNNING');
  const d = decidePod(pod(), [r], ctx());
  assert.equal(d.state, 'running');
  assert.deepEqual(d.actions, [
    {
      kind: 'bind',
      host: 'node-1',
      annotations: {
        'k8s.mesosphere.io/taskId': r.id,
        'k8s.mesosphere.io/slaveId': 'S1',
        'k8s.mesosphere.io/executorId': 'x_k8sm-executor',
        'k8s.mesosphere.io/offerId': 'O1',
        'k8s.mesosphere.io/bindingHost': 'node-1',
      },
    },
  ]);
  const bound = pod({ nodeName: 'node-1', annotations: taskAnnotations(r, 'node-1') });
  assert.deepEqual(decidePod(bound, [r], ctx()).actions, [], 'bound and annotated: nothing to do');
  const elsewhere = decidePod(pod({ nodeName: 'node-9' }), [r], ctx());
  assert.equal(elsewhere.state, 'conflict');
  assert.deepEqual(kinds(elsewhere), ['kill'], 'a task running for a pod bound elsewhere is killed');
});

test('gone, deleting and finished pods get their live tasks killed; a bound deleting pod is removed afterwards', () => {
  const live = [rec(0, 'TASK_RUNNING')];
  const gone = decidePod(undefined, live, ctx());
  assert.equal(gone.state, 'orphaned');
  assert.deepEqual(gone.actions, [{ kind: 'kill', taskId: live[0]!.id, agentId: 'S1', reason: 'the pod no longer exists' }]);
  assert.deepEqual(kinds(decidePod(pod({ deleting: true, nodeName: 'node-1' }), live, ctx())), ['kill']);
  assert.deepEqual(kinds(decidePod(pod({ deleting: true, nodeName: 'node-1' }), [rec(0, 'TASK_KILLED')], ctx())), ['finish-delete']);
  assert.deepEqual(kinds(decidePod(pod({ deleting: true }), [rec(0, 'TASK_KILLED')], ctx())), [], 'an unbound pod needs no kubelet to go');
  assert.deepEqual(kinds(decidePod(pod({ phase: 'Failed' }), live, ctx())), ['kill']);
  assert.deepEqual(kinds(decidePod(undefined, [rec(0, 'TASK_UNKNOWN')], ctx())), [], 'nothing to kill for a task Mesos does not know');
});

test('a launch whose ACCEPT is in flight is never killed nor superseded', () => {
  const r = rec(0, 'TASK_INTENT');
  assert.deepEqual(decidePod(undefined, [r], ctx({ inflight: [r.id] })).actions, []);
  assert.deepEqual(kinds(decidePod(pod({ deleting: true, nodeName: 'n' }), [r], ctx({ inflight: [r.id] }))), [], 'no finish-delete while a launch may still happen');
});

test('older live attempts are killed: at most one live launch per pod', () => {
  const d = decidePod(pod({ nodeName: 'node-1' }), [rec(0, 'TASK_RUNNING'), rec(1, 'TASK_RUNNING')], ctx());
  assert.deepEqual(
    d.actions.filter((a) => a.kind === 'kill').map((a) => (a as { taskId: string }).taskId),
    [taskIdFor(UID, 0)],
  );
});

test('unbound pod: a launch that never happened is retried whatever the policy, with back-off', () => {
  for (const [state, reason] of [['TASK_DROPPED', 'REASON_INVALID_OFFERS'], ['TASK_GONE', 'REASON_RECONCILIATION'], ['TASK_LOST', undefined], ['TASK_ERROR', 'REASON_TASK_INVALID'], ['TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH'], ['TASK_UNKNOWN', 'REASON_RECONCILIATION']] as const) {
    const r = rec(0, state, reason ? { reason } : {});
    assert.equal(outcomeOf(r), 'not-launched', state);
    const d = decidePod(pod({ restartPolicy: 'Never' }), [r], ctx());
    assert.equal(d.state, 'backoff', state);
    assert.deepEqual(d.launch, { attempt: 1, notBefore: Date.parse(r.updatedAt) + DEFAULT_BACKOFF.initialMs, restart: false }, state);
  }
});

test('unbound pod: FAILED → Failed with Never, retried otherwise; FINISHED → Succeeded unless Always', () => {
  const failed = rec(0, 'TASK_FAILED', { reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: 'boom' });
  const never = decidePod(pod({ restartPolicy: 'Never' }), [failed], ctx());
  assert.equal(never.state, 'finished');
  assert.deepEqual(never.actions, [{ kind: 'set-status', phase: 'Failed', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `Mesos task ${failed.id} ended TASK_FAILED (REASON_CONTAINER_LAUNCH_FAILED) on node-1: boom` }]);
  assert.equal(decidePod(pod({ restartPolicy: 'OnFailure' }), [failed], ctx()).launch!.attempt, 1);
  const fin = rec(0, 'TASK_FINISHED');
  assert.equal((decidePod(pod({ restartPolicy: 'OnFailure' }), [fin], ctx()).actions[0] as { phase: string }).phase, 'Succeeded');
  assert.equal(decidePod(pod(), [fin], ctx()).launch!.restart, true);
});

test('unbound pod: Failed when its newest maxLaunchFailures attempts all failed on their own', () => {
  const n = DEFAULT_BACKOFF.maxLaunchFailures;
  const failed = (i: number) => rec(i, 'TASK_FAILED', { reason: 'REASON_CONTAINER_LAUNCH_FAILED' });
  const rs = Array.from({ length: n }, (_, i) => failed(i));
  const d = decidePod(pod(), rs, ctx());
  assert.equal(d.state, 'finished');
  assert.equal((d.actions[0] as { reason: string }).reason, 'LaunchFailed');
  assert.match((d.actions[0] as { message: string }).message, new RegExp(`^the last ${n} launch attempts failed`));
  assert.equal(decidePod(pod(), rs.slice(1), ctx()).launch!.attempt, n, 'one fewer: still retried, with the next attempt');
  const errors = Array.from({ length: n }, (_, i) => rec(i, 'TASK_ERROR', { reason: 'REASON_TASK_INVALID' }));
  assert.equal(decidePod(pod(), errors, ctx()).state, 'finished', 'refused as invalid every time: the pod\'s own fault');
  // Launches Mesos never carried out say nothing about the pod: retried (with back-off) however many there are.
  for (const [state, reason] of [['TASK_DROPPED', 'REASON_INVALID_OFFERS'], ['TASK_GONE', 'REASON_RECONCILIATION'], ['TASK_LOST', 'REASON_RECONCILIATION'], ['TASK_UNKNOWN', 'REASON_RECONCILIATION'], ['TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH']] as const) {
    const lost = Array.from({ length: 3 * n }, (_, i) => rec(i, state, { reason }));
    const dl = decidePod(pod(), lost, ctx());
    assert.equal(dl.state, 'backoff', `${state} ×${3 * n}: retried`);
    assert.equal(dl.launch!.attempt, 3 * n);
  }
  // One cluster-side loss among the newest failures: not yet n failures of its own in a row.
  const mixed = [...Array.from({ length: n - 1 }, (_, i) => failed(i)), rec(n - 1, 'TASK_DROPPED', { reason: 'REASON_INVALID_OFFERS' })];
  assert.equal(decidePod(pod(), mixed, ctx()).state, 'backoff');
  assert.equal(decidePod(pod(), [...mixed, failed(n)], ctx()).state, 'backoff', 'the dropped one is still among the newest n');
  assert.equal(decidePod(pod(), [...mixed, ...Array.from({ length: n }, (_, i) => failed(n + i))], ctx()).state, 'finished');
});

test('back-off doubles per consecutive short attempt up to the cap, and resets after a long run', () => {
  const d3 = decidePod(pod(), [rec(0, 'TASK_DROPPED'), rec(1, 'TASK_DROPPED'), rec(2, 'TASK_DROPPED')], ctx());
  assert.equal(d3.launch!.notBefore, T0 + 100 + 4000);
  const many = Array.from({ length: 9 }, (_, i) => rec(i, 'TASK_FAILED'));
  assert.equal(decidePod(pod({ nodeName: 'node-1' }), many, ctx()).launch!.notBefore, T0 + 100 + DEFAULT_BACKOFF.maxMs);
  const longRun = [rec(0, 'TASK_FAILED'), rec(1, 'TASK_FAILED', { ranMs: DEFAULT_BACKOFF.resetAfterMs + 1 }), rec(2, 'TASK_FAILED', { at: T0 + DEFAULT_BACKOFF.resetAfterMs + 10 })];
  assert.equal(decidePod(pod({ nodeName: 'node-1' }), longRun, ctx()).launch!.notBefore, T0 + DEFAULT_BACKOFF.resetAfterMs + 10 + 100 + DEFAULT_BACKOFF.initialMs);
});

test('bound pod: restarted on its node per restartPolicy, Failed/Succeeded otherwise; a removed agent means NodeLost', () => {
  const b = (rp?: string) => pod({ nodeName: 'node-1', ...(rp ? { restartPolicy: rp } : {}) });
  const failed = rec(0, 'TASK_FAILED', { reason: 'REASON_EXECUTOR_TERMINATED' });
  assert.deepEqual(decidePod(b('OnFailure'), [failed], ctx()).launch, { attempt: 1, hostname: 'node-1', notBefore: Date.parse(failed.updatedAt) + 1000, restart: true });
  assert.deepEqual(decidePod(b('Always'), [rec(0, 'TASK_FINISHED')], ctx()).launch?.hostname, 'node-1');
  assert.equal((decidePod(b('OnFailure'), [rec(0, 'TASK_FINISHED')], ctx()).actions[0] as { phase: string }).phase, 'Succeeded');
  const nf = decidePod(b('Never'), [failed], ctx());
  assert.deepEqual(nf.actions.map((a) => [a.kind, (a as { phase?: string }).phase, (a as { reason?: string }).reason]), [['set-status', 'Failed', 'REASON_EXECUTOR_TERMINATED']]);
  for (const lost of [rec(0, 'TASK_GONE_BY_OPERATOR'), rec(0, 'TASK_LOST', { reason: 'REASON_AGENT_REMOVED' })]) {
    const d = decidePod(b('Always'), [lost], ctx());
    assert.equal((d.actions[0] as { reason: string }).reason, 'NodeLost');
    assert.equal(d.launch, undefined);
  }
  // TASK_UNKNOWN after reconciliation: the task is gone; the pod is handled like any ended attempt.
  assert.equal(decidePod(b('Always'), [rec(0, 'TASK_UNKNOWN', { reason: 'REASON_RECONCILIATION' })], ctx()).launch!.attempt, 1);
});

test('bound pod without records: ours (annotated) is relaunched or failed per policy; anyone else’s is left alone', () => {
  const annotated = { 'k8s.mesosphere.io/taskId': taskIdFor(UID, 2) };
  assert.deepEqual(decidePod(pod({ nodeName: 'node-1', annotations: annotated }), [], ctx()).launch, { attempt: 3, hostname: 'node-1', notBefore: 0, restart: true });
  assert.equal((decidePod(pod({ nodeName: 'node-1', annotations: annotated, restartPolicy: 'Never' }), [], ctx()).actions[0] as { phase: string }).phase, 'Failed');
  const foreign = decidePod(pod({ nodeName: 'node-1' }), [], ctx());
  assert.equal(foreign.state, 'foreign');
  assert.deepEqual(foreign.actions, []);
  assert.equal(foreign.launch, undefined);
});

test('a pod being deleted: its tasks are killed with the deletion grace for the executor (none for a gone pod)', () => {
  const running = rec(0, 'TASK_RUNNING');
  const deleting = (grace?: number): PodLike => {
    const p = pod({ nodeName: 'node-1', deleting: true });
    return { ...p, metadata: { ...p.metadata!, ...(grace !== undefined ? { deletionGracePeriodSeconds: grace } : {}) } };
  };
  assert.deepEqual(decidePod(deleting(120), [running], ctx()).actions, [{ kind: 'kill', taskId: running.id, agentId: 'S1', reason: 'the pod is being deleted', gracePeriodSeconds: 120 }]);
  assert.deepEqual(decidePod(deleting(0), [running], ctx()).actions, [{ kind: 'kill', taskId: running.id, agentId: 'S1', reason: 'the pod is being deleted' }], 'grace 0: kill at once');
  assert.deepEqual(decidePod(undefined, [running], ctx()).actions, [{ kind: 'kill', taskId: running.id, agentId: 'S1', reason: 'the pod no longer exists' }]);
});

test('an unbound pod whose task is on an unreachable agent is launched anew after the timeout; the old attempt is then killed as superseded', () => {
  const lost = rec(0, 'TASK_UNREACHABLE', { reason: 'REASON_AGENT_REMOVED' }); // unreachable since T0 + 100
  const since = Date.parse(lost.updatedAt);
  const waiting = decidePod(pod(), [lost], ctx({ now: since + DEFAULT_UNREACHABLE_TIMEOUT_MS - 1 }));
  assert.equal(waiting.state, 'unreachable');
  assert.equal(waiting.recheckAt, since + DEFAULT_UNREACHABLE_TIMEOUT_MS, 'looked at again when the timeout ends');
  assert.equal(waiting.launch, undefined);
  const gaveUp = decidePod(pod(), [lost], ctx({ now: since + DEFAULT_UNREACHABLE_TIMEOUT_MS }));
  assert.equal(gaveUp.state, 'backoff');
  assert.deepEqual(gaveUp.launch, { attempt: 1, notBefore: 0, restart: false });
  const relaunched = decidePod(pod(), [lost, rec(1, 'TASK_INTENT')], ctx({ now: since + DEFAULT_UNREACHABLE_TIMEOUT_MS + 10 }));
  assert.deepEqual(relaunched.actions.filter((a) => a.kind === 'kill').map((a) => (a as { taskId: string }).taskId), [lost.id], 'the unreachable attempt is superseded');
  // A configurable timeout; a bound pod is left to its node (never relaunched elsewhere).
  assert.equal(decidePod(pod(), [lost], { ...ctx({ now: since + 1000 }), unreachableTimeoutMs: 1000 }).state, 'backoff');
  assert.equal(decidePod(pod({ nodeName: 'node-1' }), [lost], ctx({ now: since + 10 * DEFAULT_UNREACHABLE_TIMEOUT_MS })).state, 'unreachable');
});
