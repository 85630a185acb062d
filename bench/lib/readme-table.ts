// The README's benchmark table, rendered from bench/results/*.json so it can never drift from the published runs:
// `npm run bench` rewrites it (bench/readme-table.ts), and a test fails when README.md and the results disagree.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TABLE_START = '<!-- bench-table:start (generated from bench/results by bench/readme-table.ts) -->';
export const TABLE_END = '<!-- bench-table:end -->';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const n = (v: unknown, d = 2): string => (typeof v === 'number' && Number.isFinite(v) ? (Math.round(v * 10 ** d) / 10 ** d).toLocaleString('en-US') : '—');
const ms = (v: unknown): string => (typeof v === 'number' ? (v >= 1000 ? `${n(v / 1000, 2)} s` : `${n(v, v < 10 ? 1 : 0)} ms`) : '—');
const met = (value: unknown, goal: number, lowerIsBetter = true): string =>
  typeof value !== 'number' ? '—' : (lowerIsBetter ? value <= goal : value >= goal) ? '✅' : '❌';
const day = (j: J | undefined): string => (typeof j?.at === 'string' ? j.at.slice(0, 10) : '—');

interface Row {
  bench: string;
  what: string;
  goal: string;
  result: string;
  ok: string;
  plot?: string;
  at: string;
}

