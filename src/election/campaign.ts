// The election itself: Go's concurrency.Election algorithm on etcd3's txn and watch primitives, with the
// checks Go and etcd3 leave out (operator-and-etcd-clients.md §3–§5):
//
//   1. txn: if create_revision(key) == 0 then put(key, value, lease) else get(key)   → our create revision
//   2. one consistent read (a txn of three ranges): the lowest candidate, our immediate predecessor, our key
//   3. our key gone → the campaign failed; we are lowest → elected; else watch only the predecessor's key from
//      the read's revision + 1 until it is deleted (or the watch errs/reconnects, or a periodic re-check is due)
//      and go back to 2
//   4. `elected` only from step 2's read, in the same tick as checking that the session is alive and the
//      campaign was not aborted — so no event ever comes from a dead, aborted or resigned campaign.
//
// A Leadership is one term. It ends exactly once: session lost (renew deadline, revoked), our key deleted
// (watched, and re-verified periodically), a fenced write that failed, resign, or abort.
import { EventEmitter } from 'node:events';
import { CompareResult, CompareTarget, SortOrder, SortTarget, isRecoverableError, type Etcd3, type IKeyValue, type IRangeResponse, type Watcher } from 'etcd3';
import { silentLogger, type Logger } from '../util/log.js';
import { errorMessage } from '../util/errors.js';
import { monotonicMs, sleep } from '../util/time.js';
import { EtcdEndpointUnavailableError, clientCallTimeoutMs, deadlineIn } from './client.js';
import { CampaignAbortedError, CampaignFailedError, FenceLostError, SessionLostError } from './errors.js';
import { FencedStore } from './fenced-store.js';
import { cancelWatcher, discardWatcher, silenceWatcher, trackWatcher } from './watch.js';
import { candidateKey, candidatePrefix, compareRevisions, normalizeElectionPrefix, prefixRangeEnd, revisionPlus, termOf, toKeyValue } from './keys.js';
import type { LeaseSession, SessionLoss } from './session.js';
import type { KeyValue, SessionLossReason, Term, TermLossReason } from './types.js';

export interface ElectionOptions {
  logger?: Logger;
  /** Deadline of each read/txn (default: the client's call timeout). */
  callTimeoutMs?: number;
  /** Re-read the election state at least this often while waiting or leading, even without watch events — a
   * safety net against a watch that silently stops delivering. Default 5000 ms. */
  recheckIntervalMs?: number;
}

export interface CampaignOptions {
  signal?: AbortSignal;
  /** Called once our candidate key exists (queued), with its create revision. */
  onQueued?: (info: { key: string; createRevision: string }) => void;
}

export interface LeaderRecord {
  value: string;
  term: Term;
  /** Store revision of the read. */
  revision: string;
}

export interface TermLoss {
  reason: TermLossReason;
  /** Monotonic ms from which the leader must no longer act (for 'renew-deadline': the deadline itself). */
  at: number;
  error?: Error;
}

/** Snapshot used by one campaign step. */
interface Snapshot {
  revision: string;
  lowest: KeyValue | undefined;
  predecessor: KeyValue | undefined;
  mine: KeyValue | undefined;
}

/** Connection-level failures (unavailable, deadline, reset, endpoint out of rotation): worth a retry. */
export function isTransient(err: unknown): boolean {
  return err instanceof EtcdEndpointUnavailableError || (err instanceof Error && isRecoverableError(err));
}

/** Resign: the lease is revoked this long after the guarded delete is answered, or REVOKE_AFTER_MS after it was
 * sent if it is not. The pause lets the successor's re-check read go first: a linearizable read waits behind a
 * revoke committed just before it (measured: ~1 ms of a ~7 ms hand-off). The key is already gone, so a lease
 * that lives a few ms longer holds nothing. */
const REVOKE_AFTER_DELETE_MS = 25;
const REVOKE_AFTER_MS = 250;

function rangeKvs(r: IRangeResponse | undefined): IKeyValue[] {
  return r?.kvs ?? [];
}

