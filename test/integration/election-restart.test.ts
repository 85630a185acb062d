// etcd restarted under three candidate processes (SIGTERM and SIGKILL, data kept): never two believers at
// once, no ghost leaders (every elected term's key was the lowest at the revision it was verified), and the
// election recovers in the same processes. etcd restores leases with their full TTL on restart, so the
// pre-outage keys block the queue for about one TTL — the new leader comes after that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { createEtcdClient } from '../../src/election/index.js';
import { keyLayout } from '../../src/api/keys.js';
import { ProcGroup } from '../helpers/procs.js';
import { uniqueName } from '../helpers/wait.js';
import { sleep } from '../../src/util/time.js';
import { CandidateProc, assertNoGhosts, assertSingleLeader, describe, waitForLeader, wallNow } from '../helpers/election-harness.js';

const TTL = 2;

test('etcd restarts (SIGTERM, then SIGKILL): single leader throughout, no ghosts, recovery without restarting candidates', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const group = new ProcGroup();
  t.after(() => group.killAll());
  const prefix = keyLayout(`/${uniqueName('restart')}`, 'Kubernetes').electionPrefix;
  const base = { endpoints: [etcd.endpoint], electionPrefix: prefix, ttlSeconds: TTL, rejoinDelayMs: 100, callTimeoutMs: 1000 };
  const procs = ['a', 'b', 'c'].map((id) => new CandidateProc(group, { ...base, id }));
  const client = createEtcdClient({ endpoints: etcd.endpoint, callTimeoutMs: 3000 });
  t.after(() => client.close());
  try {
    await waitForLeader(procs);
    for (const p of procs) await p.waitCount('queued', 1);

    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const leader = await waitForLeader(procs);
      const lostBefore = leader.count('lost');
      const electedBefore = procs.reduce((n, p) => n + p.count('elected'), 0);
      const downAt = wallNow();
      await etcd.halt(signal);
      const lost = await leader.waitCount('lost', lostBefore + 1, 10_000);
      assert.ok(['renew-deadline', 'lease-revoked'].includes(String(lost.reason)), `leader lost with ${lost.reason}`);
      await sleep(Math.max(0, 3000 - (wallNow() - downAt)));
      assert.equal(
        procs.filter((p) => p.believesLeader()).length,
        0,
        'nobody believes it leads while etcd is down',
      );
      const upAt = wallNow();
      await etcd.restart();
      const healthyAt = wallNow();
      const next = await waitForLeader(procs, 30_000);
      const total = procs.reduce((n, p) => n + p.count('elected'), 0);
      assert.ok(total > electedBefore, 'a new term after the restart');
      t.diagnostic(
        `${signal}: leader lost ${(lost.t - downAt).toFixed(0)} ms after the stop; etcd healthy ${(healthyAt - upAt).toFixed(0)} ms after restart; new leader ${next.id} ${(next.last('elected')!.t - healthyAt).toFixed(0)} ms after healthy`,
      );
    }
    // Every process is still alive and campaigning: recovery did not need a restart.
    for (const p of procs) assert.equal(p.proc.child.exitCode, null, `${p.id} exited`);
    const iv = assertSingleLeader(procs);
    const checked = await assertNoGhosts(client, prefix, procs);
    assert.equal(checked, iv.length);
    t.diagnostic(`terms: ${iv.map((x) => `${x.id}#${x.term.createRevision}(${x.reason})`).join(' ')}`);
  } catch (err) {
    t.diagnostic(describe(procs));
    throw err;
  }
});
