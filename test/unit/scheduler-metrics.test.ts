// A replica that stops leading reports none of the leader's own numbers any more: summed over the replicas, the
// task gauges would otherwise count every task once per replica that ever led.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerMetrics } from '../../src/scheduler/metrics.js';

test('standDown clears the leader gauges and keeps the counters', async () => {
  const m = new SchedulerMetrics({ framework: 'fw' });
  m.leader.set(1);
  m.frameworkRegistered.set(1);
  m.setTaskCounts({ TASK_RUNNING: 3, TASK_STAGING: 1 });
  m.reconcileRemaining.set(2);
  m.missedHeartbeats.inc();
  m.standDown();
  const text = await m.registry.metrics();
  assert.doesNotMatch(text, /schedulerha_tasks\{/);
  for (const g of ['schedulerha_reconcile_remaining_tasks', 'schedulerha_framework_registered']) assert.match(text, new RegExp(`^${g}(\\{[^}]*\\})? 0$`, 'm'), g);
  assert.match(text, /^schedulerha_mesos_missed_heartbeats_total(\{[^}]*\})? 1$/m);
});

test('the Mesos state is one-hot while leading, and gone on a standby', async () => {
  const m = new SchedulerMetrics({ framework: 'fw' });
  m.setMesosState('subscribing');
  m.setMesosState('refused');
  const text = await m.registry.metrics();
  assert.match(text, /^schedulerha_mesos_state\{state="refused"[^}]*\} 1$/m);
  assert.doesNotMatch(text, /schedulerha_mesos_state\{state="subscribing"/);
  m.standDown();
  assert.doesNotMatch(await m.registry.metrics(), /schedulerha_mesos_state\{/);
  // The ended term's last word (it stops after the replica stood down) leaves none either.
  m.setMesosState('ended');
  assert.doesNotMatch(await m.registry.metrics(), /schedulerha_mesos_state\{/);
});