export class Election {
  readonly prefix: string;
  readonly candidatePrefix: string;
  readonly recheckIntervalMs: number;
  readonly callTimeoutMs: number;
  readonly log: Logger;

  constructor(
    readonly client: Etcd3,
    electionPrefix: string,
    opts: ElectionOptions = {},
  ) {
    this.prefix = normalizeElectionPrefix(electionPrefix);
    this.candidatePrefix = candidatePrefix(this.prefix);
    this.recheckIntervalMs = opts.recheckIntervalMs ?? 5000;
    this.callTimeoutMs = opts.callTimeoutMs ?? clientCallTimeoutMs(client);
    this.log = (opts.logger ?? silentLogger).child({ election: this.prefix });
  }

  deadline(): { deadline: Date } {
    return deadlineIn(this.callTimeoutMs);
  }

  private get rangeStart(): Buffer {
    return Buffer.from(this.candidatePrefix);
  }

  private get rangeEnd(): Buffer {
    return prefixRangeEnd(Buffer.from(this.candidatePrefix));
  }

  /** The current leader per the key store (lowest create revision), or undefined when nobody campaigns.
   * After an etcd restart this names the pre-outage leader for about one TTL although it no longer acts. */
  async leader(): Promise<LeaderRecord | undefined> {
    const r = await this.client.kv.range(
      { key: this.rangeStart, range_end: this.rangeEnd, sort_order: SortOrder.Ascend, sort_target: SortTarget.Create, limit: 1 },
      this.deadline(),
    );
    const kv = r.kvs[0];
    if (!kv) return undefined;
    const v = toKeyValue(kv);
    return { value: v.value, term: termOf(v), revision: String(r.header.revision) };
  }

  /** All candidates in election order (lowest create revision first), with the read's revision. */
  async candidates(): Promise<{ revision: string; candidates: KeyValue[] }> {
    const r = await this.client.kv.range(
      { key: this.rangeStart, range_end: this.rangeEnd, sort_order: SortOrder.Ascend, sort_target: SortTarget.Create },
      this.deadline(),
    );
    return { revision: String(r.header.revision), candidates: r.kvs.map(toKeyValue) };
  }

  /**
   * Campaigns with `session` and `value` (the candidate's opaque identity). Resolves with the Leadership once
   * elected — the session then belongs to that Leadership, which closes it when the term ends. Rejects with
   * CampaignAbortedError, SessionLostError, CampaignFailedError (our key vanished) or an etcd error; a failed
   * or aborted campaign deletes its key (guarded by its create revision) so it can never lead later, and the
   * session stays with the caller.
   */
  async campaign(session: LeaseSession, value: string, opts: CampaignOptions = {}): Promise<Leadership> {
    const { signal } = opts;
    const key = candidateKey(this.prefix, session.leaseId);
    const log = this.log.child({ key });
    const live = (): void => {
      if (signal?.aborted) throw new CampaignAbortedError();
      if (!session.isAlive()) throw new SessionLostError(session.lossInfo?.reason ?? 'renew-deadline', `campaign for ${key} ended: the lease session was lost (${session.lossInfo?.reason ?? 'renew-deadline'})`);
    };
    let myRev: string | undefined;
    let releaseWatch: (() => void) | undefined;
    try {
      live();
      // A timed-out create may have committed: retrying finds our key in the txn's else branch.
      myRev = await this.retrying<string>(live, signal, () => this.createKey(session, key, value));
      log.debug({ createRevision: myRev }, 'candidate key created');
      live();
      opts.onQueued?.({ key, createRevision: myRev });
      for (;;) {
        live();
        const rev: string = myRev;
        const release = (): void => {
          releaseWatch?.();
          releaseWatch = undefined;
        };
        let snap: Snapshot;
        try {
          // A re-check that has to be retried (etcd unreachable) gains nothing from the old watch: drop it then.
          snap = await this.retrying(live, signal, () => this.snapshot(key, rev), release);
        } finally {
          // Otherwise once this turn is over: the cancel is not on the way to `elected` either.
          if (releaseWatch) setImmediate(releaseWatch);
          releaseWatch = undefined;
        }
        live();
        if (!snap.mine || snap.mine.createRevision !== myRev) {
          throw new CampaignFailedError(
            'CandidateKeyDeleted',
            `candidate key ${key} (create revision ${myRev}) was deleted while waiting (lease expired or revoked); campaign again with a new session`,
          );
        }
        if (snap.lowest && snap.lowest.key === key && snap.lowest.createRevision === myRev) {
          // Verified in one consistent read: our key exists with our create revision and nothing is lower.
          const term: Term = { key, createRevision: myRev, leaseId: session.leaseId, leaseIdHex: session.leaseIdHex };
          log.info({ term: myRev, revision: snap.revision }, 'elected');
          return new Leadership(this, session, term, value, snap.revision);
        }
        if (!snap.predecessor) {
          // Lowest is not us yet nothing is below us: cannot happen in one snapshot; re-read after a beat.
          log.warn({ snap }, 'inconsistent election snapshot; re-reading');
          await sleep(50, signal);
          continue;
        }
        const wait = await this.waitForDelete(snap.predecessor.key, revisionPlus(snap.revision, 1), session, signal);
        releaseWatch = wait.release;
        log.debug({ predecessor: snap.predecessor.key, why: wait.why }, 'predecessor wait ended; re-checking');
      }
    } catch (err) {
      releaseWatch?.();
      // Never leave a queued key behind (it would lead later). With the session gone the lease takes the key
      // with it, so skip the round trip.
      if (myRev !== undefined && session.isAlive()) await this.deleteGuarded(key, myRev).catch(() => false);
      throw err;
    }
  }

