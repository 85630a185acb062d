// Every issue the validator can report has an example in src/api/validation-examples.ts (and so a row in
// docs/reference.md): run every example under V8 block coverage and require that each `out.error(` /
// `out.warn(` call site in validate.ts executed — except the sites listed, with the reason, in UNREACHABLE_SITES.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { validateSchedulerHA } from '../../src/api/validate.js';
import {
  applySpecExample,
  commandLineIssues,
  commandLineOf,
  COMMAND_LINE_ERROR_EXAMPLES,
  COMMAND_LINE_WARNING_EXAMPLES,
  SPEC_ERROR_EXAMPLES,
  SPEC_WARNING_EXAMPLES,
  UNREACHABLE_SITES,
} from '../../src/api/validation-examples.js';

const VALIDATE_URL = new URL('../../src/api/validate.js', import.meta.url).href;

interface Range {
  startOffset: number;
  endOffset: number;
  count: number;
}

/** Execution count of the innermost block containing `offset`. */
function countAt(ranges: Range[], offset: number): number {
  let best: Range | undefined;
  for (const r of ranges) {
    if (r.startOffset <= offset && offset < r.endOffset && (!best || r.endOffset - r.startOffset < best.endOffset - best.startOffset)) best = r;
  }
  return best?.count ?? 0;
}

/** The `out.error(` / `out.warn(` calls of the compiled validator, each with its source line. */
function issueSites(source: string): Array<{ offset: number; line: number; text: string }> {
  const sites: Array<{ offset: number; line: number; text: string }> = [];
  for (const m of source.matchAll(/\bout\.(error|warn)\(/g)) {
    const offset = m.index;
    const line = source.slice(0, offset).split('\n').length;
    const lineStart = source.lastIndexOf('\n', offset) + 1;
    const lineEnd = source.indexOf('\n', offset);
    sites.push({ offset, line, text: source.slice(lineStart, lineEnd < 0 ? undefined : lineEnd).trim() });
  }
  return sites;
}

// One profiler session for the file: takePreciseCoverage resets the counters, so each measurement discards what
// ran before it, runs `run` and takes the counts.
let session: Session | undefined;

async function coverageOf(run: () => void): Promise<Range[]> {
  if (!session) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }
  await session.post('Profiler.takePreciseCoverage');
  run();
  const { result } = await session.post('Profiler.takePreciseCoverage');
  const script = result.find((s) => s.url === VALIDATE_URL);
  assert.ok(script, `no coverage for ${VALIDATE_URL}`);
  return script.functions.flatMap((f) => f.ranges);
}

after(async () => {
  await session?.post('Profiler.stopPreciseCoverage');
  session?.disconnect();
});

const source = readFileSync(fileURLToPath(VALIDATE_URL), 'utf8');
const sites = issueSites(source);

test('the validator has the issue sites this test looks for', () => {
  assert.ok(sites.length >= 60, `found ${sites.length} out.error/out.warn calls in ${VALIDATE_URL}`);
});

test('the examples reach every issue site of the validator', async () => {
  const ranges = await coverageOf(() => {
    for (const ex of [...SPEC_ERROR_EXAMPLES, ...SPEC_WARNING_EXAMPLES]) validateSchedulerHA(applySpecExample(ex.set), { served: ex.served === true });
    for (const ex of [...COMMAND_LINE_ERROR_EXAMPLES, ...COMMAND_LINE_WARNING_EXAMPLES]) commandLineIssues(commandLineOf(ex));
  });
  const missed = sites.filter((s) => countAt(ranges, s.offset) === 0);
  const explained = (s: { text: string }) => UNREACHABLE_SITES.find((u) => s.text.includes(u.contains));
  const unexplained = missed.filter((s) => !explained(s));
  assert.deepEqual(unexplained.map((s) => `validate.js:${s.line}: ${s.text}`), [], 'issue sites no example reaches: add an example to src/api/validation-examples.ts');
  for (const u of UNREACHABLE_SITES) {
    const at = sites.filter((s) => s.text.includes(u.contains));
    assert.equal(at.length, 1, `UNREACHABLE_SITES entry ${u.contains} names exactly one site`);
    assert.ok(missed.includes(at[0]!), `${u.contains} is reached by an example now: remove it from UNREACHABLE_SITES`);
  }
});

test('a site no example reaches is detected (the check can fail)', async () => {
  // Only one example: most sites stay unreached.
  const ranges = await coverageOf(() => void validateSchedulerHA(applySpecExample(SPEC_ERROR_EXAMPLES[0]!.set)));
  const reached = sites.filter((s) => countAt(ranges, s.offset) > 0);
  assert.deepEqual(reached.map((s) => s.text), ["out.error('(document)', `a SchedulerHA must be a YAML/JSON object, not ${typeName(doc)}`);"]);
});
