// A leader cut off from etcd steps down before anyone else can be elected: its `lost` (renew deadline) is
// emitted before the successor's `elected` — with etcd frozen (SIGSTOP) past the TTL, and with only the
// leader's connection black-holed by a TCP proxy. The etcd3 Campaign fails both (operator-and-etcd-clients §3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { TcpProxy } from '../../src/devstack/tcp-proxy.js';
import { createEtcdClient, resolveSessionTiming } from '../../src/election/index.js';
import { keyLayout } from '../../src/api/keys.js';
import { ProcGroup } from '../helpers/procs.js';
import { uniqueName } from '../helpers/wait.js';
import { sleep } from '../../src/util/time.js';
import { CandidateProc, assertNoGhosts, assertSingleLeader, describe, waitForLeader, wallNow } from '../helpers/election-harness.js';

const TTL = 3;
const timing = resolveSessionTiming({ ttlSeconds: TTL });

test('etcd frozen (SIGSTOP) past the TTL: the leader steps down before any successor is elected', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const group = new ProcGroup();
  t.after(() => group.killAll());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => client.close());
  const prefix = keyLayout(`/${uniqueName('sigstop')}`, 'Kubernetes').electionPrefix;
  const base = { endpoints: [etcd.endpoint], electionPrefix: prefix, ttlSeconds: TTL, rejoinDelayMs: 100 };
  const procs = [new CandidateProc(group, { ...base, id: 'a' }), new CandidateProc(group, { ...base, id: 'b' })];
  try {
    const leader = await waitForLeader(procs);
    for (const p of procs) await p.waitCount('queued', 1);
    const electedBefore = procs.map((p) => p.count('elected'));

    const pausedAt = wallNow();
    etcd.pause();
    // The leader must give up within the renew window (TTL − margin after its last ack), while etcd is frozen.
    const lost = await leader.waitCount('lost', 1, 15_000);
    assert.equal(lost.reason, 'renew-deadline');
    const lostAfter = lost.t - pausedAt;
    t.diagnostic(`leader lost ${lostAfter.toFixed(0)} ms after the pause (renew window ${timing.renewWindowMs} ms)`);
    assert.ok(lostAfter <= timing.renewWindowMs + 1000, `leader kept believing for ${lostAfter} ms`);
    await sleep(Math.max(0, TTL * 1000 + 2000 - (wallNow() - pausedAt)));
    const resumedAt = wallNow();
    etcd.resume();

    // Recovery without restarting anything: a new term after the resume.
    const next = await waitForLeader(procs, 20_000);
    const idx = procs.indexOf(next);
    const elected = next.events.filter((e) => e.ev === 'elected')[electedBefore[idx]!]!;
    assert.ok(elected, 'a new term was elected after the resume');
    assert.ok(elected.t > resumedAt, 'no one is elected while etcd is frozen');
    assert.ok(lost.t < elected.t, `old leader's lost (${lost.t}) must come before the successor's elected (${elected.t})`);
    t.diagnostic(`resume → new leader ${next.id}: ${(elected.t - resumedAt).toFixed(0)} ms`);
    assertSingleLeader(procs);
    await assertNoGhosts(client, prefix, procs);
  } catch (err) {
    etcd.resume();
    t.diagnostic(describe(procs));
    throw err;
  }
});

