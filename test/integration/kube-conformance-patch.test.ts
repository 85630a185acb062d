// Conformance: patch content types — JSON merge patch, JSON patch (with `test`), strategic merge patch (built-in
// kinds only; 415 for custom resources), server-side apply (fieldManager, managedFields, conflicts, force).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, expectStatus, type TestCluster } from '../helpers/kube-cluster.js';
import { createWidgetCRD, uniqueGroup, type WidgetCRD } from '../helpers/kube-crd.js';

let c: TestCluster;
let w: WidgetCRD;
before(async () => {
  c = await startCluster();
  w = await createWidgetCRD(c, uniqueGroup('patch'));
});
after(() => c.stop());

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const smp = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
const ssa = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);

test('merge patch (RFC 7386): objects merge, null deletes, lists replace', async () => {
  const ns = await c.namespace();
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a', labels: { x: '1', y: '2' } }, data: { a: '1', b: '2' } } });
  const p = await c.core.patchNamespacedConfigMap({ namespace: ns, name: 'a', body: { metadata: { labels: { y: null, z: '3' } }, data: { b: null, c: '3' } } }, merge);
  assert.deepEqual(p.metadata?.labels, { x: '1', z: '3' });
  assert.deepEqual(p.data, { a: '1', c: '3' });
});

test('merge patch carrying a stale resourceVersion is 409 Conflict', async () => {
  const ns = await c.namespace();
  const cm = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' }, data: { a: '1' } } });
  await c.core.patchNamespacedConfigMap({ namespace: ns, name: 'a', body: { data: { a: '2' } } }, merge);
  const st = await expectStatus(() => c.core.patchNamespacedConfigMap({ namespace: ns, name: 'a', body: { metadata: { resourceVersion: cm.metadata?.resourceVersion }, data: { a: '3' } } }, merge));
  assert.equal(st.code, 409);
  assert.equal(st.reason, 'Conflict');
});

test('JSON patch (the client-node default): add / replace / remove / test; a failed test is 422', async () => {
  const ns = await c.namespace();
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' }, data: { a: '1', b: '2' } } });
  const p = await c.core.patchNamespacedConfigMap({
    namespace: ns,
    name: 'a',
    body: [
      { op: 'test', path: '/data/a', value: '1' },
      { op: 'replace', path: '/data/a', value: 'one' },
      { op: 'remove', path: '/data/b' },
      { op: 'add', path: '/data/c', value: 'three' },
    ],
  });
  assert.deepEqual(p.data, { a: 'one', c: 'three' });
  const st = await expectStatus(() => c.core.patchNamespacedConfigMap({ namespace: ns, name: 'a', body: [{ op: 'test', path: '/data/a', value: 'nope' }, { op: 'replace', path: '/data/a', value: 'x' }] }));
  assert.equal(st.code, 422);
  assert.equal(st.reason, 'Invalid');
  assert.equal((await c.core.readNamespacedConfigMap({ namespace: ns, name: 'a' })).data?.a, 'one', 'nothing applied');
  const bad = await c.raw('PATCH', `/api/v1/namespaces/${ns}/configmaps/a`, { body: '{"not":"an array"}', contentType: 'application/json-patch+json' });
  assert.equal(bad.status, 400);
});

test('a merge-style body sent as JSON patch (client-node default content type) is refused', async () => {
  const ns = await c.namespace();
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
  const st = await expectStatus(() => c.core.patchNamespacedConfigMap({ namespace: ns, name: 'a', body: { data: { a: '1' } } }));
  assert.equal(st.code, 400);
});

