// Take-over rules of a scheduler replica, on real processes: executor-hash compatibility, "Framework has been
// removed" with live tasks, bad flags, non-HA USR1, probes and /status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SchedulerStack } from '../helpers/scheduler-stack.js';
import { CLI } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';
import { parseSchedulerArgv } from '../../src/api/flags.js';
import { formatIssue, validateSchedulerConfig } from '../../src/api/validate.js';
import { executorHash } from '../../src/api/hash.js';
import { parseExecutorHashRecord } from '../../src/api/leader-status.js';
import type { TaskRecord } from '../../src/scheduler/task-record.js';

test('a replica with a different executor hash refuses to lead until the change is sanctioned', { timeout: 120_000 }, async (t) => {
  const stack = await SchedulerStack.start();
  t.after(() => stack.stop());
  const a = stack.spawn('a');
  const s0 = await stack.waitForReconciledLeader();
  assert.equal(s0.identity, 'a');
  const b = stack.spawn('b', ['--kubelet-sync-frequency=20s']);
  await waitFor('b refuses', () => b.events.some((e) => e.kind === 'refused'), { timeoutMs: 30_000 });
  await waitFor('b serves http', () => b.url);
  const st = await b.status();
  assert.equal(st.role, 'refused');
  assert.match(st.problem.message, /differs from .*refuses to lead.*Differences — last leader: \[none\], this replica: \[kubelet-sync-frequency=20s\]/);
  const ready = await fetch(`${b.url}/readyz`);
  assert.equal(ready.status, 503, 'a refusing replica is not ready');

  // The leader dies: b must not take over.
  const killedAt = Date.now();
  a.proc.signal('SIGKILL');
  await new Promise((r) => setTimeout(r, 7000)); // > 3 × TTL
  assert.equal(stack.mesos.history.calls.filter((c) => c.callType === 'SUBSCRIBE' && c.time > killedAt).length, 0, 'nobody subscribed');
  assert.equal(await stack.leaderStatus(), undefined);

  // Sanction b's hash (what the operator does before a rolling update): b joins and leads the same framework.
  const fwid = await stack.frameworkId();
  const hashB = executorHash(parseSchedulerArgv(stack.flags('b', ['--kubelet-sync-frequency=20s']).slice(1)).config);
  await stack.etcdClient.put(stack.keys.desiredExecutorHash).value(JSON.stringify({ hash: hashB, by: 'test', at: new Date().toISOString() }));
  // Well inside the refused replica's 30 s fallback re-check: the watch on the hash keys must wake it.
  const s1 = await stack.waitForReconciledLeader(BigInt(s0.term), 15_000);
  assert.equal(s1.identity, 'b');
  assert.equal(s1.frameworkId, fwid);
  assert.equal(s1.executorHash, hashB);
  const stored = parseExecutorHashRecord(await stack.etcdClient.get(stack.keys.executorHash).string());
  assert.equal(stored?.hash, hashB, 'the new leader recorded its hash');
});

test('"Framework has been removed" with live tasks: no new framework until an explicit reset', { timeout: 120_000 }, async (t) => {
  const stack = await SchedulerStack.start();
  t.after(() => stack.stop());
  // A short failover timeout so Mesos removes the framework while no scheduler is connected.
  const a = stack.spawn('a', ['--failover-timeout=2s']);
  const fwid = await waitFor('framework id', () => stack.frameworkId(), { timeoutMs: 30_000 });
  const seeded = stack.mesos.seedTasks(fwid, 8, { prefix: 'pod-' });
  const now = new Date().toISOString();
  await a.proc.stop();
  await stack.writeRegistry(seeded.map((id): TaskRecord => ({ id, agentId: stack.mesos.task(fwid, id)!.agentId, state: 'TASK_RUNNING', createdAt: now, updatedAt: now })));
  await waitFor('Mesos removed the framework', () => stack.mesos.completedFrameworks().some((f) => f.id === fwid), { timeoutMs: 30_000 });

  const mark = stack.mesos.history.calls.length;
  const b = stack.spawn('b', ['--failover-timeout=2s']);
  const st = await waitFor('b reports FrameworkRemoved', async () => {
    const s = await stack.leaderStatus();
    return s?.problem?.reason === 'FrameworkRemoved' ? s : undefined;
  }, { timeoutMs: 30_000 });
  assert.equal(st.mesos, 'removed');
  assert.match(st.problem!.message, new RegExp(`Mesos removed framework ${fwid}.*8 task\\(s\\).*etcdctl put ${stack.keys.resetFramework} ${fwid}`));
  await new Promise((r) => setTimeout(r, 1500));
  const subscribes = stack.mesos.history.calls.slice(mark).filter((c) => c.callType === 'SUBSCRIBE');
  assert.ok(subscribes.some((c) => c.frameworkId === fwid && c.detail === 'ERROR: Framework has been removed'), 'b subscribed with the stored id and was told the framework is removed');
  const registered = subscribes.filter((c) => c.status === 200 && !c.detail.startsWith('ERROR'));
  assert.deepEqual(registered, [], 'no successful SUBSCRIBE since b started (no new framework)');
  assert.equal(stack.mesos.frameworks().length, 0);
  assert.equal(await stack.frameworkId(), fwid, 'the stored id is kept');

  // A human confirms: a new framework is registered, the dead tasks are retired in the registry.
  await stack.etcdClient.put(stack.keys.resetFramework).value(fwid);
  const s2 = await waitFor('a new framework', async () => {
    const s = await stack.leaderStatus();
    return s?.mesos === 'subscribed' && s.frameworkId && s.frameworkId !== fwid ? s : undefined;
  }, { timeoutMs: 30_000 });
  assert.equal(await stack.frameworkId(), s2.frameworkId);
  const reg = await stack.registry();
  for (const id of seeded) assert.equal(reg.get(id)?.state, 'TASK_KILLED');
  assert.equal(await stack.etcdClient.get(stack.keys.resetFramework).string(), null, 'the reset key is consumed');
  void b;
});

