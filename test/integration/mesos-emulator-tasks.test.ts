// Conformance: offers, launches, reliable updates and acks, reconciliation, agents
// (reference §1.7, §1.8, §1.10, §2; checklist "Offers", "Updates and acks", "Reconciliation", "Agents").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameworkInfo } from '../helpers/mesos-emulator-http.js';
import { startCluster, sub, nextOffer, launch, task, updates, waitUpdate, ack, runTask, settle } from '../helpers/mesos-emulator-fixture.js';

const NON_PA = { capabilities: [{ type: 'MULTI_ROLE' as const }] };

test('OFFERS carry executor_ids of this framework on that agent, allocation_info role, agent hostname', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const s = await sub(t, c);
  const ex = { executor_id: { value: 'k8sm-exec-abc' }, command: { value: './executor' }, resources: [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.1 } }] };
  await runTask(s, 't1', { command: undefined, executor: ex });
  const n = s.reader.events.length;
  assert.equal((await s.call('REVIVE')).status, 202);
  const offer = await nextOffer(s, n);
  assert.deepEqual(offer.executor_ids, [{ value: 'k8sm-exec-abc' }]);
  assert.deepEqual(offer.allocation_info, { role: '*' });
  assert.equal(offer.hostname, c.agents[0]!.hostname);
  assert.ok(offer.resources.every((r) => r.allocation_info?.role === '*'));
});

test('refuse_seconds: default 5 s, capped at 365 days, negative → default; REVIVE clears filters', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const s = await sub(t, c);
  const offers = (): number => s.reader.ofType('OFFERS').length;
  let o = await nextOffer(s);
  await s.call('DECLINE', { decline: { offer_ids: [o.id] } });
  await settle(c);
  await c.advance(4_999);
  await settle(c);
  assert.equal(offers(), 1, 'filtered for 5 s by default');
  await c.advance(1);
  await s.reader.until('re-offer after 5 s', () => offers() === 2);
  o = s.reader.ofType('OFFERS')[1]!.offers!.offers[0]!;
  await s.call('DECLINE', { decline: { offer_ids: [o.id], filters: { refuse_seconds: -3 } } });
  await settle(c);
  await c.advance(5_000);
  await s.reader.until('negative → default 5 s', () => offers() === 3);
  o = s.reader.ofType('OFFERS')[2]!.offers!.offers[0]!;
  await s.call('DECLINE', { decline: { offer_ids: [o.id], filters: { refuse_seconds: 1e12 } } });
  await settle(c);
  const f = c.framework(s.frameworkId)!.filters.get(o.agent_id.value)![0]!;
  assert.equal(f.until - c.clock.now(), 365 * 86400 * 1000, 'capped at 365 days');
  // REVIVE with the doc's wrong "role" key (ignored → all roles) clears the filter.
  await s.call('REVIVE', { revive: { role: 'web' } });
  await s.reader.until('offer after REVIVE', () => offers() === 4);
});

test('SUPPRESS stops offers; REVIVE resumes them', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const s = await sub(t, c);
  const o = await nextOffer(s);
  await s.call('SUPPRESS', { suppress: { roles: [] } });
  await s.call('DECLINE', { decline: { offer_ids: [o.id], filters: { refuse_seconds: 1 } } });
  await settle(c);
  await c.advance(10_000);
  await settle(c);
  assert.equal(s.reader.ofType('OFFERS').length, 1);
  await s.call('REVIVE', { revive: { roles: ['*'] } });
  await s.reader.until('offer after revive', () => s.reader.ofType('OFFERS').length === 2);
});

