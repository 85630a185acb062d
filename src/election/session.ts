// A lease session: one etcd lease, kept alive, with a local renew deadline.
//
// The session is alive only while `now < lastAck + TTL − margin` on the monotonic clock, where lastAck is the
// send time of the newest acknowledged keepalive (the LeaseGrant request time to begin with). It is lost —
// exactly once, with a typed reason — when that deadline passes, when etcd answers a keepalive with TTL 0 or
// "lease not found" (revoked/expired), when the grant fails, or when the owner closes it.
//
// We run our own keepalive loop on etcd3's Lease RPC client instead of etcd3's `Lease` class because that
// class stamps `lastKeepAlive` at response time with Date.now(), keeps a fixed TTL/3 period, and reports loss
// only after 2×TTL (operator-and-etcd-clients.md §2.3).
import { EventEmitter } from 'node:events';
import { EtcdLeaseInvalidError, type Etcd3, type IDuplexStream, type ILeaseKeepAliveRequest, type ILeaseKeepAliveResponse } from 'etcd3';
import { silentLogger, type Logger } from '../util/log.js';
import { errorMessage } from '../util/errors.js';
import { monotonicMs } from '../util/time.js';
import { clientCallTimeoutMs, deadlineIn } from './client.js';
import { CampaignAbortedError, SessionLostError } from './errors.js';
import { leaseIdHex } from './keys.js';
import { AckTracker, effectiveTtlMs, resolveSessionTiming, type SessionTiming, type SessionTimingOptions } from './timing.js';
import type { SessionLossReason } from './types.js';

export interface LeaseSessionOptions extends SessionTimingOptions {
  logger?: Logger;
  /** Deadline of LeaseRevoke (default: the client's call timeout). LeaseGrant uses min(this, TTL − margin):
   * a grant slower than the renew window would be dead on arrival anyway. */
  callTimeoutMs?: number;
  /** When the renew deadline passes, revoke the lease (best effort) so a successor need not wait for etcd to
   * expire it. Default true. */
  revokeOnLoss?: boolean;
}

export interface SessionLoss {
  reason: SessionLossReason;
  /** Monotonic ms at which the session stopped being valid (the deadline itself for 'renew-deadline'). */
  at: number;
  error?: Error;
}

export interface KeepaliveInfo {
  /** Monotonic send time of the acknowledged request (the new lastAck). */
  lastAckAt: number;
  /** Request → response time. */
  rttMs: number;
}

type State = 'new' | 'granting' | 'alive' | 'lost';
type KeepaliveStream = IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>;

export interface LeaseSession {
  on(event: 'lost', listener: (reason: SessionLossReason, loss: SessionLoss) => void): this;
  on(event: 'renewed', listener: (info: KeepaliveInfo) => void): this;
  once(event: 'lost', listener: (reason: SessionLossReason, loss: SessionLoss) => void): this;
  once(event: 'renewed', listener: (info: KeepaliveInfo) => void): this;
}

export class LeaseSession extends EventEmitter {
  readonly timing: SessionTiming;
  /** Resolves (never rejects) when the session is lost. */
  readonly lost: Promise<SessionLoss>;
  private readonly log: Logger;
  private readonly callTimeoutMs: number;
  private readonly revokeOnLoss: boolean;
  private state: State = 'new';
  private id: string | undefined;
  private renewWindowMs: number;
  private lastAck = 0;
  private loss: SessionLoss | undefined;
  private resolveLost!: (l: SessionLoss) => void;
  private stream: KeepaliveStream | undefined;
  private streamGen = 0;
  private opening = false;
  private readonly tracker = new AckTracker();
  private interval: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private revoking: Promise<boolean> | undefined;

  constructor(
    private readonly client: Etcd3,
    opts: LeaseSessionOptions,
  ) {
    super();
    this.timing = resolveSessionTiming(opts);
    this.renewWindowMs = this.timing.renewWindowMs;
    this.log = opts.logger ?? silentLogger;
    this.callTimeoutMs = opts.callTimeoutMs ?? clientCallTimeoutMs(client);
    this.revokeOnLoss = opts.revokeOnLoss ?? true;
    this.lost = new Promise((resolve) => (this.resolveLost = resolve));
  }

  /** Grants a lease and starts keeping it alive. Throws SessionLostError('grant-failed') on failure. */
  static async grant(client: Etcd3, opts: LeaseSessionOptions, signal?: AbortSignal): Promise<LeaseSession> {
    const s = new LeaseSession(client, opts);
    await s.start(signal);
    return s;
  }

  /** The lease id (decimal string). Throws before the grant succeeded. */
  get leaseId(): string {
    if (this.id === undefined) throw new Error('lease session not granted yet');
    return this.id;
  }

