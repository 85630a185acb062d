// The real-etcd harness works on a clean machine: start on free ports, write and read through etcd3,
// survive a restart with the data kept, and stop leaving nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { uniqueName } from '../helpers/wait.js';

test('real etcd: put/get through etcd3, restart keeps data, stop cleans up', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const client = new Etcd3({ hosts: etcd.endpoint, defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 5000 }) });
  t.after(() => client.close());

  const key = `/${uniqueName('harness')}/k`;
  await client.put(key).value('v1');
  assert.equal(await client.get(key).string(), 'v1');

  const lease = client.lease(5, { autoKeepAlive: false });
  await lease.grant();
  await lease.put(`${key}-leased`).value('x');
  assert.equal(await client.get(`${key}-leased`).string(), 'x');

  await etcd.restart();
  assert.ok(etcd.running);
  assert.equal(await client.get(key).string(), 'v1', 'data survives a restart');

  const dir = etcd.dataDir;
  await etcd.stop();
  assert.equal(etcd.running, false);
  assert.equal(existsSync(dir), false, 'temporary data dir removed');
});

test('two etcd servers get distinct free ports', async (t) => {
  const [a, b] = await Promise.all([EtcdServer.start(), EtcdServer.start()]);
  t.after(async () => {
    await a.stop();
    await b.stop();
  });
  assert.notEqual(a.clientPort, b.clientPort);
  const r = await fetch(`${b.endpoint}/health`);
  assert.equal(r.status, 200);
});
