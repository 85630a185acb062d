// The soak report: what each fault did to leadership (from the replicas' own timelines), failover durations per
// fault kind, leadership terms as bars, and the checker's verdict. Pure: the driver hands in what it recorded.
import { FAULT_INFO, FAULT_KINDS, type FaultKind } from './faults.js';
import type { FaultRecord, ReplicaEvent, Violation } from './checker.js';

export interface SoakFaultRecord extends FaultRecord {
  index: number;
  kind: FaultKind;
  /** Planned gap before it, and whether the driver first waited for a reconciled leader. */
  gapMs: number;
  waitedForRecovery: boolean;
  holdMs?: number;
  /** Not injected (no target available); `outcome` says why. */
  skipped?: boolean;
}

export interface FaultOutcome extends SoakFaultRecord {
  /** The leading term (from the replicas' logs) when the fault was injected. */
  leaderBefore?: { term: string; replica: string };
  /** A new term began (or the leader re-subscribed, for a master failover) because of it. */
  failover: boolean;
  /** From the fault to the first SUBSCRIBED that ended the disruption. */
  failoverMs?: number;
  /** Who subscribed then. */
  recoveredBy?: { term: string; replica: string };
  /** Injected while the disruption of this earlier fault was still being recovered from. */
  overlapsWith?: number;
}

export interface TermBar {
  term: string;
  replica: string;
  pod: string;
  from: number;
  to: number;
  /** How the term ended as far as the logs tell: lost (with reason), the process exited, a newer term began
   * (a frozen or killed leader says nothing), or it still ran at the end. */
  end: 'lost' | 'exited' | 'superseded' | 'running';
  reason?: string;
  subscribedAt: number[];
}

export interface KindStats {
  injected: number;
  skipped: number;
  /** Faults after which a new term subscribed (or the leader re-subscribed, for master failovers). */
  failovers: number;
  p50Ms?: number;
  p90Ms?: number;
  p99Ms?: number;
  maxMs?: number;
}

export interface SoakReport {
  version: 1;
  seed: number;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  /** The fault phase alone, and the final quiet period. */
  faultPhaseSeconds: number;
  quietSeconds: number;
  config: Record<string, unknown>;
  summary: {
    ok: boolean;
    violations: number;
    violationsByKind: Record<string, number>;
    faultsPlanned: number;
    faultsInjected: number;
    faultsSkipped: number;
    terms: number;
    subscriptions: number;
    podsCreated: number;
    podsDeleted: number;
    tasksLaunched: number;
    mesosCalls: number;
    mesosEvents: number;
    /** Longest span with no SUBSCRIBED leader that followed a fault (ms). */
    longestFailoverMs?: number;
    stoppedEarly?: string;
  };
  faultsByKind: Record<string, KindStats>;
  faults: FaultOutcome[];
  terms: TermBar[];
  violations: Violation[];
  notes: string[];
}

/** Nearest-rank percentile of `values` (q in (0, 1]); undefined when empty. */
export function percentile(values: readonly number[], q: number): number | undefined {
  if (!values.length) return undefined;
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))];
}

const rev = (t: string) => BigInt(t);

