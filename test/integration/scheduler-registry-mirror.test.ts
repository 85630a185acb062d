// A standby's registry mirror on real etcd: it loads, follows puts and deletes, and the new leader's catch-up
// read (count + records changed since the mirror's revision, in one txn) either proves the merged view equals an
// authoritative load or refuses it — deleted records, too many changes, a mirror that is not synced. A watch
// disconnect makes it reload rather than trust the resume.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Etcd3, IRangeResponse } from 'etcd3';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { keyLayout } from '../../src/api/keys.js';
import { TaskRegistry } from '../../src/scheduler/registry.js';
import { CATCH_UP_LIMIT, RegistryMirror, applyCatchUp, catchUpOps, type MirrorSnapshot, type RegistryMirrorOptions } from '../../src/scheduler/registry-mirror.js';
import { encodeRecord, type TaskRecord } from '../../src/scheduler/task-record.js';
import { etcdForTest } from '../helpers/etcd.js';
import { uniqueName, waitFor } from '../helpers/wait.js';

function record(id: string, state: TaskRecord['state'] = 'TASK_RUNNING'): TaskRecord {
  const at = '2026-01-01T00:00:00.000Z';
  return { id, agentId: 'agent-1', state, createdAt: at, updatedAt: at };
}

async function putAll(client: Etcd3, prefix: string, records: TaskRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 128) {
    const success = records.slice(i, i + 128).map((r) => ({ request_put: { key: Buffer.from(`${prefix}${r.id}`), value: Buffer.from(encodeRecord(r)) } }));
    await client.kv.txn({ compare: [], success, failure: [] });
  }
}

/** A real etcd, a client and a registry prefix of its own, all stopped after the test. */
async function setUp(t: TestContext): Promise<{ etcd: EtcdServer; client: Etcd3; prefix: string }> {
  return { ...(await etcdForTest(t)), prefix: keyLayout('/k8sm', uniqueName('fw')).tasksPrefix };
}

/** A started mirror, once it is synced and holds `size` keys; stopped after the test. */
async function syncedMirror(t: TestContext, client: Etcd3, prefix: string, size: number, opts?: RegistryMirrorOptions): Promise<RegistryMirror> {
  const m = new RegistryMirror(client, prefix, opts);
  t.after(() => m.stop());
  m.start();
  await waitFor('mirror synced', () => m.synced && m.size === size, { timeoutMs: 20_000 });
  return m;
}

/** The leader's first read, reduced to the catch-up ranges. */
async function catchUp(client: Etcd3, prefix: string, snap: MirrorSnapshot) {
  const res = await client.kv.txn({ compare: [], success: catchUpOps(prefix, snap) as never, failure: [] });
  return applyCatchUp(prefix, snap, String(res.header.revision), res.responses[0]?.response_range as IRangeResponse, res.responses[1]?.response_range as IRangeResponse);
}

const view = (r: TaskRegistry) => [...r.all()].map((x) => `${x.id}:${x.state}`).sort();

test('the mirror follows the registry; a verified catch-up equals an authoritative load', async (t) => {
  const { client, prefix } = await setUp(t);
  await putAll(client, prefix, Array.from({ length: 300 }, (_, i) => record(`t-${i}`)));
  await client.put(`${prefix}t-broken`).value('{not json');

  const m = await syncedMirror(t, client, prefix, 301);
  // Writes while standing by are followed.
  await putAll(client, prefix, [record('t-1', 'TASK_FINISHED'), record('t-new')]);
  const del = await client.delete().key(`${prefix}t-2`).exec();
  await waitFor('mirror follows', () => m.appliedRevision !== undefined && BigInt(m.appliedRevision) >= BigInt(del.header.revision), { timeoutMs: 20_000 });
  assert.equal(m.size, 301);
  const snap = m.snapshot()!;
  assert.ok(snap, 'a synced mirror hands over a snapshot');
  assert.equal(m.synced, false, 'and stops');

  // Writes after the hand-over (the old leader's last ones, still in flight) are caught up in the leader's read.
  await putAll(client, prefix, [record('t-3', 'TASK_KILLED'), record('t-late')]);
  const r = await catchUp(client, prefix, snap);
  assert.equal(r.ok, true, r.ok ? '' : r.why);
  if (!r.ok) return;
  assert.equal(r.changed, 2);
  assert.deepEqual(r.skipped, [`${prefix}t-broken`]);
  const truth = await TaskRegistry.load(client, prefix);
  assert.deepEqual(view(r.registry), view(truth.registry));
  assert.equal(r.registry.get('t-3')?.state, 'TASK_KILLED');
  assert.equal(r.registry.get('t-2'), undefined);
});

test('the catch-up refuses a mirror that missed deletions, or too many changes', async (t) => {
  const { client, prefix } = await setUp(t);
  await putAll(client, prefix, Array.from({ length: 50 }, (_, i) => record(`t-${i}`)));
  const m = await syncedMirror(t, client, prefix, 50);
  const snap = m.snapshot()!;

  // Deleted and written again: fine. Deleted only: the counts cannot match.
  await client.delete().key(`${prefix}t-1`);
  await putAll(client, prefix, [record('t-1', 'TASK_FAILED')]);
  const again = await catchUp(client, prefix, snap);
  assert.equal(again.ok, true);
  await client.delete().key(`${prefix}t-7`);
  const missed = await catchUp(client, prefix, snap);
  assert.equal(missed.ok, false);
  assert.match(!missed.ok ? missed.why : '', /holds 50 keys after catching up, etcd 49/);

  // More changes than one catch-up read returns: load instead.
  await putAll(client, prefix, Array.from({ length: CATCH_UP_LIMIT + 1 }, (_, i) => record(`bulk-${i}`)));
  const lagged = await catchUp(client, prefix, { revision: snap.revision, entries: snap.entries });
  assert.equal(lagged.ok, false);
  assert.match(!lagged.ok ? lagged.why : '', /more than 5000 records changed/);
});

test('a mirror that is not synced hands over nothing; a disconnected watch reloads instead of trusting the resume', async (t) => {
  const { etcd, client, prefix } = await setUp(t);
  const cold = new RegistryMirror(client, prefix);
  assert.equal(cold.snapshot(), undefined);

  await putAll(client, prefix, [record('a'), record('b')]);
  const m = await syncedMirror(t, client, prefix, 2, { rebuildDelayMs: 50 });
  // etcd restarts: the watch disconnects, and the mirror loads again rather than bet on a gapless resume.
  await etcd.restart();
  await waitFor('mirror rebuilt after the disconnect', () => m.rebuilds >= 1 && m.synced, { timeoutMs: 30_000 });
  await putAll(client, prefix, [record('c')]);
  await waitFor('mirror follows after rebuilding', () => m.size === 3, { timeoutMs: 20_000 }); // only a put can make it 3
  const r = await catchUp(client, prefix, m.snapshot()!);
  assert.equal(r.ok, true);
  assert.deepEqual(r.ok ? view(r.registry) : [], ['a:TASK_RUNNING', 'b:TASK_RUNNING', 'c:TASK_RUNNING']);
});
