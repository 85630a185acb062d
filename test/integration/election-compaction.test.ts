// Watches whose start revision falls below etcd's compaction are cancelled by etcd (etcd3 turns that into a
// watcher `error` and never recovers it, operator-and-etcd-clients §2.4). A queued candidate, a leader's
// self-watch and an observer must re-read and re-watch — never a stuck waiter. The periodic re-check is set
// to a minute here so only the watch-error path can rescue them in time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { TcpProxy } from '../../src/devstack/tcp-proxy.js';
import { Election, LeaseSession, LeaderObserver, createEtcdClient, type Leadership } from '../../src/election/index.js';
import { createLogger } from '../../src/util/log.js';
import { keyLayout } from '../../src/api/keys.js';
import { uniqueName, waitFor } from '../helpers/wait.js';
import { sleep } from '../../src/util/time.js';

const TTL = 3;
const NO_RECHECK = 60_000;

function captureLogger(lines: string[]) {
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return createLogger({ name: 'election-test', level: 'debug', pretty: false, destination: dest });
}

/** Advance the store revision and compact everything up to it. */
async function churnAndCompact(client: ReturnType<typeof createEtcdClient>, key: string): Promise<string> {
  for (let i = 0; i < 5; i++) await client.put(`${key}/${i}`).value(String(i));
  const r = await client.kv.range({ key: Buffer.from(key) });
  const rev = String(r.header.revision);
  await client.kv.compact({ revision: rev, physical: true });
  return rev;
}

test('a queued candidate whose watch resumes below the compaction re-reads, re-watches and is elected on the hand-off', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const proxy = await TcpProxy.start({ targetPort: etcd.clientPort });
  t.after(() => proxy.stop());
  const direct = createEtcdClient({ endpoints: etcd.endpoint });
  const viaProxy = createEtcdClient({ endpoints: proxy.endpoint, callTimeoutMs: 2000 });
  t.after(() => {
    direct.close();
    viaProxy.close();
  });
  const layout = keyLayout(`/${uniqueName('compact')}`, 'Kubernetes');
  const lines: string[] = [];

  const leaderSession = await LeaseSession.grant(direct, { ttlSeconds: TTL });
  const leader = await new Election(direct, layout.electionPrefix).campaign(leaderSession, 'leader');
  t.after(() => leader.resign());

  const waiterSession = await LeaseSession.grant(viaProxy, { ttlSeconds: TTL });
  t.after(() => waiterSession.close());
  let queued = false;
  const ac = new AbortController();
  t.after(() => ac.abort());
  const waiting = new Election(viaProxy, layout.electionPrefix, { recheckIntervalMs: NO_RECHECK, logger: captureLogger(lines) }).campaign(waiterSession, 'waiter', {
    signal: ac.signal,
    onQueued: () => (queued = true),
  });
  let elected: Leadership | undefined;
  void waiting.then((l) => (elected = l), () => undefined);
  await waitFor('waiter queued', () => queued);
  await sleep(300); // its predecessor watch is established

  // Cut the waiter off briefly, compact past its watch's revision meanwhile, then reset its connection: etcd3
  // re-creates the watch from its old revision, which etcd cancels as compacted.
  proxy.blackhole();
  const compacted = await churnAndCompact(direct, `${layout.root}/churn`);
  proxy.heal();
  proxy.resetAll();
  // etcd answers the re-created watch with "created" and then cancels it as compacted; the waiter re-reads on
  // whichever it sees first (a reconnect is never trusted, §2.4) and watches again from a fresh revision.
  const recovered = await waitFor('waiter re-read after its watch was resumed below the compaction', () => lines.find((l) => /"why":"(reconnected|watch-error[^"]*compacted[^"]*)"/.test(l)), { timeoutMs: 15_000 });
  t.diagnostic(`compacted at ${compacted}; waiter recovered via: ${JSON.parse(recovered).why}`);
  assert.equal(elected, undefined, 'still queued behind the leader');
  assert.ok(waiterSession.isAlive(), 'the short cut did not cost the waiter its session');

  const resignedAt = performance.now();
  await leader.resign();
  await waitFor('waiter elected', () => elected, { timeoutMs: 10_000 });
  t.diagnostic(`resign → waiter elected in ${(performance.now() - resignedAt).toFixed(0)} ms`);
  assert.ok(elected!.isLeader);
  await elected!.resign();
});

