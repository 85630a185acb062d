#!/usr/bin/env node
// Summarises V8 .cpuprofile files (from `node --cpu-prof`, e.g. a benchmark's --profile DIR): self time by function
// and by file, and inclusive time of the heaviest functions, so a benchmark's hot spots read in a terminal.
//
//   node scripts/bench-profile.mjs FILE.cpuprofile [FILE…] [--top 30] [--filter substring] [--callers substring]
// Several files are added up (e.g. every replica of one run). --filter keeps only functions whose file or name
// contains the substring in the "inclusive" table; --callers shows the heaviest call stacks (8 frames) through the
// first frame matching the substring.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const TOP = Number(opt('top', 30));
const FILTER = opt('filter', undefined);
const CALLERS = opt('callers', undefined);
if (!args.length) {
  console.error('usage: node scripts/bench-profile.mjs FILE.cpuprofile [FILE…] [--top 30] [--filter substring]');
  process.exit(2);
}

const selfByFn = new Map();
const selfByFile = new Map();
const inclByFn = new Map();
const stacks = new Map();
let total = 0;

const short = (url) => (url || '(native)').replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'node_modules/').replace(/^.*\/dist\//, 'dist/');

for (const file of args) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Sample durations: timeDeltas[i] is the time before sample i.
  const dt = new Map();
  for (let i = 0; i < prof.samples.length; i++) {
    const d = (prof.timeDeltas[i + 1] ?? 0) / 1000;
    dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + d);
  }
  for (const [id, ms] of dt) {
    const n = nodes.get(id);
    const cf = n.callFrame;
    const key = `${cf.functionName || '(anonymous)'}  ${short(cf.url)}:${cf.lineNumber + 1}`;
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + ms);
    const f = cf.url ? short(cf.url) : cf.functionName || '(native)';
    selfByFile.set(f, (selfByFile.get(f) ?? 0) + ms);
    total += ms;
    if (CALLERS) {
      const chain = [];
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
        const c = nodes.get(cur).callFrame;
        chain.push(`${c.functionName || '(anonymous)'} ${short(c.url)}:${c.lineNumber + 1}`);
      }
      const at = chain.findIndex((x) => x.includes(CALLERS));
      if (at >= 0) {
        const k = chain.slice(at, at + 8).join('\n      <- ');
        stacks.set(k, (stacks.get(k) ?? 0) + ms);
      }
    }
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const c = nodes.get(cur).callFrame;
      const k = `${c.functionName || '(anonymous)'}  ${short(c.url)}:${c.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclByFn.set(k, (inclByFn.get(k) ?? 0) + ms);
    }
  }
}

const show = (title, m, filter) => {
  console.log(`\n${title}`);
  const rows = [...m.entries()].filter(([k]) => !filter || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, TOP);
  for (const [k, v] of rows) console.log(`${v.toFixed(1).padStart(9)} ms ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
};
console.log(`total sampled ${total.toFixed(0)} ms over ${args.length} profile(s)`);
show('self time by file', selfByFile);
show('self time by function', selfByFn);
show('inclusive time by function', inclByFn, FILTER);
if (CALLERS) show(`heaviest stacks through "${CALLERS}"`, stacks);
