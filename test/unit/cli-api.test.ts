// The offline CLI: validate / hash / render / crd, run as a real process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../helpers/procs.js';

const run = (args: string[], input?: string) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, timeout: 60_000 });

test('validate: every sample is valid (exit 0)', () => {
  const files = readdirSync('manifests/samples').map((f) => join('manifests/samples', f));
  const r = run(['validate', '-f', ...files]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SchedulerHA mesos\/k8sm: valid/);
});

test('validate: a bad file exits 1 and names the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'schedulerha-cli-'));
  const f = join(dir, 'bad.yaml');
  writeFileSync(f, 'apiVersion: k8sm.io/v1alpha1\nkind: SchedulerHA\nmetadata: {name: k8sm}\nspec:\n  replicas: 2\n  mesos: {master: "m:5050"}\n  etcd: {endpoints: ["http://e:2379"]}\n  flags: {ha: true, kmPath: /opt/km}\n---\n');
  const r = run(['validate', '-f', f]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /error: spec\.flags\.kmPath: with ha, spec\.flags\.kmPath must be a non-local URI/);
  const j = run(['validate', '-o', 'json', '-f', f]);
  assert.equal(j.status, 1);
  assert.equal(JSON.parse(j.stdout)[0].errors[0].path, 'spec.flags.kmPath');
});

test('validate: YAML syntax errors and stdin', () => {
  const r = run(['validate', '-f', '-'], 'apiVersion: [unclosed\n');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /not valid YAML\/JSON/);
  const ok = run(['validate', '-f', '-'], JSON.stringify({ apiVersion: 'k8sm.io/v1alpha1', kind: 'SchedulerHA', metadata: { name: 'j' }, spec: { mesos: { master: 'm:5050' }, etcd: { endpoints: ['http://e:2379'] }, flags: { kmPath: 'hdfs:///km' } } }));
  assert.equal(ok.status, 0, ok.stdout);
});

test('hash: prints the hash; unknown flags fail', () => {
  const r = run(['hash', '--km-path=hdfs:///km']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'd5952f9173a91168');
  const e = run(['hash', '--km-pth=hdfs:///km']);
  assert.equal(e.status, 1);
  assert.match(e.stderr, /did you mean --km-path/);
});

test('render: argv with the seed flag names and the hash', () => {
  const r = run(['render', '-f', 'manifests/samples/schedulerha-ha.yaml', '-o', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const [out] = JSON.parse(r.stdout);
  assert.deepEqual(out.argv.slice(0, 3), ['schedulerha', 'scheduler', '--ha=true']);
  assert.ok(out.argv.includes('--km-path=hdfs:///km'));
  const h = run(['hash', ...out.argv.slice(2)]);
  assert.equal(h.stdout.trim(), out.executorHash, 'render and hash agree');
});

test('crd prints the CRD', () => {
  const r = run(['crd']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /kind: CustomResourceDefinition/);
});
