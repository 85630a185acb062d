// The MasterDetector interface and its shared plumbing (see detector.ts for the factory and an example).
import { Waiters } from '../util/waiters.js';
import { EventEmitter } from 'node:events';
import { SchedulerHAError } from '../util/errors.js';
import type { MasterInfo } from './types.js';
import type { Logger } from '../util/log.js';
import type { Credentials, TlsOptions } from './http.js';

export interface DetectedMaster {
  /** Base URL of the leading master, e.g. `http://10.0.0.5:5050` (no trailing slash). */
  url: string;
  /** The leader's MasterInfo when the detection source provides it (ZooKeeper does). */
  info?: MasterInfo;
  /** ZooKeeper member name (`json.info_0000000003`), when detected through ZooKeeper. */
  member?: string;
}

export interface MasterDetectorEvents {
  /** The leader changed; `undefined` = no leader known. Emitted only on a real change. */
  change: [leader: DetectedMaster | undefined, previous: DetectedMaster | undefined];
  /** Something went wrong while detecting (bad MasterInfo, ZooKeeper trouble); detection goes on. */
  warning: [message: string, error?: Error];
}

export interface MasterDetector {
  readonly leader: DetectedMaster | undefined;
  /** While no leader is known: why the last detection found none (unreachable masters, TLS, ZooKeeper). */
  readonly lastProblem: string | undefined;
  /** Begins detecting (idempotent). */
  start(): void;
  /** Stops detecting, closes connections, rejects pending waits. */
  stop(): Promise<void>;
  /** The current leader, or the next one detected. Rejects with DetectorError('DetectorStopped') on stop, with the
   * signal's reason on abort, or DetectorError('NoLeader') after `timeoutMs` (if given). */
  waitForLeader(signal?: AbortSignal, timeoutMs?: number): Promise<DetectedMaster>;
  /** A user of `url` saw it fail (refused, not leader, stream lost): re-detect now where that helps. */
  reportFailure(url: string, reason: string): void;
  on<K extends keyof MasterDetectorEvents>(event: K, listener: (...args: MasterDetectorEvents[K]) => void): this;
  off<K extends keyof MasterDetectorEvents>(event: K, listener: (...args: MasterDetectorEvents[K]) => void): this;
  once<K extends keyof MasterDetectorEvents>(event: K, listener: (...args: MasterDetectorEvents[K]) => void): this;
}

export class DetectorError extends SchedulerHAError {
  constructor(reason: 'DetectorStopped' | 'NoLeader', message: string) {
    super(reason, message);
  }
}

export function sameMaster(a: DetectedMaster | undefined, b: DetectedMaster | undefined): boolean {
  if (!a || !b) return a === b;
  return a.url === b.url && a.info?.id === b.info?.id && a.member === b.member;
}

/** Shared plumbing: leader state, change events, waiters. */
export abstract class DetectorBase extends EventEmitter<MasterDetectorEvents> implements MasterDetector {
  private current: DetectedMaster | undefined;
  protected stopped = false;
  private readonly waiters = new Waiters<DetectedMaster>();
  private problem: string | undefined;

  get leader(): DetectedMaster | undefined {
    return this.current;
  }

  get lastProblem(): string | undefined {
    return this.current ? undefined : this.problem;
  }

  abstract start(): void;
  abstract reportFailure(url: string, reason: string): void;
  protected abstract close(): Promise<void>;

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const err = new DetectorError('DetectorStopped', 'master detector stopped');
    this.waiters.rejectAll(err);
    await this.close();
  }

  protected setLeader(next: DetectedMaster | undefined): void {
    if (this.stopped) return;
    const prev = this.current;
    if (sameMaster(prev, next)) return;
    this.current = next;
    if (next) this.problem = undefined;
    this.emit('change', next, prev);
    if (next) {
      this.waiters.resolveAll(next);
    }
  }

  protected warn(message: string, error?: Error): void {
    this.noteProblem(error ? `${message}: ${error.message}` : message);
    this.emit('warning', message, error);
  }

  /** Why no leader is known, for lastProblem and the NoLeader error, without a warning. */
  protected noteProblem(problem: string): void {
    this.problem = problem;
  }

  waitForLeader(signal?: AbortSignal, timeoutMs?: number): Promise<DetectedMaster> {
    if (this.stopped) return Promise.reject(new DetectorError('DetectorStopped', 'master detector stopped'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.current) return Promise.resolve(this.current);
    return this.waiters.wait(signal, timeoutMs, () => new DetectorError('NoLeader', `no leading Mesos master detected within ${Math.round(timeoutMs ?? 0)} ms${this.lastProblem ? ` (${this.lastProblem})` : ''}`));
  }
}

/** A detector that always answers one URL (e.g. a Mesos-DNS name such as leader.mesos:5050). The scheduler
 * client still follows 307s from it. */
export class FixedMasterDetector extends DetectorBase {
  constructor(private readonly url: string) {
    super();
  }
  start(): void {
    this.setLeader({ url: this.url.replace(/\/+$/, '') });
  }
  reportFailure(): void {}
  protected async close(): Promise<void> {}
}

export interface CreateDetectorOptions {
  logger?: Logger;
  /** ZooKeeper session timeout (default 10 s, like the masters' --zk_session_timeout). */
  zkSessionTimeoutMs?: number;
  /** Scheme for URLs built from MasterInfo (ZooKeeper detection); default http. */
  scheme?: 'http' | 'https';
  /** Build URLs from MasterInfo IPs rather than host names. */
  preferIp?: boolean;
  /** HTTP detection: per-probe timeout (default 5 s). */
  probeTimeoutMs?: number;
  /** HTTP detection: re-check the leader this often even without failures (default 30 s; 0 = never). */
  refreshIntervalMs?: number;
  credentials?: Credentials;
  tls?: TlsOptions;
}
