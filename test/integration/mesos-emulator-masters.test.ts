// Conformance: leadership, redirects, recovery, master failover, operator API and legacy endpoints, emulator
// hooks, history, bulk seeding, the devstack CLI, and ZooKeeper registration (reference §1.6, §1.10, §3, §4;
// checklist "Leadership", "Observability", "Emulator-only test hooks").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import zookeeper from 'node-zookeeper-client';
import { request, call, operatorCall, openStream, subscribeCall, frameworkInfo } from '../helpers/mesos-emulator-http.js';
import { startCluster, sub, runTask, settle, waitUpdate } from '../helpers/mesos-emulator-fixture.js';
import { MesosCluster } from '../../src/devstack/mesos/index.js';
import { ProcGroup } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';

test('a non-leader answers 307 Location: //leader:port/<path+query>; 503 "No leader elected" without a leader', async (t) => {
  const c = await startCluster(t, { masters: 3 });
  const leaderPort = c.leader!.port;
  const r = await call(c.masterUrls[1]!, subscribeCall(frameworkInfo()));
  assert.equal(r.status, 307);
  assert.equal(r.headers.location, `//127.0.0.1:${leaderPort}/api/v1/scheduler`);
  const q = await request(`${c.masterUrls[2]}/master/state?jsonp=x`, { method: 'GET' });
  assert.equal(q.status, 307);
  assert.equal(q.headers.location, `//127.0.0.1:${leaderPort}/master/state?jsonp=x`);
  const op = await operatorCall(c.masterUrls[2]!, 'GET_FRAMEWORKS');
  assert.equal(op.status, 307);
  c.loseLeadership();
  for (const u of c.masterUrls) {
    const x = await call(u, subscribeCall(frameworkInfo()));
    assert.equal(x.status, 503);
    assert.equal(x.body, 'No leader elected');
  }
});

test('/redirect → 307 to //host:port (also on the leader); /redirect/... → 404', async (t) => {
  const c = await startCluster(t, { masters: 2 });
  for (const u of c.masterUrls) {
    const r = await request(`${u}/redirect`, { method: 'GET' });
    assert.equal(r.status, 307);
    assert.equal(r.headers.location, `//127.0.0.1:${c.leader!.port}`);
    assert.equal((await request(`${u}/redirect/x`, { method: 'GET' })).status, 404);
    assert.equal((await request(`${u}/master/redirect`, { method: 'GET' })).status, 307);
  }
});

test('a newly elected leader answers 503 "Master has not finished recovery" for the configured window (not /master/state)', async (t) => {
  const c = await startCluster(t, { masters: 2, recoveryMs: 5_000 });
  await c.advance(5_000);
  await c.failover();
  const r = await call(c.leaderUrl!, subscribeCall(frameworkInfo()));
  assert.equal(r.status, 503);
  assert.equal(r.body, 'Master has not finished recovery');
  assert.equal((await operatorCall(c.leaderUrl!, 'GET_FRAMEWORKS')).status, 503);
  assert.equal((await request(`${c.leaderUrl}/master/state`, { method: 'GET' })).status, 200);
  await c.advance(5_000);
  const s = await openStream(c.leaderUrl!, subscribeCall(frameworkInfo()));
  t.after(() => s.close());
  assert.equal(s.status, 200);
});

