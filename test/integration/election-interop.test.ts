// Interop with Go's concurrency.Election through etcdctl 3.4: `etcdctl elect --listen <electionPrefix>` shows
// our leader's value, and etcdctl campaigners and ours share one queue (same key layout and ordering).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { LeaderObserver, createEtcdClient } from '../../src/election/index.js';
import { keyLayout } from '../../src/api/keys.js';
import { ProcGroup, type Proc } from '../helpers/procs.js';
import { uniqueName, waitFor } from '../helpers/wait.js';
import { CandidateProc, describe } from '../helpers/election-harness.js';

const TTL = 2;

function etcdctl(group: ProcGroup, endpoint: string, args: string[]): Proc {
  return group.spawn('etcdctl', ['--endpoints', endpoint, ...args], { env: { ...process.env, ETCDCTL_API: '3' } });
}

test('etcdctl elect --listen shows our leader, and follows a hand-off', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const group = new ProcGroup();
  t.after(() => group.killAll());
  const prefix = keyLayout(`/${uniqueName('interop')}`, 'Kubernetes').electionPrefix;
  const listen = etcdctl(group, etcd.endpoint, ['elect', '--listen', prefix]);
  const base = { endpoints: [etcd.endpoint], electionPrefix: prefix, ttlSeconds: TTL, rejoinDelayMs: 60_000 };
  const a = new CandidateProc(group, { ...base, id: 'a' });
  try {
    const ea = await a.waitCount('elected', 1);
    await waitFor('etcdctl shows a', () => listen.output().includes(`${ea.term!.key}\n${JSON.stringify({ id: 'a', pid: a.proc.pid })}\n`), { timeoutMs: 10_000 });
    const b = new CandidateProc(group, { ...base, id: 'b' });
    await b.waitCount('queued', 1);
    a.send('resign');
    const eb = await b.waitCount('elected', 1);
    await waitFor('etcdctl shows b', () => listen.output().includes(`${eb.term!.key}\n${JSON.stringify({ id: 'b', pid: b.proc.pid })}\n`), { timeoutMs: 10_000 });
    assert.match(eb.term!.key, new RegExp(`^${prefix}/[0-9a-f]+$`), 'key = <electionPrefix>/<lease id in lowercase hex>');
    assert.equal(BigInt(eb.term!.leaseId).toString(16), eb.term!.leaseIdHex);
  } catch (err) {
    t.diagnostic(`etcdctl --listen:\n${listen.output()}\n${describe([a])}`);
    throw err;
  }
});

test('etcdctl campaigners and ours share one queue: hand-offs both ways', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const group = new ProcGroup();
  t.after(() => group.killAll());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => client.close());
  const prefix = keyLayout(`/${uniqueName('mixed')}`, 'Kubernetes').electionPrefix;
  const observer = new LeaderObserver(client, prefix).start();
  t.after(() => observer.stop());

  // etcdctl leads first (it prints its key and value once elected).
  const go1 = etcdctl(group, etcd.endpoint, ['elect', prefix, 'go-one']);
  await waitFor('etcdctl elected', () => /\ngo-one\n/.test(go1.output()), { timeoutMs: 10_000 });
  const ours = new CandidateProc(group, { endpoints: [etcd.endpoint], electionPrefix: prefix, ttlSeconds: TTL, rejoinDelayMs: 60_000, id: 'ours' });
  try {
    await ours.waitCount('queued', 1);
    const v = await observer.next((x) => x.state === 'leader', { timeoutMs: 5000 });
    assert.ok(v.state === 'leader' && v.value === 'go-one', 'our observer sees the Go leader');
    assert.equal(ours.count('elected'), 0, 'we queue behind the Go leader');

    // A second etcdctl queues behind us.
    const go2 = etcdctl(group, etcd.endpoint, ['elect', prefix, 'go-two']);
    await waitFor('three candidates', async () => (await client.getAll().prefix(`${prefix}/`).keys()).length === 3, { timeoutMs: 10_000 });

    go1.signal('SIGINT'); // etcdctl resigns on SIGINT
    await ours.waitCount('elected', 1, 10_000);
    assert.ok(!/go-two/.test(go2.output()), 'the second Go campaigner still waits behind us');
    ours.send('resign');
    await waitFor('etcdctl #2 elected after our resign', () => /\ngo-two\n/.test(go2.output()), { timeoutMs: 10_000 });
    go2.signal('SIGINT');
    await go1.exited;
    await go2.exited;
  } catch (err) {
    t.diagnostic(`go1:\n${go1.output()}\n${describe([ours])}`);
    throw err;
  }
});
