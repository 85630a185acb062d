// zk:// leading-master detection against a real ZooKeeper: lowest sequence wins, other children are ignored,
// leader changes on a clean close and on session loss (a crashed master), no group / no members = no leader,
// digest authentication, abortable waits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zookeeper from 'node-zookeeper-client';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { parseMesosMaster, withZkAuth, type ZkMasterAddress } from '../../src/api/addresses.js';
import { createLogger } from '../../src/util/log.js';
import { ZooKeeperServer } from '../../src/devstack/zookeeper.js';
import { createMasterDetector, DetectorError, ZkMasterDetector, type DetectedMaster, type MasterDetector } from '../../src/mesos/detector.js';
import { freePort } from '../../src/util/net.js';
import { createZkClient, zkConnected } from '../../src/mesos/zk-client.js';
import { ProcGroup } from '../helpers/procs.js';
import { uniqueName, waitFor, withTimeout } from '../helpers/wait.js';
import { closeZkClient, connectZk, create, joinGroup, masterInfo, mkdirp, spawnMember } from '../helpers/zk-members.js';

const { CreateMode, ACL, Id, Permission } = zookeeper;

let zk: ZooKeeperServer;
before(async () => {
  zk = await ZooKeeperServer.start();
});
after(async () => {
  await zk?.stop();
});

function zkAddress(path: string, auth?: string): ZkMasterAddress {
  const p = parseMesosMaster(`zk://${auth ? `${auth}@` : ''}${zk.connectionString}${path}`);
  assert.ok(p.ok && p.value.kind === 'zk', JSON.stringify(p));
  return p.value as ZkMasterAddress;
}

function watch(d: MasterDetector): Array<DetectedMaster | undefined> {
  const changes: Array<DetectedMaster | undefined> = [];
  d.on('change', (m) => changes.push(m));
  return changes;
}

test('the lowest json.info_ sequence leads; other children are ignored; changes follow clean closes', async (t) => {
  const path = `/${uniqueName('mesos')}`;
  const admin = await connectZk(zk.connectionString);
  t.after(() => closeZkClient(admin));
  await mkdirp(admin, path);
  // Siblings a detector must ignore: the replicated log's node, a legacy protobuf member, an unlabeled one.
  await create(admin, `${path}/log_replicas`, Buffer.alloc(0), CreateMode.PERSISTENT);
  await create(admin, `${path}/info_`, Buffer.from('binary-protobuf'), CreateMode.PERSISTENT_SEQUENTIAL);
  await create(admin, `${path}/0000000000`, Buffer.from('master@1.2.3.4:5050'), CreateMode.PERSISTENT);

  const m1 = await joinGroup(zk.connectionString, path, masterInfo('m1', 5051));
  const m2 = await joinGroup(zk.connectionString, path, masterInfo('m2', 5052));
  const m3 = await joinGroup(zk.connectionString, path, masterInfo('m3', 5053));
  t.after(() => Promise.all([m1, m2, m3].map((m) => m.close())));
  assert.ok(m1.name < m2.name && m2.name < m3.name);

  const d = createMasterDetector(zkAddress(path));
  assert.ok(d instanceof ZkMasterDetector);
  t.after(() => d.stop());
  const changes = watch(d);
  d.start();
  const leader = await d.waitForLeader(undefined, 20_000);
  assert.equal(leader.url, 'http://127.0.0.1:5051');
  assert.equal(leader.info?.id, 'm1');
  assert.equal(leader.member, m1.name);

  // A non-leader leaving changes nothing.
  await m2.close();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(d.leader?.info?.id, 'm1');

  // The leader leaving cleanly: the next lowest takes over, seen within the watch round trip.
  const t0 = performance.now();
  await m1.close();
  await waitFor('m3 leads', () => d.leader?.info?.id === 'm3', { timeoutMs: 20_000 });
  const seenAfter = performance.now() - t0;
  assert.ok(seenAfter < 10_000, `detected in ${seenAfter} ms`);
  assert.equal(d.leader!.url, 'http://127.0.0.1:5053');

  // A newcomer has a higher sequence and does not take over.
  const m4 = await joinGroup(zk.connectionString, path, masterInfo('m4', 5054));
  t.after(() => m4.close());
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(d.leader?.info?.id, 'm3');

  // Last member gone but m4: m4; then nobody: no leader.
  await m3.close();
  await waitFor('m4 leads', () => d.leader?.info?.id === 'm4', { timeoutMs: 20_000 });
  await m4.close();
  await waitFor('no leader', () => d.leader === undefined, { timeoutMs: 20_000 });
  assert.deepEqual(
    changes.map((c) => c?.info?.id),
    ['m1', 'm3', 'm4', undefined],
  );
});

