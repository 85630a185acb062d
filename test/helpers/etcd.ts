// A fresh real etcd (free loopback port) and a client on it, both stopped when the test ends.
import type { TestContext } from 'node:test';
import type { Etcd3 } from 'etcd3';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { createEtcdClient } from '../../src/election/index.js';

export async function etcdForTest(t: TestContext): Promise<{ etcd: EtcdServer; client: Etcd3 }> {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => client.close());
  return { etcd, client };
}
