// The leader term when an etcd write fails after SUBSCRIBED or while recording updates: it must neither stall (a
// subscribed leader that never reconciles or launches) nor lose a reconciliation answer. Driven through the term's
// own handlers with a scripted writer and Mesos client; no etcd, no master.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaderTerm, type LeaderTermDeps, type LeaderWriter, type TermContext } from '../../src/scheduler/leader-term.js';
import { TaskRegistry } from '../../src/scheduler/registry.js';
import { SchedulerMetrics } from '../../src/scheduler/metrics.js';
import { IdleTaskManager, type LeaderServices } from '../../src/scheduler/task-manager.js';
import { silentLogger } from '../../src/util/log.js';
import type { ExecutorHashRecord } from '../../src/api/leader-status.js';
import type { TaskRecord } from '../../src/scheduler/task-record.js';
import type { TxnRequest, TxnResult } from '../../src/election/index.js';
import type { SubscribedInfo } from '../../src/mesos/scheduler-client.js';
import type { TaskStatus } from '../../src/mesos/types.js';
import { waitFor } from '../helpers/wait.js';

/** The term's private parts these tests drive (the same calls the Mesos client's events make). */
interface Internals {
  registry: TaskRegistry;
  frameworkId: string | undefined;
  storedHash: ExecutorHashRecord | undefined;
  mesos: unknown;
  state: string;
  problem: { reason: string; message: string } | undefined;
  startServices(): void;
  liveStream: string | undefined;
  offerStream: WeakMap<object, string | undefined>;
  manager: { onOffers(offers: unknown[]): Promise<void> };
  handleOffers(e: unknown): Promise<void>;
  onSubscribed(info: SubscribedInfo): Promise<void>;
  handleUpdates(statuses: TaskStatus[]): Promise<void>;
  statusRecord(): { reconciliation: { phase: string; remaining: number } };
}

const timeout = () => new Error('etcdserver: request timed out');

function makeTerm(writer: LeaderWriter, opts: { frameworkId?: string; storedHash?: string; tasks?: string[] } = {}) {
  const reconcileCalls: Array<string[] | 'implicit'> = [];
  const stepDowns: string[] = [];
  const deps = {
    config: { reconcileInitialBackoffSeconds: 0.02, reconcileMaxBackoffSeconds: 0.05, reconcileTimeoutSeconds: 5, reconcileIntervalSeconds: 0, mesosRoles: ['*'], frameworkName: 'k' },
    client: {},
    keys: { frameworkId: '/k/frameworkid', executorHash: '/k/executor-hash', leaderStatus: '/k/status', resetFramework: '/k/reset' },
    detector: {},
    identity: { id: 'r0' },
    executor: { hash: 'mine', inputs: [] },
    metrics: new SchedulerMetrics({ framework: 'k' }),
    logger: silentLogger,
    taskManager: (svc: LeaderServices) => new IdleTaskManager(svc),
    statusIntervalMs: 100_000,
  } as unknown as LeaderTermDeps;
  const ctx: TermContext = { term: '42', writer, isLeader: () => true, stepDown: (r) => void stepDowns.push(r), startedAt: 0 };
  const metrics = (deps as { metrics: SchedulerMetrics }).metrics;
  const lt = new LeaderTerm(deps, ctx);
  const x = lt as unknown as Internals;
  const now = new Date().toISOString();
  const records = (opts.tasks ?? ['t1']).map((id): TaskRecord => ({ id, agentId: 'S1', state: 'TASK_RUNNING', createdAt: now, updatedAt: now }));
  x.registry = TaskRegistry.fromRecords('/k/tasks/', '1', records);
  x.frameworkId = opts.frameworkId;
  x.storedHash = opts.storedHash ? { hash: opts.storedHash, inputs: [], at: now } : undefined;
  x.mesos = {
    reconcile: async (tasks: Array<{ task_id: string }>) => void reconcileCalls.push(tasks.length ? tasks.map((t) => t.task_id) : 'implicit'),
    acknowledge: async () => undefined,
    stop: async () => undefined,
  };
  x.startServices();
  return { lt, x, reconcileCalls, stepDowns, metrics };
}

