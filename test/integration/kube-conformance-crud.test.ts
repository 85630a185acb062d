// Conformance: create / get / update / delete semantics and Status answers, through client-node against the
// cluster named by $KUBECONFIG, or the emulator when it is unset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, expectStatus, waitFor, type TestCluster } from '../helpers/kube-cluster.js';

let c: TestCluster;
before(async () => {
  c = await startCluster();
});
after(() => c.stop());

test('create sets uid, creationTimestamp, resourceVersion; a second create is 409 AlreadyExists', async () => {
  const ns = await c.namespace();
  const cm = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' }, data: { k: 'v' } } });
  assert.match(cm.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
  assert.ok(cm.metadata?.creationTimestamp instanceof Date);
  assert.match(cm.metadata?.resourceVersion ?? '', /^\d+$/);
  assert.equal(cm.metadata?.namespace, ns);
  const st = await expectStatus(() => c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } }));
  assert.equal(st.code, 409);
  assert.equal(st.reason, 'AlreadyExists');
  assert.equal(st.message, 'configmaps "a" already exists');
  assert.deepEqual({ name: st.details.name, kind: st.details.kind }, { name: 'a', kind: 'configmaps' });
  assert.equal((st as { kind?: string }).kind, 'Status');
  assert.equal((st as { status?: string }).status, 'Failure');
});

test('generation is 1 on create for kinds that keep it (StatefulSet) and absent for those that do not (ConfigMap)', async () => {
  const ns = await c.namespace();
  const sts = await c.apps.createNamespacedStatefulSet({
    namespace: ns,
    body: { metadata: { name: 's' }, spec: { replicas: 0, serviceName: 's', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } },
  });
  assert.equal(sts.metadata?.generation, 1);
  const cm = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'g' } } });
  assert.equal(cm.metadata?.generation, undefined);
});

test('generateName appends 5 random characters; a missing name is 422 Invalid', async () => {
  const ns = await c.namespace();
  const a = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'gen-' } } });
  const b = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'gen-' } } });
  assert.match(a.metadata?.name ?? '', /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.notEqual(a.metadata?.name, b.metadata?.name);
  const st = await expectStatus(() => c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: {} } }));
  assert.equal(st.code, 422);
  assert.equal(st.reason, 'Invalid');
  assert.match(st.message ?? '', /^ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required/);
  assert.equal(st.details.causes[0].field, 'metadata.name');
  assert.equal(st.details.causes[0].reason, 'FieldValueRequired');
});

test('invalid names are 422 Invalid with a field cause', async () => {
  const ns = await c.namespace();
  const st = await expectStatus(() => c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'Bad_Name' } } }));
  assert.equal(st.code, 422);
  assert.equal(st.details.kind, 'ConfigMap');
  assert.equal(st.details.causes[0].field, 'metadata.name');
  assert.equal(st.details.causes[0].reason, 'FieldValueInvalid');
  assert.match(st.message ?? '', /a lowercase RFC 1123 subdomain must consist of/);
});

test('get of a missing object is 404 NotFound naming the resource', async () => {
  const ns = await c.namespace();
  const st = await expectStatus(() => c.core.readNamespacedConfigMap({ namespace: ns, name: 'nope' }));
  assert.equal(st.code, 404);
  assert.equal(st.reason, 'NotFound');
  assert.equal(st.message, 'configmaps "nope" not found');
  const st2 = await expectStatus(() => c.apps.readNamespacedStatefulSet({ namespace: ns, name: 'nope' }));
  assert.equal(st2.message, 'statefulsets.apps "nope" not found');
  assert.equal(st2.details.group, 'apps');
});

test('create in a missing namespace is 404 for the namespace', async () => {
  const st = await expectStatus(() => c.core.createNamespacedConfigMap({ namespace: 'no-such-ns-x1', body: { metadata: { name: 'a' } } }));
  assert.equal(st.code, 404);
  assert.equal(st.message, 'namespaces "no-such-ns-x1" not found');
});

