// Which of several overlapping SchedulerHAs may run its framework (framework-claims.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimOf, judgeClaim, type FrameworkClaim } from '../../src/operator/framework-claims.js';

function claim(ns: string, uid: string, created: string, spec: { frameworkName?: string; prefix?: string; endpoints?: string[] } = {}): FrameworkClaim {
  return claimOf({
    metadata: { namespace: ns, name: 'k8sm', uid, creationTimestamp: created },
    spec: { flags: spec.frameworkName ? { frameworkName: spec.frameworkName } : {}, etcd: { endpoints: spec.endpoints ?? ['http://etcd-0:2379'], ...(spec.prefix ? { prefix: spec.prefix } : {}) } },
  })!;
}

const T1 = '2026-11-01T00:00:00Z';
const T2 = '2026-12-01T00:00:00Z';

test('the same framework name up to case: the younger is held whatever etcd it uses; the older never', () => {
  const old = claim('a', 'u1', T1);
  const young = claim('b', 'u2', T2, { frameworkName: 'kubernetes', endpoints: ['https://other-etcd:2379'], prefix: '/elsewhere' });
  assert.match(judgeClaim(young, [old, young]) ?? '', /SchedulerHA a\/k8sm \(older\) already runs framework "Kubernetes", whose schedulers take every pod with spec\.schedulerName "kubernetes"/);
  assert.equal(judgeClaim(old, [old, young]), undefined);
  // Created in the same second: the uid decides, the same way from both sides.
  const twin = claim('c', 'u0', T2, { frameworkName: 'KUBERNETES' });
  assert.equal([judgeClaim(twin, [young, twin]) === undefined, judgeClaim(young, [young, twin]) === undefined].filter(Boolean).length, 1);
});

test('nested etcd roots on a shared etcd are held in either direction; on separate etcds, or merely sharing a name prefix, they are not', () => {
  const outer = claim('a', 'u1', T1, { frameworkName: 'team-a' }); // /k8sm/team-a
  const inner = claim('b', 'u2', T2, { frameworkName: 'Kubernetes', prefix: '/k8sm/team-a' }); // /k8sm/team-a/Kubernetes
  assert.match(judgeClaim(inner, [outer, inner]) ?? '', /the etcd root \/k8sm\/team-a\/Kubernetes and \/k8sm\/team-a .* nest on the same etcd: this resource's lies inside that of SchedulerHA a\/k8sm/);
  const innerOld = claim('b', 'u2', T1, { frameworkName: 'Kubernetes', prefix: '/k8sm/team-a' });
  const outerYoung = claim('a', 'u1', T2, { frameworkName: 'team-a' });
  assert.match(judgeClaim(outerYoung, [innerOld, outerYoung]) ?? '', /that of SchedulerHA b\/k8sm \(older\) lies inside this resource's/);
  const elsewhere = claim('b', 'u2', T2, { frameworkName: 'Kubernetes', prefix: '/k8sm/team-a', endpoints: ['http://etcd-9:2379'] });
  assert.equal(judgeClaim(elsewhere, [outer, elsewhere]), undefined);
  const sibling = claim('b', 'u2', T2, { frameworkName: 'team-ab' }); // /k8sm/team-ab: no nesting
  assert.equal(judgeClaim(sibling, [outer, sibling]), undefined);
});

test('a spec whose claim fields are unusable makes no claim', () => {
  assert.equal(claimOf({ metadata: { namespace: 'a', name: 'x', uid: 'u' }, spec: { flags: { frameworkName: 7 }, etcd: { endpoints: ['http://e:2379'] } } }), undefined);
  assert.equal(claimOf({ metadata: { namespace: 'a', name: 'x', uid: 'u' }, spec: { etcd: {} } }), undefined);
});
