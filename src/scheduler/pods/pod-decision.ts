// What to do about one pod, given the pod (or its absence) and every registry record of its tasks. Pure and
// level-triggered: the same inputs always give the same answer, so the leader can re-run it after any event, after
// a failover, or after a failed write, and converge.
//
// Rules:
// - At most one live launch per pod: the newest attempt governs; live older attempts are killed.
// - A pod that is gone (deleted, or replaced by a pod with another uid), being deleted, or finished: its live
//   tasks are killed (a pod being deleted: with its deletion grace period as the KILL's kill_policy, so the
//   executor gives the containers the time a kubelet would). A bound pod being deleted is removed (grace 0, uid precondition) once no task of it is live
//   — the scheduler's executor is the pod's kubelet, and on a real API server a bound pod stays until its kubelet
//   confirms.
// - RUNNING → the pod is bound (Binding, carrying the k8sm annotations) to the node named after the agent's
//   hostname.
// - The newest attempt ended (or Mesos does not know it: TASK_UNKNOWN) → per restartPolicy, as the kubelet would:
//     unbound pod (it never reached RUNNING in our view): a launch that never happened (DROPPED, GONE, LOST,
//       UNKNOWN, ERROR, killed during launch) is retried whatever the policy; FINISHED → Succeeded unless Always;
//       FAILED/KILLED → Failed with Never, else retried. When the newest `maxLaunchFailures` attempts all failed on
//       their own (FAILED, KILLED, ERROR — not a launch Mesos lost or dropped) → Failed (LaunchFailed).
//     bound pod: restarted on its node (a new attempt: a new task id) unless the policy says it is done; an agent
//       removed from the cluster cannot restart it → Failed (NodeLost).
//   Retries back off exponentially (k8sm's pod back-off: 1 s doubling to 60 s), reset after a long run.
// - An unbound pod whose task is on an unreachable agent (TASK_UNREACHABLE) is launched anew after
//   DEFAULT_UNREACHABLE_TIMEOUT_MS (Kubernetes' eviction of an unreachable node's pods); the old attempt is killed
//   as superseded.
// - A task whose ACCEPT is in flight is never killed or superseded (the ACCEPT may still create it).
import { retryDelayMs, type RetryPolicy } from '../../util/backoff.js';
import { isTerminalState, type TaskState } from '../../mesos/types.js';
import { isLive } from '../task-record.js';
import {
  ANN_BINDING_HOST,
  ANN_EXECUTOR_ID,
  ANN_OFFER_ID,
  ANN_SLAVE_ID,
  ANN_TASK_ID,
  isDeleting,
  isTerminalPhase,
  restartPolicyOf,
  type PodLike,
} from './pod-model.js';
import { parseTaskId } from './task-id.js';
import type { PodTaskRecord } from './task-info.js';

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** A task that ran this long resets the back-off (the kubelet's 10 min). */
  resetAfterMs: number;
  /** Consecutive attempts of an unbound pod that never ran before it is marked Failed. */
  maxLaunchFailures: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 60_000, resetAfterMs: 600_000, maxLaunchFailures: 10 };

/** A launch younger than this is not annotated yet: most reach RUNNING sooner, and then the Binding carries the
 * annotations in the same write. Only a slow launch (an executor still fetching, a lost offer) costs a PATCH. The
 * registry's write-ahead intent, not the annotation, is what makes launches exactly-once. */
export const DEFAULT_ANNOTATE_AFTER_MS = 5000;
/** How long an unbound pod waits for its task on an unreachable agent before it is launched anew: Kubernetes'
 * default toleration of an unreachable node (300 s) before its pods are evicted. */
export const DEFAULT_UNREACHABLE_TIMEOUT_MS = 300_000;

export type PodAction =
  /** `gracePeriodSeconds`: the pod's deletion grace, for the executor (KILL kill_policy.grace_period). */
  | { kind: 'kill'; taskId: string; agentId?: string; reason: string; gracePeriodSeconds?: number }
  | { kind: 'bind'; host: string; annotations: Record<string, string> }
  | { kind: 'annotate'; annotations: Record<string, string> }
  | { kind: 'set-status'; phase: 'Failed' | 'Succeeded'; reason: string; message: string }
  | { kind: 'finish-delete' };

