// The client factory against real etcd: several endpoints (one dead), TLS with a client certificate, and
// user/password auth — the election and fenced writes work through each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { freePort } from '../../src/util/net.js';
import { Election, LeaseSession, createEtcdClient } from '../../src/election/index.js';
import { keyLayout } from '../../src/api/keys.js';
import { ProcGroup } from '../helpers/procs.js';
import { makeTestCerts } from '../helpers/tls-certs.js';
import { uniqueName, waitFor } from '../helpers/wait.js';

test('several endpoints with one dead: calls, campaign, watch and fenced writes still work', async (t) => {
  const etcd = await EtcdServer.start();
  t.after(() => etcd.stop());
  const dead = `http://127.0.0.1:${await freePort()}`;
  const client = createEtcdClient({ endpoints: `${dead}, ${etcd.endpoint}`, callTimeoutMs: 1000 });
  t.after(() => client.close());
  const layout = keyLayout(`/${uniqueName('multi')}`, 'Kubernetes');
  for (let i = 0; i < 10; i++) {
    await client.put(`${layout.root}/k${i}`).value(String(i));
    assert.equal(await client.get(`${layout.root}/k${i}`).string(), String(i));
  }
  const e = new Election(client, layout.electionPrefix);
  const l1 = await e.campaign(await LeaseSession.grant(client, { ttlSeconds: 2 }), 'one');
  const s2 = await LeaseSession.grant(client, { ttlSeconds: 2 });
  const p2 = e.campaign(s2, 'two');
  await l1.store.put(layout.frameworkId, 'fw');
  await l1.resign();
  const l2 = await p2; // elected through a watch over the same multi-endpoint client
  assert.ok(l2.isLeader);
  await l2.resign();
});

test('TLS (CA + client certificate) and user/password auth: election and fenced writes; bad credentials are refused', async (t) => {
  const certs = makeTestCerts('schedulerha-etcd');
  t.after(() => certs.remove());
  const dir = certs.dir;
  const [cp, pp] = [await freePort(), await freePort()];
  const group = new ProcGroup();
  t.after(() => group.killAll());
  const peer = `http://127.0.0.1:${pp}`;
  const endpoint = `https://127.0.0.1:${cp}`;
  const etcd = group.spawn('etcd', [
    '--name', 't', '--data-dir', join(dir, 'data'),
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `t=${peer}`,
    '--cert-file', join(dir, 'server.crt'), '--key-file', join(dir, 'server.key'),
    '--trusted-ca-file', join(dir, 'ca.crt'), '--client-cert-auth',
  ]);
  const tls = { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') };
  const admin = createEtcdClient({ endpoints: `127.0.0.1:${cp}`, tls, callTimeoutMs: 2000 }); // bare host:port → https with TLS
  t.after(() => admin.close());
  try {
    await waitFor('etcd over TLS', async () => (await admin.put('/probe').value('1'), true), { timeoutMs: 20_000, intervalMs: 200 });
  } catch (err) {
    t.diagnostic(etcd.output().slice(-3000));
    throw err;
  }

  // Enable auth: root (required by etcd) and an election user limited to the framework's keys.
  const layout = keyLayout(`/${uniqueName('tls')}`, 'Kubernetes');
  await admin.role('root').create();
  await admin.user('root').create('root-pw');
  await admin.user('root').addRole('root');
  const role = admin.role('scheduler');
  await role.create();
  await role.grant({ permission: 'Readwrite', range: admin.range({ prefix: `${layout.root}/` }) });
  await admin.user('scheduler').create('s3cret');
  await admin.user('scheduler').addRole('scheduler');
  await admin.auth.authEnable();

  const client = createEtcdClient({ endpoints: [endpoint], tls, auth: { username: 'scheduler', password: 's3cret' }, callTimeoutMs: 2000 });
  t.after(() => client.close());
  const e = new Election(client, layout.electionPrefix);
  const l = await e.campaign(await LeaseSession.grant(client, { ttlSeconds: 2 }), 'tls-leader');
  await l.store.put(layout.frameworkId, 'fw-tls');
  const leader = await e.leader();
  assert.equal(leader?.value, 'tls-leader');
  // Outside its role's range the user is refused.
  await assert.rejects(client.put('/elsewhere').value('x').exec(), /permission denied/);
  await l.resign();

  const wrong = createEtcdClient({ endpoints: [endpoint], tls, auth: { username: 'scheduler', password: 'nope' }, callTimeoutMs: 2000 });
  t.after(() => wrong.close());
  await assert.rejects(wrong.get(layout.frameworkId).string(), /authentication failed/);
  const anonymous = createEtcdClient({ endpoints: [endpoint], tls, callTimeoutMs: 2000 });
  t.after(() => anonymous.close());
  await assert.rejects(anonymous.get(layout.frameworkId).string(), /user name|permission denied|not capable|invalid auth/);
  // Without the CA the server certificate is not trusted.
  const untrusted = createEtcdClient({ endpoints: [endpoint], callTimeoutMs: 1000 });
  t.after(() => untrusted.close());
  await assert.rejects(untrusted.get(layout.frameworkId).string());
});
