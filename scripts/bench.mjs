#!/usr/bin/env node
// `npm run bench`: builds, then runs every benchmark one after another (they must not share the machine with each
// other), streaming each one's output and ending with every RESULT line. Results land in bench/results/.
//
//   npm run bench                          all, full sizes (about 10 minutes on 2 cores)
//   npm run bench -- --only launch,operator
//   npm run bench -- --quick               small sizes: a smoke test of the benchmarks, not numbers to publish
//                                          (results go to a temporary directory, not bench/results)
//   npm run bench -- --timeout-min 90      per benchmark (default 60); a benchmark that exceeds it is stopped
//
// Exit status: 0 when every benchmark ran to its RESULT lines (goals met or not — the summary says which), 1 when
// the build or a benchmark failed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const timeoutMs = Number(opt('timeout-min') ?? 60) * 60_000;

// In order: the cheap single-process ones first, the whole-stack ones last.
const BENCHES = [
  { name: 'mesos-stream', full: [], quick: ['20000', '3'] },
  { name: 'election', full: [], quick: ['--handoffs', '10', '--crashes', '3'] },
  { name: 'failover', full: [], quick: ['--rounds', '3'] },
  { name: 'reconcile', full: [], quick: ['--n', '2000', '--rounds', '2'] },
  { name: 'launch', full: [], quick: ['--n', '200', '--agents', '20', '--rounds', '2'] },
  { name: 'operator', full: [], quick: ['--n', '100', '--rounds', '2', '--idle', '10', '--samples', '30'] },
];

const only = opt('only')?.split(',').map((s) => s.trim()).filter(Boolean);
if (only) {
  const unknown = only.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length) {
    console.error(`bench: unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
}
const selected = BENCHES.filter((b) => !only || only.includes(b.name));
const env = { ...process.env };
if (quick) {
  env.SCHEDULERHA_BENCH_RESULTS = mkdtempSync(join(tmpdir(), 'schedulerha-bench-quick-'));
  console.log(`bench: --quick: results go to ${env.SCHEDULERHA_BENCH_RESULTS}`);
}

// Node 24 (the devDependency), as every npm script: never the system Node.
const nodeBin = [join(root, 'node_modules/.bin/node'), process.execPath].find((p) => existsSync(p));

console.log('bench: building (tsc -p tsconfig.json)');
const tsc = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('bench: the build failed (see above); not running benchmarks on a tree that does not type-check');
  process.exit(1);
}

let current;
const stop = (sig) => {
  if (current?.pid) {
    try {
      process.kill(-current.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    setTimeout(() => {
      try {
        process.kill(-current.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 10_000).unref();
  }
  console.error(`bench: ${sig}; stopping`);
  process.exitCode = 1;
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

const summary = [];
for (const b of selected) {
  const file = join(root, 'dist/bench', `${b.name}.js`);
  const benchArgs = quick ? b.quick : b.full;
  console.log(`\n==== bench ${b.name}${benchArgs.length ? ` ${benchArgs.join(' ')}` : ''} ====`);
  const t0 = Date.now();
  const results = [];
  const code = await new Promise((resolveRun) => {
    // Its own process group, so a timeout or ^C stops the benchmark and every process it started.
    const child = spawn(nodeBin, [file, ...benchArgs], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    current = child;
    let buf = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('RESULT ')) results.push(line);
      }
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    const timer = setTimeout(() => {
      console.error(`bench: ${b.name} exceeded ${timeoutMs / 60_000} min; stopping it`);
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // gone
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, 15_000).unref();
    }, timeoutMs);
    child.on('exit', (c, sig) => {
      clearTimeout(timer);
      resolveRun(c ?? sig);
    });
  });
  current = undefined;
  summary.push({ name: b.name, code, minutes: (Date.now() - t0) / 60_000, results });
  if (process.exitCode) break;
}

console.log('\n==== summary ====');
let failed = false;
for (const s of summary) {
  const ok = s.code === 0 && s.results.length > 0;
  if (!ok) failed = true;
  console.log(`${s.name}: ${ok ? 'ran' : `FAILED (exit ${s.code})`} in ${s.minutes.toFixed(1)} min`);
  for (const r of s.results) console.log(`  ${r}`);
}
const missed = summary.flatMap((s) => s.results).filter((r) => r.includes('(goal missed)')).length;
console.log(`${summary.flatMap((s) => s.results).length} RESULT lines, ${missed} goal(s) missed${quick ? ' (--quick: small sizes, not publishable numbers)' : ''}`);
if (!quick && summary.length > 0) {
  // The README's benchmark table is rendered from bench/results: refresh it with what just ran.
  const t = spawnSync(nodeBin, [join(root, 'dist/bench/readme-table.js')], { cwd: root, stdio: 'inherit' });
  if (t.status !== 0) failed = true;
}
if (failed) process.exitCode = 1;
