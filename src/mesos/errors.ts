// Typed outcomes of talking to Mesos. Two families:
// - MesosFatalError (a TerminalError): the subscription is over for good and the client has stopped. It never
//   re-subscribes on its own after one of these; the owner (the scheduler replica) decides what happens next
//   (step down, report "framework removed", ...). See shared/reference/scheduler-ha-lessons.md lessons 3 and 5.
// - MesosCallError: one call failed; the client itself may carry on.
import { SchedulerHAError, TerminalError } from '../util/errors.js';
import type { CallType } from './types.js';

export type MesosFatalReason =
  | 'FrameworkFailedOver'
  | 'FrameworkRemoved'
  | 'SubscribeRejected'
  | 'FrameworkIdMismatch'
  | 'SubscriptionGone';

export class MesosFatalError extends TerminalError {
  declare readonly reason: MesosFatalReason;
  constructor(reason: MesosFatalReason, message: string, options?: { cause?: unknown }) {
    super(reason, message, options);
  }
}

/** ERROR "Framework failed over": another scheduler subscribed with our framework id. We are fenced out. */
export class FrameworkFailedOverError extends MesosFatalError {
  constructor(readonly frameworkId: string | undefined, readonly masterUrl: string | undefined) {
    super(
      'FrameworkFailedOver',
      `Mesos master ${masterUrl ?? '?'} sent ERROR "Framework failed over" for framework ${frameworkId ?? '?'}: another scheduler subscribed with this framework id; this one must stop acting as the framework`,
    );
  }
}

/** ERROR "Framework has been removed": the framework id is dead (failover_timeout expired or TEARDOWN). */
export class FrameworkRemovedError extends MesosFatalError {
  constructor(readonly frameworkId: string | undefined, readonly masterUrl: string | undefined) {
    super(
      'FrameworkRemoved',
      `Mesos master ${masterUrl ?? '?'} says framework ${frameworkId ?? '?'} has been removed (failover_timeout expired or it was torn down); its tasks were killed and the id can never subscribe again — an operator must reset the stored framework id`,
    );
  }
}

/** SUBSCRIBE refused: a first-event ERROR other than "removed", or a 4xx status that retrying cannot fix. */
export class SubscribeRejectedError extends MesosFatalError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly masterMessage: string | undefined,
  ) {
    super('SubscribeRejected', message);
  }
}

/** SUBSCRIBED carried a framework id other than the one we subscribed with: never silently become a new framework. */
export class FrameworkIdMismatchError extends MesosFatalError {
  constructor(readonly requested: string, readonly received: string, readonly masterUrl: string | undefined) {
    super(
      'FrameworkIdMismatch',
      `Mesos master ${masterUrl ?? '?'} answered SUBSCRIBE for framework ${requested} with framework id ${received}; refusing to act as a different framework (was ${requested} removed, or did the master lose its state?)`,
    );
  }
}

export type SubscriptionGoneKind = 'StreamIdMismatch' | 'NotSubscribed' | 'FrameworkNotFound';

/** A call on the live subscription was answered 400 stream-id mismatch, 403 "not subscribed" or 400 "Framework
 * cannot be found": the master no longer associates this client with the framework. */
export class SubscriptionGoneError extends MesosFatalError {
  constructor(
    readonly kind: SubscriptionGoneKind,
    readonly callType: CallType,
    readonly status: number,
    readonly masterMessage: string,
  ) {
    super('SubscriptionGone', `Mesos master rejected ${callType} with ${status} "${masterMessage}": the subscription is gone (${kind}); this client stops`);
  }
}

export type MesosCallErrorReason =
  | 'CallRejected'
  | 'CallTimeout'
  | 'CallFailed'
  | 'ClientNotSubscribed'
  | 'ClientStopped'
  | 'MasterNotLeader';

export class MesosCallError extends SchedulerHAError {
  declare readonly reason: MesosCallErrorReason;
  constructor(
    reason: MesosCallErrorReason,
    readonly callType: CallType | string,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(reason, message, options);
  }
}

/** The operator API (POST /api/v1) failed. */
export class MesosOperatorError extends SchedulerHAError {
  constructor(
    reason: 'OperatorTimeout' | 'OperatorUnavailable' | 'OperatorRejected' | 'OperatorFailed' | 'OperatorBadResponse' | 'NoLeader',
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(reason, message, options);
  }
}

/** Bad input to a call builder (e.g. acknowledging an update without uuid). */
export class MesosUsageError extends SchedulerHAError {}
