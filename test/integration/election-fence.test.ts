// The fenced store: leader-only writes commit only while the leader key's create revision equals our term.
// A stale term's write fails with FenceLostError and ends the term; after a stall past the renew deadline the
// write is refused locally, without reaching etcd.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Watcher, type Etcd3 } from 'etcd3';
import { EtcdServer } from '../../src/devstack/etcd.js';
import {
  Election,
  FenceLostError,
  LeaseSession,
  createEtcdClient,
  type Leadership,
  type TermLossReason,
} from '../../src/election/index.js';
import { keyLayout } from '../../src/api/keys.js';
import { ProcGroup } from '../helpers/procs.js';
import { uniqueName, waitFor } from '../helpers/wait.js';
import { CandidateProc, describe } from '../helpers/election-harness.js';
import { etcdForTest } from '../helpers/etcd.js';

const TTL = 2;

async function elect(client: ReturnType<typeof createEtcdClient>, prefix: string, value: string): Promise<Leadership> {
  const session = await LeaseSession.grant(client, { ttlSeconds: TTL });
  return await new Election(client, prefix).campaign(session, value);
}

function recordLosses(l: Leadership): TermLossReason[] {
  const reasons: TermLossReason[] = [];
  l.on('lost', (r) => reasons.push(r));
  return reasons;
}

test('fenced put/delete/txn commit while the term holds; caller compares pick the branch', async (t) => {
  const { client } = await etcdForTest(t);
  const layout = keyLayout(`/${uniqueName('fence')}`, 'Kubernetes');
  const l = await elect(client, layout.electionPrefix, 'me');
  t.after(() => l.resign());

  await l.store.put(layout.frameworkId, 'fw-1');
  assert.equal(await client.get(layout.frameworkId).string(), 'fw-1');

  // Compare-and-set on the framework id: only when absent / equal (never a blind overwrite).
  const cas = await l.store.txn({
    compare: [{ key: layout.frameworkId, target: 'value', op: '==', value: 'other' }],
    success: [{ put: { key: layout.frameworkId, value: 'fw-2' } }],
    failure: [{ get: { key: layout.frameworkId } }],
  });
  assert.equal(cas.succeeded, false);
  const got = cas.results[0]!;
  assert.ok('get' in got);
  assert.equal(got.get.kvs[0]?.value, 'fw-1');
  const ok = await l.store.txn({
    compare: [{ key: layout.frameworkId, target: 'value', op: '==', value: 'fw-1' }],
    success: [{ put: { key: layout.task('t1'), value: '{}' } }, { put: { key: layout.task('t2'), value: '{}' } }],
  });
  assert.equal(ok.succeeded, true);
  assert.equal(ok.results.length, 2);
  const del = await l.store.delete(layout.tasksPrefix, { prefix: true });
  assert.equal(del.deleted, 2);

  // A key on the leader's own lease disappears with the leader.
  await l.store.put(layout.leaderStatus, '{"role":"leader"}', { lease: 'session' });
  assert.equal(await client.get(layout.leaderStatus).string(), '{"role":"leader"}');
  assert.ok(l.isLeader);
  assert.equal(await l.resign(), true);
  assert.equal(await client.get(layout.leaderStatus).string(), null);
  await assert.rejects(l.store.put(layout.frameworkId, 'late'), (e: unknown) => e instanceof FenceLostError && e.failure === 'term-ended');
  assert.equal(await client.get(layout.frameworkId).string(), 'fw-1');
});

