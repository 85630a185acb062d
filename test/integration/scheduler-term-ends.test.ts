// A leader term that ends on its own — here its task manager cannot be built — while the replica still holds the
// election key must not leave a leader that does not act: the replica resigns, so a fresh term (on a standby, or
// on itself after campaigning again) takes over at once instead of after the lease TTL, or never.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerStack } from '../helpers/scheduler-stack.js';
import { waitFor } from '../helpers/wait.js';
import { IdleTaskManager, type TaskManagerFactory } from '../../src/scheduler/task-manager.js';

test('a term that fails while the replica still leads ends in a resign; the next term subscribes long before the lease would expire', { timeout: 60_000 }, async (t) => {
  const s = await SchedulerStack.start({ mesos: { masters: 1, agents: 1 } });
  t.after(() => s.stop());
  const terms: string[] = [];
  const factory: TaskManagerFactory = (svc) => {
    terms.push(svc.term);
    if (terms.length === 1) throw new Error('task manager unavailable (injected)');
    return new IdleTaskManager(svc);
  };
  const t0 = Date.now();
  // A lease far longer than the test waits: only a resign can free the key in time.
  const replica = await s.inProcess('r0', () => factory, { extra: ['--lease-ttl=60s'], rejoinDelayMs: 100 });
  const status = await s.waitForReconciledLeader(undefined, 20_000);
  assert.equal(terms.length, 2, 'the failed term, then a fresh one');
  assert.ok(BigInt(status.term) > BigInt(terms[0]!), 'the subscribed term is a new one');
  assert.equal(status.term, terms[1]);
  assert.ok(Date.now() - t0 < 20_000);
  // The first term's key is gone (resigned), not left to expire.
  const keys = await s.etcdClient.getAll().prefix(`${s.keys.electionPrefix}/`).keys();
  assert.equal(keys.length, 1, `one candidate key left: ${keys.join(', ')}`);
  await waitFor('the replica reports itself leader', () => (replica.role === 'leader' ? true : undefined), { timeoutMs: 5000 });
});