export interface LaunchNeed {
  attempt: number;
  /** Only on the agent with this hostname (a bound pod restarting on its node). */
  hostname?: string;
  /** Not before this time (ms since the epoch): back-off; 0 = at once. A pure function of the records, so the
   * same pod judged twice gives the same value. */
  notBefore: number;
  /** A restart of a pod that already ran (vs. its first launch or a retry of a launch that never happened). */
  restart: boolean;
}

export type PodState = 'pending' | 'launching' | 'running' | 'unreachable' | 'backoff' | 'finished' | 'deleting' | 'orphaned' | 'foreign' | 'conflict';

export interface PodDecision {
  state: PodState;
  actions: PodAction[];
  launch?: LaunchNeed;
  /** Judge the pod again at this time (ms since the epoch) even if nothing changes: a deferred annotation. */
  recheckAt?: number;
  note?: string;
}

export interface DecisionContext {
  now: number;
  /** Task ids whose ACCEPT is in flight. */
  inflight: ReadonlySet<string>;
  backoff?: BackoffPolicy;
  /** Default DEFAULT_ANNOTATE_AFTER_MS. */
  annotateAfterMs?: number;
  /** Default DEFAULT_UNREACHABLE_TIMEOUT_MS. */
  unreachableTimeoutMs?: number;
}

/** A launch not yet RUNNING: its intent is written, Mesos may be staging or starting it. */
export const LAUNCH_STATES: ReadonlySet<string> = new Set(['TASK_INTENT', 'TASK_STAGING', 'TASK_STARTING']);

/** TASK_UNKNOWN: the master knows neither the task nor (since we always name it) its agent. It stays "live" in
 * the registry so reconciliation keeps asking, but nothing runs that we could wait for. */
function isActive(r: PodTaskRecord): boolean {
  return isLive(r) && r.state !== 'TASK_UNKNOWN';
}

/** Annotations naming the task a pod runs (k8sm's names). */
export function taskAnnotations(r: PodTaskRecord, bindingHost?: string): Record<string, string> {
  const a: Record<string, string> = { [ANN_TASK_ID]: r.id };
  if (r.agentId) a[ANN_SLAVE_ID] = r.agentId;
  if (r.executorId) a[ANN_EXECUTOR_ID] = r.executorId;
  if (r.offerIds?.length) a[ANN_OFFER_ID] = r.offerIds.join(',');
  if (bindingHost) a[ANN_BINDING_HOST] = bindingHost;
  return a;
}

function missingAnnotations(pod: PodLike, want: Record<string, string>): Record<string, string> | undefined {
  const have = pod.metadata?.annotations ?? {};
  const diff: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of Object.entries(want)) {
    if (have[k] !== v) {
      diff[k] = v;
      n++;
    }
  }
  return n ? diff : undefined;
}

/** The attempt named by the pod's taskId annotation, when it is one of this pod's task ids. */
export function annotatedAttempt(pod: PodLike): number | undefined {
  const id = pod.metadata?.annotations?.[ANN_TASK_ID];
  const p = id ? parseTaskId(id) : undefined;
  return p && p.uid === pod.metadata?.uid ? p.attempt : undefined;
}

type Outcome = 'finished' | 'failed' | 'not-launched' | 'agent-removed';

export function outcomeOf(r: Pick<PodTaskRecord, 'state' | 'reason'>): Outcome {
  const s = r.state as TaskState;
  if (r.reason === 'REASON_AGENT_REMOVED' || r.reason === 'REASON_AGENT_REMOVED_BY_OPERATOR' || s === 'TASK_GONE_BY_OPERATOR') return 'agent-removed';
  switch (s) {
    case 'TASK_FINISHED':
      return 'finished';
    case 'TASK_FAILED':
      return 'failed';
    case 'TASK_KILLED':
      return r.reason === 'REASON_TASK_KILLED_DURING_LAUNCH' ? 'not-launched' : 'failed';
    default:
      // DROPPED, GONE, LOST, ERROR, UNKNOWN (and an INTENT the master never saw).
      return 'not-launched';
  }
}

/** An attempt that ended because of the pod (its task failed, or Mesos refused it as invalid), not because of the
 * cluster (offers gone, a master or agent that lost it, killed while launching). */
