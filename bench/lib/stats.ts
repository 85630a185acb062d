// Small statistics and result-writing helpers shared by every benchmark.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/results in the source tree (benchmarks run from dist/bench), or $SCHEDULERHA_BENCH_RESULTS (the runner's
 * --quick mode writes there, so smoke runs never replace the published results). */
export const RESULTS_DIR = process.env.SCHEDULERHA_BENCH_RESULTS || resolve(dirname(fileURLToPath(import.meta.url)), '../../../bench/results');

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx]!;
}

export function summarize(values: number[]): { n: number; min: number; p50: number; p90: number; p99: number; max: number; mean: number } {
  const n = values.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : NaN;
  return {
    n,
    min: n ? Math.min(...values) : NaN,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: n ? Math.max(...values) : NaN,
    mean,
  };
}

export function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Writes bench/results/<name>.json (with machine context) and returns its path. */
export function writeResult(name: string, data: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  const os = { node: process.version, platform: process.platform, arch: process.arch };
  writeFileSync(file, JSON.stringify({ name, at: new Date().toISOString(), env: os, ...data }, null, 2) + '\n');
  return file;
}

export function writeSvg(name: string, svg: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.svg`);
  writeFileSync(file, svg);
  return file;
}

/** The one line every benchmark ends with. `lowerIsBetter` decides pass/fail against the goal. */
export function printResult(name: string, metric: string, value: number, goal: number, lowerIsBetter = true): boolean {
  const met = lowerIsBetter ? value <= goal : value >= goal;
  console.log(`RESULT ${name} ${metric}=${round(value)} goal=${lowerIsBetter ? '<=' : '>='}${goal}${met ? '' : ' (goal missed)'}`);
  return met;
}
