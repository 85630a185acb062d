// Leader election on a coordination.k8s.io/v1 Lease with client-go's algorithm (tools/leaderelection), which
// client-node does not ship (operator-and-etcd-clients.md §1.7, §5):
//
// - tryAcquireOrRenew: read the Lease; missing → create it holding it. Otherwise, if the record changed since we
//   last looked (its resourceVersion), remember *our own monotonic time* of that observation: a follower judges
//   expiry from when it saw the record change, never from the renewTime the holder wrote (clocks differ). Held by
//   someone else and observedAt + leaseDurationSeconds still in the future → not ours. Else write the record
//   (holder = us, renewTime = now, acquireTime kept while we hold it, leaseTransitions + 1 on a change of
//   holder) with a PUT carrying the resourceVersion: a compare-and-swap, so two candidates never both win.
// - Candidates retry every retryPeriod (jittered ×1.2). The leader renews every retryPeriod; it *stops acting*
//   at lastRenew + renewDeadline (`isLeader()` checks the monotonic clock on every call, and `lost` fires then),
//   which is before any follower can consider the lease expired (leaseDuration > renewDeadline).
// - Defaults 15 s / 10 s / 2 s (controller-runtime). Times are MicroTime on the wire (six fractional digits).
// - Stop while leading releases the Lease (holder "", leaseDurationSeconds 1), so a standby takes over at once.
// - client-go does not fence, and neither can this: design for a brief double-leader window (the API server's
//   optimistic concurrency and idempotent reconciles make it harmless).
// This module has no runtime client-node dependency (the Lease store adapter is lease-store.ts).
import { EventEmitter } from 'node:events';
import { errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { monotonicMs, sleep } from '../util/time.js';
import { decodeApiError } from './errors.js';

export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** Epoch ms (written as MicroTime). */
  acquireTime?: number;
  renewTime?: number;
  leaseTransitions: number;
}

export interface StoredLease {
  record: LeaseRecord;
  resourceVersion: string;
}

/** Access to one Lease object. `update` must be a compare-and-swap on `resourceVersion` (409 otherwise). */
export interface LeaseStore {
  readonly description: string;
  get(signal: AbortSignal): Promise<StoredLease | undefined>;
  create(record: LeaseRecord, signal: AbortSignal): Promise<StoredLease>;
  update(record: LeaseRecord, resourceVersion: string, signal: AbortSignal): Promise<StoredLease>;
}

export interface LeaseElectorOptions {
  store: LeaseStore;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Release the Lease on stop() while leading (default true). */
  releaseOnStop?: boolean;
  logger?: Logger;
  /** Wall clock for renewTime/acquireTime (default Date.now). */
  wallNow?: () => number;
}

export interface LeaseElector {
  on(event: 'elected', listener: (info: { identity: string; transitions: number }) => void): this;
  on(event: 'lost', listener: (info: { reason: 'renew-deadline' | 'stopped'; at: number }) => void): this;
  on(event: 'leader', listener: (holder: string | undefined) => void): this;
  once(event: 'elected' | 'lost' | 'leader', listener: (...args: never[]) => void): this;
}

export class LeaseElector extends EventEmitter {
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  private readonly log: Logger;
  private readonly wallNow: () => number;
  private observed: StoredLease | undefined;
  private observedAt = 0;
  private leading = false;
  /** Monotonic send time of the last successful acquire/renew. */
  private lastRenewAt = 0;
  private lossTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly stopAc = new AbortController();
  private holder_: string | undefined;
  private counters = { attempts: 0, failures: 0, acquisitions: 0, renewals: 0, slowpath: 0 };

  constructor(private readonly opts: LeaseElectorOptions) {
    super();
    this.identity = opts.identity;
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    if (!opts.identity) throw new Error('LeaseElector needs an identity');
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error(`leaseDuration (${this.leaseDurationMs} ms) must be greater than renewDeadline (${this.renewDeadlineMs} ms)`);
    if (this.renewDeadlineMs <= this.retryPeriodMs * 1.2) throw new Error(`renewDeadline (${this.renewDeadlineMs} ms) must be greater than retryPeriod × 1.2 (${this.retryPeriodMs * 1.2} ms)`);
    if (this.leaseDurationMs < 1000) throw new Error('leaseDuration must be at least 1 s (the Lease holds whole seconds)');
    this.log = (opts.logger ?? silentLogger).child({ component: 'lease-election', lease: opts.store.description, identity: opts.identity });
    this.wallNow = opts.wallNow ?? Date.now;
  }

  /** True only while leading and before the renew deadline (checked against the monotonic clock now). */
  isLeader(): boolean {
    return this.leading && monotonicMs() < this.lastRenewAt + this.renewDeadlineMs;
  }

  /** The holder we last observed (undefined = nobody / unknown). */
  get holder(): string | undefined {
    return this.holder_;
  }

  stats(): { leading: boolean; holder: string | undefined; transitions: number | undefined; attempts: number; failures: number; acquisitions: number; renewals: number; slowpath: number } {
    return { leading: this.isLeader(), holder: this.holder_, transitions: this.observed?.record.leaseTransitions, ...this.counters };
  }

  /** Campaigns until elected, then renews until the deadline passes or stop(). One term per elector. */
  start(signal?: AbortSignal): this {
    if (this.running || this.stopped) return this;
    signal?.addEventListener('abort', () => void this.stop(), { once: true });
    this.running = this.run().catch((err: unknown) => this.log.error({ err: errorMessage(err) }, 'lease election loop crashed'));
    return this;
  }