/** Leadership terms from the replicas' timelines. */
export function termBars(events: readonly ReplicaEvent[], endAt: number): TermBar[] {
  const sorted = [...events].sort((a, b) => a.at - b.at);
  const elected = sorted.filter((e) => e.kind === 'elected');
  const bars: TermBar[] = [];
  for (const e of elected) {
    const lost = sorted.find((x) => x.kind === 'lost' && x.term === e.term && x.replica === e.replica && x.at >= e.at);
    const exited = sorted.find((x) => x.kind === 'exited' && x.replica === e.replica && x.at >= e.at);
    const next = elected.find((x) => rev(x.term) > rev(e.term) && x.at >= e.at);
    const ends: Array<{ at: number; end: TermBar['end']; reason?: string }> = [];
    if (lost) ends.push({ at: lost.at, end: 'lost', ...(lost.reason ? { reason: lost.reason } : {}) });
    if (exited) ends.push({ at: exited.at, end: 'exited' });
    if (next) ends.push({ at: next.at, end: 'superseded' });
    ends.sort((a, b) => a.at - b.at);
    const fin = ends[0] ?? { at: endAt, end: 'running' as const };
    bars.push({
      term: e.term,
      replica: e.replica,
      pod: e.pod ?? e.replica.replace(/[#/].*$/, ''),
      from: e.at,
      to: Math.max(e.at, fin.at),
      end: fin.end,
      ...(fin.reason ? { reason: fin.reason } : {}),
      subscribedAt: sorted.filter((x) => x.kind === 'subscribed' && x.term === e.term && x.replica === e.replica && x.at >= e.at && x.at <= fin.at).map((x) => x.at),
    });
  }
  return bars;
}

/** The term leading at `t` according to the bars (the newest term that began at or before t and had not ended
 * before t: a leader killed at t was still the leader at t). */
function leaderAt(bars: readonly TermBar[], t: number): TermBar | undefined {
  let best: TermBar | undefined;
  for (const b of bars) if (b.from <= t && t <= b.to && (!best || rev(b.term) > rev(best.term))) best = b;
  return best;
}

/** What each fault did to leadership. A fault meant to end the term (or, for a master failover, to cut the
 * subscription) is measured to the first SUBSCRIBED of a newer term (resp. any SUBSCRIBED) after it. Any other
 * fault counts as a failover only if the leading term changed before the next fault — and not while an earlier
 * disrupting fault was still being recovered from (that change is the earlier fault's). */
export function faultOutcomes(faults: readonly SoakFaultRecord[], events: readonly ReplicaEvent[], endAt: number): FaultOutcome[] {
  const bars = termBars(events, endAt);
  const subs = events.filter((e) => e.kind === 'subscribed').sort((a, b) => a.at - b.at);
  const ordered = [...faults].sort((a, b) => a.at - b.at);
  const disrupts = (k: FaultKind) => FAULT_INFO[k].endsTerm || k === 'master-failover';
  const outcomes: FaultOutcome[] = ordered.map((f) => {
    const o: FaultOutcome = { ...f, failover: false };
    if (f.skipped) return o;
    const before = leaderAt(bars, f.at);
    if (before) o.leaderBefore = { term: before.term, replica: before.replica };
    return o;
  });
  const settle = (o: FaultOutcome, rec: ReplicaEvent | undefined) => {
    if (!rec) return;
    o.failover = true;
    o.failoverMs = rec.at - o.at;
    o.recoveredBy = { term: rec.term, replica: rec.replica };
  };
  for (const o of outcomes) {
    if (o.skipped || !disrupts(o.kind)) continue;
    const before = o.leaderBefore;
    settle(o, FAULT_INFO[o.kind].endsTerm ? subs.find((s) => s.at >= o.at && (!before || rev(s.term) > rev(before.term))) : subs.find((s) => s.at >= o.at));
  }
  outcomes.forEach((o, i) => {
    if (o.skipped || disrupts(o.kind)) return;
    const busy = outcomes.find((g) => g.at <= o.at && disrupts(g.kind) && !g.skipped && o.at <= g.at + (g.failoverMs ?? 0) + Math.max(0, (g.endedAt ?? g.at) - g.at));
    if (busy) {
      o.overlapsWith = busy.index;
      return;
    }
    const before = o.leaderBefore;
    if (!before) return;
    const horizon = outcomes[i + 1]?.at ?? endAt;
    const after = leaderAt(bars, horizon - 1);
    if (!after || after.term !== before.term) settle(o, subs.find((s) => s.at >= o.at && rev(s.term) > rev(before.term)));
  });
  return outcomes;
}

export function statsByKind(outcomes: readonly FaultOutcome[]): Record<string, KindStats> {
  const out: Record<string, KindStats> = {};
  for (const k of FAULT_KINDS) {
    const mine = outcomes.filter((o) => o.kind === k);
    const ms = mine.filter((o) => o.failover && o.failoverMs !== undefined).map((o) => o.failoverMs!);
    const s: KindStats = { injected: mine.filter((o) => !o.skipped).length, skipped: mine.filter((o) => o.skipped).length, failovers: ms.length };
    if (ms.length) {
      s.p50Ms = percentile(ms, 0.5)!;
      s.p90Ms = percentile(ms, 0.9)!;
      s.p99Ms = percentile(ms, 0.99)!;
      s.maxMs = Math.max(...ms);
    }
    out[k] = s;
  }
  return out;
}

/** A fixed-width text table of the per-kind numbers (for the console and the README). */
export function formatKindTable(stats: Record<string, KindStats>): string {
  const rows = [['fault', 'injected', 'skipped', 'failovers', 'p50 s', 'p90 s', 'p99 s', 'max s']];
  const sec = (v: number | undefined) => (v === undefined ? '-' : (v / 1000).toFixed(2));
  for (const [k, s] of Object.entries(stats)) rows.push([k, String(s.injected), String(s.skipped), String(s.failovers), sec(s.p50Ms), sec(s.p90Ms), sec(s.p99Ms), sec(s.maxMs)]);
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}
