// Test/benchmark harness for election candidate processes (test/helpers/election-candidate.ts): spawning,
// event capture, and the invariant checks every election test runs (no two believers at once, no ghost
// leaders, exactly-once events).
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SortOrder, SortTarget, type Etcd3 } from 'etcd3';
import type { ProcGroup, Proc } from './procs.js';
import { waitFor } from './wait.js';
import type { Term } from '../../src/election/index.js';
import { candidatePrefix, prefixRangeEnd } from '../../src/election/keys.js';

export const CANDIDATE_JS = resolve(dirname(fileURLToPath(import.meta.url)), 'election-candidate.js');

export interface CandidateConfig {
  endpoints: string[];
  electionPrefix: string;
  id: string;
  ttlSeconds: number;
  marginMs?: number;
  keepaliveIntervalMs?: number;
  callTimeoutMs?: number;
  recheckIntervalMs?: number;
  rejoinDelayMs?: number;
  once?: boolean;
  logLevel?: string;
}

export interface CandidateEvent {
  ev: string;
  /** Wall-clock emission time in the candidate process. */
  t: number;
  /** Wall-clock time this process received the line. */
  rt: number;
  id: string;
  pid: number;
  term?: Term;
  reason?: string;
  endedAt?: number;
  electedAt?: number;
  electedRevision?: string;
  key?: string;
  createRevision?: string;
  ok?: boolean;
  error?: string;
  failure?: string;
  [k: string]: unknown;
}

export const wallNow = (): number => performance.timeOrigin + performance.now();

export class CandidateProc {
  readonly events: CandidateEvent[] = [];
  readonly proc: Proc;
  /** Wall-clock time the test killed this process (ends any open term for the replay). */
  killedAt: number | undefined;
  private buf = '';
  private readonly onLine = new Set<() => void>();