function failedOnItsOwn(r: Pick<PodTaskRecord, 'state' | 'reason'>): boolean {
  return outcomeOf(r) === 'failed' || r.state === 'TASK_ERROR';
}

function ranMs(r: PodTaskRecord): number {
  const a = Date.parse(r.createdAt);
  const b = Date.parse(r.updatedAt);
  return Number.isFinite(a) && Number.isFinite(b) ? b - a : 0;
}

function backoffFrom(records: PodTaskRecord[], cur: PodTaskRecord, p: BackoffPolicy): number {
  // Consecutive short-lived attempts, newest first.
  let k = 0;
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i]!;
    if (isActive(r)) continue;
    if (ranMs(r) >= p.resetAfterMs) break;
    k++;
  }
  const delay = Math.min(p.maxMs, p.initialMs * 2 ** Math.max(0, k - 1));
  const at = Date.parse(cur.updatedAt);
  return (Number.isFinite(at) ? at : 0) + delay;
}

function describe(r: PodTaskRecord): string {
  const where = r.hostname ? ` on ${r.hostname}` : r.agentId ? ` on agent ${r.agentId}` : '';
  return `Mesos task ${r.id} ended ${r.state}${r.reason ? ` (${r.reason})` : ''}${where}${r.message ? `: ${r.message}` : ''}`;
}

