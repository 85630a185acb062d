// Conformance: CustomResourceDefinitions and custom resources — Established conditions, serving, structural
// defaulting, pruning, validation errors, status and scale subresources, generation, CRD deletion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, expectStatus, type TestCluster } from '../helpers/kube-cluster.js';
import { createWidgetCRD, uniqueGroup, widgetCRDBody, type WidgetCRD } from '../helpers/kube-crd.js';
import { waitFor } from '../helpers/wait.js';
import { buildCrd } from '../../src/api/schema.js';

let c: TestCluster;
let w: WidgetCRD;
before(async () => {
  c = await startCluster();
  w = await createWidgetCRD(c, uniqueGroup('crd'));
});
after(() => c.stop());

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const widget = (name: string, spec: Record<string, unknown>) => ({ apiVersion: `${w.group}/v1`, kind: 'Widget', metadata: { name }, spec });
const create = (ns: string, body: unknown) => c.custom.createNamespacedCustomObject({ group: w.group, version: 'v1', namespace: ns, plural: 'widgets', body });
const get = (ns: string, name: string) => c.custom.getNamespacedCustomObject({ group: w.group, version: 'v1', namespace: ns, plural: 'widgets', name });

test('a CRD becomes NamesAccepted and Established, with acceptedNames and storedVersions, and is discoverable', async () => {
  const crd = await c.ext.readCustomResourceDefinition({ name: w.name });
  const conds = Object.fromEntries((crd.status?.conditions ?? []).map((x) => [x.type, x]));
  assert.equal(conds.NamesAccepted?.status, 'True');
  assert.equal(conds.NamesAccepted?.reason, 'NoConflicts');
  assert.equal(conds.Established?.status, 'True');
  assert.equal(crd.status?.acceptedNames?.kind, 'Widget');
  assert.deepEqual(crd.status?.storedVersions, ['v1']);
  const rl = await c.raw('GET', `/apis/${w.group}/v1`);
  assert.equal(rl.json.kind, 'APIResourceList');
  const names = (rl.json.resources as { name: string }[]).map((r) => r.name).sort();
  assert.deepEqual(names, ['widgets', 'widgets/scale', 'widgets/status']);
  const groups = await c.raw('GET', '/apis');
  assert.ok((groups.json.groups as { name: string }[]).some((g) => g.name === w.group));
});

test('custom resources are not served before their CRD exists (404)', async () => {
  const r = await c.raw('GET', `/apis/${uniqueGroup('nocrd')}/v1/namespaces/default/widgets`);
  assert.equal(r.status, 404);
});

test('create applies schema defaults, keeps apiVersion/kind, sets generation 1', async () => {
  const ns = await c.namespace();
  const o = await create(ns, widget('d', { size: 'small' }));
  assert.equal(o.spec.replicas, 1);
  assert.equal(o.spec.color, 'blue');
  assert.deepEqual(o.spec.nested, { flag: false }, 'a defaulted object gets its own defaults');
  assert.equal(o.apiVersion, `${w.group}/v1`);
  assert.equal(o.kind, 'Widget');
  assert.equal(o.metadata.generation, 1);
  assert.equal(typeof o.metadata.creationTimestamp, 'string', 'custom objects stay plain JSON');
});

test('unknown fields are pruned (with a warning); x-kubernetes-preserve-unknown-fields keeps them; strict validation refuses them', async () => {
  const ns = await c.namespace();
  const r = await c.raw('POST', `/apis/${w.group}/v1/namespaces/${ns}/widgets`, { body: widget('p', { size: 'small', bogus: 1, extra: { anything: { goes: true } } }) });
  assert.equal(r.status, 201);
  assert.equal(r.json.spec.bogus, undefined);
  assert.deepEqual(r.json.spec.extra, { anything: { goes: true } });
  assert.match(String(r.headers.warning ?? ''), /unknown field \\?"spec.bogus\\?"/);
  const strict = await c.raw('POST', `/apis/${w.group}/v1/namespaces/${ns}/widgets`, { body: widget('q', { size: 'small', bogus: 1 }), query: { fieldValidation: 'Strict' } });
  assert.equal(strict.status, 400);
  assert.match(strict.json.message, /strict decoding error: unknown field "spec.bogus"/);
});

