// SchedulerClient: one framework's v1 scheduler HTTP API subscription and its calls
// (shared/reference/mesos-scheduler-api.md §1; scheduler-ha-lessons.md §7 lessons 3, 5, 10).
//
//   const client = new SchedulerClient({ detector, framework: { user, name, failoverTimeoutSeconds, checkpoint },
//                                        frameworkId: storedId });
//   client.on('subscribed', (s) => ...);      // {frameworkId, heartbeatIntervalSeconds, masterInfo, masterUrl, streamId}
//   client.on('event', (e) => ...);           // every Mesos event, in stream order (SUBSCRIBED, OFFERS, UPDATE, ...)
//   client.on('disconnected', (d) => ...);    // a subscription (attempt) ended; the client re-subscribes by itself
//   client.on('heartbeatMissed', (h) => ...); // an interval passed with no event
//   client.on('fatal', (err) => ...);         // MesosFatalError: the client has stopped and will not re-subscribe
//   client.on('call', (r) => ...);            // every request's {type, code, status, durationMs} (metrics)
//   client.start();
//   await client.acknowledge(status);         // and accept/launch/decline/kill/reconcile/revive/suppress/...
//   await client.stop();                      // on loss of leadership: aborts everything, sends nothing more
//
// Behaviour:
// - SUBSCRIBE goes to the detector's leader over a dedicated connection, exact `Content-Type: application/json`,
//   `Accept: application/json`, never a `Mesos-Stream-Id`; with a known framework id, the id is in both
//   `framework_id` and `framework_info.id`. 307 → re-POST to the resolved `Location` (protocol-relative resolved
//   against the scheme used); 503/404/refused/5xx → retry with truncated exponential backoff with jitter (cap 15 s
//   by default), telling the detector so it re-detects.
// - A 200 whose first event is ERROR is a failed SUBSCRIBE: "Framework has been removed" → FrameworkRemovedError,
//   anything else → SubscribeRejectedError (fatal). Other 4xx answers to SUBSCRIBE are fatal too (retrying cannot
//   fix a bad request or bad credentials).
// - SUBSCRIBED with another framework id than the one we asked for → FrameworkIdMismatchError (fatal): never
//   silently become a new framework. The id from the first SUBSCRIBED is used for every re-subscription.
// - Heartbeat watchdog: no event for 5 × heartbeat_interval_seconds → close the stream and re-subscribe.
// - ERROR "Framework failed over" / "Framework has been removed" / any other asynchronous ERROR → fatal: the stream
//   is aborted, in-flight calls are aborted, later calls are refused, and the client never re-subscribes.
// - Calls carry `Mesos-Stream-Id` and go over a separate keep-alive connection (one by default, so the master sees
//   them in order — reconciliation's "no answer yet" inference relies on that); ACKNOWLEDGE, and ACCEPT/DECLINE,
//   which commute, have pools of their own (`ackConnections`, `offerConnections`). Calls are refused while not
//   subscribed (like the C++ library). A call answered 400 stream-id mismatch / 400 "Framework cannot be found" /
//   403 "not subscribed" on the live subscription → SubscriptionGoneError (fatal). A call answered 307/503/404
//   means the master lost leadership: the stream is closed and the client re-subscribes.
// - `stop()` is synchronous in effect: once called, no new request is created, every in-flight request and the
//   stream are destroyed, and the returned promise resolves when the subscribe loop has exited.
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import type { IncomingMessage, ClientRequest } from 'node:http';
import { Backoff } from '../util/backoff.js';
import { Waiters } from '../util/waiters.js';
import { silentLogger, type Logger } from '../util/log.js';
import { monotonicMs, sleep } from '../util/time.js';
import * as calls from './calls.js';
import type { FrameworkSettings, ReconcileTask } from './calls.js';
import { DetectorError, type DetectedMaster, type MasterDetector } from './detector-base.js';
import {
  FrameworkFailedOverError,
  FrameworkIdMismatchError,
  FrameworkRemovedError,
  MesosCallError,
  MesosFatalError,
  SubscribeRejectedError,
  SubscriptionGoneError,
  type SubscriptionGoneKind,
} from './errors.js';
import { EventStreamDecoder } from './event-stream.js';
import { basicAuthHeader, baseUrlOf, createAgent, drain, HttpRequestError, request, resolveLocation, startRequest, type Credentials, type TlsOptions } from './http.js';
import {
  ERROR_FRAMEWORK_FAILED_OVER,
  ERROR_FRAMEWORK_REMOVED,
  type AgentID,
  type Call,
  type CallType,
  type Event,
  type ExecutorID,
  type Filters,
  type MasterInfo,
  type OfferID,
  type OfferOperation,
  type TaskID,
  type TaskInfo,
  type TaskStatus,
} from './types.js';

export const SCHEDULER_API_PATH = '/api/v1/scheduler';
export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 15;

