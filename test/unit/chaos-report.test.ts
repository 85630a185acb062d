// The soak report: replica logs become timelines, timelines become term bars, each fault gets its failover
// duration (and overlapping faults are not double-counted), per-kind percentiles, and the SVG timeline renders
// every term, fault and violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseReplicaLog, readReplicaEvents } from '../../src/devstack/chaos/replica-log.js';
import { faultOutcomes, formatKindTable, percentile, statsByKind, termBars, type SoakFaultRecord, type SoakReport } from '../../src/devstack/chaos/report.js';
import { renderTimelineSvg } from '../../src/devstack/chaos/timeline-svg.js';
import type { ReplicaEvent } from '../../src/devstack/chaos/checker.js';
import type { FaultKind } from '../../src/devstack/chaos/faults.js';

const T = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(T + ms).toISOString();
const line = (ms: number, msg: string, extra: Record<string, unknown> = {}) => JSON.stringify({ level: 'info', time: iso(ms), pid: 77, msg, ...extra });

test('a replica log becomes elected / subscribed / reconciled / lost events, plus the exit the caller knows', () => {
  const text = [
    'not json',
    line(0, 'http listening', { url: 'http://x' }),
    line(100, 'elected leader', { term: '12' }),
    line(150, 'subscribed to Mesos', { term: '12', streamId: 'abc', frameworkId: 'F' }),
    line(180, 'reconciliation complete', { term: '12' }),
    line(900, 'leadership lost; standing by', { term: '12', reason: 'resigned' }),
    line(950, 'something else'),
    '{"broken',
  ].join('\n');
  const ev = parseReplicaLog(text, 'k8sm-0#1', 'k8sm-0', { exitedAt: (pid, last) => (pid === 77 ? last + 50 : undefined) });
  assert.deepEqual(
    ev.map((e) => [e.at - T, e.kind, e.term, e.streamId ?? e.reason ?? '']),
    [
      [100, 'elected', '12', ''],
      [150, 'subscribed', '12', 'abc'],
      [180, 'reconciled', '12', 'complete'],
      [900, 'lost', '12', 'resigned'],
      [1000, 'exited', '', ''],
    ],
  );
  assert.ok(ev.every((e) => e.pod === 'k8sm-0' && e.replica === 'k8sm-0#1' && e.pid === 77));
  assert.equal(parseReplicaLog(text, 'r', 'p').filter((e) => e.kind === 'exited').length, 0, 'no exit without an exit time');
});

test('log files of the pod runner layout are read per incarnation', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-logs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const uid1 = '11111111-1111-1111-1111-111111111111';
  const uid2 = '22222222-2222-2222-2222-222222222222';
  const put = (pod: string, uid: string, n: number, text: string) => {
    mkdirSync(join(dir, `soak_${pod}_${uid}`, 'scheduler'), { recursive: true });
    writeFileSync(join(dir, `soak_${pod}_${uid}`, 'scheduler', `${n}.log`), text);
  };
  put('k8sm-0', uid1, 0, line(10, 'elected leader', { term: '5' }));
  put('k8sm-0', uid1, 1, line(20, 'elected leader', { term: '9' }));
  put('k8sm-1', uid1, 0, line(15, 'elected leader', { term: '7' }));
  put('k8sm-1', uid2, 0, line(30, 'elected leader', { term: '11' }));
  put('other', uid1, 0, line(5, 'elected leader', { term: '1' }));
  mkdirSync(join(dir, `soak_k8sm-0_${uid1}`, 'sandbox'), { recursive: true });
  writeFileSync(join(dir, 'stray-file'), '');
  const ev = readReplicaEvents(dir, 'soak', (n) => n.startsWith('k8sm-'), () => undefined);
  assert.deepEqual(ev.map((e) => `${e.replica}:${e.term}`), ['k8sm-0#0:5', 'k8sm-1/11111#0:7', 'k8sm-0#1:9', 'k8sm-1/22222#0:11']);
  assert.deepEqual(readReplicaEvents(join(dir, 'missing'), 'soak', () => true), []);
});

