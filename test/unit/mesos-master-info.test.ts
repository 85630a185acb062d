// Leader choice among ZooKeeper members and MasterInfo → URL (shared/reference/mesos-scheduler-api.md §3.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipFromPacked, masterHostPort, masterUrl, parseMasterInfo, pickLeaderMember } from '../../src/mesos/master-info.js';
import type { MasterInfo } from '../../src/mesos/types.js';

test('lowest json.info_ sequence leads; other children are ignored', () => {
  assert.equal(pickLeaderMember(['json.info_0000000012', 'json.info_0000000003', 'json.info_0000000007']), 'json.info_0000000003');
  assert.equal(pickLeaderMember(['log_replicas', 'info_0000000001', '0000000000', 'json.info_0000000009']), 'json.info_0000000009');
  assert.equal(pickLeaderMember(['json.info_', 'json.info_x1', 'json.info_12abc', 'xjson.info_0000000001']), undefined);
  assert.equal(pickLeaderMember([]), undefined);
  assert.equal(pickLeaderMember(['log_replicas']), undefined);
  // numeric, not lexicographic
  assert.equal(pickLeaderMember(['json.info_10', 'json.info_9']), 'json.info_9');
});

test('packed IPv4 in network byte order', () => {
  assert.equal(ipFromPacked(16777343), '127.0.0.1');
  assert.equal(ipFromPacked(0x0500000a), '10.0.0.5');
  assert.equal(ipFromPacked(-1), undefined);
  assert.equal(ipFromPacked(2 ** 32), undefined);
});

const full: MasterInfo = {
  id: 'm1',
  ip: 0x0500000a,
  port: 5050,
  pid: 'master@10.0.0.5:5050',
  hostname: 'mesos-1.example',
  address: { hostname: 'mesos-1.internal', ip: '10.0.0.6', port: 5051 },
};

test('address.hostname / address.ip + address.port first', () => {
  assert.equal(masterUrl(full), 'http://mesos-1.internal:5051');
  assert.equal(masterUrl(full, 'https', true), 'https://10.0.0.6:5051');
  assert.deepEqual(masterHostPort({ ...full, address: { ip: '10.0.0.6', port: 5051 } }), { host: '10.0.0.6', port: 5051 });
});

test('falls back to hostname (or packed ip) + port, then to the pid', () => {
  const noAddr = { ...full, address: undefined };
  assert.equal(masterUrl(noAddr), 'http://mesos-1.example:5050');
  assert.equal(masterUrl(noAddr, 'http', true), 'http://10.0.0.5:5050');
  assert.equal(masterUrl({ id: 'm', ip: 0x0500000a, port: 5050 }), 'http://10.0.0.5:5050');
  assert.equal(masterUrl({ id: 'm', ip: Number.NaN, port: 0, pid: 'master@10.1.2.3:5055' }), 'http://10.1.2.3:5055');
  assert.equal(masterUrl({ id: 'm', ip: Number.NaN, port: 0 }), undefined);
  assert.equal(masterUrl({ id: 'm', ip: Number.NaN, port: 5050, address: { hostname: '::1', port: 5050 } }), 'http://[::1]:5050');
});

test('MasterInfo JSON parsing', () => {
  const ok = parseMasterInfo(Buffer.from(JSON.stringify(full)));
  assert.ok(ok.ok && ok.info.id === 'm1');
  assert.equal(parseMasterInfo('not json').ok, false);
  assert.equal(parseMasterInfo('[1]').ok, false);
  assert.equal(parseMasterInfo('{"hostname":"x"}').ok, false);
});
