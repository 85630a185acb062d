// The Informer against a scripted transport (no server): how it treats the API server under stress — 410 answered
// by the watch (no LIST loop, back-off not reset by a list, consistent relist, logged and counted), Retry-After
// on list and watch errors, which resourceVersion its lists ask for, and when its back-off resets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { goneIsRepeated, Informer, listResourceVersion, relistAtOnceAfterGone, retryWaitMs, watchProvedHealthy, type InformerTransport, type KubeObject, type ListQuery, type ListResult, type WatchQuery } from '../../src/kube/informer.js';
import { ApiError } from '../../src/kube/errors.js';
import { waitFor } from '../helpers/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

type OnEvent = (type: string, obj: unknown) => void;
type OnDone = (err: unknown) => void;

/** A transport whose list and watch behaviour each test scripts; it records every request with its time. */
class Scripted implements InformerTransport<KubeObject> {
  readonly lists: Array<{ q: ListQuery; at: number }> = [];
  readonly watches: Array<{ q: WatchQuery; at: number; endedAt?: number }> = [];
  constructor(
    private readonly onList: (q: ListQuery, n: number) => Promise<ListResult<KubeObject>>,
    private readonly onWatch: (q: WatchQuery, ev: OnEvent, done: OnDone, n: number) => (() => void) | void,
  ) {}
  list(q: ListQuery): Promise<ListResult<KubeObject>> {
    this.lists.push({ q, at: now() });
    return this.onList(q, this.lists.length - 1);
  }
  async watch(q: WatchQuery, onEvent: OnEvent, onDone: OnDone) {
    const rec: { q: WatchQuery; at: number; endedAt?: number } = { q, at: now() };
    this.watches.push(rec);
    let over = false;
    const done: OnDone = (err) => {
      if (over) return;
      over = true;
      rec.endedAt = now();
      onDone(err);
    };
    const ev: OnEvent = (t, o) => {
      if (!over) onEvent(t, o);
    };
    const stop = this.onWatch(q, ev, done, this.watches.length - 1);
    return {
      abort: () => {
        over = true;
        rec.endedAt ??= now();
        stop?.();
      },
    };
  }
}

const obj = (name: string, rv: string): KubeObject => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } });
const okList = (rv = '10'): Promise<ListResult<KubeObject>> => Promise.resolve({ items: [obj('a', rv)], resourceVersion: rv });
/** Emits `fn` on the next turn (a server answers asynchronously). */
const later = (fn: () => void, ms = 1) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

function capture(): { logger: pino.Logger; lines: Array<{ level: number; msg: string; [k: string]: unknown }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

// ---- pure decisions ------------------------------------------------------------------------------------------

test('decisions: relist at once after 410 only when the last list is old; Retry-After stretches the wait (capped)', () => {
  assert.equal(relistAtOnceAfterGone(undefined, 10_000), true, 'never listed: nothing to protect');
  assert.equal(relistAtOnceAfterGone(9_999, 10_000), false);
  assert.equal(relistAtOnceAfterGone(10_000, 10_000), true);
  assert.equal(retryWaitMs(800, undefined, 30_000), 800);
  assert.equal(retryWaitMs(800, 0, 30_000), 800);
  assert.equal(retryWaitMs(800, 10, 30_000), 10_000);
  assert.equal(retryWaitMs(20_000, 10, 30_000), 20_000, 'the back-off when it is longer');
  assert.equal(retryWaitMs(800, 3600, 30_000), 30_000, 'capped');
  assert.equal(listResourceVersion(false), '0');
  assert.equal(listResourceVersion(true), undefined);
  assert.equal(watchProvedHealthy(200_000, false, 120_000), false, 'open but silent proves nothing');
  assert.equal(watchProvedHealthy(119_999, true, 120_000), false);
  assert.equal(watchProvedHealthy(120_000, true, 120_000), true);
  assert.equal(goneIsRepeated(undefined, 5, 60_000), false);
  assert.equal(goneIsRepeated(1_000, 30_000, 60_000), true);
  assert.equal(goneIsRepeated(1_000, 61_001, 60_000), false);
});

// ---- 410 -----------------------------------------------------------------------------------------------------

for (const form of ['ERROR event', 'HTTP status'] as const) {
  test(`a watch that keeps answering 410 (${form}) right after each list backs off between relists instead of looping; logged and counted`, { timeout: 30_000 }, async (t) => {
    const { logger, lines } = capture();
    const tr = new Scripted(
      () => okList(),
      (_q, ev, done) => later(() => (form === 'ERROR event' ? ev('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' }) : done(Object.assign(new Error('Gone'), { statusCode: 410 })))),
    );
    const inf = new Informer({ name: 'pods', transport: tr, backoff: { initialMs: 50, maxMs: 400, random: () => 0 }, logger });
    t.after(() => inf.stop());
    inf.start();
    await sleep(1500);
    await inf.stop();
    const n = tr.lists.length;
    // 50, 100, 200, 400, 400 ms between lists: about 6 in 1.5 s. Without the back-off it is thousands.
    assert.ok(n >= 3 && n <= 10, `${n} LISTs in 1.5 s`);
    const gaps = tr.lists.slice(1).map((l, i) => l.at - tr.lists[i]!.at);
    assert.ok(gaps.slice(2).every((g) => g >= 150), `the back-off grows across list → 410 cycles (a successful list does not reset it): ${gaps.map(Math.round)}`);
    const s = inf.stats();
    const cause = form === 'ERROR event' ? 'goneEvent' : 'goneHttp';
    assert.ok(s.relistsByCause[cause] >= n - 2, `relistsByCause.${cause} = ${s.relistsByCause[cause]}`);
    assert.ok(s.relists >= n - 2, `every list after the first is a relist: ${s.relists} of ${n}`);
    assert.ok(s.errors >= 1, 'a 410 repeated within a minute counts as an error');
    assert.match(s.lastError ?? '', /410 Gone again/);
    const goneLogs = lines.filter((l) => /resourceVersion expired \(410\)/.test(l.msg));
    assert.equal(goneLogs[0]?.level, 30, 'the first 410 is logged at info');
    assert.ok(goneLogs.length >= 2 && goneLogs.slice(1).every((l) => l.level === 40), 'repeated ones at warn');
    assert.equal(goneLogs[0]?.via, form);
  });
}