test('RESCIND on offer_timeout, on agent removal, and on deactivation', async (t) => {
  const c = await startCluster(t, { agents: 2, offerTimeoutMs: 30_000 });
  const s = await sub(t, c);
  await s.reader.until('two offers', () => s.reader.ofType('OFFERS').flatMap((e) => e.offers!.offers).length === 2);
  const [o1, o2] = s.reader.ofType('OFFERS').flatMap((e) => e.offers!.offers);
  c.markAgentUnreachable(o1!.agent_id.value);
  await s.reader.until('rescind on agent removal', () => s.reader.ofType('RESCIND').some((e) => e.rescind!.offer_id.value === o1!.id.value));
  await c.advance(30_000);
  await s.reader.until('rescind on offer timeout', () => s.reader.ofType('RESCIND').some((e) => e.rescind!.offer_id.value === o2!.id.value));
  // Deactivation (the stream closes): outstanding offers are rescinded (the RESCIND goes to a closed stream).
  await s.reader.until('fresh offer', () => s.reader.ofType('OFFERS').length >= 2);
  const o3 = s.reader.ofType('OFFERS').at(-1)!.offers!.offers[0]!;
  s.reader.close();
  await settle(c);
  assert.equal(c.framework(s.frameworkId)!.offers.size, 0);
  const rec = c.history.findEvents({ frameworkId: s.frameworkId, type: 'RESCIND' }).find((e) => e.offerIds?.[0] === o3.id.value);
  assert.equal(rec?.dropped, 'closed');
});

test('ACCEPT of an invalid or rescinded offer → TASK_LOST (non-PA) / TASK_DROPPED (PA), REASON_INVALID_OFFERS, no uuid', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  for (const [info, state] of [[frameworkInfo(), 'TASK_DROPPED'], [frameworkInfo(NON_PA), 'TASK_LOST']] as const) {
    const s = await sub(t, c, info);
    const o = await nextOffer(s);
    await launch(s, { ...o, id: { value: 'no-such-offer' } }, [task('bad', o.agent_id.value)]);
    const u = await waitUpdate(s, 'bad', state);
    assert.equal(u.reason, 'REASON_INVALID_OFFERS');
    assert.equal(u.source, 'SOURCE_MASTER');
    assert.equal(u.message, 'Task launched with invalid offers: Offer no-such-offer is no longer valid');
    assert.equal(u.uuid, undefined);
    // Each offer id only once: the second use of a consumed offer is invalid too.
    await launch(s, o, [task('ok', o.agent_id.value)]);
    await launch(s, o, [task('twice', o.agent_id.value)]);
    await waitUpdate(s, 'twice', state);
    await s.call('TEARDOWN');
  }
});

test('LAUNCH validation: ExecutorInfo mismatching a running executor → TASK_ERROR / REASON_TASK_INVALID; duplicates, no resources', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const s = await sub(t, c);
  const ex = { executor_id: { value: 'exec-1' }, command: { value: './executor --hash=A' } };
  await runTask(s, 't1', { command: undefined, executor: ex });
  await s.call('REVIVE');
  const o = await nextOffer(s, s.reader.events.length - 1);
  await launch(s, o, [task('t2', o.agent_id.value, { command: undefined, executor: { ...ex, command: { value: './executor --hash=B' } } }), task('t1', o.agent_id.value), task('t3', o.agent_id.value, { resources: [] })]);
  const e2 = await waitUpdate(s, 't2', 'TASK_ERROR');
  assert.equal(e2.reason, 'REASON_TASK_INVALID');
  assert.match(e2.message!, /^ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID/);
  assert.equal(e2.uuid, undefined);
  assert.equal((await waitUpdate(s, 't1', 'TASK_ERROR')).message, 'Task has duplicate ID: t1');
  assert.equal((await waitUpdate(s, 't3', 'TASK_ERROR')).message, 'Task uses no resources');
});

test('agent updates: 16-byte uuid, one outstanding per task, in order, retried until acked (10 s doubling)', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const s = await sub(t, c);
  const o = await nextOffer(s);
  await launch(s, o, [task('t1', o.agent_id.value)]);
  const st = await waitUpdate(s, 't1', 'TASK_STARTING');
  assert.equal(Buffer.from(st.uuid!, 'base64').length, 16);
  await settle(c);
  assert.deepEqual(updates(s, 't1').map((u) => u.state), ['TASK_STARTING'], 'RUNNING waits for the STARTING ack');
  await c.advance(10_000);
  await s.reader.until('first retry', () => updates(s, 't1').length === 2);
  await c.advance(19_999);
  await settle(c);
  assert.equal(updates(s, 't1').length, 2, 'next retry after 20 s');
  await c.advance(1);
  await s.reader.until('second retry', () => updates(s, 't1').length === 3);
  assert.ok(updates(s, 't1').every((u) => u.uuid === st.uuid && u.state === 'TASK_STARTING'));
  assert.equal(await ack(s, st), 202);
  const run = await waitUpdate(s, 't1', 'TASK_RUNNING');
  assert.notEqual(run.uuid, st.uuid);
  assert.equal(c.task(s.frameworkId, 't1')!.statusUpdateState, 'TASK_RUNNING');
});