  /** Resolves once elected (rejects when stopped first). */
  waitForLeadership(): Promise<void> {
    if (this.isLeader()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onElected = () => {
        this.stopAc.signal.removeEventListener('abort', onStop);
        resolve();
      };
      const onStop = () => {
        this.off('elected', onElected);
        reject(new Error('lease elector stopped before it was elected'));
      };
      this.once('elected', onElected);
      this.stopAc.signal.addEventListener('abort', onStop, { once: true });
    });
  }

  /** Stops campaigning/renewing; releases the Lease when leading (default). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const wasLeader = this.isLeader();
    this.stopAc.abort();
    await this.running;
    if (this.leading) this.endTerm('stopped');
    if (wasLeader && (this.opts.releaseOnStop ?? true)) await this.release();
  }

  private async run(): Promise<void> {
    // Acquire.
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) break;
      await sleep(this.retryPeriodMs * (1 + 0.2 * Math.random()), this.stopAc.signal);
    }
    if (this.stopped) return;
    this.leading = true;
    this.counters.acquisitions++;
    this.armLoss();
    this.log.info({ transitions: this.observed?.record.leaseTransitions }, 'acquired the lease; leading');
    this.emit('elected', { identity: this.identity, transitions: this.observed?.record.leaseTransitions ?? 0 });
    // Renew every retryPeriod; give up at the deadline.
    while (!this.stopped && this.isLeader()) {
      await sleep(this.retryPeriodMs, this.stopAc.signal);
      while (!this.stopped && this.isLeader()) {
        if (await this.tryAcquireOrRenew()) {
          this.counters.renewals++;
          this.armLoss();
          break;
        }
        const left = this.lastRenewAt + this.renewDeadlineMs - monotonicMs();
        if (left <= 0) break;
        await sleep(Math.min(this.retryPeriodMs, left), this.stopAc.signal);
      }
    }
    if (!this.stopped && this.leading) this.endTerm('renew-deadline');
  }

  private armLoss(): void {
    clearTimeout(this.lossTimer);
    const left = this.lastRenewAt + this.renewDeadlineMs - monotonicMs();
    this.lossTimer = setTimeout(() => {
      if (this.leading && !this.isLeader()) this.endTerm('renew-deadline');
    }, Math.max(0, left) + 1);
    this.lossTimer.unref();
  }

  private endTerm(reason: 'renew-deadline' | 'stopped'): void {
    if (!this.leading) return;
    this.leading = false;
    clearTimeout(this.lossTimer);
    const at = Math.min(monotonicMs(), this.lastRenewAt + this.renewDeadlineMs);
    if (reason === 'renew-deadline') this.log.error({ renewDeadlineMs: this.renewDeadlineMs }, 'leader election lost: the lease was not renewed within the renew deadline');
    this.emit('lost', { reason, at });
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    this.counters.attempts++;
    const sentAt = monotonicMs();
    // A request must not outlive our deadline (leader) or one retry period (candidate).
    const budget = this.leading ? Math.max(1, this.lastRenewAt + this.renewDeadlineMs - sentAt) : Math.max(this.retryPeriodMs, 1000);
    const signal = AbortSignal.any([this.stopAc.signal, AbortSignal.timeout(Math.ceil(budget))]);
    const now = this.wallNow();
    const mine: LeaseRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    try {
      const cur = await this.opts.store.get(signal);
      if (!cur) {
        const created = await this.opts.store.create(mine, signal);
        this.observe(created, sentAt);
        this.lastRenewAt = sentAt;
        return true;
      }
      if (!this.observed || this.observed.resourceVersion !== cur.resourceVersion) this.observe(cur, monotonicMs());
      const old = cur.record;
      const heldByOther = old.holderIdentity !== '' && old.holderIdentity !== this.identity;
      if (heldByOther && this.observedAt + old.leaseDurationSeconds * 1000 > monotonicMs()) return false;
      if (old.holderIdentity === this.identity && this.leading) {
        mine.acquireTime = old.acquireTime ?? now;
        mine.leaseTransitions = old.leaseTransitions;
      } else {
        // A change of holder (or our own stale record from a previous process).
        mine.leaseTransitions = old.holderIdentity === this.identity ? old.leaseTransitions : old.leaseTransitions + 1;
        if (heldByOther) this.counters.slowpath++;
      }
      const updated = await this.opts.store.update(mine, cur.resourceVersion, signal);
      this.observe(updated, sentAt);
      this.lastRenewAt = sentAt;
      return true;
    } catch (err) {
      this.counters.failures++;
      const d = decodeApiError(err);
      if (d.code === 409) this.log.debug('lease changed under us (409); retrying');
      else this.log.warn({ code: d.code, reason: d.reason, err: d.message }, this.leading ? 'lease renewal failed' : 'lease acquisition attempt failed');
      return false;
    }
  }

  private observe(s: StoredLease, at: number): void {
    this.observed = s;
    this.observedAt = at;
    const holder = s.record.holderIdentity || undefined;
    if (holder !== this.holder_) {
      this.holder_ = holder;
      this.emit('leader', holder);
    }
  }

  private async release(): Promise<void> {
    const cur = this.observed;
    if (!cur) return;
    const now = this.wallNow();
    try {
      const signal = AbortSignal.timeout(Math.max(1000, this.retryPeriodMs));
      await this.opts.store.update({ holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: cur.record.leaseTransitions }, cur.resourceVersion, signal);
      this.log.info('released the lease');
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'could not release the lease; it expires by itself');
    }
  }
}