export interface SchedulerClientOptions {
  /** Where the leading master is. Started by the client if needed; never stopped by it (the owner may share it). */
  detector: MasterDetector;
  framework: FrameworkSettings;
  /** Subscribe as this existing framework (id in both places). Omit only for a brand-new framework. */
  frameworkId?: string;
  suppressedRoles?: string[];
  /** HTTP basic authentication; also fills FrameworkInfo.principal when the settings leave it empty. */
  credentials?: Credentials;
  tls?: TlsOptions;
  logger?: Logger;
  /** Per call, queueing included (default 75 s — the reference's "similar timeout for other requests"). */
  callTimeoutMs?: number;
  /** From sending SUBSCRIBE to receiving SUBSCRIBED (default 75 s). */
  subscribeTimeoutMs?: number;
  /** Missed intervals before the stream is declared dead (default 5). */
  heartbeatTimeoutIntervals?: number;
  /** Re-subscribe backoff: truncated exponential with jitter (default 500 ms doubling to 15 s). */
  backoff?: { initialMs?: number; maxMs?: number; jitter?: number; random?: () => number };
  /** A subscription that lived this long resets the backoff (default 10 s). */
  backoffResetAfterMs?: number;
  /** Random wait in [0, this] after a leader is found, before SUBSCRIBE (the C++ library's connection delay; default 0). */
  connectionDelayMaxMs?: number;
  /** With no leading master detected: the first warning / `noLeader` event after `first` ms, then every `repeat` ms
   * (default 15 s, 60 s). */
  noLeaderWarnMs?: { first: number; repeat: number };
  maxRedirects?: number;
  /** RecordIO record size limit (default 64 MiB). */
  maxRecordBytes?: number;
  /** Parallel call connections (default 1: calls reach the master in order). */
  callConnections?: number;
  /** Connections for ACKNOWLEDGE calls (default 8). An acknowledgement only releases the next status update of its
   * own task on its agent, so acks commute with each other and with every other call: they have their own pool and
   * several may be in flight, while the other calls keep their order on the call connection(s). */
  ackConnections?: number;
  /** Connections for ACCEPT and DECLINE calls (default 4). Each answers only its own offers, so they commute with
   * each other and one round's answers (one ACCEPT per agent) travel side by side. Calls that must follow them
   * (REVIVE after a DECLINE's filter, KILL of a launched task) are the caller's to order: send them once the
   * answers have resolved, as the pods manager does. */
  offerConnections?: number;
  /** Default `/api/v1/scheduler`. */
  path?: string;
}

export type ClientState = 'idle' | 'connecting' | 'subscribed' | 'stopped' | 'failed';

export interface SubscribedInfo {
  frameworkId: string;
  heartbeatIntervalSeconds: number;
  masterInfo: MasterInfo | undefined;
  /** Base URL of the master that holds the subscription (after redirects). */
  masterUrl: string;
  streamId: string;
  /** True when we subscribed with an existing framework id. */
  resubscribed: boolean;
}

export type DisconnectReason =
  | 'ConnectFailed'
  | 'NoLeader'
  | 'HttpError'
  | 'TooManyRedirects'
  | 'SubscribeTimeout'
  | 'ProtocolError'
  | 'MalformedStream'
  | 'MalformedEvent'
  | 'StreamEnded'
  | 'StreamError'
  | 'HeartbeatTimeout'
  | 'MasterNotLeader'
  | 'LeaderChanged';

export interface DisconnectInfo {
  reason: DisconnectReason;
  message: string;
  error?: Error;
  /** The attempt had reached SUBSCRIBED (a live subscription was lost) rather than failing before it. */
  wasSubscribed: boolean;
  masterUrl: string | undefined;
  /** Delay before the next SUBSCRIBE attempt. */
  retryInMs: number;
}

export interface HeartbeatMissedInfo {
  /** Whole intervals without any event so far (1..heartbeatTimeoutIntervals-1); the timeout follows at the limit. */
  missed: number;
  silentMs: number;
  intervalSeconds: number;
}

export interface CallResult {
  type: CallType;
  /** HTTP status when one was received. */
  status?: number;
  /** Metric label: the status as a string, or 'timeout' | 'network' | 'aborted'. */
  code: string;
  durationMs: number;
  masterUrl: string;
}

export interface SchedulerClientEvents {
  subscribed: [info: SubscribedInfo];
  event: [event: Event];
  disconnected: [info: DisconnectInfo];
  heartbeatMissed: [info: HeartbeatMissedInfo];
  /** No leading master detected for `waitedMs` (emitted after 15 s, then every minute, until one is); `problem`: why, as the detector last saw it. */
  noLeader: [info: { waitedMs: number; problem?: string }];
  fatal: [error: MesosFatalError];
  call: [result: CallResult];
}

type AttemptOutcome =
  | { kind: 'disconnected'; reason: DisconnectReason; message: string; error?: Error; wasSubscribed: boolean; masterUrl?: string; uptimeMs: number }
  | { kind: 'fatal'; error: MesosFatalError }
  | { kind: 'stopped' };

const JSON_TYPE = 'application/json';
const NO_LEADER_FIRST_WARN_MS = 15_000;
const NO_LEADER_REPEAT_WARN_MS = 60_000;

export class SchedulerClient extends EventEmitter<SchedulerClientEvents> {
  private readonly log: Logger;
  private readonly opts: SchedulerClientOptions;
  private readonly framework: FrameworkSettings;
  private _state: ClientState = 'idle';
  /** Calls sent and not answered yet (for quiesce). */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** quiesce() began: no new call is sent. */
  private quiescing = false;
  private _frameworkId: string | undefined;
  private _subscribed: SubscribedInfo | undefined;
  private fatalError: MesosFatalError | undefined;
  /** Bumped per subscription; a call's verdict only counts against the subscription it was sent on. */
  private subscriptionSeq = 0;
  private callUrl: URL | undefined;

