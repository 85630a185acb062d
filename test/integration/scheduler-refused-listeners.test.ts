// A replica refused for its executor-config hash may wait for weeks: one wait per change of the hash keys (and one
// every 30 s without any). Each wait listens on the replica's process-lifetime stop signal; the listener must go
// with the wait, or a refused replica grows by one listener (and what it holds) every wait.
// Real etcd, one replica in this process (its stop signal is inspected directly).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Etcd3 } from 'etcd3';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { keyLayout } from '../../src/api/keys.js';
import { parseAndValidate } from '../../src/scheduler/command.js';
import { Replica } from '../../src/scheduler/replica.js';
import { createLogger } from '../../src/util/log.js';
import { waitFor } from '../helpers/wait.js';

test('a refused replica waiting on the hash keys keeps a bounded number of listeners on its stop signal', { timeout: 120_000 }, async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const client = new Etcd3({ hosts: etcd.endpoint });
  t.after(() => client.close());
  const keys = keyLayout('/k8sm', 'refusedfw');
  const record = (hash: string) => JSON.stringify({ hash, at: new Date().toISOString(), term: '1' });
  await client.put(keys.executorHash).value(record('deadbeefdeadbeef'));
  const parsed = parseAndValidate(['--ha', '--framework-name=refusedfw', `--etcd-servers=${etcd.endpoint}`, '--mesos-master=127.0.0.1:1', '--km-path=hdfs:///km', '--port=0', '--identity=r1']);
  assert.deepEqual(parsed.errors, []);
  const replica = new Replica({ config: parsed.config!, logger: createLogger({ name: 'r1', level: 'fatal', pretty: false }) });
  await replica.start();
  t.after(() => replica.stop());
  await waitFor('refused', () => replica.role === 'refused' || undefined, { timeoutMs: 30_000 });
  // Private on purpose (the process's stop signal); its listeners are what this test is about.
  const stop = (replica as unknown as { stopAc: AbortController }).stopAc.signal;
  const before = getEventListeners(stop, 'abort').length;

  // Every write of a still-incompatible hash wakes the wait, which re-reads and waits again.
  for (let i = 0; i < 30; i++) {
    await client.put(keys.executorHash).value(record(`feedface0000${String(i).padStart(4, '0')}`));
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(replica.role, 'refused');
  const after = getEventListeners(stop, 'abort').length;
  assert.ok(after <= before + 1, `abort listeners on the stop signal: ${before} before, ${after} after 30 waits`);
});
