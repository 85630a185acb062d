// Runs the compiled test files with node:test and the TAP reporter, so the last lines CI prints are the
// `# pass` / `# fail` summary. Extra arguments narrow the run (file globs under dist/test).
import { spawn } from 'node:child_process';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`schedulerha: tests need Node 24 (found ${process.version}); run them through npm so the pinned node@24 is used`);
  process.exit(1);
}
const globs = process.argv.slice(2);
const args = [
  '--test',
  '--test-reporter=tap',
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
  '--test-timeout=600000',
  ...(globs.length ? globs : ['dist/test/**/*.test.js']),
];
const child = spawn(process.execPath, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