test('only the leader black-holed (TCP proxy): its lost precedes the successor elected; it rejoins after healing', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const group = new ProcGroup();
  t.after(() => group.killAll());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => client.close());
  const prefix = keyLayout(`/${uniqueName('blackhole')}`, 'Kubernetes').electionPrefix;
  const proxies = await Promise.all([TcpProxy.start({ targetPort: etcd.clientPort }), TcpProxy.start({ targetPort: etcd.clientPort })]);
  t.after(async () => {
    for (const p of proxies) await p.stop();
  });
  const procs = proxies.map(
    (px, i) => new CandidateProc(group, { endpoints: [px.endpoint], electionPrefix: prefix, ttlSeconds: TTL, rejoinDelayMs: 100, id: `p${i}` }),
  );
  try {
    const leader = await waitForLeader(procs);
    for (const p of procs) await p.waitCount('queued', 1);
    const standby = procs.find((p) => p !== leader)!;
    const proxy = proxies[procs.indexOf(leader)]!;

    const holedAt = wallNow();
    proxy.blackhole();
    const lost = await leader.waitCount('lost', 1, 15_000);
    assert.equal(lost.reason, 'renew-deadline');
    const elected = await standby.waitCount('elected', 1, 15_000);
    t.diagnostic(
      `black hole → old leader lost ${(lost.t - holedAt).toFixed(0)} ms, successor elected ${(elected.t - holedAt).toFixed(0)} ms (lost leads by ${(elected.t - lost.t).toFixed(0)} ms)`,
    );
    assert.ok(lost.t < elected.t, `old leader's lost (${lost.t}) must come before the successor's elected (${elected.t})`);
    assert.ok(lost.endedAt! < elected.t);
    // The successor needed etcd to expire the old lease: at least TTL − one keepalive after the black hole.
    assert.ok(elected.t - holedAt >= TTL * 1000 - timing.keepaliveIntervalMs - 250);
    // The standby's own connection was never disturbed.
    assert.equal(standby.count('campaign-error'), 0);

    // Heal: the old leader campaigns again as a standby, in the same process.
    const queuedBefore = leader.count('queued');
    proxy.heal();
    await leader.waitCount('queued', queuedBefore + 1, 20_000);
    assert.ok(standby.believesLeader(), 'the successor still leads after the heal');
    assertSingleLeader(procs);
    await assertNoGhosts(client, prefix, procs);
  } catch (err) {
    for (const p of proxies) p.heal();
    t.diagnostic(describe(procs));
    throw err;
  }
});

test('leader process frozen (SIGSTOP) past the TTL: its term ended at the deadline, before the successor; after SIGCONT it says so at once and writes nothing', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const group = new ProcGroup();
  t.after(() => group.killAll());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => client.close());
  const layout = keyLayout(`/${uniqueName('frozen')}`, 'Kubernetes');
  const base = { endpoints: [etcd.endpoint], electionPrefix: layout.electionPrefix, ttlSeconds: TTL, rejoinDelayMs: 100 };
  const procs = [new CandidateProc(group, { ...base, id: 'a' }), new CandidateProc(group, { ...base, id: 'b' })];
  try {
    const leader = await waitForLeader(procs);
    for (const p of procs) await p.waitCount('queued', 1);
    const standby = procs.find((p) => p !== leader)!;
    leader.proc.signal('SIGSTOP');
    const stoppedAt = wallNow();
    const elected = await standby.waitCount('elected', 1, 15_000);
    // While frozen it can do nothing; queue a leader write for the moment it wakes up.
    leader.send(`put ${layout.frameworkId} from-the-frozen-leader`);
    const contAt = wallNow();
    leader.proc.signal('SIGCONT');
    const lost = await leader.waitCount('lost', 1, 10_000);
    const put = await leader.waitEvent('put answer', (e) => e.ev === 'put', 10_000);
    t.diagnostic(
      `successor elected ${(elected.t - stoppedAt).toFixed(0)} ms after SIGSTOP; old term ended (deadline) ${(lost.endedAt! - stoppedAt).toFixed(0)} ms after SIGSTOP; lost emitted ${(lost.t - contAt).toFixed(0)} ms after SIGCONT; write: ${put.ok ? 'COMMITTED' : put.error}`,
    );
    assert.equal(lost.reason, 'renew-deadline');
    assert.ok(lost.endedAt! < elected.t, 'the frozen term ended (renew deadline) before the successor was elected');
    assert.ok(lost.t - contAt < 2000, 'lost is reported promptly after SIGCONT');
    assert.equal(put.ok, false, 'a write after the deadline is refused');
    assert.equal(await client.get(layout.frameworkId).string(), null);
    // Effective belief intervals (what isLeader reported) never overlap.
    assertSingleLeader(procs, wallNow(), 'effective');
    await assertNoGhosts(client, layout.electionPrefix, procs);
  } catch (err) {
    t.diagnostic(describe(procs));
    throw err;
  }
});