test('leader change on session loss: a SIGKILLed master leaves after its session timeout', async (t) => {
  const path = `/${uniqueName('mesos')}`;
  const group = new ProcGroup();
  t.after(() => group.killAll());
  const a = await spawnMember(group, zk.connectionString, path, masterInfo('crashy', 6001), 2000);
  const b = await joinGroup(zk.connectionString, path, masterInfo('standby', 6002));
  t.after(() => b.close());
  const d = createMasterDetector(zkAddress(path));
  t.after(() => d.stop());
  d.start();
  assert.equal((await d.waitForLeader(undefined, 20_000)).info?.id, 'crashy');
  const t0 = performance.now();
  a.proc.signal('SIGKILL');
  await waitFor('standby leads after the session expires', () => d.leader?.info?.id === 'standby', { timeoutMs: 30_000 });
  const took = performance.now() - t0;
  // The ephemeral node outlives the dead process by about one session timeout, not much less.
  assert.ok(took > 500, `took only ${took} ms: the node vanished before the session could have expired`);
  assert.equal(d.leader!.url, 'http://127.0.0.1:6002');
});

test('no group node means no leader until one appears; waitForLeader honours abort and timeout', async (t) => {
  const path = `/${uniqueName('absent')}/mesos`;
  const d = createMasterDetector(zkAddress(path));
  t.after(() => d.stop());
  d.start();
  await assert.rejects(d.waitForLeader(undefined, 500), (e: unknown) => e instanceof DetectorError && e.reason === 'NoLeader');
  const ctl = new AbortController();
  const p = d.waitForLeader(ctl.signal);
  ctl.abort(new Error('gave up'));
  await assert.rejects(p, /gave up/);
  assert.equal(d.leader, undefined);
  const waiting = d.waitForLeader(undefined, 20_000);
  const m = await joinGroup(zk.connectionString, path, masterInfo('late', 7001));
  t.after(() => m.close());
  assert.equal((await waiting).info?.id, 'late');
});

test('digest credentials from zk://user:pass@ read protected members; without them there is no leader', async (t) => {
  const path = `/${uniqueName('secure')}`;
  const digest = createHash('sha1').update('mesos:s3cret').digest('base64');
  const acls = [new ACL(Permission.ALL, new Id('digest', `mesos:${digest}`))];
  const m = await joinGroup(zk.connectionString, path, masterInfo('secure', 8001), { acls, auth: 'mesos:s3cret' });
  t.after(() => m.close());

  const withAuth = createMasterDetector(zkAddress(path, 'mesos:s3cret'));
  t.after(() => withAuth.stop());
  withAuth.start();
  assert.equal((await withAuth.waitForLeader(undefined, 20_000)).info?.id, 'secure');
  // The same credentials given apart from the URL (--zk-username / --zk-password-file, spec.mesos.zkCredentialsSecret).
  const apart = createMasterDetector(withZkAuth(zkAddress(path), { user: 'mesos', password: 's3cret' }));
  t.after(() => apart.stop());
  apart.start();
  assert.equal((await apart.waitForLeader(undefined, 20_000)).info?.id, 'secure');

  // Warnings reach the log (at warn, each message at most once a minute) when the detector has a logger.
  const logged: Array<{ level: string; msg: string }> = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { for (const l of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(l)); cb(); } });
  const without = createMasterDetector(zkAddress(path), { logger: createLogger({ name: 'detector', level: 'info', pretty: false, destination: sink }) });
  const warnings: string[] = [];
  without.on('warning', (w) => warnings.push(w));
  t.after(() => without.stop());
  without.start();
  await assert.rejects(without.waitForLeader(undefined, 1500), (e: unknown) => e instanceof DetectorError && e.reason === 'NoLeader');
  assert.equal(without.leader, undefined);
  assert.ok(warnings.some((w) => /NO_AUTH/.test(w) && /user:password/.test(w)), JSON.stringify(warnings));
  const noAuth = logged.filter((l) => /NO_AUTH/.test(l.msg));
  assert.ok(noAuth.length >= 1 && noAuth.every((l) => l.level === 'warn'), JSON.stringify(logged));
  assert.equal(new Set(noAuth.map((l) => l.msg)).size, noAuth.length, 'each message logged once within the minute');
});

