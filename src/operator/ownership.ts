// Whose is a candidate in a framework's election, and may a Teardown go ahead? Pure.
//
// Several SchedulerHA resources (or a resource and schedulers run by hand) can point at one etcd root — a copy of a
// manifest in a staging namespace, the same name in two namespaces. The operator must then never act on a
// candidate of the other deployment: revoking its leader's lease, or tearing down the framework it leads, would
// end a healthy scheduler and kill its tasks.
import type { CandidateInfo, FrameworkSnapshot } from './framework-watch.js';

/** `ours`: a pod `<name>-<ordinal>` of this resource's StatefulSet in its namespace (a replica that does not name
 * its namespace — older versions — is judged by the pod name alone); `foreign`: a pod of another resource or
 * namespace; `external`: not a pod at all (run by hand), or no readable identity. */
export type CandidateOwner = 'ours' | 'foreign' | 'external';

/** A pod name of this resource's StatefulSet (`<name>-<ordinal>`). */
export function podOfStatefulSet(pod: string, sts: string): boolean {
  return pod.startsWith(`${sts}-`) && /^\d+$/.test(pod.slice(sts.length + 1));
}

export function candidateOwner(c: Pick<CandidateInfo, 'identity'>, namespace: string, name: string): CandidateOwner {
  const id = c.identity;
  if (!id?.pod) return 'external';
  if (id.namespace !== undefined && id.namespace !== namespace) return 'foreign';
  return podOfStatefulSet(id.pod, name) ? 'ours' : 'foreign';
}

export function describeCandidate(c: Pick<CandidateInfo, 'identity' | 'key' | 'createRevision'>): string {
  const id = c.identity;
  const who = id?.pod ? `${id.namespace ? `${id.namespace}/` : ''}${id.pod}` : (id?.id ?? c.key);
  return `${who} (term ${c.createRevision}${id?.host ? `, host ${id.host}` : ''})`;
}

/** Candidates that are not this resource's: another deployment shares its etcd root. */
export function otherCandidates(snap: Pick<FrameworkSnapshot, 'candidates'> | undefined, namespace: string, name: string): CandidateInfo[] {
  return (snap?.candidates ?? []).filter((c) => candidateOwner(c, namespace, name) !== 'ours');
}

export type TeardownJudgement =
  | { action: 'proceed' }
  /** Our own replicas' keys, left by pods that did not resign: they expire within one lease TTL. */
  | { action: 'wait'; why: string }
  | { action: 'blocked'; message: string };

/**
 * After this resource's scheduler pods are gone: TEARDOWN only when nobody schedules for the framework any more —
 * no candidate left in its election, and the master does not show it connected (a scheduler elsewhere, e.g. on
 * another etcd with the same framework id, still leads it).
 */
export function judgeTeardown(
  snap: Pick<FrameworkSnapshot, 'candidates'>,
  framework: { id: string; connected: boolean } | undefined,
  /** `waitedMs`: how long the election or the master's connection has been awaited already. */
  ctx: { namespace: string; name: string; root: string; waitedMs?: number; leaseTtlMs: number },
): TeardownJudgement {
  const others = otherCandidates(snap, ctx.namespace, ctx.name);
  const way = 'TEARDOWN would kill the tasks of a scheduler this resource does not run. Stop those schedulers (or give this resource its own frameworkName / etcd prefix), or set spec.deletionPolicy: Orphan to delete the resource without tearing the framework down';
  if (others.length) {
    return { action: 'blocked', message: `framework ${framework?.id ?? '?'} is still in use: ${others.map(describeCandidate).join(', ')} campaign${others.length === 1 ? 's' : ''} in its election at ${ctx.root}/election, and ${others.length === 1 ? 'it is' : 'they are'} not pods of this resource (another deployment shares this etcd root). ${way}` };
  }
  if (snap.candidates.length) {
    const who = snap.candidates.map(describeCandidate).join(', ');
    // A key that outlives two lease TTLs is being renewed: the process still runs without its pod (force-deleted,
    // its node lost) and would go on leading the framework.
    if ((ctx.waitedMs ?? 0) > 2 * ctx.leaseTtlMs) {
      return { action: 'blocked', message: `framework ${framework?.id ?? '?'}: ${who} still campaign${snap.candidates.length === 1 ? 's' : ''} at ${ctx.root}/election ${Math.round((ctx.waitedMs ?? 0) / 1000)} s after the pods of this resource were gone — longer than two lease TTLs, so that scheduler runs on without its pod. ${way}` };
    }
    return { action: 'wait', why: `${who} still in the election (a pod that stopped without resigning: its lease expires)` };
  }
  if (framework?.connected) {
    // The last leader's connection may still be closing; one that stays open is someone else's.
    if ((ctx.waitedMs ?? 0) <= 2 * ctx.leaseTtlMs) return { action: 'wait', why: `framework ${framework.id} is still connected to the master (its last scheduler closing the connection?)` };
    return { action: 'blocked', message: `framework ${framework.id} is connected to the master, but no scheduler of this resource runs and none campaigns at ${ctx.root}/election: a scheduler elsewhere (another etcd, or run by hand) leads it. ${way}` };
  }
  return { action: 'proceed' };
}
