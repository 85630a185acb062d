// A long-running candidate: session → campaign → term → (lost) → rejoin, until stopped. This is what a
// scheduler replica runs. Events come in pairs: `elected(term)` then exactly one `lost(term, reason)`; a
// campaign that errored, was aborted or belongs to an old epoch never emits anything.
import { EventEmitter } from 'node:events';
import type { Etcd3 } from 'etcd3';
import { silentLogger, type Logger } from '../util/log.js';
import { errorMessage } from '../util/errors.js';
import { Backoff } from '../util/backoff.js';
import { sleep } from '../util/time.js';
import { Election, type Leadership, type TermLoss } from './campaign.js';
import { LeaseSession } from './session.js';
import { resolveSessionTiming, type SessionTimingOptions } from './timing.js';
import type { Term, TermLossReason } from './types.js';

export interface CandidateOptions extends SessionTimingOptions {
  client: Etcd3;
  /** `keyLayout(prefix, frameworkName).electionPrefix`. */
  electionPrefix: string;
  /** The candidate's identity, opaque to the election (the scheduler puts JSON: id, incarnation, host, executor
   * hash). A function is called again for every campaign. */
  value: string | (() => string);
  logger?: Logger;
  /** Deadline of each etcd call (default: the client's). */
  callTimeoutMs?: number;
  /** Periodic re-check while waiting/leading (default 5000 ms). */
  recheckIntervalMs?: number;
  /** Backoff between failed campaign attempts (etcd unreachable, session lost while queued). Default
   * 200 ms doubling to 2000 ms, jittered. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Pause (jittered to 50–100 %) after a term ends before campaigning again: damps leadership flaps and lets
   * a standby take over after a resign. Default 1000 ms. */
  rejoinDelayMs?: number;
}

export type CandidateState = 'idle' | 'campaigning' | 'leader' | 'waiting' | 'stopped';

export interface Candidate {
  on(event: 'elected', listener: (term: Term, leadership: Leadership) => void): this;
  on(event: 'lost', listener: (term: Term, reason: TermLossReason, loss: TermLoss) => void): this;
  on(event: 'queued', listener: (info: { key: string; createRevision: string }) => void): this;
  on(event: 'campaign-error', listener: (err: Error) => void): this;
  on(event: 'state', listener: (state: CandidateState) => void): this;
  once(event: 'elected', listener: (term: Term, leadership: Leadership) => void): this;
  once(event: 'lost', listener: (term: Term, reason: TermLossReason, loss: TermLoss) => void): this;
}

export class Candidate extends EventEmitter {
  readonly election: Election;
  private readonly opts: CandidateOptions;
  private readonly log: Logger;
  private st: CandidateState = 'idle';
  private epochN = 0;
  private current: Leadership | undefined;
  private campaignAbort: AbortController | undefined;
  private readonly stopAc = new AbortController();
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private stopReason: 'resigned' | 'aborted' = 'resigned';
  private running: Promise<void> | undefined;
  private session: LeaseSession | undefined;
  private offOwnerAbort: (() => void) | undefined;

  constructor(opts: CandidateOptions) {
    super();
    resolveSessionTiming(opts); // validate now, not on the first campaign
    this.opts = opts;
    this.log = (opts.logger ?? silentLogger).child({ component: 'election' });
    this.election = new Election(opts.client, opts.electionPrefix, {
      logger: this.log,
      ...(opts.callTimeoutMs ? { callTimeoutMs: opts.callTimeoutMs } : {}),
      ...(opts.recheckIntervalMs ? { recheckIntervalMs: opts.recheckIntervalMs } : {}),
    });
  }

  get state(): CandidateState {
    return this.st;
  }

  /** Campaign counter; increases with every new session/campaign. */
  get epoch(): number {
    return this.epochN;
  }

  /** The current term while it holds (undefined otherwise). */
  get leadership(): Leadership | undefined {
    return this.current?.isLeader ? this.current : undefined;
  }

  /** Synchronous, deadline-exact: true only while the current term holds. */
  isLeader(): boolean {
    return !!this.current?.isLeader;
  }