test('master failover: streams close, state lost, unknown id accepted and recreated, recovered frameworks, tasks back via re-registration, unreachable after the window', async (t) => {
  const c = await startCluster(t, { masters: 2, agents: 2, agentReregisterDelayMs: 1_000, agentReregisterTimeoutMs: 600_000 });
  const s = await sub(t, c, frameworkInfo({ failover_timeout: 5 }));
  const other = await sub(t, c, frameworkInfo({ name: 'orphan', failover_timeout: 5 }));
  const [A, B] = c.agents.map((a) => a.id) as [string, string];
  c.seedTasks(s.frameworkId, 2, { agentIds: [A] });
  c.seedTasks(other.frameworkId, 1, { agentIds: [B], prefix: 'o-' });
  const oldLeader = c.leaderIndex;
  await c.failover({ reregister: [A] });
  await s.reader.waitEnded();
  await other.reader.waitEnded();
  assert.notEqual(c.leaderIndex, oldLeader);
  assert.equal(c.frameworks().length, 0, 'in-memory framework state is gone');
  assert.equal(c.agentState(A)!.standing, 'recovered');
  await c.advance(1_000);
  await settle(c);
  const fw = c.framework(s.frameworkId)!;
  assert.equal(fw.recovered, true);
  assert.equal(fw.connected, false);
  assert.equal(fw.tasks.size, 2);
  const gf = JSON.parse((await operatorCall(c.leaderUrl!, 'GET_FRAMEWORKS')).body) as { get_frameworks: { frameworks: Array<{ recovered: boolean; connected: boolean }> } };
  assert.equal(gf.get_frameworks.frameworks[0]!.recovered, true);
  // failover_timeout did not survive: no timer removes the recovered framework.
  await c.advance(60_000);
  assert.ok(c.framework(s.frameworkId));
  // A SUBSCRIBE with an id the new master never saw is accepted and the framework recreated.
  const fresh = await sub(t, c, frameworkInfo({ id: { value: 'never-seen-0001' } }));
  assert.equal(fresh.frameworkId, 'never-seen-0001');
  const back = await sub(t, c, frameworkInfo({ id: { value: s.frameworkId }, failover_timeout: 5 }));
  assert.equal(c.framework(back.frameworkId)!.recovered, false);
  // B never re-registers: unreachable after agent_reregister_timeout.
  await c.advance(600_000);
  assert.equal(c.agentState(B)!.standing, 'unreachable');
});

test('GET_FRAMEWORKS / GET_TASKS / GET_STATE / GET_MASTER / GET_AGENTS use the §4.1 field names', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const s = await sub(t, c);
  await runTask(s, 't1');
  const f = JSON.parse((await operatorCall(c.leaderUrl!, 'GET_FRAMEWORKS')).body) as Record<string, any>;
  assert.equal(f.type, 'GET_FRAMEWORKS');
  const fw = f.get_frameworks.frameworks[0];
  for (const k of ['framework_info', 'active', 'connected', 'recovered', 'registered_time', 'offers', 'allocated_resources', 'offered_resources']) assert.ok(k in fw, k);
  assert.equal(fw.framework_info.id.value, s.frameworkId);
  assert.ok(Array.isArray(f.get_frameworks.completed_frameworks));
  const tk = JSON.parse((await operatorCall(c.leaderUrl!, 'GET_TASKS')).body) as Record<string, any>;
  const task = tk.get_tasks.tasks[0];
  for (const k of ['name', 'task_id', 'framework_id', 'agent_id', 'state', 'status_update_state', 'status_update_uuid', 'statuses', 'resources']) assert.ok(k in task, k);
  assert.ok(Array.isArray(tk.get_tasks.unreachable_tasks) && Array.isArray(tk.get_tasks.completed_tasks));
  const st = JSON.parse((await operatorCall(c.leaderUrl!, 'GET_STATE')).body) as Record<string, any>;
  for (const k of ['get_tasks', 'get_executors', 'get_frameworks', 'get_agents']) assert.ok(k in st.get_state, k);
  const m = JSON.parse((await operatorCall(c.leaderUrl!, 'GET_MASTER')).body) as Record<string, any>;
  assert.equal(m.get_master.master_info.id, c.leader!.info.id);
  assert.ok(m.get_master.start_time > 0 && m.get_master.elected_time > 0);
  const ag = JSON.parse((await operatorCall(c.leaderUrl!, 'GET_AGENTS')).body) as Record<string, any>;
  assert.equal(ag.get_agents.agents[0].agent_info.id.value, c.agents[0]!.id);
  assert.equal((await request(`${c.leaderUrl}/api/v1`, { body: '{"type":"GET_TASKS"}', headers: { 'Content-Type': 'application/json', Accept: 'text/html' } })).status, 406);
});