test('the default namespace exists; namespaces can be created and listed', async () => {
  const d = await c.core.readNamespace({ name: 'default' });
  assert.equal(d.status?.phase, 'Active');
  const ns = await c.namespace('created');
  const got = await c.core.readNamespace({ name: ns });
  assert.equal(got.metadata?.labels?.['kubernetes.io/metadata.name'], ns);
  assert.deepEqual(got.spec?.finalizers, ['kubernetes']);
  const list = await c.core.listNamespace();
  assert.ok(list.items.some((n) => n.metadata?.name === ns));
  // kube-controller-manager's serviceaccount and root-ca-cert-publisher controllers fill every namespace.
  await waitFor('default ServiceAccount', () => c.core.readNamespacedServiceAccount({ namespace: ns, name: 'default' }).catch(() => undefined));
  await waitFor('kube-root-ca.crt', () => c.core.readNamespacedConfigMap({ namespace: ns, name: 'kube-root-ca.crt' }).catch(() => undefined));
});

test('update with a stale resourceVersion is 409 Conflict with the real message', async () => {
  const ns = await c.namespace();
  const cm = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' }, data: { v: '1' } } });
  const upd = await c.core.replaceNamespacedConfigMap({ namespace: ns, name: 'a', body: { ...cm, data: { v: '2' } } });
  assert.notEqual(upd.metadata?.resourceVersion, cm.metadata?.resourceVersion);
  assert.ok(Number(upd.metadata?.resourceVersion) > Number(cm.metadata?.resourceVersion), 'resourceVersion grows');
  const st = await expectStatus(() => c.core.replaceNamespacedConfigMap({ namespace: ns, name: 'a', body: { ...cm, data: { v: '3' } } }));
  assert.equal(st.code, 409);
  assert.equal(st.reason, 'Conflict');
  assert.equal(st.message, 'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again');
});

test('PUT without resourceVersion is an unconditional update for ConfigMaps but 422 for Leases', async () => {
  const ns = await c.namespace();
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' }, data: { v: '1' } } });
  const upd = await c.core.replaceNamespacedConfigMap({ namespace: ns, name: 'a', body: { metadata: { name: 'a' }, data: { v: '2' } } });
  assert.equal(upd.data?.v, '2');
  await c.coord.createNamespacedLease({ namespace: ns, body: { metadata: { name: 'l' }, spec: { holderIdentity: 'x' } } });
  const st = await expectStatus(() => c.coord.replaceNamespacedLease({ namespace: ns, name: 'l', body: { metadata: { name: 'l' }, spec: { holderIdentity: 'y' } } }));
  assert.equal(st.code, 422);
  assert.match(st.message ?? '', /metadata.resourceVersion: Invalid value: 0x0: must be specified for an update/);
});

test('an update that changes nothing keeps the resourceVersion', async () => {
  const ns = await c.namespace();
  const cm = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' }, data: { v: '1' } } });
  const same = await c.core.replaceNamespacedConfigMap({ namespace: ns, name: 'a', body: cm });
  assert.equal(same.metadata?.resourceVersion, cm.metadata?.resourceVersion);
});

test('the name in the body must match the URL (400 BadRequest)', async () => {
  const ns = await c.namespace();
  const cm = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
  const st = await expectStatus(() => c.core.replaceNamespacedConfigMap({ namespace: ns, name: 'a', body: { ...cm, metadata: { ...cm.metadata, name: 'b' } } }));
  assert.equal(st.code, 400);
  assert.equal(st.reason, 'BadRequest');
  assert.equal(st.message, 'the name of the object (b) does not match the name on the URL (a)');
});

test('uid and creationTimestamp cannot be changed by an update; a wrong uid is a 409 precondition failure', async () => {
  const ns = await c.namespace();
  const cm = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
  const st = await expectStatus(() => c.core.replaceNamespacedConfigMap({ namespace: ns, name: 'a', body: { ...cm, metadata: { ...cm.metadata, uid: '00000000-0000-0000-0000-000000000000' } } }));
  assert.equal(st.code, 409);
  assert.match(st.message ?? '', /Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000, UID in object meta: /);
});

