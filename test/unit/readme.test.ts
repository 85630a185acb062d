// The README is the project's front door, so its promises are checked: the set-up is exactly the two npm commands,
// CI runs exactly the README's test command, `npm start` runs the devstack, every relative link (and heading anchor)
// resolves, and the benchmark table is the one bench/results renders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { anchor } from '../../src/docs/markdown.js';
import { TABLE_END, TABLE_START, readResults, renderBenchTable } from '../../bench/lib/readme-table.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const README = read('README.md');

function section(title: string): string {
  const start = README.indexOf(`## ${title}`);
  assert.ok(start >= 0, `README has a "${title}" section`);
  const end = README.indexOf('\n## ', start + 3);
  return README.slice(start, end < 0 ? undefined : end);
}

const commands = (block: string) =>
  block
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);

test('set-up is two commands: npm start (the devstack) and npm test', () => {
  const block = /```sh\n([\s\S]*?)```/.exec(section('Set-up: two commands'))![1]!;
  assert.deepEqual(commands(block), ['npm start', 'npm test']);
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; devDependencies: Record<string, string> };
  assert.equal(pkg.scripts.start, 'sh scripts/start.sh');
  assert.equal(pkg.scripts.test, 'sh scripts/test.sh');
  assert.match(pkg.devDependencies.node!, /^\^?24\./, 'Node 24 is pinned for every npm script');
  assert.match(read('scripts/start.sh'), /^exec node_modules\/\.bin\/node dist\/src\/cli\.js devstack "\$@"$/m);
  for (const s of ['scripts/start.sh', 'scripts/test.sh']) {
    assert.match(read(s), /^sh scripts\/ensure-system-deps\.sh$/m, `${s} installs etcd / ZooKeeper when missing`);
    assert.match(read(s), /^sh scripts\/ensure-npm-deps\.sh$/m, `${s} installs npm dependencies`);
  }
});

test('.ci/run runs exactly the README test command', () => {
  const lines = commands(read('.ci/run')).filter((l) => !l.startsWith('set ') && !l.startsWith('cd '));
  assert.deepEqual(lines, ['exec npm test']);
});

test('every relative link in the README resolves (files and heading anchors)', () => {
  const links = [...README.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
  assert.ok(links.length > 10);
  for (const l of links) {
    const [file, frag] = l.split('#') as [string, string | undefined];
    if (file) assert.ok(existsSync(join(ROOT, file)), `README links to ${file}, which does not exist`);
    if (frag) {
      const text = file ? read(file) : README;
      const anchors = new Set([...text.matchAll(/^#{1,6} (.*)$/gm)].map((m) => anchor(m[1]!)));
      assert.ok(anchors.has(frag), `README links to ${l}: no heading with anchor #${frag}`);
    }
  }
});

test('the benchmark table is the one bench/results renders (run `npm run bench`, or dist/bench/readme-table.js)', () => {
  const a = README.indexOf(TABLE_START);
  const b = README.indexOf(TABLE_END);
  assert.ok(a >= 0 && b > a, 'the README has the generated benchmark table block');
  assert.equal(README.slice(a, b + TABLE_END.length), renderBenchTable(readResults(join(ROOT, 'bench/results'))));
});