test('/master/state and /master/frameworks use the §4.2 field names (task id string, state = task.state, resources object)', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const s = await sub(t, c);
  await runTask(s, 't1');
  c.sendTaskUpdate(s.frameworkId, 't1', 'TASK_FINISHED'); // not acked: state FINISHED, status_update_state FINISHED
  await waitUpdate(s, 't1', 'TASK_FINISHED');
  for (const path of ['/master/state', '/state']) {
    const st = JSON.parse((await request(`${c.leaderUrl}${path}`, { method: 'GET' })).body) as Record<string, any>;
    for (const k of ['version', 'start_time', 'elected_time', 'id', 'pid', 'hostname', 'leader', 'leader_info', 'activated_slaves', 'deactivated_slaves', 'unreachable_slaves', 'flags', 'slaves', 'recovered_slaves', 'frameworks', 'completed_frameworks', 'orphan_tasks', 'unregistered_frameworks']) assert.ok(k in st, k);
    const fw = st.frameworks[0];
    for (const k of ['id', 'name', 'active', 'connected', 'recovered', 'user', 'failover_timeout', 'checkpoint', 'roles', 'registered_time', 'unregistered_time', 'tasks', 'unreachable_tasks', 'completed_tasks', 'offers', 'executors', 'used_resources', 'offered_resources', 'resources', 'capabilities']) assert.ok(k in fw, k);
    assert.equal('reregistered_time' in fw, false, 'only when it differs');
    const t1 = fw.tasks[0];
    assert.equal(t1.id, 't1');
    assert.equal(t1.state, 'TASK_FINISHED');
    assert.equal(typeof t1.resources.cpus, 'number');
    assert.equal(t1.slave_id, c.agents[0]!.id);
  }
  const f = JSON.parse((await request(`${c.leaderUrl}/master/frameworks?framework_id=${s.frameworkId}`, { method: 'GET' })).body) as Record<string, any>;
  assert.equal(f.frameworks.length, 1);
  assert.deepEqual(f.unregistered_frameworks, []);
});

test('operator SUBSCRIBE: SUBSCRIBED, FRAMEWORK_ADDED/UPDATED/REMOVED, TASK_ADDED/UPDATED; nothing on disconnect; HEARTBEAT after 15 s', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const op = await openStream(c.leaderUrl!, { type: 'SUBSCRIBE' }, undefined, '/api/v1');
  t.after(() => op.close());
  await op.until('SUBSCRIBED', (e) => e.length > 0);
  assert.equal(op.events[0]!.type, 'SUBSCRIBED');
  const types = (): string[] => op.events.map((e) => e.type as string);
  const s = await sub(t, c, frameworkInfo({ failover_timeout: 100 }));
  await runTask(s, 't1');
  await op.until('FRAMEWORK_ADDED, TASK_ADDED, TASK_UPDATED', () => ['FRAMEWORK_ADDED', 'TASK_ADDED', 'TASK_UPDATED'].every((x) => types().includes(x)));
  const n = op.events.length;
  s.reader.close();
  await settle(c);
  assert.equal(op.events.length, n, 'no event when a framework disconnects');
  await sub(t, c, frameworkInfo({ id: { value: s.frameworkId } }));
  await op.until('FRAMEWORK_UPDATED', () => types().includes('FRAMEWORK_UPDATED'));
  await call(c.leaderUrl!, { type: 'TEARDOWN', framework_id: { value: s.frameworkId } }, c.framework(s.frameworkId)!.stream!.streamId);
  await op.until('FRAMEWORK_REMOVED', () => types().includes('FRAMEWORK_REMOVED'));
  assert.equal(types().includes('HEARTBEAT'), false);
  await c.advance(15_000);
  await op.until('HEARTBEAT', () => types().includes('HEARTBEAT'));
});

