import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStatus, boundedMessage, countByState, encodeRecord, isLive, MAX_STATUS_MESSAGE_CHARS, type TaskRecord } from '../../src/scheduler/task-record.js';
import type { TaskStatus } from '../../src/mesos/types.js';

const now = new Date('2026-11-25T00:00:00Z');
const rec = (state: TaskRecord['state']): TaskRecord => ({ id: 't1', agentId: 'S1', state, createdAt: 'x', updatedAt: 'x' });
const st = (state: TaskStatus['state'], extra: Partial<TaskStatus> = {}): TaskStatus => ({ task_id: { value: 't1' }, state, ...extra });

test('unknown tasks are reported as unknown', () => {
  const r = applyStatus(undefined, st('TASK_RUNNING'), now);
  assert.equal(r.unknown, true);
  assert.equal(r.next, undefined);
});

test('a state change is a change; the same state again is not (idempotent)', () => {
  const a = applyStatus(rec('TASK_STAGING'), st('TASK_RUNNING', { agent_id: { value: 'S1' } }), now, '7');
  assert.equal(a.changed, true);
  assert.equal(a.next!.state, 'TASK_RUNNING');
  assert.equal(a.next!.term, '7');
  const b = applyStatus(a.next, st('TASK_RUNNING', { agent_id: { value: 'S1' }, source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' }), now);
  assert.equal(b.changed, false, 'a reconciliation answer repeating what we know writes nothing');
});

test('terminal states are final, except LOST → RUNNING (partitioned agent back)', () => {
  assert.equal(applyStatus(rec('TASK_FINISHED'), st('TASK_RUNNING'), now).stale, true);
  assert.equal(applyStatus(rec('TASK_KILLED'), st('TASK_STAGING'), now).stale, true);
  const back = applyStatus(rec('TASK_LOST'), st('TASK_RUNNING'), now);
  assert.equal(back.changed, true);
  assert.equal(back.next!.state, 'TASK_RUNNING');
  assert.equal(applyStatus(rec('TASK_INTENT'), st('TASK_STAGING'), now).changed, true);
});

test('a different terminal reason is recorded', () => {
  const a = applyStatus(rec('TASK_FAILED'), st('TASK_FAILED', { reason: 'REASON_COMMAND_EXECUTOR_FAILED' }), now);
  assert.equal(a.changed, true);
});

test('counts and liveness', () => {
  const rs = [rec('TASK_RUNNING'), rec('TASK_RUNNING'), rec('TASK_LOST'), rec('TASK_INTENT')];
  assert.deepEqual(countByState(rs), { total: 4, byState: { TASK_RUNNING: 2, TASK_LOST: 1, TASK_INTENT: 1 } });
  assert.deepEqual(rs.map(isLive), [true, true, false, true]);
  assert.equal(isLive(rec('TASK_UNREACHABLE')), true);
  assert.equal(isLive(rec('TASK_UNKNOWN')), true);
});

test('a status message is kept up to a bound: one executor message cannot bloat the record (and its registry txn)', () => {
  const short = applyStatus(rec('TASK_RUNNING'), st('TASK_FAILED', { message: 'exit 1' }), now);
  assert.equal(short.next?.message, 'exit 1');
  const huge = 'E'.repeat(2_000_000);
  const r = applyStatus(rec('TASK_RUNNING'), st('TASK_FAILED', { message: huge }), now);
  assert.ok(r.changed);
  assert.ok(r.next!.message!.startsWith('E'.repeat(MAX_STATUS_MESSAGE_CHARS)));
  assert.match(r.next!.message!, new RegExp(`\\[${2_000_000 - MAX_STATUS_MESSAGE_CHARS} more characters not kept\\]$`));
  assert.ok(encodeRecord(r.next!).length < 2 * MAX_STATUS_MESSAGE_CHARS, 'the encoded record stays small');
  // A bound that falls inside a surrogate pair keeps the pair whole (no lone surrogate in the record).
  const emoji = 'x'.repeat(MAX_STATUS_MESSAGE_CHARS - 1) + '😀'.repeat(10);
  const b = boundedMessage(emoji);
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(b), 'no unpaired high surrogate');
  assert.equal(boundedMessage('x'.repeat(MAX_STATUS_MESSAGE_CHARS)), 'x'.repeat(MAX_STATUS_MESSAGE_CHARS), 'at the bound: unchanged');
});