  /** Runs `op`, retrying connection-level failures (keeping our place in the queue) while `live()` holds;
   * `onRetry` runs before each wait. */
  private async retrying<T>(live: () => void, signal: AbortSignal | undefined, op: () => Promise<T>, onRetry?: () => void): Promise<T> {
    let delay = 100;
    for (;;) {
      try {
        return await op();
      } catch (err) {
        if (!isTransient(err)) throw err;
        onRetry?.();
        live();
        this.log.debug({ err: errorMessage(err), retryInMs: delay }, 'etcd call failed; retrying while the session holds');
        await sleep(delay, signal);
        live();
        delay = Math.min(1000, delay * 2);
      }
    }
  }

  /** Step 1. Returns our key's create revision. */
  private async createKey(session: LeaseSession, key: string, value: string): Promise<string> {
    const k = Buffer.from(key);
    const res = await this.client.kv.txn(
      {
        compare: [{ key: k, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }],
        success: [{ request_put: { key: k, value: Buffer.from(value), lease: session.leaseId } }],
        failure: [{ request_range: { key: k } }],
      },
      this.deadline(),
    );
    if (res.succeeded) return String(res.header.revision);
    // The key exists: a retried create that had committed, or a campaign reusing this session.
    const kv = rangeKvs(res.responses[0]?.response_range)[0];
    if (!kv) throw new CampaignFailedError('CampaignFailed', `etcd reported ${key} as existing but returned no key`);
    if (String(kv.lease) !== session.leaseId) {
      throw new CampaignFailedError('CampaignFailed', `candidate key ${key} exists with lease ${String(kv.lease)}, not ours (${session.leaseId})`);
    }
    const rev = String(kv.create_revision);
    if (kv.value.toString() !== value) {
      // Go's Campaign proclaims the new value, guarded by the create revision.
      const p = await this.client.kv.txn(
        {
          compare: [{ key: k, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: rev }],
          success: [{ request_put: { key: k, value: Buffer.from(value), lease: session.leaseId } }],
        },
        this.deadline(),
      );
      if (!p.succeeded) throw new CampaignFailedError('CandidateKeyDeleted', `candidate key ${key} vanished while updating its value`);
    }
    return rev;
  }