  private readonly runCtl = new AbortController();
  private readonly callsCtl = new AbortController();
  private attemptCtl: AbortController | undefined;
  private attemptAbortReason: { reason: DisconnectReason; message: string } | undefined;
  private attemptLeaderUrl: string | undefined;
  private wakeCtl: AbortController | undefined;
  private runDone: Promise<void> = Promise.resolve();
  private teardownPending: Promise<unknown> | undefined;
  private readonly streamAgents = new Map<string, http.Agent>();
  private readonly callAgents = new Map<string, http.Agent>();
  private readonly ackAgents = new Map<string, http.Agent>();
  private readonly offerAgents = new Map<string, http.Agent>();
  private readonly subscribedWaiters = new Waiters<SubscribedInfo>();
  private readonly onLeaderChange = (next: DetectedMaster | undefined): void => this.leaderChanged(next);

  constructor(opts: SchedulerClientOptions) {
    super();
    this.opts = opts;
    const fw = { ...opts.framework };
    if (opts.credentials && fw.principal === undefined) fw.principal = opts.credentials.principal;
    this.framework = fw;
    // Validate now: a bad setting is a programming error, better thrown here than on every attempt.
    calls.subscribeCall(fw, opts.frameworkId, opts.suppressedRoles);
    this._frameworkId = opts.frameworkId || undefined;
    this.log = (opts.logger ?? silentLogger).child({ component: 'mesos-scheduler-client', framework: fw.name });
  }

  get state(): ClientState {
    return this._state;
  }
  /** The framework id we subscribe with: the given one, or the one the master assigned. */
  get frameworkId(): string | undefined {
    return this._frameworkId;
  }
  get subscription(): SubscribedInfo | undefined {
    return this._state === 'subscribed' ? this._subscribed : undefined;
  }
  get streamId(): string | undefined {
    return this.subscription?.streamId;
  }
  get masterUrl(): string | undefined {
    return this.subscription?.masterUrl;
  }
  /** The error that ended the client, if one did. */
  get fatal(): MesosFatalError | undefined {
    return this.fatalError;
  }

  /** Starts subscribing (idempotent). Progress is reported through events. */
  start(): void {
    if (this._state !== 'idle') return;
    this._state = 'connecting';
    this.opts.detector.on('change', this.onLeaderChange);
    this.opts.detector.start();
    this.runDone = this.run().catch((err) => {
      this.log.error({ err }, 'subscribe loop crashed');
    });
  }

  /** Resolves with the current subscription, or the next one; rejects when the client stops or fails. */
  waitForSubscribed(signal?: AbortSignal, timeoutMs?: number): Promise<SubscribedInfo> {
    if (this.fatalError) return Promise.reject(this.fatalError);
    if (this._state === 'stopped') return Promise.reject(this.stoppedError());
    if (this.subscription) return Promise.resolve(this.subscription);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return this.subscribedWaiters.wait(signal, timeoutMs, () => new Error(`not subscribed within ${timeoutMs} ms`));
  }

  /** Aborts the stream and every in-flight call at once; no request leaves for this client afterwards. Never sends
   * TEARDOWN: the framework stays registered (within its failover_timeout) for the next leader. */
  async stop(): Promise<void> {
    if (this._state !== 'stopped' && this._state !== 'failed') {
      this._state = 'stopped';
      this.log.info('stopping Mesos scheduler client');
      this.shutdown(this.stoppedError());
    }
    await this.runDone;
  }

  // ---- calls ----------------------------------------------------------------------------------------------------

  accept(offerIds: ReadonlyArray<string | OfferID>, operations: OfferOperation[], filters?: Filters): Promise<CallResult> {
    return this.withId((id) => calls.acceptCall(id, offerIds, operations, filters));
  }
  /** ACCEPT with one LAUNCH operation. */
  launch(offerIds: ReadonlyArray<string | OfferID>, tasks: TaskInfo[], filters?: Filters): Promise<CallResult> {
    return this.withId((id) => calls.launchCall(id, offerIds, tasks, filters));
  }
  decline(offerIds: ReadonlyArray<string | OfferID>, filters?: Filters): Promise<CallResult> {
    return this.withId((id) => calls.declineCall(id, offerIds, filters));
  }
  kill(taskId: string | TaskID, agentId?: string | AgentID, killPolicy?: Record<string, unknown>): Promise<CallResult> {
    return this.withId((id) => calls.killCall(id, taskId, agentId, killPolicy));
  }
  /** Acknowledges a reliable update. Rejects (MesosUsageError 'NotAcknowledgeable', nothing sent) for a status
   * without uuid — master-generated updates must never be acked. Use `needsAcknowledgement(status)` to decide. */
  acknowledge(status: TaskStatus): Promise<CallResult> {
    return this.withId((id) => calls.acknowledgeCall(id, status));
  }
  /** Explicit reconciliation for `tasks`; implicit when empty or omitted. */
  reconcile(tasks: ReadonlyArray<ReconcileTask> = []): Promise<CallResult> {
    return this.withId((id) => calls.reconcileCall(id, tasks));
  }
  revive(roles?: string[]): Promise<CallResult> {
    return this.withId((id) => calls.reviveCall(id, roles));
  }
  suppress(roles?: string[]): Promise<CallResult> {
    return this.withId((id) => calls.suppressCall(id, roles));
  }
  shutdownExecutor(executorId: string | ExecutorID, agentId: string | AgentID): Promise<CallResult> {
    return this.withId((id) => calls.shutdownCall(id, executorId, agentId));
  }
  message(agentId: string | AgentID, executorId: string | ExecutorID, data: Uint8Array | string): Promise<CallResult> {
    return this.withId((id) => calls.messageCall(id, agentId, executorId, data));
  }
  /** TEARDOWN: removes the framework and kills all its tasks. Never called implicitly by anything in this client.
   * Once the master accepted it the framework id is dead, so the client stops itself (no re-subscription into a
   * "Framework has been removed" error); the returned promise resolves after that stop. */
  async teardown(): Promise<CallResult> {
    const p = this.withId((id) => calls.teardownCall(id));
    // The master closes the stream as it removes the framework; the subscribe loop must not race to re-subscribe.
    this.teardownPending = p;
    try {
      const r = await p;
      this.log.warn({ frameworkId: this._frameworkId }, 'framework torn down on request; client stops');
      await this.stop();
      return r;
    } finally {
      this.teardownPending = undefined;
    }
  }
  /** Any other call (REQUEST, ACCEPT_INVERSE_OFFERS, UPDATE_FRAMEWORK, ...); `framework_id` is filled in. */
  call(call: Call): Promise<CallResult> {
    if (call.type === 'SUBSCRIBE') return Promise.reject(new MesosCallError('CallRejected', 'SUBSCRIBE', 'SUBSCRIBE is sent by the client itself; use start()'));
    return this.withId((id) => ({ ...call, framework_id: call.framework_id ?? { value: id } }));
  }

