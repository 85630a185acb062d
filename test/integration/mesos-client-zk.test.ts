// zk:// end to end: emulated masters register in a real ZooKeeper as json.info_ members; the client detects the
// leader through ZooKeeper, subscribes, and follows a master failover (the leader's ZooKeeper session closes, the
// next-lowest member leads) by re-subscribing with the same framework id at the new leader.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseMesosMaster } from '../../src/api/addresses.js';
import { ZooKeeperServer } from '../../src/devstack/zookeeper.js';
import { MesosCluster } from '../../src/devstack/mesos/index.js';
import { createMasterDetector, ZkMasterDetector } from '../../src/mesos/detector.js';
import { MesosOperatorClient } from '../../src/mesos/operator-client.js';
import { SchedulerClient } from '../../src/mesos/scheduler-client.js';
import { record } from '../helpers/mesos-client-recorder.js';
import { uniqueName, waitFor } from '../helpers/wait.js';

let zk: ZooKeeperServer;
before(async () => {
  zk = await ZooKeeperServer.start();
});
after(async () => {
  await zk?.stop();
});

test('detect through ZooKeeper, subscribe, survive two master failovers with the same framework id', async (t) => {
  const path = `/${uniqueName('mesos')}`;
  const mc = await MesosCluster.start({ masters: 3, agents: 2, clock: 'real', zk: { connectionString: zk.connectionString, path } });
  t.after(() => mc.stop());
  const parsed = parseMesosMaster(mc.zkUrl!);
  assert.ok(parsed.ok);
  const detector = createMasterDetector(parsed.value);
  assert.ok(detector instanceof ZkMasterDetector);
  t.after(() => detector.stop());
  const leaders: Array<string | undefined> = [];
  detector.on('change', (l) => leaders.push(l?.url));

  const client = new SchedulerClient({
    detector,
    framework: { user: 'root', name: 'k8sm-zk', failoverTimeoutSeconds: 3600, checkpoint: true },
    backoff: { initialMs: 20, maxMs: 200 },
  });
  t.after(() => client.stop());
  const rec = record(client);
  client.start();
  const s1 = await client.waitForSubscribed(undefined, 30_000);
  assert.equal(s1.masterUrl, mc.leaderUrl);
  assert.equal(detector.leader?.info?.id, mc.leader!.info.id);

  for (let round = 1; round <= 2; round++) {
    const before = mc.leaderUrl;
    await mc.failover();
    assert.notEqual(mc.leaderUrl, before);
    await waitFor(`re-subscribed at the new leader (round ${round})`, () => rec.subscribed.length > round && rec.subscribed.at(-1)!.masterUrl === mc.leaderUrl, { timeoutMs: 30_000 });
    const s = rec.subscribed.at(-1)!;
    assert.equal(s.frameworkId, s1.frameworkId, 'same framework after master failover');
    assert.equal(s.masterInfo?.id, mc.leader!.info.id);
    assert.equal(detector.leader?.url, mc.leaderUrl);
  }
  assert.equal(rec.fatal.length, 0);
  assert.ok(leaders.length >= 3, `leader changes seen: ${JSON.stringify(leaders)}`);
  const subs = mc.history.findCalls({ callType: 'SUBSCRIBE', frameworkId: s1.frameworkId }).filter((x) => x.status === 200);
  assert.ok(subs.length >= 3);
  assert.ok(subs.every((x) => x.streamId === undefined));

  // The operator client, on the same detector, sees the framework connected at the current leader.
  const op = new MesosOperatorClient({ detector });
  t.after(() => op.close());
  const fws = await op.getFrameworks();
  const mine = fws.frameworks.find((f) => f.framework_info.id?.value === s1.frameworkId);
  assert.ok(mine && mine.connected && mine.active);
  assert.equal((await op.getMaster()).master_info.id, mc.leader!.info.id);
});
