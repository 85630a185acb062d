// A leader term that ends on its own — here its task manager cannot be built — while the replica still holds the
// election key must not leave a leader that does not act: the replica resigns, so a fresh term (on a standby, or
// on itself after campaigning again) takes over at once instead of after the lease TTL, or never.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerStack } from '../helpers/scheduler-stack.js';
import { waitFor } from '../helpers/wait.js';
import { parseAndValidate } from '../../src/scheduler/command.js';
import { Replica } from '../../src/scheduler/replica.js';
import type { TaskManager, TaskManagerFactory } from '../../src/scheduler/task-manager.js';
import { createLogger } from '../../src/util/log.js';

test('a term that fails while the replica still leads ends in a resign; the next term subscribes long before the lease would expire', { timeout: 60_000 }, async (t) => {
  const s = await SchedulerStack.start({ mesos: { masters: 1, agents: 1 } });
  let replica: Replica | undefined;
  t.after(async () => {
    await replica?.stop();
    await s.stop();
  });
  // A lease far longer than the test waits: only a resign can free the key in time.
  const parsed = parseAndValidate(s.flags('r0', ['--lease-ttl=60s']).slice(1));
  assert.deepEqual(parsed.errors, []);
  const terms: string[] = [];
  const factory: TaskManagerFactory = (svc) => {
    terms.push(svc.term);
    if (terms.length === 1) throw new Error('task manager unavailable (injected)');
    const m: TaskManager = {
      initiallySuppressed: () => true,
      onSubscribed: async () => undefined,
      onOffers: async (offers) => void (await svc.mesos()?.decline(offers.map((o) => o.id.value), { refuse_seconds: 3600 })),
      onRescind: () => undefined,
      onTaskUpdate: async () => undefined,
      onReconciled: async () => undefined,
      status: () => ({}),
      stop: async () => undefined,
    };
    return m;
  };
  const logger = createLogger({ name: 'r0', level: process.env.SCHEDULERHA_TEST_LOG_LEVEL ?? 'warn', pretty: false });
  replica = new Replica({ config: parsed.config!, logger, taskManager: factory, statusIntervalMs: 200, rejoinDelayMs: 100, mesosClient: { backoff: { initialMs: 50, maxMs: 500 } } });
  const t0 = Date.now();
  await replica.start();
  const status = await s.waitForReconciledLeader(undefined, 20_000);
  assert.equal(terms.length, 2, 'the failed term, then a fresh one');
  assert.ok(BigInt(status.term) > BigInt(terms[0]!), 'the subscribed term is a new one');
  assert.equal(status.term, terms[1]);
  assert.ok(Date.now() - t0 < 20_000);
  // The first term's key is gone (resigned), not left to expire.
  const keys = await s.etcdClient.getAll().prefix(`${s.keys.electionPrefix}/`).keys();
  assert.equal(keys.length, 1, `one candidate key left: ${keys.join(', ')}`);
  await waitFor('the replica reports itself leader', () => (replica!.role === 'leader' ? true : undefined), { timeoutMs: 5000 });
});