  get leaseIdHex(): string {
    return leaseIdHex(this.leaseId);
  }

  get granted(): boolean {
    return this.id !== undefined;
  }

  /** Monotonic ms of the newest acknowledged keepalive's send time (the grant request time at first). */
  get lastAckAt(): number {
    return this.lastAck;
  }

  /** Monotonic ms at which the session stops being valid unless a keepalive is acknowledged first. */
  get deadline(): number {
    return this.lastAck + this.renewWindowMs;
  }

  /** ms left before the renew deadline (≤ 0 once passed). */
  remainingMs(): number {
    return this.deadline - monotonicMs();
  }

  get lossInfo(): SessionLoss | undefined {
    return this.loss;
  }

  /** True while the lease is provably alive. Synchronous and exact even when timers run late: it compares the
   * clock with the deadline instead of waiting for the deadline timer. */
  isAlive(): boolean {
    if (this.state !== 'alive') return false;
    if (monotonicMs() < this.deadline) return true;
    setImmediate(() => this.checkDeadline());
    return false;
  }

  /** Loses the session now (synchronously, reason 'renew-deadline') if its deadline has passed. Returns true
   * when the session is lost. Lets other loss detectors attribute an ending to the deadline when the deadline
   * came first, even if a socket event is processed before the deadline timer. */
  checkExpiry(): boolean {
    if (this.state === 'alive') this.checkDeadline();
    return this.state === 'lost';
  }

  async start(signal?: AbortSignal): Promise<void> {
    if (this.state !== 'new') throw new Error(`lease session already ${this.state}`);
    this.state = 'granting';
    // The deadline clock starts at the request, not the response: etcd starts the TTL when it applies the
    // grant, which is after we sent it.
    const requestedAt = monotonicMs();
    let res;
    try {
      if (signal?.aborted) throw new CampaignAbortedError('lease grant aborted');
      res = await this.client.leaseClient.leaseGrant(
        { TTL: this.timing.ttlSeconds, ID: 0 },
        deadlineIn(Math.min(this.callTimeoutMs, this.timing.renewWindowMs)),
      );
      if (res.error) throw new Error(`etcd refused the lease grant: ${res.error}`);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      this.lose('grant-failed', e);
      if (err instanceof CampaignAbortedError) throw err;
      throw new SessionLostError('grant-failed', `etcd lease grant (TTL ${this.timing.ttlSeconds}s) failed: ${e.message}`, { cause: e });
    }
    this.id = String(res.ID);
    const granted = Number(res.TTL);
    this.renewWindowMs = effectiveTtlMs(this.timing.ttlSeconds, granted) - this.timing.marginMs;
    this.lastAck = requestedAt;
    if (this.state !== 'granting') {
      // Closed while the grant was in flight: do not leak the lease.
      await this.revokeQuietly();
      throw new SessionLostError(this.loss?.reason ?? 'closed', 'lease session closed during the grant');
    }
    if (signal?.aborted) {
      this.state = 'alive';
      await this.close();
      throw new CampaignAbortedError('lease grant aborted');
    }
    this.state = 'alive';
    this.log.debug({ leaseId: this.id, leaseIdHex: this.leaseIdHex, ttlSeconds: this.timing.ttlSeconds, grantedTtl: granted, grantMs: Math.round(monotonicMs() - requestedAt) }, 'lease granted');
    if (!this.checkDeadline()) {
      throw new SessionLostError('renew-deadline', `the lease grant took longer than the renew window (${this.renewWindowMs} ms)`);
    }
    this.interval = setInterval(() => this.sendKeepalive(), this.timing.keepaliveIntervalMs);
    this.openStream();
  }

  /**
   * Ends the session (reason 'closed' unless already lost) and, by default, revokes the lease so every key
   * attached to it disappears now. Never throws; bounded by the call timeout.
   */
  async close(opts: { revoke?: boolean } = {}): Promise<void> {
    this.lose('closed');
    if (opts.revoke ?? true) await this.revokeQuietly();
  }

  /** close() with revoke; resolves true when etcd confirmed the lease is gone (revoked, or already unknown). */
  async closeAndRevoke(): Promise<boolean> {
    this.lose('closed');
    return await this.revokeQuietly();
  }

  private lose(reason: SessionLossReason, error?: Error): void {
    if (this.state === 'lost') return;
    const wasAlive = this.state === 'alive';
    const now = monotonicMs();
    this.state = 'lost';
    const at = reason === 'renew-deadline' && wasAlive ? Math.min(now, this.deadline) : now;
    this.loss = { reason, at, ...(error ? { error } : {}) };
    clearInterval(this.interval);
    clearTimeout(this.deadlineTimer);
    clearTimeout(this.reopenTimer);
    this.dropStream();
    const level = reason === 'closed' ? 'debug' : 'warn';
    this.log[level](
      { leaseId: this.id, reason, lateMs: Math.round(now - at), err: error ? errorMessage(error) : undefined, lastAckAgeMs: this.id ? Math.round(now - this.lastAck) : undefined },
      'lease session lost',
    );
    this.resolveLost(this.loss);
    if (wasAlive && reason === 'renew-deadline' && this.revokeOnLoss) void this.revokeQuietly();
    this.emit('lost', reason, this.loss);
  }

