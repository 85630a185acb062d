// Pure parts of the session timing contract: validation, renew deadline, keepalive defaults, ack matching.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AckTracker, ElectionConfigError, effectiveTtlMs, renewDeadline, resolveSessionTiming } from '../../src/election/index.js';

test('TTL: whole seconds, at least 2 s, with a message that says why', () => {
  for (const bad of [0, 1, 1.5, -3, Number.NaN, Infinity]) {
    assert.throws(() => resolveSessionTiming({ ttlSeconds: bad }), ElectionConfigError, `TTL ${bad}`);
  }
  assert.throws(() => resolveSessionTiming({ ttlSeconds: 1 }), /at least 2s/);
  assert.throws(() => resolveSessionTiming({ ttlSeconds: 2.5 }), /whole number of seconds/);
  assert.throws(() => resolveSessionTiming({ ttlSeconds: 1e10 }), /maximum/);
  const e = (() => {
    try {
      resolveSessionTiming({ ttlSeconds: 1 });
    } catch (err) {
      return err as ElectionConfigError;
    }
    return undefined;
  })();
  assert.equal(e?.reason, 'InvalidElectionConfig');
});

test('defaults: margin max(500 ms, TTL/4), keepalive (TTL − margin)/3 within [100 ms, 3 s] and ≤ TTL/3', () => {
  const t2 = resolveSessionTiming({ ttlSeconds: 2 });
  assert.deepEqual([t2.ttlMs, t2.marginMs, t2.renewWindowMs, t2.keepaliveIntervalMs], [2000, 500, 1500, 500]);
  const t3 = resolveSessionTiming({ ttlSeconds: 3 });
  assert.deepEqual([t3.marginMs, t3.renewWindowMs, t3.keepaliveIntervalMs], [750, 2250, 750]);
  const t10 = resolveSessionTiming({ ttlSeconds: 10 });
  assert.deepEqual([t10.marginMs, t10.renewWindowMs, t10.keepaliveIntervalMs], [2500, 7500, 2500]);
  const t60 = resolveSessionTiming({ ttlSeconds: 60 });
  assert.deepEqual([t60.marginMs, t60.keepaliveIntervalMs], [15000, 3000]);
  for (const ttl of [2, 3, 5, 10, 15, 30, 60, 3600]) {
    const t = resolveSessionTiming({ ttlSeconds: ttl });
    assert.ok(t.keepaliveIntervalMs <= t.ttlMs / 3, `keepalive ≤ TTL/3 at ${ttl}s`);
    assert.ok(t.keepaliveIntervalMs * 2 <= t.renewWindowMs, `two keepalives fit the renew window at ${ttl}s`);
    assert.ok(t.marginMs >= 500 && t.renewWindowMs >= 1000);
    assert.ok(t.keepaliveStallMs >= 2 * t.keepaliveIntervalMs);
  }
});

test('margin and keepalive validation', () => {
  assert.throws(() => resolveSessionTiming({ ttlSeconds: 10, marginMs: 499 }), /at least 500 ms/);
  assert.throws(() => resolveSessionTiming({ ttlSeconds: 2, marginMs: 1001 }), /TTL − margin must be at least 1000 ms/);
  assert.equal(resolveSessionTiming({ ttlSeconds: 2, marginMs: 1000 }).renewWindowMs, 1000);
  assert.throws(() => resolveSessionTiming({ ttlSeconds: 2, keepaliveIntervalMs: 800 }), /at most 750 ms/);
  assert.throws(() => resolveSessionTiming({ ttlSeconds: 10, keepaliveIntervalMs: 10 }), /too small/);
  assert.equal(resolveSessionTiming({ ttlSeconds: 15, marginMs: 5000, keepaliveIntervalMs: 2000 }).keepaliveIntervalMs, 2000);
});

test('renew deadline = last ack + TTL − margin; never later than etcd expiry minus the margin', () => {
  const t = resolveSessionTiming({ ttlSeconds: 10, marginMs: 3000 });
  assert.equal(renewDeadline(1000, t), 8000);
  // The ack is the request's send time; the server renewed later, so its expiry is later still.
  const sentAt = 50_000;
  const serverRenewedAt = sentAt + 37;
  assert.ok(serverRenewedAt + t.ttlMs - renewDeadline(sentAt, t) >= t.marginMs);
});

test('effective TTL never exceeds the requested one', () => {
  assert.equal(effectiveTtlMs(2, 2), 2000);
  assert.equal(effectiveTtlMs(2, 5), 2000, 'etcd may raise a short TTL to its minimum; we still step down on ours');
  assert.equal(effectiveTtlMs(10, 8), 8000);
  assert.equal(effectiveTtlMs(3, undefined), 3000);
  assert.equal(effectiveTtlMs(3, 0), 3000);
});

test('AckTracker matches in-order answers to send times; reset forgets a dead stream', () => {
  const a = new AckTracker();
  assert.equal(a.acked(), undefined, 'an unsolicited answer acknowledges nothing');
  a.sent(10);
  a.sent(20);
  a.sent(30);
  assert.equal(a.oldestOutstanding(), 10);
  assert.equal(a.acked(), 10);
  assert.equal(a.acked(), 20);
  assert.equal(a.pending, 1);
  a.reset();
  assert.equal(a.pending, 0);
  assert.equal(a.oldestOutstanding(), undefined);
  a.sent(40);
  assert.equal(a.acked(), 40);
});
