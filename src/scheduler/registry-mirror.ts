// A standby's warm copy of the task registry: a paged load at one revision, then a watch from the next revision.
// It makes a take-over independent of the registry's size (100k tasks: ~2 s of loading at election otherwise).
//
// The mirror alone cannot prove it has seen every write of the previous term, so the new leader never trusts it
// blindly: `snapshot()` hands over the records with `revision` (the highest revision applied), and the leader
// verifies them in the same txn that reads the framework id (catchUpOps / applyCatchUp):
//   - the records modified after `revision` (min_mod_revision), applied over the snapshot;
//   - the number of registry keys.
// With M the snapshot (exact at `revision`), D the keys written since, X the keys deleted since: the truth is
// (M \ X) ∪ D, and |M ∪ D| equals its size exactly when every deleted key was written again (X ⊆ D) — so equal
// counts prove the merged view is the registry. Anything else (counts differ, too many changes, the mirror not
// synced or disturbed by a watch error or disconnect) falls back to the authoritative paged load.
import type { Etcd3, IRangeResponse, IWatchResponse, Watcher } from 'etcd3';
import { prefixRangeEnd } from '../election/keys.js';
import { cancelWatcher, trackWatcher } from '../election/watch.js';
import { TaskRegistry, rangeAtOneRevision } from './registry.js';
import { decodeRecord, type TaskRecord } from './task-record.js';
import { errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';

/** Most changed records the catch-up read returns; more means the mirror lagged badly — load instead. */
export const CATCH_UP_LIMIT = 5000;

export interface MirrorSnapshot {
  /** Highest revision applied: the snapshot equals the registry as of this revision. */
  revision: string;
  /** Every registry key at `revision` → its record (undefined: the value is malformed). */
  entries: Map<string, TaskRecord | undefined>;
}

/** The two ranges the new leader adds to its first txn. */
export function catchUpOps(prefix: string, snap: MirrorSnapshot): Array<{ request_range: Record<string, unknown> }> {
  const key = Buffer.from(prefix);
  const range_end = prefixRangeEnd(Buffer.from(prefix));
  return [
    { request_range: { key, range_end, count_only: true } },
    { request_range: { key, range_end, min_mod_revision: String(BigInt(snap.revision) + 1n), limit: CATCH_UP_LIMIT } },
  ];
}

export type CatchUpResult = { ok: true; registry: TaskRegistry; skipped: string[]; changed: number } | { ok: false; why: string };

/** Merges the catch-up read (count, changed records) into the snapshot; pure over its inputs. */
export function applyCatchUp(prefix: string, snap: MirrorSnapshot, revision: string, count: IRangeResponse | undefined, changed: IRangeResponse | undefined): CatchUpResult {
  if (!count || !changed) return { ok: false, why: 'catch-up read missing' };
  if (changed.more) return { ok: false, why: `more than ${CATCH_UP_LIMIT} records changed since the mirror's revision ${snap.revision}` };
  const entries = new Map(snap.entries);
  for (const kv of changed.kvs) entries.set(kv.key.toString(), decodeRecord(kv.value.toString()));
  const want = Number(count.count);
  if (entries.size !== want) return { ok: false, why: `the mirror holds ${entries.size} keys after catching up, etcd ${want} (records deleted since revision ${snap.revision})` };
  const records: TaskRecord[] = [];
  const skipped: string[] = [];
  for (const [k, r] of entries) (r ? records.push(r) : skipped.push(k));
  return { ok: true, registry: TaskRegistry.fromRecords(prefix, revision, records), skipped, changed: changed.kvs.length };
}

export interface RegistryMirrorOptions {
  logger?: Logger;
  /** Delay before rebuilding after a watch error or disconnect (default 1000 ms). */
  rebuildDelayMs?: number;
}

export class RegistryMirror {
  private entries = new Map<string, TaskRecord | undefined>();
  private revision: string | undefined;
  private watcher: Watcher | undefined;
  private generation = 0;
  private running = false;
  private rebuildTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  /** Rebuilds so far (tests, /status). */
  rebuilds = 0;

  constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    private readonly opts: RegistryMirrorOptions = {},
  ) {
    this.log = (opts.logger ?? silentLogger).child({ component: 'registry-mirror' });
  }

  /** Synced: loaded and watching. */
  get synced(): boolean {
    return this.revision !== undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The highest revision applied, while synced. */
  get appliedRevision(): string | undefined {
    return this.revision;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.build();
  }

  /** Stops mirroring and hands over what it holds, or undefined when it was not synced. */
  snapshot(): MirrorSnapshot | undefined {
    const snap = this.revision !== undefined ? { revision: this.revision, entries: this.entries } : undefined;
    this.stop();
    return snap;
  }

  stop(): void {
    this.running = false;
    this.generation++;
    clearTimeout(this.rebuildTimer);
    this.rebuildTimer = undefined;
    this.dropWatcher();
    this.entries = new Map();
    this.revision = undefined;
  }

  private dropWatcher(): void {
    const w = this.watcher;
    this.watcher = undefined;
    void cancelWatcher(w);
  }

  /** Loads failing in a row, for one log line a minute. */
  private loadFailures: { count: number; loggedAt: number } | undefined;

  private build(): void {
    const gen = ++this.generation;
    this.revision = undefined;
    void this.load(gen).then(
      () => {
        if (this.loadFailures) this.log.info({ attempts: this.loadFailures.count }, 'registry mirror loaded again');
        this.loadFailures = undefined;
      },
      (err: unknown) => {
        if (gen !== this.generation) return;
        // Through an etcd outage this fails every few seconds: the first failure, then a line a minute.
        const now = Date.now();
        const f = (this.loadFailures ??= { count: 0, loggedAt: 0 });
        f.count++;
        if (now - f.loggedAt >= 60_000) {
          f.loggedAt = now;
          this.log.warn({ err: errorMessage(err), attempts: f.count }, 'registry mirror load failed; retrying');
        }
        this.scheduleRebuild(gen);
      },
    );
  }

  private scheduleRebuild(gen: number): void {
    if (gen !== this.generation || !this.running) return;
    this.revision = undefined; // never hand over a mirror that may have missed events
    this.dropWatcher();
    clearTimeout(this.rebuildTimer);
    this.rebuildTimer = setTimeout(() => {
      if (gen === this.generation && this.running) {
        this.rebuilds++;
        this.build();
      }
    }, this.opts.rebuildDelayMs ?? 1000);
    this.rebuildTimer.unref?.();
  }

  private async load(gen: number): Promise<void> {
    const entries = new Map<string, TaskRecord | undefined>();
    let revision: string | undefined;
    for await (const page of rangeAtOneRevision(this.client, this.prefix)) {
      if (gen !== this.generation) return;
      revision = page.revision;
      for (const kv of page.kvs) entries.set(kv.key.toString(), decodeRecord(kv.value.toString()));
    }
    if (gen !== this.generation) return;
    let applied = revision!;
    const w = trackWatcher(this.client.watch().prefix(this.prefix).startRevision(String(BigInt(applied) + 1n)).watcher());
    this.watcher = w;
    w.on('data', (res: IWatchResponse) => {
      if (gen !== this.generation) return;
      for (const ev of res.events) {
        const k = ev.kv.key.toString();
        if (ev.type === 'Delete') entries.delete(k);
        else entries.set(k, decodeRecord(ev.kv.value.toString()));
        if (BigInt(ev.kv.mod_revision) > BigInt(applied)) applied = String(ev.kv.mod_revision);
      }
      if (this.revision !== undefined) this.revision = applied;
    });
    // A compacted start revision cancels the watch; a reconnect resumes it, but we do not bet the registry on
    // the resume being gapless: either way, load again.
    w.on('error', (err: Error) => {
      this.log.warn({ err: err.message }, 'registry mirror watch failed; reloading');
      this.scheduleRebuild(gen);
    });
    w.on('disconnected', () => this.scheduleRebuild(gen));
    this.entries = entries;
    this.revision = applied;
    this.log.debug({ keys: entries.size, revision: applied }, 'registry mirror synced');
  }
}
