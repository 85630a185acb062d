// Plain data shared by the election modules and their users (scheduler replica, operator).

/**
 * One leadership term: the leader key and the incarnation of it that won. `createRevision` is the fencing
 * token (an int64 etcd revision as a decimal string); it changes whenever the key is deleted and re-created,
 * so "the leader key's create revision still equals ours" is exactly "our term still holds".
 */
export interface Term {
  /** `<electionPrefix>/<lease id in lowercase hex>` (Go concurrency.Election layout). */
  key: string;
  /** Create revision of the leader key, decimal string. */
  createRevision: string;
  /** The candidate's lease id, decimal string (what etcd's gRPC API and etcd3 use). */
  leaseId: string;
  /** The same lease id in lowercase hex (what `etcdctl lease revoke`/`timetolive` take, and the key suffix). */
  leaseIdHex: string;
}

/** Why a lease session ended. */
export type SessionLossReason =
  /** No keepalive was acknowledged in time: now ≥ lastAck + TTL − margin (before etcd can expire the lease). */
  | 'renew-deadline'
  /** etcd answered a keepalive with TTL 0, or said "lease not found": the lease was revoked or expired. */
  | 'lease-revoked'
  /** The initial LeaseGrant failed (error or timeout). */
  | 'grant-failed'
  /** The owner closed the session. */
  | 'closed';

/** Why a term ended. Every term ends exactly once with one of these. */
export type TermLossReason =
  /** The session's renew deadline passed (leader cut off from etcd, or its event loop stalled). */
  | 'renew-deadline'
  /** etcd said the lease is gone (revoked, e.g. by the operator, or expired). */
  | 'lease-revoked'
  /** Our leader key was deleted (or re-created) by someone else. */
  | 'key-deleted'
  /** We resigned. */
  | 'resigned'
  /** A fenced write found that the leader key's create revision is no longer ours. */
  | 'fence-failed'
  /** The candidate was aborted/stopped while leading (the key is then deleted and the lease revoked). */
  | 'aborted'
  /** The session was closed by its owner while the term was running. */
  | 'session-closed';

/** A key-value pair as read from etcd, with int64 fields as decimal strings. */
export interface KeyValue {
  key: string;
  value: string;
  createRevision: string;
  modRevision: string;
  version: string;
  /** Lease id, decimal string ('0' when the key has no lease). */
  lease: string;
}

/** What an observer currently knows about the leader of one election prefix. */
export type LeaderView =
  /** Not connected (or not yet synced): we do not know. */
  | { state: 'unknown'; since: number; error?: string }
  /** Connected and synced: no candidate key exists. */
  | { state: 'none'; since: number; revision: string }
  /** Connected and synced: the lowest-create-revision key is `term.key` with `value`. */
  | { state: 'leader'; since: number; revision: string; value: string; term: Term };
