// Conformance: transport and framing (reference §1.1–§1.6, checklist "Transport and framing" and identifiers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordIODecoder } from '../../src/mesos/recordio.js';
import { request, call, openStream, subscribeCall, frameworkInfo, JSON_HEADERS } from '../helpers/mesos-emulator-http.js';
import { startCluster, sub } from '../helpers/mesos-emulator-fixture.js';

test('check order: 405 with Allow: POST, 400 without Content-Type, 415 on any other Content-Type (string equality)', async (t) => {
  const c = await startCluster(t);
  const url = `${c.leaderUrl}/api/v1/scheduler`;
  const get = await request(url, { method: 'GET' });
  assert.equal(get.status, 405);
  assert.equal(get.headers.allow, 'POST');
  const noCt = await request(url, { body: '{}', headers: {} });
  assert.equal(noCt.status, 400);
  assert.equal(noCt.body, "Expecting 'Content-Type' to be present");
  const charset = await request(url, { body: JSON.stringify(subscribeCall(frameworkInfo())), headers: { 'Content-Type': 'application/json; charset=utf-8' } });
  assert.equal(charset.status, 415);
  assert.equal(charset.body, "Expecting 'Content-Type' of application/json or application/x-protobuf");
  // 405 comes before the Content-Type check.
  const getNoCt = await request(url, { method: 'PUT', headers: {} });
  assert.equal(getNoCt.status, 405);
  // The /master prefix reaches the same handler.
  const viaMaster = await request(`${c.leaderUrl}/master/api/v1/scheduler`, { method: 'GET' });
  assert.equal(viaMaster.status, 405);
});

test('JSON codec: bad JSON, wrong kinds, unknown enum, missing required fields → 400; unknown keys ignored', async (t) => {
  const c = await startCluster(t);
  const bad = await call(c.leaderUrl!, '{' as never);
  assert.equal(bad.status, 400);
  const raw = await request(`${c.leaderUrl}/api/v1/scheduler`, { body: '{not json', headers: JSON_HEADERS });
  assert.equal(raw.status, 400);
  assert.match(raw.body, /^Failed to parse body into JSON: /);
  const enumBad = await call(c.leaderUrl!, { type: 'FLY' });
  assert.equal(enumBad.status, 400);
  assert.equal(enumBad.body, "Failed to convert JSON into Call protobuf: Failed to find enum for 'FLY'");
  const kind = await call(c.leaderUrl!, { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 1, name: 'x' } } });
  assert.equal(kind.status, 400);
  assert.match(kind.body, /Not expecting a JSON number for field 'user'/);
  const missing = await call(c.leaderUrl!, { type: 'SUBSCRIBE', subscribe: { framework_info: { name: 'x' } } });
  assert.equal(missing.status, 400);
  assert.equal(missing.body, 'Failed to convert JSON into Call protobuf: Missing required fields: subscribe.framework_info.user');
  const noType = await call(c.leaderUrl!, { framework_id: { value: 'x' } });
  assert.equal(noType.status, 400);
  assert.equal(noType.body, "Failed to validate scheduler::Call: Expecting 'type' to be present");
  // Unknown keys are ignored: a SUBSCRIBE with extra keys succeeds.
  const s = await openStream(c.leaderUrl!, { ...subscribeCall(frameworkInfo({ ...({ bogus: 1 } as object) })), extra_key: true });
  t.after(() => s.close());
  assert.equal(s.status, 200);
  await s.until('SUBSCRIBED', (e) => e[0]?.type === 'SUBSCRIBED');
});