  private withId(build: (frameworkId: string) => Call): Promise<CallResult> {
    const refusal = this.refusal('call');
    if (refusal) return Promise.reject(refusal);
    let call: Call;
    try {
      call = build(this._subscribed!.frameworkId);
    } catch (err) {
      return Promise.reject(err);
    }
    const sent = this.send(call);
    const settled = (): void => void this.inFlight.delete(sent);
    this.inFlight.add(sent);
    sent.then(settled, settled);
    return sent;
  }

  /** Sends nothing more and waits — at most `ms` — until every call already sent is answered. After it the master
   * has handled all this client sent (or `ms` passed): a voluntary hand-off waits for this before the successor can
   * be elected, so no call of the old term lands after the new term begins. The stream stays up; stop() ends it. */
  async quiesce(ms: number): Promise<void> {
    this.quiescing = true;
    if (!this.inFlight.size) return;
    const t0 = monotonicMs();
    const pending = this.inFlight.size;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
    this.log.debug({ pending, left: this.inFlight.size, ms: Math.round(monotonicMs() - t0) }, 'calls in flight answered before the hand-off');
  }

  private refusal(type: string): MesosCallError | undefined {
    if (this._state === 'stopped' || this._state === 'failed') {
      return new MesosCallError('ClientStopped', type, `Mesos scheduler client is ${this._state}${this.fatalError ? ` (${this.fatalError.reason})` : ''}; no call is sent`, undefined, { cause: this.fatalError });
    }
    if (this.quiescing) return new MesosCallError('ClientStopped', type, 'Mesos scheduler client is handing over (quiescing); no call is sent');
    if (this._state !== 'subscribed' || !this._subscribed || !this.callUrl) {
      return new MesosCallError('ClientNotSubscribed', type, 'not subscribed to a Mesos master (calls are refused until SUBSCRIBED)');
    }
    return undefined;
  }

  private async send(call: Call): Promise<CallResult> {
    const sub = this._subscribed!;
    const seq = this.subscriptionSeq;
    const url = this.callUrl!;
    const headers: Record<string, string> = { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, 'Mesos-Stream-Id': sub.streamId };
    if (this.opts.credentials) headers.Authorization = basicAuthHeader(this.opts.credentials);
    const started = performance.now();
    const base = sub.masterUrl;
    let status: number;
    let body: string;
    try {
      const res = await request({
        method: 'POST',
        url,
        headers,
        body: JSON.stringify(call),
        agent: this.callAgent(call.type, url),
        timeoutMs: this.opts.callTimeoutMs ?? 75_000,
        signal: this.callsCtl.signal,
        maxBodyBytes: 1024 * 1024,
        ...(this.opts.tls ? { tls: this.opts.tls } : {}),
      });
      status = res.status;
      body = res.body.toString('utf8');
    } catch (err) {
      const e = err as HttpRequestError;
      const kind = e instanceof HttpRequestError ? e.kind : 'network';
      this.report({ type: call.type, code: kind, durationMs: performance.now() - started, masterUrl: base });
      if (kind === 'aborted') throw this.refusal(call.type) ?? new MesosCallError('ClientStopped', call.type, `${call.type} aborted`, undefined, { cause: err });
      throw new MesosCallError(kind === 'timeout' ? 'CallTimeout' : 'CallFailed', call.type, `${call.type} to ${base}: ${e.message}`, undefined, { cause: err });
    }
    this.report({ type: call.type, status, code: String(status), durationMs: performance.now() - started, masterUrl: base });
    if (status === 202 || status === 200) return { type: call.type, status, code: String(status), durationMs: performance.now() - started, masterUrl: base };
    const msg = body.trim().slice(0, 500);
    const gone = classifySubscriptionGone(status, msg);
    if (gone) {
      const err = new SubscriptionGoneError(gone, call.type, status, msg);
      // Only a verdict on the live subscription counts; one about a stream we already replaced is stale news.
      if (seq === this.subscriptionSeq && this._state === 'subscribed') this.fail(err);
      throw err;
    }
    if (status === 307 || status === 503 || status === 404) {
      if (seq === this.subscriptionSeq && this._state === 'subscribed') {
        this.abortAttempt('MasterNotLeader', `${call.type} answered ${status} by ${base}: it is no longer the leading master`);
      }
      throw new MesosCallError('MasterNotLeader', call.type, `${call.type} answered ${status} by ${base} (not the leading master)`, status);
    }
    throw new MesosCallError('CallRejected', call.type, `${call.type} rejected by ${base} with ${status}: ${msg}`, status);
  }

