// The operator API client against the emulator: GET_FRAMEWORKS / GET_TASKS / GET_STATE / GET_MASTER through a
// non-leader (307 followed), typed errors for no leader, bad credentials and timeouts.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MesosCluster, type MesosClusterOptions } from '../../src/devstack/mesos/index.js';
import { FixedMasterDetector } from '../../src/mesos/detector.js';
import { MesosOperatorError } from '../../src/mesos/errors.js';
import { MesosOperatorClient } from '../../src/mesos/operator-client.js';
import { SchedulerClient } from '../../src/mesos/scheduler-client.js';
import { waitFor } from '../helpers/wait.js';

async function cluster(t: TestContext, opts: MesosClusterOptions = {}): Promise<MesosCluster> {
  const c = await MesosCluster.start({ masters: 3, agents: 2, clock: 'real', ...opts });
  t.after(() => c.stop());
  return c;
}

test('framework and task views through a non-leader; connected flips when the scheduler leaves', async (t) => {
  const mc = await cluster(t);
  const follower = mc.masterUrls.find((u) => u !== mc.leaderUrl)!;
  const op = new MesosOperatorClient({ url: follower });
  t.after(() => op.close());

  const c = new SchedulerClient({ detector: new FixedMasterDetector(mc.leaderUrl!), framework: { user: 'root', name: 'observed', failoverTimeoutSeconds: 3600, checkpoint: true } });
  t.after(() => c.stop());
  c.start();
  const sub = await c.waitForSubscribed(undefined, 30_000);
  mc.seedTasks(sub.frameworkId, 5);

  const fws = await op.getFrameworks();
  assert.equal(op.lastAnsweredBy, mc.leaderUrl, 'the redirect target, not the follower asked first, answered');
  const mine = fws.frameworks.find((f) => f.framework_info.id?.value === sub.frameworkId)!;
  assert.ok(mine);
  assert.equal(mine.connected, true);
  assert.equal(mine.active, true);
  assert.equal(mine.framework_info.name, 'observed');
  assert.equal(mine.framework_info.checkpoint, true);
  assert.equal(mine.framework_info.failover_timeout, 3600);
  assert.deepEqual(fws.completed_frameworks, []);

  const tasks = await op.getTasks();
  const ours = tasks.tasks.filter((x) => x.framework_id.value === sub.frameworkId);
  assert.equal(ours.length, 5);
  assert.ok(ours.every((x) => x.state === 'TASK_RUNNING'));

  const state = await op.getState();
  assert.equal(state.get_tasks.tasks.filter((x) => x.framework_id.value === sub.frameworkId).length, 5);
  assert.ok(state.get_frameworks.frameworks.some((f) => f.framework_info.id?.value === sub.frameworkId));
  assert.equal(state.get_agents.agents.length, 2);

  const master = await op.getMaster();
  assert.equal(master.master_info.id, mc.leader!.info.id);
  // The follower answers /api/v1 with 307 only; a 200 carrying the leader's MasterInfo means it was followed.
  assert.notEqual(follower, mc.leaderUrl);
  const direct = await fetch(`${follower}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"type":"GET_MASTER"}', redirect: 'manual' });
  assert.equal(direct.status, 307);

  await c.stop();
  await waitFor('connected=false in GET_FRAMEWORKS', async () => {
    const f = (await op.getFrameworks()).frameworks.find((x) => x.framework_info.id?.value === sub.frameworkId);
    return f && f.connected === false && f.active === false;
  }, { timeoutMs: 10_000 });
});

test('no leader → OperatorUnavailable after bounded retries; paused master → OperatorTimeout', async (t) => {
  const mc = await cluster(t);
  const op = new MesosOperatorClient({ url: mc.masterUrls[0]!, attempts: 2, timeoutMs: 5000 });
  t.after(() => op.close());
  mc.loseLeadership();
  await assert.rejects(op.getFrameworks(), (e: unknown) => e instanceof MesosOperatorError && e.reason === 'OperatorUnavailable' && e.status === 503);
  mc.elect(0);
  await op.getFrameworks();
  mc.pauseMaster(0);
  t.after(() => mc.resumeMaster(0));
  const slow = new MesosOperatorClient({ url: mc.masterUrls[0]!, timeoutMs: 300 });
  t.after(() => slow.close());
  const t0 = performance.now();
  await assert.rejects(slow.getTasks(), (e: unknown) => e instanceof MesosOperatorError && e.reason === 'OperatorTimeout');
  assert.ok(performance.now() - t0 < 5000);
  mc.resumeMaster(0);
});

test('basic auth on the operator API', async (t) => {
  const mc = await cluster(t, { masters: 1, credentials: [{ principal: 'ops', secret: 'pw' }], authenticateOperator: true });
  const good = new MesosOperatorClient({ url: mc.leaderUrl!, credentials: { principal: 'ops', secret: 'pw' } });
  const bad = new MesosOperatorClient({ url: mc.leaderUrl!, credentials: { principal: 'ops', secret: 'nope' } });
  const none = new MesosOperatorClient({ url: mc.leaderUrl! });
  t.after(() => [good, bad, none].forEach((o) => o.close()));
  assert.ok(Array.isArray((await good.getFrameworks()).frameworks));
  for (const o of [bad, none]) {
    await assert.rejects(o.getFrameworks(), (e: unknown) => e instanceof MesosOperatorError && e.reason === 'OperatorRejected' && e.status === 401);
  }
});
