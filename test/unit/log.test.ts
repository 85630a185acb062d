import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/util/log.js';

test('pino JSON lines by default; children carry context fields', async () => {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (d: Buffer) => chunks.push(d.toString()));
  const log = createLogger({ name: 'test', pretty: false, destination: out, level: 'debug' });
  log.child({ key: 'mesos/k8sm', term: '42', frameworkId: 'M-0001' }).info({ replicas: 2 }, 'reconciled');
  await new Promise((r) => setImmediate(r));
  const line = JSON.parse(chunks.join('').trim().split('\n').pop()!);
  assert.equal(line.msg, 'reconciled');
  assert.equal(line.level, 'info');
  assert.equal(line.name, 'test');
  assert.equal(line.key, 'mesos/k8sm');
  assert.equal(line.term, '42');
  assert.equal(line.frameworkId, 'M-0001');
  assert.equal(line.replicas, 2);
  assert.match(line.time, /^\d{4}-\d\d-\d\dT/);
});

test('pretty output is human readable', async () => {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (d: Buffer) => chunks.push(d.toString()));
  const log = createLogger({ name: 'test', pretty: true, destination: out });
  log.warn('leader lost');
  await new Promise((r) => setTimeout(r, 50));
  const text = chunks.join('');
  assert.match(text, /WARN/);
  assert.match(text, /leader lost/);
  assert.throws(() => JSON.parse(text));
});