function rows(r: Record<string, J | undefined>): Row[] {
  const out: Row[] = [];
  const ms_ = r['mesos-stream'];
  if (ms_) {
    const s = ms_.separate as J;
    out.push({ bench: 'mesos-stream', what: `${n(ms_.n, 0)} UPDATEs through the client (RecordIO, JSON, dispatch) ÷ the same bytes discarded`, goal: '≤ 1.5×', result: `${n(s?.ratio)}× (${n(s?.client?.eventsPerSecond, 0)} vs ${n(s?.floor?.eventsPerSecond, 0)} events/s)`, ok: met(s?.ratio, 1.5), plot: 'mesos-stream.svg', at: day(ms_) });
  }
  const el = r.election;
  if (el) {
    out.push({ bench: 'election', what: `clean hand-off (resign → successor elected), p50 ÷ \`etcdctl elect\``, goal: '≤ 1.5×', result: `${n(el.handoff?.ratioP50)}× (${ms(el.handoff?.oursMs?.p50)} vs ${ms(el.handoff?.etcdctlMs?.p50)})`, ok: met(el.handoff?.ratioP50, 1.5), plot: 'election.svg', at: day(el) });
    out.push({ bench: 'election', what: `crash hand-off (SIGKILL → successor) ÷ lease TTL, p99`, goal: '≤ 1.1', result: `${n(el.crash?.overTtl?.p99)} (p50 ${n(el.crash?.overTtl?.p50)})`, ok: met(el.crash?.overTtl?.p99, 1.1), plot: 'election-crash.svg', at: day(el) });
  }
  const fo = r.failover;
  if (fo) {
    out.push({ bench: 'failover', what: `USR1 → the standby's SUBSCRIBE accepted (${n(fo.params?.tasks, 0)} tasks), p50 ÷ \`etcdctl elect\` hand-off`, goal: '≤ 2×', result: `${n(fo.cleanRatio?.p50)}× (${ms(fo.clean?.ms?.p50)}, p99 ${ms(fo.clean?.ms?.p99)}; etcdctl ${ms(fo.etcdctl?.ms?.p50)})`, ok: met(fo.cleanRatio?.p50, 2), plot: 'failover.svg', at: day(fo) });
    out.push({ bench: 'failover', what: `SIGKILL → the standby's SUBSCRIBE accepted ÷ lease TTL, p99`, goal: '≤ 1.1', result: `${n(fo.crash?.overTtl?.p99)} (p50 ${n(fo.crash?.overTtl?.p50)}, TTL ${n(fo.params?.leaseTtlSeconds, 0)} s)`, ok: met(fo.crash?.overTtl?.p99, 1.1), plot: 'failover.svg', at: day(fo) });
  }
  const rc = r.reconcile;
  for (const x of (rc?.results as J[] | undefined) ?? []) {
    out.push({ bench: 'reconcile', what: `N = ${n(x.n, 0)}: SUBSCRIBED → reconciliation complete ÷ N UPDATEs streamed to a discarding reader`, goal: '≤ 3×', result: `${n(x.ratio)}× (${ms(x.reconcileMsMedian)} vs ${ms(x.floorMsMedian)}; ${n(x.ratioToProtocolFloor)}× the emulator's own answering; peak RSS ${n(x.peakRssMb, 0)} MB)`, ok: met(x.ratio, 3), plot: 'reconcile.svg', at: day(rc) });
  }
  const la = r.launch;
  if (la) {
    out.push({ bench: 'launch', what: `${n(la.params?.n, 0)} pending pods on ${n(la.params?.agents, 0)} agents → all RUNNING and bound ÷ the same LAUNCHes sent directly`, goal: '≤ 3×', result: `${n(la.ratio)}× (${ms(la.backlogMsMedian)} vs ${ms(la.floorMsMedian)}; created while leading ${n(la.burstRatio)}×)`, ok: met(la.ratio, 3), plot: 'launch.svg', at: day(la) });
  }
  const op = r.operator;
  if (op) {
    const g = (op.goals ?? {}) as J;
    out.push({ bench: 'operator', what: `${n(op.params?.n, 0)} SchedulerHAs, cold start → every status written ÷ as many bare status patches`, goal: `≤ ${g.coldStartRatio ?? 3}×`, result: `${n(op.coldStart?.ratio)}× (${ms(op.coldStart?.msMedian)} vs ${ms(op.coldStart?.floorMsMedian)}${op.coldStart?.ratioToProtocolFloor !== undefined ? `; ${n(op.coldStart.ratioToProtocolFloor)}× the writes it must make, sent directly` : ''})`, ok: met(op.coldStart?.ratio, g.coldStartRatio ?? 3), plot: 'operator-cold-start.svg', at: day(op) });
    out.push({ bench: 'operator', what: 'operator peak RSS', goal: `≤ ${g.peakRssMb ?? 200} MB`, result: `${n(op.peakRssMb, 0)} MB`, ok: met(op.peakRssMb, g.peakRssMb ?? 200), plot: 'operator.svg', at: day(op) });
    out.push({ bench: 'operator', what: `operator CPU over ${n(op.idle?.windowS, 0)} s idle`, goal: `≤ ${g.idleCpuSeconds ?? 0.6} s`, result: `${n(op.idle?.seconds)} s`, ok: met(op.idle?.seconds, g.idleCpuSeconds ?? 0.6), plot: 'operator.svg', at: day(op) });
    out.push({ bench: 'operator', what: 'spec change → status.observedGeneration, p99 ÷ one API GET', goal: `≤ ${g.specP99Ratio ?? 5}×`, result: `${n(op.specChange?.p99OverGetP50)}× (${ms(op.specChange?.ms?.p99)} vs ${ms(op.specChange?.getMs?.p50)})`, ok: met(op.specChange?.p99OverGetP50, g.specP99Ratio ?? 5), plot: 'operator.svg', at: day(op) });
  }
  const so = r.soak;
  if (so) {
    const v = (so.violations as unknown[] | undefined)?.length ?? so.summary?.violations;
    const sm = so.summary ?? {};
    const cfg = so.config ?? {};
    const longest = typeof sm.longestFailoverMs === 'number' ? `, longest failover ${n(sm.longestFailoverMs / 1000, 1)} s` : '';
    out.push({
      bench: 'soak',
      what: `chaos soak (seed ${String(so.seed ?? '—')}): ${n(sm.faultsInjected ?? so.faults?.length, 0)} faults, ${n(cfg.pods, 0)} pods, ${n(cfg.replicas, 0)} replicas, ${n(cfg.masters, 0)} masters, ${n(cfg.agents, 0)} agents`,
      goal: '0 violations',
      result: `${n(v, 0)} violations (${n(sm.terms, 0)} terms, ${n(sm.tasksLaunched, 0)} tasks, ${n((so.durationSeconds ?? 0) / 60, 1)} min${longest})`,
      ok: v === 0 ? '✅' : '❌',
      plot: 'soak.svg',
      at: typeof so.startedAt === 'string' ? so.startedAt.slice(0, 10) : day(so),
    });
  }
  return out;
}

export function renderBenchTable(results: Record<string, J | undefined>): string {
  const lines = [TABLE_START, '', '| Benchmark | What is measured | Goal | Result | Met | Run |', '|---|---|---|---|---|---|'];
  for (const x of rows(results)) lines.push(`| \`${x.bench}\`${x.plot ? ` ([plot](bench/results/${x.plot}))` : ''} | ${x.what} | ${x.goal} | ${x.result} | ${x.ok} | ${x.at} |`);
  lines.push('', TABLE_END);
  return lines.join('\n');
}

export const BENCH_NAMES = ['mesos-stream', 'election', 'failover', 'reconcile', 'launch', 'operator', 'soak'];

export function readResults(dir: string): Record<string, J | undefined> {
  const out: Record<string, J | undefined> = {};
  for (const name of BENCH_NAMES) {
    const f = join(dir, `${name}.json`);
    out[name] = existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as J) : undefined;
  }
  return out;
}

/** README text with the table block replaced (the markers must exist). */
export function withBenchTable(readme: string, table: string): string {
  const a = readme.indexOf(TABLE_START);
  const b = readme.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${TABLE_START} … ${TABLE_END} block`);
  return readme.slice(0, a) + table + readme.slice(b + TABLE_END.length);
}
