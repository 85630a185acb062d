// What the operator learns from the leading Mesos master (src/operator/mesos-pool.ts) against the master emulator:
// a same-name framework with another id is a zombie whether or not it is connected (a disconnected one keeps its
// tasks until its failover timeout), also before our own id is known; after a master failover our framework is
// "recovering" from its `recovered: true` entry in frameworks[] (recovered_frameworks is always empty).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameworkInfo } from '../helpers/mesos-emulator-http.js';
import { startCluster, sub, settle } from '../helpers/mesos-emulator-fixture.js';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { MesosPool } from '../../src/operator/mesos-pool.js';
import { waitFor } from '../helpers/wait.js';

test('zombies: connected and disconnected same-name frameworks with another id, with and without our id; recovered after a master failover', async (t) => {
  const c = await startCluster(t, { masters: 2, agents: 1, agentReregisterDelayMs: 1_000 });
  const pool = new MesosPool({ maxAgeMs: 0 });
  t.after(() => pool.closeAll());
  pool.acquire('ns/k8sm', c.masterAddress);

  const ours = await sub(t, c, frameworkInfo({ name: 'Kubernetes', failover_timeout: 3600 }));
  const second = await sub(t, c, frameworkInfo({ name: 'Kubernetes', failover_timeout: 3600 }));
  const lost = await sub(t, c, frameworkInfo({ name: 'Kubernetes', failover_timeout: 3600 }));
  await sub(t, c, frameworkInfo({ name: 'unrelated' }));
  c.seedTasks(lost.frameworkId, 2);
  // The framework a lost id leaves behind: its scheduler is gone, the master keeps it (and its tasks).
  lost.reader.close();
  await settle(c);
  assert.equal(c.framework(lost.frameworkId)!.connected, false);

  const o = await pool.observe('ns/k8sm', { frameworkId: ours.frameworkId, frameworkName: 'Kubernetes', tasks: true });
  assert.equal(o.state, 'ok', o.error);
  assert.equal(o.framework?.id, ours.frameworkId);
  assert.equal(o.recovering, undefined);
  assert.deepEqual(o.zombies.map((z) => [z.id, z.connected]).sort(), [[lost.frameworkId, false], [second.frameworkId, true]].sort());
  // Before our scheduler has stored an id, a disconnected framework with the name is a zombie; a connected one may
  // be our own leader's, registered a moment before it stored the id.
  const none = await pool.observe('ns/k8sm', { frameworkName: 'Kubernetes', tasks: true });
  assert.equal(none.framework, undefined);
  assert.deepEqual(none.zombies.map((z) => z.id), [lost.frameworkId]);

  // Master failover: our framework comes back from the re-registering agent as recovered, not connected.
  c.seedTasks(ours.frameworkId, 1);
  await c.failover();
  await c.advance(1_000);
  await settle(c);
  const r = await pool.observe('ns/k8sm', { frameworkId: ours.frameworkId, frameworkName: 'Kubernetes', tasks: true });
  assert.equal(r.state, 'ok', r.error);
  assert.equal(r.framework?.recovered, true);
  assert.equal(r.recovering, true);
});

test('a master that never answers does not hold the caller: the first observation gives up waiting after waitMs, later ones answer at once with the last error, and the owners are told when the call ends', async (t) => {
  // Accepts connections and never answers a byte.
  const socks = new Set<Socket>();
  const hung = createServer((s) => void socks.add(s));
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of socks) s.destroy();
    hung.close();
  });
  const late: string[][] = [];
  const pool = new MesosPool({ maxAgeMs: 0, callTimeoutMs: 3000, waitMs: 200, onLate: (owners) => late.push(owners) });
  t.after(() => pool.closeAll());
  pool.acquire('ns/slow', `127.0.0.1:${(hung.address() as AddressInfo).port}`);
  const first = await pool.observe('ns/slow', { frameworkId: 'fw-1', frameworkName: 'Kubernetes', tasks: true });
  assert.equal(first.state, 'error');
  assert.match(first.error!, /has not answered within 200 ms \(the call goes on, for up to 3000 ms\)/);
  assert.equal(late.length, 0, 'answered while the call still goes on');
  await waitFor('the owner told when the call ended', () => late.length > 0 || undefined, { timeoutMs: 20_000 });
  assert.deepEqual(late[0], ['ns/slow']);
  // The last call failed: the next observation starts another in the background and answers at once — before that
  // call ends — with the last error.
  const second = await pool.observe('ns/slow', { frameworkId: 'fw-1', frameworkName: 'Kubernetes', tasks: true });
  assert.equal(second.state, 'error');
  assert.doesNotMatch(second.error!, /has not answered within/, 'the last error, not a wait');
  assert.equal(late.length, 1, 'answered while the new call still goes on');
  await waitFor('told again when that call ended', () => late.length > 1 || undefined, { timeoutMs: 20_000 });
});

test('a master merely slow after answering keeps the last answer (no flip to unknown while its next call runs, and no wake-up after it); a fresh observation waits for the answer itself', async (t) => {
  let hang = false;
  const held: ServerResponse[] = [];
  const srv = createHttpServer((req, res) => {
    if (req.url === '/redirect') return void res.writeHead(307, { Location: `//127.0.0.1:${(srv.address() as AddressInfo).port}` }).end();
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (hang) return void held.push(res);
      const type = (JSON.parse(body) as { type: string }).type;
      const answer = type === 'GET_FRAMEWORKS'
        ? { type, get_frameworks: { frameworks: [{ framework_info: { id: { value: 'fw-1' }, name: 'Kubernetes', user: 'root' }, connected: true, active: true, recovered: false }] } }
        : { type, get_tasks: { tasks: [] } };
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const r of held) r.destroy();
    srv.closeAllConnections();
    srv.close();
  });
  const late: string[][] = [];
  const calls: string[] = [];
  const pool = new MesosPool({ maxAgeMs: 1, callTimeoutMs: 3000, waitMs: 200, onLate: (owners) => late.push(owners), onCall: (call, result) => calls.push(`${call} ${result}`) });
  t.after(() => pool.closeAll());
  pool.acquire('ns/k8sm', `127.0.0.1:${(srv.address() as AddressInfo).port}`);
  const q = { frameworkId: 'fw-1', frameworkName: 'Kubernetes', tasks: true };
  const aged = () => new Promise((r) => setTimeout(r, 5)); // past maxAgeMs: the next observation calls
  const ok = await pool.observe('ns/k8sm', q);
  assert.equal(ok.state, 'ok', ok.error);
  assert.equal(ok.framework?.connected, true);
  hang = true;
  await aged();
  const slow = await pool.observe('ns/k8sm', q);
  assert.equal(slow.state, 'ok', 'the last answer, while the call goes on');
  assert.equal(slow.framework?.connected, true);
  await waitFor('the slow calls ended', () => calls.filter((c) => c.endsWith('error')).length >= 2 || undefined, { timeoutMs: 20_000 });
  assert.deepEqual(late, [], 'a stale answer needs no wake-up: the resource looks again on its own schedule');
  // A Teardown asks for an answer from now: it gets the master's, not the last one.
  await aged();
  const fresh = await pool.observe('ns/k8sm', { ...q, tasks: false, maxAgeMs: 0 });
  assert.equal(fresh.state, 'error');
  assert.match(fresh.error!, /timed out/);
});