const subscribed = (frameworkId: string): SubscribedInfo => ({ frameworkId, masterUrl: 'http://m:5050', streamId: 's', heartbeatIntervalSeconds: 15 }) as SubscribedInfo;

test('a failed write after SUBSCRIBED is retried: the leader goes on to reconcile instead of stalling', async (t) => {
  let puts = 0;
  const writer: LeaderWriter = {
    txn: async () => ({ succeeded: true, revision: '2', results: [] }),
    put: async () => {
      if (++puts <= 2) throw timeout();
      return undefined;
    },
  };
  // A sanctioned executor-hash change: SUBSCRIBED writes the new hash.
  const { lt, x, reconcileCalls } = makeTerm(writer, { frameworkId: 'F1', storedHash: 'theirs' });
  t.after(() => lt.stop());
  await x.onSubscribed(subscribed('F1'));
  assert.equal(puts, 3, 'the executor-hash write was retried until it succeeded');
  assert.equal(x.state, 'subscribed');
  assert.equal(x.problem, undefined, 'the write problem is cleared once it succeeded');
  await waitFor('reconciliation of the live task', () => reconcileCalls.some((c) => c !== 'implicit' && c.includes('t1')), { timeoutMs: 5000 });
});

test('a new framework id whose create-if-absent answer was lost is no conflict: the retry finds our own id', async (t) => {
  let txns = 0;
  const writer: LeaderWriter = {
    txn: async (req: TxnRequest): Promise<TxnResult> => {
      txns++;
      // The first attempt commits, but its answer is lost (a timeout); the retry's compare fails on our own id.
      if (txns === 1) throw timeout();
      if (req.compare?.length) return { succeeded: false, revision: '3', results: [{ get: { kvs: [{ key: '/k/frameworkid', value: 'F-new', createRevision: '2', modRevision: '2', version: '1', lease: '0' }], count: 1, more: false } }] };
      return { succeeded: true, revision: '3', results: [] };
    },
    put: async () => undefined,
  };
  const { lt, x, stepDowns, reconcileCalls } = makeTerm(writer, { tasks: [] });
  t.after(() => lt.stop());
  await x.onSubscribed(subscribed('F-new'));
  assert.deepEqual(stepDowns, [], 'no FrameworkIdConflict step-down');
  assert.equal(x.frameworkId, 'F-new');
  assert.equal(x.state, 'subscribed');
  await waitFor('implicit reconciliation', () => reconcileCalls.includes('implicit'), { timeoutMs: 5000 });
});

test('another framework id stored meanwhile is still a conflict: the term steps down', async (t) => {
  const writer: LeaderWriter = {
    txn: async (): Promise<TxnResult> => ({ succeeded: false, revision: '3', results: [{ get: { kvs: [{ key: '/k/frameworkid', value: 'F-other', createRevision: '2', modRevision: '2', version: '1', lease: '0' }], count: 1, more: false } }] }),
    put: async () => undefined,
  };
  const { lt, x, stepDowns } = makeTerm(writer, { tasks: [] });
  t.after(() => lt.stop());
  await x.onSubscribed(subscribed('F-new'));
  assert.deepEqual(stepDowns, ['FrameworkIdConflict']);
  assert.equal(x.problem?.reason, 'FrameworkIdConflict');
});

