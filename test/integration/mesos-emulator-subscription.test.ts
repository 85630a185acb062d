// Conformance: stream ids, subscription state, framework failover, failover_timeout, TEARDOWN, heartbeats
// (reference §1.3, §1.5, §1.9, §1.10; checklist "Stream ID and subscription state", "Framework failover", "Heartbeats").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, openStream, subscribeCall, frameworkInfo, operatorCall } from '../helpers/mesos-emulator-http.js';
import { startCluster, sub, runTask, settle, updates, waitUpdate } from '../helpers/mesos-emulator-fixture.js';

test('SUBSCRIBE carrying Mesos-Stream-Id → 400', async (t) => {
  const c = await startCluster(t);
  const r = await call(c.leaderUrl!, subscribeCall(frameworkInfo()), 'a-stream-id');
  assert.equal(r.status, 400);
  assert.equal(r.body, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
});

test('non-SUBSCRIBE without the header or with a stale one → 400 with the reference messages', async (t) => {
  const c = await startCluster(t);
  const s = await sub(t, c);
  const missing = await call(c.leaderUrl!, { type: 'REVIVE', framework_id: { value: s.frameworkId } });
  assert.equal(missing.status, 400);
  assert.equal(missing.body, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
  const stale = await call(c.leaderUrl!, { type: 'REVIVE', framework_id: { value: s.frameworkId } }, 'not-the-stream');
  assert.equal(stale.status, 400);
  assert.equal(stale.body, `The stream ID 'not-the-stream' included in this request didn't match the stream ID currently associated with framework ID ${s.frameworkId}`);
  const noFw = await call(c.leaderUrl!, { type: 'REVIVE' }, s.streamId);
  assert.equal(noFw.status, 400);
  assert.equal(noFw.body, "Failed to validate scheduler::Call: Expecting 'framework_id' to be present");
});

test('a call from a disconnected framework → 403 "Framework is not subscribed" (before the stream-id check)', async (t) => {
  const c = await startCluster(t);
  const s = await sub(t, c);
  s.reader.close();
  await settle(c);
  assert.equal(c.framework(s.frameworkId)!.connected, false);
  const r = await call(c.leaderUrl!, { type: 'REVIVE', framework_id: { value: s.frameworkId } });
  assert.equal(r.status, 403);
  assert.equal(r.body, 'Framework is not subscribed');
});

test('unknown or removed framework id → 400 "Framework cannot be found"', async (t) => {
  const c = await startCluster(t);
  const r = await call(c.leaderUrl!, { type: 'REVIVE', framework_id: { value: 'nope' } }, 'x');
  assert.equal(r.status, 400);
  assert.equal(r.body, 'Framework cannot be found');
  const s = await sub(t, c);
  assert.equal((await s.call('TEARDOWN')).status, 202);
  const after = await s.call('REVIVE');
  assert.equal(after.status, 400);
  assert.equal(after.body, 'Framework cannot be found');
});

test('framework_id ≠ subscribe.framework_info.id → 400', async (t) => {
  const c = await startCluster(t);
  const r = await call(c.leaderUrl!, { type: 'SUBSCRIBE', framework_id: { value: 'a' }, subscribe: { framework_info: frameworkInfo({ id: { value: 'b' } }) } });
  assert.equal(r.status, 400);
  assert.equal(r.body, "Failed to validate scheduler::Call: 'framework_id' differs from 'subscribe.framework_info.id'");
  const onlyInfo = await call(c.leaderUrl!, { type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo({ id: { value: 'b' } }) } });
  assert.equal(onlyInfo.status, 400);
  const missingSub = await call(c.leaderUrl!, { type: 'SUBSCRIBE' });
  assert.equal(missingSub.body, "Failed to validate scheduler::Call: Expecting 'subscribe' to be present");
});

test('validation inside subscribe → 200 + ERROR as the first event + close (failover_timeout, roles, principal change, removed)', async (t) => {
  const c = await startCluster(t);
  const expectError = async (info: ReturnType<typeof frameworkInfo>, message: string | RegExp): Promise<void> => {
    const s = await openStream(c.leaderUrl!, subscribeCall(info));
    assert.equal(s.status, 200);
    await s.waitEnded();
    assert.equal(s.events.length, 1, JSON.stringify(s.events));
    assert.equal(s.events[0]!.type, 'ERROR');
    if (typeof message === 'string') assert.equal(s.events[0]!.error!.message, message);
    else assert.match(s.events[0]!.error!.message, message);
  };
  await expectError(frameworkInfo({ failover_timeout: 1e10 }), 'The framework failover_timeout (1e+10) is invalid');
  await expectError(frameworkInfo({ roles: ['a', 'a'] }), "'FrameworkInfo.roles' contains duplicate items: { a }");
  await expectError(frameworkInfo({ role: 'x' }), "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable");
  await expectError(frameworkInfo({ capabilities: [], roles: ['x'] }), "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable");
  const s = await sub(t, c, frameworkInfo({ principal: 'p1' }));
  await expectError(frameworkInfo({ id: { value: s.frameworkId }, principal: 'p2' }), "Changing framework's principal is not allowed.");
  await s.call('TEARDOWN');
  await expectError(frameworkInfo({ id: { value: s.frameworkId }, principal: 'p1' }), 'Framework has been removed');
});

test('second SUBSCRIBE: old stream gets ERROR "Framework failed over" and closes; SUBSCRIBED+HEARTBEAT; old id → 400; offers dropped without RESCIND, fresh offers', async (t) => {
  const c = await startCluster(t);
  const s1 = await sub(t, c);
  await s1.reader.until('offers', (e) => e.some((x) => x.type === 'OFFERS'));
  const oldOffers = s1.reader.ofType('OFFERS').flatMap((e) => e.offers!.offers.map((o) => o.id.value));
  const s2 = await sub(t, c, frameworkInfo({ id: { value: s1.frameworkId } }));
  await s1.reader.waitEnded();
  const last = s1.reader.events[s1.reader.events.length - 1]!;
  assert.equal(last.type, 'ERROR');
  assert.equal(last.error!.message, 'Framework failed over');
  assert.equal(s1.reader.ofType('RESCIND').length, 0);
  assert.equal(s2.reader.events[0]!.type, 'SUBSCRIBED');
  await s2.reader.until('HEARTBEAT', (e) => e[1]?.type === 'HEARTBEAT');
  assert.notEqual(s2.streamId, s1.streamId);
  const old = await s1.call('REVIVE');
  assert.equal(old.status, 400);
  await s2.reader.until('fresh offers', (e) => e.some((x) => x.type === 'OFFERS'));
  const fresh = s2.reader.ofType('OFFERS').flatMap((e) => e.offers!.offers.map((o) => o.id.value));
  assert.ok(fresh.every((id) => !oldOffers.includes(id)));
  assert.equal(s2.reader.ofType('RESCIND').length, 0);
  // The old offers are invalid now.
  assert.ok(oldOffers.every((id) => !c.framework(s1.frameworkId)!.offers.has(id)));
  // History: the failover is visible as two SUBSCRIBE calls with distinct new stream ids.
  const subs = c.history.findCalls({ frameworkId: s1.frameworkId, callType: 'SUBSCRIBE', status: 200 });
  assert.equal(subs.length, 2);
  assert.notEqual(subs[0]!.newStreamId, subs[1]!.newStreamId);
});

test('re-subscribe keeps user/checkpoint, updates failover_timeout and roles; principal change is an ERROR', async (t) => {
  const c = await startCluster(t);
  const s1 = await sub(t, c, frameworkInfo({ user: 'alice', checkpoint: true, failover_timeout: 10, roles: ['*'] }));
  await sub(t, c, frameworkInfo({ id: { value: s1.frameworkId }, user: 'bob', checkpoint: false, failover_timeout: 99, roles: ['*', 'web'] }));
  const info = c.framework(s1.frameworkId)!.info;
  assert.equal(info.user, 'alice');
  assert.equal(info.checkpoint, true);
  assert.equal(info.failover_timeout, 99);
  assert.deepEqual(info.roles, ['*', 'web']);
  const r = await operatorCall(c.leaderUrl!, 'GET_FRAMEWORKS');
  const fw = (JSON.parse(r.body) as { get_frameworks: { frameworks: Array<{ framework_info: { user: string; failover_timeout: number } }> } }).get_frameworks.frameworks[0]!;
  assert.equal(fw.framework_info.user, 'alice');
  assert.equal(fw.framework_info.failover_timeout, 99);
});

test('stream close: connected=false active=false, offers rescinded, tasks keep running, updates applied but not forwarded, re-sent after re-subscription on the retry schedule', async (t) => {
  const c = await startCluster(t, { taskTiming: { retryInitialMs: 10_000, retryMaxMs: 600_000 } });
  const s1 = await sub(t, c);
  await runTask(s1, 't1');
  await s1.reader.until('offers', (e) => e.filter((x) => x.type === 'OFFERS').length >= 1);
  s1.reader.close();
  await settle(c);
  const fw = c.framework(s1.frameworkId)!;
  assert.equal(fw.connected, false);
  assert.equal(fw.active, false);
  assert.equal(fw.offers.size, 0, 'offers rescinded');
  assert.equal(c.task(s1.frameworkId, 't1')!.state, 'TASK_RUNNING', 'the task keeps running');
  c.sendTaskUpdate(s1.frameworkId, 't1', 'TASK_FINISHED');
  await settle(c);
  assert.equal(c.task(s1.frameworkId, 't1')!.state, 'TASK_FINISHED', 'task.state follows the agent');
  const fwEvents = c.history.findEvents({ frameworkId: s1.frameworkId, type: 'UPDATE', state: 'TASK_FINISHED', delivered: true });
  assert.equal(fwEvents.length, 0, 'not forwarded while disconnected');
  const s2 = await sub(t, c, frameworkInfo({ id: { value: s1.frameworkId } }));
  await settle(c);
  assert.equal(updates(s2, 't1').length, 0, 'nothing until the agent retries');
  await c.advance(10_000);
  const fin = await waitUpdate(s2, 't1', 'TASK_FINISHED');
  assert.ok(fin.uuid, 'the retried agent update is reliable');
});

test('re-subscription before expiry cancels removal and updates reregistered_time', async (t) => {
  const c = await startCluster(t);
  const s1 = await sub(t, c, frameworkInfo({ failover_timeout: 60 }));
  const registered = c.framework(s1.frameworkId)!.registeredTime;
  s1.reader.close();
  await settle(c);
  await c.advance(30_000);
  await sub(t, c, frameworkInfo({ id: { value: s1.frameworkId }, failover_timeout: 60 }));
  await c.advance(45_000); // past the first timer's deadline
  const fw = c.framework(s1.frameworkId)!;
  assert.ok(fw, 'not removed');
  assert.equal(fw.connected, true);
  assert.ok(fw.reregisteredTime > registered);
  const state = JSON.parse((await (await fetch(`${c.leaderUrl}/master/state`)).text())) as { frameworks: Array<{ registered_time: number; reregistered_time?: number }> };
  assert.equal(state.frameworks[0]!.reregistered_time, fw.reregisteredTime / 1000);
});

test('failover_timeout expiry: tasks TASK_KILLED/REASON_FRAMEWORK_REMOVED with no update, completed_frameworks, FRAMEWORK_REMOVED, later SUBSCRIBE → removed', async (t) => {
  const c = await startCluster(t);
  const op = await openStream(c.leaderUrl!, { type: 'SUBSCRIBE' }, undefined, '/api/v1');
  t.after(() => op.close());
  const s1 = await sub(t, c, frameworkInfo({ failover_timeout: 120 }));
  await runTask(s1, 't1');
  s1.reader.close();
  await settle(c);
  const before = c.history.events.length;
  await c.advance(119_000);
  assert.ok(c.framework(s1.frameworkId));
  await c.advance(1_000);
  assert.equal(c.framework(s1.frameworkId), undefined);
  const done = c.completedFrameworks().find((f) => f.id === s1.frameworkId)!;
  assert.ok(done.unregisteredTime);
  const killed = done.completedTasks.find((x) => x.info.task_id.value === 't1')!;
  assert.equal(killed.state, 'TASK_KILLED');
  assert.equal(killed.statuses.at(-1)!.reason, 'REASON_FRAMEWORK_REMOVED');
  assert.equal(killed.statuses.at(-1)!.message, `Framework ${s1.frameworkId} removed`);
  assert.equal(c.history.events.slice(before).filter((e) => e.type === 'UPDATE').length, 0, 'no update sent');
  await op.until('FRAMEWORK_REMOVED', (e) => e.some((x) => (x.type as string) === 'FRAMEWORK_REMOVED'));
  const tasks = JSON.parse((await operatorCall(c.leaderUrl!, 'GET_TASKS')).body) as { get_tasks: { completed_tasks: Array<{ state: string }> } };
  assert.equal(tasks.get_tasks.completed_tasks[0]!.state, 'TASK_KILLED');
  const again = await openStream(c.leaderUrl!, subscribeCall(frameworkInfo({ id: { value: s1.frameworkId } })));
  await again.waitEnded();
  assert.equal(again.events[0]!.error!.message, 'Framework has been removed');
});

test('failover_timeout=0 removes the framework as soon as it disconnects; completed_frameworks is capped at 50', async (t) => {
  const c = await startCluster(t, { agents: 0 });
  const ids: string[] = [];
  for (let i = 0; i < 52; i++) {
    const s = await sub(t, c, frameworkInfo({ failover_timeout: 0 }));
    ids.push(s.frameworkId);
    s.reader.close();
  }
  await settle(c);
  await c.advance(0);
  assert.equal(c.frameworks().length, 0);
  assert.equal(c.completedFrameworks().length, 50);
  assert.equal(c.completedFrameworks()[0]!.id, ids[2]);
});

test('TEARDOWN removes at once and closes the stream without ERROR', async (t) => {
  const c = await startCluster(t);
  const s = await sub(t, c);
  await runTask(s, 't1');
  const n = s.reader.events.length;
  assert.equal((await s.call('TEARDOWN')).status, 202);
  await s.reader.waitEnded();
  assert.equal(s.reader.events.slice(n).filter((e) => e.type === 'ERROR').length, 0);
  assert.equal(c.completedFrameworks()[0]!.completedTasks[0]!.state, 'TASK_KILLED');
  assert.equal(c.agents.some((a) => a.framework(s.frameworkId)), false, 'agents shut the framework down');
});

test('heartbeats: one right after SUBSCRIBED, then every interval (virtual clock); restarts on re-subscription', async (t) => {
  const c = await startCluster(t, { heartbeatSeconds: 15 });
  const s = await sub(t, c);
  await s.reader.until('first heartbeat', (e) => e[1]?.type === 'HEARTBEAT');
  await settle(c);
  const count = (): number => s.reader.ofType('HEARTBEAT').length;
  assert.equal(count(), 1);
  await c.advance(14_999);
  await settle(c);
  assert.equal(count(), 1);
  await c.advance(1);
  await s.reader.until('second heartbeat', () => count() === 2);
  await c.advance(30_000);
  await s.reader.until('two more heartbeats', () => count() === 4);
});

test('partition mode: the stream stays open but nothing more arrives; calls still work', async (t) => {
  const c = await startCluster(t, { heartbeatSeconds: 5 });
  const s = await sub(t, c);
  await s.reader.until('heartbeat', (e) => e[1]?.type === 'HEARTBEAT');
  await settle(c);
  c.partitionFrameworkStream(s.frameworkId);
  const n = s.reader.events.length;
  await c.advance(60_000);
  await settle(c);
  assert.equal(s.reader.events.length, n);
  assert.equal(s.reader.ended, false);
  assert.equal(c.framework(s.frameworkId)!.connected, true);
  assert.ok(c.history.findEvents({ frameworkId: s.frameworkId, type: 'HEARTBEAT' }).some((e) => e.dropped === 'partitioned'));
  assert.equal((await s.call('REVIVE')).status, 202);
});

test('UPDATE_FRAMEWORK: 200 updates failover_timeout/roles; 400 on user/checkpoint change or id mismatch', async (t) => {
  const c = await startCluster(t);
  const s = await sub(t, c, frameworkInfo({ failover_timeout: 10 }));
  const info = { ...c.framework(s.frameworkId)!.info };
  const ok = await s.call('UPDATE_FRAMEWORK', { update_framework: { framework_info: { ...info, failover_timeout: 77, roles: ['*', 'web'] } } });
  assert.equal(ok.status, 200);
  assert.equal(c.framework(s.frameworkId)!.info.failover_timeout, 77);
  const user = await s.call('UPDATE_FRAMEWORK', { update_framework: { framework_info: { ...info, user: 'mallory' } } });
  assert.equal(user.status, 400);
  assert.equal(user.body, `Updating 'FrameworkInfo.user' is unsupported; attempted to update from 'root' to 'mallory'`);
  const cp = await s.call('UPDATE_FRAMEWORK', { update_framework: { framework_info: { ...info, checkpoint: false } } });
  assert.equal(cp.status, 400);
  const mism = await s.call('UPDATE_FRAMEWORK', { update_framework: { framework_info: { ...info, id: { value: 'other' } } } });
  assert.equal(mism.status, 400);
  assert.equal(mism.body, "Failed to validate scheduler::Call: 'framework_id' differs from 'update_framework.framework_info.id'");
});
