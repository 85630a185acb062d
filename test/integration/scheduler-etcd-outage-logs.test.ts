// An etcd outage fails a campaign attempt every few seconds on every replica. The replica says so once, then a
// line a minute with the count (thousands of identical lines an hour hid everything else), and counts every
// failure in schedulerha_election_campaign_failures_total.
// Real etcd (paused with SIGSTOP), one replica in this process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { parseAndValidate } from '../../src/scheduler/command.js';
import { Replica } from '../../src/scheduler/replica.js';
import { createLogger } from '../../src/util/log.js';
import { waitFor } from '../helpers/wait.js';

test('an etcd outage: campaign failures counted each, logged once a minute', { timeout: 120_000 }, async (t) => {
  const etcd = await EtcdServer.start();
  let replica: Replica | undefined;
  // One hook, in this order: a failed assertion may leave etcd paused, and a paused etcd never handles the stop's
  // SIGTERM (the hook, and the test process, would wait for ever).
  t.after(async () => {
    etcd.resume();
    await replica?.stop();
    await etcd.stop();
  });
  const parsed = parseAndValidate(['--ha', '--framework-name=outagefw', `--etcd-servers=${etcd.endpoint}`, '--mesos-master=127.0.0.1:1', '--km-path=hdfs:///km', '--port=0', '--identity=r1', '--lease-ttl=2s']);
  assert.deepEqual(parsed.errors, []);
  const lines: Array<{ level: string; msg: string }> = [];
  const sink = new Writable({ write(chunk: Buffer, _e, cb) { for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l)); cb(); } });
  replica = new Replica({ config: parsed.config!, logger: createLogger({ name: 'r1', level: 'info', pretty: false, destination: sink }) });
  await replica.start();
  await waitFor('leading', () => replica.role === 'leader' || undefined, { timeoutMs: 30_000 });

  etcd.pause();
  const failures = async () => Number((await replica.metrics.registry.getSingleMetricAsString('schedulerha_election_campaign_failures_total')).match(/_total(?:\{[^}]*\})? (\d+)/)?.[1] ?? 0);
  await waitFor('several failed campaign attempts', async () => (await failures()) >= 3 || undefined, { timeoutMs: 60_000, intervalMs: 200 });
  const warned = lines.filter((l) => l.msg === 'campaign attempt failed; retrying');
  assert.equal(warned.length, 1, `${await failures()} failures, ${warned.length} lines`);
  assert.ok(lines.filter((l) => l.msg === 'campaign failed; retrying').length === 0, 'the candidate no longer repeats it at info');

  etcd.resume();
  await waitFor('campaigning again', () => lines.some((l) => l.msg === 'campaigning again after failed attempts') || undefined, { timeoutMs: 30_000 });
});
