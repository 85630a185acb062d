// A slow Kubernetes API server must not hold up the pod scheduler's kills: its writes (Bindings here) wait in their
// own queue while the syncs, which decide and send the Mesos KILLs, go on. Before, every sync slot could be taken by
// a sync awaiting its Binding, and a deleted pod's task ran on for as long as the Bindings took.
// Real etcd, the Mesos emulator, the Kubernetes API emulator (Bindings delayed), one in-process replica with 4 slots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodsStack } from '../helpers/pods-stack.js';
import { waitFor } from '../helpers/wait.js';
import { kubeRequestOk } from '../../src/kube/request.js';
import { taskIdFor } from '../../src/scheduler/pods/task-id.js';

test("a deleted pod's task is killed while the API server sits on Bindings", { timeout: 120_000 }, async (t) => {
  const s = await PodsStack.start({ agents: 3 });
  t.after(() => s.stop());
  await s.inProcess('r0', { manager: { concurrency: 4 } });
  await s.stack.waitForReconciledLeader();
  const fwid = await s.frameworkId();
  const victim = await s.createPod('victim');
  await s.waitAllRunningAndBound(fwid, ['victim']);
  const undo = s.kube.hooks.delayResponses(30_000, { method: 'POST', path: /\/binding$/ });
  t.after(() => undo());
  const stuck = await s.createPods('stuck', 8);
  await waitFor('the stuck pods running, their Bindings held', () => stuck.every((p) => s.mesos.task(fwid, taskIdFor(p.metadata.uid, 0))?.state === 'TASK_RUNNING') || undefined, { timeoutMs: 60_000, intervalMs: 50 });
  await new Promise((r) => setTimeout(r, 500)); // the Bindings are out and waiting
  const t0 = Date.now();
  await kubeRequestOk(s.kc, { method: 'DELETE', path: `/api/v1/namespaces/${s.namespace}/pods/victim`, body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 } });
  await waitFor("the victim's task killed", () => s.taskState(fwid, taskIdFor(victim.metadata.uid, 0)) === 'TASK_KILLED' || undefined, { timeoutMs: 60_000, intervalMs: 20 });
  const took = Date.now() - t0;
  assert.ok(took < 15_000, `killed ${took} ms after the delete, while the Bindings are held for 30 s`);
});
