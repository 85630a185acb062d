// The operator's etcd client pool and the Secrets it reads: a resource being deleted keeps reaching etcd after its
// namespace's Secrets are gone (a namespace deletion removes them while a Teardown still waits for the schedulers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdPool } from '../../src/operator/etcd-pool.js';

test('deleting: the Secrets are read with lastKnown, so a Secret already gone still serves its last data', async () => {
  const reads: Array<boolean | undefined> = [];
  // As the reconciler's reader: the Secret is gone; only a lastKnown read answers (with the data read before).
  const pool = new EtcdPool({
    readSecret: async (_ns, _name, o) => {
      reads.push(o?.lastKnown);
      return o?.lastKnown ? { username: 'u', password: 'p' } : undefined;
    },
  });
  const spec = { endpoints: ['http://127.0.0.1:1'], prefix: '/k8sm', credentialsSecret: 'etcd-creds' };
  await assert.rejects(pool.acquire('ns/k8sm', 'ns', spec), /Secret ns\/etcd-creds \(spec\.etcd\.credentialsSecret\) does not exist/);
  const c = await pool.acquire('ns/k8sm', 'ns', spec, { deleting: true });
  assert.ok(c);
  assert.deepEqual(reads, [false, true]);
  pool.closeAll();
});
