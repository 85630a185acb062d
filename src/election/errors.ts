// Typed election errors. Each carries a CamelCase `reason` (SchedulerHAError) so callers can switch on it and
// log it as a condition reason.
import { SchedulerHAError, TerminalError } from '../util/errors.js';
import type { SessionLossReason, TermLossReason } from './types.js';
import type { Term } from './types.js';

/** Bad election/session/client options: retrying does not help, the configuration must change. */
export class ElectionConfigError extends TerminalError {
  constructor(message: string) {
    super('InvalidElectionConfig', message);
  }
}

/** The lease session ended (renew deadline passed, lease revoked/expired, grant failed, closed). */
export class SessionLostError extends SchedulerHAError {
  readonly lossReason: SessionLossReason;
  constructor(lossReason: SessionLossReason, message?: string, options?: { cause?: unknown }) {
    super('SessionLost', message ?? `etcd lease session lost: ${lossReason}`, options);
    this.lossReason = lossReason;
  }
}

/** A campaign was aborted by its AbortSignal (or the candidate stopped) before it was elected. */
export class CampaignAbortedError extends SchedulerHAError {
  constructor(message = 'campaign aborted') {
    super('CampaignAborted', message);
  }
}

/**
 * A campaign failed: our candidate key vanished while we waited (lease expired or revoked by someone else),
 * or etcd answered something the algorithm cannot continue from. Start a new campaign with a new session.
 */
export class CampaignFailedError extends SchedulerHAError {
  constructor(reason: 'CandidateKeyDeleted' | 'CampaignFailed', message: string, options?: { cause?: unknown }) {
    super(reason, message, options);
  }
}

/** Why a fenced operation was refused. */
export type FenceFailure =
  /** The term already ended locally (lost, resigned); no round trip was made. */
  | 'term-ended'
  /** The session's renew deadline passed; refused locally, no round trip was made. */
  | 'renew-deadline'
  /** etcd evaluated the fence: the leader key's create revision no longer equals our term. */
  | 'compare-failed';

/**
 * A leader-only write was refused because we are not (or can no longer prove we are) the leader of `term`.
 * When `failure` is 'compare-failed' the write reached etcd and did not commit. The term is over: stop
 * leader work.
 */
export class FenceLostError extends SchedulerHAError {
  readonly term: Term;
  readonly failure: FenceFailure;
  readonly termLossReason: TermLossReason | undefined;
  constructor(term: Term, failure: FenceFailure, termLossReason?: TermLossReason) {
    const why =
      failure === 'compare-failed'
        ? `the leader key ${term.key} no longer has create revision ${term.createRevision} (another candidate leads or the lease was revoked)`
        : failure === 'renew-deadline'
          ? `the lease's renew deadline passed, so leadership can no longer be proven`
          : `the term already ended (${termLossReason ?? 'lost'})`;
    super('FenceLost', `fenced write refused for term ${term.createRevision}: ${why}; stop acting as leader and campaign again`);
    this.term = term;
    this.failure = failure;
    this.termLossReason = termLossReason;
  }
}

export function isFenceLostError(err: unknown): err is FenceLostError {
  return err instanceof FenceLostError;
}