test('x-kubernetes-int-or-string accepts both; a wrong type, enum, range, pattern and required field are 422 with causes', async () => {
  const ns = await c.namespace();
  await create(ns, widget('i1', { size: 'small', port: 80 }));
  await create(ns, widget('i2', { size: 'small', port: 'http' }));
  const st = await expectStatus(() => create(ns, widget('bad', { size: 'medium', replicas: 11, name: 'UPPER', port: true })));
  assert.equal(st.code, 422);
  assert.equal(st.reason, 'Invalid');
  assert.equal(st.details.kind, 'Widget');
  assert.equal(st.details.group, w.group);
  assert.equal(st.details.name, 'bad');
  assert.match(st.message ?? '', new RegExp(`^Widget\\.${w.group.replace(/\./g, '\\.')} "bad" is invalid: \\[`));
  const causes = Object.fromEntries((st.details.causes as { field: string; reason: string; message: string }[]).map((x) => [x.field, x]));
  assert.equal(causes['spec.size']?.reason, 'FieldValueNotSupported');
  assert.match(causes['spec.size']?.message ?? '', /Unsupported value: "medium": supported values: "small", "large"/);
  assert.equal(causes['spec.replicas']?.reason, 'FieldValueInvalid');
  assert.match(causes['spec.replicas']?.message ?? '', /should be less than or equal to 10/);
  assert.match(causes['spec.name']?.message ?? '', /should match '\^\[a-z\]\+\$'/);
  assert.ok(causes['spec.port'], 'int-or-string refuses a boolean');
  const req = await expectStatus(() => create(ns, widget('nosize', {})));
  assert.equal(req.details.causes[0].field, 'spec.size');
  assert.equal(req.details.causes[0].reason, 'FieldValueRequired');
});

test('custom resources need kind in the body, and a resourceVersion for PUT (422)', async () => {
  const ns = await c.namespace();
  const r = await c.raw('POST', `/apis/${w.group}/v1/namespaces/${ns}/widgets`, { body: { metadata: { name: 'k' }, spec: { size: 'small' } } });
  assert.equal(r.status, 400);
  assert.match(r.json.message, /Object 'Kind' is missing/);
  await create(ns, widget('u', { size: 'small' }));
  const st = await expectStatus(() => c.custom.replaceNamespacedCustomObject({ group: w.group, version: 'v1', namespace: ns, plural: 'widgets', name: 'u', body: widget('u', { size: 'large' }) }));
  assert.equal(st.code, 422);
  assert.match(st.message ?? '', /metadata.resourceVersion: Invalid value: 0x0: must be specified for an update/);
});

test('status subresource: main-resource writes ignore status and bump generation only on spec changes', async () => {
  const ns = await c.namespace();
  const o = await create(ns, { ...widget('g', { size: 'small' }), status: { phase: 'Sneaky' } });
  assert.equal(o.status, undefined, 'status is dropped on create');
  const labeled = await c.custom.patchNamespacedCustomObject({ group: w.group, version: 'v1', namespace: ns, plural: 'widgets', name: 'g', body: { metadata: { labels: { a: 'b' } } } }, merge);
  assert.equal(labeled.metadata.generation, 1, 'metadata changes do not bump generation');
  const specd = await c.custom.patchNamespacedCustomObject({ group: w.group, version: 'v1', namespace: ns, plural: 'widgets', name: 'g', body: { spec: { color: 'red' }, status: { phase: 'Ignored' } } }, merge);
  assert.equal(specd.metadata.generation, 2);
  assert.equal(specd.status, undefined, 'status in a main-resource write is ignored');
});

test('status subresource: /status writes (merge patch via setHeaderOptions, PUT) change only status and leave generation alone', async () => {
  const ns = await c.namespace();
  await create(ns, widget('s', { size: 'small' }));
  const p = await c.custom.patchNamespacedCustomObjectStatus({ group: w.group, version: 'v1', namespace: ns, plural: 'widgets', name: 's', body: { status: { phase: 'Running', observedGeneration: 1 }, spec: { size: 'large' }, metadata: { labels: { x: 'y' } } } }, merge);
  assert.equal(p.status.phase, 'Running');
  assert.equal(p.spec.size, 'small', 'spec in a status write is ignored');
  assert.equal(p.metadata.labels, undefined, 'metadata in a status write is ignored');
  assert.equal(p.metadata.generation, 1);
  const cur = await get(ns, 's');
  const put = await c.custom.replaceNamespacedCustomObjectStatus({ group: w.group, version: 'v1', namespace: ns, plural: 'widgets', name: 's', body: { ...cur, status: { phase: 'Done' } } });
  assert.equal(put.status.phase, 'Done');
  const stale = await expectStatus(() => c.custom.replaceNamespacedCustomObjectStatus({ group: w.group, version: 'v1', namespace: ns, plural: 'widgets', name: 's', body: { ...cur, status: { phase: 'Stale' } } }));
  assert.equal(stale.code, 409, 'a status PUT with a stale resourceVersion conflicts');
});

