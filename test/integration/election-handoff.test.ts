// Hand-offs between candidate processes on a real etcd: a clean resign hands over at once; a SIGKILLed
// leader's successor is elected within TTL plus one keepalive interval; never two believers, no ghosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { createEtcdClient, resolveSessionTiming } from '../../src/election/index.js';
import { keyLayout } from '../../src/api/keys.js';
import { ProcGroup } from '../helpers/procs.js';
import { uniqueName } from '../helpers/wait.js';
import { CandidateProc, assertNoGhosts, assertSingleLeader, describe, waitForLeader, wallNow } from '../helpers/election-harness.js';

const TTL = 2;

test('election hand-off: resign hands over within a watch round trip; SIGKILL within TTL + one keepalive', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const group = new ProcGroup();
  t.after(() => group.killAll());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => client.close());
  const prefix = keyLayout(`/${uniqueName('handoff')}`, 'Kubernetes').electionPrefix;
  const timing = resolveSessionTiming({ ttlSeconds: TTL });
  const base = { endpoints: [etcd.endpoint], electionPrefix: prefix, ttlSeconds: TTL, rejoinDelayMs: 100 };

  const a = new CandidateProc(group, { ...base, id: 'a' });
  const b = new CandidateProc(group, { ...base, id: 'b' });
  const c = new CandidateProc(group, { ...base, id: 'c' });
  const procs = [a, b, c];
  try {
    const first = await waitForLeader(procs, 20_000);
    // Everyone queued before the hand-offs start.
    for (const p of procs) await p.waitCount('queued', 1);

    // 1. Clean resign: the next candidate is elected promptly, after the old leader's lost.
    const handoffs: number[] = [];
    let leader = first;
    for (let i = 0; i < 3; i++) {
      const lostBefore = leader.count('lost');
      const sentAt = wallNow();
      leader.send('resign');
      const lost = await leader.waitCount('lost', lostBefore + 1);
      assert.equal(lost.reason, 'resigned');
      const next = await waitForLeader(procs, 10_000, leader);
      const elected = next.last('elected')!;
      assert.ok(lost.t <= elected.t, `resigned leader's lost (${lost.t}) must precede the successor's elected (${elected.t})`);
      handoffs.push(elected.t - sentAt);
      // The resigner rejoins the queue before the next round.
      await leader.waitCount('queued', leader.count('elected') + 1);
      leader = next;
    }
    t.diagnostic(`resign → next elected (ms): ${handoffs.map((x) => x.toFixed(1)).join(', ')}`);
    // Generous: a watch round trip plus two reads, on a busy 2-core machine.
    for (const h of handoffs) assert.ok(h < 3000, `resign hand-off took ${h} ms`);

    // 2. SIGKILL of the leader: the successor is elected once etcd expires the lease.
    const victim = leader;
    const lastRenewBound = wallNow(); // the victim renewed within one keepalive interval before this
    victim.kill('SIGKILL');
    await victim.proc.exited;
    const survivors = procs.filter((p) => p !== victim);
    const successor = await waitForLeader(survivors, 15_000);
    const took = successor.last('elected')!.t - lastRenewBound;
    t.diagnostic(`SIGKILL → next elected: ${took.toFixed(0)} ms (TTL ${TTL * 1000} ms, keepalive ${timing.keepaliveIntervalMs} ms)`);
    // Bound: TTL + one keepalive interval, plus etcd's 500 ms expiry tick and scheduling slack.
    assert.ok(took <= TTL * 1000 + timing.keepaliveIntervalMs + 1500, `crash hand-off took ${took} ms`);
    assert.ok(took >= TTL * 1000 - timing.keepaliveIntervalMs - 250, `successor elected before the dead leader's lease could expire (${took} ms)`);

    // Invariants over the whole run.
    const iv = assertSingleLeader(procs);
    const ghosts = await assertNoGhosts(client, prefix, procs);
    assert.equal(ghosts, iv.length);
    for (const p of procs) assert.equal(p.count('campaign-error'), 0, `${p.id} had campaign errors:\n${p.output()}`);
  } catch (err) {
    t.diagnostic(describe(procs));
    throw err;
  }
});