test('framework id lost with live tasks: the leader refuses, and resumes as soon as the id is restored', { timeout: 120_000 }, async (t) => {
  const stack = await SchedulerStack.start();
  t.after(() => stack.stop());
  const a = stack.spawn('a');
  const fwid = await waitFor('framework id', () => stack.frameworkId(), { timeoutMs: 30_000 });
  const seeded = stack.mesos.seedTasks(fwid, 4, { prefix: 'pod-' });
  const now = new Date().toISOString();
  await a.proc.stop();
  await stack.writeRegistry(seeded.map((id): TaskRecord => ({ id, agentId: stack.mesos.task(fwid, id)!.agentId, state: 'TASK_RUNNING', createdAt: now, updatedAt: now })));
  await stack.etcdClient.delete().key(stack.keys.frameworkId); // e.g. etcd restored from an older backup

  const b = stack.spawn('b');
  const st = await waitFor('b refuses: FrameworkIdMissing', async () => {
    const s = await stack.leaderStatus();
    return s?.problem?.reason === 'FrameworkIdMissing' ? s : undefined;
  }, { timeoutMs: 30_000 });
  assert.equal(st.mesos, 'refused');
  assert.match(st.problem!.message, new RegExp(`4 live task\\(s\\).*etcdctl put ${stack.keys.frameworkId} <id>`));
  const subscribes = () => stack.mesos.history.calls.filter((c) => c.callType === 'SUBSCRIBE' && c.status === 200).length;
  const before = subscribes();
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(subscribes(), before, 'no SUBSCRIBE (no new framework) while the id is missing');

  // The documented fix: restore the id. The refusing leader notices it at once and re-subscribes with it.
  await stack.etcdClient.put(stack.keys.frameworkId).value(fwid);
  const s2 = await waitFor('subscribed with the restored id', async () => {
    const s = await stack.leaderStatus();
    return s?.mesos === 'subscribed' ? s : undefined;
  }, { timeoutMs: 30_000 });
  assert.equal(s2.frameworkId, fwid);
  assert.deepEqual(stack.mesos.frameworks().map((f) => f.id), [fwid]);
  const reg = await stack.registry();
  for (const id of seeded) assert.equal(reg.get(id)?.state, 'TASK_RUNNING', 'the tasks were not retired');
  void b;
});