  /** Step 2: lowest candidate, our immediate predecessor and our own key, at one revision. */
  private async snapshot(key: string, myRev: string): Promise<Snapshot> {
    const res = await this.client.kv.txn(
      {
        compare: [],
        success: [
          { request_range: { key: this.rangeStart, range_end: this.rangeEnd, sort_order: SortOrder.Ascend, sort_target: SortTarget.Create, limit: 1 } },
          {
            request_range: {
              key: this.rangeStart,
              range_end: this.rangeEnd,
              sort_order: SortOrder.Descend,
              sort_target: SortTarget.Create,
              limit: 1,
              max_create_revision: revisionPlus(myRev, -1),
            },
          },
          { request_range: { key: Buffer.from(key) } },
        ],
      },
      this.deadline(),
    );
    const pick = (i: number): KeyValue | undefined => {
      const kv = rangeKvs(res.responses[i]?.response_range)[0];
      return kv ? toKeyValue(kv) : undefined;
    };
    const predecessor = pick(1);
    return {
      revision: String(res.header.revision),
      lowest: pick(0),
      // max_create_revision is inclusive; guard against anything not strictly below us.
      predecessor: predecessor && compareRevisions(predecessor.createRevision, myRev) < 0 ? predecessor : undefined,
      mine: pick(2),
    };
  }

  /** Step 3: resolves when `key` is deleted at or after `fromRev` — or when it is time to re-read anyway. The
   * watch is cancelled by `release`, which the caller runs once its re-check read is answered: a cancel sent
   * ahead of that read is work etcd does while the hand-off waits on it (measured: ~1.5 ms of a ~9 ms
   * hand-off on 2 cores). */
  private waitForDelete(key: string, fromRev: string, session: LeaseSession, signal: AbortSignal | undefined): Promise<{ why: string; release: () => void }> {
    return new Promise((resolve) => {
      let done = false;
      let disconnected = false;
      const watcher = trackWatcher(this.client.watch().key(key).startRevision(fromRev).watcher());
      const finish = (why: string): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        session.off('lost', onLost);
        silenceWatcher(watcher);
        resolve({ why, release: () => void cancelWatcher(watcher) });
      };
      const onAbort = (): void => finish('aborted');
      const onLost = (): void => finish('session-lost');
      const timer = setTimeout(() => finish('recheck'), this.recheckIntervalMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      session.once('lost', onLost);
      watcher.on('delete', () => finish('deleted'));
      // Compaction below our start revision, or any cancel: re-read and re-watch from a fresh revision.
      watcher.on('error', (err: Error) => finish(`watch-error: ${err.message}`));
      watcher.on('disconnected', () => (disconnected = true));
      // etcd3 resumes a reconnected watch itself, but a second disconnect during catch-up can skip events
      // (§2.4): re-read instead of trusting the resume.
      watcher.on('connected', () => disconnected && finish('reconnected'));
      if (signal?.aborted) finish('aborted');
    });
  }

  /** Deletes `key` only if its create revision is still `rev`. Returns whether it deleted. */
  async deleteGuarded(key: string, rev: string): Promise<boolean> {
    const k = Buffer.from(key);
    const res = await this.client.kv.txn(
      {
        compare: [{ key: k, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: rev }],
        success: [{ request_delete_range: { key: k } }],
      },
      this.deadline(),
    );
    return res.succeeded;
  }

  /** Reads one key (undefined when absent). */
  async readKey(key: string): Promise<KeyValue | undefined> {
    const r = await this.client.kv.range({ key: Buffer.from(key) }, this.deadline());
    const kv = r.kvs[0];
    return kv ? toKeyValue(kv) : undefined;
  }
}

export interface Leadership {
  on(event: 'lost', listener: (reason: TermLossReason, loss: TermLoss) => void): this;
  once(event: 'lost', listener: (reason: TermLossReason, loss: TermLoss) => void): this;
}

const sessionToTerm: Record<SessionLossReason, TermLossReason> = {
  'renew-deadline': 'renew-deadline',
  'lease-revoked': 'lease-revoked',
  'grant-failed': 'lease-revoked',
  closed: 'session-closed',
};

