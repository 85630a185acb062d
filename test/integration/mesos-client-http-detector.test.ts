// HTTP leading-master detection (host:port lists) against the emulator's /redirect: candidates in turn, refused
// candidates skipped, 503 = no leader, re-detection on a reported failure and on the refresh interval.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { parseMesosMaster } from '../../src/api/addresses.js';
import { MesosCluster } from '../../src/devstack/mesos/index.js';
import { createMasterDetector, DetectorError, HttpMasterDetector, type CreateDetectorOptions } from '../../src/mesos/detector.js';
import { freePort } from '../../src/util/net.js';
import { waitFor } from '../helpers/wait.js';

async function cluster(t: TestContext): Promise<MesosCluster> {
  const c = await MesosCluster.start({ masters: 3, agents: 1, clock: 'real' });
  t.after(() => c.stop());
  return c;
}

function detector(t: TestContext, address: string, opts: CreateDetectorOptions = {}): HttpMasterDetector {
  const p = parseMesosMaster(address);
  assert.ok(p.ok, JSON.stringify(p));
  const d = createMasterDetector(p.value, { probeTimeoutMs: 2000, ...opts });
  assert.ok(d instanceof HttpMasterDetector);
  t.after(() => d.stop());
  return d;
}

test('a dead first candidate is skipped; any live master names the leader', async (t) => {
  const mc = await cluster(t);
  const dead = await freePort();
  const hostports = mc.masterUrls.map((u) => u.replace('http://', ''));
  const d = detector(t, [`127.0.0.1:${dead}`, ...hostports.reverse()].join(','));
  d.start();
  const l = await d.waitForLeader(undefined, 20_000);
  assert.equal(l.url, mc.leaderUrl);
  // Single host:port and http:// forms too.
  const d2 = detector(t, mc.masterUrls.find((u) => u !== mc.leaderUrl)!);
  d2.start();
  assert.equal((await d2.waitForLeader(undefined, 20_000)).url, mc.leaderUrl);
});

test('no leader (503 everywhere) until one is elected; a reported failure re-detects at once', async (t) => {
  const mc = await cluster(t);
  mc.loseLeadership();
  const d = detector(t, mc.masterAddress, { refreshIntervalMs: 0 });
  const changes: Array<string | undefined> = [];
  d.on('change', (l) => changes.push(l?.url));
  d.start();
  await assert.rejects(d.waitForLeader(undefined, 800), (e: unknown) => e instanceof DetectorError && e.reason === 'NoLeader');
  mc.elect(2);
  assert.equal((await d.waitForLeader(undefined, 20_000)).url, mc.masterUrls[2]);
  // Leadership moves; with refresh off only a failure report makes the detector look again.
  mc.elect(0);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(d.leader?.url, mc.masterUrls[2], 'no polling when refresh is off');
  d.reportFailure(mc.masterUrls[2]!, 'stream lost');
  await waitFor('re-detected', () => d.leader?.url === mc.masterUrls[0], { timeoutMs: 20_000 });
  assert.deepEqual(changes, [mc.masterUrls[2], mc.masterUrls[0]]);
});

test('the refresh interval notices a leader change without any report', async (t) => {
  const mc = await cluster(t);
  const d = detector(t, mc.masterAddress, { refreshIntervalMs: 200 });
  d.start();
  await d.waitForLeader(undefined, 20_000);
  const next = (mc.leaderIndex! + 1) % 3;
  mc.elect(next);
  await waitFor('refresh saw the new leader', () => d.leader?.url === mc.masterUrls[next], { timeoutMs: 20_000 });
  await d.stop();
  await assert.rejects(d.waitForLeader(), (e: unknown) => e instanceof DetectorError && e.reason === 'DetectorStopped');
});
