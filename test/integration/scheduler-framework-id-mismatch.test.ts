// SUBSCRIBE answered with another framework id (FrameworkIdMismatch) is fatal for the subscription, not for the
// leadership. Another replica would get the same answer, so resigning would only pass the failure from replica to
// replica. The leader keeps the key, reports `refused` / FrameworkIdMismatch in its status record and
// subscribes again — in the same term — as soon as someone writes the right id to <root>/frameworkid. Then the
// problem is cleared. A scripted master is used, not the emulator: a real master never answers with another id.
// It says its framework is `right`, whatever id was asked for. Real etcd, two replica processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerStack } from '../helpers/scheduler-stack.js';
import { ScriptedMaster } from '../helpers/mesos-client-fake-master.js';
import { heartbeatEvent, subscribedEvent } from '../helpers/mesos-client-fixtures.js';
import { waitFor } from '../helpers/wait.js';

test('FrameworkIdMismatch: the leader keeps the leadership, reports it, and subscribes with the id written to <root>/frameworkid', { timeout: 120_000 }, async (t) => {
  const s = await SchedulerStack.start({ mesos: { masters: 1, agents: 1 } });
  const m = await ScriptedMaster.start();
  t.after(async () => {
    await s.stop();
    await m.close();
  });
  const stale = 'fid-stale-0001';
  const right = 'fid-right-0002';
  await s.etcdClient.put(s.keys.frameworkId).value(stale);
  const hostPort = m.url.replace(/^http:\/\//, '');
  let subscribes = 0;
  m.handler = (r, res) => {
    // The leading master answers /redirect with itself (Master::Http::redirect, as the emulator does).
    if (r.path.startsWith('/redirect') || r.path.startsWith('/master/redirect')) return void res.writeHead(307, { Location: `//${hostPort}` }).end();
    if (r.call?.type !== 'SUBSCRIBE') return void res.writeHead(202).end();
    subscribes++;
    m.openStream(res, `stream-${subscribes}`, [subscribedEvent(right, 1), heartbeatEvent]);
  };
  const master = `--mesos-master=${hostPort}`;
  s.spawn('a', [master]);
  s.spawn('b', [master]);

  // Refused, reported where the operator reads it, and still the leader.
  const refused = await waitFor('the leader reporting FrameworkIdMismatch', async () => {
    const st = await s.leaderStatus();
    return st?.mesos === 'refused' && st.problem?.reason === 'FrameworkIdMismatch' ? st : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  assert.match(refused.problem!.message, new RegExp(`${stale}.*${right}|${right}.*${stale}`));
  assert.equal(m.subscribes()[0]!.call?.subscribe?.framework_info.id?.value, stale);
  assert.equal(await s.frameworkId(), stale, 'the id the master answered is never stored by itself');

  // A human writes the right id: the same term subscribes with it at once and the problem is gone.
  await s.etcdClient.put(s.keys.frameworkId).value(right);
  const ok = await waitFor('subscribed with the written id', async () => {
    const st = await s.leaderStatus();
    return st?.mesos === 'subscribed' && st.frameworkId === right ? st : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  assert.equal(ok.term, refused.term, 'the same term: the leadership was kept, not handed round');
  assert.equal(ok.problem, undefined);
  assert.deepEqual(s.timeline().filter((e) => e.kind === 'elected').map((e) => e.term), [refused.term], 'one term only');
  assert.equal(m.subscribes().at(-1)!.call?.subscribe?.framework_info.id?.value, right);
});