test('a reconciliation answer lost to a failed registry write is asked for again, and recorded', async (t) => {
  let registryTxns = 0;
  const writer: LeaderWriter = {
    txn: async (req: TxnRequest): Promise<TxnResult> => {
      // The first registry write fails (the leader-status put does not count).
      const registryWrite = req.success?.some((op) => 'put' in op && op.put.key.startsWith('/k/tasks/'));
      if (registryWrite && ++registryTxns === 1) throw timeout();
      return { succeeded: true, revision: '5', results: [] };
    },
    put: async () => undefined,
  };
  const { lt, x, reconcileCalls } = makeTerm(writer, { frameworkId: 'F1', storedHash: 'mine' });
  t.after(() => lt.stop());
  const answered: string[] = [];
  // The master answers each explicit request for t1 with TASK_LOST (master-generated: no uuid, never re-sent).
  x.mesos = {
    reconcile: async (tasks: Array<{ task_id: string }>) => {
      reconcileCalls.push(tasks.length ? tasks.map((t) => t.task_id) : 'implicit');
      if (!tasks.length) return;
      answered.push('t1');
      setTimeout(() => void x.handleUpdates([{ task_id: { value: 't1' }, agent_id: { value: 'S1' }, state: 'TASK_LOST', source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' } as TaskStatus]), 1);
    },
    acknowledge: async () => undefined,
    stop: async () => undefined,
  };
  await x.onSubscribed(subscribed('F1'));
  await waitFor('reconciliation complete', () => x.statusRecord().reconciliation.phase === 'complete', { timeoutMs: 5000 });
  assert.equal(registryTxns >= 2, true, 'the failed registry write happened, then one that succeeded');
  assert.ok(answered.length >= 2, `t1 was asked again after the lost answer (asked ${answered.length}×)`);
  assert.equal(x.registry.get('t1')?.state, 'TASK_LOST', 'the answer is in the registry');
});

test('a task the registry does not know is killed while Mesos reports it live, not while unreachable, and at most once per interval', async (t) => {
  const writer: LeaderWriter = { txn: async () => ({ succeeded: true, revision: '2', results: [] }), put: async () => undefined };
  const { lt, x } = makeTerm(writer, { frameworkId: 'F1', tasks: [] });
  t.after(() => lt.stop());
  const kills: string[] = [];
  (x.mesos as { kill: (id: string) => Promise<void> }).kill = async (id: string) => void kills.push(id);
  const update = (id: string, state: TaskStatus['state']) => ({ task_id: { value: id }, agent_id: { value: 'S1' }, state, source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' }) as TaskStatus;
  // The master answers a KILL of a task on an unreachable agent with that state again: no kill, so no loop.
  for (let i = 0; i < 5; i++) await x.handleUpdates([update('stray-u', 'TASK_UNREACHABLE'), update('stray-k', 'TASK_UNKNOWN')]);
  assert.deepEqual(kills, []);
  // A live one is killed, and repeated answers within the interval do not send more KILLs.
  for (let i = 0; i < 5; i++) await x.handleUpdates([update('stray-r', 'TASK_RUNNING')]);
  assert.deepEqual(kills, ['stray-r']);
});

test('a task the registry holds as ended that Mesos reports running is killed (LOST may come back: recorded instead)', async (t) => {
  const writer: LeaderWriter = { txn: async () => ({ succeeded: true, revision: '2', results: [] }), put: async () => undefined };
  const { lt, x } = makeTerm(writer, { frameworkId: 'F1', tasks: [] });
  t.after(() => lt.stop());
  const now = new Date().toISOString();
  x.registry = TaskRegistry.fromRecords('/k/tasks/', '1', [
    { id: 'gone', agentId: 'S1', state: 'TASK_GONE_BY_OPERATOR', createdAt: now, updatedAt: now },
    { id: 'killed', agentId: 'S1', state: 'TASK_KILLED', createdAt: now, updatedAt: now },
    { id: 'lost', agentId: 'S1', state: 'TASK_LOST', createdAt: now, updatedAt: now },
  ]);
  const kills: string[] = [];
  (x.mesos as { kill: (id: string) => Promise<void> }).kill = async (id: string) => void kills.push(id);
  const update = (id: string, state: TaskStatus['state']) => ({ task_id: { value: id }, agent_id: { value: 'S1' }, state, source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' }) as TaskStatus;
  await x.handleUpdates([update('gone', 'TASK_RUNNING'), update('killed', 'TASK_RUNNING'), update('lost', 'TASK_RUNNING'), update('killed', 'TASK_KILLED')]);
  assert.deepEqual(kills.sort(), ['gone', 'killed'], 'the operator (or an earlier kill) was wrong: they still run');
  assert.equal(x.registry.get('lost')!.state, 'TASK_RUNNING', 'a LOST task that comes back is recorded, not killed');
  assert.equal(x.registry.get('gone')!.state, 'TASK_GONE_BY_OPERATOR', 'an ended record is never revived');
});

test('a subscription that ends while its SUBSCRIBED is persisted stays disconnected: no "subscribed" claim, no reconciliation on it', async (t) => {
  let release: () => void = () => {};
  const blocked = new Promise<void>((r) => (release = r));
  const writer: LeaderWriter = {
    txn: async () => ({ succeeded: true, revision: '2', results: [] }),
    put: async () => {
      await blocked; // etcd slow: the executor-hash write waits
      return undefined;
    },
  };
  const { lt, x, reconcileCalls, metrics } = makeTerm(writer, { frameworkId: 'F1', storedHash: 'theirs' });
  t.after(() => lt.stop());
  const first = x.onSubscribed(subscribed('F1'));
  // The stream drops meanwhile: what the client's 'disconnected' event does to the term.
  x.liveStream = undefined;
  x.state = 'disconnected';
  release();
  await first;
  assert.equal(x.state, 'disconnected', 'the lost subscription is not reported as subscribed');
  assert.match(await metrics.registry.getSingleMetricAsString('schedulerha_framework_registered'), /^schedulerha_framework_registered\{[^}]*\} 0$/m);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(reconcileCalls.length, 0, 'no reconciliation on a stream that is gone');
  // The client re-subscribes (same id): that SUBSCRIBED is the live one.
  await x.onSubscribed({ ...subscribed('F1'), streamId: 's2' });
  assert.equal(x.state, 'subscribed');
  await waitFor('reconciliation on the new subscription', () => reconcileCalls.some((c) => c !== 'implicit' && c.includes('t1')), { timeoutMs: 5000 });
});

test('offers of an ended subscription are dropped, never answered on the next one', async (t) => {
  const writer: LeaderWriter = { txn: async () => ({ succeeded: true, revision: '2', results: [] }), put: async () => undefined };
  const { lt, x } = makeTerm(writer, { frameworkId: 'F1', storedHash: 'mine' });
  t.after(() => lt.stop());
  const answered: unknown[][] = [];
  x.manager.onOffers = async (offers) => void answered.push(offers);
  await x.onSubscribed({ ...subscribed('F1'), streamId: 's1' });
  const offers = (id: string) => ({ type: 'OFFERS', offers: { offers: [{ id: { value: id } }] } });
  const old = offers('o-old');
  x.offerStream.set(old, 's1');
  // Disconnected (offers of s1 are void at the master), then subscribed again as s2 before the queue reached them.
  x.liveStream = undefined;
  await x.onSubscribed({ ...subscribed('F1'), streamId: 's2' });
  const fresh = offers('o-new');
  x.offerStream.set(fresh, 's2');
  await x.handleOffers(old);
  await x.handleOffers(fresh);
  assert.deepEqual(answered.map((o) => (o[0] as { id: { value: string } }).id.value), ['o-new']);
});

test('task updates the registry cannot record: a problem and a metric while it lasts, cleared by the next write', async (t) => {
  let fail = true;
  const writer: LeaderWriter = {
    txn: async (req: TxnRequest): Promise<TxnResult> => {
      if (fail && req.success?.some((op) => 'put' in op && op.put.key.startsWith('/k/tasks/'))) throw new Error('etcdserver: request is too large');
      return { succeeded: true, revision: '5', results: [] };
    },
    put: async () => undefined,
  };
  const { lt, x, metrics } = makeTerm(writer, { frameworkId: 'F1', storedHash: 'mine' });
  t.after(() => lt.stop());
  await x.onSubscribed(subscribed('F1'));
  const failed: TaskStatus = { task_id: { value: 't1' }, agent_id: { value: 'S1' }, state: 'TASK_FAILED', source: 'SOURCE_EXECUTOR', uuid: 'dQ==' } as TaskStatus;
  await x.handleUpdates([failed]);
  assert.equal(x.problem?.reason, 'EtcdWriteFailed');
  assert.match(x.problem!.message, /cannot record 1 task update\(s\) in the registry: etcdserver: request is too large; they are not acknowledged/);
  assert.match(await metrics.registry.getSingleMetricAsString('schedulerha_etcd_write_failures_total'), /write="task-updates"[^}]*} 1/);
  assert.equal(x.registry.get('t1')?.state, 'TASK_RUNNING', 'not recorded');
  fail = false;
  await x.handleUpdates([failed]); // the agent re-sends it
  assert.equal(x.registry.get('t1')?.state, 'TASK_FAILED');
  assert.equal(x.problem, undefined, 'cleared by the write that succeeded');
});
