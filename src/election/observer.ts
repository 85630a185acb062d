// Observes who leads an election prefix, for standbys and the operator.
//
// List the candidates (a range at revision R), then watch the prefix from R + 1 and apply every put/delete to
// the local candidate map; the leader is the lowest create revision. A watch error (e.g. compaction below the
// start revision) re-lists; a disconnect or a failed connectivity probe makes the view "unknown" until a re-list
// succeeds. The view is the key store's: after an etcd restart it names the pre-outage leader for about one TTL
// although that leader has stepped down (operator-and-etcd-clients.md §3.2) — show "who acts as leader" from
// the leader's own deadline-checked status, not from this alone.
import { EventEmitter } from 'node:events';
import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import { silentLogger, type Logger } from '../util/log.js';
import { errorMessage } from '../util/errors.js';
import { Backoff } from '../util/backoff.js';
import { sleep } from '../util/time.js';
import { Election } from './campaign.js';
import { discardWatcher, trackWatcher } from './watch.js';
import { compareRevisions, sameTerm, termOf, toKeyValue } from './keys.js';
import type { KeyValue, LeaderView } from './types.js';

export interface LeaderObserverOptions {
  logger?: Logger;
  callTimeoutMs?: number;
  /** Period of a cheap count-only read that proves the connection works; a failure makes the view unknown
   * and forces a re-list (a silently dead connection delivers no watch error). Default 1000 ms. */
  probeIntervalMs?: number;
}

export interface LeaderObserver {
  on(event: 'change', listener: (view: LeaderView, previous: LeaderView) => void): this;
  once(event: 'change', listener: (view: LeaderView, previous: LeaderView) => void): this;
}

export class LeaderObserver extends EventEmitter {
  private readonly election: Election;
  private readonly log: Logger;
  private readonly probeIntervalMs: number;
  private view: LeaderView = { state: 'unknown', since: Date.now(), error: 'not synced yet' };
  private candidates = new Map<string, KeyValue>();
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly stopAc = new AbortController();
  private wake: ((why: string) => void) | undefined;
  private stats = { relists: 0, watchErrors: 0, disconnects: 0 };

  constructor(client: Etcd3, electionPrefix: string, opts: LeaderObserverOptions = {}) {
    super();
    this.log = (opts.logger ?? silentLogger).child({ observer: electionPrefix });
    this.election = new Election(client, electionPrefix, { logger: this.log, ...(opts.callTimeoutMs ? { callTimeoutMs: opts.callTimeoutMs } : {}) });
    this.probeIntervalMs = opts.probeIntervalMs ?? 1000;
  }

  get current(): LeaderView {
    return this.view;
  }

  get counters(): { relists: number; watchErrors: number; disconnects: number } {
    return { ...this.stats };
  }

  /** Starts observing (idempotent). Stops when `signal` aborts or `stop()` is called. */
  start(signal?: AbortSignal): this {
    if (this.running || this.stopped) return this;
    signal?.addEventListener('abort', () => void this.stop(), { once: true });
    this.running = this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopAc.abort();
    this.wake?.('stopped');
    await this.running;
  }

  /** Resolves with the first view (current or future) that satisfies `pred`. */
  next(pred: (v: LeaderView) => boolean, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<LeaderView> {
    if (pred(this.view)) return Promise.resolve(this.view);
    return new Promise((resolve, reject) => {
      const timer = opts.timeoutMs !== undefined ? setTimeout(() => done(new Error(`no matching leader view within ${opts.timeoutMs} ms (current: ${JSON.stringify(this.view)})`)), opts.timeoutMs) : undefined;
      const onChange = (v: LeaderView): void => {
        if (pred(v)) done(undefined, v);
      };
      const onAbort = (): void => done(new Error('aborted'));
      const done = (err?: Error, v?: LeaderView): void => {
        clearTimeout(timer);
        this.off('change', onChange);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(v!);
      };
      this.on('change', onChange);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private setView(next: LeaderView): void {
    const prev = this.view;
    const same =
      prev.state === next.state &&
      (next.state !== 'leader' || (prev.state === 'leader' && sameTerm(prev.term, next.term) && prev.value === next.value));
    if (same) {
      // Keep `since`; refresh the revision.
      if (next.state !== 'unknown' && prev.state !== 'unknown') this.view = { ...next, since: prev.since } as LeaderView;
      return;
    }
    this.view = next;
    this.emit('change', next, prev);
  }

  private publish(revision: string): void {
    let lowest: KeyValue | undefined;
    for (const kv of this.candidates.values()) {
      if (!lowest || compareRevisions(kv.createRevision, lowest.createRevision) < 0) lowest = kv;
    }
    const now = Date.now();
    if (!lowest) this.setView({ state: 'none', since: now, revision });
    else this.setView({ state: 'leader', since: now, revision, value: lowest.value, term: termOf(lowest) });
  }

  private unknown(error: string): void {
    if (this.view.state !== 'unknown') this.log.debug({ error }, 'leader unknown');
    this.setView({ state: 'unknown', since: Date.now(), error });
  }

  private async run(): Promise<void> {
    const backoff = new Backoff({ initialMs: 100, maxMs: 2000 });
    while (!this.stopped) {
      let watcher: Watcher | undefined;
      let probe: NodeJS.Timeout | undefined;
      // This watch's probe chain: a probe answered after the watch is gone neither re-arms nor wakes the next one.
      let probing = true;
      try {
        const trouble = new Promise<string>((resolve) => (this.wake = resolve));
        const snap = await this.election.candidates();
        if (this.stopped) break;
        this.stats.relists++;
        this.candidates = new Map(snap.candidates.map((kv) => [kv.key, kv]));
        this.publish(snap.revision);
        backoff.reset();
        const w = trackWatcher(this.election.client.watch().prefix(this.election.candidatePrefix).startRevision(String(BigInt(snap.revision) + 1n)).watcher());
        watcher = w;
        w.on('data', (res: IWatchResponse) => {
          for (const ev of res.events) {
            const kv = toKeyValue(ev.kv);
            if (ev.type === 'Delete') this.candidates.delete(kv.key);
            else this.candidates.set(kv.key, kv);
          }
          if (res.events.length > 0) this.publish(String(res.header.revision));
        });
        w.on('error', (err: Error) => {
          this.stats.watchErrors++;
          this.wake?.(`watch error: ${err.message}`);
        });
        w.on('disconnected', () => {
          this.stats.disconnects++;
          this.wake?.('watch disconnected');
        });
        const probeOnce = (): void => {
          probe = setTimeout(() => {
            this.election.client.kv
              .range({ key: Buffer.from(this.election.candidatePrefix), count_only: true }, { deadline: new Date(Date.now() + Math.max(this.probeIntervalMs, 500)) })
              .then(
                () => probing && probeOnce(),
                (err: unknown) => probing && this.wake?.(`probe failed: ${errorMessage(err)}`),
              );
          }, this.probeIntervalMs);
        };
        probeOnce();
        const why = await trouble;
        if (why === 'stopped') break;
        this.log.debug({ why }, 'observer re-listing');
        // A compaction/cancel is not a connectivity problem: keep the view while re-listing.
        if (!why.startsWith('watch error')) this.unknown(why);
      } catch (err) {
        this.unknown(errorMessage(err));
        await sleep(backoff.next(), this.stopAc.signal);
      } finally {
        probing = false;
        clearTimeout(probe);
        this.wake = undefined;
        if (watcher) discardWatcher(watcher);
      }
    }
  }
}