test('a stale term (lease revoked by someone else) cannot write, and the failure ends the term once', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  const operator = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => {
    client.close();
    operator.close();
  });
  const layout = keyLayout(`/${uniqueName('stale')}`, 'Kubernetes');
  const l = await elect(client, layout.electionPrefix, 'old');
  const reasons = recordLosses(l);

  // The operator revokes the leader's lease (what it does for a leader whose pod is gone) and a new candidate
  // takes over; the old leader writes in the same tick it could first notice.
  await operator.leaseClient.leaseRevoke({ ID: l.term.leaseId });
  const write = l.store.put(layout.frameworkId, 'from-stale-term');
  const err = await write.then(
    () => assert.fail('a stale term wrote'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof FenceLostError, `expected FenceLostError, got ${String(err)}`);
  t.diagnostic(`failure=${err.failure} termLossReason=${err.termLossReason}`);
  assert.equal(await client.get(layout.frameworkId).string(), null, 'the stale write did not commit');
  await waitFor('term ended', () => l.ended);
  assert.equal(l.isLeader, false);
  assert.equal(reasons.length, 1, `lost emitted once: ${reasons.join(',')}`);
  assert.ok(['fence-failed', 'key-deleted', 'lease-revoked'].includes(reasons[0]!));
  // The new leader writes fine; the old one is refused locally from now on.
  const next = await elect(operator, layout.electionPrefix, 'new');
  await next.store.put(layout.frameworkId, 'from-new-term');
  await assert.rejects(l.store.put(layout.frameworkId, 'again'), FenceLostError);
  assert.equal(await client.get(layout.frameworkId).string(), 'from-new-term');
  await next.resign();
});

test('the fence in etcd: a write sent after the leader key vanished fails the compare and ends the term once', async (t) => {
  const { etcd, client } = await etcdForTest(t);
  const layout = keyLayout(`/${uniqueName('compare')}`, 'Kubernetes');
  const l = await elect(client, layout.electionPrefix, 'old');
  const reasons = recordLosses(l);
  // Delete the leader key synchronously (etcdctl blocks this event loop), so the leader cannot have processed
  // the watch event yet when it sends its write: the local checks pass and etcd's compare must refuse it.
  execFileSync('etcdctl', ['--endpoints', etcd.endpoint, 'del', l.term.key], { env: { ...process.env, ETCDCTL_API: '3' } });
  assert.equal(l.isLeader, true, 'locally still leader: nothing has told this process yet');
  const err = await l.store.put(layout.frameworkId, 'x').then(
    () => assert.fail('write after the leader key was deleted'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof FenceLostError);
  assert.equal(err.failure, 'compare-failed');
  await waitFor('term ended', () => l.ended);
  assert.equal(reasons.length, 1);
  assert.ok(['fence-failed', 'key-deleted'].includes(reasons[0]!), reasons[0]);
  t.diagnostic(`term ended by ${reasons[0]}`);
  assert.equal(await client.get(layout.frameworkId).string(), null);
});

test('after an event-loop stall past the TTL the leader refuses writes locally; the successor (another process) leads', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const group = new ProcGroup();
  t.after(() => group.killAll());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => client.close());
  const layout = keyLayout(`/${uniqueName('stall')}`, 'Kubernetes');
  const l = await elect(client, layout.electionPrefix, 'stalled');
  const reasons = recordLosses(l);
  const b = new CandidateProc(group, { endpoints: [etcd.endpoint], electionPrefix: layout.electionPrefix, ttlSeconds: TTL, id: 'b' });
  try {
    await b.waitCount('queued', 1);
    // A stop-the-world pause (GC, frozen VM) longer than the TTL: nothing in this process runs.
    const until = performance.now() + TTL * 1000 + 1500;
    while (performance.now() < until) {
      // busy
    }
    // First thing after the stall, before any timer or I/O callback could run:
    assert.equal(l.isLeader, false, 'isLeader is deadline-exact even before the deadline timer fires');
    await assert.rejects(l.store.put(layout.frameworkId, 'after-stall'), (e: unknown) => e instanceof FenceLostError && e.failure === 'renew-deadline');
    await waitFor('term ended', () => l.ended);
    assert.deepEqual(reasons, ['renew-deadline']);
    assert.ok(l.lossInfo!.at <= until, 'the term ended at the renew deadline, not when the event loop noticed');
    await b.waitCount('elected', 1, 15_000);
    assert.equal(await client.get(layout.frameworkId).string(), null);
  } catch (err) {
    t.diagnostic(describe([b]));
    throw err;
  }
});

