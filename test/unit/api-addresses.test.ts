import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMesosMaster, parseZkUrl, parseEtcdEndpoint, parseHostPort, withZkAuth } from '../../src/api/addresses.js';
import { parseDurationSeconds, formatDuration } from '../../src/util/time.js';

test('zk:// URLs with several hosts, credentials and a path (which new URL() cannot parse)', () => {
  const p = parseZkUrl('zk://user:p%40ss@z1:2181,z2:2182,z3/mesos');
  assert.ok(p.ok);
  assert.deepEqual(p.value, {
    kind: 'zk',
    connectionString: 'z1:2181,z2:2182,z3:2181',
    servers: [{ host: 'z1', port: 2181 }, { host: 'z2', port: 2182 }, { host: 'z3', port: 2181 }],
    path: '/mesos',
    auth: { user: 'user', password: 'p@ss' },
  });
  const root = parseZkUrl('zk://z1:2181');
  assert.ok(root.ok && root.value.path === '/');
});

test('a zk:// URL that does not parse is an error whose message masks the password (it reaches status and logs)', () => {
  const bad = parseZkUrl('zk://k8sm:50%zz-s3cret@z1:2181/mesos');
  assert.ok(!bad.ok);
  assert.equal(bad.error, '"zk://k8sm:***@z1:2181/mesos": the user or password has a malformed %-escape (write % as %25)');
  const badHost = parseMesosMaster('zk://k8sm:s3cret@z1:99999/mesos');
  assert.ok(!badHost.ok && badHost.error.startsWith('"zk://k8sm:***@z1:99999/mesos": ZooKeeper host') && !badHost.error.includes('s3cret'), !badHost.ok ? badHost.error : '');
  const path = parseZkUrl('zk://u:p@ss@z1/me sos');
  assert.ok(!path.ok && !path.error.includes('p@ss') && path.error.includes('zk://u:***@z1/me sos'));
});

test('http masters: host:port, URLs, comma lists, IPv6', () => {
  const p = parseMesosMaster('m0:5050, https://m1:5443,m2,[::1]:5051');
  assert.ok(p.ok && p.value.kind === 'http');
  assert.deepEqual(p.value.urls, ['http://m0:5050', 'https://m1:5443', 'http://m2:5050', 'http://[::1]:5051']);
});

test('with TLS (--mesos-tls) a bare host:port is an https master on the Mesos port; explicit URLs keep their scheme', () => {
  const p = parseMesosMaster('m0:5050,m2,https://m3,http://m4:5050', { tls: true });
  assert.ok(p.ok && p.value.kind === 'http');
  assert.deepEqual(p.value.urls, ['https://m0:5050', 'https://m2:5050', 'https://m3:443', 'http://m4:5050']);
});

test('bad addresses are rejected with a hint', () => {
  for (const [s, re] of [
    ['', /is empty/],
    ['ftp://m:21', /unsupported scheme/],
    ['m0:5050:1', /too many ":"/],
    ['zk://z1:2181/mesos//x', /znode path/],
  ] as const) {
    const p = parseMesosMaster(s);
    assert.ok(!p.ok, s);
    assert.match(p.error, re);
  }
  assert.ok(!parseHostPort('[::1').ok);
  assert.deepEqual(parseEtcdEndpoint('HTTPS://e:2379/'), { ok: true, value: 'https://e:2379' });
  assert.ok(!parseEtcdEndpoint('e:2379').ok);
});

test('Go durations', () => {
  assert.equal(parseDurationSeconds('168h'), 604800);
  assert.equal(parseDurationSeconds('1h30m'), 5400);
  assert.equal(parseDurationSeconds('1.5h'), 5400);
  assert.equal(parseDurationSeconds('250ms'), 0.25);
  assert.equal(parseDurationSeconds('90'), 90);
  assert.equal(parseDurationSeconds(' 2s '), 2);
  assert.equal(parseDurationSeconds('-1h'), -3600);
  assert.equal(parseDurationSeconds('1 h'), undefined);
  assert.equal(parseDurationSeconds('1d'), undefined);
  assert.equal(parseDurationSeconds(''), undefined);
  assert.equal(formatDuration(604800), '168h');
  assert.equal(formatDuration(5430), '1h30m30s');
  assert.equal(formatDuration(0.25), '0.25s');
});

test('ZooKeeper credentials given apart from the URL go to a zk:// master only', () => {
  const zk = parseMesosMaster('zk://z1:2181/mesos');
  const http = parseMesosMaster('m1:5050');
  assert.ok(zk.ok && http.ok);
  assert.deepEqual(withZkAuth(zk.value, { user: 'mesos', password: 's3cret' }), { ...zk.value, auth: { user: 'mesos', password: 's3cret' } });
  assert.equal(withZkAuth(zk.value, undefined), zk.value);
  assert.equal(withZkAuth(http.value, { user: 'mesos', password: 's3cret' }), http.value);
});