  /** Returns false (after losing the session) when the deadline has passed; re-arms the timer otherwise. */
  private checkDeadline(): boolean {
    if (this.state !== 'alive') return false;
    const left = this.deadline - monotonicMs();
    if (left <= 0) {
      this.lose('renew-deadline');
      return false;
    }
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => this.checkDeadline(), Math.ceil(left) + 1);
    return true;
  }

  private openStream(): void {
    if (this.state !== 'alive' || this.opening || this.stream) return;
    this.opening = true;
    const gen = ++this.streamGen;
    this.client.leaseClient.leaseKeepAlive().then(
      (stream) => {
        this.opening = false;
        if (gen !== this.streamGen || this.state !== 'alive') {
          safeCancel(stream);
          return;
        }
        this.stream = stream;
        this.tracker.reset();
        stream.on('data', (res) => this.onResponse(gen, res));
        stream.on('error', (err) => this.onStreamFailure(gen, err));
        stream.on('end', () => this.onStreamFailure(gen, new Error('etcd ended the keepalive stream')));
        this.sendKeepalive();
      },
      (err: unknown) => {
        this.opening = false;
        this.onStreamFailure(gen, err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  private sendKeepalive(): void {
    if (!this.checkDeadline()) return;
    const stream = this.stream;
    if (!stream) {
      this.openStream();
      return;
    }
    const now = monotonicMs();
    const oldest = this.tracker.oldestOutstanding();
    if (oldest !== undefined && now - oldest > this.timing.keepaliveStallMs) {
      this.onStreamFailure(this.streamGen, new Error(`keepalive unanswered for ${Math.round(now - oldest)} ms`));
      return;
    }
    this.tracker.sent(now);
    try {
      stream.write({ ID: this.id });
    } catch (err) {
      this.onStreamFailure(this.streamGen, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private onResponse(gen: number, res: ILeaseKeepAliveResponse): void {
    if (gen !== this.streamGen || this.state !== 'alive') return;
    const sentAt = this.tracker.acked();
    // A late answer never revives a session whose deadline has passed.
    if (!this.checkDeadline()) return;
    if (Number(res.TTL) <= 0) {
      this.lose('lease-revoked', new EtcdLeaseInvalidError(String(res.ID)));
      return;
    }
    if (sentAt === undefined || sentAt <= this.lastAck) return;
    this.lastAck = sentAt;
    this.checkDeadline();
    this.emit('renewed', { lastAckAt: sentAt, rttMs: monotonicMs() - sentAt } satisfies KeepaliveInfo);
  }

  private onStreamFailure(gen: number, err: Error): void {
    if (gen !== this.streamGen) return;
    this.dropStream();
    if (this.state !== 'alive') return;
    if (err instanceof EtcdLeaseInvalidError) {
      this.lose('lease-revoked', err);
      return;
    }
    this.log.debug({ leaseId: this.id, err: errorMessage(err) }, 'keepalive stream failed; reopening');
    clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => this.openStream(), 100);
  }

  private dropStream(): void {
    this.streamGen++;
    this.tracker.reset();
    const s = this.stream;
    this.stream = undefined;
    if (s) safeCancel(s);
  }

  private revokeQuietly(): Promise<boolean> {
    if (this.id === undefined) return Promise.resolve(false);
    this.revoking ??= (async () => {
      try {
        await this.client.leaseClient.leaseRevoke({ ID: this.id }, deadlineIn(this.callTimeoutMs));
        this.log.debug({ leaseId: this.id }, 'lease revoked');
        return true;
      } catch (err) {
        if (err instanceof EtcdLeaseInvalidError) return true;
        this.log.debug({ leaseId: this.id, err: errorMessage(err) }, 'lease revoke failed (the lease will expire)');
        return false;
      }
    })();
    return this.revoking;
  }
}

/** Half-closes, then cancels. Ending first matters: etcd3 reports a stream error to its connection pool only
 * while the stream is writable, and a CANCELLED error there resets the endpoint's channels (a new connection
 * for every closed session). */
function safeCancel(stream: KeepaliveStream): void {
  try {
    stream.end();
  } catch {
    // already ended
  }
  try {
    stream.cancel();
  } catch {
    // already closed
  }
}
