// Observer views (none → leader → hand-off → none; unknown while cut off), abort/resign while queued never
// elects, and a leader whose lease the operator revokes ends its term at once and rejoins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { TcpProxy } from '../../src/devstack/tcp-proxy.js';
import {
  Candidate,
  CampaignAbortedError,
  Election,
  LeaderObserver,
  LeaseSession,
  createEtcdClient,
  type LeaderView,
  type Term,
} from '../../src/election/index.js';
import { keyLayout } from '../../src/api/keys.js';
import { uniqueName, waitFor } from '../helpers/wait.js';
import { sleep } from '../../src/util/time.js';

const TTL = 2;

test('observer: none → leader → hand-off → none, and unknown while its connection is black-holed', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const proxy = await TcpProxy.start({ targetPort: etcd.clientPort });
  t.after(() => proxy.stop());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  const obsClient = createEtcdClient({ endpoints: proxy.endpoint, callTimeoutMs: 1000 });
  t.after(() => {
    client.close();
    obsClient.close();
  });
  const prefix = keyLayout(`/${uniqueName('observe')}`, 'Kubernetes').electionPrefix;
  const observer = new LeaderObserver(obsClient, prefix, { probeIntervalMs: 300 });
  const views: LeaderView[] = [];
  observer.on('change', (v) => views.push(v));
  observer.start();
  t.after(() => observer.stop());
  await observer.next((v) => v.state === 'none', { timeoutMs: 10_000 });

  const mk = (id: string) => new Candidate({ client, electionPrefix: prefix, value: JSON.stringify({ id }), ttlSeconds: TTL, rejoinDelayMs: 60_000 });
  const a = mk('a');
  const b = mk('b');
  t.after(async () => {
    await a.stop();
    await b.stop();
  });
  const aTerm = new Promise<Term>((r) => a.once('elected', r));
  a.start();
  const ta = await aTerm;
  const va = await observer.next((v) => v.state === 'leader', { timeoutMs: 10_000 });
  assert.ok(va.state === 'leader');
  assert.deepEqual(va.term, ta);
  assert.equal(JSON.parse(va.value).id, 'a');

  // Cut the observer off: it must say "unknown", not keep showing a leader it cannot see.
  proxy.blackhole();
  const cutAt = performance.now();
  await observer.next((v) => v.state === 'unknown', { timeoutMs: 10_000 });
  t.diagnostic(`unknown ${(performance.now() - cutAt).toFixed(0)} ms after the black hole`);
  proxy.heal();
  await observer.next((v) => v.state === 'leader' && v.term.createRevision === ta.createRevision, { timeoutMs: 15_000 });

  const bQueued = new Promise((r) => b.once('queued' as 'elected', r as () => void));
  b.start();
  await bQueued;
  const bTerm = new Promise<Term>((r) => b.once('elected', r));
  await a.resign();
  const tb = await bTerm;
  const vb = await observer.next((v) => v.state === 'leader' && v.term.createRevision === tb.createRevision, { timeoutMs: 10_000 });
  assert.ok(vb.state === 'leader' && JSON.parse(vb.value).id === 'b');
  await a.stop();
  await b.stop();
  await observer.next((v) => v.state === 'none', { timeoutMs: 10_000 });
  const states = views.map((v) => (v.state === 'leader' ? `leader:${JSON.parse(v.value).id}` : v.state));
  t.diagnostic(states.join(' → '));
  assert.deepEqual(states.filter((s, i) => s !== states[i - 1]), states, 'no duplicate change events');
  assert.ok(states.includes('unknown'));
});

test('abort or stop while queued never elects, even when the leader resigns right after', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => client.close());
  const prefix = keyLayout(`/${uniqueName('abort')}`, 'Kubernetes').electionPrefix;
  const election = new Election(client, prefix);
  const leader = await election.campaign(await LeaseSession.grant(client, { ttlSeconds: TTL }), 'leader');

  // A raw campaign aborted while waiting: rejects, and its key is gone.
  const s = await LeaseSession.grant(client, { ttlSeconds: TTL });
  t.after(() => s.close());
  const ac = new AbortController();
  let queuedKey = '';
  const p = election.campaign(s, 'waiter', { signal: ac.signal, onQueued: (i) => (queuedKey = i.key) });
  await waitFor('queued', () => queuedKey);
  // A Candidate stopped while queued.
  const c = new Candidate({ client, electionPrefix: prefix, value: 'candidate', ttlSeconds: TTL });
  let elected = 0;
  c.on('elected', () => elected++);
  let cQueued = false;
  c.on('queued', () => (cQueued = true));
  c.start();
  await waitFor('candidate queued', () => cQueued);

  const rejected = assert.rejects(p, CampaignAbortedError);
  ac.abort();
  const stopping = c.stop();
  await leader.resign();
  await rejected;
  await stopping;
  await sleep(300);
  assert.equal(elected, 0, 'a stopped candidate reported elected');
  const { candidates } = await election.candidates();
  assert.deepEqual(candidates, [], 'aborted/stopped candidates left no key behind');
  assert.equal(await election.leader(), undefined);
});

test("the operator revokes the leader's lease: the term ends at once and the candidate rejoins", async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  const operator = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => {
    client.close();
    operator.close();
  });
  const prefix = keyLayout(`/${uniqueName('revoke')}`, 'Kubernetes').electionPrefix;
  const c = new Candidate({ client, electionPrefix: prefix, value: 'x', ttlSeconds: 5, rejoinDelayMs: 100 });
  const events: string[] = [];
  let lastTerm: Term | undefined;
  c.on('elected', (term) => {
    events.push(`elected:${term.createRevision}`);
    lastTerm = term;
  });
  c.on('lost', (term, reason) => events.push(`lost:${term.createRevision}:${reason}`));
  c.start();
  t.after(() => c.stop());
  await waitFor('elected', () => lastTerm);
  const first = lastTerm!;
  const revokedAt = performance.now();
  await operator.leaseClient.leaseRevoke({ ID: first.leaseId });
  await waitFor('lost', () => events.some((e) => e.startsWith('lost:')), { timeoutMs: 5000 });
  const took = performance.now() - revokedAt;
  t.diagnostic(`revoke → lost in ${took.toFixed(0)} ms; ${events.join(' ')}`);
  assert.ok(took < 2000, 'noticed long before the 5 s TTL could matter');
  assert.match(events[1]!, /^lost:\d+:(key-deleted|lease-revoked)$/);
  await waitFor('re-elected with a new term', () => lastTerm && lastTerm.createRevision !== first.createRevision, { timeoutMs: 10_000 });
  assert.notEqual(lastTerm!.leaseId, first.leaseId, 'a new session/lease for the new term');
  await c.stop();
  assert.match(events.at(-1)!, /^lost:\d+:resigned$/);
});

test("a stopped candidate takes its listener off its owner's signal (the owner's may outlive many candidates)", async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => client.close());
  const prefix = keyLayout(`/${uniqueName('owner')}`, 'Kubernetes').electionPrefix;
  const owner = new AbortController();
  const listeners = () => getEventListeners(owner.signal, 'abort').length;
  const before = listeners();
  for (let i = 0; i < 5; i++) {
    const c = new Candidate({ client, electionPrefix: prefix, value: `c${i}`, ttlSeconds: 5 });
    c.start(owner.signal);
    assert.equal(listeners(), before + 1);
    await c.stop();
  }
  assert.equal(listeners(), before);
});
