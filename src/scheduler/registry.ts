// The task registry: one JSON record per task under <root>/tasks/, written only by the leader through fenced
// txns, and held in memory while leading. A new leader has it authoritatively before it subscribes — acting on
// a stale registry would kill live tasks as "unknown": either a standby's mirror verified in the leader's first
// txn (registry-mirror.ts), or paged range reads pinned to one revision.
import type { Etcd3, IKeyValue } from 'etcd3';
import type { TxnOp, TxnRequest, TxnResult } from '../election/index.js';
import { prefixRangeEnd } from '../election/keys.js';
import { decodeRecord, encodeRecord, countByState, isLive, type TaskRecord } from './task-record.js';
import { silentLogger, type Logger } from '../util/log.js';

/** Anything that commits leader-only txns: the FencedStore while leading with --ha, a plain writer without. */
export interface RegistryWriter {
  txn(req: TxnRequest): Promise<TxnResult>;
}

/** etcd's default --max-txn-ops is 128, but the FencedStore nests the caller's ops in a txn of its own, and etcd
 * allows a nested txn only max-txn-ops minus the outer txn's op count (checkTxnRequest): 127 fits both writers. */
export const MAX_TXN_OPS = 127;

export interface LoadOptions {
  pageSize?: number;
  /** Per-page deadline. */
  timeoutMs?: number;
  logger?: Logger;
}

/** Every key under `prefix`, page by page, each page read at the revision of the first: one consistent snapshot
 * however many pages it takes (the authoritative load and a standby's mirror both read the registry this way). */
export async function* rangeAtOneRevision(client: Etcd3, prefix: string, opts: { pageSize?: number; timeoutMs?: number } = {}): AsyncGenerator<{ revision: string; kvs: IKeyValue[] }> {
  const end = prefixRangeEnd(Buffer.from(prefix));
  let key = Buffer.from(prefix);
  let revision: string | undefined;
  for (;;) {
    // No sort_order: a range comes back in ascending key order anyway, and any explicit sort makes etcd (3.4)
    // read every key to the end of the range before applying the limit — O(n²/pageSize) for a paged load
    // (100k records: 3.0 s instead of 1.0 s). kube-apiserver pages the same way.
    const res = await client.kv.range(
      { key, range_end: end, limit: opts.pageSize ?? 5000, ...(revision ? { revision } : {}) },
      { deadline: new Date(Date.now() + (opts.timeoutMs ?? 30_000)) },
    );
    revision ??= String(res.header.revision);
    yield { revision, kvs: res.kvs };
    if (!res.more || res.kvs.length === 0) return;
    key = Buffer.concat([res.kvs[res.kvs.length - 1]!.key, Buffer.from([0])]);
  }
}

export class TaskRegistry {
  private readonly records = new Map<string, TaskRecord>();

  private constructor(
    private readonly prefix: string,
    readonly revision: string,
  ) {}

  /** Loads every record under `prefix` at one revision. Malformed records are logged and skipped (never fatal:
   * a human may have written one by hand), and reported in `skipped`. */
  static async load(client: Etcd3, prefix: string, opts: LoadOptions = {}): Promise<{ registry: TaskRegistry; skipped: string[] }> {
    const log = opts.logger ?? silentLogger;
    let revision: string | undefined;
    const skipped: string[] = [];
    const loaded: TaskRecord[] = [];
    for await (const page of rangeAtOneRevision(client, prefix, opts)) {
      revision = page.revision;
      for (const kv of page.kvs) {
        const r = decodeRecord(kv.value.toString());
        if (r) loaded.push(r);
        else {
          skipped.push(kv.key.toString());
          log.warn({ key: kv.key.toString() }, 'skipping a malformed task registry record');
        }
      }
    }
    const registry = new TaskRegistry(prefix, revision ?? '0');
    for (const r of loaded) registry.records.set(r.id, r);
    return { registry, skipped };
  }

  /** A registry from records already read at `revision` (a verified standby mirror). */
  static fromRecords(prefix: string, revision: string, records: Iterable<TaskRecord>): TaskRegistry {
    const r = new TaskRegistry(prefix, revision);
    for (const rec of records) r.records.set(rec.id, rec);
    return r;
  }

  /** An empty registry (tests, or a fresh framework). */
  static empty(prefix: string): TaskRegistry {
    return new TaskRegistry(prefix, '0');
  }

  key(id: string): string {
    return `${this.prefix}${id}`;
  }

  get(id: string): TaskRecord | undefined {
    return this.records.get(id);
  }

  get size(): number {
    return this.records.size;
  }

  all(): IterableIterator<TaskRecord> {
    return this.records.values();
  }

  live(): TaskRecord[] {
    const out: TaskRecord[] = [];
    for (const r of this.records.values()) if (isLive(r)) out.push(r);
    return out;
  }

  liveCount(): number {
    let n = 0;
    for (const r of this.records.values()) if (isLive(r)) n++;
    return n;
  }

  counts(): { total: number; byState: Record<string, number> } {
    return countByState(this.records.values());
  }

  /** Writes records (fenced by `writer`), in txns of at most MAX_TXN_OPS, and updates memory only after each
   * txn committed — the in-memory view never runs ahead of etcd. */
  async putMany(writer: RegistryWriter, records: TaskRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += MAX_TXN_OPS) {
      const batch = records.slice(i, i + MAX_TXN_OPS);
      const success: TxnOp[] = batch.map((r) => ({ put: { key: this.key(r.id), value: encodeRecord(r) } }));
      await writer.txn({ success });
      for (const r of batch) this.records.set(r.id, r);
    }
  }

  async put(writer: RegistryWriter, record: TaskRecord): Promise<void> {
    await this.putMany(writer, [record]);
  }

  /** The stored form of each record now: what `removeMany(…, { expected })` compares with. */
  snapshot(ids: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const id of ids) {
      const r = this.records.get(id);
      if (r) out.set(id, encodeRecord(r));
    }
    return out;
  }

  /** Deletes records, in txns of at most MAX_TXN_OPS. With `expected` (a snapshot taken when the records were
   * judged), each txn commits only if every record in it still holds that value in etcd — a task update that
   * changed one meanwhile keeps that whole batch for the next try — and memory drops only records still as
   * judged (one whose update is in flight comes back when that write completes). Resolves to the ids deleted. */
  async removeMany(writer: RegistryWriter, ids: string[], opts: { expected?: ReadonlyMap<string, string> } = {}): Promise<string[]> {
    const exp = opts.expected;
    const done: string[] = [];
    for (let i = 0; i < ids.length; i += MAX_TXN_OPS) {
      const batch = ids.slice(i, i + MAX_TXN_OPS).filter((id) => !exp || exp.has(id));
      if (!batch.length) continue;
      const compare = exp ? batch.map((id) => ({ key: this.key(id), target: 'value' as const, op: '==' as const, value: exp.get(id)! })) : [];
      const res = await writer.txn({ ...(compare.length ? { compare } : {}), success: batch.map((id) => ({ delete: { key: this.key(id) } })) });
      if (compare.length && !res.succeeded) continue;
      for (const id of batch) {
        const cur = this.records.get(id);
        if (!exp || (cur && encodeRecord(cur) === exp.get(id))) this.records.delete(id);
      }
      done.push(...batch);
    }
    return done;
  }
}