export function decidePod(pod: PodLike | undefined, recordsIn: readonly PodTaskRecord[], ctx: DecisionContext): PodDecision {
  const policy = ctx.backoff ?? DEFAULT_BACKOFF;
  const records = [...recordsIn].sort((a, b) => (a.attempt ?? 0) - (b.attempt ?? 0));
  const actions: PodAction[] = [];
  const killAll = (reason: string, except?: PodTaskRecord, gracePeriodSeconds?: number) => {
    for (const r of records) if (r !== except && isActive(r) && !ctx.inflight.has(r.id)) actions.push({ kind: 'kill', taskId: r.id, ...(r.agentId ? { agentId: r.agentId } : {}), reason, ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}) });
  };
  const anyInflight = records.some((r) => ctx.inflight.has(r.id));

  if (!pod) {
    killAll('the pod no longer exists');
    return { state: 'orphaned', actions };
  }
  if (isDeleting(pod)) {
    // The grace the deletion gives the pod's containers (a kubelet's SIGTERM → SIGKILL window) goes to the executor.
    const grace = pod.metadata?.deletionGracePeriodSeconds;
    killAll('the pod is being deleted', undefined, typeof grace === 'number' && grace > 0 ? grace : undefined);
    if (!actions.length && !anyInflight && !records.some(isActive) && pod.spec?.nodeName) actions.push({ kind: 'finish-delete' });
    return { state: 'deleting', actions };
  }
  if (isTerminalPhase(pod)) {
    killAll(`the pod is ${pod.status?.phase}`);
    return { state: 'finished', actions };
  }

  const bound = pod.spec?.nodeName;
  const policyName = restartPolicyOf(pod);
  const cur = records[records.length - 1];
  const annAttempt = annotatedAttempt(pod);
  const nextAttempt = Math.max(cur ? (cur.attempt ?? records.length - 1) + 1 : 0, annAttempt !== undefined ? annAttempt + 1 : 0);

  if (!cur) {
    if (bound) {
      // Bound without any record: someone else's pod, unless our annotations say we launched it (and the registry
      // has forgotten the task, which a strict registry treats as gone).
      if (annAttempt === undefined) return { state: 'foreign', actions, note: `bound to ${bound} by someone else` };
      if (policyName === 'Never') {
        actions.push({ kind: 'set-status', phase: 'Failed', reason: 'TASK_LOST', message: `Mesos task ${pod.metadata?.annotations?.[ANN_TASK_ID]} is unknown to the task registry` });
        return { state: 'finished', actions };
      }
      return { state: 'backoff', actions, launch: { attempt: nextAttempt, hostname: bound, notBefore: 0, restart: true } };
    }
    return { state: 'pending', actions, launch: { attempt: nextAttempt, notBefore: 0, restart: false } };
  }

  // Older live attempts: at most one live launch per pod.
  killAll(`superseded by attempt ${cur.attempt ?? '?'}`, cur);

  if (isActive(cur)) {
    if (cur.state === 'TASK_RUNNING') {
      if (!bound) {
        if (!cur.hostname) return { state: 'running', actions, note: `task ${cur.id} runs but its record has no hostname to bind to` };
        actions.push({ kind: 'bind', host: cur.hostname, annotations: taskAnnotations(cur, cur.hostname) });
        return { state: 'running', actions };
      }
      if (cur.hostname && bound !== cur.hostname) {
        if (!ctx.inflight.has(cur.id)) actions.push({ kind: 'kill', taskId: cur.id, ...(cur.agentId ? { agentId: cur.agentId } : {}), reason: `the pod is bound to ${bound}, not to ${cur.hostname}` });
        return { state: 'conflict', actions, note: `pod bound to ${bound} while its task runs on ${cur.hostname}` };
      }
      const miss = missingAnnotations(pod, taskAnnotations(cur, bound));
      if (miss) actions.push({ kind: 'annotate', annotations: miss });
      return { state: 'running', actions };
    }
    if (cur.state === 'TASK_UNREACHABLE' && !bound) {
      // Its agent is partitioned before the pod was bound: nothing binds or fails the pod (a partition-aware
      // framework hears nothing more until the agent returns, and the master may forget the agent without a word).
      // After the timeout it is launched anew; the unreachable attempt is then an older live one, killed as
      // superseded (the master keeps the KILL for the agent's return).
      const due = Date.parse(cur.updatedAt) + (ctx.unreachableTimeoutMs ?? DEFAULT_UNREACHABLE_TIMEOUT_MS);
      if (!(ctx.now >= due)) return { state: 'unreachable', actions, ...(Number.isFinite(due) ? { recheckAt: due } : {}), note: `task ${cur.id} is on an unreachable agent; launched anew if it is not back by ${new Date(due).toISOString()}` };
      return { state: 'backoff', actions, launch: { attempt: nextAttempt, notBefore: 0, restart: false }, note: `task ${cur.id} has been on an unreachable agent since ${cur.updatedAt}: launching anew` };
    }
    const state = cur.state === 'TASK_UNREACHABLE' ? 'unreachable' : 'launching';
    const miss = missingAnnotations(pod, taskAnnotations(cur, bound));
    if (miss) {
      const due = LAUNCH_STATES.has(cur.state) ? Date.parse(cur.createdAt) + (ctx.annotateAfterMs ?? DEFAULT_ANNOTATE_AFTER_MS) : -Infinity;
      if (Number.isFinite(due) && due > ctx.now) return { state, actions, recheckAt: due };
      actions.push({ kind: 'annotate', annotations: miss });
    }
    return { state, actions };
  }
  if (anyInflight) return { state: 'launching', actions };

  // The newest attempt is over.
  const outcome = outcomeOf(cur);
  const notBefore = backoffFrom(records, cur, policy);
  if (!bound) {
    if (outcome === 'finished') {
      if (policyName === 'Always') return { state: 'backoff', actions, launch: { attempt: nextAttempt, notBefore, restart: true } };
      actions.push({ kind: 'set-status', phase: 'Succeeded', reason: cur.state, message: describe(cur) });
      return { state: 'finished', actions };
    }
    if (outcome === 'failed' && policyName === 'Never') {
      actions.push({ kind: 'set-status', phase: 'Failed', reason: cur.reason ?? cur.state, message: describe(cur) });
      return { state: 'finished', actions };
    }
    // Failed only when the pod itself keeps failing to start: its newest `maxLaunchFailures` attempts all ended in
    // a failure of its own (the task failed or was refused as invalid). A launch Mesos never carried out — offers
    // rescinded (DROPPED), an ACCEPT lost to a master failover (GONE/LOST/UNKNOWN on reconciliation) — says nothing
    // about the pod: retried with back-off like any other, for as long as the trouble lasts. (The newest ones
    // only: the registry's retention keeps more than that per pod, so pruning never changes this decision.)
    const ended = records.filter((r) => !isActive(r)).sort((a, b) => (b.attempt ?? 0) - (a.attempt ?? 0));
    const recent = ended.slice(0, policy.maxLaunchFailures);
    if (recent.length >= policy.maxLaunchFailures && recent.every(failedOnItsOwn)) {
      actions.push({ kind: 'set-status', phase: 'Failed', reason: 'LaunchFailed', message: `the last ${recent.length} launch attempts failed; the last: ${describe(cur)}` });
      return { state: 'finished', actions };
    }
    return { state: 'backoff', actions, launch: { attempt: nextAttempt, notBefore, restart: false } };
  }
  if (outcome === 'agent-removed') {
    actions.push({ kind: 'set-status', phase: 'Failed', reason: 'NodeLost', message: `${describe(cur)}; the agent was removed, so the pod cannot restart on ${bound}` });
    return { state: 'finished', actions };
  }
  if (outcome === 'finished' && policyName !== 'Always') {
    actions.push({ kind: 'set-status', phase: 'Succeeded', reason: cur.state, message: describe(cur) });
    return { state: 'finished', actions };
  }
  if (outcome !== 'finished' && policyName === 'Never') {
    actions.push({ kind: 'set-status', phase: 'Failed', reason: cur.reason ?? cur.state, message: describe(cur) });
    return { state: 'finished', actions };
  }
  return { state: 'backoff', actions, launch: { attempt: nextAttempt, hostname: bound, notBefore, restart: true } };
}