  // ---- subscription loop ----------------------------------------------------------------------------------------

  /** The leading master, however long it takes — but not in silence: with none detected after 15 s, and every
   * minute after, a warning and a `noLeader` event (the masters down, or the addresses wrong). */
  private async waitForLeader(): Promise<DetectedMaster> {
    const since = monotonicMs();
    let slice = this.opts.noLeaderWarnMs?.first ?? NO_LEADER_FIRST_WARN_MS;
    for (;;) {
      try {
        return await this.opts.detector.waitForLeader(this.runCtl.signal, slice);
      } catch (err) {
        if (!(err instanceof DetectorError && err.reason === 'NoLeader') || this.ended) throw err;
        const waitedMs = Math.round(monotonicMs() - since);
        const problem = this.opts.detector.lastProblem;
        this.log.warn({ waitedSeconds: Math.round(waitedMs / 1000), ...(problem ? { problem } : {}) }, `no leading Mesos master detected for ${Math.round(waitedMs / 1000)} s; still looking (are the masters up, and do --mesos-master / spec.mesos.master name them?)`);
        this.safeEmit('noLeader', { waitedMs, ...(problem ? { problem } : {}) });
        slice = this.opts.noLeaderWarnMs?.repeat ?? NO_LEADER_REPEAT_WARN_MS;
      }
    }
  }

  private async run(): Promise<void> {
    const b = this.opts.backoff ?? {};
    const backoff = new Backoff({
      initialMs: b.initialMs ?? 500,
      maxMs: b.maxMs ?? 15_000,
      ...(b.jitter !== undefined ? { jitter: b.jitter } : {}),
      ...(b.random ? { random: b.random } : {}),
    });
    const resetAfter = this.opts.backoffResetAfterMs ?? 10_000;
    while (!this.ended) {
      let leader: DetectedMaster;
      try {
        leader = await this.waitForLeader();
      } catch (err) {
        if (this.ended) return;
        // The detector was stopped under us: nothing to subscribe to any more.
        this.log.warn({ err }, 'master detector stopped; Mesos scheduler client stops');
        this._state = 'stopped';
        this.shutdown(this.stoppedError());
        return;
      }
      const delayMax = this.opts.connectionDelayMaxMs ?? 0;
      if (delayMax > 0) await sleep(Math.random() * delayMax, this.runCtl.signal);
      if (this.ended) return;
      const outcome = await this.attempt(leader.url);
      if (outcome.kind === 'stopped' || this.ended) return;
      if (outcome.kind === 'fatal') {
        this.fail(outcome.error);
        return;
      }
      if (outcome.wasSubscribed && outcome.uptimeMs >= resetAfter) backoff.reset();
      if (outcome.reason !== 'LeaderChanged') this.opts.detector.reportFailure(outcome.masterUrl ?? leader.url, outcome.reason);
      if (this.teardownPending) await this.teardownPending.catch(() => undefined);
      if (this.ended) return;
      const delay = outcome.reason === 'LeaderChanged' ? 0 : backoff.next();
      this._state = 'connecting';
      this.log.warn({ reason: outcome.reason, master: outcome.masterUrl, retryInMs: Math.round(delay), wasSubscribed: outcome.wasSubscribed }, `Mesos subscription ${outcome.wasSubscribed ? 'lost' : 'attempt failed'}: ${outcome.message}`);
      this.safeEmit('disconnected', {
        reason: outcome.reason,
        message: outcome.message,
        ...(outcome.error ? { error: outcome.error } : {}),
        wasSubscribed: outcome.wasSubscribed,
        masterUrl: outcome.masterUrl,
        retryInMs: delay,
      });
      if (this.ended) return;
      if (delay > 0) {
        this.wakeCtl = new AbortController();
        await sleep(delay, AbortSignal.any([this.runCtl.signal, this.wakeCtl.signal]));
        this.wakeCtl = undefined;
      }
    }
  }

  private get ended(): boolean {
    return this._state === 'stopped' || this._state === 'failed';
  }

  private leaderChanged(next: DetectedMaster | undefined): void {
    if (this.ended || !next) return;
    if (this.attemptCtl && this.attemptLeaderUrl !== undefined && next.url !== this.attemptLeaderUrl) {
      this.abortAttempt('LeaderChanged', `leading master changed from ${this.attemptLeaderUrl} to ${next.url}`);
    } else {
      this.wakeCtl?.abort(); // sleeping between attempts: try the new leader now
    }
  }

  /** A method, not a field read, so control-flow narrowing across awaits does not hide a later assignment. */
  private abortReason(): { reason: DisconnectReason; message: string } | undefined {
    return this.attemptAbortReason;
  }

  private abortAttempt(reason: DisconnectReason, message: string): void {
    if (!this.attemptCtl || this.attemptCtl.signal.aborted) return;
    this.attemptAbortReason = { reason, message };
    this.attemptCtl.abort();
  }