test('hooks: call faults (fail, drop, delay-response), event faults (drop, delay in order), pause, close stream', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const s = await sub(t, c);
  const undo = c.addCallFault({ callType: 'REVIVE', action: 'fail', status: 503, body: 'injected', times: 1 });
  assert.equal((await s.call('REVIVE')).status, 503);
  assert.equal((await s.call('REVIVE')).status, 202);
  undo();
  c.addCallFault({ callType: 'SUPPRESS', action: 'drop', times: 1 });
  await assert.rejects(s.call('SUPPRESS'));
  c.addCallFault({ callType: 'SUPPRESS', action: 'delay-response', delayMs: 5_000, times: 1 });
  const pending = s.call('SUPPRESS');
  await settle(c);
  await c.advance(5_000);
  assert.equal((await pending).status, 202);
  c.addEventFault({ type: 'HEARTBEAT', action: 'drop', times: 1 });
  await settle(c);
  const hb = s.reader.ofType('HEARTBEAT').length;
  await c.advance(15_000);
  await settle(c);
  assert.equal(s.reader.ofType('HEARTBEAT').length, hb, 'the next heartbeat was dropped');
  assert.ok(c.history.findEvents({ frameworkId: s.frameworkId, type: 'HEARTBEAT' }).some((e) => e.dropped === 'fault'));
  const seeded = c.seedTasks(s.frameworkId, 2);
  c.addEventFault({ type: 'UPDATE', action: 'delay', delayMs: 1_000, times: 1 });
  const u0 = s.reader.ofType('UPDATE').length;
  await s.call('RECONCILE', { reconcile: { tasks: seeded.map((id) => ({ task_id: { value: id } })) } });
  await settle(c);
  assert.equal(s.reader.ofType('UPDATE').length, u0, 'the delayed first answer holds the second (order kept)');
  await c.advance(1_000);
  await s.reader.until('both answers', () => s.reader.ofType('UPDATE').length === u0 + 2);
  assert.deepEqual(s.reader.ofType('UPDATE', 0).slice(u0).map((e) => e.update!.status.task_id.value), seeded);
  c.pauseMaster();
  const during = s.call('REVIVE');
  await new Promise((r) => setTimeout(r, 50));
  c.resumeMaster();
  assert.equal((await during).status, 202);
  c.closeFrameworkStream(s.frameworkId);
  await s.reader.waitEnded();
  await settle(c);
  assert.equal(c.framework(s.frameworkId)!.connected, false);
});

test('history records every call (stream, connection, status) and event; event recording can be switched off', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const s = await sub(t, c);
  await s.call('REVIVE');
  await call(c.leaderUrl!, { type: 'REVIVE', framework_id: { value: s.frameworkId } }, 'stale');
  const calls = c.history.findCalls({ frameworkId: s.frameworkId });
  assert.deepEqual(calls.map((x) => [x.callType, x.status]), [['SUBSCRIBE', 200], ['REVIVE', 202], ['REVIVE', 400]]);
  assert.equal(calls[0]!.newStreamId, s.streamId);
  assert.equal(calls[1]!.streamId, s.streamId);
  assert.ok(calls.every((x) => x.connectionId > 0 && x.masterId === c.leader!.info.id));
  assert.notEqual(calls[0]!.connectionId, calls[1]!.connectionId, 'calls come on other connections than the stream');
  assert.ok(c.history.findEvents({ frameworkId: s.frameworkId, type: 'SUBSCRIBED' }).length === 1);
  c.history.recordEvents = false;
  const n = c.history.events.length;
  await c.advance(30_000);
  await settle(c);
  assert.equal(c.history.events.length, n);
});

