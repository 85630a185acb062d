// The executor-config hash: golden values (stable across releases), invariances, and sensitivity to exactly the
// seed's flag list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseSchedulerArgv, isExecutorHashFlag } from '../../src/api/flags.js';
import { executorHash, executorHashInputs, executorIdFor, hashOfExecutorId, diffHashInputs } from '../../src/api/hash.js';

const hashOf = (argv: string[]) => {
  const p = parseSchedulerArgv(argv);
  assert.deepEqual(p.errors, [], `argv ${argv.join(' ')}`);
  return executorHash(p.config);
};

test('golden values: these never change across releases', () => {
  const golden: Array<[string[], string]> = [
    [[], '2b9003be9d6a86db'],
    [['--km-path=hdfs:///km'], 'd5952f9173a91168'],
    [['--km-path=hdfs:///km', '--allow-privileged'], '47d82c5941c1c829'],
    [['--executor-path=hdfs:///executor', '--proxy-path=hdfs:///proxy', '--api-servers=https://a:6443,https://b:6443'], '8ccd3f0a615ce3e4'],
    [['--km-path=http://artifacts/km', '--kubelet-sync-frequency=10s', '--cluster-dns=10.0.0.10', '--cluster-domain=cluster.local', '--executor-logv=2', '--auth-path=/etc/auth', '--profiling=true'], 'bfb87d76847298dd'],
  ];
  for (const [argv, want] of golden) assert.equal(hashOf(argv), want, argv.join(' '));
});

test('the documented algorithm, recomputed independently', () => {
  const lines = ['allow-privileged=false', 'km-path=hdfs:///km', 'profiling=false'];
  const want = createHash('sha256').update(`schedulerha/executor-hash/v1\n${lines.join('\n')}`).digest('hex').slice(0, 16);
  assert.equal(hashOf(['--km-path=hdfs:///km']), want);
});

test('flag order does not matter', () => {
  const a = ['--km-path=hdfs:///km', '--kubelet-sync-frequency=10s', '--cluster-dns=1.2.3.4', '--allow-privileged=true'];
  const perms = [a, [...a].reverse(), [a[2]!, a[0]!, a[3]!, a[1]!]];
  const hs = perms.map(hashOf);
  assert.equal(new Set(hs).size, 1);
});

test('"-" and "_" spellings are one flag; explicit defaults hash like absent flags', () => {
  assert.equal(hashOf(['--km-path=hdfs:///km', '--cluster_dns=1.2.3.4']), hashOf(['--km_path=hdfs:///km', '--cluster-dns=1.2.3.4']));
  assert.equal(hashOf(['--km-path=hdfs:///km', '--kubelet_sync_frequency=10s']), hashOf(['--km-path=hdfs:///km', '--kubelet-sync-frequency=10s']));
  assert.equal(hashOf(['--km-path=hdfs:///km']), hashOf(['--km-path=hdfs:///km', '--profiling=false', '--allow-privileged=false']));
  assert.equal(hashOf(['--km-path', 'hdfs:///km']), hashOf(['--km-path=hdfs:///km']));
  assert.equal(hashOf(['-km-path=hdfs:///km']), hashOf(['--km-path=hdfs:///km']));
});

test('changing any listed flag changes the hash', () => {
  const base = ['--km-path=hdfs:///km', '--api-servers=https://a:6443', '--auth-path=/auth', '--cluster-dns=1.1.1.1', '--executor-logv=1', '--kubelet-sync-frequency=10s'];
  const h0 = hashOf(base);
  const variants: string[][] = [
    ['--allow-privileged=true'],
    ['--api-servers=https://b:6443'],
    ['--auth-path=/other'],
    ['--cluster-dns=2.2.2.2'],
    ['--cluster-domain=example.org'],
    ['--executor-logv=2'],
    ['--executor-suicide-timeout=20m'],
    ['--kubelet-sync-frequency=20s'],
    ['--kubelet-root-dir=/var/lib/k'],
    ['--km-path=hdfs:///km2'],
    ['--profiling=true'],
    ['--proxy-path=hdfs:///proxy'],
    ['--executor-path=hdfs:///executor'],
  ];
  const seen = new Set([h0]);
  for (const v of variants) {
    const name = v[0]!.split('=')[0]!;
    const argv = [...base.filter((a) => a.split('=')[0] !== name), ...v];
    const h = hashOf(argv);
    assert.notEqual(h, h0, `${v[0]} must change the hash`);
    assert.ok(isExecutorHashFlag(name), name);
    seen.add(h);
  }
  assert.equal(seen.size, variants.length + 1, 'all variants distinct');
});

test('changing any other flag does not change the hash', () => {
  const base = ['--km-path=hdfs:///km'];
  const h0 = hashOf(base);
  const others = [
    '--ha', '--checkpoint=false', '--failover-timeout=1h', '--framework-name=Other', '--mesos-master=zk://z:2181/m', '--mesos-user=nobody',
    '--mesos-roles=a,b', '--mesos-principal=p', '--etcd-servers=http://e:2379', '--etcd-prefix=/x', '--lease-ttl=3s', '--reconcile-interval=1m',
    '--address=10.0.0.1', '--port=1234', '--identity=me', '--kubeconfig=/k', '--log-level=debug', '--reconcile-max-backoff=1m',
  ];
  for (const o of others) {
    assert.equal(hashOf([...base, o]), h0, `${o} must not change the hash`);
    assert.equal(isExecutorHashFlag(o.split('=')[0]!), false, o);
  }
});

test('executor ids embed the hash', () => {
  const h = hashOf(['--km-path=hdfs:///km']);
  assert.equal(executorIdFor(h), `${h}_k8sm-executor`);
  assert.equal(hashOfExecutorId(executorIdFor(h)), h);
  assert.equal(hashOfExecutorId('3f9a_k8sm-executor'), undefined);
  assert.equal(hashOfExecutorId('other'), undefined);
});

test('input diff explains a mismatch', () => {
  const a = executorHashInputs(parseSchedulerArgv(['--km-path=hdfs:///km', '--kubelet-x=1']).config);
  const b = executorHashInputs(parseSchedulerArgv(['--km-path=hdfs:///km', '--kubelet-x=2']).config);
  assert.deepEqual(diffHashInputs(a, b), { onlyA: ['kubelet-x=1'], onlyB: ['kubelet-x=2'] });
});
