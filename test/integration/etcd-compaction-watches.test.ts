// Watches that etcd cancels itself — a reconnect resumes them below a compaction — while other watches keep the
// client's watch stream open (as in every replica: election, observer, mirror and term watches share one client;
// and in the operator's pooled clients). etcd3 then drops the watcher and emits 'error'; cancelling it again drew
// an answer etcd3 cannot match, thrown out of its stream handler: an uncaught exception that ended the process.
// Every watch must instead re-read, watch again, and keep working — and no manual failover request may be lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { TcpProxy } from '../../src/devstack/tcp-proxy.js';
import { Election, LeaseSession, LeaderObserver, createEtcdClient } from '../../src/election/index.js';
import { defaultSchedulerConfig } from '../../src/api/flags.js';
import { Replica } from '../../src/scheduler/replica.js';
import { keyLayout } from '../../src/api/keys.js';
import { createLogger } from '../../src/util/log.js';
import { sleep } from '../../src/util/time.js';
import { uniqueName, waitFor } from '../helpers/wait.js';

type Client = ReturnType<typeof createEtcdClient>;

/** Cuts the proxied client off, advances and compacts the store past its watches, then resets its connections:
 * etcd3 re-creates the watches from their old revisions and etcd cancels them as compacted. */
async function blipWhileCompacting(proxy: TcpProxy, direct: Client, churnPrefix: string): Promise<void> {
  proxy.blackhole();
  for (let i = 0; i < 5; i++) await direct.put(`${churnPrefix}/${i}`).value(String(i));
  const r = await direct.kv.range({ key: Buffer.from(churnPrefix) });
  await direct.kv.compact({ revision: String(r.header.revision), physical: true });
  proxy.heal();
  proxy.resetAll();
}

/** A real etcd, a TCP proxy in front of it (for the client under test) and a direct client (for the test). */
async function proxiedEtcd(t: { after: (f: () => unknown) => void }): Promise<{ proxy: TcpProxy; direct: Client }> {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const proxy = await TcpProxy.start({ targetPort: etcd.clientPort });
  t.after(() => proxy.stop());
  const direct = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => direct.close());
  return { proxy, direct };
}

function catchUncaught(t: { after: (f: () => void) => void }): Error[] {
  const seen: Error[] = [];
  const onErr = (err: Error) => void seen.push(err);
  process.on('uncaughtException', onErr);
  t.after(() => void process.off('uncaughtException', onErr));
  return seen;
}

test('a leader and an observer on one client: a reconnect below the compaction crashes nothing, and both recover', { timeout: 60_000 }, async (t) => {
  const uncaught = catchUncaught(t);
  const { proxy, direct } = await proxiedEtcd(t);
  const shared = createEtcdClient({ endpoints: proxy.endpoint, callTimeoutMs: 2000 });
  t.after(() => shared.close());
  const layout = keyLayout(`/${uniqueName('compact-shared')}`, 'Kubernetes');
  const session = await LeaseSession.grant(shared, { ttlSeconds: 10 });
  const leader = await new Election(shared, layout.electionPrefix, { recheckIntervalMs: 60_000 }).campaign(session, 'leader');
  t.after(() => leader.resign());
  const observer = new LeaderObserver(shared, layout.electionPrefix, { probeIntervalMs: 60_000 }).start();
  t.after(() => observer.stop());
  await waitFor('the observer sees the leader', () => observer.current.state === 'leader');
  await sleep(300); // both watches established

  await blipWhileCompacting(proxy, direct, `${layout.root}/churn`);
  await waitFor('the observer re-listed after its watch was cancelled', () => observer.counters.watchErrors + observer.counters.disconnects > 0, { timeoutMs: 15_000 });
  await waitFor('the observer names the leader again', () => observer.current.state === 'leader' && observer.current.term.createRevision === leader.term.createRevision, { timeoutMs: 15_000 });
  assert.ok(leader.isLeader, 'the blip did not cost the term');
  await sleep(1000); // the leader's self-watch re-verified and re-established
  assert.deepEqual(uncaught.map((e) => e.message), [], 'no uncaught exception');

  // Both watches work again: the leader key deleted by hand ends the term at once, and the observer sees it.
  await direct.delete().key(leader.term.key);
  await waitFor('the term ended on its key deletion', () => leader.ended, { timeoutMs: 10_000 });
  await waitFor('the observer sees no leader', () => observer.current.state === 'none', { timeoutMs: 10_000 });
  assert.deepEqual(uncaught.map((e) => e.message), []);
});

test("the leader's failover-request watch survives a reconnect below the compaction; a request for another term is ignored", { timeout: 60_000 }, async (t) => {
  const uncaught = catchUncaught(t);
  const { proxy, direct } = await proxiedEtcd(t);
  const config = { ...defaultSchedulerConfig(), ha: true, etcdServers: [proxy.endpoint], etcdPrefix: `/${uniqueName('fr')}`, frameworkName: 'fw', mesosMaster: 'http://127.0.0.1:1' };
  const replica = new Replica({ config, logger: createLogger({ name: 'r', level: 'error', pretty: false }) });
  const r = replica as unknown as { client: Client; keys: { failoverRequest: string; root: string }; failover: (why: string) => Promise<void>; watchFailoverRequests: (l: unknown) => void; failoverWatchCancel?: () => void };
  t.after(() => {
    r.failoverWatchCancel?.();
    r.client.close();
  });
  const requests: string[] = [];
  r.failover = async (why) => void requests.push(why);
  const head = await direct.kv.range({ key: Buffer.from(r.keys.root) });
  r.watchFailoverRequests({ electedRevision: String(head.header.revision), isLeader: true, term: { createRevision: '7' } });
  await sleep(500);
  await direct.put(r.keys.failoverRequest).value('now');
  await waitFor('the first request', () => requests.length === 1, { timeoutMs: 10_000 });

  await blipWhileCompacting(proxy, direct, `${r.keys.root}/churn`);
  await sleep(500);
  // Meant for another leader (the operator saw term 5): not ours to act on.
  await direct.put(r.keys.failoverRequest).value(JSON.stringify({ at: new Date().toISOString(), by: 'test', from: { term: '5' } }));
  await direct.put(r.keys.failoverRequest).value(JSON.stringify({ at: new Date().toISOString(), by: 'test', from: { term: '7' } }));
  await waitFor('the request for our term, after the compaction', () => requests.length === 2, { timeoutMs: 15_000 });
  await sleep(300);
  assert.equal(requests.length, 2, 'the request for term 5 was ignored');
  assert.deepEqual(uncaught.map((e) => e.message), []);
});
