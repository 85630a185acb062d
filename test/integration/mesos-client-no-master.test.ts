// No leading Mesos master anywhere (masters down, addresses wrong): the scheduler client keeps looking, but not in
// silence — a warning and a `noLeader` event after a while, then periodically (the leader turns them into its
// status problem NoMesosMaster). It subscribes as soon as a master answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { MesosCluster } from '../../src/devstack/mesos/index.js';
import { HttpMasterDetector } from '../../src/mesos/detector.js';
import { SchedulerClient } from '../../src/mesos/scheduler-client.js';
import { freePort } from '../../src/util/net.js';
import { createLogger } from '../../src/util/log.js';
import { waitFor } from '../helpers/wait.js';

test('no leading master: warnings and noLeader events while looking, none once subscribed', { timeout: 60_000 }, async (t) => {
  const port = await freePort();
  const detector = new HttpMasterDetector([`http://127.0.0.1:${port}`], { probeTimeoutMs: 200 });
  t.after(() => detector.stop());
  const logged: Array<{ level: string; msg: string }> = [];
  const sink = new Writable({ write(chunk: Buffer, _e, cb) { for (const l of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(l)); cb(); } });
  const c = new SchedulerClient({
    detector,
    framework: { user: 'root', name: 'nomaster', failoverTimeoutSeconds: 3600, checkpoint: true, roles: ['*'] },
    noLeaderWarnMs: { first: 300, repeat: 300 },
    logger: createLogger({ name: 'client', level: 'info', pretty: false, destination: sink }),
  });
  t.after(() => c.stop());
  const waits: number[] = [];
  c.on('noLeader', ({ waitedMs }) => waits.push(waitedMs));
  detector.start();
  c.start();
  await waitFor('two noLeader events', () => waits.length >= 2 || undefined, { timeoutMs: 10_000 });
  assert.ok(waits[1]! > waits[0]!, 'the wait so far grows');
  const warn = logged.find((l) => /no leading Mesos master detected for \d+ s; still looking/.test(l.msg));
  assert.equal(warn?.level, 'warn');

  // A master comes up at that address: subscribed, and no more noLeader.
  const mc = await MesosCluster.start({ masters: 1, agents: 0, clock: 'real', ports: [port] });
  t.after(() => mc.stop());
  const subscribed = new Promise((r) => c.once('subscribed', r));
  await subscribed;
  const n = waits.length;
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(waits.length, n);
});
