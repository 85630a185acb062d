// Dependency-free SVG plots for benchmark results: line/point series on linear or log axes, and histograms.
export interface Series {
  name: string;
  points: Array<[number, number]>;
  /** 'line' (default) or 'points'. */
  style?: 'line' | 'points';
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
  /** Horizontal reference lines, e.g. a goal. */
  hLines?: Array<{ y: number; label: string }>;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
    return out;
  }
  const span = max - min || 1;
  const step = 10 ** Math.floor(Math.log10(span / 5));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 6) ?? step * 10;
  const out: number[] = [];
  for (let t = Math.ceil(min / nice) * nice; t <= max + 1e-9; t += nice) out.push(+t.toPrecision(12));
  return out;
}

export function lineChart(o: ChartOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 420;
  const m = { l: 70, r: 170, t: 40, b: 55 };
  const all = o.series.flatMap((s) => s.points);
  const ys = [...all.map((p) => p[1]), ...(o.hLines ?? []).map((h) => h.y)];
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [Math.min(0, ...ys), Math.max(...ys)];
  if (o.logY) y0 = Math.min(...ys.filter((v) => v > 0));
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) y1 = y0 + 1;
  if (!o.logY) y1 *= 1.08;
  const tx = (v: number) => m.l + ((o.logX ? Math.log10(v) - Math.log10(x0) : v - x0) / (o.logX ? Math.log10(x1) - Math.log10(x0) : x1 - x0)) * (W - m.l - m.r);
  const ty = (v: number) => H - m.b - ((o.logY ? Math.log10(v) - Math.log10(y0) : v - y0) / (o.logY ? Math.log10(y1) - Math.log10(y0) : y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="${W / 2 - m.r / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`);
  for (const t of ticks(x0, x1, !!o.logX)) {
    if (t < x0 || t > x1) continue;
    parts.push(`<line x1="${tx(t)}" y1="${H - m.b}" x2="${tx(t)}" y2="${m.t}" stroke="#eee"/><text x="${tx(t)}" y="${H - m.b + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(y0, y1, !!o.logY)) {
    if (t < y0 || t > y1) continue;
    parts.push(`<line x1="${m.l}" y1="${ty(t)}" x2="${W - m.r}" y2="${ty(t)}" stroke="#eee"/><text x="${m.l - 6}" y="${ty(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  parts.push(`<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/><line x1="${m.l}" y1="${H - m.b}" x2="${m.l}" y2="${m.t}" stroke="black"/>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  for (const h of o.hLines ?? []) {
    parts.push(`<line x1="${m.l}" y1="${ty(h.y)}" x2="${W - m.r}" y2="${ty(h.y)}" stroke="#999" stroke-dasharray="5,4"/><text x="${W - m.r - 4}" y="${ty(h.y) - 4}" text-anchor="end" fill="#666">${esc(h.label)}</text>`);
  }
  o.series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length]!;
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    if ((s.style ?? 'line') === 'line' && pts.length > 1) {
      parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${tx(p[0]).toFixed(1)},${ty(p[1]).toFixed(1)}`).join(' ')}"/>`);
    }
    for (const p of pts) parts.push(`<circle cx="${tx(p[0]).toFixed(1)}" cy="${ty(p[1]).toFixed(1)}" r="${s.style === 'points' ? 2.5 : 3}" fill="${c}"/>`);
    parts.push(`<rect x="${W - m.r + 12}" y="${m.t + i * 20}" width="12" height="12" fill="${c}"/><text x="${W - m.r + 30}" y="${m.t + i * 20 + 10}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Empirical CDFs of several samples (e.g. latency distributions) on one plot. */
export function cdfChart(title: string, xLabel: string, samples: Array<{ name: string; values: number[] }>, opts: { logX?: boolean } = {}): string {
  return lineChart({
    title,
    xLabel,
    yLabel: 'fraction ≤ x',
    logX: opts.logX,
    series: samples.map((s) => {
      const v = [...s.values].sort((a, b) => a - b);
      return { name: s.name, points: v.map((x, i) => [x, (i + 1) / v.length] as [number, number]) };
    }),
  });
}

/** Side-by-side horizontal bars (e.g. measured value vs its baseline). */
export function barChart(title: string, unit: string, bars: Array<{ label: string; value: number }>): string {
  const W = 720;
  const rowH = 28;
  const H = 60 + bars.length * rowH;
  const max = Math.max(...bars.map((b) => b.value), 1e-9);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`, `<rect width="100%" height="100%" fill="white"/>`, `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`];
  bars.forEach((b, i) => {
    const y = 40 + i * rowH;
    const w = (b.value / max) * (W - 330);
    parts.push(`<text x="210" y="${y + 15}" text-anchor="end">${esc(b.label)}</text><rect x="220" y="${y}" width="${w.toFixed(1)}" height="20" fill="${COLORS[i % COLORS.length]}"/><text x="${226 + w}" y="${y + 15}">${fmt(b.value)} ${esc(unit)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