/**
 * One leadership term. Act as leader only while `isLeader` is true (check it before every leader action:
 * the `lost` event can be delivered late on a busy event loop, `isLeader` cannot), and write leader-only state
 * through `store` (fenced by the term).
 */
export class Leadership extends EventEmitter {
  /** Resolves (never rejects) when the term ends. */
  readonly lost: Promise<TermLoss>;
  /** Leader-only writes, fenced by this term. */
  readonly store: FencedStore;
  /** Monotonic ms at which we were elected. */
  readonly electedAt: number;
  private loss: TermLoss | undefined;
  private resolveLost!: (l: TermLoss) => void;
  private watcher: Watcher | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private resigning: Promise<boolean> | undefined;
  private readonly log: Logger;
  private readonly onSessionLost: (reason: SessionLossReason, loss: SessionLoss) => void;

  constructor(
    readonly election: Election,
    readonly session: LeaseSession,
    readonly term: Term,
    readonly value: string,
    /** The store revision at which our key was verified to be the lowest. */
    readonly electedRevision: string,
  ) {
    super();
    this.electedAt = monotonicMs();
    this.log = election.log.child({ term: term.createRevision, key: term.key });
    this.lost = new Promise((resolve) => (this.resolveLost = resolve));
    this.store = new FencedStore(this);
    this.onSessionLost = (reason, loss) => this.end(sessionToTerm[reason], { at: loss.at, ...(loss.error ? { error: loss.error } : {}) });
    session.once('lost', this.onSessionLost);
    // Started after this turn (so after `elected` is delivered): the watch begins at the verified revision, so
    // nothing that happens in between is missed.
    setImmediate(() => this.watchOwnKey(revisionPlus(electedRevision, 1)));
    this.armRecheck();
  }

  /** True while this term holds: not ended, and the session's renew deadline has not passed. */
  get isLeader(): boolean {
    return this.loss === undefined && this.session.isAlive();
  }

  get ended(): boolean {
    return this.loss !== undefined;
  }

  get lossInfo(): TermLoss | undefined {
    return this.loss;
  }

  /** Throws FenceLostError unless `isLeader`. */
  assertLeading(): void {
    if (!this.loss && !this.session.isAlive()) this.session.checkExpiry(); // ends the term now if the deadline passed
    if (this.loss) throw new FenceLostError(this.term, this.loss.reason === 'renew-deadline' ? 'renew-deadline' : 'term-ended', this.loss.reason);
    if (!this.session.isAlive()) throw new FenceLostError(this.term, 'renew-deadline');
  }

  /**
   * Steps down: ends the term at once (`lost` fires with `reason` before anything is sent to etcd, so we stop
   * acting before a successor can start), deletes our key guarded by its create revision — the next candidate
   * is elected on that delete — and revokes the lease. Resolves true when our key is gone (deleted or its lease
   * revoked by us); never throws. Idempotent.
   */
  resign(reason: 'resigned' | 'aborted' = 'resigned'): Promise<boolean> {
    if (this.resigning) return this.resigning;
    this.end(reason, { closeSession: false, keepWatch: true });
    // The hand-off is the delete: nothing else goes to etcd until it is answered — not the watch cancel (the
    // watch's handlers are no-ops now that the term has ended) and not the lease revoke, which etcd would
    // otherwise handle before or alongside it, each one more thing for the successor to wait behind.
    const deleted = this.election.deleteGuarded(this.term.key, this.term.createRevision).then(
      (ok) => ok,
      (err: unknown) => {
        this.log.warn({ err: errorMessage(err) }, 'resign: guarded delete of the leader key failed');
        return false;
      },
    );
    void deleted.finally(() => this.stopWatch());
    this.resigning = (async () => {
      // Then the revoke (which also removes the key, should the delete have failed) — or sooner, if the delete
      // hangs: an etcd outage then costs one call timeout, not two.
      const answered = new AbortController();
      void deleted.finally(() => setTimeout(() => answered.abort(), REVOKE_AFTER_DELETE_MS));
      await sleep(REVOKE_AFTER_MS, answered.signal);
      const [del, revoked] = await Promise.all([deleted, this.session.closeAndRevoke()]);
      return del || revoked;
    })();
    return this.resigning;
  }

