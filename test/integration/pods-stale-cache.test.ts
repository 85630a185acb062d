// A standby whose pod cache claims to be synced but is stale (its API connections silently dead: a half-open watch
// after an API server upgrade) takes over. A pod it has never seen, whose task runs, must not be killed as "gone"
// nor its records deleted: the new leader asks the API server first, and does nothing destructive while it cannot
// get an answer (audit apistress #1). Its /status and /metrics show the pod informer's health meanwhile.
// Real etcd, the Mesos emulator, the Kubernetes API emulator; the standby reaches the API through a TcpProxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { PodsStack } from '../helpers/pods-stack.js';
import { waitFor } from '../helpers/wait.js';
import { TcpProxy } from '../../src/devstack/tcp-proxy.js';
import { PodScheduler } from '../../src/scheduler/pods/index.js';
import { parseTaskId, taskIdFor } from '../../src/scheduler/pods/task-id.js';

async function getText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return await res.text();
}

test('a takeover with a stale pod cache kills no task and deletes no record of a live pod it does not see', { timeout: 300_000 }, async (t) => {
  const s = await PodsStack.start({ agents: 2, leaseTtl: '2s' });
  t.after(() => s.stop());
  const r0 = await s.inProcess('r0');
  await s.stack.waitForReconciledLeader();
  const fwid = await s.frameworkId();
  const proxy = await TcpProxy.start({ targetPort: s.kube.port });
  t.after(() => proxy.stop());
  const kc1 = new k8s.KubeConfig();
  kc1.loadFromString(s.kube.kubeconfig.replace(`:${s.kube.port}`, `:${proxy.port}`));
  let ps1!: PodScheduler;
  const r1 = await s.stack.inProcess('r1', (config, logger) => {
    // Ended records are old enough to delete after 1 s: a prune round would take them if it believed the pod gone.
    ps1 = new PodScheduler({ config, kc: kc1, logger, manager: { retentionMs: 1000 } }).start();
    return ps1.factory;
  });
  t.after(async () => {
    await r1.stop().catch(() => undefined);
    await ps1.stop().catch(() => undefined);
  });
  await ps1.source.waitForSync(30_000);

  // A standby's /status shows its pod informer.
  const standby = JSON.parse(await getText(`${r1.url}/status`)) as { role: string; podInformer?: { name: string; synced: boolean; connected: boolean; relists: number; reconnects: number } };
  assert.equal(standby.role, 'standby');
  assert.equal(standby.podInformer?.name, 'pods');
  assert.equal(standby.podInformer?.synced, true);
  assert.equal(typeof standby.podInformer?.connected, 'boolean');
  assert.equal(typeof standby.podInformer?.reconnects, 'number');

  proxy.blackhole(); // the standby's API connections go silent: nothing closed, nothing answered
  // Pod "late": its first attempt fails, the second runs and is bound — all unseen by the standby.
  s.taskScript = (task) => (task.name.startsWith('late.') && parseTaskId(task.task_id.value)?.attempt === 0 ? [{ state: 'TASK_FAILED', reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: 'exit status 1' }] : undefined);
  const late = await s.createPod('late', { restartPolicy: 'OnFailure' });
  await s.waitAllRunningAndBound(fwid, ['late']);
  const running = taskIdFor(late.metadata.uid, 1);
  assert.equal(s.taskState(fwid, running), 'TASK_RUNNING');
  assert.equal(ps1.source.synced, true, 'the standby claims a synced cache');
  assert.equal(ps1.source.byUidGet(late.metadata.uid), undefined, 'yet it has never seen pod late');

  const before = await s.stack.leaderStatus();
  await r0.replica.failover('USR1');
  const next = await s.stack.waitForReconciledLeader(BigInt(before!.term), 60_000);
  assert.equal(next.identity, 'r1');
  const m = await waitFor('the term of r1', () => ps1.current, { timeoutMs: 30_000 });
  // The new leader asks the API server about "late" (through the dead connection) and gets no answer — or, without
  // that check, kills its task at once.
  const failedRead = async () => /schedulerha_pod_live_reads_total\{[^}]*purpose="absent"[^}]*result="error"[^}]*\} [1-9]/.test(await getText(`${r1.url}/metrics`));
  await waitFor('a failed live read of the pod, or its task killed', async () => s.taskState(fwid, running) !== 'TASK_RUNNING' || (await failedRead()) || undefined, { timeoutMs: 60_000, intervalMs: 100 });
  assert.equal(s.taskState(fwid, running), 'TASK_RUNNING', 'the task of a live pod the cache does not show was killed');
  assert.deepEqual(s.mesos.history.findCalls({ callType: 'KILL' }).map((c) => c.detail), [], 'no KILL sent');
  // The first attempt's record is ended and past retention; with the pod unconfirmed it stays.
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal(await m.prune(), 0, 'no record of a pod the API server did not confirm gone is deleted');
  const st = m.status() as { unconfirmedAbsent: number };
  assert.equal(st.unconfirmedAbsent, 1);

  // The leader's /status and /metrics show the informer.
  const leader = JSON.parse(await getText(`${r1.url}/status`)) as { role: string; podInformer?: { synced: boolean } };
  assert.equal(leader.role, 'leader');
  assert.equal(leader.podInformer?.synced, true);
  const metrics = await getText(`${r1.url}/metrics`);
  for (const name of ['schedulerha_informer_synced', 'schedulerha_informer_connected', 'schedulerha_informer_errors_total', 'schedulerha_informer_reconnects_total', 'schedulerha_informer_relists_total']) {
    assert.match(metrics, new RegExp(`^${name}\\{[^}]*informer="pods"[^}]*\\} \\d`, 'm'), `${name} in /metrics`);
  }

  // The network heals: the cache catches up, and the pod and its task are as they were.
  proxy.heal();
  await waitFor('the new leader sees pod late', () => ps1.source.byUidGet(late.metadata.uid) || undefined, { timeoutMs: 150_000, intervalMs: 200 });
  await m.idle();
  assert.equal(s.taskState(fwid, running), 'TASK_RUNNING');
  assert.equal((await s.pod('late'))?.status?.phase === 'Failed', false, 'pod late is not failed');
  assert.equal((m.status() as { unconfirmedAbsent: number }).unconfirmedAbsent, 0);
  s.checkInvariants(fwid);
});
