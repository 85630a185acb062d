// The operator's view of a framework's etcd keys (FrameworkWatch) across a loss of sight: a leader change that
// happens while the operator cannot reach etcd is found on the re-read, and is marked as not seen happen (with
// when the watch went down), so the failover record states a bound rather than "elected 0 s after the trigger".
// Real etcd behind a TCP relay this test cuts; the keys are written through a direct client meanwhile.
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/util/log.js';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { createEtcdClient } from '../../src/election/index.js';
import { keyLayout } from '../../src/api/keys.js';
import { FrameworkWatch, deleteFrameworkState } from '../../src/operator/framework-watch.js';
import { waitFor, uniqueName } from '../helpers/wait.js';
import { freePort } from '../../src/util/net.js';

/** A relay to etcd that can be cut (every connection closed, new ones refused at once) and restored. */
async function relay(target: URL): Promise<{ endpoint: string; cut(): void; restore(): void; close(): Promise<void> }> {
  const socks = new Set<Socket>();
  let open = true;
  const srv = createServer((c) => {
    if (!open) return void c.destroy();
    const u = connect(Number(target.port), target.hostname);
    socks.add(c).add(u);
    c.pipe(u).pipe(c);
    const drop = () => {
      c.destroy();
      u.destroy();
      socks.delete(c);
      socks.delete(u);
    };
    c.on('error', drop).on('close', drop);
    u.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cut() {
      open = false;
      for (const s of socks) s.destroy();
      socks.clear();
    },
    restore() {
      open = true;
    },
    close: () => new Promise<void>((r) => srv.close(() => r())),
  };
}

test('a leader change while the watch is down is marked unobserved, with when sight was lost; one seen live is not', { timeout: 120_000 }, async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const r = await relay(new URL(etcd.endpoint));
  t.after(() => r.close());
  const direct = createEtcdClient({ endpoints: [etcd.endpoint] });
  t.after(() => direct.close());
  const viaRelay = createEtcdClient({ endpoints: [r.endpoint] });
  t.after(() => viaRelay.close());
  const keys = keyLayout(`/${uniqueName('fw-watch')}`, 'Kubernetes');
  const candidate = (pod: string) => JSON.stringify({ id: pod, incarnation: `i-${pod}`, host: 'h', pod, executorHash: 'e' });
  await direct.put(`${keys.electionPrefix}/a`).value(candidate('k8sm-0'));
  const lines: Array<{ level: string; msg: string; blindSeconds?: number }> = [];
  const sink = new Writable({ write(chunk: Buffer, _e, cb) { for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l)); cb(); } });
  const w = new FrameworkWatch({ client: viaRelay, keys, onChange: () => undefined, logger: createLogger({ name: 'op', level: 'info', pretty: false, destination: sink }) }).start();
  t.after(() => w.stop());
  assert.ok(await w.waitForSync(10_000));
  assert.equal(w.snapshot.leader?.identity?.pod, 'k8sm-0');

  // Seen live: a standby joins, the leader resigns.
  await direct.put(`${keys.electionPrefix}/b`).value(candidate('k8sm-1'));
  await direct.delete().key(`${keys.electionPrefix}/a`);
  const live = await waitFor('the live change', () => w.snapshot.transitions.find((x) => x.to?.pod === 'k8sm-1'), { timeoutMs: 10_000 });
  assert.equal(live.unobservedSince, undefined, 'seen happen');

  // Unseen: the operator loses sight of etcd; meanwhile the leader goes and another is elected.
  const before = Date.now();
  r.cut();
  await waitFor('the watch reports etcd unknown', () => w.snapshot.state === 'unknown' || undefined, { timeoutMs: 30_000, intervalMs: 20 });
  await direct.put(`${keys.electionPrefix}/c`).value(candidate('k8sm-2'));
  await direct.delete().key(`${keys.electionPrefix}/b`);
  await new Promise((res) => setTimeout(res, 300));
  const restored = Date.now();
  r.restore();
  const unseen = await waitFor('the change found on the re-read', () => w.snapshot.transitions.find((x) => x.to?.pod === 'k8sm-2'), { timeoutMs: 30_000 });
  assert.equal(unseen.from?.pod, 'k8sm-1');
  assert.ok(unseen.unobservedSince !== undefined, 'marked as not seen happen');
  assert.ok(unseen.unobservedSince >= before && unseen.unobservedSince <= restored, 'since the watch went down');
  assert.equal(w.snapshot.state, 'ok');
  // The operator's log says it, once each way (the conditions go Unknown without an Event).
  assert.deepEqual(lines.filter((l) => /framework keys in etcd/.test(l.msg)).map((l) => [l.level, l.msg]), [
    ['warn', 'lost sight of the framework keys in etcd; retrying'],
    ['info', 'framework keys in etcd in sight again'],
  ]);

  // Back to normal: the next change is seen again.
  await direct.put(`${keys.electionPrefix}/d`).value(candidate('k8sm-3'));
  await direct.delete().key(`${keys.electionPrefix}/c`);
  const after = await waitFor('a live change again', () => w.snapshot.transitions.find((x) => x.to?.pod === 'k8sm-3'), { timeoutMs: 10_000 });
  assert.equal(after.unobservedSince, undefined);
});

test("a Teardown's state deletion takes the layout's keys and ranges only: another framework's root nested inside survives", async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  t.after(() => client.close());
  const outer = keyLayout(`/${uniqueName('nest')}`, 'team-a');
  const inner = keyLayout(outer.root, 'Kubernetes');
  const ours = [outer.frameworkId, outer.executorHash, outer.desiredExecutorHash, outer.leaderStatus, outer.failoverRequest, outer.resetFramework, outer.task('t1'), `${outer.electionPrefix}/694d8a`];
  const theirs = [inner.frameworkId, inner.task('t1'), `${inner.electionPrefix}/694d8b`];
  for (const k of [...ours, ...theirs]) await client.put(k).value('x');
  assert.equal(await deleteFrameworkState(client, outer), ours.length);
  assert.deepEqual(Object.keys(await client.getAll().prefix(`${outer.root}/`).strings()).sort(), [...theirs].sort());
});

test('a watch whose first read failed does not make callers wait for a sync (an etcd that never answers would hold every reconcile)', async (t) => {
  const client = createEtcdClient({ endpoints: `http://127.0.0.1:${await freePort()}`, callTimeoutMs: 300 });
  t.after(() => client.close());
  const w = new FrameworkWatch({ client, keys: keyLayout(`/${uniqueName('dead')}`, 'Kubernetes'), onChange: () => undefined }).start();
  t.after(() => w.stop());
  await waitFor('the first read failed', () => w.snapshot.state === 'unknown' || undefined, { timeoutMs: 20_000 });
  const r = await Promise.race([w.waitForSync(120_000), new Promise<'still waiting'>((res) => setTimeout(() => res('still waiting'), 20_000).unref())]);
  assert.equal(r, false);
});
