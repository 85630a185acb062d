// Which task registry records the leader may delete. Pure.
//
// Without this the registry only grows: every launch attempt leaves a record, so deleted pods, finished pods and
// crash-looping pods (one record per restart) pile up in etcd (2 GB quota by default), in every standby's mirror
// and in each takeover's load. A record goes once nothing can need it any more:
// - it is over: a terminal state, or TASK_UNKNOWN (Mesos knows neither the task nor its agent). A live record —
//   INTENT, STAGING, STARTING, RUNNING, KILLING, UNREACHABLE — stays whatever its age: it is what makes a launch
//   exactly-once and what gets a returning task killed;
// - its ACCEPT is not in flight;
// - it was last updated at least `retentionMs` ago (updates re-delivered after that find no record: a terminal one
//   is acknowledged and ignored, a live one is killed as unknown — both right for a task that long over);
// - and its pod no longer needs it: the pod is gone, or finished (Succeeded/Failed: decidePod only kills its live
//   tasks), or the record is not among the pod's newest `keepPerPod` ended attempts. Those (and the live ones) are
//   all decidePod reads — the attempt counter, the restart back-off and the launch-failure limit — so pruning never
//   changes a decision (keepPerPodFor) while a pod that crash-loops for months keeps a bounded history.
// - A record that names no pod (written by something else than the pod scheduler) goes on age alone.
// - On an agent where no live record is left, its newest launch (newestLaunch: the record a leader reads our
//   executor's role and resources from) stays whatever its pod: an executor outlives its tasks, and Mesos refuses
//   a launch whose ExecutorInfo — allocation role and resources included — differs from the running one's. At most
//   one per agent, and not forever: it goes `agentKeepMs` after its last update (the k8sm executor ends itself
//   20 min after its last task), so agents that are gone leave nothing behind.
import { isActiveState, type BackoffPolicy } from './pod-decision.js';
import type { PodTaskRecord } from './task-info.js';
import { parseTaskId } from './task-id.js';

export type PodPresence = 'present' | 'finished' | 'absent';

export interface RetentionInput {
  records: Iterable<PodTaskRecord>;
  /** Where the pod of this uid stands in the (synced) pod cache. */
  podPresence(uid: string): PodPresence;
  inflight: ReadonlySet<string>;
  now: number;
  retentionMs: number;
  keepPerPod: number;
  /** How long an agent's newest ended launch is kept after its last update; at least `retentionMs` (default 24 h). */
  agentKeepMs?: number;
}

/** Default agentKeepMs. */
export const AGENT_KEEP_MS = 24 * 3_600_000;

function createdMs(r: Pick<PodTaskRecord, 'createdAt'>): number {
  const t = Date.parse(r.createdAt);
  return Number.isFinite(t) ? t : 0;
}

/** Of two records on one agent, the later launch (creation; then the id, so every reader picks the same one). */
export function laterLaunch<R extends Pick<PodTaskRecord, 'createdAt' | 'id'>>(a: R | undefined, b: R): R {
  if (!a) return b;
  const ca = createdMs(a);
  const cb = createdMs(b);
  return cb > ca || (cb === ca && b.id > a.id) ? b : a;
}

/** The newest attempts of a live pod that decidePod can read: the launch-failure limit counts ended attempts up to
 * `maxLaunchFailures`, and the back-off counts consecutive short runs until the delay reaches its cap. One more
 * for the attempt counter's base. */
export function keepPerPodFor(p: BackoffPolicy): number {
  const toCap = Math.ceil(Math.log2(Math.max(1, p.maxMs / Math.max(1, p.initialMs)))) + 1;
  return Math.max(p.maxLaunchFailures, toCap) + 1;
}

function updatedMs(r: PodTaskRecord): number {
  const t = Date.parse(r.updatedAt);
  return Number.isFinite(t) ? t : 0;
}

/** Task ids of the records that can be deleted, oldest first. */
export function prunableRecords(inp: RetentionInput): string[] {
  const byPod = new Map<string, PodTaskRecord[]>();
  const out: PodTaskRecord[] = [];
  const newestOnAgent = new Map<string, PodTaskRecord>();
  const all = [...inp.records];
  const liveOnAgent = new Set<string>();
  for (const r of all) if (r.agentId && isActiveState(r.state)) liveOnAgent.add(r.agentId);
  for (const r of all) {
    if (!r.agentId || liveOnAgent.has(r.agentId)) continue;
    newestOnAgent.set(r.agentId, laterLaunch(newestOnAgent.get(r.agentId), r));
  }
  const agentKeepMs = Math.max(inp.retentionMs, inp.agentKeepMs ?? AGENT_KEEP_MS);
  const expired = (r: PodTaskRecord) => {
    if (isActiveState(r.state) || inp.inflight.has(r.id)) return false;
    const age = inp.now - updatedMs(r);
    if (age < inp.retentionMs) return false;
    return !(r.agentId && newestOnAgent.get(r.agentId) === r && age < agentKeepMs);
  };
  for (const r of all) {
    const uid = r.pod?.uid ?? parseTaskId(r.id)?.uid;
    if (uid === undefined) {
      if (expired(r)) out.push(r);
      continue;
    }
    let list = byPod.get(uid);
    if (!list) byPod.set(uid, (list = []));
    list.push(r);
  }
  for (const [uid, list] of byPod) {
    const presence = inp.podPresence(uid);
    if (presence !== 'present') {
      for (const r of list) if (expired(r)) out.push(r);
      continue;
    }
    // The newest `keepPerPod` ended attempts stay; live ones are never pruned anyway.
    const ended = list.filter((r) => !isActiveState(r.state));
    if (ended.length <= inp.keepPerPod) continue;
    ended.sort((a, b) => (b.attempt ?? 0) - (a.attempt ?? 0));
    for (const r of ended.slice(inp.keepPerPod)) if (expired(r)) out.push(r);
  }
  return out.sort((a, b) => updatedMs(a) - updatedMs(b)).map((r) => r.id);
}