test('reset-framework: a "new" in place when the term starts confirms a lost id at once; a leftover "new" never confirms a later removal', { timeout: 120_000 }, async (t) => {
  const stack = await SchedulerStack.start();
  t.after(() => stack.stop());
  const a = stack.spawn('a');
  const fwid = await waitFor('framework id', () => stack.frameworkId(), { timeoutMs: 30_000 });
  const seeded = stack.mesos.seedTasks(fwid, 3, { prefix: 'pod-' });
  const now = new Date().toISOString();
  await a.proc.stop();
  await stack.writeRegistry(seeded.map((id): TaskRecord => ({ id, agentId: stack.mesos.task(fwid, id)!.agentId, state: 'TASK_RUNNING', createdAt: now, updatedAt: now })));
  // The id is lost, and the fresh start is confirmed while no replica runs (during a rollout, say).
  await stack.etcdClient.delete().key(stack.keys.frameworkId);
  await stack.etcdClient.put(stack.keys.resetFramework).value('new');
  const b = stack.spawn('b');
  const s1 = await waitFor('a new framework, confirmed by the key already in place', async () => {
    const s = await stack.leaderStatus();
    return s?.mesos === 'subscribed' && s.frameworkId && s.frameworkId !== fwid ? s : undefined;
  }, { timeoutMs: 30_000 });
  const reg = await stack.registry();
  for (const id of seeded) assert.equal(reg.get(id)?.state, 'TASK_LOST', 'the old framework\'s tasks are retired');
  assert.equal(await stack.etcdClient.get(stack.keys.resetFramework).string(), null, 'the confirmation is consumed');
  const fw2 = s1.frameworkId!;

  // A "new" written while the framework is healthy (a mistake, or a leftover) must not confirm what comes later.
  const live = stack.mesos.seedTasks(fw2, 2, { prefix: 'pod2-' });
  await stack.writeRegistry(live.map((id): TaskRecord => ({ id, agentId: stack.mesos.task(fw2, id)!.agentId, state: 'TASK_RUNNING', createdAt: now, updatedAt: now })));
  await b.proc.stop();
  await stack.etcdClient.put(stack.keys.resetFramework).value('new');
  const c = stack.spawn('c');
  await waitFor('c subscribed with the stored id', async () => {
    const s = await stack.leaderStatus();
    return s?.mesos === 'subscribed' && s.frameworkId === fw2 && s.identity === 'c' ? s : undefined;
  }, { timeoutMs: 30_000 });
  assert.equal(await stack.etcdClient.get(stack.keys.resetFramework).string(), null, 'a "new" found while the id is stored is deleted at the term start');
  await stack.etcdClient.put(stack.keys.resetFramework).value('new'); // and one written mid-term, which nobody deletes
  const r = await fetch(`${stack.mesos.leaderUrl}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ type: 'TEARDOWN', teardown: { framework_id: { value: fw2 } } }) });
  assert.equal(r.status, 200);
  const st = await waitFor('c reports FrameworkRemoved', async () => {
    const s = await stack.leaderStatus();
    return s?.problem?.reason === 'FrameworkRemoved' ? s : undefined;
  }, { timeoutMs: 30_000 });
  assert.equal(st.mesos, 'removed');
  await new Promise((res) => setTimeout(res, 1000));
  assert.equal(await stack.frameworkId(), fw2, 'no new framework: the leftover "new" predates the removal');
  assert.deepEqual(stack.mesos.frameworks().map((f) => f.id), [fwid], 'only the first framework, abandoned at the fresh start, is still there');
  // Written after the removal was reported, it confirms.
  await stack.etcdClient.put(stack.keys.resetFramework).value('new');
  const s3 = await waitFor('a new framework after the confirmation', async () => {
    const s = await stack.leaderStatus();
    return s?.mesos === 'subscribed' && s.frameworkId && s.frameworkId !== fw2 ? s : undefined;
  }, { timeoutMs: 30_000 });
  assert.equal(await stack.frameworkId(), s3.frameworkId);
  void c;
});

test('bad flags exit 1 with the validator message', () => {
  const argv = ['--ha', '--km-path=./km', '--etcd-servers=http://127.0.0.1:1', '--failover-timeout=0'];
  const r = spawnSync(process.execPath, [CLI, 'scheduler', ...argv], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 1);
  const expected = validateSchedulerConfig(parseSchedulerArgv(argv).config).errors.map(formatIssue);
  assert.ok(expected.length >= 2);
  for (const e of expected) assert.ok(r.stderr.includes(e), `stderr has: ${e}\n---\n${r.stderr}`);
  const u = spawnSync(process.execPath, [CLI, 'scheduler', '--etcd-servrs=http://e:2379'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(u.status, 1);
  assert.match(u.stderr, /unknown flag --etcd-servrs \(did you mean --etcd-servers\?\)/);
});

test('without --ha: USR1 restarts the framework connection in place with the same id', { timeout: 90_000 }, async (t) => {
  const stack = await SchedulerStack.start();
  t.after(() => stack.stop());
  const flags = stack.flags('solo').filter((f) => f !== '--ha');
  const p = stack.procs.cli(flags, { env: { ...process.env, SCHEDULERHA_LOG_PRETTY: '0' } });
  const fwid = await waitFor('framework id', () => stack.frameworkId(), { timeoutMs: 30_000 });
  await waitFor('subscribed', () => stack.mesos.frameworks()[0]?.connected);
  const n0 = stack.mesos.history.calls.filter((c) => c.callType === 'SUBSCRIBE' && c.status === 200).length;
  p.signal('SIGUSR1');
  await waitFor('re-subscribed', () => stack.mesos.history.calls.filter((c) => c.callType === 'SUBSCRIBE' && c.status === 200).length > n0, { timeoutMs: 30_000 });
  await waitFor('connected again', () => stack.mesos.frameworks()[0]?.connected);
  const subs = stack.mesos.history.calls.filter((c) => c.callType === 'SUBSCRIBE' && c.status === 200);
  assert.ok(subs.every((c, i) => i === 0 || c.frameworkId === fwid), 'every re-subscription uses the stored id');
  assert.equal(stack.mesos.history.calls.filter((c) => c.callType === 'TEARDOWN').length, 0, 'never unregistered');
  assert.equal(stack.mesos.frameworks().length, 1);
  assert.equal(p.child.exitCode, null, 'still running');
  p.signal('SIGTERM');
  assert.equal(await p.exited, 0);
});

test('probes and /status: leader and standby', { timeout: 90_000 }, async (t) => {
  const stack = await SchedulerStack.start();
  t.after(() => stack.stop());
  const a = stack.spawn('a');
  await stack.waitForReconciledLeader();
  const b = stack.spawn('b');
  await waitFor('b serves', () => b.url);
  await waitFor('b is standing by', async () => {
    const s = await b.status();
    return s.role === 'standby' && s.election === 'campaigning' && (await fetch(`${b.url}/readyz`)).status === 200;
  });
  for (const r of [a, b]) {
    assert.equal((await fetch(`${r.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${r.url}/readyz`)).status, 200);
  }
  const sa = await a.status();
  assert.equal(sa.role, 'leader');
  assert.equal(sa.mesos, 'subscribed');
  assert.equal(sa.reconciliation.phase, 'complete');
  assert.ok(sa.frameworkId);
  const sb = await b.status();
  assert.equal(sb.role, 'standby');
  assert.equal(sb.leader.id, 'a', 'the standby names the leader');
  const metrics = await (await fetch(`${a.url}/metrics`)).text();
  assert.match(metrics, /schedulerha_leader\{framework="[^"]+"\} 1/);
  assert.match(metrics, /schedulerha_framework_registered\{framework="[^"]+"\} 1/);
  assert.match(metrics, /schedulerha_mesos_calls_total\{type="RECONCILE",code="202"/);
  assert.match(metrics, /schedulerha_time_to_subscribed_seconds_count\{framework="[^"]+"\} 1/);
  const mb = await (await fetch(`${b.url}/metrics`)).text();
  assert.match(mb, /schedulerha_leader\{framework="[^"]+"\} 0/);
});

test('a registry record this version cannot read keeps its task: only tasks with no record at all are killed as unknown', { timeout: 120_000 }, async (t) => {
  const stack = await SchedulerStack.start({ leaseTtl: '2s', mesos: { masters: 1, agents: 2 } });
  t.after(() => stack.stop());
  const boot = stack.spawn('boot');
  const fwid = await waitFor('the framework id in etcd', () => stack.frameworkId(), { timeoutMs: 30_000 });
  await boot.proc.stop();
  const [readable, unreadable, unknown] = stack.mesos.seedTasks(fwid, 3, { prefix: 'pod-' });
  const now = new Date().toISOString();
  await stack.writeRegistry([{ id: readable!, agentId: stack.mesos.task(fwid, readable!)!.agentId, state: 'TASK_RUNNING', createdAt: now, updatedAt: now }]);
  // Another version's format, or a hand edit: the key still says this framework launched the task.
  await stack.etcdClient.put(stack.keys.task(unreadable!)).value('{"format":"from-the-future"');
  stack.spawn('r0');
  await stack.waitForReconciledLeader();
  await waitFor('the task with no record killed', () => stack.mesos.task(fwid, unknown!)?.state === 'TASK_KILLED' || stack.mesos.task(fwid, unknown!) === undefined || undefined, { timeoutMs: 30_000 });
  assert.equal(stack.mesos.task(fwid, unreadable!)?.state, 'TASK_RUNNING', 'the task whose record did not decode runs on');
  assert.equal(stack.mesos.task(fwid, readable!)?.state, 'TASK_RUNNING');
});