test('status subresource: a /status write is validated against the schema (merge patch, PUT, apply: 422)', async () => {
  const ns = await c.namespace();
  await create(ns, widget('v', { size: 'small' }));
  const path = `/apis/${w.group}/v1/namespaces/${ns}/widgets/v/status`;
  const bad = await c.raw('PATCH', path, { body: { status: { replicas: 'x', conditions: [{ type: 'Ready' }] } }, contentType: 'application/merge-patch+json' });
  assert.equal(bad.status, 422);
  assert.match(bad.json.message, /status\.replicas/);
  assert.match(bad.json.message, /status\.conditions\[0\]\.status: Required value/);
  const cur = await get(ns, 'v');
  const put = await c.raw('PUT', path, { body: { ...cur, status: { observedGeneration: 'one' } } });
  assert.equal(put.status, 422);
  const apply = await c.raw('PATCH', `${path}?fieldManager=t`, { body: { apiVersion: `${w.group}/v1`, kind: 'Widget', metadata: { name: 'v' }, status: { replicas: -1.5 } }, contentType: 'application/apply-patch+yaml' });
  assert.equal(apply.status, 422);
  assert.equal((await get(ns, 'v')).status, undefined, 'nothing was written');
  const ok = await c.raw('PATCH', path, { body: { status: { replicas: 2, conditions: [{ type: 'Ready', status: 'True' }] } }, contentType: 'application/merge-patch+json' });
  assert.equal(ok.status, 200);
});

test('status subresource: an apply to the main endpoint owns no status field (it is reset there), so a /status apply by another manager does not conflict', async () => {
  const ns = await c.namespace();
  const base = `/apis/${w.group}/v1/namespaces/${ns}/widgets`;
  const applied = await c.raw('PATCH', `${base}/m?fieldManager=me`, { body: { apiVersion: `${w.group}/v1`, kind: 'Widget', metadata: { name: 'm' }, spec: { size: 'small' }, status: { replicas: 3 } }, contentType: 'application/apply-patch+yaml' });
  assert.equal(applied.status, 201);
  assert.equal(applied.json.status, undefined, 'the status was dropped');
  const mine = (applied.json.metadata.managedFields as Array<{ manager: string; fieldsV1: Record<string, unknown> }>).find((e) => e.manager === 'me')!;
  assert.deepEqual(Object.keys(mine.fieldsV1).sort(), ['f:spec'], 'no f:status for a field the strategy reset');
  const other = await c.raw('PATCH', `${base}/m/status?fieldManager=controller`, { body: { apiVersion: `${w.group}/v1`, kind: 'Widget', metadata: { name: 'm' }, status: { replicas: 1 } }, contentType: 'application/apply-patch+yaml' });
  assert.equal(other.status, 200, `no conflict with "me": ${other.json?.message ?? ''}`);
  assert.equal(other.json.status.replicas, 1);
});

test('scale subresource reads and writes specReplicasPath / statusReplicasPath / labelSelectorPath', async () => {
  const ns = await c.namespace();
  await create(ns, widget('sc', { size: 'small', replicas: 2 }));
  await c.custom.patchNamespacedCustomObjectStatus({ group: w.group, version: 'v1', namespace: ns, plural: 'widgets', name: 'sc', body: { status: { replicas: 1, selector: 'app=sc' } } }, merge);
  const scale = await c.custom.getNamespacedCustomObjectScale({ group: w.group, version: 'v1', namespace: ns, plural: 'widgets', name: 'sc' });
  assert.equal(scale.kind, 'Scale');
  assert.equal(scale.apiVersion, 'autoscaling/v1');
  assert.deepEqual({ spec: scale.spec, status: scale.status }, { spec: { replicas: 2 }, status: { replicas: 1, selector: 'app=sc' } });
  await c.custom.patchNamespacedCustomObjectScale({ group: w.group, version: 'v1', namespace: ns, plural: 'widgets', name: 'sc', body: { spec: { replicas: 5 } } }, merge);
  const after = await get(ns, 'sc');
  assert.equal(after.spec.replicas, 5);
  assert.equal(after.metadata.generation, 2);
});

