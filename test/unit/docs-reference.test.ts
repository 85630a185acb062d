// The generated reference (docs/reference.md, src/docs/) against the code it documents: what cannot be read from a
// registry or a type is listed by hand in src/docs, and these tests fail when the code and the list part ways.
// (That the committed file equals what `npm run gen` writes is checked in api-crd.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { keyLayout } from '../../src/api/keys.js';
import { statusSchema } from '../../src/api/schema.js';
import { renderReferenceDoc } from '../../src/docs/reference.js';
import { OPERATOR_EVENTS } from '../../src/docs/events.js';
import { KEY_DOCS } from '../../src/docs/etcd.js';
import { operatorMetricDocs, schedulerMetricDocs } from '../../src/docs/metrics.js';
import { FAILOVER_REASONS, STATUS_FIELDS, schemaPaths } from '../../src/docs/status.js';
import { anchor } from '../../src/docs/markdown.js';
import { CONDITION_TYPES, GOOD_STATUS } from '../../src/operator/conditions.js';
import { CONDITION_REASONS, type ReasonDoc } from '../../src/operator/condition-reasons.js';

function sources(dir: string, skip: string[] = []): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (skip.includes(p)) continue;
    if (statSync(p).isDirectory()) out.push(...sources(p, skip));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The top-level arguments of the call whose '(' is at `open`, as source text (enough for reason/action args). */
function callArgs(src: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = open + 1;
  for (let i = open + 1; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) {
        args.push(src.slice(start, i).trim());
        return args;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(src.slice(start, i).trim());
      start = i + 1;
    }
  }
  throw new Error('unterminated call');
}

test('status: every field of the schema is described, and nothing else', () => {
  assert.deepEqual(Object.keys(STATUS_FIELDS).sort(), schemaPaths(statusSchema).sort());
});

test('events: the documented actions are exactly the recorder calls in src/', () => {
  const found: string[] = [];
  let transitions = 0;
  for (const file of sources('src', [join('src', 'devstack'), join('src', 'docs')])) {
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/\brecorder\.(normal|warning|record)\(/g)) {
      assert.notEqual(m[1], 'record', `${file}: recorder.record() is not covered by this check; use normal()/warning()`);
      const type = m[1] === 'normal' ? 'Normal' : 'Warning';
      const [, reason, action] = callArgs(src, m.index + m[0].length - 1);
      const literals = [...(reason ?? '').matchAll(/'([A-Za-z]+)'/g)].map((x) => x[1]!);
      if (literals.length === 0) {
        assert.equal(reason, 'ch.to.reason', `${file}: an Event with a computed reason (${reason}) that is not a condition transition`);
        transitions++;
        continue;
      }
      for (const r of literals) found.push(`${r}/${type}/${action}`);
    }
  }
  assert.equal(transitions, 2, 'condition transitions are recorded as Normal and as Warning');
  const documented = OPERATOR_EVENTS.map((e) => `${e.reason}/${e.type}/'${e.action}'`);
  assert.deepEqual([...new Set(found)].sort(), [...new Set(documented)].sort());
});

test('failover reasons: the documented ones are exactly the reconciler\'s', () => {
  const src = readFileSync('src/operator/reconciler.ts', 'utf8');
  const reasons = new Set([...src.matchAll(/\breason = '([A-Za-z]+)'/g)].map((m) => m[1]!));
  assert.deepEqual([...reasons].sort(), Object.keys(FAILOVER_REASONS).sort());
});

test('metrics: every metric constructed in src/ is in the reference', () => {
  const documented = new Set([...schedulerMetricDocs(), ...operatorMetricDocs()].map((m) => m.name));
  const constructed: string[] = [];
  for (const file of sources('src', [join('src', 'devstack')])) {
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/new (?:Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name: '([a-z_:]+)'/g)) constructed.push(m[1]!);
    for (const m of src.matchAll(/informerCounter\('([a-z_]+)'/g)) constructed.push(m[1]!);
  }
  assert.ok(constructed.length >= 60, `found ${constructed.length} metric constructions`);
  assert.deepEqual(constructed.filter((n) => !documented.has(n)), []);
  for (const m of [...schedulerMetricDocs(), ...operatorMetricDocs()]) assert.ok(m.help.length > 0, `${m.name} has help`);
});

test('etcd: every key of the layout is described', () => {
  const keys = Object.keys(keyLayout('/k8sm', 'Kubernetes')).filter((k) => k !== 'root' && k !== 'task');
  assert.deepEqual(Object.keys(KEY_DOCS).sort(), keys.sort());
});

test('every link between the docs resolves to a file and a heading (the reference, operations, troubleshooting)', () => {
  const headings = (text: string) => new Set([...text.matchAll(/^#{1,6} (.*)$/gm)].map((m) => anchor(m[1]!)));
  const text = (f: string) => (f === 'reference.md' ? renderReferenceDoc() : readFileSync(join('docs', f), 'utf8'));
  const broken: string[] = [];
  for (const f of ['reference.md', 'operations.md', 'troubleshooting.md']) {
    for (const m of text(f).matchAll(/\]\(([A-Za-z-]+\.md)?(?:#([^)]+))?\)/g)) {
      const target = m[1] ?? f;
      let body: string;
      try {
        body = text(target);
      } catch {
        broken.push(`${f}: ${m[0]} (no docs/${target})`);
        continue;
      }
      if (m[2] && !headings(body).has(m[2])) broken.push(`${f}: ${m[0]}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('troubleshooting covers every condition reason that is not good news', () => {
  const doc = readFileSync('docs/troubleshooting.md', 'utf8');
  const missing: string[] = [];
  for (const t of CONDITION_TYPES) {
    for (const [reason, d] of Object.entries(CONDITION_REASONS[t] as Record<string, ReasonDoc>)) {
      if (d.status !== GOOD_STATUS[t] && !doc.includes(`\`${reason}\``)) missing.push(`${t}/${reason}`);
    }
  }
  assert.deepEqual(missing, []);
});