test('ACKNOWLEDGE: uuid not 16 bytes → 400; unknown agent → dropped with 202; terminal ack moves the task to completed', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const s = await sub(t, c);
  const agentId = await runTask(s, 't1');
  const bad = await s.call('ACKNOWLEDGE', { acknowledge: { agent_id: { value: agentId }, task_id: { value: 't1' }, uuid: Buffer.alloc(8).toString('base64') } });
  assert.equal(bad.status, 400);
  assert.match(bad.body, /^Failed to validate scheduler::Call: /);
  const unknownAgent = await s.call('ACKNOWLEDGE', { acknowledge: { agent_id: { value: 'nope' }, task_id: { value: 't1' }, uuid: Buffer.alloc(16).toString('base64') } });
  assert.equal(unknownAgent.status, 202);
  c.sendTaskUpdate(s.frameworkId, 't1', 'TASK_FINISHED');
  const fin = await waitUpdate(s, 't1', 'TASK_FINISHED');
  await settle(c);
  assert.ok(c.task(s.frameworkId, 't1'), 'terminal but unacked: still known');
  assert.equal(await ack(s, fin), 202);
  await settle(c);
  assert.equal(c.task(s.frameworkId, 't1'), undefined);
  assert.equal(c.framework(s.frameworkId)!.completedTasks.at(-1)!.info.task_id.value, 't1');
});

test('ACKNOWLEDGE naming another agent than the task\'s removes nothing: the master looks the task up on the named agent', async (t) => {
  const c = await startCluster(t, { agents: 2 });
  const s = await sub(t, c);
  const agentId = await runTask(s, 't1');
  const other = c.agents.find((a) => a.id !== agentId)!.id;
  c.sendTaskUpdate(s.frameworkId, 't1', 'TASK_FINISHED');
  const fin = await waitUpdate(s, 't1', 'TASK_FINISHED');
  const wrong = await s.call('ACKNOWLEDGE', { acknowledge: { agent_id: { value: other }, task_id: fin.task_id, uuid: fin.uuid } });
  assert.equal(wrong.status, 202);
  await settle(c);
  assert.ok(c.task(s.frameworkId, 't1'), 'still known to the master');
  assert.ok(c.agent(agentId)!.framework(s.frameworkId)?.tasks.get('t1'), 'its agent still holds the unacknowledged update');
  assert.equal(await ack(s, fin), 202);
  await settle(c);
  assert.equal(c.task(s.frameworkId, 't1'), undefined, 'the right ack removes it');
});

test('KILL for a task on a disconnected agent is kept and re-sent when the agent comes back (Master::kill)', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const s = await sub(t, c);
  const agentId = await runTask(s, 't1');
  await ack(s, await waitUpdate(s, 't1', 'TASK_RUNNING'));
  c.partitionAgent(agentId); // checkpointing framework: the task stays, the agent is disconnected
  assert.equal((await s.call('KILL', { kill: { task_id: { value: 't1' }, agent_id: { value: agentId } } })).status, 202);
  await settle(c);
  assert.equal(c.task(s.frameworkId, 't1')?.state, 'TASK_RUNNING', 'nothing can reach the agent meanwhile');
  c.healAgent(agentId);
  await waitUpdate(s, 't1', 'TASK_KILLED');
});

