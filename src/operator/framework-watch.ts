// One etcd watch per framework: the key range [<root>/, <root>/tasks/) — the election candidates, the leader status
// record, the framework id, both executor-hash records, the failover request and the reset key, but never the
// task registry (which a busy framework writes thousands of times a second). Leader changes and the scheduler's
// own status reach the SchedulerHA's status without polling: every change calls `onChange` (the controller
// enqueues the resource's key).
//
// Read the range at revision R (one request), then watch from R + 1 and apply puts/deletes to a local map; the
// leader is the candidate with the lowest create revision (Go concurrency layout, src/election). A watch error
// (compaction) or a disconnect re-reads and re-watches with back-off; while disconnected the view is 'unknown'.
// Leader transitions are timestamped with our own clock when we see them (failover durations, flapping).
import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import { discardWatcher, trackWatcher } from '../election/watch.js';
import type { KeyLayout } from '../api/keys.js';
import { parseCandidateIdentity, parseExecutorHashRecord, parseLeaderStatus, type CandidateIdentity, type ExecutorHashRecord, type LeaderStatusRecord } from '../api/leader-status.js';
import { Backoff } from '../util/backoff.js';
import { errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { sleep } from '../util/time.js';

export interface CandidateInfo {
  key: string;
  createRevision: string;
  modRevision: string;
  /** Decimal lease id (etcd's gRPC form). */
  leaseId: string;
  leaseIdHex: string;
  identity: CandidateIdentity | undefined;
  raw: string;
}

export interface LeaderRef {
  term: string;
  pod?: string;
  id?: string;
}

export interface LeaderTransition {
  /** Epoch ms when we saw it. */
  at: number;
  /** Previous leader (undefined: there was none). */
  from?: LeaderRef;
  /** New leader (undefined: leadership vacated). */
  to?: LeaderRef;
  /** Found on the re-read after the watch was down since this time (epoch ms): the change happened unseen,
   * somewhere in between. */
  unobservedSince?: number;
}

/** What the operator writes to <root>/failover-request (the replicas resign on any new put). */
export interface FailoverRequestRecord {
  /** Value of the k8sm.io/failover annotation that caused it. */
  annotation?: string;
  at: string;
  by: string;
  /** The leader asked to resign. */
  from?: LeaderRef;
}

export interface FrameworkSnapshot {
  state: 'syncing' | 'ok' | 'unknown';
  error?: string;
  revision?: string;
  candidates: CandidateInfo[];
  leader?: CandidateInfo & { since: number };
  leaderStatus?: LeaderStatusRecord;
  frameworkId?: string;
  executorHash?: ExecutorHashRecord;
  desiredExecutorHash?: ExecutorHashRecord;
  failoverRequest?: { raw: string; parsed?: FailoverRequestRecord; modRevision: string };
  resetFramework?: string;
  transitions: LeaderTransition[];
}

export function refOf(c: CandidateInfo | undefined): LeaderRef | undefined {
  if (!c) return undefined;
  return { term: c.createRevision, ...(c.identity?.pod ? { pod: c.identity.pod } : {}), ...(c.identity?.id ? { id: c.identity.id } : {}) };
}

/** A key's state as the watch keeps it: strings, not the client's Buffers. Those are slices of the 64 KiB pools
 * the client decodes responses into, so keeping them would keep one pool alive per watch (≈ 30 MB for 1,000
 * resources, measured with bench/operator.ts). */
interface KeyState {
  key: string;
  value: string;
  createRevision: string;
  modRevision: string;
  lease: string;
}

function keyState(kv: IKeyValue): KeyState {
  return { key: kv.key.toString(), value: kv.value.toString(), createRevision: String(kv.create_revision), modRevision: String(kv.mod_revision), lease: String(kv.lease) };
}

/** A Buffer with its own memory (not a slice of Node's shared pool): for keys that live as long as a watch. */
function ownBuffer(s: string): Buffer {
  const b = Buffer.allocUnsafeSlow(Buffer.byteLength(s));
  b.write(s);
  return b;
}

function toInfo(kv: KeyState): CandidateInfo {
  const raw = kv.value;
  const lease = kv.lease;
  let hex = '';
  try {
    hex = BigInt(lease).toString(16);
  } catch {
    hex = '';
  }
  return { key: kv.key, createRevision: kv.createRevision, modRevision: kv.modRevision, leaseId: lease, leaseIdHex: hex, identity: parseCandidateIdentity(raw), raw };
}

const cmpRev = (a: string, b: string): number => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

export interface FrameworkWatchOptions {
  client: Etcd3;
  keys: KeyLayout;
  onChange: () => void;
  logger?: Logger;
  /** Called when a watch is (re)established after an error. */
  onRestart?: () => void;
  /** Transitions kept (default 50). */
  maxTransitions?: number;
}

export class FrameworkWatch {
  private readonly kvs = new Map<string, KeyState>();
  private snap: FrameworkSnapshot = { state: 'syncing', candidates: [], transitions: [] };
  private leaderSince = 0;
  private stopped = false;
  private readonly stopAc = new AbortController();
  private running: Promise<void> | undefined;
  private wake: ((why: string) => void) | undefined;
  private readonly log: Logger;
  private readonly rangeStart: string;
  private readonly rangeEnd: string;
  private synced = false;
  /** When the watch went down (cleared by the next read): leader changes found then were not seen happen. */
  private blindSince: number | undefined;
  private readonly syncWaiters = new Set<() => void>();
  /** Values the operator itself is writing (key → value): their watch events update the view silently. */
  private readonly ownWrites = new Map<string, string>();

  constructor(private readonly opts: FrameworkWatchOptions) {
    this.rangeStart = `${opts.keys.root}/`;
    this.rangeEnd = opts.keys.tasksPrefix;
    this.log = (opts.logger ?? silentLogger).child({ etcdRoot: opts.keys.root });
  }

  get keys(): KeyLayout {
    return this.opts.keys;
  }

  get snapshot(): FrameworkSnapshot {
    return this.snap;
  }

  start(): this {
    if (this.running || this.stopped) return this;
    this.running = this.run().catch((err: unknown) => this.log.error({ err: errorMessage(err) }, 'framework watch loop crashed'));
    return this;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopAc.abort();
    this.wake?.('stopped');
    await this.running;
  }

  /** Announces a put the caller is about to make: the watch event that carries exactly this value updates the view
   * without calling `onChange` (the caller knows what it wrote; reconciling again for it would be wasted work). */
  noteOwnWrite(key: string, value: string): void {
    this.ownWrites.set(key, value);
    if (this.ownWrites.size > 100) this.ownWrites.delete(this.ownWrites.keys().next().value!);
  }

  /** Forces a re-read (e.g. after the operator wrote a key and wants the result reflected at once). */
  refresh(): void {
    this.wake?.('refresh');
  }

  /** Resolves once the first read has been applied (or after `timeoutMs`, with whatever state there is). */
  async waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.synced) return true;
    // The first read failed already: waiting would hold a reconcile worker for nothing (an etcd that never answers
    // costs every pass the whole timeout). The first read that succeeds reports itself as a change.
    if (this.snap.state === 'unknown') return false;
    return await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => done(false), timeoutMs);
      const done = (ok: boolean) => {
        clearTimeout(t);
        this.syncWaiters.delete(okFn);
        resolve(ok);
      };
      const okFn = () => done(true);
      this.syncWaiters.add(okFn);
    });
  }

  private async run(): Promise<void> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 5000 });
    let first = true;
    while (!this.stopped) {
      let watcher: Watcher | undefined;
      try {
        const trouble = new Promise<string>((resolve) => (this.wake = resolve));
        const res = await this.opts.client.kv.range({ key: Buffer.from(this.rangeStart), range_end: Buffer.from(this.rangeEnd) });
        if (this.stopped) break;
        this.kvs.clear();
        for (const kv of res.kvs) this.kvs.set(kv.key.toString(), keyState(kv));
        const rev = String(res.header.revision);
        this.publish(rev, first);
        if (!first) this.opts.onRestart?.();
        first = false;
        backoff.reset();
        const w = trackWatcher(
          this.opts.client
            .watch()
            // The client keeps the request for the life of the watch: give it Buffers of its own.
            .inRange({ start: ownBuffer(this.rangeStart), end: ownBuffer(this.rangeEnd) })
            .startRevision(String(BigInt(rev) + 1n))
            .watcher(),
        );
        watcher = w;
        w.on('data', (r: IWatchResponse) => {
          if (r.events.length === 0) return;
          let foreign = false;
          for (const ev of r.events) {
            const k = ev.kv.key.toString();
            if (ev.type === 'Delete') this.kvs.delete(k);
            else this.kvs.set(k, keyState(ev.kv));
            const own = this.ownWrites.get(k);
            if (ev.type !== 'Delete' && own !== undefined && own === ev.kv.value.toString()) this.ownWrites.delete(k);
            else foreign = true;
          }
          this.publish(String(r.header.revision), false, foreign);
        });
        w.on('error', (err: Error) => this.wake?.(`watch error: ${err.message}`));
        w.on('disconnected', () => this.wake?.('disconnected'));
        const why = await trouble;
        if (why === 'stopped') break;
        if (why !== 'refresh') {
          this.log.debug({ why }, 'framework watch restarting');
          if (why === 'disconnected') this.setUnknown(why);
          await sleep(backoff.next(), this.stopAc.signal);
        }
      } catch (err) {
        if (this.stopped) break;
        this.setUnknown(errorMessage(err));
        await sleep(backoff.next(), this.stopAc.signal);
      } finally {
        this.wake = undefined;
        if (watcher) discardWatcher(watcher);
      }
    }
  }

  private setUnknown(error: string): void {
    // Once per loss of sight (the conditions go Unknown without an Event; the log must say it): warn, and info
    // when the watch is back (publish).
    if (this.snap.state !== 'unknown') this.log.warn({ err: error }, 'lost sight of the framework keys in etcd; retrying');
    this.blindSince ??= Date.now();
    if (this.snap.state === 'unknown' && this.snap.error === error) return;
    this.snap = { ...this.snap, state: 'unknown', error };
    this.opts.onChange();
  }

  private publish(revision: string, initial: boolean, notify = true): void {
    const k = this.opts.keys;
    const candidates: CandidateInfo[] = [];
    const prefix = `${k.electionPrefix}/`;
    for (const [key, kv] of this.kvs) if (key.startsWith(prefix)) candidates.push(toInfo(kv));
    candidates.sort((a, b) => cmpRev(a.createRevision, b.createRevision));
    const lowest = candidates[0];
    const prev = this.snap.leader;
    const now = Date.now();
    const transitions = [...this.snap.transitions];
    if ((prev?.createRevision ?? '') !== (lowest?.createRevision ?? '') || prev?.key !== lowest?.key) {
      this.leaderSince = now;
      if (!initial) {
        transitions.push({ at: now, ...(prev ? { from: refOf(prev)! } : {}), ...(lowest ? { to: refOf(lowest)! } : {}), ...(this.blindSince !== undefined ? { unobservedSince: this.blindSince } : {}) });
        while (transitions.length > (this.opts.maxTransitions ?? 50)) transitions.shift();
      }
    }
    if (this.snap.state === 'unknown') this.log.info({ blindSeconds: this.blindSince !== undefined ? Math.round((now - this.blindSince) / 1000) : undefined }, 'framework keys in etcd in sight again');
    this.blindSince = undefined;
    const str = (key: string) => this.kvs.get(key)?.value;
    const fr = this.kvs.get(k.failoverRequest);
    let parsedFr: FailoverRequestRecord | undefined;
    if (fr) {
      try {
        const v = JSON.parse(fr.value) as FailoverRequestRecord;
        if (v && typeof v === 'object') parsedFr = v;
      } catch {
        parsedFr = undefined;
      }
    }
    const frameworkId = str(k.frameworkId)?.trim();
    this.snap = {
      state: 'ok',
      revision,
      candidates,
      ...(lowest ? { leader: { ...lowest, since: this.leaderSince } } : {}),
      ...(parseLeaderStatus(str(k.leaderStatus)) ? { leaderStatus: parseLeaderStatus(str(k.leaderStatus))! } : {}),
      ...(frameworkId ? { frameworkId } : {}),
      ...(parseExecutorHashRecord(str(k.executorHash)) ? { executorHash: parseExecutorHashRecord(str(k.executorHash))! } : {}),
      ...(parseExecutorHashRecord(str(k.desiredExecutorHash)) ? { desiredExecutorHash: parseExecutorHashRecord(str(k.desiredExecutorHash))! } : {}),
      ...(fr ? { failoverRequest: { raw: fr.value, ...(parsedFr ? { parsed: parsedFr } : {}), modRevision: fr.modRevision } } : {}),
      ...(str(k.resetFramework) !== undefined ? { resetFramework: str(k.resetFramework)! } : {}),
      transitions,
    };
    if (!this.synced) {
      this.synced = true;
      const waiting = [...this.syncWaiters];
      for (const w of waiting) w();
      // The first read goes to whoever waits for it (the reconcile that started the watch reads the snapshot
      // itself); announcing it as a change too would reconcile every resource twice on a cold start.
      if (waiting.length) return;
    }
    if (notify) this.opts.onChange();
  }
}

