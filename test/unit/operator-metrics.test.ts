// The operator's per-resource series go when the resource goes (a label set per deleted resource would stay for
// the process's lifetime otherwise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorMetrics } from '../../src/operator/metrics.js';
import { waitFor } from '../helpers/wait.js';

test('forget removes every series of a resource, counters with a reason label included, and leaves the others', async () => {
  const m = new OperatorMetrics();
  for (const name of ['gone', 'kept']) {
    m.leaderChanges.inc({ namespace: 'ns', name });
    m.failovers.inc({ namespace: 'ns', name, reason: 'resigned' });
    m.failovers.inc({ namespace: 'ns', name, reason: 'lease-revoked' });
    m.leaseRevocations.inc({ namespace: 'ns', name, reason: 'pod-deleted' });
    m.frameworkRegistered.set({ namespace: 'ns', name }, 1);
  }
  m.forget('ns', 'gone');
  const text = async () => await m.registry.metrics();
  await waitFor('the counters of the deleted resource removed', async () => !(await text()).includes('name="gone"') || undefined, { timeoutMs: 2000 });
  const t = await text();
  for (const metric of ['schedulerha_leader_changes_total', 'schedulerha_resource_failovers_total', 'schedulerha_lease_revocations_total', 'schedulerha_resource_framework_registered']) {
    assert.match(t, new RegExp(`${metric}\\{[^}]*name="kept"`), metric);
  }
});

test('Event writes and informers show in /metrics: outcomes by result as a counter, pending as a gauge; informer counts as counters', async () => {
  const m = new OperatorMetrics({ defaultMetrics: false });
  m.watchEvents(() => ({ recorded: 9, created: 4, seriesPatches: 2, failed: 3, droppedSpam: 1, droppedOverflow: 0, pending: 5 }));
  m.watchInformers([() => ({ name: 'pods', synced: true, connected: false, objects: 7, relists: 2, reconnects: 3, errors: 1 }) as never]);
  const t = await m.registry.metrics();
  assert.match(t, /# TYPE schedulerha_events_total counter/);
  assert.match(t, /schedulerha_events_total\{result="failed"\} 3/);
  assert.match(t, /schedulerha_events_total\{result="dropped_spam"\} 1/);
  assert.match(t, /schedulerha_events_pending 5/);
  assert.match(t, /# TYPE schedulerha_informer_relists_total counter/);
  assert.match(t, /schedulerha_informer_relists_total\{informer="pods"\} 2/);
  assert.match(t, /schedulerha_informer_connected\{informer="pods"\} 0/);
});
