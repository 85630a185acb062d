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
import { parseAndValidate } from '../../src/scheduler/command.js';
import { Replica } from '../../src/scheduler/replica.js';
import type { TaskManager, TaskManagerFactory } from '../../src/scheduler/task-manager.js';
import { TcpProxy } from '../../src/devstack/tcp-proxy.js';
import { createLogger } from '../../src/util/log.js';

test('a new framework’s first offers reach the task manager only once its framework id is in etcd', { timeout: 60_000 }, async (t) => {
  const s = await SchedulerStack.start({ mesos: { masters: 1, agents: 2 } });
  const proxy = await TcpProxy.start({ targetPort: Number(new URL(s.etcd.endpoint).port) });
  let replica: Replica | undefined;
  let heal: NodeJS.Timeout | undefined;
  t.after(async () => {
    clearTimeout(heal);
    proxy.heal();
    await replica?.stop();
    await proxy.stop();
    await s.stop();
  });
  // The lease outlives the black hole by far (TTL 6 s, keepalive deadline TTL − margin).
  const parsed = parseAndValidate(s.flags('r0', [`--etcd-servers=${proxy.endpoint}`, '--lease-ttl=6s']).slice(1));
  assert.deepEqual(parsed.errors, []);
  const HOLE_MS = 800;
  let holed = false;
  const seen: Array<{ frameworkId: string | undefined; stored: string | undefined; offers: number }> = [];
  const factory: TaskManagerFactory = (svc) => {
    const m: TaskManager = {
      // Called as the term makes its Mesos client, just before SUBSCRIBE: from here the id's write hangs.
      initiallySuppressed: () => {
        if (!holed) {
          holed = true;
          proxy.blackhole();
          heal = setTimeout(() => proxy.heal(), HOLE_MS);
        }
        return false;
      },
      onSubscribed: async () => undefined,
      onOffers: async (offers) => {
        seen.push({ frameworkId: svc.frameworkId(), stored: await s.frameworkId(), offers: offers.length });
        await svc.mesos()?.decline(offers.map((o) => o.id.value), { refuse_seconds: 3600 });
      },
      onRescind: () => undefined,
      onTaskUpdate: async () => undefined,
      onReconciled: async () => undefined,
      status: () => ({}),
      stop: async () => undefined,
    };
    return m;
  };
  const logger = createLogger({ name: 'r0', level: process.env.SCHEDULERHA_TEST_LOG_LEVEL ?? 'warn', pretty: false });
  const t0 = Date.now();
  replica = new Replica({ config: parsed.config!, logger, taskManager: factory, statusIntervalMs: 200, mesosClient: { backoff: { initialMs: 50, maxMs: 500 } } });
  await replica.start();
  await waitFor('offers handled', () => (seen.length ? true : undefined), { timeoutMs: 30_000 });
  assert.ok(holed, 'the black hole was opened before SUBSCRIBE');
  const first = seen[0]!;
  assert.ok(first.frameworkId, `the first offers came with a framework id (handled ${Date.now() - t0} ms after start)`);
  assert.equal(first.stored, first.frameworkId, 'and that id was already persisted');
  assert.ok(first.offers > 0);
  const status = await s.waitForReconciledLeader(undefined, 30_000);
  assert.equal(status.frameworkId, first.frameworkId);
});
