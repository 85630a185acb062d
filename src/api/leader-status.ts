// The leader's status record in etcd (<root>/leader-status): written by the leading scheduler (fenced by its term,
// rate-limited), read by the operator and by `schedulerha status`. Versioned JSON; readers accept unknown fields.

export type ReconcilePhase = 'idle' | 'explicit' | 'implicit' | 'complete' | 'timed-out' | 'cancelled';

export interface ReconcileProgress {
  phase: ReconcilePhase;
  /** Run number since this leader took over. */
  run: number;
  startedAt?: string;
  completedAt?: string;
  /** Tasks the explicit phase asked about. */
  total: number;
  /** Tasks not heard from since the run started. */
  remaining: number;
  /** RECONCILE requests sent in this run (re-sends included). */
  requests: number;
  durationSeconds?: number;
}

export interface LeaderStatusRecord {
  /** 1. A later version only adds fields (readers of version 1 read it as 1); an incompatible change would be 100. */
  version: number;
  /** The leader key's create revision. */
  term: string;
  leaseId: string;
  /** Candidate identity (pod name or host). */
  identity: string;
  incarnation: string;
  pod?: string;
  /** When this replica became leader. */
  since: string;
  /** Mesos registration. */
  frameworkId?: string;
  frameworkName: string;
  subscribedAt?: string;
  masterUrl?: string;
  /** 'subscribing' | 'subscribed' | 'disconnected' | 'removed' | 'refused' */
  mesos: 'subscribing' | 'subscribed' | 'disconnected' | 'removed' | 'refused';
  /** Human-readable reason for removed/refused. */
  problem?: { reason: string; message: string };
  executorHash: string;
  reconciliation: ReconcileProgress;
  tasks: { total: number; byState: Record<string, number> };
  /** Agents whose offers were declined for running an incompatible executor, with counts. */
  incompatibleAgents?: Record<string, number>;
  /** Seconds from elected to SUBSCRIBED for this term. */
  timeToSubscribedSeconds?: number;
  updatedAt: string;
}

export function parseLeaderStatus(text: string | null | undefined): LeaderStatusRecord | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Partial<LeaderStatusRecord>;
    // Any version up to the next incompatible one (100): a newer leader during a rolling update must not read as
    // "not reporting" to this reader.
    if (v && typeof v.version === 'number' && v.version >= 1 && v.version < 100 && typeof v.term === 'string' && typeof v.identity === 'string') return v as LeaderStatusRecord;
  } catch {
    // fall through
  }
  return undefined;
}

/** The identity value each candidate campaigns with (the election key's value). */
export interface CandidateIdentity {
  /** Stable name: pod name, else host name or --identity. */
  id: string;
  /** Unique per process start, so two incarnations never share an identity (kubernetes-mesos#787). */
  incarnation: string;
  host: string;
  pod?: string;
  /** The pod's namespace ($POD_NAMESPACE): with `pod`, which resource's replica this is. */
  namespace?: string;
  executorHash: string;
  /** http://address:port of the replica's /status. */
  url?: string;
}

export function parseCandidateIdentity(text: string | null | undefined): CandidateIdentity | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Partial<CandidateIdentity>;
    if (v && typeof v.id === 'string' && typeof v.incarnation === 'string') return v as CandidateIdentity;
  } catch {
    // fall through
  }
  return undefined;
}

/** The executor-hash record (<root>/executor-hash) and the desired hash the operator or a human sanctions
 * (<root>/desired-executor-hash) so an intended config change can take over. */
export interface ExecutorHashRecord {
  hash: string;
  inputs?: string[];
  term?: string;
  by?: string;
  at: string;
}

export function parseExecutorHashRecord(text: string | null | undefined): ExecutorHashRecord | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Partial<ExecutorHashRecord>;
    if (v && typeof v.hash === 'string') return v as ExecutorHashRecord;
  } catch {
    // a bare hash written by hand with etcdctl
    if (/^[0-9a-f]{16}$/.test(text.trim())) return { hash: text.trim(), at: '' };
  }
  return undefined;
}
