// A leader whose pod cache lags (pod watches answering 503 during an API server upgrade while writes go through)
// after a takeover: the Bindings its predecessor made are still unbound in its cache. A Binding answered 409
// "already assigned" is read back once; bound to the node we chose, it is done — not re-POSTed every 500 ms for as
// long as the cache lags (audit apistress #2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodsStack } from '../helpers/pods-stack.js';
import { waitFor } from '../helpers/wait.js';

test('a Binding that already landed is confirmed once, not re-sent while the pod cache lags', { timeout: 180_000 }, async (t) => {
  const s = await PodsStack.start({ agents: 2, leaseTtl: '2s' });
  t.after(() => s.stop());
  const r0 = await s.inProcess('r0');
  await s.stack.waitForReconciledLeader();
  const fwid = await s.frameworkId();
  const r1 = await s.inProcess('r1');
  await r1.ps.source.waitForSync(30_000);
  s.taskScript = () => [{ state: 'TASK_STARTING' }, { state: 'TASK_RUNNING', afterMs: 3000 }];
  const pods = await s.createPods('b', 5);
  await waitFor('both caches have the pods', () => pods.every((p) => r0.ps.source.byUidGet(p.metadata.uid) && r1.ps.source.byUidGet(p.metadata.uid)) || undefined, { timeoutMs: 10_000, intervalMs: 10 });
  // Pod watches now fail (503); the caches keep the pods unbound.
  s.kube.hooks.failNext(1_000_000, { code: 503, watch: true, path: /\/pods$/ });
  s.kube.hooks.dropWatches('pods');
  await waitFor('bound on the server', async () => ((await s.pods()).filter((p) => p.metadata.name.startsWith('b-') && p.spec.nodeName).length === 5) || undefined, { timeoutMs: 60_000, intervalMs: 100 });
  assert.ok(pods.every((p) => !r1.ps.source.byUidGet(p.metadata.uid)?.spec?.nodeName), 'the standby still sees the pods unbound');
  const before = await s.stack.leaderStatus();
  s.kube.hooks.clearRequests();
  await r0.replica.failover('USR1');
  await s.stack.waitForReconciledLeader(BigInt(before!.term), 60_000);
  // Every pod is judged at least once in the new term (a Binding each, answered 409), then the window is watched.
  await waitFor('a Binding tried for every pod', () => new Set(s.kube.hooks.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/binding')).map((r) => r.path)).size === 5 || undefined, { timeoutMs: 30_000, intervalMs: 50 });
  await new Promise((r) => setTimeout(r, 5000));
  const binds = s.kube.hooks.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/binding'));
  const statuses = binds.reduce<Record<string, number>>((m, r) => ({ ...m, [String(r.status)]: (m[String(r.status)] ?? 0) + 1 }), {});
  t.diagnostic(`Binding POSTs after the takeover: ${binds.length} (${JSON.stringify(statuses)})`);
  const text = await (await fetch(`${r1.replica.url}/metrics`)).text();
  s.kube.hooks.clearFaults();
  assert.ok(binds.length <= 5, `${binds.length} Binding POSTs for 5 pods already bound: each should be sent once`);
  assert.match(text, /schedulerha_pod_bindings_total\{[^}]*result="already-bound"[^}]*\} 5/, 'each confirmed bound by one live read');
  // The pods stay bound to their nodes and their tasks run.
  await s.waitAllRunningAndBound(fwid, pods.map((p) => p.metadata.name));
  s.checkInvariants(fwid);
});