test('a 410 after an old list relists at once, with a consistent list (no resourceVersion); the first list reads the watch cache (resourceVersion=0)', { timeout: 30_000 }, async (t) => {
  let goneAt = 0;
  const tr = new Scripted(
    () => okList(),
    (_q, ev, _done, n) => {
      if (n > 0) return; // the second watch stays open
      return later(() => {
        goneAt = now();
        ev('ERROR', { code: 410, reason: 'Expired' });
      }, 150);
    },
  );
  // A back-off of 5 s would show: the relist must not wait for it, the last list being older than 100 ms.
  const inf = new Informer({ name: 'pods', transport: tr, minRelistIntervalMs: 100, backoff: { initialMs: 5_000, maxMs: 5_000, random: () => 0 } });
  t.after(() => inf.stop());
  inf.start();
  await waitFor('relist', () => tr.lists.length >= 2, { timeoutMs: 4_000 });
  assert.ok(tr.lists[1]!.at - goneAt < 1_000, `relisted ${Math.round(tr.lists[1]!.at - goneAt)} ms after the 410`);
  assert.equal(tr.lists[0]!.q.resourceVersion, '0', 'the first list is served from the watch cache');
  assert.equal(tr.lists[1]!.q.resourceVersion, undefined, 'the relist after a 410 is a consistent read');
  assert.equal(inf.stats().errors, 0, 'a single 410 is routine, not an error');
});

test('which resourceVersion lists ask for: 0 (also when retried after an error), none on continue pages, none after a 410 until a list succeeds', { timeout: 30_000 }, async (t) => {
  const script: Array<(q: ListQuery) => Promise<ListResult<KubeObject>>> = [
    () => Promise.reject(new ApiError(503, 'ServiceUnavailable', 'upgrade')),
    // The watch cache ignores limit for resourceVersion=0 on older servers; a newer one pages: both work.
    () => Promise.resolve({ items: [obj('a', '5')], resourceVersion: '10', continue: 'c1' }),
    () => Promise.resolve({ items: [obj('b', '6')], resourceVersion: '10' }),
    // After the 410:
    () => Promise.reject(new ApiError(500, 'InternalError', 'boom')),
    () => Promise.resolve({ items: [obj('a', '5'), obj('b', '6'), obj('c', '11')], resourceVersion: '12' }),
  ];
  const tr = new Scripted(
    (q, n) => (script[n] ?? (() => okList('12')))(q),
    (_q, ev, _done, n) => (n === 0 ? later(() => ev('ERROR', { code: 410 })) : undefined),
  );
  const inf = new Informer({ name: 'pods', transport: tr, pageSize: 1, minRelistIntervalMs: 0, backoff: { initialMs: 10, maxMs: 20, random: () => 0 } });
  t.after(() => inf.stop());
  inf.start();
  await waitFor('relisted after the 410', () => inf.size === 3, { timeoutMs: 5_000 });
  const qs = tr.lists.map((l) => l.q);
  assert.deepEqual(
    qs.map((q) => ({ rv: q.resourceVersion, cont: q.continue, limit: q.limit })),
    [
      { rv: '0', cont: undefined, limit: 1 },
      { rv: '0', cont: undefined, limit: 1 },
      { rv: undefined, cont: 'c1', limit: 1 },
      { rv: undefined, cont: undefined, limit: 1 },
      { rv: undefined, cont: undefined, limit: 1 },
    ],
  );
  assert.deepEqual(inf.keys().sort(), ['ns/a', 'ns/b', 'ns/c']);
});