test('delete: a ConfigMap answers a Success Status naming it; a Pod answers the deleted object; then 404', async () => {
  const ns = await c.namespace();
  const cm = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
  const r = await c.raw('DELETE', `/api/v1/namespaces/${ns}/configmaps/a`);
  assert.equal(r.status, 200);
  assert.equal(r.json.kind, 'Status');
  assert.equal(r.json.status, 'Success');
  assert.deepEqual(r.json.details, { name: 'a', kind: 'configmaps', uid: cm.metadata?.uid });
  await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'p' }, spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: 'i' }] } } });
  const del = await c.core.deleteNamespacedPod({ namespace: ns, name: 'p' });
  assert.equal(del.kind, 'Pod', 'an unscheduled pod is deleted at once and returned');
  const st = await expectStatus(() => c.core.deleteNamespacedPod({ namespace: ns, name: 'p' }));
  assert.equal(st.code, 404);
});

test('delete with a uid precondition that does not match is 409', async () => {
  const ns = await c.namespace();
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
  const st = await expectStatus(() => c.core.deleteNamespacedConfigMap({ namespace: ns, name: 'a', body: { preconditions: { uid: 'x' } } }));
  assert.equal(st.code, 409);
  assert.match(st.message ?? '', /Precondition failed: UID in precondition: x, UID in object meta: /);
});

test('deletecollection with a label selector removes only the matching objects', async () => {
  const ns = await c.namespace();
  for (const [n, l] of [['a', 'x'], ['b', 'x'], ['c', 'y']]) await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: n, labels: { g: l! } } } });
  await c.core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: 'g=x' });
  const left = await c.core.listNamespacedConfigMap({ namespace: ns });
  assert.deepEqual(left.items.map((i) => i.metadata?.name).filter((n) => n !== 'kube-root-ca.crt'), ['c']);
});

test('dryRun=All validates and answers without persisting', async () => {
  const ns = await c.namespace();
  const r = await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'dry' } }, dryRun: 'All' });
  assert.equal(r.metadata?.name, 'dry');
  await expectStatus(() => c.core.readNamespacedConfigMap({ namespace: ns, name: 'dry' }));
});

test('a body with another namespace than the URL is 400', async () => {
  const ns = await c.namespace();
  const st = await expectStatus(() => c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a', namespace: 'default' } } }));
  assert.equal(st.code, 400);
  assert.equal(st.message, 'the namespace of the provided object does not match the namespace sent on the request');
});

test('unknown paths are 404 with a Status; wrong methods are 405 MethodNotAllowed', async () => {
  const r = await c.raw('GET', '/apis/nosuch.example.com/v1/things');
  assert.equal(r.status, 404);
  assert.equal(r.json.reason, 'NotFound');
  const ns = await c.namespace();
  await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
  const m = await c.raw('POST', `/api/v1/namespaces/${ns}/configmaps/a`, { body: { metadata: { name: 'a' } } });
  assert.equal(m.status, 405);
  assert.equal(m.json.reason, 'MethodNotAllowed');
  assert.equal(m.json.message, 'the server does not allow this method on the requested resource');
});

test('Secrets: stringData is merged into base64 data; type defaults to Opaque', async () => {
  const ns = await c.namespace();
  const s = await c.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 's' }, stringData: { pw: 'hunter2' } } });
  assert.equal(s.type, 'Opaque');
  assert.equal(s.data?.pw, Buffer.from('hunter2').toString('base64'));
  assert.equal(s.stringData, undefined);
});

test('Services get a cluster IP and defaulted ports', async () => {
  const ns = await c.namespace();
  const svc = await c.core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'svc' }, spec: { selector: { a: 'b' }, ports: [{ port: 80 }] } } });
  assert.match(svc.spec?.clusterIP ?? '', /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal(svc.spec?.type, 'ClusterIP');
  assert.equal(svc.spec?.ports?.[0]?.protocol, 'TCP');
  assert.equal(svc.spec?.ports?.[0]?.targetPort, 80);
  const st = await expectStatus(() => c.core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'noports' }, spec: { selector: { a: 'b' } } } }));
  assert.equal(st.code, 422);
  assert.match(st.message ?? '', /spec.ports: Required value/);
});

test('ApiException carries the HTTP code and the raw Status JSON body, as client-node expects', async () => {
  try {
    await c.core.readNamespace({ name: 'definitely-missing-ns' });
    assert.fail('expected a 404');
  } catch (err) {
    assert.ok(err instanceof k8s.ApiException);
    assert.equal(err.code, 404);
    assert.equal(typeof err.body, 'string');
    assert.equal(JSON.parse(err.body as string).reason, 'NotFound');
  }
});