/** Records `label` whenever a watcher of `client` is cancelled (etcd3's Watcher.cancel, wrapped for this test). */
function spyWatchCancels(t: TestContext, client: Etcd3, order: string[], label: string): void {
  const proto = Watcher.prototype as unknown as { cancel: (this: Watcher) => Promise<void> };
  const original = proto.cancel;
  const manager = (client as unknown as { watchManager: unknown }).watchManager;
  proto.cancel = function (this: Watcher) {
    if ((this as unknown as { manager: unknown }).manager === manager) order.push(label);
    return original.call(this);
  };
  t.after(() => (proto.cancel = original));
}

/** Records `<what> sent` and `<what> answered` around every txn of `client` (etcd3's own method, wrapped). */
function spyTxns(client: Etcd3, order: string[], what: string, onAnswered?: () => void): void {
  const kv = client.kv as unknown as { txn: (...a: unknown[]) => Promise<unknown> };
  const txn = kv.txn.bind(kv);
  kv.txn = async (...a) => {
    order.push(`${what} sent`);
    try {
      return await txn(...a);
    } finally {
      order.push(`${what} answered`);
      onAnswered?.();
    }
  };
}

test('resign: the guarded delete goes out first; the watch cancel and the lease revoke only once it is answered (reference: "then revoke")', async (t) => {
  const { client } = await etcdForTest(t);
  const layout = keyLayout(`/${uniqueName('resign')}`, 'Kubernetes');
  const l = await elect(client, layout.electionPrefix, 'me');
  await new Promise((r) => setImmediate(r)); // the term's key watch starts on the turn after `elected`
  // Record, in order, when each call is issued and answered (the etcd3 client's own methods, wrapped).
  const order: string[] = [];
  const lease = client.leaseClient as unknown as { leaseRevoke: (...a: unknown[]) => Promise<unknown> };
  const revoke = lease.leaseRevoke.bind(lease);
  spyTxns(client, order, 'delete');
  lease.leaseRevoke = async (...a) => {
    order.push('revoke sent');
    return await revoke(...a);
  };
  spyWatchCancels(t, client, order, 'watch cancelled');
  const losses = recordLosses(l);
  assert.equal(await l.resign(), true);
  assert.deepEqual(losses, ['resigned']);
  assert.deepEqual(order, ['delete sent', 'delete answered', 'watch cancelled', 'revoke sent']);
  assert.equal((await client.getAll().prefix(layout.electionPrefix).keys()).length, 0, 'the key is gone');
});

test('a term that ends in the turn it was won never opens its key watch', async (t) => {
  const { client } = await etcdForTest(t);
  const layout = keyLayout(`/${uniqueName('short-term')}`, 'Kubernetes');
  const manager = (client as unknown as { watchManager: { watchers: unknown[] } }).watchManager;
  const l = await elect(client, layout.electionPrefix, 'me');
  assert.equal(await l.resign(), true);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(manager.watchers.length, 0, 'no watcher left behind');
});

test('a waiting candidate cancels its watch on the predecessor only after the re-check read is answered', async (t) => {
  const { etcd, client } = await etcdForTest(t);
  const standbyClient = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => standbyClient.close());
  const layout = keyLayout(`/${uniqueName('standby-watch')}`, 'Kubernetes');
  const leader = await elect(client, layout.electionPrefix, 'leader');
  // Every txn of the standby, in order: its key's create, its first snapshot, then (after the resign) the re-check.
  const order: string[] = [];
  let answered = 0;
  spyTxns(standbyClient, order, 'txn', () => answered++);
  spyWatchCancels(t, standbyClient, order, 'watch cancelled');
  const session = await LeaseSession.grant(standbyClient, { ttlSeconds: TTL });
  const campaign = new Election(standbyClient, layout.electionPrefix).campaign(session, 'standby');
  // After its first snapshot the standby watches the leader's key (the watcher is made in the same turn).
  await waitFor('standby created its key and read the queue', () => answered >= 2);
  order.push('leader resigns');
  await leader.resign();
  const won = await campaign;
  t.after(() => won.resign());
  assert.equal(won.isLeader, true);
  assert.deepEqual(order.slice(order.indexOf('leader resigns') + 1), ['txn sent', 'txn answered', 'watch cancelled']);
});