test('implicit reconciliation: one UPDATE per task in framework.tasks (not unreachable/completed), master source, REASON_RECONCILIATION, no uuid, status_update_state', async (t) => {
  const c = await startCluster(t, { agents: 2 });
  const s = await sub(t, c);
  const a1 = await runTask(s, 't1');
  c.sendTaskUpdate(s.frameworkId, 't1', 'TASK_FINISHED');
  const fin = await waitUpdate(s, 't1', 'TASK_FINISHED');
  await ack(s, fin); // t1 completed
  await s.call('REVIVE');
  const a2 = await runTask(s, 't2', {}, s.reader.events.length - 1);
  const seeded = c.seedTasks(s.frameworkId, 3, { agentIds: [a1] });
  void a2;
  const n = s.reader.events.length;
  assert.equal((await s.call('RECONCILE', { reconcile: {} })).status, 202);
  await s.reader.until('4 answers', () => s.reader.events.slice(n).filter((e) => e.type === 'UPDATE').length === 4);
  const ans = s.reader.events.slice(n).filter((e) => e.type === 'UPDATE').map((e) => e.update!.status);
  assert.deepEqual(ans.map((a) => a.task_id.value).sort(), [...seeded, 't2'].sort());
  for (const a of ans) {
    assert.equal(a.source, 'SOURCE_MASTER');
    assert.equal(a.reason, 'REASON_RECONCILIATION');
    assert.equal(a.uuid, undefined);
    assert.equal(a.state, 'TASK_RUNNING');
    assert.equal(a.message, 'Reconciliation: Latest task state');
  }
  // status_update_state lags task.state: the master reports the latest update the agent sent.
  await s.call('REVIVE');
  const o = await nextOffer(s, s.reader.events.length - 1);
  await launch(s, o, [task('t3', o.agent_id.value)]);
  await waitUpdate(s, 't3', 'TASK_STARTING'); // not acked: RUNNING is queued on the agent
  await settle(c);
  const m = s.reader.events.length;
  await s.call('RECONCILE', { reconcile: { tasks: [{ task_id: { value: 't3' } }] } });
  await s.reader.until('answer', () => s.reader.events.length > m);
  assert.equal(s.reader.events[m]!.update!.status.state, 'TASK_STARTING');
});

test('explicit reconciliation: the §2.2 matrix in order, PA vs non-PA, silence for recovered agents; acked terminal tasks are unknown', async (t) => {
  const c = await startCluster(t, { agents: 4 });
  const [A, B, C, D] = c.agents.map((a) => a.id) as [string, string, string, string];
  const run = async (info: ReturnType<typeof frameworkInfo>): Promise<Record<string, string>> => {
    const s = await sub(t, c, info);
    c.seedTasks(s.frameworkId, 1, { agentIds: [A], prefix: 'known-' });
    const n = s.reader.events.length;
    const entries = [
      { task_id: { value: 'known-0' }, agent_id: { value: A } },
      { task_id: { value: 'x-registered' }, agent_id: { value: A } },
      { task_id: { value: 'x-unreachable' }, agent_id: { value: B } },
      { task_id: { value: 'x-gone' }, agent_id: { value: C } },
      { task_id: { value: 'x-unknown-agent' }, agent_id: { value: 'nope' } },
      { task_id: { value: 'x-no-agent' } },
    ];
    await s.call('RECONCILE', { reconcile: { tasks: entries } });
    await s.reader.until('6 answers', () => s.reader.events.slice(n).filter((e) => e.type === 'UPDATE').length === 6);
    const out: Record<string, string> = {};
    for (const e of s.reader.events.slice(n).filter((x) => x.type === 'UPDATE')) out[e.update!.status.task_id.value] = `${e.update!.status.state}|${e.update!.status.message}`;
    assert.deepEqual(
      s.reader.events.slice(n).filter((x) => x.type === 'UPDATE').map((e) => e.update!.status.task_id.value),
      entries.map((e) => e.task_id.value),
      'answers in request order',
    );
    return out;
  };
  c.markAgentUnreachable(B);
  c.markAgentGone(C);
  const pa = await run(frameworkInfo());
  assert.deepEqual(pa, {
    'known-0': 'TASK_RUNNING|Reconciliation: Latest task state',
    'x-registered': 'TASK_GONE|Reconciliation: Task is unknown to the agent',
    'x-unreachable': 'TASK_UNREACHABLE|Reconciliation: Task is unreachable',
    'x-gone': 'TASK_GONE_BY_OPERATOR|Reconciliation: Task is gone',
    'x-unknown-agent': 'TASK_UNKNOWN|Reconciliation: Task is unknown',
    'x-no-agent': 'TASK_UNKNOWN|Reconciliation: Task is unknown',
  });
  const npa = await run(frameworkInfo(NON_PA));
  assert.equal(npa['known-0'], 'TASK_RUNNING|Reconciliation: Latest task state');
  for (const k of ['x-registered', 'x-unreachable', 'x-gone', 'x-unknown-agent', 'x-no-agent']) assert.match(npa[k]!, /^TASK_LOST\|/);
  // Silence for a recovered agent after a master failover (D does not re-register), and for no agent_id.
  await c.failover({ reregister: [A] });
  await settle(c);
  const s = await sub(t, c, frameworkInfo());
  const n = s.reader.events.length;
  await s.call('RECONCILE', { reconcile: { tasks: [{ task_id: { value: 'q1' }, agent_id: { value: D } }, { task_id: { value: 'q2' } }, { task_id: { value: 'q3' }, agent_id: { value: A } }] } });
  await s.reader.until('one answer', () => s.reader.events.slice(n).some((e) => e.type === 'UPDATE'));
  await settle(c);
  const got = s.reader.events.slice(n).filter((e) => e.type === 'UPDATE').map((e) => e.update!.status.task_id.value);
  assert.deepEqual(got, ['q3']);
});