test('a CRD created through the typed client (V1JSONSchemaProps _default / _enum names) gets its defaults', async () => {
  const group = uniqueGroup('typed');
  await c.ext.createCustomResourceDefinition({
    body: {
      metadata: { name: `gadgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'gadgets', kind: 'Gadget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { mode: { type: 'string', _enum: ['a', 'b'], _default: 'a' } } } } } } }],
      },
    },
  });
  c.onStop(() => c.ext.deleteCustomResourceDefinition({ name: `gadgets.${group}` }));
  await waitFor('gadgets served', async () => (await c.raw('GET', `/apis/${group}/v1`)).status === 200);
  const ns = await c.namespace();
  const g = await c.custom.createNamespacedCustomObject({ group, version: 'v1', namespace: ns, plural: 'gadgets', body: { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'g' }, spec: {} } });
  assert.equal(g.spec.mode, 'a');
});

test('CRD validation: the name must be <plural>.<group> (422)', async () => {
  const body = widgetCRDBody(uniqueGroup('bad'));
  body.metadata.name = 'wrong.example.com';
  const r = await c.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body });
  assert.equal(r.status, 422);
  assert.match(r.json.message, /metadata.name: Invalid value: "wrong.example.com": must be spec.names.plural\+"."\+spec.group/);
});

test('CRD validation: properties and additionalProperties on one node are refused like the API server does (422)', async () => {
  const body = widgetCRDBody(uniqueGroup('ap'));
  const spec = (body.spec.versions[0]!.schema.openAPIV3Schema as any).properties.spec;
  spec.additionalProperties = false;
  const r = await c.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body });
  assert.equal(r.status, 422);
  assert.match(r.json.message, /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive/);
  // A map (additionalProperties without properties) is fine.
  const ok = widgetCRDBody(uniqueGroup('ap-map'));
  (ok.spec.versions[0]!.schema.openAPIV3Schema as any).properties.labels = { type: 'object', additionalProperties: { type: 'string' } };
  assert.equal((await c.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: ok })).status, 201);
});

test('CEL x-kubernetes-validations: rules are checked on create and update, transition rules (oldSelf) on update only; a rule that does not compile refuses the CRD', async () => {
  const group = uniqueGroup('cel');
  const body = widgetCRDBody(group);
  const spec = (body.spec.versions[0]!.schema.openAPIV3Schema as any).properties.spec;
  spec['x-kubernetes-validations'] = [{ rule: "self.size != 'large' || self.replicas >= 2", message: 'a large widget needs two replicas' }];
  spec.properties.name['x-kubernetes-validations'] = [{ rule: 'self == oldSelf', message: 'name is immutable' }];
  const bad = widgetCRDBody(uniqueGroup('cel-bad'));
  (bad.spec.versions[0]!.schema.openAPIV3Schema as any).properties.spec['x-kubernetes-validations'] = [{ rule: 'self.size ==', message: 'x' }];
  const refused = await c.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: bad });
  assert.equal(refused.status, 422);
  assert.match(refused.json.message, /x-kubernetes-validations\[0\]\.rule: Invalid value: "self\.size ==": compilation failed/);
  assert.equal((await c.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body })).status, 201);
  await waitFor('served', async () => (await c.raw('GET', `/apis/${group}/v1/namespaces/default/widgets`)).status === 200 || undefined);
  const ns = await c.namespace();
  const path = `/apis/${group}/v1/namespaces/${ns}/widgets`;
  const w1 = (name: string, spec: Record<string, unknown>) => ({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name }, spec });
  const r1 = await c.raw('POST', path, { body: w1('a', { size: 'large', replicas: 1 }) });
  assert.equal(r1.status, 422);
  assert.match(r1.json.message, /spec: Invalid value: "object": a large widget needs two replicas/);
  assert.equal((await c.raw('POST', path, { body: w1('b', { size: 'small', name: 'abc' }) })).status, 201, 'a transition rule is not checked on create');
  const up = await c.raw('PATCH', `${path}/b`, { body: { spec: { name: 'xyz' } }, contentType: 'application/merge-patch+json' });
  assert.equal(up.status, 422);
  assert.match(up.json.message, /spec\.name: Invalid value: "string": name is immutable/);
  const cross = await c.raw('PATCH', `${path}/b`, { body: { spec: { size: 'large' } }, contentType: 'application/merge-patch+json' });
  assert.equal(cross.status, 422, 'the cross-field rule on update');
  assert.equal((await c.raw('PATCH', `${path}/b`, { body: { spec: { size: 'large', replicas: 2 } }, contentType: 'application/merge-patch+json' })).status, 200);
});

test('deleting a CRD deletes its custom resources and then stops serving them', async () => {
  const group = uniqueGroup('del');
  const d = await createWidgetCRD(c, group);
  const ns = await c.namespace();
  await c.custom.createNamespacedCustomObject({ group, version: 'v1', namespace: ns, plural: 'widgets', body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'x' }, spec: { size: 'small' } } });
  await c.ext.deleteCustomResourceDefinition({ name: d.name });
  await waitFor('CRD gone', async () => (await c.raw('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${d.name}`)).status === 404, { timeoutMs: 60_000 });
  await waitFor('no longer served', async () => (await c.raw('GET', `/apis/${group}/v1/namespaces/${ns}/widgets`)).status === 404);
});

test('a CRD with two served versions serves the same objects under both (conversion None)', async () => {
  const group = uniqueGroup('multi');
  const schema = { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } };
  const body = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `things.${group}` },
    spec: { group, scope: 'Namespaced', names: { plural: 'things', kind: 'Thing' }, versions: [{ name: 'v1beta1', served: true, storage: false, schema }, { name: 'v1', served: true, storage: true, schema }] },
  };
  const r = await c.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body });
  assert.equal(r.status, 201);
  c.onStop(() => c.ext.deleteCustomResourceDefinition({ name: `things.${group}` }));
  await waitFor('both versions served', async () => (await c.raw('GET', `/apis/${group}/v1beta1`)).status === 200 && (await c.raw('GET', `/apis/${group}/v1`)).status === 200);
  const g = await c.raw('GET', `/apis/${group}`);
  assert.equal(g.json.preferredVersion.version, 'v1');
  const ns = await c.namespace();
  await c.custom.createNamespacedCustomObject({ group, version: 'v1beta1', namespace: ns, plural: 'things', body: { apiVersion: `${group}/v1beta1`, kind: 'Thing', metadata: { name: 't' }, spec: { a: 1 } } });
  const v1 = await c.custom.getNamespacedCustomObject({ group, version: 'v1', namespace: ns, plural: 'things', name: 't' });
  assert.equal(v1.apiVersion, `${group}/v1`);
  assert.equal(v1.spec.a, 1);
  const crd = await c.ext.readCustomResourceDefinition({ name: `things.${group}` });
  assert.deepEqual(crd.status?.storedVersions, ['v1']);
});

