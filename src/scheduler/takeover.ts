// Pure decisions a replica makes when it becomes leader, before it talks to Mesos.
import { diffHashInputs } from '../api/hash.js';
import type { ExecutorHashRecord } from '../api/leader-status.js';

export type HashDecision =
  | { ok: true; note?: string }
  | { ok: false; reason: 'ExecutorHashMismatch'; message: string };

/**
 * May a replica with executor-config hash `mine` lead, given the hash of the last leader that subscribed and the
 * hash the operator (or a human) sanctioned for the next leader? k8sm refused any change (fatal exit); we refuse
 * unintended drift (kubernetes-mesos#15) but let an intended change through once it is sanctioned, so a rolling
 * update that changes executor flags can complete.
 */
export function decideExecutorHash(mine: { hash: string; inputs: string[] }, stored: ExecutorHashRecord | undefined, desired: ExecutorHashRecord | undefined, keys: { executorHash: string; desiredExecutorHash: string }): HashDecision {
  if (!stored || stored.hash === mine.hash) return { ok: true };
  if (desired && desired.hash === mine.hash) {
    return { ok: true, note: `executor-config hash changes from ${stored.hash} to ${mine.hash} (sanctioned by ${desired.by ?? keys.desiredExecutorHash})` };
  }
  const diff = stored.inputs ? diffHashInputs(stored.inputs, mine.inputs) : undefined;
  const detail = diff ? ` Differences — last leader: [${diff.onlyA.join(', ') || 'none'}], this replica: [${diff.onlyB.join(', ') || 'none'}].` : '';
  return {
    ok: false,
    reason: 'ExecutorHashMismatch',
    message:
      `this replica's executor-config hash ${mine.hash} differs from ${stored.hash}, the hash of the last leader (term ${stored.term ?? '?'}); ` +
      `it would launch incompatible executors, so it refuses to lead.${detail} ` +
      `If the change is intended, sanction it: update the SchedulerHA (the operator does it), or ` +
      `etcdctl put ${keys.desiredExecutorHash} ${mine.hash}`,
  };
}

export type FrameworkIdDecision =
  | { action: 'resubscribe'; frameworkId: string }
  | { action: 'register-new' }
  | { action: 'refuse'; reason: 'FrameworkIdMissing'; message: string };

/**
 * Never become a new framework silently (Marathon's lesson, marathon#2224): with a stored id, re-subscribe with
 * it; without one, register only if the registry holds no live task (otherwise the id was lost, and a new
 * framework would orphan those tasks).
 */
export function decideFrameworkId(storedId: string | undefined, liveTasks: number, keys: { frameworkId: string; resetFramework: string }): FrameworkIdDecision {
  if (storedId) return { action: 'resubscribe', frameworkId: storedId };
  if (liveTasks === 0) return { action: 'register-new' };
  return {
    action: 'refuse',
    reason: 'FrameworkIdMissing',
    message: `no framework id is stored at ${keys.frameworkId} but the task registry holds ${liveTasks} live task(s); registering a new framework would orphan them. Restore the id (etcdctl put ${keys.frameworkId} <id>), or confirm a fresh start with etcdctl put ${keys.resetFramework} new`,
  };
}

/**
 * After Mesos answered "Framework has been removed" for `removedId`: may we register a new framework? Only when
 * the registry holds no live task, or when a human wrote the reset key naming that id — or "new", written after
 * the removal was reported (a "new" already in place may be a leftover from another episode: it never confirms a
 * removal nobody has seen).
 */
export function decideAfterRemoval(
  removedId: string,
  liveTasks: number,
  reset: { value: string | undefined; writtenAfterRemoval: boolean },
  keys: { resetFramework: string },
): { register: boolean; message: string } {
  const v = reset.value?.trim();
  if (v === removedId || (v === 'new' && reset.writtenAfterRemoval)) {
    return { register: true, message: `framework ${removedId} was removed by Mesos; ${keys.resetFramework}=${v} confirms registering a new framework` };
  }
  if (liveTasks === 0) return { register: true, message: `framework ${removedId} was removed by Mesos and no live task depends on it; registering a new framework` };
  return {
    register: false,
    message:
      `Mesos removed framework ${removedId} (its failover timeout expired or it was torn down): its ${liveTasks} task(s) were killed by Mesos. ` +
      `Not registering a new framework silently. After checking, confirm with: etcdctl put ${keys.resetFramework} ${removedId}`,
  };
}

/**
 * Does a failover request (the value put at <root>/failover-request) ask the leader of `term` to resign? Any put
 * does (`etcdctl put <root>/failover-request now`), except the operator's record naming another term in
 * `from.term`: it was meant for an earlier leader, and acting on it would be a second, unrequested failover.
 */
export function failoverRequestApplies(value: string, term: string): boolean {
  let from: unknown;
  try {
    from = (JSON.parse(value) as { from?: { term?: unknown } } | null)?.from?.term;
  } catch {
    return true;
  }
  return from === undefined || from === null || String(from) === term;
}
