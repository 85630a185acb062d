// scripts/run-tests.mjs (what `npm test` and .ci/run use): a test file whose process never exits must not hold
// the run forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('a run that a leaked timer would hold forever is stopped at the limit and fails, saying why', () => {
  const dir = mkdtempSync(join(tmpdir(), 'schedulerha-runner-'));
  const leak = join(dir, 'leak.test.mjs');
  const marker = `leak-${process.pid}-${Date.now()}`;
  writeFileSync(leak, `import { test } from 'node:test';\ntest('${marker}', () => { setInterval(() => {}, 50); });\n`);
  // Without this node:test's own marker, the inner runner would take itself for a nested run and run nothing.
  const env: NodeJS.ProcessEnv = { ...process.env, TEST_RUN_LIMIT_MINUTES: '0.1' };
  delete env.NODE_TEST_CONTEXT;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['scripts/run-tests.mjs', leak], { encoding: 'utf8', timeout: 60_000, env });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`ok 1 - ${marker}`), 'the test itself ran and passed');
  assert.match(r.stderr, /the test run did not finish within 0\.1 min: a test file did not exit/);
  assert.ok(Date.now() - t0 < 40_000, 'stopped soon after the 6 s limit');
  const left = spawnSync('pgrep', ['-f', leak], { encoding: 'utf8' });
  assert.equal(left.stdout.trim(), '', 'no process of the run is left behind');
});