test('a page without a continue token ends the list even when a limit was asked (the watch cache ignores it)', { timeout: 30_000 }, async (t) => {
  const tr = new Scripted(
    () => Promise.resolve({ items: [obj('a', '1'), obj('b', '2'), obj('c', '3')], resourceVersion: '3' }),
    () => undefined,
  );
  const inf = new Informer({ name: 'pods', transport: tr, pageSize: 1 });
  t.after(() => inf.stop());
  inf.start();
  await inf.waitForSync(5_000);
  assert.equal(inf.size, 3);
  assert.equal(tr.lists.length, 1);
});

// ---- back-off reset ------------------------------------------------------------------------------------------

test('the back-off resets only after a watch stayed open and delivered for resetAfterMs, not after a list or a first event', { timeout: 30_000 }, async (t) => {
  let listFailures = 4;
  const tr = new Scripted(
    () => (listFailures-- > 0 ? Promise.reject(new ApiError(503, 'ServiceUnavailable', 'x')) : okList()),
    (_q, ev, done, n) => {
      if (n === 0) {
        // One event, then an error: with the back-off reset by the list or the event, the retry would come after
        // 40 ms; it must come after 640 (40 · 2^4).
        const a = later(() => ev('ADDED', obj('b', '11')));
        const b = later(() => done(new ApiError(500, 'InternalError', 'x')), 20);
        return () => (a(), b());
      }
      if (n === 1) {
        // Bookmarks for 500 ms (longer than resetAfterMs), then an error: the retry comes after the initial 40 ms.
        const iv = setInterval(() => ev('BOOKMARK', { metadata: { resourceVersion: '12' } }), 50);
        const b = later(() => done(new ApiError(500, 'InternalError', 'x')), 500);
        return () => (clearInterval(iv), b());
      }
      return undefined;
    },
  );
  const inf = new Informer({ name: 'pods', transport: tr, backoff: { initialMs: 40, maxMs: 10_000, resetAfterMs: 300, random: () => 0 } });
  t.after(() => inf.stop());
  inf.start();
  await waitFor('third watch', () => tr.watches.length >= 3, { timeoutMs: 10_000 });
  const w = tr.watches;
  const gap1 = w[1]!.at - w[0]!.endedAt!;
  const gap2 = w[2]!.at - w[1]!.endedAt!;
  assert.ok(gap1 >= 500, `after a short watch the back-off kept growing: waited ${Math.round(gap1)} ms`);
  // 40 ms when reset; not reset, the back-off would be past 1280 ms by now (a loose bound: a busy machine adds delay).
  assert.ok(gap2 < 1000, `after a watch healthy for longer than resetAfterMs the back-off restarted: waited ${Math.round(gap2)} ms`);
});

// ---- Retry-After ---------------------------------------------------------------------------------------------

test('Retry-After on a list error is honoured (max of back-off and Retry-After)', { timeout: 30_000 }, async (t) => {
  let fail = 1;
  const tr = new Scripted(
    () => (fail-- > 0 ? Promise.reject(new ApiError(429, 'TooManyRequests', 'slow down', { retryAfterSeconds: 1 }, 1)) : okList()),
    () => undefined,
  );
  const inf = new Informer({ name: 'pods', transport: tr, backoff: { initialMs: 20, maxMs: 30_000, random: () => 0 } });
  t.after(() => inf.stop());
  inf.start();
  await inf.waitForSync(10_000);
  const gap = tr.lists[1]!.at - tr.lists[0]!.at;
  assert.ok(gap >= 950, `retried after ${Math.round(gap)} ms, not after the 1 s Retry-After`);
});

test('Retry-After in a watch ERROR event (Status details.retryAfterSeconds) is honoured', { timeout: 30_000 }, async (t) => {
  const tr = new Scripted(
    () => okList(),
    (_q, ev, _done, n) => (n === 0 ? later(() => ev('ERROR', { kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd leader changed', details: { retryAfterSeconds: 1 } })) : undefined),
  );
  const inf = new Informer({ name: 'pods', transport: tr, backoff: { initialMs: 20, maxMs: 30_000, random: () => 0 } });
  t.after(() => inf.stop());
  inf.start();
  await waitFor('second watch', () => tr.watches.length >= 2, { timeoutMs: 10_000 });
  const gap = tr.watches[1]!.at - tr.watches[0]!.endedAt!;
  assert.ok(gap >= 950, `re-watched after ${Math.round(gap)} ms, not after the 1 s Retry-After`);
  assert.equal(tr.lists.length, 1, 'a non-410 watch error does not relist');
});
