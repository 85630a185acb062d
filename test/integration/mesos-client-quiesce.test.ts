// A voluntary hand-off waits until the master has answered every call the old leader sent: quiesce() refuses new
// calls and resolves once the calls on the wire are answered (or its bound passes). Without it a call sent just
// before a resign could be handled by the master after the successor's election.
// A scripted master whose KILL answers slowly, the real client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedMasterDetector } from '../../src/mesos/detector-base.js';
import { SchedulerClient } from '../../src/mesos/scheduler-client.js';
import { ScriptedMaster } from '../helpers/mesos-client-fake-master.js';
import { heartbeatEvent, subscribedEvent } from '../helpers/mesos-client-fixtures.js';
import { waitFor } from '../helpers/wait.js';

test('quiesce waits for the calls in flight to be answered and sends nothing new; it is bounded', { timeout: 30_000 }, async (t) => {
  let answered = 0;
  const slow = new Set<() => void>();
  const m = await ScriptedMaster.start(async (r, res) => {
    if (r.call?.type === 'SUBSCRIBE') return void m.openStream(res, 'stream-1', [subscribedEvent('F-0001', 15), heartbeatEvent]);
    if (r.call?.type === 'KILL') {
      await new Promise<void>((go) => slow.add(go));
      answered++;
    }
    res.writeHead(202).end();
  });
  t.after(() => m.close());
  const c = new SchedulerClient({ detector: new FixedMasterDetector(m.url), framework: { user: 'root', name: 'quiesce', failoverTimeoutSeconds: 3600, checkpoint: true }, frameworkId: 'F-0001' });
  t.after(() => c.stop());
  const subscribed = new Promise((r) => c.once('subscribed', r));
  c.start();
  await subscribed;

  const kill = c.kill('task-1', 'agent-1');
  await waitFor('the KILL at the master', () => slow.size === 1 || undefined);
  let quiesced = false;
  const q = c.quiesce(10_000).then(() => (quiesced = true));
  await assert.rejects(c.kill('task-2', 'agent-1'), /handing over \(quiescing\); no call is sent/);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(quiesced, false, 'still waiting for the KILL on the wire');
  for (const go of slow) go();
  await q;
  assert.equal(answered, 1);
  assert.equal(String((await kill).code), '202');
  assert.equal(m.requests.filter((x) => x.call?.type === 'KILL').length, 1, 'nothing sent after quiesce began');

  // Bounded: a call the master never answers holds a hand-off up no longer than asked.
  const c2 = new SchedulerClient({ detector: new FixedMasterDetector(m.url), framework: { user: 'root', name: 'quiesce2', failoverTimeoutSeconds: 3600, checkpoint: true }, frameworkId: 'F-0001' });
  t.after(() => c2.stop());
  const sub2 = new Promise((r) => c2.once('subscribed', r));
  c2.start();
  await sub2;
  void c2.kill('task-3', 'agent-1').catch(() => undefined);
  await waitFor('the second KILL at the master', () => slow.size === 2 || undefined);
  const t0 = Date.now();
  await c2.quiesce(300);
  assert.ok(Date.now() - t0 < 5000);
  for (const go of slow) go();
});