test('acked terminal tasks count as unknown for explicit reconciliation', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const s = await sub(t, c);
  const a = await runTask(s, 't1');
  c.sendTaskUpdate(s.frameworkId, 't1', 'TASK_FINISHED');
  await ack(s, await waitUpdate(s, 't1', 'TASK_FINISHED'));
  const n = s.reader.events.length;
  await s.call('RECONCILE', { reconcile: { tasks: [{ task_id: { value: 't1' }, agent_id: { value: a } }] } });
  await s.reader.until('answer', () => s.reader.events.length > n);
  assert.equal(s.reader.events[n]!.update!.status.state, 'TASK_GONE');
});

test('RECONCILE without `reconcile` → 400', async (t) => {
  const c = await startCluster(t);
  const s = await sub(t, c);
  const r = await s.call('RECONCILE');
  assert.equal(r.status, 400);
  assert.equal(r.body, "Failed to validate scheduler::Call: Expecting 'reconcile' to be present");
});

test('KILL of an unknown task → reconciliation answer; KILL with a mismatched agent → ignored; KILL kills', async (t) => {
  const c = await startCluster(t, { agents: 2 });
  const s = await sub(t, c);
  const a = await runTask(s, 't1');
  const other = c.agents.find((x) => x.id !== a)!.id;
  const n = s.reader.events.length;
  await s.call('KILL', { kill: { task_id: { value: 'ghost' }, agent_id: { value: a } } });
  const g = await waitUpdate(s, 'ghost', 'TASK_GONE');
  assert.equal(g.reason, 'REASON_RECONCILIATION');
  await s.call('KILL', { kill: { task_id: { value: 't1' }, agent_id: { value: other } } });
  await settle(c);
  assert.equal(updates(s, 't1').filter((u) => u.state === 'TASK_KILLED').length, 0);
  assert.equal(c.task(s.frameworkId, 't1')!.state, 'TASK_RUNNING');
  void n;
  await s.call('KILL', { kill: { task_id: { value: 't1' }, agent_id: { value: a } } });
  const k = await waitUpdate(s, 't1', 'TASK_KILLED');
  assert.ok(k.uuid);
});

test('agent loss: FAILURE{agent_id}, RESCINDs, UNREACHABLE (PA) / LOST (non-PA) with REASON_AGENT_REMOVED; gone by operator', async (t) => {
  const c = await startCluster(t, { agents: 2 });
  const pa = await sub(t, c, frameworkInfo());
  const np = await sub(t, c, frameworkInfo(NON_PA));
  const a = c.agents[0]!.id;
  c.seedTasks(pa.frameworkId, 1, { agentIds: [a], prefix: 'pa-' });
  c.seedTasks(np.frameworkId, 1, { agentIds: [a], prefix: 'np-' });
  c.markAgentUnreachable(a);
  const u1 = await waitUpdate(pa, 'pa-0', 'TASK_UNREACHABLE');
  assert.equal(u1.reason, 'REASON_AGENT_REMOVED');
  assert.ok(u1.unreachable_time);
  assert.equal(u1.uuid, undefined);
  const u2 = await waitUpdate(np, 'np-0', 'TASK_LOST');
  assert.equal(u2.reason, 'REASON_AGENT_REMOVED');
  for (const s of [pa, np]) await s.reader.until('FAILURE', () => s.reader.ofType('FAILURE').some((e) => e.failure!.agent_id?.value === a && !e.failure!.executor_id));
  assert.ok(c.framework(pa.frameworkId)!.unreachableTasks.has('pa-0'));
  const b = c.agents[1]!.id;
  c.seedTasks(pa.frameworkId, 1, { agentIds: [b], prefix: 'pb-' });
  c.seedTasks(np.frameworkId, 1, { agentIds: [b], prefix: 'nb-' });
  c.markAgentGone(b);
  assert.equal((await waitUpdate(pa, 'pb-0', 'TASK_GONE_BY_OPERATOR')).reason, 'REASON_AGENT_REMOVED_BY_OPERATOR');
  assert.equal((await waitUpdate(np, 'nb-0', 'TASK_LOST')).reason, 'REASON_AGENT_REMOVED_BY_OPERATOR');
});

