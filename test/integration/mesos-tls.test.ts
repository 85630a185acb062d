// https Mesos masters (libprocess SSL) that require a client certificate: masters named by ZooKeeper and given as
// host:port are contacted over https when TLS is on, verified with the given CA; the scheduler client follows a
// master failover, and the operator's observation and TEARDOWN go the same way. Without the CA, or without the
// client certificate, nothing gets through, and the error says why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMesosMaster } from '../../src/api/addresses.js';
import { ZooKeeperServer } from '../../src/devstack/zookeeper.js';
import { MesosCluster } from '../../src/devstack/mesos/index.js';
import { createMasterDetector } from '../../src/mesos/detector.js';
import { SchedulerClient } from '../../src/mesos/scheduler-client.js';
import { mesosTlsOptions, type TlsPem } from '../../src/mesos/tls.js';
import { MesosPool } from '../../src/operator/mesos-pool.js';
import { record } from '../helpers/mesos-client-recorder.js';
import { SchedulerStack } from '../helpers/scheduler-stack.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';
import { uniqueName, waitFor } from '../helpers/wait.js';

let certs: TestCerts;
let zk: ZooKeeperServer;
before(async () => {
  certs = makeTestCerts('schedulerha-mesos');
  zk = await ZooKeeperServer.start();
});
after(async () => {
  await zk?.stop();
  certs?.remove();
});

function masterTls() {
  return { cert: certs.pem.serverCert, key: certs.pem.serverKey, ca: certs.pem.ca, requestCert: true };
}

const src = { ca: 'test CA', cert: 'test client certificate' };