test('strategic merge patch merges containers by name and env by name', async () => {
  const ns = await c.namespace();
  await c.core.createNamespacedPod({
    namespace: ns,
    body: { metadata: { name: 'p' }, spec: { schedulerName: 'nobody', containers: [{ name: 'a', image: 'img:1', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'img:1' }] } },
  });
  const p = await c.core.patchNamespacedPod({ namespace: ns, name: 'p', body: { spec: { containers: [{ name: 'b', image: 'img:2' }] }, metadata: { labels: { l: 'v' } } } }, smp);
  assert.deepEqual(p.spec?.containers.map((x) => [x.name, x.image]), [
    ['a', 'img:1'],
    ['b', 'img:2'],
  ]);
  assert.equal(p.spec?.containers[0]?.env?.[0]?.value, '1');
  assert.equal(p.metadata?.labels?.l, 'v');
});

test('strategic merge patch on a custom resource is 415 UnsupportedMediaType; unknown content types are 415', async () => {
  const ns = await c.namespace();
  await c.custom.createNamespacedCustomObject({ group: w.group, version: w.version, namespace: ns, plural: w.plural, body: { apiVersion: `${w.group}/v1`, kind: 'Widget', metadata: { name: 'a' }, spec: { size: 'small' } } });
  const st = await expectStatus(() => c.custom.patchNamespacedCustomObject({ group: w.group, version: w.version, namespace: ns, plural: w.plural, name: 'a', body: { spec: { color: 'red' } } }, smp));
  assert.equal(st.code, 415);
  assert.equal(st.reason, 'UnsupportedMediaType');
  assert.equal(st.message, 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
  const r = await c.raw('PATCH', `/api/v1/namespaces/${ns}/configmaps/x`, { body: '{}', contentType: 'text/plain' });
  assert.equal(r.status, 415);
  assert.match(r.json.message, /application\/strategic-merge-patch\+json/);
});

test('patching a missing object is 404', async () => {
  const ns = await c.namespace();
  const st = await expectStatus(() => c.core.patchNamespacedConfigMap({ namespace: ns, name: 'missing', body: { data: { a: '1' } } }, merge));
  assert.equal(st.code, 404);
});

test('server-side apply creates, records managedFields, requires fieldManager, and refuses conflicts unless forced', async () => {
  const ns = await c.namespace();
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: ns }, data: { owned: 'by-op', shared: 'x' } };
  const noMgr = await c.raw('PATCH', `/api/v1/namespaces/${ns}/configmaps/a`, { body, contentType: 'application/apply-patch+yaml' });
  assert.equal(noMgr.status, 422);
  assert.match(noMgr.json.message, /fieldManager: Required value/);
  const created = await c.raw('PATCH', `/api/v1/namespaces/${ns}/configmaps/a`, { body, contentType: 'application/apply-patch+yaml', query: { fieldManager: 'op' } });
  assert.equal(created.status, 201, 'apply creates a missing object');
  const mf = created.json.metadata.managedFields as { manager: string; operation: string; fieldsV1: Record<string, unknown> }[];
  assert.equal(mf.length, 1);
  assert.equal(mf[0]!.manager, 'op');
  assert.equal(mf[0]!.operation, 'Apply');
  assert.deepEqual(Object.keys((mf[0]!.fieldsV1['f:data'] as object) ?? {}).sort(), ['f:owned', 'f:shared']);

  // Another manager changing an owned field conflicts; force takes it over.
  const other = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { owned: 'by-other' } };
  const conflict = await c.raw('PATCH', `/api/v1/namespaces/${ns}/configmaps/a`, { body: other, contentType: 'application/apply-patch+yaml', query: { fieldManager: 'other' } });
  assert.equal(conflict.status, 409);
  assert.equal(conflict.json.reason, 'Conflict');
  assert.match(conflict.json.message, /^Apply failed with 1 conflict: conflict with "op"/);
  assert.match(conflict.json.message, /\.data\.owned/);
  const forced = await c.core.patchNamespacedConfigMap({ namespace: ns, name: 'a', body: other, fieldManager: 'other', force: true }, ssa);
  assert.equal(forced.data?.owned, 'by-other');

  // Re-applying without a field it applied before removes that field (nobody else owns it).
  const again = await c.core.patchNamespacedConfigMap({ namespace: ns, name: 'a', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: {} }, fieldManager: 'op', force: true }, ssa);
  assert.deepEqual(again.data, { owned: 'by-other' }, '"shared" was dropped; "owned" now belongs to "other"');
});