test("the SchedulerHA CRD's own CEL rules are enforced: replicas > 1 needs flags.ha; frameworkName and etcd.prefix are immutable", async () => {
  const crd = buildCrd() as { spec: { group: string; names: { plural: string } } };
  const created = await c.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd });
  assert.ok(created.status === 201 || created.status === 409, `CRD: ${created.status} ${created.json?.message ?? ''}`);
  const path = `/apis/${crd.spec.group}/v1alpha1/namespaces/default/${crd.spec.names.plural}`;
  await waitFor('served', async () => (await c.raw('GET', path)).status === 200 || undefined);
  const sha = (name: string, spec: Record<string, unknown>) => ({ apiVersion: `${crd.spec.group}/v1alpha1`, kind: 'SchedulerHA', metadata: { name }, spec: { mesos: { master: 'zk://zk:2181/mesos' }, etcd: { endpoints: ['http://etcd:2379'] }, ...spec } });
  const noHa = await c.raw('POST', path, { body: sha(uniqueGroup('noha').split('.')[0]!, { replicas: 2, flags: { ha: false } }) });
  assert.equal(noHa.status, 422);
  assert.match(noHa.json.message, /replicas > 1 requires flags\.ha: true/);
  const name = uniqueGroup('fw').split('.')[0]!;
  assert.equal((await c.raw('POST', path, { body: sha(name, { replicas: 2, flags: { kmPath: 'hdfs:///km' } }) })).status, 201);
  const rename = await c.raw('PATCH', `${path}/${name}`, { body: { spec: { flags: { frameworkName: 'Other' } } }, contentType: 'application/merge-patch+json' });
  assert.equal(rename.status, 422);
  assert.match(rename.json.message, /spec\.flags\.frameworkName: Invalid value: "string": frameworkName is immutable/);
  const move = await c.raw('PATCH', `${path}/${name}`, { body: { spec: { etcd: { prefix: '/elsewhere' } } }, contentType: 'application/merge-patch+json' });
  assert.equal(move.status, 422);
  assert.match(move.json.message, /spec\.etcd\.prefix: Invalid value: "string": etcd\.prefix is immutable/);
  const more = await c.raw('PATCH', `${path}/${name}`, { body: { spec: { etcd: { endpoints: ['http://etcd-0:2379', 'http://etcd-1:2379'] } } }, contentType: 'application/merge-patch+json' });
  assert.equal(more.status, 200, 'the endpoints may change (members of one cluster)');
});
