// A failed PodScheduled=False write (429 with Retry-After, as API Priority and Fairness answers) is kept with its
// own back-off — at least the server's Retry-After — instead of being forgotten and PATCHed again with every round
// of offers (audit apistress #4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodsStack } from '../helpers/pods-stack.js';
import { waitFor } from '../helpers/wait.js';

test('a throttled unschedulable write waits for Retry-After instead of being re-sent every offer round', { timeout: 120_000 }, async (t) => {
  const s = await PodsStack.start({ agents: 3 });
  t.after(() => s.stop());
  // Offers come back about once a second per agent (short refuse filters), so every round would re-send it.
  await s.inProcess('r0', { manager: { refuseSeconds: 1 } });
  await s.stack.waitForReconciledLeader();
  await s.frameworkId();
  s.kube.hooks.failNext(1_000_000, { code: 429, retryAfterSeconds: 30, method: 'PATCH', path: /\/pods\/huge\/status$/ });
  await s.createPod('huge', { cpu: '64' });
  const patches = () => s.kube.hooks.requests().filter((r) => r.method === 'PATCH' && r.path.endsWith('/pods/huge/status'));
  await waitFor('the first unschedulable write', () => patches().length > 0 || undefined, { timeoutMs: 60_000, intervalMs: 100 });
  const offersBefore = s.mesos.history.findEvents({ type: 'OFFERS' }).length;
  await new Promise((r) => setTimeout(r, 8000));
  const offerRounds = s.mesos.history.findEvents({ type: 'OFFERS' }).length - offersBefore;
  t.diagnostic(`PATCHes of huge/status: ${patches().length} (${patches().map((p) => p.status).join(',')}); offer rounds meanwhile: ${offerRounds}`);
  assert.ok(offerRounds >= 3, `the offers came back (${offerRounds} rounds): the test needs them to`);
  assert.equal(patches().length, 1, 'the write is not retried before the Retry-After has passed');
  s.kube.hooks.clearFaults();
});