test('zk:// with TLS: the masters ZooKeeper names are reached over https (CA + client certificate), across a master failover; the operator observes and tears down over https', async (t) => {
  const path = `/${uniqueName('mesos-tls')}`;
  const mc = await MesosCluster.start({ masters: 2, agents: 1, clock: 'real', zk: { connectionString: zk.connectionString, path }, tls: masterTls() });
  t.after(() => mc.stop());
  assert.match(mc.leaderUrl!, /^https:\/\//);
  const parsed = parseMesosMaster(mc.zkUrl!, { tls: true });
  assert.ok(parsed.ok);
  const tls = mesosTlsOptions({ ca: certs.pem.ca, cert: certs.pem.clientCert, key: certs.pem.clientKey }, src);
  const detector = createMasterDetector(parsed.value, { scheme: 'https', tls });
  t.after(() => detector.stop());
  const client = new SchedulerClient({ detector, tls, framework: { user: 'root', name: 'k8sm-tls', failoverTimeoutSeconds: 3600, checkpoint: true }, backoff: { initialMs: 20, maxMs: 200 } });
  t.after(() => client.stop());
  const rec = record(client);
  client.start();
  const s1 = await client.waitForSubscribed(undefined, 30_000);
  assert.equal(s1.masterUrl, mc.leaderUrl);
  assert.match(s1.masterUrl, /^https:\/\//);

  const before = mc.leaderUrl;
  await mc.failover();
  assert.notEqual(mc.leaderUrl, before);
  await waitFor('re-subscribed at the new leader over https', () => rec.subscribed.length > 1 && rec.subscribed.at(-1)!.masterUrl === mc.leaderUrl, { timeoutMs: 30_000 });
  assert.equal(rec.subscribed.at(-1)!.frameworkId, s1.frameworkId);
  assert.equal(rec.fatal.length, 0);

  const pool = new MesosPool({ maxAgeMs: 0, callTimeoutMs: 5000 });
  t.after(() => pool.closeAll());
  pool.acquire('ns/tls', mc.zkUrl!, { tls: { pem: { ca: certs.pem.ca, cert: certs.pem.clientCert, key: certs.pem.clientKey }, source: src } });
  const seen = await waitFor('the operator sees the framework connected', async () => {
    const o = await pool.observe('ns/tls', { frameworkId: s1.frameworkId, frameworkName: 'k8sm-tls', tasks: true });
    return o.framework?.connected ? o : undefined;
  }, { timeoutMs: 20_000, intervalMs: 100 });
  assert.equal(seen.masterUrl, mc.leaderUrl);
  await client.stop();
  assert.equal(await pool.teardown('ns/tls', s1.frameworkId), 'torn-down');
  assert.ok(mc.completedFrameworks().some((f) => f.id === s1.frameworkId), 'torn down over https');
});

test('https masters: no CA, no client certificate, a CA that signed nothing of theirs — each refused with the reason; a bad CA file is refused when loaded', async (t) => {
  const mc = await MesosCluster.start({ masters: 1, agents: 0, clock: 'real', tls: masterTls() });
  t.after(() => mc.stop());
  const other = makeTestCerts('schedulerha-other');
  t.after(() => other.remove());
  // waitMs above the call timeout: each observation ends with its call's own error.
  const pool = new MesosPool({ maxAgeMs: 0, callTimeoutMs: 3000, waitMs: 10_000 });
  t.after(() => pool.closeAll());
  const observe = async (owner: string, pem: TlsPem) => {
    pool.acquire(owner, mc.masterAddress, { tls: { pem, source: src } });
    return await pool.observe(owner, { frameworkName: 'x', tasks: false });
  };
  // The reason reaches the error (the detector's last problem), not only "no leading master".
  const noCa = await observe('a', { cert: certs.pem.clientCert, key: certs.pem.clientKey });
  assert.equal(noCa.state, 'error');
  assert.match(noCa.error!, /no leading Mesos master detected within \d+ ms \(https:\/\/127\.0\.0\.1:\d+: SELF_SIGNED_CERT_IN_CHAIN \(self[- ]signed certificate in certificate chain\)\)/);
  const wrongCa = await observe('b', { ca: other.pem.ca, cert: certs.pem.clientCert, key: certs.pem.clientKey });
  assert.equal(wrongCa.state, 'error');
  assert.match(wrongCa.error!, /self[- ]signed certificate|unable to (get|verify)/i);
  const noClientCert = await observe('c', { ca: certs.pem.ca });
  assert.equal(noClientCert.state, 'error', 'the master requires a client certificate');
  assert.match(noClientCert.error!, /https:\/\/127\.0\.0\.1:\d+: .*(certificate|handshake|socket hang up|ECONNRESET)/i);
  const ok = await observe('d', { ca: certs.pem.ca, cert: certs.pem.clientCert, key: certs.pem.clientKey });
  assert.equal(ok.state, 'ok', ok.error);
  assert.match(ok.masterUrl!, /^https:\/\//);
  // Plain http to a TLS master gets nowhere either: TLS off means http://.
  pool.acquire('e', mc.masterAddress);
  assert.equal((await pool.observe('e', { frameworkName: 'x', tasks: false })).state, 'error');

  assert.throws(() => mesosTlsOptions({ ca: 'not a certificate' }, src), /test CA holds no PEM certificate/);
  assert.throws(() => mesosTlsOptions({ ca: certs.pem.ca, cert: certs.pem.clientCert, key: other.pem.clientKey }, src), /test client certificate: the client certificate and key cannot be used/);
  assert.throws(() => mesosTlsOptions({ cert: certs.pem.clientCert }, src), /needs both the certificate and its key/);
});

test('scheduler replicas with --mesos-tls and the CA / client certificate files: the leader subscribes over https, a USR1 hand-off keeps the framework id; a CA file that is no certificate exits 1 naming the flag', async (t) => {
  const files = certs.files;
  const stack = await SchedulerStack.start({
    mesos: { tls: masterTls() },
    extraFlags: ['--mesos-tls', `--mesos-cafile=${files.ca}`, `--mesos-certfile=${files.clientCert}`, `--mesos-keyfile=${files.clientKey}`],
  });
  t.after(() => stack.stop());
  const a = stack.spawn('a');
  const b = stack.spawn('b');
  const first = await stack.waitForReconciledLeader(undefined, 30_000);
  const fw = await stack.frameworkId();
  assert.ok(fw);
  const subs = () => stack.mesos.history.findCalls({ callType: 'SUBSCRIBE', frameworkId: fw }).filter((c) => c.status === 200);
  const leader = stack.leaderReplica(first.term)!;
  const standby = leader === a ? b : a;
  leader.proc.child.kill('SIGUSR1');
  const second = await stack.waitForReconciledLeader(BigInt(first.term), 30_000);
  assert.equal(stack.leaderReplica(second.term), standby);
  assert.equal(await stack.frameworkId(), fw, 'same framework id');
  assert.ok(subs().length >= 2);

  const bad = join(certs.dir, 'not-a-ca.crt');
  writeFileSync(bad, 'hello\n');
  const c = stack.spawn('c', [`--mesos-cafile=${bad}`]);
  const code = await c.proc.exited;
  assert.equal(code, 1);
  assert.match(c.proc.output(), /--mesos-cafile .*not-a-ca\.crt holds no PEM certificate/);
});