  /** One SUBSCRIBE: follow redirects, then read the stream until it ends. Never throws. */
  private async attempt(leaderUrl: string): Promise<AttemptOutcome> {
    const ctl = new AbortController();
    this.attemptCtl = ctl;
    this.attemptAbortReason = undefined;
    this.attemptLeaderUrl = leaderUrl;
    const signal = AbortSignal.any([ctl.signal, this.runCtl.signal]);
    try {
      let url = new URL(`${leaderUrl.replace(/\/+$/, '')}${this.opts.path ?? SCHEDULER_API_PATH}`);
      const maxRedirects = this.opts.maxRedirects ?? 5;
      for (let hop = 0; hop <= maxRedirects; hop++) {
        if (this.ended) return { kind: 'stopped' };
        const id = this._frameworkId;
        const body = JSON.stringify(calls.subscribeCall(this.framework, id, this.opts.suppressedRoles));
        const headers: Record<string, string> = { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE };
        if (this.opts.credentials) headers.Authorization = basicAuthHeader(this.opts.credentials);
        const started = performance.now();
        const subscribeTimeout = this.opts.subscribeTimeoutMs ?? 75_000;
        let req: ClientRequest;
        let res: IncomingMessage;
        try {
          ({ req, res } = await startRequest({
            method: 'POST',
            url,
            headers,
            body,
            agent: this.agentFor(this.streamAgents, url, false),
            headersTimeoutMs: subscribeTimeout,
            signal,
            ...(this.opts.tls ? { tls: this.opts.tls } : {}),
          }));
        } catch (err) {
          const e = err as HttpRequestError;
          const kind = e instanceof HttpRequestError ? e.kind : 'network';
          this.report({ type: 'SUBSCRIBE', code: kind, durationMs: performance.now() - started, masterUrl: baseUrlOf(url) });
          if (this.ended) return { kind: 'stopped' };
          const why = this.abortReason();
          if (kind === 'aborted' && why) return this.disc(why.reason, why.message, url, false, 0);
          if (kind === 'timeout') return this.disc('SubscribeTimeout', e.message, url, false, 0, e);
          return this.disc('ConnectFailed', e.message, url, false, 0, e);
        }
        const status = res.statusCode ?? 0;
        this.report({ type: 'SUBSCRIBE', status, code: String(status), durationMs: performance.now() - started, masterUrl: baseUrlOf(url) });
        if (status === 200) return await this.readStream(req, res, url, started, subscribeTimeout, signal, id);
        if (status === 307 || status === 301 || status === 302 || status === 308) {
          const loc = res.headers.location;
          drain(res);
          if (!loc) return this.disc('ProtocolError', `SUBSCRIBE answered ${status} without a Location header`, url, false, 0);
          const next = resolveLocation(loc, url);
          this.log.debug({ from: url.href, to: next.href }, 'SUBSCRIBE redirected to the leading master');
          url = next;
          continue;
        }
        const text = await readSmallBody(res, signal);
        if (status === 503 || status === 404) return this.disc('NoLeader', `SUBSCRIBE answered ${status} by ${baseUrlOf(url)}: ${text || '(no body)'}`, url, false, 0);
        if (status >= 500) return this.disc('HttpError', `SUBSCRIBE answered ${status} by ${baseUrlOf(url)}: ${text}`, url, false, 0);
        return {
          kind: 'fatal',
          error: new SubscribeRejectedError(`Mesos master ${baseUrlOf(url)} rejected SUBSCRIBE with ${status}: ${text || '(no body)'}${status === 401 ? ' (check the principal and secret)' : ''}`, status, text),
        };
      }
      return this.disc('TooManyRedirects', `SUBSCRIBE redirected more than ${maxRedirects} times (last ${url.href})`, url, false, 0);
    } finally {
      this.attemptCtl = undefined;
      this.attemptLeaderUrl = undefined;
    }
  }

  private disc(reason: DisconnectReason, message: string, url: URL, wasSubscribed: boolean, uptimeMs: number, error?: Error): AttemptOutcome {
    return { kind: 'disconnected', reason, message, wasSubscribed, masterUrl: baseUrlOf(url), uptimeMs, ...(error ? { error } : {}) };
  }

