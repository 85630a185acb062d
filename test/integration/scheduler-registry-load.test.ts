// TaskRegistry.load on real etcd: a paged range read pinned to one revision returns every record exactly once
// (pages continue after the last key of the previous page, relying on etcd's ascending key order), skips and
// reports malformed records, and does not see writes made while it pages. Records whose keys sort right after a
// page boundary and records that share a prefix with other ids are the edge cases of continuation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Etcd3 } from 'etcd3';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { createEtcdClient } from '../../src/election/index.js';
import { keyLayout } from '../../src/api/keys.js';
import { TaskRegistry } from '../../src/scheduler/registry.js';
import { PlainWriter } from '../../src/scheduler/replica.js';
import { encodeRecord, type TaskRecord } from '../../src/scheduler/task-record.js';
import { uniqueName } from '../helpers/wait.js';

function record(id: string, state: TaskRecord['state'] = 'TASK_RUNNING'): TaskRecord {
  const at = '2026-01-01T00:00:00.000Z';
  return { id, agentId: `agent-${id.length % 3}`, state, createdAt: at, updatedAt: at };
}

async function putAll(client: Etcd3, prefix: string, records: TaskRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 128) {
    const success = records.slice(i, i + 128).map((r) => ({ request_put: { key: Buffer.from(`${prefix}${r.id}`), value: Buffer.from(encodeRecord(r)) } }));
    await client.kv.txn({ compare: [], success, failure: [] });
  }
}

test('TaskRegistry.load: paged read returns every record once, in key order, at one revision', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => client.close());
  const keys = keyLayout('/k8sm', uniqueName('fw'));

  // Ids that are prefixes of each other ("t-1", "t-10", "t-100") and a page size that does not divide the count.
  const ids = Array.from({ length: 1234 }, (_, i) => `t-${i}`);
  const records = ids.map((id, i) => record(id, i % 7 === 0 ? 'TASK_FINISHED' : 'TASK_RUNNING'));
  await putAll(client, keys.tasksPrefix, records);
  await client.put(`${keys.tasksPrefix}t-broken`).value('{not json');
  // Neighbours outside the prefix must not be read.
  await client.put(`${keys.root}/tasks`).value('not a task');
  await client.put(`${keys.root}/tasks0`).value('not a task');
  await client.put(keys.frameworkId).value('fw-id');

  // Count the pages, and write during the load: after the first page, add a record that sorts last and change
  // one that sorts after the first page. A load pinned to its first revision sees neither.
  let pages = 0;
  const range = client.kv.range.bind(client.kv);
  const spy = Object.create(client) as Etcd3;
  Object.defineProperty(spy, 'kv', {
    value: Object.assign(Object.create(client.kv), {
      range: async (...args: Parameters<typeof range>) => {
        const res = await range(...args);
        if (++pages === 1) {
          await client.put(`${keys.tasksPrefix}z-late`).value(encodeRecord(record('z-late')));
          await client.put(`${keys.tasksPrefix}t-999`).value(encodeRecord(record('t-999', 'TASK_KILLED')));
        }
        return res;
      },
    }),
  });

  const { registry, skipped } = await TaskRegistry.load(spy, keys.tasksPrefix, { pageSize: 100 });
  assert.equal(pages, Math.ceil(1235 / 100), 'one range per page of 100 (1234 records + 1 malformed)');
  assert.deepEqual(skipped, [`${keys.tasksPrefix}t-broken`]);
  assert.equal(registry.size, ids.length);
  const loadedIds = [...registry.all()].map((r) => r.id);
  assert.deepEqual(loadedIds, [...ids].sort(), 'every record exactly once, in ascending key order');
  assert.equal(registry.get('z-late'), undefined, 'a record written during the load is not seen');
  assert.equal(registry.get('t-999')?.state, 'TASK_RUNNING', 'a record changed during the load is seen as of the first page');
  assert.equal(registry.liveCount(), records.filter((r) => r.state === 'TASK_RUNNING').length);
  assert.deepEqual(registry.get('t-7'), records[7]);

  // A fresh load sees the writes.
  const again = await TaskRegistry.load(client, keys.tasksPrefix, { pageSize: 5000 });
  assert.equal(again.registry.size, ids.length + 1);
  assert.equal(again.registry.get('t-999')?.state, 'TASK_KILLED');
});

test('TaskRegistry.load: an empty prefix and a page boundary exactly at the end', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => client.close());
  const keys = keyLayout('/k8sm', uniqueName('fw'));

  const empty = await TaskRegistry.load(client, keys.tasksPrefix, { pageSize: 10 });
  assert.equal(empty.registry.size, 0);
  assert.deepEqual(empty.skipped, []);
  assert.notEqual(empty.registry.revision, '0', 'the revision of the read is kept even when nothing is there');

  const ids = Array.from({ length: 30 }, (_, i) => `pod.${String(i).padStart(3, '0')}`);
  await putAll(client, keys.tasksPrefix, ids.map((id) => record(id)));
  const full = await TaskRegistry.load(client, keys.tasksPrefix, { pageSize: 10 });
  assert.deepEqual([...full.registry.all()].map((r) => r.id), ids);
});

test('TaskRegistry.removeMany(expected): a batch holding a record changed since the judgement is kept whole; the others go', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => client.close());
  const keys = keyLayout('/k8sm', uniqueName('fw'));
  const records = Array.from({ length: 300 }, (_, i) => record(`t-${String(i).padStart(3, '0')}`, 'TASK_LOST'));
  await putAll(client, keys.tasksPrefix, records);
  const { registry } = await TaskRegistry.load(client, keys.tasksPrefix);
  const writer = new PlainWriter(client);
  const ids = records.map((r) => r.id);
  const expected = registry.snapshot(ids);
  // A task update commits through the registry after the prune judged and before its delete: t-200 came back
  // (LOST → RUNNING), in etcd and in memory.
  await registry.put(writer, record('t-200', 'TASK_RUNNING'));
  const deleted = await registry.removeMany(writer, ids, { expected });
  // Batches of 127: t-000..t-126, t-127..t-253 (holding t-200), t-254..t-299.
  assert.equal(deleted.length, 300 - 127);
  assert.ok(!deleted.includes('t-200') && !deleted.includes('t-127') && !deleted.includes('t-253'));
  const left = await client.getAll().prefix(keys.tasksPrefix).keys();
  assert.equal(left.length, 127, 'the batch with the changed record stays, in etcd');
  assert.equal(JSON.parse((await client.get(`${keys.tasksPrefix}t-200`).string())!).state, 'TASK_RUNNING', 'the revived task is not deleted');
  assert.equal(registry.size, 127, 'and in memory');
  assert.equal(registry.get('t-200')?.state, 'TASK_RUNNING');
});
