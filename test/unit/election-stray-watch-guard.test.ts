// The process guard of the scheduler and the operator (election/watch.ts guardStrayWatchResponses): etcd3's
// 'Failed to find watcher for IWatchResponse' rejection is logged and dropped; any other unhandled rejection still
// ends the process. Run in child processes: the guard is process-wide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const watchModule = fileURLToPath(new URL('../../src/election/watch.js', import.meta.url));
const logModule = fileURLToPath(new URL('../../src/util/log.js', import.meta.url));

function run(rejection: string): { status: number | null; out: string } {
  const script = `
    const { guardStrayWatchResponses } = await import(${JSON.stringify(watchModule)});
    const { createLogger } = await import(${JSON.stringify(logModule)});
    guardStrayWatchResponses(createLogger({ name: 't', level: 'warn', pretty: false }));
    Promise.reject(new Error(${JSON.stringify(rejection)}));
    setTimeout(() => { console.log('still running'); }, 100);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('the stray watch response of etcd3 is logged and dropped; the process goes on', () => {
  const r = run('Failed to find watcher for IWatchResponse');
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /still running/);
  assert.match(r.out, /etcd answered for a watch the client had already dropped/);
});

test('any other unhandled rejection still ends the process', () => {
  const r = run('something else');
  assert.notEqual(r.status, 0);
  assert.doesNotMatch(r.out, /still running/);
  assert.match(r.out, /something else/);
});