  /** Ends the term locally (idempotent). Used by the session, the key watch, the fenced store and resign. */
  end(reason: TermLossReason, opts: { at?: number; error?: Error; closeSession?: boolean; keepWatch?: boolean } = {}): boolean {
    if (this.loss) return false;
    if (reason !== 'renew-deadline' && reason !== 'lease-revoked' && reason !== 'session-closed') {
      // Whatever noticed first, a passed renew deadline is what ended the term (and when): the session's
      // synchronous loss ends it here with 'renew-deadline' at the deadline.
      this.session.checkExpiry();
      if (this.loss) return false;
    }
    this.loss = { reason, at: opts.at ?? monotonicMs(), ...(opts.error ? { error: opts.error } : {}) };
    this.session.off('lost', this.onSessionLost);
    clearTimeout(this.recheckTimer);
    if (!opts.keepWatch) this.stopWatch();
    const level = reason === 'resigned' || reason === 'aborted' ? 'info' : 'warn';
    this.log[level]({ reason, heldMs: Math.round(this.loss.at - this.electedAt), err: opts.error ? errorMessage(opts.error) : undefined }, 'leadership lost');
    this.resolveLost(this.loss);
    // A term's session is single-use: once the term is over, release the lease (resign does it itself, after
    // deleting the key, so the hand-off does not wait for the revoke).
    if (opts.closeSession ?? true) void this.session.close({ revoke: true });
    this.emit('lost', reason, this.loss);
    return true;
  }

  private watchOwnKey(fromRev: string): void {
    if (this.loss) return;
    let disconnected = false;
    const w = trackWatcher(this.election.client.watch().key(this.term.key).startRevision(fromRev).watcher());
    this.watcher = w;
    w.on('delete', () => this.end('key-deleted'));
    w.on('put', (kv: IKeyValue) => {
      if (String(kv.create_revision) !== this.term.createRevision) this.end('key-deleted');
    });
    w.on('error', (err: Error) => {
      this.log.debug({ err: errorMessage(err) }, 'leader key watch failed; re-verifying and re-watching');
      this.stopWatch();
      void this.verify(true);
    });
    w.on('disconnected', () => (disconnected = true));
    w.on('connected', () => {
      if (!disconnected) return;
      disconnected = false;
      void this.verify(false);
    });
  }

  private stopWatch(): void {
    const w = this.watcher;
    this.watcher = undefined;
    if (w) discardWatcher(w);
  }

  private armRecheck(): void {
    clearTimeout(this.recheckTimer);
    if (this.loss) return;
    this.recheckTimer = setTimeout(() => {
      void this.verify(false).finally(() => this.armRecheck());
    }, this.election.recheckIntervalMs);
  }

  /** Reads our key; ends the term if it is gone or re-created. Read errors are not evidence (the session
   * deadline covers an unreachable etcd). */
  private async verify(rewatch: boolean): Promise<void> {
    for (;;) {
      if (this.loss) return;
      try {
        const r = await this.election.client.kv.range({ key: Buffer.from(this.term.key) }, this.election.deadline());
        if (this.loss) return;
        const kv = r.kvs[0];
        if (!kv || String(kv.create_revision) !== this.term.createRevision) {
          this.end('key-deleted');
          return;
        }
        if (rewatch) this.watchOwnKey(revisionPlus(String(r.header.revision), 1));
        return;
      } catch (err) {
        if (!rewatch) return;
        this.log.debug({ err: errorMessage(err) }, 'leader key verify failed; retrying');
        await sleep(250);
      }
    }
  }

  /** @internal The fenced store reports a failed fence here. */
  fenceFailed(): FenceLostError {
    this.end('fence-failed');
    return new FenceLostError(this.term, 'compare-failed', this.loss?.reason);
  }
}
