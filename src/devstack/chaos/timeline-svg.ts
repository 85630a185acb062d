// The soak's timeline as a dependency-free SVG: leadership terms as bars per replica (ticks where the term
// subscribed to Mesos), faults as markers in four lanes (holds — SIGSTOP, partitions — as lines to their end),
// failovers as red spans from the fault to the first SUBSCRIBED after it, in strips of a few minutes; below, the
// failover durations per fault kind (p50 / p90 / p99). Pure: report in, SVG text out.
import { FAULT_INFO, FAULT_KINDS, type FaultKind } from './faults.js';
import type { SoakReport } from './report.js';

const KIND_COLORS: Record<FaultKind, string> = {
  'sigkill-leader': '#d62728',
  'sigkill-standby': '#ff9896',
  'sigterm-leader': '#1f77b4',
  'sigterm-standby': '#aec7e8',
  'usr1-leader': '#2ca02c',
  'usr1-standby': '#98df8a',
  'sigstop-leader': '#9467bd',
  'sigstop-standby': '#c5b0d5',
  'etcd-restart': '#8c564b',
  'master-failover': '#ff7f0e',
  'agent-partition': '#17becf',
  'operator-restart': '#7f7f7f',
  'failover-annotation': '#e377c2',
};

const LANES: Array<{ name: string; kinds: FaultKind[] }> = [
  { name: 'leader faults', kinds: ['sigkill-leader', 'sigterm-leader', 'usr1-leader', 'sigstop-leader', 'failover-annotation'] },
  { name: 'standby faults', kinds: ['sigkill-standby', 'sigterm-standby', 'usr1-standby', 'sigstop-standby'] },
  { name: 'etcd / Mesos / operator', kinds: ['etcd-restart', 'master-failover', 'operator-restart'] },
  { name: 'agent partitions', kinds: ['agent-partition'] },
];

const POD_COLORS = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#9d755d', '#e45756'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f1 = (v: number) => v.toFixed(1);

export interface TimelineSvgOptions {
  width?: number;
  /** Minutes of run per strip (default: 5, fewer strips for short runs). */
  stripMinutes?: number;
}

