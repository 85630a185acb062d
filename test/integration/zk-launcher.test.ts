// The ZooKeeper launcher: a real standalone server on a free loopback port with a temporary data dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ZooKeeperMissingError, ZooKeeperServer } from '../../src/devstack/zookeeper.js';
import { closeZkClient, connectZk, create } from '../helpers/zk-members.js';
import zookeeper from 'node-zookeeper-client';

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('start answers imok on loopback; restart keeps port and data; stop leaves no process and no data dir', async (t) => {
  const zk = await ZooKeeperServer.start();
  t.after(() => zk.stop());
  assert.ok(zk.port > 0);
  assert.equal(zk.connectionString, `127.0.0.1:${zk.port}`);
  assert.equal(await zk.ruok(), true);
  assert.match(await zk.fourLetter('srvr'), /Mode: standalone/);
  assert.equal(await zk.serving(), true);

  const c = await connectZk(zk.connectionString);
  await create(c, '/persisted', Buffer.from('x'), zookeeper.CreateMode.PERSISTENT);
  await closeZkClient(c);

  const pid1 = zk.pid;
  const port = zk.port;
  await zk.restart();
  assert.equal(zk.port, port);
  assert.notEqual(zk.pid, pid1);
  assert.equal(alive(pid1), false, 'the old process is gone');
  assert.equal(await zk.ruok(), true);
  const c2 = await connectZk(zk.connectionString);
  const data = await new Promise<Buffer>((resolve, reject) => c2.getData('/persisted', (err, d) => (err ? reject(err) : resolve(d))));
  assert.equal(data.toString(), 'x');
  await closeZkClient(c2);

  const pid2 = zk.pid;
  await zk.stop();
  assert.equal(zk.running, false);
  assert.equal(alive(pid2), false);
  assert.equal(existsSync(zk.dataDir), false);
});

test('missing ZooKeeper or Java is a clear error naming the Debian package', async () => {
  await assert.rejects(ZooKeeperServer.start({ jar: '/nonexistent/zookeeper.jar' }), (e: unknown) => e instanceof ZooKeeperMissingError && e.reason === 'ZooKeeperMissing' && /package `zookeeper`/.test(e.message) && /zookeeperd/.test(e.message));
  await assert.rejects(ZooKeeperServer.start({ java: '/nonexistent/java' }), (e: unknown) => e instanceof ZooKeeperMissingError && /Java runtime/.test(e.message));
});