  /** Reads one SUBSCRIBE stream to its end. */
  private readStream(
    req: ClientRequest,
    res: IncomingMessage,
    url: URL,
    startedAt: number,
    subscribeTimeoutMs: number,
    signal: AbortSignal,
    requestedId: string | undefined,
  ): Promise<AttemptOutcome> {
    const masterUrl = baseUrlOf(url);
    return new Promise<AttemptOutcome>((resolve) => {
      let done = false;
      let subscribedAt = 0;
      let sub: SubscribedInfo | undefined;
      let lastEventAt = performance.now();
      let missed = 0;
      let intervalMs = 0;
      let watchdog: NodeJS.Timeout | undefined;
      let subscribeTimer: NodeJS.Timeout | undefined;
      const timeoutIntervals = this.opts.heartbeatTimeoutIntervals ?? 5;
      const decoder = new EventStreamDecoder(this.opts.maxRecordBytes);

      const finish = (o: AttemptOutcome): void => {
        if (done) return;
        done = true;
        clearTimeout(subscribeTimer);
        if (watchdog) clearTimeout(watchdog);
        signal.removeEventListener('abort', onAbort);
        res.removeAllListeners('data');
        res.on('error', () => undefined);
        res.destroy();
        req.destroy();
        if (sub && this._subscribed === sub && this._state === 'subscribed') {
          this._state = 'connecting';
          this.callUrl = undefined;
        }
        resolve(o);
      };
      const lost = (reason: DisconnectReason, message: string, error?: Error): void =>
        finish(this.disc(reason, message, url, !!sub, sub ? performance.now() - subscribedAt : 0, error));

      const onAbort = (): void => {
        if (this.ended) return finish({ kind: 'stopped' });
        const r = this.abortReason() ?? { reason: 'StreamError' as DisconnectReason, message: 'subscription aborted' };
        lost(r.reason, r.message);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });

      subscribeTimer = setTimeout(
        () => {
          if (!sub) lost('SubscribeTimeout', `no SUBSCRIBED from ${masterUrl} within ${subscribeTimeoutMs} ms`);
        },
        Math.max(1, subscribeTimeoutMs - (performance.now() - startedAt)),
      );

      const streamId = headerValue(res.headers['mesos-stream-id']);
      const contentType = headerValue(res.headers['content-type']) ?? '';
      if (!streamId) return lost('ProtocolError', `SUBSCRIBE response from ${masterUrl} has no Mesos-Stream-Id header`);
      if (!contentType.toLowerCase().startsWith(JSON_TYPE)) return lost('ProtocolError', `SUBSCRIBE response from ${masterUrl} has Content-Type "${contentType}", expected ${JSON_TYPE}`);

      const checkHeartbeat = (): void => {
        watchdog = undefined;
        if (done) return;
        const silent = performance.now() - lastEventAt;
        if (silent >= timeoutIntervals * intervalMs) {
          return lost('HeartbeatTimeout', `no event from ${masterUrl} for ${Math.round(silent)} ms (${timeoutIntervals} × heartbeat interval ${intervalMs / 1000} s)`);
        }
        // An interval counts as missed half an interval after it was due, so an on-time heartbeat never counts.
        const n = Math.max(0, Math.floor((silent - intervalMs / 2) / intervalMs));
        if (n > missed) {
          missed = n;
          this.safeEmit('heartbeatMissed', { missed: n, silentMs: silent, intervalSeconds: intervalMs / 1000 });
        } else if (n < missed) {
          missed = n;
        }
        const nextDue = Math.min((n + 1) * intervalMs + intervalMs / 2, timeoutIntervals * intervalMs);
        watchdog = setTimeout(checkHeartbeat, Math.max(1, nextDue - silent + 1));
      };

      const onSubscribed = (e: Event): boolean => {
        const s = e.subscribed!;
        const fid = s.framework_id.value;
        const wanted = requestedId ?? this._frameworkId;
        if (wanted && fid !== wanted) {
          const err = new FrameworkIdMismatchError(wanted, fid, masterUrl);
          finish({ kind: 'fatal', error: err });
          this.fail(err);
          return false;
        }
        this._frameworkId = fid;
        // Clamped so a nonsensical interval cannot overflow timers (Node turns > 2^31 ms into 1 ms).
        intervalMs = Math.min(s.heartbeat_interval_seconds ?? DEFAULT_HEARTBEAT_INTERVAL_SECONDS, 86_400) * 1000;
        subscribedAt = performance.now();
        sub = {
          frameworkId: fid,
          heartbeatIntervalSeconds: intervalMs / 1000,
          masterInfo: s.master_info,
          masterUrl,
          streamId,
          resubscribed: !!requestedId,
        };
        this.subscriptionSeq++;
        this._subscribed = sub;
        this.callUrl = url;
        this._state = 'subscribed';
        clearTimeout(subscribeTimer);
        watchdog = setTimeout(checkHeartbeat, intervalMs * 1.5 + 1);
        this.log.info({ frameworkId: fid, master: masterUrl, streamId, heartbeatIntervalSeconds: intervalMs / 1000 }, 'subscribed to Mesos');
        this.safeEmit('subscribed', sub);
        this.subscribedWaiters.resolveAll(sub);
        return !done;
      };

      /** Returns false when the stream must not be read further. */
      const dispatch = (e: Event): boolean => {
        if (!sub) {
          if (e.type === 'ERROR') {
            const m = e.error!.message;
            const err = m === ERROR_FRAMEWORK_REMOVED ? new FrameworkRemovedError(requestedId, masterUrl) : new SubscribeRejectedError(`Mesos master ${masterUrl} refused SUBSCRIBE: ERROR "${m}"`, 200, m);
            finish({ kind: 'fatal', error: err });
            this.fail(err, e);
            return false;
          }
          if (e.type !== 'SUBSCRIBED') {
            lost('ProtocolError', `first event from ${masterUrl} is ${e.type}, expected SUBSCRIBED or ERROR`);
            return false;
          }
          if (!onSubscribed(e)) return false;
          this.safeEmit('event', e);
          return !done;
        }
        if (e.type === 'ERROR') {
          const m = e.error!.message;
          const fid = this._frameworkId;
          const err =
            m === ERROR_FRAMEWORK_FAILED_OVER
              ? new FrameworkFailedOverError(fid, masterUrl)
              : m === ERROR_FRAMEWORK_REMOVED
                ? new FrameworkRemovedError(fid, masterUrl)
                : new SubscribeRejectedError(`Mesos master ${masterUrl} sent ERROR "${m}" on the subscription of framework ${fid}`, undefined, m);
          // Stop first (nothing more may be sent), then let consumers see the event.
          finish({ kind: 'fatal', error: err });
          this.fail(err, e);
          return false;
        }
        this.emitEvent(e);
        return !done;
      };

      res.on('data', (chunk: Buffer) => {
        if (done) return;
        let events: Event[];
        try {
          events = decoder.push(chunk);
        } catch (err) {
          const e = err as Error & { reason?: string };
          return lost(e.reason === 'MalformedEvent' ? 'MalformedEvent' : 'MalformedStream', `subscription stream from ${masterUrl} is malformed: ${e.message}`, e);
        }
        if (events.length === 0) return;
        lastEventAt = performance.now();
        for (let i = 0; i < events.length; i++) {
          if (!dispatch(events[i]!)) return;
        }
      });
      res.on('end', () => {
        if (done) return;
        try {
          decoder.end();
        } catch (err) {
          return lost('MalformedStream', `subscription stream from ${masterUrl} ended inside a record: ${(err as Error).message}`, err as Error);
        }
        lost('StreamEnded', `${masterUrl} closed the subscription stream`);
      });
      res.on('error', (err) => lost('StreamError', `subscription stream from ${masterUrl} failed: ${err.message}`, err));
      res.on('close', () => {
        if (!done) lost('StreamError', `subscription connection to ${masterUrl} closed`);
      });
    });
  }

  // ---- ending ---------------------------------------------------------------------------------------------------

  /** Fatal: stop everything, then tell consumers (the ERROR event first when there is one). */
  private fail(err: MesosFatalError, errorEvent?: Event): void {
    if (this.ended) return;
    this._state = 'failed';
    this.fatalError = err;
    this.log.error({ reason: err.reason, err }, `Mesos scheduler client stopped: ${err.message}`);
    this.shutdown(err);
    if (errorEvent) this.safeEmit('event', errorEvent);
    this.safeEmit('fatal', err);
  }

  private shutdown(cause: Error): void {
    this.opts.detector.off('change', this.onLeaderChange);
    this.callUrl = undefined;
    this.runCtl.abort();
    this.callsCtl.abort();
    this.attemptCtl?.abort();
    this.wakeCtl?.abort();
    for (const a of [...this.streamAgents.values(), ...this.callAgents.values(), ...this.ackAgents.values(), ...this.offerAgents.values()]) a.destroy();
    this.streamAgents.clear();
    this.callAgents.clear();
    this.ackAgents.clear();
    this.offerAgents.clear();
    this.subscribedWaiters.rejectAll(cause);
  }

  private stoppedError(): MesosCallError {
    return new MesosCallError('ClientStopped', 'SUBSCRIBE', 'Mesos scheduler client stopped');
  }

  /** The connection pool a call travels on: acks and offer answers commute and have their own; every other call
   * keeps its order on the call connection(s). */
  private callAgent(type: Call['type'], url: URL): http.Agent {
    if (type === 'ACKNOWLEDGE') return this.agentFor(this.ackAgents, url, true, this.opts.ackConnections ?? 8);
    if (type === 'ACCEPT' || type === 'DECLINE') return this.agentFor(this.offerAgents, url, true, this.opts.offerConnections ?? 4);
    return this.agentFor(this.callAgents, url, true);
  }

  private agentFor(map: Map<string, http.Agent>, url: URL, keepAlive: boolean, sockets = this.opts.callConnections ?? 1): http.Agent {
    let a = map.get(url.protocol);
    if (!a) {
      a = createAgent(url.protocol === 'https:', keepAlive, keepAlive ? sockets : Infinity, this.opts.tls);
      map.set(url.protocol, a);
    }
    return a;
  }

  private report(r: CallResult): void {
    this.safeEmit('call', r);
  }

  /** The hot path (every event): no rest/spread allocation. */
  private emitEvent(e: Event): void {
    try {
      this.emit('event', e);
    } catch (err) {
      this.log.error({ err, event: 'event' }, 'Mesos scheduler client listener threw');
    }
  }

  /** A throwing listener must not break the stream or the client's bookkeeping. */
  private safeEmit<K extends keyof SchedulerClientEvents>(name: K, ...args: SchedulerClientEvents[K]): void {
    try {
      (this.emit as (n: K, ...a: SchedulerClientEvents[K]) => boolean)(name, ...args);
    } catch (err) {
      this.log.error({ err, event: name }, 'Mesos scheduler client listener threw');
    }
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The master's answers that mean "this client's subscription no longer exists" (§1.5, §1.6 rows 9a, 9c, 9e). */
export function classifySubscriptionGone(status: number, body: string): SubscriptionGoneKind | undefined {
  if (status === 400) {
    if (/stream[- ]id/i.test(body) && /(didn't match|did not match|should include)/i.test(body)) return 'StreamIdMismatch';
    if (/Framework cannot be found/i.test(body)) return 'FrameworkNotFound';
  }
  if (status === 403 && /not subscribed/i.test(body)) return 'NotSubscribed';
  return undefined;
}

async function readSmallBody(res: IncomingMessage, signal: AbortSignal): Promise<string> {
  return await new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const end = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', end);
      res.destroy();
      resolve(Buffer.concat(chunks).toString('utf8').trim().slice(0, 500));
    };
    const t = setTimeout(end, 2000);
    signal.addEventListener('abort', end, { once: true });
    res.on('data', (c: Buffer) => {
      if (size < 64 * 1024) chunks.push(c);
      size += c.length;
    });
    res.on('end', end);
    res.on('error', end);
  });
}