test('seedTasks(100k) and reconciliation over 100k tasks stay fast (no O(n²)); streamSyntheticUpdates streams N UPDATEs', async (t) => {
  const c = await startCluster(t, { agents: 5, history: { recordEvents: false } });
  const s = await sub(t, c);
  const ids = c.seedTasks(s.frameworkId, 100_000);
  assert.equal(ids.length, 100_000);
  assert.equal(c.tasks(s.frameworkId).length, 100_000);
  const n = s.reader.events.length;
  await s.call('RECONCILE', { reconcile: {} });
  await s.reader.until('100k implicit answers', () => s.reader.events.length - n >= 100_000, 60_000);
  const m = s.reader.events.length;
  await s.call('RECONCILE', { reconcile: { tasks: ids.slice(0, 50_000).map((id) => ({ task_id: { value: id } })) } });
  await s.reader.until('50k explicit answers', () => s.reader.events.length - m >= 50_000, 60_000);
  const k = s.reader.events.length;
  const r = await c.streamSyntheticUpdates(s.frameworkId, 20_000);
  assert.equal(r.events, 20_000);
  await s.reader.until('20k synthetic updates', () => s.reader.events.length - k >= 20_000, 60_000);
  assert.equal(s.reader.events[k]!.update!.status.uuid, undefined);
});

test('devstack CLI: `schedulerha devstack mesos-master` prints its URLs, serves, and stops on SIGTERM', async (t) => {
  const group = new ProcGroup();
  t.after(() => group.killAll());
  const p = group.cli(['devstack', 'mesos-master', '--listen', '127.0.0.1:0', '--masters', '2', '--agents', '2', '--heartbeat-seconds', '1']);
  const out = await waitFor('ready', () => (p.output().includes('ready') ? p.output() : undefined), { timeoutMs: 30_000 });
  const leader = /mesos master \d+: (http:\/\/\S+) \(leader\)/.exec(out)![1]!;
  assert.match(out, /mesos master address: 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+/);
  const s = await openStream(leader, subscribeCall(frameworkInfo()));
  await s.until('SUBSCRIBED + 2 heartbeats (real time)', (e) => e.filter((x) => x.type === 'HEARTBEAT').length >= 2, 15_000);
  s.close();
  p.signal('SIGTERM');
  assert.equal(await p.exited, 0);
  assert.match(p.output(), /stopped/);
});

const ZK_JAR = '/usr/share/java/zookeeper.jar';
test('ZooKeeper registration: json.info_<10-digit seq> ephemeral members with MasterInfo JSON; the lowest leads; failover follows', { skip: existsSync(ZK_JAR) ? false : 'Debian zookeeper is not installed (scripts/ensure-system-deps.sh installs it)' }, async (t) => {
  const { ZooKeeperServer } = await import('../../src/devstack/zookeeper.js');
  const zk = await ZooKeeperServer.start();
  t.after(() => zk.stop());
  const c = await MesosCluster.start({ masters: 3, agents: 1, clock: 'real', zk: { connectionString: zk.connectionString, path: '/mesos' } });
  t.after(() => c.stop());
  const client = zookeeper.createClient(zk.connectionString);
  await new Promise<void>((r) => (client.once('connected', () => r()), client.connect()));
  t.after(() => client.close());
  const children = (): Promise<string[]> => new Promise((res, rej) => client.getChildren('/mesos', (e, ch) => (e ? rej(e) : res(ch.sort()))));
  const kids = await children();
  assert.equal(kids.length, 3);
  for (const k of kids) assert.match(k, /^json\.info_\d{10}$/);
  const data = await new Promise<Buffer>((res, rej) => client.getData(`/mesos/${kids[0]}`, (e, d) => (e ? rej(e) : res(d))));
  const info = JSON.parse(data.toString()) as { id: string; address: { port: number } };
  assert.equal(info.id, c.leader!.info.id, 'the lowest sequence leads');
  const old = c.leaderIndex;
  await c.failover();
  assert.notEqual(c.leaderIndex, old);
  await waitFor('the old leader to rejoin', async () => (await children()).length === 3 && !(await children()).includes(kids[0]!), { timeoutMs: 20_000 });
  const kids2 = await children();
  const data2 = await new Promise<Buffer>((res, rej) => client.getData(`/mesos/${kids2[0]}`, (e, d) => (e ? rej(e) : res(d))));
  assert.equal((JSON.parse(data2.toString()) as { id: string }).id, c.leader!.info.id);
});
