// A new framework's first offers wait for its id to be persisted. Mesos sends OFFERS right after SUBSCRIBED, while
// the leader is still writing the id Mesos just assigned to etcd; a task launched then would run under an id that
// no later leader could find if this one died before the write landed. Before, those offers reached the task
// manager with no framework id, and the pods manager declined them all (refuse_seconds 30; a REVIVE won them back
// a round trip later). Made deterministic by black-holing this replica's etcd connection from just before
// SUBSCRIBE until well after the offers have arrived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerStack } from '../helpers/scheduler-stack.js';
import { waitFor } from '../helpers/wait.js';
import { IdleTaskManager, type LeaderServices } from '../../src/scheduler/task-manager.js';
import type { Offer } from '../../src/mesos/types.js';
import { TcpProxy } from '../../src/devstack/tcp-proxy.js';

test('a new framework’s first offers reach the task manager only once its framework id is in etcd', { timeout: 60_000 }, async (t) => {
  const s = await SchedulerStack.start({ mesos: { masters: 1, agents: 2 } });
  const proxy = await TcpProxy.start({ targetPort: Number(new URL(s.etcd.endpoint).port) });
  let heal: NodeJS.Timeout | undefined;
  t.after(async () => {
    clearTimeout(heal);
    proxy.heal();
    await s.stop();
    await proxy.stop();
  });
  const HOLE_MS = 800;
  let holed = false;
  const seen: Array<{ frameworkId: string | undefined; stored: string | undefined; offers: number }> = [];
  class Recording extends IdleTaskManager {
    constructor(private readonly leader: LeaderServices) {
      super(leader);
    }
    // Called as the term makes its Mesos client, just before SUBSCRIBE: from here the id's write hangs.
    override initiallySuppressed(): boolean {
      if (!holed) {
        holed = true;
        proxy.blackhole();
        heal = setTimeout(() => proxy.heal(), HOLE_MS);
      }
      return false;
    }
    override async onOffers(offers: Offer[]): Promise<void> {
      seen.push({ frameworkId: this.leader.frameworkId(), stored: await s.frameworkId(), offers: offers.length });
      await super.onOffers(offers);
    }
  }
  const t0 = Date.now();
  // The lease outlives the black hole by far (TTL 6 s, keepalive deadline TTL − margin).
  await s.inProcess('r0', () => (svc) => new Recording(svc), { extra: [`--etcd-servers=${proxy.endpoint}`, '--lease-ttl=6s'] });
  await waitFor('offers handled', () => (seen.length ? true : undefined), { timeoutMs: 30_000 });
  assert.ok(holed, 'the black hole was opened before SUBSCRIBE');
  const first = seen[0]!;
  assert.ok(first.frameworkId, `the first offers came with a framework id (handled ${Date.now() - t0} ms after start)`);
  assert.equal(first.stored, first.frameworkId, 'and that id was already persisted');
  assert.ok(first.offers > 0);
  const status = await s.waitForReconciledLeader(undefined, 30_000);
  assert.equal(status.frameworkId, first.frameworkId);
});