export function renderTimelineSvg(r: SoakReport, opts: TimelineSvgOptions = {}): string {
  const W = opts.width ?? 1600;
  const L = 150;
  const R = 20;
  const plotW = W - L - R;
  const t0 = Date.parse(r.startedAt);
  const t1 = Math.max(t0 + 1000, Date.parse(r.endedAt));
  const stripMs = Math.max(60_000, (opts.stripMinutes ?? 5) * 60_000);
  const strips = Math.max(1, Math.ceil((t1 - t0) / stripMs));
  const span = strips === 1 ? t1 - t0 : stripMs;
  const pods = [...new Set(r.terms.map((b) => b.pod))].sort();
  const rowH = 16;
  const laneH = 14;
  const stripH = 24 + pods.length * rowH + 6 + laneH + 6 + LANES.length * laneH + 22;
  const headerH = 96;
  const kinds = FAULT_KINDS;
  const tableRowH = 18;
  const tableH = 50 + kinds.length * tableRowH;
  const H = headerH + strips * stripH + tableH + 20;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`);
  parts.push('<rect width="100%" height="100%" fill="white"/>');
  const s = r.summary;
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${esc(`Chaos soak, seed ${r.seed}: ${s.faultsInjected} faults, ${s.violations} violation${s.violations === 1 ? '' : 's'}, ${(r.durationSeconds / 60).toFixed(1)} min`)}</text>`);
  parts.push(`<text x="${W / 2}" y="40" text-anchor="middle" fill="#444">${esc(`${s.terms} leadership terms, ${s.subscriptions} SUBSCRIBEs, ${s.podsCreated} pods created (${s.podsDeleted} deleted), ${s.tasksLaunched} tasks launched; bars: terms per replica (white ticks: SUBSCRIBED); red: fault → first SUBSCRIBED`)}</text>`);
  // Legend.
  let lx = L;
  let ly = 60;
  for (const k of kinds) {
    const label = `${FAULT_INFO[k].short}`;
    const w = 16 + label.length * 6.5 + 14;
    if (lx + w > W - R) {
      lx = L;
      ly += 16;
    }
    parts.push(`<circle cx="${lx + 5}" cy="${ly - 4}" r="5" fill="${KIND_COLORS[k]}"/><text x="${lx + 14}" y="${ly}">${esc(label)}</text>`);
    lx += w;
  }

  for (let si = 0; si < strips; si++) {
    const a = t0 + si * span;
    const b = Math.min(t1, a + span);
    const top = headerH + si * stripH;
    const x = (t: number) => L + ((t - a) / span) * plotW;
    const clip = (t: number) => Math.max(a, Math.min(b, t));
    // Axis with ticks every 30 s (60 s for long strips).
    const step = span > 6 * 60_000 ? 60_000 : 30_000;
    parts.push(`<line x1="${L}" y1="${top + 14}" x2="${f1(x(b))}" y2="${top + 14}" stroke="#999"/>`);
    for (let t = Math.ceil((a - t0) / step) * step + t0; t <= b; t += step) {
      parts.push(`<line x1="${f1(x(t))}" y1="${top + 10}" x2="${f1(x(t))}" y2="${top + stripH - 22}" stroke="#eee"/><text x="${f1(x(t))}" y="${top + 9}" text-anchor="middle" fill="#666">${esc(fmtClock(t - t0))}</text>`);
    }
    let y = top + 24;
    pods.forEach((pod, pi) => {
      parts.push(`<text x="${L - 6}" y="${y + 11}" text-anchor="end">${esc(pod)}</text>`);
      parts.push(`<line x1="${L}" y1="${y + rowH / 2}" x2="${f1(x(b))}" y2="${y + rowH / 2}" stroke="#f0f0f0"/>`);
      for (const bar of r.terms) {
        if (bar.pod !== pod || bar.to < a || bar.from > b) continue;
        const x0 = x(clip(bar.from));
        const x1 = Math.max(x0 + 1, x(clip(bar.to)));
        parts.push(`<rect x="${f1(x0)}" y="${y + 2}" width="${f1(x1 - x0)}" height="${rowH - 4}" fill="${POD_COLORS[pi % POD_COLORS.length]}" stroke="#333" stroke-width="0.5"><title>${esc(`term ${bar.term} ${bar.replica}: ${fmtClock(bar.from - t0)} → ${fmtClock(bar.to - t0)} (${bar.end}${bar.reason ? `: ${bar.reason}` : ''})`)}</title></rect>`);
        for (const sa of bar.subscribedAt) if (sa >= a && sa <= b) parts.push(`<line x1="${f1(x(sa))}" y1="${y + 3}" x2="${f1(x(sa))}" y2="${y + rowH - 3}" stroke="white" stroke-width="1.5"/>`);
      }
      y += rowH;
    });
    y += 6;
    parts.push(`<text x="${L - 6}" y="${y + 10}" text-anchor="end" fill="#b00">failover</text>`);
    for (const f of r.faults) {
      if (!f.failover || f.failoverMs === undefined) continue;
      const e = f.at + f.failoverMs;
      if (e < a || f.at > b) continue;
      const x0 = x(clip(f.at));
      parts.push(`<rect x="${f1(x0)}" y="${y + 3}" width="${f1(Math.max(1, x(clip(e)) - x0))}" height="${laneH - 6}" fill="#d62728" opacity="0.75"><title>${esc(`${f.kind} #${f.index}: ${(f.failoverMs / 1000).toFixed(2)} s to SUBSCRIBED`)}</title></rect>`);
    }
    y += laneH + 6;
    for (const lane of LANES) {
      parts.push(`<text x="${L - 6}" y="${y + 10}" text-anchor="end" fill="#444">${esc(lane.name)}</text>`);
      for (const f of r.faults) {
        if (!lane.kinds.includes(f.kind) || f.at < a || f.at > b) continue;
        const c = KIND_COLORS[f.kind];
        const title = esc(`#${f.index} ${f.kind}${f.target ? ` ${f.target}` : ''}${f.outcome ? `: ${f.outcome}` : ''}${f.failoverMs !== undefined ? ` (${(f.failoverMs / 1000).toFixed(2)} s)` : ''}`);
        if (f.endedAt !== undefined) parts.push(`<line x1="${f1(x(f.at))}" y1="${y + laneH / 2}" x2="${f1(x(clip(f.endedAt)))}" y2="${y + laneH / 2}" stroke="${c}" stroke-width="3" opacity="0.6"/>`);
        parts.push(f.skipped ? `<circle cx="${f1(x(f.at))}" cy="${y + laneH / 2}" r="4" fill="none" stroke="${c}"><title>${title} (skipped)</title></circle>` : `<circle cx="${f1(x(f.at))}" cy="${y + laneH / 2}" r="4" fill="${c}"><title>${title}</title></circle>`);
      }
      y += laneH;
    }
    for (const v of r.violations) {
      if (v.at === undefined || v.at < a || v.at > b) continue;
      parts.push(`<line x1="${f1(x(v.at))}" y1="${top + 14}" x2="${f1(x(v.at))}" y2="${y}" stroke="black" stroke-width="2" stroke-dasharray="3,2"><title>${esc(`${v.kind}: ${v.message}`)}</title></line>`);
    }
  }

  // Failover durations per kind.
  const ty = headerH + strips * stripH + 10;
  parts.push(`<text x="${L}" y="${ty + 12}" font-size="13" font-weight="bold">Failover duration per fault kind (fault → first SUBSCRIBED), seconds</text>`);
  const maxMs = Math.max(1000, ...Object.values(r.faultsByKind).map((k) => k.maxMs ?? 0));
  const bx = L + 330;
  const bw = W - R - bx - 60;
  const sx = (ms: number) => bx + (ms / maxMs) * bw;
  parts.push(`<text x="${L}" y="${ty + 32}" fill="#444">kind</text><text x="${L + 150}" y="${ty + 32}" fill="#444" text-anchor="end">injected</text><text x="${L + 215}" y="${ty + 32}" fill="#444" text-anchor="end">failovers</text><text x="${L + 265}" y="${ty + 32}" fill="#444" text-anchor="end">p50</text><text x="${L + 315}" y="${ty + 32}" fill="#444" text-anchor="end">p99</text>`);
  for (let t = 0; t <= maxMs; t += niceStep(maxMs)) parts.push(`<line x1="${f1(sx(t))}" y1="${ty + 36}" x2="${f1(sx(t))}" y2="${ty + 40 + kinds.length * tableRowH}" stroke="#eee"/><text x="${f1(sx(t))}" y="${ty + 32}" text-anchor="middle" fill="#666">${(t / 1000).toFixed(t % 1000 ? 1 : 0)}</text>`);
  kinds.forEach((k, i) => {
    const st = r.faultsByKind[k];
    const yy = ty + 40 + i * tableRowH;
    const sec = (v: number | undefined) => (v === undefined ? '-' : (v / 1000).toFixed(2));
    parts.push(`<circle cx="${L + 5}" cy="${yy + 9}" r="5" fill="${KIND_COLORS[k]}"/><text x="${L + 14}" y="${yy + 13}">${esc(k)}</text>`);
    parts.push(`<text x="${L + 150}" y="${yy + 13}" text-anchor="end">${st?.injected ?? 0}</text><text x="${L + 215}" y="${yy + 13}" text-anchor="end">${st?.failovers ?? 0}</text><text x="${L + 265}" y="${yy + 13}" text-anchor="end">${sec(st?.p50Ms)}</text><text x="${L + 315}" y="${yy + 13}" text-anchor="end">${sec(st?.p99Ms)}</text>`);
    if (st?.p50Ms !== undefined) {
      parts.push(`<rect x="${bx}" y="${yy + 4}" width="${f1(Math.max(1, sx(st.p99Ms!) - bx))}" height="10" fill="${KIND_COLORS[k]}" opacity="0.35"/>`);
      parts.push(`<rect x="${bx}" y="${yy + 4}" width="${f1(Math.max(1, sx(st.p50Ms) - bx))}" height="10" fill="${KIND_COLORS[k]}"/>`);
      parts.push(`<line x1="${f1(sx(st.p90Ms!))}" y1="${yy + 2}" x2="${f1(sx(st.p90Ms!))}" y2="${yy + 16}" stroke="#333"/>`);
    }
  });
  parts.push(`<text x="${bx}" y="${ty + 52 + kinds.length * tableRowH}" fill="#666">solid: p50, light: p99, tick: p90</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

function fmtClock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function niceStep(max: number): number {
  const raw = max / 8;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((x) => x >= raw) ?? raw;
}