const ev = (ms: number, replica: string, kind: ReplicaEvent['kind'], term = '', reason?: string): ReplicaEvent => ({ at: T + ms, replica, pod: replica.replace(/#.*/, ''), kind, term, ...(reason ? { reason } : {}) });
const fault = (index: number, ms: number, kind: FaultKind, extra: Partial<SoakFaultRecord> = {}): SoakFaultRecord => ({ index, at: T + ms, kind, gapMs: 1000, waitedForRecovery: true, ...extra });

// a leads term 10; SIGKILL at 1000 (no log), b elected 3000, subscribes 3100; master failover 4000, b re-subscribes
// 4050; a standby SIGKILL at 5000 changes nothing; USR1 of b at 6000 → c elected 6050, subscribed 6100; SIGSTOP of c at
// 7000 (held to 10000) → a elected 9500, subscribed 9600; a standby SIGTERM at 8000 lands while the SIGSTOP is
// being recovered from; b lost at 6020 (resigned).
const events: ReplicaEvent[] = [
  ev(0, 'a#0', 'elected', '10'),
  ev(50, 'a#0', 'subscribed', '10'),
  ev(1000, 'a#0', 'exited'),
  ev(3000, 'b#0', 'elected', '14'),
  ev(3100, 'b#0', 'subscribed', '14'),
  ev(4050, 'b#0', 'subscribed', '14'),
  ev(6020, 'b#0', 'lost', '14', 'resigned'),
  ev(6050, 'c#0', 'elected', '15'),
  ev(6100, 'c#0', 'subscribed', '15'),
  ev(9500, 'a#1', 'elected', '20'),
  ev(9600, 'a#1', 'subscribed', '20'),
  ev(10_050, 'c#0', 'lost', '15', 'renew-deadline'),
];
const faults = [
  fault(0, 1000, 'sigkill-leader', { target: 'a' }),
  fault(1, 4000, 'master-failover'),
  fault(2, 5000, 'sigkill-standby', { target: 'c' }),
  fault(3, 6000, 'usr1-leader', { target: 'b' }),
  fault(4, 7000, 'sigstop-leader', { target: 'c', endedAt: T + 10_000, holdMs: 3000 }),
  fault(5, 8000, 'sigterm-standby', { target: 'b' }),
  fault(6, 11_000, 'usr1-standby', { skipped: true, outcome: 'skipped: no standby' }),
];

test('term bars end at the loss, the exit, or the next term', () => {
  const bars = termBars(events, T + 12_000);
  assert.deepEqual(
    bars.map((b) => [b.term, b.replica, b.from - T, b.to - T, b.end, b.subscribedAt.length]),
    [
      ['10', 'a#0', 0, 1000, 'exited', 1],
      ['14', 'b#0', 3000, 6020, 'lost', 2],
      ['15', 'c#0', 6050, 9500, 'superseded', 1],
      ['20', 'a#1', 9500, 12_000, 'running', 1],
    ],
  );
});

test('each fault gets its failover duration; overlapping faults are not double-counted', () => {
  const o = faultOutcomes(faults, events, T + 12_000);
  const by = (i: number) => o.find((x) => x.index === i)!;
  assert.deepEqual([by(0).leaderBefore, by(0).failover, by(0).failoverMs, by(0).recoveredBy?.term], [{ term: '10', replica: 'a#0' }, true, 2100, '14']);
  assert.deepEqual([by(1).failover, by(1).failoverMs], [true, 50], 'master failover: the same leader re-subscribed');
  assert.deepEqual([by(2).failover, by(2).failoverMs], [false, undefined], 'a standby kill changes nothing');
  assert.deepEqual([by(3).failoverMs, by(3).recoveredBy?.replica], [100, 'c#0']);
  assert.deepEqual([by(4).failoverMs, by(4).recoveredBy?.term], [2600, '20']);
  assert.equal(by(5).failover, false, 'the SIGTERM landed during the SIGSTOP’s recovery');
  assert.equal(by(5).overlapsWith, 4);
  assert.equal(by(6).failover, false);
  const stats = statsByKind(o);
  assert.deepEqual(stats['sigkill-leader'], { injected: 1, skipped: 0, failovers: 1, p50Ms: 2100, p90Ms: 2100, p99Ms: 2100, maxMs: 2100 });
  assert.deepEqual(stats['usr1-standby'], { injected: 0, skipped: 1, failovers: 0 });
  assert.match(formatKindTable(stats), /^fault +injected +skipped +failovers +p50 s/);
  assert.match(formatKindTable(stats), /sigkill-leader +1 +0 +1 +2\.10 +2\.10 +2\.10 +2\.10/);
});

test('nearest-rank percentiles', () => {
  assert.equal(percentile([], 0.5), undefined);
  assert.equal(percentile([5], 0.99), 5);
  const v = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(percentile(v, 0.5), 50);
  assert.equal(percentile(v, 0.99), 99);
  assert.equal(percentile(v, 1), 100);
});

test('the SVG timeline shows every term, every fault and every violation', () => {
  const outcomes = faultOutcomes(faults, events, T + 12_000);
  const report: SoakReport = {
    version: 1,
    seed: 7,
    startedAt: iso(0),
    endedAt: iso(12_000),
    durationSeconds: 12,
    faultPhaseSeconds: 11,
    quietSeconds: 1,
    config: {},
    summary: { ok: false, violations: 1, violationsByKind: { 'stale-term-call': 1 }, faultsPlanned: 7, faultsInjected: 6, faultsSkipped: 1, terms: 4, subscriptions: 5, podsCreated: 3, podsDeleted: 1, tasksLaunched: 3, mesosCalls: 10, mesosEvents: 20 },
    faultsByKind: statsByKind(outcomes),
    faults: outcomes,
    terms: termBars(events, T + 12_000),
    violations: [{ kind: 'stale-term-call', message: 'DECLINE <late>', at: T + 9550, timeline: [] }],
    notes: [],
  };
  const svg = renderTimelineSvg(report);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>$/);
  assert.match(svg, /seed 7: 6 faults, 1 violation,/);
  for (const term of ['10', '14', '15', '20']) assert.match(svg, new RegExp(`<title>term ${term} `));
  for (const f of faults) assert.match(svg, new RegExp(`<title>#${f.index} ${f.kind}`));
  assert.match(svg, /\(skipped\)<\/title>/);
  assert.match(svg, /stale-term-call: DECLINE &lt;late&gt;/, 'violations are marked, text escaped');
  assert.match(svg, /<title>sigkill-leader #0: 2\.10 s to SUBSCRIBED<\/title>/, 'the failover span');
  assert.ok(!/NaN|undefined/.test(svg), 'no NaN or undefined in the drawing');
  // A long run is split into strips.
  const long = renderTimelineSvg({ ...report, endedAt: iso(16 * 60_000) });
  assert.ok(Number(/height="(\d+)"/.exec(long)![1]) > Number(/height="(\d+)"/.exec(svg)![1]), 'more strips, taller drawing');
});