  /** Starts campaigning (idempotent). Aborting `signal` stops the candidate like `stop()`, with reason 'aborted'. */
  start(signal?: AbortSignal): this {
    if (this.running || this.stopping) return this;
    if (signal?.aborted) {
      // Already aborted (the owner is stopping): never campaign.
      this.stopReason = 'aborted';
      this.stopping = true;
      return this;
    }
    if (signal) {
      const onAbort = (): void => {
        this.stopReason = 'aborted';
        void this.stop();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // The owner's signal may outlive this candidate (a replica that refuses to lead stops its candidate and
      // starts a new one later): a stopped candidate takes its listener, and itself, off it.
      this.offOwnerAbort = () => signal.removeEventListener('abort', onAbort);
    }
    this.running = this.run();
    return this;
  }

  /** Steps down if leading (the term ends with 'resigned'; the next candidate is elected on our key's delete)
   * and campaigns again after `rejoinDelayMs`. Resolves true if a term was resigned. */
  async resign(): Promise<boolean> {
    const l = this.current;
    if (!l || l.ended) return false;
    await l.resign('resigned');
    return true;
  }

  /** Stops: a running term is resigned (key deleted, lease revoked) unless `resign: false`, in which case it
   * ends locally and the lease is left to expire; a pending campaign is aborted and its key deleted. */
  stop(opts: { resign?: boolean } = {}): Promise<void> {
    // Every caller waits for the same stop: a second stop() (the owner's, after its abort signal already started
    // one) used to return before the first one's resign was done, and the owner then closed the etcd client under it.
    this.stopped ??= this.doStop(opts);
    return this.stopped;
  }

  private async doStop(opts: { resign?: boolean }): Promise<void> {
    this.stopping = true;
    this.offOwnerAbort?.();
    this.stopAc.abort();
    this.campaignAbort?.abort();
    const l = this.current;
    if (l && !l.ended) {
      if (opts.resign ?? true) await l.resign(this.stopReason);
      else l.end('aborted', { closeSession: false });
    }
    await this.running;
    if (opts.resign === false) await this.session?.close({ revoke: false });
  }

  private setState(s: CandidateState): void {
    if (this.st === s) return;
    this.st = s;
    this.emit('state', s);
  }

  private value(): string {
    return typeof this.opts.value === 'function' ? this.opts.value() : this.opts.value;
  }

  private async run(): Promise<void> {
    const o = this.opts;
    const backoff = new Backoff({ initialMs: o.retryInitialMs ?? 200, maxMs: o.retryMaxMs ?? 2000 });
    const rejoin = o.rejoinDelayMs ?? 1000;
    while (!this.stopping) {
      const epoch = ++this.epochN;
      const ac = new AbortController();
      this.campaignAbort = ac;
      let session: LeaseSession | undefined;
      this.setState('campaigning');
      try {
        session = new LeaseSession(o.client, {
          ttlSeconds: o.ttlSeconds,
          ...(o.marginMs !== undefined ? { marginMs: o.marginMs } : {}),
          ...(o.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: o.keepaliveIntervalMs } : {}),
          ...(o.callTimeoutMs !== undefined ? { callTimeoutMs: o.callTimeoutMs } : {}),
          logger: this.log,
        });
        this.session = session;
        await session.start(ac.signal);
        const leadership = await this.election.campaign(session, this.value(), {
          signal: ac.signal,
          onQueued: (info) => {
            if (epoch === this.epochN && !this.stopping) this.emit('queued', info);
          },
        });
        // Ghost guard: never report a term from an old epoch, a stopped candidate or a term already over.
        if (epoch !== this.epochN || this.stopping || !leadership.isLeader) {
          await leadership.resign('aborted');
          continue;
        }
        backoff.reset();
        this.current = leadership;
        this.setState('leader');
        this.emit('elected', leadership.term, leadership);
        const loss = await leadership.lost;
        this.current = undefined;
        this.emit('lost', leadership.term, loss.reason, loss);
        if (this.stopping) break;
        this.setState('waiting');
        await sleep(rejoin * (0.5 + Math.random() / 2), this.stopAc.signal);
      } catch (err) {
        // Release the lease without waiting: during an outage the revoke would only time out, and the next
        // attempt uses a new lease anyway.
        void session?.close({ revoke: true });
        if (this.stopping) break;
        const e = err instanceof Error ? err : new Error(String(err));
        // debug: the owner reports campaign errors (the `campaign-error` event), once per outage rather than per try.
        this.log.debug({ err: errorMessage(e), reason: (e as { reason?: string }).reason }, 'campaign failed; retrying');
        this.emit('campaign-error', e);
        this.setState('waiting');
        await sleep(backoff.next(), this.stopAc.signal);
      } finally {
        if (this.campaignAbort === ac) this.campaignAbort = undefined;
      }
    }
    this.setState('stopped');
  }
}
