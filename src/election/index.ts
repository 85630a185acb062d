// Public API of the etcd election (see README.md in this directory for the key layout and timing contract).
export { createEtcdClient, normalizeEtcdEndpoints, resolveEtcdClientOptions, clientCallTimeoutMs, clientEndpoints, DEFAULT_CALL_TIMEOUT_MS, EtcdEndpointUnavailableError } from './client.js';
export type { EtcdClientOptions, EtcdTlsFiles, ResolvedEtcdClientOptions } from './client.js';
export { LeaseSession } from './session.js';
export type { LeaseSessionOptions, SessionLoss, KeepaliveInfo } from './session.js';
export { Election, Leadership } from './campaign.js';
export type { ElectionOptions, CampaignOptions, LeaderRecord, TermLoss } from './campaign.js';
export { FencedStore } from './fenced-store.js';
export { LeaderObserver } from './observer.js';
export type { LeaderObserverOptions } from './observer.js';
export { Candidate } from './candidate.js';
export type { CandidateOptions, CandidateState } from './candidate.js';
export { resolveSessionTiming, renewDeadline, effectiveTtlMs, AckTracker, MIN_TTL_SECONDS, MIN_MARGIN_MS, MIN_RENEW_WINDOW_MS } from './timing.js';
export type { SessionTiming, SessionTimingOptions } from './timing.js';
export { candidateKey, candidatePrefix, leaseIdHex, normalizeElectionPrefix, compareRevisions, sameTerm } from './keys.js';
export type { Compare, CompareOp, CompareTargetName, TxnOp, TxnOpResult, TxnRequest, TxnResult } from './txn-ops.js';
export { ElectionConfigError, SessionLostError, CampaignAbortedError, CampaignFailedError, FenceLostError, isFenceLostError } from './errors.js';
export type { FenceFailure } from './errors.js';
export type { Term, TermLossReason, SessionLossReason, KeyValue, LeaderView } from './types.js';
