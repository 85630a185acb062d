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