test('an apply configuration is read alike as JSON, block YAML, and a YAML flow mapping that is not JSON', async () => {
  const ns = await c.namespace();
  const bodies: Record<string, string> = {
    json: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'json' }, data: { n: '1', s: 'a "quoted" \u00e9' } }),
    block: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: block\ndata:\n  n: "1"\n  s: a "quoted" é\n',
    // Starts like JSON but is not (unquoted keys): must not be refused as bad JSON.
    flow: '{apiVersion: v1, kind: ConfigMap, metadata: {name: flow}, data: {n: "1", s: "a \\"quoted\\" é"}}',
  };
  for (const [name, body] of Object.entries(bodies)) {
    const r = await c.raw('PATCH', `/api/v1/namespaces/${ns}/configmaps/${name}`, { body, contentType: 'application/apply-patch+yaml', query: { fieldManager: 'op' } });
    assert.equal(r.status, 201, `${name}: ${JSON.stringify(r.json)}`);
    assert.deepEqual(r.json.data, { n: '1', s: 'a "quoted" é' }, name);
  }
  const bad = await c.raw('PATCH', `/api/v1/namespaces/${ns}/configmaps/bad`, { body: '{"apiVersion": "v1", "kind": ', contentType: 'application/apply-patch+yaml', query: { fieldManager: 'op' } });
  assert.equal(bad.status, 400, 'neither JSON nor YAML');
});

test('force on a non-apply patch is 422', async () => {
  const ns = await c.namespace();
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
  const r = await c.raw('PATCH', `/api/v1/namespaces/${ns}/configmaps/a`, { body: { data: { a: '1' } }, contentType: 'application/merge-patch+json', query: { force: 'true' } });
  assert.equal(r.status, 422);
  assert.match(r.json.message, /force: Forbidden: may not be specified for non-apply patch/);
});

test('server-side apply of status on a custom resource (the operator pattern)', async () => {
  const ns = await c.namespace();
  await c.custom.createNamespacedCustomObject({ group: w.group, version: w.version, namespace: ns, plural: w.plural, body: { apiVersion: `${w.group}/v1`, kind: 'Widget', metadata: { name: 'a' }, spec: { size: 'small' } } });
  const r = await c.custom.patchNamespacedCustomObjectStatus(
    { group: w.group, version: w.version, namespace: ns, plural: w.plural, name: 'a', body: { apiVersion: `${w.group}/v1`, kind: 'Widget', metadata: { name: 'a', namespace: ns }, status: { phase: 'Ready', conditions: [{ type: 'Ready', status: 'True' }] } }, fieldManager: 'sched-operator', force: true },
    ssa,
  );
  assert.equal(r.status.phase, 'Ready');
  // A second manager's condition of another type survives (conditions are a map list keyed by type).
  await c.custom.patchNamespacedCustomObjectStatus(
    { group: w.group, version: w.version, namespace: ns, plural: w.plural, name: 'a', body: { apiVersion: `${w.group}/v1`, kind: 'Widget', metadata: { name: 'a', namespace: ns }, status: { conditions: [{ type: 'Degraded', status: 'False' }] } }, fieldManager: 'other', force: true },
    ssa,
  );
  const got = await c.custom.getNamespacedCustomObject({ group: w.group, version: w.version, namespace: ns, plural: w.plural, name: 'a' });
  assert.deepEqual((got.status.conditions as { type: string }[]).map((x) => x.type).sort(), ['Degraded', 'Ready']);
  assert.equal(got.status.phase, 'Ready');
  assert.ok((got.metadata.managedFields as { manager: string; subresource?: string }[]).some((m) => m.manager === 'sched-operator' && m.subresource === 'status'));
});