/** Whether a registry state means the task may still be (or become) running somewhere. */
export function isActiveState(state: PodTaskRecord['state']): boolean {
  return state === 'TASK_INTENT' || (!isTerminalState(state as TaskState) && state !== 'TASK_UNKNOWN');
}

// ---- what the API server says ------------------------------------------------------------------------------
// The pod cache can be stale while it claims to be synced (a watch silently dead, in back-off, or part-way through
// a relist): a pod missing from it may well exist. A KILL cannot be undone, so "absent from the cache" is only a
// reason to ask the API server; only its answer — no pod of that name, or one with another uid (uids are never
// reused) — allows the kill or the deletion of the pod's records.

export { retryDelayMs, type RetryPolicy } from '../../util/backoff.js';

/** Reads of a pod missing from the cache: 1 s doubling to 60 s while the API server cannot answer or the cache
 * still lags. */
export const ABSENCE_RETRY: RetryPolicy = { initialMs: 1000, maxMs: 60_000 };
/** A pod whose absence cannot be confirmed is warned about once per this long. */
export const ABSENCE_WARN_EVERY_MS = 300_000;

/** The answer of one live read of a pod by namespace/name: the pod (undefined: none of that name), or the error. */
export type LiveRead = { pod: PodLike | undefined } | { error: { code: number; reason: string; message: string; retryAfterSeconds?: number } };

export type LiveVerdict =
  /** No pod of that name, or one with another uid: the pod of this uid is gone for good. */
  | 'gone'
  /** The pod is there: the cache lags. */
  | 'exists'
  /** No answer (timeout, 429, 5xx…): nothing is known. */
  | 'unknown';

export function liveVerdict(uid: string, read: LiveRead): { verdict: LiveVerdict; why: string } {
  if ('error' in read) {
    const e = read.error;
    return { verdict: 'unknown', why: `reading the pod failed: ${e.code ? `${e.code} ${e.reason}: ` : `${e.reason}: `}${e.message}` };
  }
  const live = read.pod;
  if (!live) return { verdict: 'gone', why: 'the API server has no pod of that name' };
  if (live.metadata?.uid !== uid) return { verdict: 'gone', why: `the pod was replaced by another of the same name (uid ${live.metadata?.uid})` };
  return { verdict: 'exists', why: 'the pod exists on the API server; the pod cache lags' };
}

/** Where the confirmation of a pod's absence stands. */
export interface AbsenceCheck {
  /** Set once the API server confirmed the pod is gone (final: a uid never comes back). */
  gone?: string;
  /** A read is queued or in flight. */
  reading?: boolean;
  /** Reads in a row that could not confirm (failed, or found the pod). */
  failures: number;
  /** Not read again before this time (ms since the epoch). */
  nextAt: number;
  /** Why the last read did not confirm. */
  why?: string;
  /** When that was last logged at warn. */
  warnedAt?: number;
}

