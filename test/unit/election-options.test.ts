// Pure parts of the client factory, key layout and fenced-txn mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompareResult, CompareTarget } from 'etcd3';
import { Candidate, ElectionConfigError, normalizeEtcdEndpoints, resolveEtcdClientOptions, leaseIdHex, candidateKey, candidatePrefix, compareRevisions, sameTerm } from '../../src/election/index.js';
import { prefixRangeEnd, revisionPlus, termOf } from '../../src/election/keys.js';
import { toEtcdCompare, toEtcdOp } from '../../src/election/txn-ops.js';
import { keyLayout } from '../../src/api/keys.js';

test('endpoints: comma lists, bare host:port, scheme by TLS, dedup; clear errors', () => {
  assert.deepEqual(normalizeEtcdEndpoints('http://a:2379, http://b:2379,,http://a:2379'), ['http://a:2379', 'http://b:2379']);
  assert.deepEqual(normalizeEtcdEndpoints(['10.0.0.1:2379']), ['http://10.0.0.1:2379']);
  assert.deepEqual(normalizeEtcdEndpoints(['10.0.0.1:2379'], true), ['https://10.0.0.1:2379']);
  assert.deepEqual(normalizeEtcdEndpoints('https://[::1]:2379/'), ['https://[::1]:2379']);
  assert.throws(() => normalizeEtcdEndpoints(''), /no etcd endpoints/);
  assert.throws(() => normalizeEtcdEndpoints('unix:///run/etcd.sock'), /only http and https/);
  assert.throws(() => normalizeEtcdEndpoints('http://a'), /no port/);
  assert.throws(() => normalizeEtcdEndpoints('http://a:2379/v3'), /has a path/);
  assert.throws(() => normalizeEtcdEndpoints('http://u:p@a:2379'), /credentials/);
  assert.throws(() => normalizeEtcdEndpoints('http://a:2379,https://b:2379'), /mix http and https/);
});

test('client options: defaults, TLS/auth consistency', () => {
  const r = resolveEtcdClientOptions({ endpoints: 'http://a:1,http://b:2,http://c:3' });
  assert.equal(r.callTimeoutMs, 5000);
  assert.equal(r.maxAttempts, 3, 'one attempt per endpoint');
  assert.equal(r.secure, false);
  assert.equal(resolveEtcdClientOptions({ endpoints: 'http://a:1' }).maxAttempts, 1);
  assert.throws(() => resolveEtcdClientOptions({ endpoints: 'http://a:1', tls: { caFile: '/ca' } }), /use https/);
  assert.throws(() => resolveEtcdClientOptions({ endpoints: 'https://a:1', tls: { certFile: '/c' } }), /both certFile and keyFile/);
  assert.equal(resolveEtcdClientOptions({ endpoints: 'a:1', tls: { caFile: '/ca' } }).endpoints[0], 'https://a:1');
  assert.throws(() => resolveEtcdClientOptions({ endpoints: 'http://a:1', auth: { username: '', password: 'x' } }), /username/);
  assert.throws(() => resolveEtcdClientOptions({ endpoints: 'http://a:1', callTimeoutMs: 0 }), ElectionConfigError);
  assert.throws(() => resolveEtcdClientOptions({ endpoints: 'http://a:1', grpcKeepaliveMs: 1000 }), /≥ 5000/);
});

test('keys: Go concurrency layout under the framework election prefix', () => {
  const { electionPrefix } = keyLayout('/k8sm/', 'Kubernetes');
  assert.equal(electionPrefix, '/k8sm/Kubernetes/election');
  assert.equal(candidatePrefix(`${electionPrefix}//`), '/k8sm/Kubernetes/election/');
  assert.equal(leaseIdHex('7587899141408289800'), '694da2111321f408', 'the key etcdctl elect printed for that lease');
  assert.equal(leaseIdHex('255'), 'ff');
  assert.equal(leaseIdHex('9223372036854775807'), '7fffffffffffffff');
  assert.throws(() => leaseIdHex('0'));
  assert.equal(candidateKey(electionPrefix, '255'), '/k8sm/Kubernetes/election/ff');
  assert.throws(() => candidatePrefix('///'), ElectionConfigError);
  assert.equal(prefixRangeEnd(Buffer.from('/a/')).toString(), '/a0');
  assert.deepEqual([...prefixRangeEnd(Buffer.from([0x61, 0xff]))], [0x62]);
  assert.deepEqual([...prefixRangeEnd(Buffer.from([0xff]))], [0]);
  assert.equal(compareRevisions('9007199254740993', '9007199254740992'), 1, 'int64-exact beyond 2^53');
  assert.equal(compareRevisions('10', '9'), 1);
  assert.equal(revisionPlus('9007199254740992', 1), '9007199254740993');
  const term = termOf({ key: '/e/ff', createRevision: '12', lease: '255' });
  assert.deepEqual(term, { key: '/e/ff', createRevision: '12', leaseId: '255', leaseIdHex: 'ff' });
  assert.ok(sameTerm(term, { ...term }));
  assert.ok(!sameTerm(term, { ...term, createRevision: '13' }));
});

test('fenced txn ops map to etcd requests exactly', () => {
  assert.deepEqual(toEtcdCompare({ key: 'k', target: 'create', op: '==', value: '42' }), {
    key: Buffer.from('k'),
    target: CompareTarget.Create,
    result: CompareResult.Equal,
    create_revision: '42',
  });
  assert.deepEqual(toEtcdCompare({ key: 'k', target: 'value', op: '!=', value: 'v' }).value, Buffer.from('v'));
  assert.equal(toEtcdCompare({ key: 'k', target: 'mod', op: '<', value: 7 }).mod_revision, '7');
  assert.throws(() => toEtcdCompare({ key: 'k', target: 'version', op: '>', value: '1.5' }), /int64/);
  assert.throws(() => toEtcdCompare({ key: 'k', target: 'nope' as 'mod', op: '>', value: 1 }), /unknown compare target/);
  assert.deepEqual(toEtcdOp({ put: { key: 'a', value: 'b', lease: 'session' } }, '99'), {
    request_put: { key: Buffer.from('a'), value: Buffer.from('b'), lease: '99' },
  });
  assert.deepEqual(toEtcdOp({ delete: { key: '/t/', prefix: true } }), {
    request_delete_range: { key: Buffer.from('/t/'), range_end: Buffer.from('/t0') },
  });
  assert.deepEqual(toEtcdOp({ get: { key: 'a' } }), { request_range: { key: Buffer.from('a') } });
  assert.throws(() => toEtcdOp({ put: { key: 'a', value: 'b', lease: 'session' } }), /leader session/);
});

test('a candidate started with an already-aborted signal never campaigns (the owner was stopping)', async () => {
  const used: string[] = [];
  // Any use of etcd is recorded: nothing may be called.
  const client = new Proxy({}, { get: (_t, p) => (used.push(String(p)), () => Promise.reject(new Error('no etcd here'))) }) as never;
  const ac = new AbortController();
  ac.abort();
  const c = new Candidate({ client, electionPrefix: '/x/election', value: 'v', ttlSeconds: 5, callTimeoutMs: 1000 });
  c.start(ac.signal);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(c.isLeader(), false);
  assert.deepEqual(used.filter((p) => p !== 'then'), [], 'no etcd call');
  await c.stop();
});