test('unusable MasterInfo in the leading member is a warning and no leader; a multi-host URL with a dead host works', async (t) => {
  const path = `/${uniqueName('garbage')}`;
  const admin = await connectZk(zk.connectionString);
  t.after(() => closeZkClient(admin));
  await mkdirp(admin, path);
  const bad = await create(admin, `${path}/json.info_`, Buffer.from('{not json'), CreateMode.EPHEMERAL_SEQUENTIAL);
  const dead = await freePort();
  const p = parseMesosMaster(`zk://127.0.0.1:${dead},${zk.connectionString}${path}`);
  assert.ok(p.ok);
  const d = createMasterDetector(p.value);
  const warnings: string[] = [];
  d.on('warning', (w) => warnings.push(w));
  t.after(() => d.stop());
  d.start();
  await waitFor('a warning about the bad member', () => warnings.find((w) => w.includes('unusable MasterInfo')), { timeoutMs: 30_000 });
  assert.equal(d.leader, undefined);
  const good = await joinGroup(zk.connectionString, path, masterInfo('good', 9001));
  t.after(() => good.close());
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(d.leader, undefined, 'the lower, unusable member still leads');
  await new Promise<void>((resolve, reject) => admin.remove(bad, (err) => (err ? reject(err) : resolve())));
  await waitFor('good leads', () => d.leader?.info?.id === 'good', { timeoutMs: 20_000 });
});

test('ZooKeeper restart: the detector reconnects and still knows the leader', async (t) => {
  const path = `/${uniqueName('restart')}`;
  // A dedicated server, so restarting it does not disturb the other tests.
  const own = await ZooKeeperServer.start();
  t.after(() => own.stop());
  const admin = await connectZk(own.connectionString, { sessionTimeoutMs: 10_000 });
  t.after(() => closeZkClient(admin));
  await mkdirp(admin, path);
  await create(admin, `${path}/json.info_`, Buffer.from(JSON.stringify(masterInfo('durable', 5555))), CreateMode.PERSISTENT_SEQUENTIAL);
  const p = parseMesosMaster(`zk://${own.connectionString}${path}`);
  assert.ok(p.ok);
  const d = createMasterDetector(p.value, { zkSessionTimeoutMs: 10_000 });
  t.after(() => d.stop());
  d.start();
  assert.equal((await d.waitForLeader(undefined, 20_000)).info?.id, 'durable');
  await own.restart();
  // The writes after the restart go through a fresh client: whether `admin`'s own session lived through the restart
  // is not under test (the detector's reconnect is), and a client whose session expired while the server was down
  // leaves its queued requests unanswered — in CI that hung this test for its whole 10-minute timeout. Every call
  // below is bounded.
  const writer = await connectZk(own.connectionString, { sessionTimeoutMs: 10_000 });
  t.after(() => closeZkClient(writer));
  // A second persistent member with a higher sequence; the detector must be watching again to stay right.
  await withTimeout(create(writer, `${path}/json.info_`, Buffer.from(JSON.stringify(masterInfo('second', 5556))), CreateMode.PERSISTENT_SEQUENTIAL), 20_000, 'the second member written');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(d.leader?.info?.id, 'durable');
  const kids = await withTimeout(new Promise<string[]>((resolve, reject) => writer.getChildren(path, (err, c) => (err ? reject(err) : resolve(c)))), 20_000, 'the group members listed');
  const first = kids.sort()[0]!;
  await withTimeout(new Promise<void>((resolve, reject) => writer.remove(`${path}/${first}`, (err) => (err ? reject(err) : resolve()))), 20_000, 'the first member removed');
  await waitFor('second leads after the first member is removed', () => d.leader?.info?.id === 'second', { timeoutMs: 30_000 });
});

