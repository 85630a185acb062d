// Runs the compiled test files with node:test and the TAP reporter, so the last lines CI prints are the
// `# pass` / `# fail` summary. Extra arguments narrow the run (file globs under dist/test).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`schedulerha: tests need Node 24 (found ${process.version}); run them through npm so the pinned node@24 is used`);
  process.exit(1);
}
const globs = process.argv.slice(2);

/** The compiled test files whose source still exists: tsc does not delete the output of a removed test, and a local
 * dist/ would otherwise run it (a clean checkout has none). */
function compiledTests(dir = 'dist/test') {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...compiledTests(p));
    else if (e.name.endsWith('.test.js') && existsSync(p.replace(/^dist\//, '').replace(/\.js$/, '.ts'))) out.push(p);
  }
  return out.sort();
}

const args = [
  '--test',
  '--test-reporter=tap',
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
  '--test-timeout=600000',
  ...(globs.length ? globs : compiledTests()),
];
const child = spawn(process.execPath, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// A test file whose process never exits (a timer or socket left behind by a test that timed out half-way) holds
// node:test forever, and CI would only stop at its own limit. The whole run takes ~4-5 min here; past the limit it is
// stopped and fails with a message saying so. (`--test-force-exit` is no cure: it also ends files whose tests are
// registered after an await, and silently dropped 66 of them.)
const limitMinutes = Number(process.env.TEST_RUN_LIMIT_MINUTES ?? 40);
setTimeout(() => {
  console.error(`schedulerha: the test run did not finish within ${limitMinutes} min: a test file did not exit (look for a timed-out test above; its process kept a timer or socket alive). Stopping it.`);
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  child.once('exit', () => process.exit(1));
}, limitMinutes * 60_000).unref();