export type AbsenceGate =
  /** Confirmed gone: act on the absence (kill, prune). */
  | 'act'
  /** Ask the API server now. */
  | 'read'
  /** Unconfirmed and not due for a read (in flight, or backing off): nothing destructive for now. */
  | 'wait';

export function absenceGate(c: AbsenceCheck | undefined, now: number): AbsenceGate {
  if (c?.gone !== undefined) return 'act';
  if (c && (c.reading || now < c.nextAt)) return 'wait';
  return 'read';
}

/** The check after a live read; `warn`: log this outcome at warn (once per pod per ABSENCE_WARN_EVERY_MS). */
export function afterLiveRead(prev: AbsenceCheck | undefined, uid: string, read: LiveRead, now: number, p: RetryPolicy = ABSENCE_RETRY): { check: AbsenceCheck; verdict: LiveVerdict; warn: boolean } {
  const v = liveVerdict(uid, read);
  if (v.verdict === 'gone') return { check: { gone: v.why, failures: 0, nextAt: now }, verdict: v.verdict, warn: false };
  const failures = (prev?.failures ?? 0) + 1;
  const retryAfter = 'error' in read ? read.error.retryAfterSeconds : undefined;
  const warn = prev?.warnedAt === undefined || now - prev.warnedAt >= ABSENCE_WARN_EVERY_MS;
  const check: AbsenceCheck = { failures, nextAt: now + retryDelayMs(failures, p, retryAfter), why: v.why, ...(warn ? { warnedAt: now } : prev?.warnedAt !== undefined ? { warnedAt: prev.warnedAt } : {}) };
  return { check, verdict: v.verdict, warn };
}

/** After a Binding answered 409: the pod as read live once. Bound to the node we chose → the Binding did its job
 * (an earlier one landed: a lagging cache, a timed-out write that was committed); bound elsewhere → a conflict;
 * anything else (not bound, gone, replaced) → a failed write, retried with back-off while the cache catches up. */
export function judgeBindConflict(uid: string, host: string, live: PodLike | undefined): 'bound-here' | 'bound-elsewhere' | 'other' {
  if (!live || live.metadata?.uid !== uid) return 'other';
  const node = live.spec?.nodeName;
  if (!node) return 'other';
  return node === host ? 'bound-here' : 'bound-elsewhere';
}

/** A 409 on a Binding that says why: the pod is already bound. */
export function saysAlreadyAssigned(message: string): boolean {
  return /already assigned/i.test(message);
}

// ---- PodScheduled=False writes -----------------------------------------------------------------------------

/** Failed PodScheduled=False writes: 2 s doubling to 5 min (at least the server's Retry-After). */
export const UNSCHEDULABLE_RETRY: RetryPolicy = { initialMs: 2000, maxMs: 300_000 };

/** The PodScheduled=False message last written (or being written) for a pod. */
export interface UnschedulableNote {
  message: string;
  /** When it was written (or the write started). */
  at: number;
  /** Remembered while the pod exists (a pod that cannot become a demand at all). */
  keep?: boolean;
  inflight?: boolean;
  /** Failed writes in a row; the next is not before `retryAt`. */
  failures?: number;
  retryAt?: number;
}

/** Whether `message` should be written now: never while a write is in flight; after failures, once the back-off
 * has passed (whatever the message); else when the message changed, at most every `rewriteMs`. */
export function unschedulableWriteDue(last: UnschedulableNote | undefined, message: string, now: number, rewriteMs: number): boolean {
  if (!last) return true;
  if (last.inflight) return false;
  if (last.failures) return now >= (last.retryAt ?? 0);
  return last.message !== message && now - last.at >= rewriteMs;
}

/** The note after a write finished: a failure keeps the message with its back-off, instead of being forgotten and
 * sent again with the next round of offers. */
export function afterUnschedulableWrite(note: UnschedulableNote, result: { ok: true } | { ok: false; retryAfterSeconds?: number }, now: number, p: RetryPolicy = UNSCHEDULABLE_RETRY): UnschedulableNote {
  const { inflight: _i, failures: prevFailures, retryAt: _r, ...rest } = note;
  if (result.ok) return { ...rest, at: now };
  const failures = (prevFailures ?? 0) + 1;
  return { ...rest, failures, retryAt: now + retryDelayMs(failures, p, result.retryAfterSeconds) };
}