test('a read that fails while connected (it set no watch) is retried: the detector does not go blind until the next reconnect', async (t) => {
  const path = `/${uniqueName('retry')}`;
  const admin = await connectZk(zk.connectionString);
  t.after(() => closeZkClient(admin));
  await mkdirp(admin, path);
  await create(admin, `${path}/json.info_`, Buffer.from(JSON.stringify(masterInfo('m1', 5555))), CreateMode.PERSISTENT_SEQUENTIAL);
  // The client library's own getChildren, failing its first call for this path as a lost connection would.
  const proto = Object.getPrototypeOf(createZkClient(zk.connectionString, {})) as { getChildren: (...a: unknown[]) => void };
  const original = proto.getChildren;
  let failed = 0;
  proto.getChildren = function (this: unknown, ...a: unknown[]) {
    const cb = a.at(-1) as (err: unknown) => void;
    if (a[0] === path && failed === 0) {
      failed++;
      setImmediate(() => cb((zookeeper.Exception as unknown as { create(code: number): Error }).create(zookeeper.Exception.CONNECTION_LOSS)));
      return;
    }
    original.apply(this, a);
  };
  t.after(() => (proto.getChildren = original));
  const p = parseMesosMaster(`zk://${zk.connectionString}${path}`);
  assert.ok(p.ok);
  const d = createMasterDetector(p.value);
  t.after(() => d.stop());
  d.start();
  assert.equal((await d.waitForLeader(undefined, 10_000)).info?.id, 'm1');
  assert.equal(failed, 1, 'the first listing failed');
  // And the retried listing set the child watch again: a change is seen.
  await create(admin, `${path}/json.info_`, Buffer.from(JSON.stringify(masterInfo('m2', 5556))), CreateMode.PERSISTENT_SEQUENTIAL);
  const kids = await new Promise<string[]>((resolve, reject) => admin.getChildren(path, (err, c) => (err ? reject(err) : resolve(c))));
  await new Promise<void>((resolve, reject) => admin.remove(`${path}/${kids.sort()[0]!}`, (err) => (err ? reject(err) : resolve())));
  await waitFor('m2 leads', () => d.leader?.info?.id === 'm2', { timeoutMs: 10_000 });
});

test('stopping a detector at any moment of its connection handshake neither crashes nor leaves a client running', async () => {
  // node-zookeeper-client throws from a socket listener when closed mid-handshake; src/mesos/zk-client.ts contains it.
  for (const delay of [0, 1, 2, 3, 5, 8, 13, 30]) {
    for (const conn of [zk.connectionString, `127.0.0.1:1,${zk.connectionString}`]) {
      const p = parseMesosMaster(`zk://${conn}/mesos`);
      assert.ok(p.ok);
      const d = createMasterDetector(p.value);
      d.start();
      await new Promise((r) => setTimeout(r, delay));
      const t0 = performance.now();
      await d.stop();
      assert.ok(performance.now() - t0 < 6000);
    }
  }
  // The same for a bare client: closed for real (state CLOSED), not reconnecting.
  for (const delay of [0, 1, 2, 5]) {
    const c = createZkClient(zk.connectionString, { sessionTimeout: 2000, spinDelay: 100 });
    c.connect();
    await new Promise((r) => setTimeout(r, delay));
    await closeZkClient(c);
    assert.equal(zkConnected(c), false);
    assert.equal((c as unknown as { connectionManager: { state: number } }).connectionManager.state, -2);
  }
});