  constructor(
    group: ProcGroup,
    readonly cfg: CandidateConfig,
  ) {
    this.proc = group.spawn(process.execPath, [CANDIDATE_JS, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.child.stdin?.on('error', () => undefined);
    this.proc.child.stdout?.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        if (!line.trim()) continue;
        try {
          this.events.push({ ...(JSON.parse(line) as CandidateEvent), rt: wallNow() });
        } catch {
          // not ours
        }
      }
      for (const f of this.onLine) f();
    });
  }

  get id(): string {
    return this.cfg.id;
  }

  send(cmd: string): void {
    this.proc.child.stdin?.write(`${cmd}\n`);
  }

  kill(sig: NodeJS.Signals = 'SIGKILL'): void {
    this.killedAt = wallNow();
    this.proc.signal(sig);
  }

  count(ev: string): number {
    return this.events.filter((e) => e.ev === ev).length;
  }

  last(ev: string): CandidateEvent | undefined {
    return this.events.filter((e) => e.ev === ev).at(-1);
  }

  /** True while the last elected has no lost after it. */
  believesLeader(): boolean {
    const el = this.events.filter((e) => e.ev === 'elected' || e.ev === 'lost');
    return el.at(-1)?.ev === 'elected' && this.killedAt === undefined;
  }

  async waitEvent(what: string, pred: (e: CandidateEvent) => boolean, timeoutMs = 20_000, after = 0): Promise<CandidateEvent> {
    return await waitFor(`${this.id}: ${what}`, () => this.events.slice(after).find(pred), { timeoutMs, intervalMs: 5 });
  }

  /** Waits for the n-th (1-based) occurrence of `ev`. */
  async waitCount(ev: string, n: number, timeoutMs = 20_000): Promise<CandidateEvent> {
    return await waitFor(`${this.id}: ${n}× ${ev}`, () => this.events.filter((e) => e.ev === ev)[n - 1], { timeoutMs, intervalMs: 5 });
  }

  /** Like waitCount, but woken by the line's arrival instead of polling: the benchmark waits this way, so that
   * nothing in the measuring process runs (and shares the 2 cores) while a hand-off is timed. */
  async whenCount(ev: string, n: number, timeoutMs = 20_000): Promise<CandidateEvent> {
    const find = (): CandidateEvent | undefined => this.events.filter((e) => e.ev === ev)[n - 1];
    const found = find();
    if (found) return found;
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.onLine.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${this.id}: ${n}× ${ev}`));
      }, timeoutMs);
      const check = (): void => {
        const e = find();
        if (!e) return;
        clearTimeout(timer);
        this.onLine.delete(check);
        resolve(e);
      };
      this.onLine.add(check);
    });
  }

  output(): string {
    return this.proc.output();
  }
}

export interface BeliefInterval {
  id: string;
  term: Term;
  from: number;
  /** Emission time of `lost` (or the kill time / now when none). */
  to: number;
  /** Effective end (the term's own `at`, e.g. the renew deadline) when reported. */
  effectiveTo: number;
  reason: string;
}

/** Every elected→lost interval of every process, in time order. */
export function beliefIntervals(procs: CandidateProc[], endAt = wallNow()): BeliefInterval[] {
  const out: BeliefInterval[] = [];
  for (const p of procs) {
    let open: CandidateEvent | undefined;
    for (const e of p.events) {
      if (e.ev === 'elected') {
        assert.equal(open, undefined, `${p.id}: elected twice without lost in between`);
        open = e;
      } else if (e.ev === 'lost') {
        assert.ok(open, `${p.id}: lost without elected`);
        assert.deepEqual(e.term, open.term, `${p.id}: lost names another term than elected`);
        out.push({ id: p.id, term: open.term!, from: open.t, to: e.t, effectiveTo: e.endedAt ?? e.t, reason: String(e.reason) });
        open = undefined;
      }
    }
    if (open) {
      const to = p.killedAt ?? endAt;
      out.push({ id: p.id, term: open.term!, from: open.t, to, effectiveTo: to, reason: p.killedAt ? 'killed' : 'open' });
    }
  }
  return out.sort((a, b) => a.from - b.from);
}

/**
 * Replays all intervals in time order and asserts that no instant has two believers. Returns the intervals.
 * 'emitted' (default) ends a belief when `lost` was emitted; 'effective' when the term really ended (its
 * `loss.at`, e.g. the renew deadline, from which `isLeader` is false) — the right view for a process that was
 * frozen and could not emit anything.
 */
export function assertSingleLeader(procs: CandidateProc[], endAt?: number, mode: 'emitted' | 'effective' = 'emitted'): BeliefInterval[] {
  const iv = beliefIntervals(procs, endAt);
  for (let i = 1; i < iv.length; i++) {
    const prev = iv[i - 1]!;
    const cur = iv[i]!;
    const to = mode === 'emitted' ? prev.to : prev.effectiveTo;
    assert.ok(
      to <= cur.from,
      `two leaders at once: ${prev.id} (term ${prev.term.createRevision}) believed until ${new Date(to).toISOString()} but ${cur.id} (term ${cur.term.createRevision}) was elected at ${new Date(cur.from).toISOString()} (${Math.round(to - cur.from)} ms overlap)`,
    );
  }
  const terms = iv.map((x) => x.term.createRevision);
  assert.equal(new Set(terms).size, terms.length, `a term was reported twice: ${terms.join(',')}`);
  return iv;
}

/** Asserts that every elected term's key existed, with its create revision, as the lowest candidate at the
 * revision the candidate verified it (MVCC read: needs no compaction past those revisions). */
export async function assertNoGhosts(client: Etcd3, electionPrefix: string, procs: CandidateProc[]): Promise<number> {
  const start = Buffer.from(candidatePrefix(electionPrefix));
  const end = prefixRangeEnd(start);
  let n = 0;
  for (const p of procs) {
    for (const e of p.events.filter((x) => x.ev === 'elected')) {
      const r = await client.kv.range(
        { key: start, range_end: end, sort_order: SortOrder.Ascend, sort_target: SortTarget.Create, limit: 1, revision: e.electedRevision! },
        { deadline: new Date(Date.now() + 5000) },
      );
      const kv = r.kvs[0];
      assert.ok(kv, `${p.id}: elected term ${e.term!.createRevision} at revision ${e.electedRevision} but the prefix was empty (ghost)`);
      assert.equal(kv.key.toString(), e.term!.key, `${p.id}: elected but another key was lowest at revision ${e.electedRevision}`);
      assert.equal(String(kv.create_revision), e.term!.createRevision, `${p.id}: elected with a stale create revision`);
      n++;
    }
  }
  return n;
}

/** The process currently believing it leads (asserting there is at most one). */
export function currentLeader(procs: CandidateProc[]): CandidateProc | undefined {
  const b = procs.filter((p) => p.believesLeader());
  assert.ok(b.length <= 1, `more than one believer: ${b.map((p) => p.id).join(', ')}`);
  return b[0];
}

export async function waitForLeader(procs: CandidateProc[], timeoutMs = 20_000, exclude?: CandidateProc): Promise<CandidateProc> {
  return await waitFor('a leader', () => procs.find((p) => p !== exclude && p.believesLeader()), { timeoutMs, intervalMs: 5 });
}

export function describe(procs: CandidateProc[]): string {
  return procs.map((p) => `--- ${p.id}\n${p.output().slice(-3000)}`).join('\n');
}