test('executor exit → FAILURE{agent_id, executor_id, status} and its tasks fail', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const s = await sub(t, c);
  const a = await runTask(s, 't1', { command: undefined, executor: { executor_id: { value: 'e1' }, command: { value: './e' } } });
  c.killExecutor(a, s.frameworkId, 'e1', 137);
  await s.reader.until('FAILURE', () => s.reader.ofType('FAILURE').length > 0);
  assert.deepEqual(s.reader.ofType('FAILURE')[0]!.failure, { agent_id: { value: a }, executor_id: { value: 'e1' }, status: 137 });
  const f = await waitUpdate(s, 't1', 'TASK_FAILED');
  assert.equal(f.reason, 'REASON_EXECUTOR_TERMINATED');
});

test('disconnected agent: non-checkpointing tasks LOST at once; checkpointing ones see nothing until the 75 s health check', async (t) => {
  const c = await startCluster(t, { agents: 1 });
  const cp = await sub(t, c, frameworkInfo({ checkpoint: true }));
  const nc = await sub(t, c, frameworkInfo({ checkpoint: false }));
  const a = c.agents[0]!.id;
  c.seedTasks(cp.frameworkId, 1, { agentIds: [a], prefix: 'cp-' });
  c.seedTasks(nc.frameworkId, 1, { agentIds: [a], prefix: 'nc-' });
  c.partitionAgent(a);
  const lost = await waitUpdate(nc, 'nc-0', 'TASK_LOST');
  assert.equal(lost.reason, 'REASON_AGENT_DISCONNECTED');
  await c.advance(74_999);
  await settle(c);
  assert.equal(updates(cp, 'cp-0').length, 0);
  assert.equal(c.task(cp.frameworkId, 'cp-0')!.state, 'TASK_RUNNING');
  await c.advance(1);
  await waitUpdate(cp, 'cp-0', 'TASK_UNREACHABLE');
});