// ---- writes and actions on a framework's keys (the operator's, never fenced: it is not a candidate) ----------

/** Sanctions the executor-config hash the spec renders, so a replica with it may take over (src/scheduler/takeover.ts). */
export async function putDesiredExecutorHash(client: Etcd3, keys: KeyLayout, rec: ExecutorHashRecord): Promise<void> {
  await client.put(keys.desiredExecutorHash).value(JSON.stringify(rec));
}

export async function putFailoverRequest(client: Etcd3, keys: KeyLayout, rec: FailoverRequestRecord): Promise<void> {
  await client.put(keys.failoverRequest).value(JSON.stringify(rec));
}

/**
 * Revokes the lease of the leader whose term is `term` — only if its key still exists with that create revision
 * (the same term), so a leader that has meanwhile been replaced is never touched. Returns what happened.
 */
export async function revokeLeaderLease(client: Etcd3, leader: { key: string; createRevision: string; leaseId: string }): Promise<'revoked' | 'term-changed' | 'gone'> {
  const res = await client.kv.range({ key: Buffer.from(leader.key) });
  const kv = res.kvs[0];
  if (!kv) return 'gone';
  if (String(kv.create_revision) !== leader.createRevision || String(kv.lease) !== leader.leaseId) return 'term-changed';
  try {
    await client.leaseClient.leaseRevoke({ ID: leader.leaseId });
  } catch (err) {
    if (/not found/i.test(errorMessage(err))) return 'gone';
    throw err;
  }
  return 'revoked';
}

/** Deletes everything of a framework (deletionPolicy Teardown, after TEARDOWN): its keys and the task registry. */
export async function deleteFrameworkState(client: Etcd3, keys: KeyLayout): Promise<number> {
  // The layout's keys and ranges only, not everything under <root>/: another framework's root may lie inside ours
  // (its prefix = our root), and its state is not ours to delete.
  const ranges = [`${keys.electionPrefix}/`, keys.tasksPrefix];
  // Every single key of the layout (derived, so a key added to it is covered).
  const exact = Object.entries(keys).filter(([k, v]) => typeof v === 'string' && !['root', 'electionPrefix', 'tasksPrefix'].includes(k)).map(([, v]) => v as string);
  const res = await Promise.all([...ranges.map((p) => client.delete().prefix(p).exec()), ...exact.map((k) => client.delete().key(k).exec())]);
  return res.reduce((n, r) => n + Number(r.deleted), 0);
}
