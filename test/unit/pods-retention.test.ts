// Which registry records the leader may delete (src/scheduler/pods/retention.ts), and the property that makes it
// safe: for a pod that still exists, deleting them never changes what decidePod decides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decidePod, DEFAULT_BACKOFF, type BackoffPolicy } from '../../src/scheduler/pods/pod-decision.js';
import type { PodLike } from '../../src/scheduler/pods/pod-model.js';
import { keepPerPodFor, prunableRecords, type PodPresence } from '../../src/scheduler/pods/retention.js';
import type { PodTaskRecord } from '../../src/scheduler/pods/task-info.js';
import { taskIdFor } from '../../src/scheduler/pods/task-id.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function rec(uid: string, attempt: number, state: PodTaskRecord['state'], updated: number, created = updated - 100): PodTaskRecord {
  return {
    id: taskIdFor(uid, attempt),
    agentId: 'S1',
    hostname: 'node-1',
    state,
    pod: { namespace: 'ns', name: uid, uid },
    attempt,
    createdAt: iso(created),
    updatedAt: iso(updated),
  };
}

function prune(records: PodTaskRecord[], presence: Record<string, PodPresence>, o: { now?: number; inflight?: string[]; keepPerPod?: number; retentionMs?: number } = {}): string[] {
  return prunableRecords({
    records,
    podPresence: (uid) => presence[uid] ?? 'absent',
    inflight: new Set(o.inflight ?? []),
    now: o.now ?? T0 + 2 * HOUR,
    retentionMs: o.retentionMs ?? HOUR,
    keepPerPod: o.keepPerPod ?? 3,
  });
}

test('a gone pod’s ended records go once they are older than the retention; live, in-flight and recent ones stay', () => {
  const old = T0;
  const recent = T0 + 2 * HOUR - 60_000;
  const records = [
    rec('gone', 0, 'TASK_FAILED', old),
    rec('gone', 1, 'TASK_KILLED', old + 1),
    rec('gone', 2, 'TASK_UNKNOWN', old + 2), // Mesos knows neither task nor agent: nothing left to ask about
    rec('gone2', 0, 'TASK_RUNNING', old), // live: killed by decidePod, kept until it ends
    rec('gone3', 0, 'TASK_UNREACHABLE', old), // its agent may come back: the record gets the task killed then
    rec('gone4', 0, 'TASK_INTENT', old),
    rec('gone5', 0, 'TASK_FINISHED', recent),
    rec('gone6', 0, 'TASK_LOST', old),
  ];
  assert.deepEqual(prune(records, { gone2: 'present' }, { inflight: [taskIdFor('gone6', 0)] }), [taskIdFor('gone', 0), taskIdFor('gone', 1), taskIdFor('gone', 2)]);
  assert.deepEqual(prune(records, {}, { now: T0 + HOUR - 1 }), [], 'nothing is older than the retention yet');
});

test('a finished pod (Succeeded/Failed) keeps no ended record past the retention; a present one keeps its newest ones', () => {
  const finished = [0, 1, 2, 3, 4].map((a) => rec('done', a, 'TASK_FAILED', T0 + a));
  const running = rec('other', 0, 'TASK_RUNNING', T0); // on the same agent: no ended record is kept for the agent's sake
  assert.deepEqual(prune([...finished, running], { done: 'finished', other: 'present' }), finished.map((r) => r.id));
  const present = [0, 1, 2, 3, 4].map((a) => rec('live', a, 'TASK_FAILED', T0 + a));
  assert.deepEqual(prune(present, { live: 'present' }, { keepPerPod: 3 }), [taskIdFor('live', 0), taskIdFor('live', 1)], 'the 3 newest attempts stay');
  // A live newest attempt does not count towards the ended ones kept.
  const withLive = [...present, rec('live', 5, 'TASK_RUNNING', T0 + 5)];
  assert.deepEqual(prune(withLive, { live: 'present' }, { keepPerPod: 3 }), [taskIdFor('live', 0), taskIdFor('live', 1)]);
  // Attempts order the history, not the ids' text (attempt 10 sorts before 9 as a string).
  const many = Array.from({ length: 12 }, (_, a) => rec('cl', a, 'TASK_FAILED', T0 + a));
  assert.deepEqual(prune(many, { cl: 'present' }, { keepPerPod: 3 }), many.slice(0, 9).map((r) => r.id));
});