test('task lifecycle STAGING → STARTING → RUNNING with configurable delays; scripted failure of the next launch', async (t) => {
  const c = await startCluster(t, { agents: 1, taskTiming: { startingDelayMs: 1000, runningDelayMs: 2000 } });
  const s = await sub(t, c);
  const o = await nextOffer(s);
  await launch(s, o, [task('t1', o.agent_id.value)]);
  await settle(c);
  assert.equal(c.task(s.frameworkId, 't1')!.state, 'TASK_STAGING');
  await c.advance(1000);
  await ack(s, await waitUpdate(s, 't1', 'TASK_STARTING'));
  await c.advance(2000);
  await waitUpdate(s, 't1', 'TASK_RUNNING');
  c.failNextLaunch(o.agent_id.value, { state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED' });
  await s.call('REVIVE');
  const o2 = await nextOffer(s, s.reader.events.length - 1);
  await launch(s, o2, [task('t2', o2.agent_id.value)]);
  const f = await waitUpdate(s, 't2', 'TASK_FAILED');
  assert.equal(f.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
  assert.equal(f.source, 'SOURCE_AGENT');
  assert.ok(f.uuid);
});

test('roles and reservations: one offer per role, reserved resources only to their role; allocation info injected when missing, another role refused; the executor keeps its role; a wrong executor framework_id refused', async (t) => {
  // One agent: 1 cpu / 512 MB unreserved, 2 cpus / 1024 MB / ports reserved for "web" (agent --resources syntax).
  const c = await startCluster(t, { agents: [{ resources: 'cpus:1;mem:512;cpus(web):2;mem(web):1024;ports(web):[31000-31009]' }] });
  // A framework in "*" only never sees the web reservation.
  const plain = await sub(t, c, frameworkInfo({ name: 'plain' }));
  const o0 = await nextOffer(plain);
  assert.deepEqual(o0.allocation_info, { role: '*' });
  assert.deepEqual(o0.resources.map((r) => [r.name, r.scalar?.value, r.role, r.reservations]), [['cpus', 1, '*', undefined], ['mem', 512, '*', undefined]]);
  plain.reader.close(); // its offer goes back when it disconnects
  await settle(c);

  const s = await sub(t, c, frameworkInfo({ name: 'multi', roles: ['*', 'web'] }));
  await s.reader.until('two offers', () => s.reader.ofType('OFFERS').flatMap((e) => e.offers!.offers).length >= 2);
  const offers = s.reader.ofType('OFFERS').flatMap((e) => e.offers!.offers);
  const star = offers.find((o) => o.allocation_info?.role === '*')!;
  const web = offers.find((o) => o.allocation_info?.role === 'web')!;
  assert.ok(star && web, 'one offer per role');
  // "*" (first) takes the unreserved resources; "web" gets what is reserved for it — in the pre-refinement format
  // (the role in `role`, no `reservations`) since this framework lacks RESERVATION_REFINEMENT.
  assert.deepEqual(star.resources.map((r) => [r.name, r.scalar?.value, r.allocation_info?.role]), [['cpus', 1, '*'], ['mem', 512, '*']]);
  assert.deepEqual(web.resources.map((r) => [r.name, r.role, r.reservations, r.allocation_info]), [
    ['cpus', 'web', undefined, { role: 'web' }],
    ['mem', 'web', undefined, { role: 'web' }],
    ['ports', 'web', undefined, { role: 'web' }],
  ]);
  // Offers of two roles in one ACCEPT: refused as invalid offers.
  const both = await s.call('ACCEPT', { accept: { offer_ids: [star.id, web.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('t0', star.agent_id.value)] } }] } });
  assert.equal(both.status, 202);
  const t0 = await waitUpdate(s, 't0', 'TASK_DROPPED');
  assert.equal(t0.reason, 'REASON_INVALID_OFFERS');
  assert.match(t0.message!, /Aggregated offers must be allocated to the same role\. Offer .* uses role '(web|\*) but another is using role '(\*|web)/);

  await s.call('REVIVE');
  await s.reader.until('both offers again', () => {
    const os = s.reader.ofType('OFFERS').flatMap((e) => e.offers!.offers);
    return os.length >= 4;
  });
  const again = s.reader.ofType('OFFERS').flatMap((e) => e.offers!.offers).slice(2);
  const web2 = again.find((o) => o.allocation_info?.role === 'web')!;
  const reserved = (name: string, value: number) => ({ name, type: 'SCALAR' as const, scalar: { value }, role: 'web', reservations: [{ type: 'STATIC' as const, role: 'web' }] });
  const ex = { executor_id: { value: 'exec-web' }, command: { value: './executor' }, resources: [reserved('cpus', 0.25), reserved('mem', 32)] };
  const agent = web2.agent_id.value;
  await launch(s, web2, [
    // No allocation info anywhere: the master injects the offer's role into task and executor resources.
    task('w1', agent, { resources: [reserved('cpus', 0.5), reserved('mem', 64)], command: undefined, executor: ex }),
    // Allocated to another role than the offer's: not covered by the offer.
    task('w2', agent, { resources: [{ ...reserved('cpus', 0.5), allocation_info: { role: '*' } }] }),
    // Two allocation roles in one task.
    task('w3', agent, { resources: [{ ...reserved('cpus', 0.1), allocation_info: { role: 'web' } }, { ...reserved('mem', 16), allocation_info: { role: '*' } }] }),
    // Unreserved resources from an offer that holds only reserved ones.
    task('w4', agent, { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }] }),
    // An executor whose resources are allocated to two roles.
    task('w7', agent, { resources: [reserved('cpus', 0.1)], command: undefined, executor: { ...ex, executor_id: { value: 'exec-y' }, resources: [{ ...reserved('cpus', 0.1), allocation_info: { role: 'web' } }, { ...reserved('mem', 16), allocation_info: { role: '*' } }] } }),
    // An executor claiming another framework.
    task('w5', agent, { resources: [reserved('cpus', 0.1)], command: undefined, executor: { ...ex, executor_id: { value: 'exec-x' }, framework_id: { value: 'someone-else' } } }),
  ]);
  await ack(s, await waitUpdate(s, 'w1', 'TASK_STARTING'));
  await waitUpdate(s, 'w1', 'TASK_RUNNING');
  const w1 = c.task(s.frameworkId, 'w1')!;
  assert.ok(w1.info.resources.every((r) => r.allocation_info?.role === 'web'), 'task resources allocated to the offer role');
  assert.ok(w1.info.executor!.resources!.every((r) => r.allocation_info?.role === 'web'), 'executor resources too');
  assert.deepEqual(w1.info.executor!.framework_id, { value: s.frameworkId }, 'a missing executor framework_id is filled in');
  assert.match((await waitUpdate(s, 'w2', 'TASK_ERROR')).message!, /^Total resources cpus\(allocated: \*\)\(reservations: \[\(STATIC,web\)\]\):0\.5 required by task and its executor is more than available /);
  assert.equal((await waitUpdate(s, 'w3', 'TASK_ERROR')).message, "Invalid task resources: The resources have multiple allocation roles ('*' and 'web') but only one allocation role is allowed");
  assert.match((await waitUpdate(s, 'w4', 'TASK_ERROR')).message!, /^Total resources cpus\(allocated: web\):0\.1 required by task and its executor is more than available cpus\(allocated: web\)\(reservations: \[\(STATIC,web\)\]\):/);
  assert.equal((await waitUpdate(s, 'w5', 'TASK_ERROR')).message, `ExecutorInfo has an invalid FrameworkID (Actual: someone-else vs Expected: ${s.frameworkId})`);
  assert.equal((await waitUpdate(s, 'w7', 'TASK_ERROR')).message, "Invalid executor resources: The resources have multiple allocation roles ('*' and 'web') but only one allocation role is allowed");
  // The executor now serves "web" on this agent: the same ExecutorInfo launched from a "*" offer differs in its
  // (injected) allocation info, and Mesos refuses it as incompatible.
  const star3 = again.find((o) => o.allocation_info?.role === '*')!; // still outstanding
  const plainEx = { ...ex, resources: [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.25 } }, { name: 'mem', type: 'SCALAR' as const, scalar: { value: 32 } }] };
  await launch(s, star3, [task('w6', agent, { command: undefined, executor: plainEx })]);
  assert.match((await waitUpdate(s, 'w6', 'TASK_ERROR')).message!, /^ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID/);
});