test('406 when Accept allows neither JSON nor protobuf (SUBSCRIBE only); missing Accept means JSON', async (t) => {
  const c = await startCluster(t);
  const r = await request(`${c.leaderUrl}/api/v1/scheduler`, { body: JSON.stringify(subscribeCall(frameworkInfo())), headers: { 'Content-Type': 'application/json', Accept: 'text/html' } });
  assert.equal(r.status, 406);
  assert.equal(r.body, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
  const s = await openStream(c.leaderUrl!, subscribeCall(frameworkInfo()), { 'Content-Type': 'application/json' });
  t.after(() => s.close());
  assert.equal(s.status, 200);
  assert.equal(s.res.headers['content-type'], 'application/json');
  // Non-SUBSCRIBE calls do not negotiate Accept.
  const { frameworkId, streamId } = await sub(t, c);
  const rec = await call(c.leaderUrl!, { type: 'RECONCILE', framework_id: { value: frameworkId }, reconcile: {} }, streamId, { Accept: 'text/html' });
  assert.equal(rec.status, 202);
});

test('SUBSCRIBE → 200, chunked, negotiated Content-Type, fresh v4 UUID Mesos-Stream-Id, SUBSCRIBED then HEARTBEAT', async (t) => {
  const c = await startCluster(t, { heartbeatSeconds: 7 });
  const a = await openStream(c.leaderUrl!, subscribeCall(frameworkInfo()));
  const b = await openStream(c.leaderUrl!, subscribeCall(frameworkInfo()));
  t.after(() => (a.close(), b.close()));
  for (const s of [a, b]) {
    assert.equal(s.status, 200);
    assert.equal(s.res.headers['transfer-encoding'], 'chunked');
    assert.equal(s.res.headers['content-length'], undefined);
    assert.equal(s.res.headers['content-type'], 'application/json');
    assert.match(s.streamId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await s.until('SUBSCRIBED + HEARTBEAT', (e) => e.length >= 2);
    assert.equal(s.events[0]!.type, 'SUBSCRIBED');
    assert.equal(s.events[0]!.subscribed!.heartbeat_interval_seconds, 7);
    assert.equal(s.events[0]!.subscribed!.master_info!.id, c.leader!.info.id);
    assert.equal(s.events[1]!.type, 'HEARTBEAT');
  }
  assert.notEqual(a.streamId, b.streamId);
});

test('new framework ids are <masterId>-NNNN; offer ids <masterId>-O<n>; agent ids <masterId>-S<n>', async (t) => {
  const c = await startCluster(t);
  const mid = c.leader!.info.id;
  const s1 = await sub(t, c);
  const s2 = await sub(t, c);
  assert.equal(s1.frameworkId, `${mid}-0000`);
  assert.equal(s2.frameworkId, `${mid}-0001`);
  for (const a of c.agents) assert.match(a.id, new RegExp(`^${mid}-S\\d+$`));
  await s1.reader.until('offers', (e) => e.some((x) => x.type === 'OFFERS'));
  assert.match(s1.reader.ofType('OFFERS')[0]!.offers!.offers[0]!.id.value, new RegExp(`^${mid}-O\\d+$`));
});

test('RecordIO: decimal byte length, newline, payload, no trailer; decodes under any chunk split; split mode cuts records', async (t) => {
  const c = await startCluster(t);
  c.setChunkMode('split');
  const s = await openStream(c.leaderUrl!, subscribeCall(frameworkInfo({ name: 'ünïcødé ✓' })));
  t.after(() => s.close());
  await s.until('SUBSCRIBED, HEARTBEAT, OFFERS', (e) => e.length >= 3);
  const bytes = Buffer.concat(s.chunks);
  // Parse by hand: "<len>\n<payload>" repeated, length in bytes.
  let off = 0;
  let n = 0;
  while (off < bytes.length) {
    const nl = bytes.indexOf(0x0a, off);
    const len = Number(bytes.subarray(off, nl).toString('ascii'));
    assert.ok(len > 0);
    const payload = bytes.subarray(nl + 1, nl + 1 + len);
    assert.equal(payload.length, len);
    JSON.parse(payload.toString('utf8'));
    off = nl + 1 + len;
    n++;
  }
  assert.equal(off, bytes.length, 'no trailer');
  assert.ok(n >= 3);
  // 'split' mode wrote records across several chunks (the client must buffer).
  assert.ok(s.chunks.length > n, `expected more chunks (${s.chunks.length}) than records (${n})`);
  // Any re-chunking of the same bytes decodes to the same events.
  for (let trial = 0; trial < 50; trial++) {
    const d = new RecordIODecoder();
    const out: string[] = [];
    let i = 0;
    while (i < bytes.length) {
      const k = 1 + Math.floor(Math.random() * 17);
      for (const r of d.push(bytes.subarray(i, i + k))) out.push(r.toString('utf8'));
      i += k;
    }
    d.end();
    assert.equal(out.length, n);
    assert.equal(JSON.parse(out[0]!).type, 'SUBSCRIBED');
  }
  // The framework name with multi-byte characters round-trips (byte lengths, not characters).
  const fws = await request(`${c.leaderUrl}/master/frameworks`, { method: 'GET' });
  assert.equal((JSON.parse(fws.body) as { frameworks: Array<{ name: string }> }).frameworks[0]!.name, 'ünïcødé ✓');
});

test('UNKNOWN call → 501; 202 with an empty body for accepted calls', async (t) => {
  const c = await startCluster(t);
  const s = await sub(t, c);
  const u = await s.call('UNKNOWN');
  assert.equal(u.status, 501);
  const r = await s.call('REVIVE');
  assert.equal(r.status, 202);
  assert.equal(r.body, '');
});

test('401 before the handler when HTTP authentication is configured; principal mismatch → 400', async (t) => {
  const c = await startCluster(t, { masters: 2, credentials: [{ principal: 'k8sm', secret: 's3cret' }] });
  const body = JSON.stringify(subscribeCall(frameworkInfo()));
  const none = await request(`${c.leaderUrl}/api/v1/scheduler`, { body, headers: JSON_HEADERS });
  assert.equal(none.status, 401);
  assert.match(String(none.headers['www-authenticate']), /^Basic realm=/);
  // Even a non-leader authenticates first.
  const nonLeader = await request(`${c.masterUrls[1]}/api/v1/scheduler`, { body, headers: { ...JSON_HEADERS, Authorization: `Basic ${Buffer.from('k8sm:wrong').toString('base64')}` } });
  assert.equal(nonLeader.status, 401);
  const auth = { Authorization: `Basic ${Buffer.from('k8sm:s3cret').toString('base64')}` };
  const mism = await request(`${c.leaderUrl}/api/v1/scheduler`, { body: JSON.stringify(subscribeCall(frameworkInfo({ principal: 'other' }))), headers: { ...JSON_HEADERS, ...auth } });
  assert.equal(mism.status, 400);
  assert.equal(mism.body, "Failed to validate scheduler::Call: Authenticated principal 'k8sm' does not match principal 'other' set in `FrameworkInfo`");
  const ok = await openStream(c.leaderUrl!, subscribeCall(frameworkInfo()), { ...JSON_HEADERS, ...auth });
  t.after(() => ok.close());
  assert.equal(ok.status, 200);
  await ok.until('SUBSCRIBED', (e) => e.length > 0);
  const fwId = ok.events[0]!.subscribed!.framework_id.value;
  assert.equal(c.framework(fwId)!.info.principal, 'k8sm', 'principal filled from the authenticated one');
});