test("a leader's self-watch resumed below the compaction is re-established: a later deletion of its key ends the term promptly", async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const proxy = await TcpProxy.start({ targetPort: etcd.clientPort });
  t.after(() => proxy.stop());
  const direct = createEtcdClient({ endpoints: etcd.endpoint });
  const viaProxy = createEtcdClient({ endpoints: proxy.endpoint, callTimeoutMs: 2000 });
  t.after(() => {
    direct.close();
    viaProxy.close();
  });
  const layout = keyLayout(`/${uniqueName('selfwatch')}`, 'Kubernetes');
  const lines: string[] = [];
  const session = await LeaseSession.grant(viaProxy, { ttlSeconds: TTL });
  const l = await new Election(viaProxy, layout.electionPrefix, { recheckIntervalMs: NO_RECHECK, logger: captureLogger(lines) }).campaign(session, 'leader');
  t.after(() => l.resign());
  await sleep(300);

  proxy.blackhole();
  await churnAndCompact(direct, `${layout.root}/churn`);
  proxy.heal();
  proxy.resetAll();
  await waitFor('self-watch cancelled as compacted', () => lines.some((l) => /leader key watch failed/.test(l)), { timeoutMs: 15_000 });
  assert.ok(l.isLeader, 'the compaction alone does not end the term');
  await sleep(500); // re-verified and re-watched

  // Someone deletes the leader key (not via the lease): only the watch can tell us before the next re-check.
  const deletedAt = performance.now();
  await direct.delete().key(l.term.key);
  await waitFor('term ended', () => l.ended, { timeoutMs: 10_000 });
  t.diagnostic(`key deleted → term ended in ${(performance.now() - deletedAt).toFixed(0)} ms`);
  assert.equal(l.lossInfo?.reason, 'key-deleted');
});

test('an observer whose watch starts below the compaction re-lists and keeps tracking the leader', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const proxy = await TcpProxy.start({ targetPort: etcd.clientPort });
  t.after(() => proxy.stop());
  const direct = createEtcdClient({ endpoints: etcd.endpoint });
  const viaProxy = createEtcdClient({ endpoints: proxy.endpoint, callTimeoutMs: 2000 });
  t.after(() => {
    direct.close();
    viaProxy.close();
  });
  const layout = keyLayout(`/${uniqueName('observer-compact')}`, 'Kubernetes');
  const s1 = await LeaseSession.grant(direct, { ttlSeconds: TTL });
  const first = await new Election(direct, layout.electionPrefix).campaign(s1, 'first');

  const observer = new LeaderObserver(viaProxy, layout.electionPrefix, { probeIntervalMs: 10_000 });
  t.after(() => observer.stop());
  // Freeze the observer's connection the moment its initial list is published — before its watch request
  // leaves — and compact past the list revision meanwhile.
  let froze = false;
  observer.once('change', () => {
    proxy.blackhole();
    froze = true;
  });
  observer.start();
  await waitFor('observer listed', () => froze);
  assert.equal(observer.current.state, 'leader');
  await churnAndCompact(direct, `${layout.root}/churn`);
  proxy.heal();
  await waitFor('observer watch error + re-list', () => observer.counters.watchErrors >= 1 && observer.counters.relists >= 2, { timeoutMs: 15_000 });

  // Still tracking: a hand-off is observed through the new watch.
  const s2 = await LeaseSession.grant(direct, { ttlSeconds: TTL });
  const e2 = new Election(direct, layout.electionPrefix).campaign(s2, 'second');
  await sleep(200);
  await first.resign();
  const second = await e2;
  const v = await observer.next((x) => x.state === 'leader' && x.value === 'second', { timeoutMs: 10_000 });
  assert.equal(v.state === 'leader' && v.term.createRevision, second.term.createRevision);
  await second.resign();
  await observer.next((x) => x.state === 'none', { timeoutMs: 10_000 });
});
