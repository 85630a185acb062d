import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideAfterRemoval, decideExecutorHash, decideFrameworkId } from '../../src/scheduler/takeover.js';
import { keyLayout } from '../../src/api/keys.js';

const keys = keyLayout('/k8sm', 'Kubernetes');
const mine = { hash: 'aaaaaaaaaaaaaaaa', inputs: ['km-path=hdfs:///km', 'kubelet-x=2'] };

test('executor hash: first leader and same hash may lead', () => {
  assert.deepEqual(decideExecutorHash(mine, undefined, undefined, keys), { ok: true });
  assert.deepEqual(decideExecutorHash(mine, { hash: mine.hash, at: '' }, undefined, keys), { ok: true });
});

test('executor hash: a different hash refuses, naming the differences and the way out', () => {
  const d = decideExecutorHash(mine, { hash: 'bbbbbbbbbbbbbbbb', inputs: ['km-path=hdfs:///km', 'kubelet-x=1'], term: '12', at: '' }, undefined, keys);
  assert.equal(d.ok, false);
  if (d.ok) return;
  assert.equal(d.reason, 'ExecutorHashMismatch');
  assert.match(d.message, /aaaaaaaaaaaaaaaa differs from bbbbbbbbbbbbbbbb/);
  assert.match(d.message, /last leader: \[kubelet-x=1\], this replica: \[kubelet-x=2\]/);
  assert.match(d.message, /etcdctl put \/k8sm\/Kubernetes\/desired-executor-hash aaaaaaaaaaaaaaaa/);
});

test('executor hash: a sanctioned change may lead; a sanction for another hash does not help', () => {
  const stored = { hash: 'bbbbbbbbbbbbbbbb', at: '' };
  const ok = decideExecutorHash(mine, stored, { hash: mine.hash, by: 'operator', at: '' }, keys);
  assert.equal(ok.ok, true);
  assert.equal(decideExecutorHash(mine, stored, { hash: 'cccccccccccccccc', at: '' }, keys).ok, false);
});

test('framework id: resubscribe with a stored id; register only without live tasks', () => {
  assert.deepEqual(decideFrameworkId('M-0001', 5, keys), { action: 'resubscribe', frameworkId: 'M-0001' });
  assert.deepEqual(decideFrameworkId(undefined, 0, keys), { action: 'register-new' });
  const r = decideFrameworkId(undefined, 3, keys);
  assert.equal(r.action, 'refuse');
  if (r.action === 'refuse') assert.match(r.message, /holds 3 live task\(s\)/);
});

test('after removal: new framework only without live tasks or with an explicit reset', () => {
  const before = (value: string | undefined) => ({ value, writtenAfterRemoval: false });
  const after = (value: string) => ({ value, writtenAfterRemoval: true });
  assert.equal(decideAfterRemoval('M-1', 0, before(undefined), keys).register, true);
  const no = decideAfterRemoval('M-1', 4, before(undefined), keys);
  assert.equal(no.register, false);
  assert.match(no.message, /etcdctl put \/k8sm\/Kubernetes\/reset-framework M-1/);
  assert.equal(decideAfterRemoval('M-1', 4, before('M-1'), keys).register, true, 'the removed id confirms, whenever it was written');
  assert.equal(decideAfterRemoval('M-1', 4, after('M-1'), keys).register, true);
  assert.equal(decideAfterRemoval('M-1', 4, after('M-0'), keys).register, false, 'a reset naming another id does not count');
  assert.equal(decideAfterRemoval('M-1', 4, after(' new\n'), keys).register, true, '"new" written after the removal was reported');
  assert.equal(decideAfterRemoval('M-1', 4, before('new'), keys).register, false, 'a "new" already in place is a leftover: it never confirms a removal nobody has seen');
});