test('DECLINE handles each offer on its own: offers of two roles in one call are declined, with a refuse filter per role', async (t) => {
  const c = await startCluster(t, { agents: [{ resources: 'cpus:1;mem:512;cpus(web):2;mem(web):1024' }] });
  const s = await sub(t, c, frameworkInfo({ name: 'multi', roles: ['*', 'web'] }));
  await s.reader.until('two offers', () => s.reader.ofType('OFFERS').flatMap((e) => e.offers!.offers).length >= 2);
  const [a, b] = s.reader.ofType('OFFERS').flatMap((e) => e.offers!.offers);
  assert.notEqual(a!.allocation_info?.role, b!.allocation_info?.role);
  assert.equal((await s.call('DECLINE', { decline: { offer_ids: [a!.id, b!.id, { value: 'no-such-offer' }], filters: { refuse_seconds: 60 } } })).status, 202);
  await settle(c);
  const fw = c.framework(s.frameworkId)!;
  assert.ok(![a!.id.value, b!.id.value].some((id) => fw.offers.has(id)), 'both declined (an unknown offer id is ignored)');
  assert.deepEqual((fw.filters.get(a!.agent_id.value) ?? []).map((f) => f.role).sort(), ['*', 'web']);
  // Filters are per role: with "*" filtered, the unreserved resources may go to "web" — an offer the web filter
  // (reserved resources only) does not cover. Nothing is re-offered to "*", nor to "web" without more than it had.
  const after = s.reader.ofType('OFFERS').flatMap((e) => e.offers!.offers).slice(2);
  for (const o of after) {
    assert.equal(o.allocation_info?.role, 'web');
    assert.ok(o.resources.some((r) => r.role === '*' && r.name === 'cpus'), 'a web offer again only with the unreserved resources added');
  }
  // REVIVE clears both filters.
  await s.call('REVIVE');
  await settle(c);
  assert.equal(fw.filters.get(a!.agent_id.value), undefined);
});