test('on an agent without a live record the newest ended one stays: it tells the next leader which role our executor there serves', () => {
  const on = (r: PodTaskRecord, agentId: string) => ({ ...r, agentId });
  const records = [on(rec('gone', 0, 'TASK_KILLED', T0), 'S1'), on(rec('gone', 1, 'TASK_KILLED', T0 + 5), 'S2'), on(rec('gone2', 0, 'TASK_FINISHED', T0 + 1), 'S1')];
  // S1: gone2's record is newer than gone's attempt 0; S2: gone's attempt 1 is the only one.
  assert.deepEqual(prune(records, {}), [taskIdFor('gone', 0)]);
  // Not forever: a day after its last update (by default) it goes too — the agent's executor has long ended itself.
  assert.deepEqual(prune(records, {}, { now: T0 + 25 * HOUR }), [taskIdFor('gone', 0), taskIdFor('gone2', 0), taskIdFor('gone', 1)]);
  assert.deepEqual(prunableRecords({ records, podPresence: () => 'absent', inflight: new Set(), now: T0 + 3 * HOUR, retentionMs: HOUR, keepPerPod: 3, agentKeepMs: 2 * HOUR }).length, 3);
  // The newest launch is by creation, whatever was updated last.
  const lateUpdate = on({ ...rec('gone', 0, 'TASK_KILLED', T0 + 10), createdAt: iso(T0 - 1000) }, 'S1');
  assert.deepEqual(prune([lateUpdate, on(rec('gone2', 0, 'TASK_FINISHED', T0 + 1), 'S1')], {}), [taskIdFor('gone', 0)]);
  // A live record on the agent says it already.
  assert.deepEqual(prune([...records, on(rec('live', 0, 'TASK_RUNNING', T0), 'S1'), on(rec('live2', 0, 'TASK_RUNNING', T0), 'S2')], { live: 'present', live2: 'present' }), [taskIdFor('gone', 0), taskIdFor('gone2', 0), taskIdFor('gone', 1)]);
});

test('a record that names no pod goes on age alone', () => {
  const other: PodTaskRecord = { id: 'batch-job-7', state: 'TASK_FINISHED', createdAt: iso(T0), updatedAt: iso(T0) };
  const live: PodTaskRecord = { id: 'batch-job-8', state: 'TASK_RUNNING', createdAt: iso(T0), updatedAt: iso(T0) };
  assert.deepEqual(prune([other, live], {}), ['batch-job-7']);
});

test('keepPerPodFor covers the launch-failure limit and the back-off up to its cap', () => {
  assert.equal(keepPerPodFor(DEFAULT_BACKOFF), 11); // 10 launch failures; 1 s doubling reaches 60 s at the 7th
  assert.equal(keepPerPodFor({ ...DEFAULT_BACKOFF, maxLaunchFailures: 2, initialMs: 1, maxMs: 1024 }), 12);
});

// A small deterministic PRNG: the property runs the same cases every time.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('pruning never changes what decidePod decides for a pod that still exists (2,000 random histories)', () => {
  const states: PodTaskRecord['state'][] = ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_UNKNOWN', 'TASK_RUNNING', 'TASK_STAGING', 'TASK_KILLING', 'TASK_UNREACHABLE'];
  const policies: BackoffPolicy[] = [DEFAULT_BACKOFF, { initialMs: 500, maxMs: 8000, resetAfterMs: 30_000, maxLaunchFailures: 3 }];
  const next = rng(42);
  let pruned = 0;
  for (let i = 0; i < 2000; i++) {
    const policy = policies[i % policies.length]!;
    const n = 1 + Math.floor(next() * 30);
    let t = T0;
    const records: PodTaskRecord[] = [];
    for (let a = 0; a < n; a++) {
      // Mostly ended attempts (a crash loop), now and then a live one left behind; short or long runs.
      const live = next() < 0.1;
      const state = live ? states[8 + Math.floor(next() * 4)]! : states[Math.floor(next() * 8)]!;
      const ran = next() < 0.2 ? policy.resetAfterMs + 1 : Math.floor(next() * 1000);
      const r = rec('p', a, state, t + ran, t);
      if (next() < 0.1) r.reason = 'REASON_TASK_KILLED_DURING_LAUNCH';
      records.push(r);
      t += ran + Math.floor(next() * 120_000);
    }
    const now = t + Math.floor(next() * 3 * HOUR);
    const pod: PodLike = {
      metadata: { name: 'p', namespace: 'ns', uid: 'p' },
      spec: { schedulerName: 'fw', ...(next() < 0.5 ? { nodeName: 'node-1' } : {}), restartPolicy: ['Always', 'OnFailure', 'Never'][Math.floor(next() * 3)]!, containers: [{ name: 'c' }] },
      status: { phase: 'Pending' },
    };
    const gone = new Set(prunableRecords({ records, podPresence: () => 'present', inflight: new Set(), now, retentionMs: 0, keepPerPod: keepPerPodFor(policy) }));
    pruned += gone.size;
    const kept = records.filter((r) => !gone.has(r.id));
    const c = { now, inflight: new Set<string>(), backoff: policy };
    assert.deepEqual(decidePod(pod, kept, c), decidePod(pod, records, c), `history ${i}: ${records.map((r) => `${r.attempt}:${r.state}`).join(' ')}`);
  }
  assert.ok(pruned > 5000, `the property exercised pruning (${pruned} records pruned)`);
});
