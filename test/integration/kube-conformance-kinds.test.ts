// Conformance: the built-in kinds the project uses — Pods (binding, status), Leases (MicroTime), Events (core/v1
// and events.k8s.io/v1), StatefulSets (status, scale), PodDisruptionBudgets — plus selectors and discovery.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, expectStatus, type TestCluster } from '../helpers/kube-cluster.js';

let c: TestCluster;
before(async () => {
  c = await startCluster();
});
after(() => c.stop());

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const podSpec = (extra: Partial<k8s.V1PodSpec> = {}): k8s.V1PodSpec => ({ schedulerName: 'k8sm-scheduler', containers: [{ name: 'c', image: 'busybox:1.36' }], ...extra });

test('pods are defaulted (restartPolicy, schedulerName, grace, pull policy) and start Pending', async () => {
  const ns = await c.namespace();
  const p = await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'd' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
  assert.equal(p.spec?.restartPolicy, 'Always');
  assert.equal(p.spec?.schedulerName, 'default-scheduler');
  assert.equal(p.spec?.terminationGracePeriodSeconds, 30);
  assert.equal(p.spec?.dnsPolicy, 'ClusterFirst');
  assert.equal(p.spec?.containers[0]?.imagePullPolicy, 'Always', 'untagged image pulls Always');
  assert.equal(p.spec?.containers[0]?.terminationMessagePath, '/dev/termination-log');
  assert.equal(p.status?.phase, 'Pending');
  const st = await expectStatus(() => c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'e' }, spec: { containers: [] } } }));
  assert.equal(st.code, 422);
  assert.match(st.message ?? '', /spec.containers: Required value/);
});

test('pods/binding sets spec.nodeName and PodScheduled; binding a bound pod is 409', async () => {
  const ns = await c.namespace();
  await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'b' }, spec: podSpec() } });
  await c.core.createNamespacedPodBinding({ namespace: ns, name: 'b', body: { metadata: { name: 'b' }, target: { apiVersion: 'v1', kind: 'Node', name: 'agent-1' } } });
  const p = await c.core.readNamespacedPod({ namespace: ns, name: 'b' });
  assert.equal(p.spec?.nodeName, 'agent-1');
  assert.equal(p.status?.conditions?.find((x) => x.type === 'PodScheduled')?.status, 'True');
  const st = await expectStatus(() => c.core.createNamespacedPodBinding({ namespace: ns, name: 'b', body: { metadata: { name: 'b' }, target: { kind: 'Node', name: 'agent-2' } } }));
  assert.equal(st.code, 409);
  assert.equal(st.reason, 'Conflict');
  assert.match(st.message ?? '', /pod b is already assigned to node "agent-1"/);
  // spec.nodeName cannot be changed by an update either.
  const upd = await expectStatus(() => c.core.patchNamespacedPod({ namespace: ns, name: 'b', body: { spec: { nodeName: 'agent-2' } } }, merge));
  assert.equal(upd.code, 422);
});

test('pods/status: status writes keep spec; spec writes keep status', async () => {
  const ns = await c.namespace();
  await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 's' }, spec: podSpec() } });
  const p = await c.core.patchNamespacedPodStatus({ namespace: ns, name: 's', body: { status: { phase: 'Running', podIP: '10.1.2.3' }, spec: { activeDeadlineSeconds: 5 } } }, merge);
  assert.equal(p.status?.phase, 'Running');
  assert.equal(p.status?.podIP, '10.1.2.3');
  assert.equal(p.spec?.activeDeadlineSeconds, undefined);
  const q = await c.core.patchNamespacedPod({ namespace: ns, name: 's', body: { status: { phase: 'Failed' }, metadata: { labels: { a: 'b' } } } }, merge);
  assert.equal(q.status?.phase, 'Running');
  assert.equal(q.metadata?.labels?.a, 'b');
});

test('Leases: V1MicroTime is accepted; a plain Date (3 fractional digits) is refused with 400', async () => {
  const ns = await c.namespace();
  const st = await expectStatus(() => c.coord.createNamespacedLease({ namespace: ns, body: { metadata: { name: 'l' }, spec: { holderIdentity: 'a', renewTime: new Date(), leaseDurationSeconds: 15 } } }));
  assert.equal(st.code, 400);
  assert.equal(st.reason, 'BadRequest');
  assert.match(st.message ?? '', /cannot be handled as a Lease: .*parsing time .* as "2006-01-02T15:04:05.000000Z07:00"/);
  const now = new k8s.V1MicroTime();
  const l = await c.coord.createNamespacedLease({ namespace: ns, body: { metadata: { name: 'l' }, spec: { holderIdentity: 'a', renewTime: now, acquireTime: now, leaseDurationSeconds: 15, leaseTransitions: 0 } } });
  assert.equal(typeof l.spec?.renewTime, 'string', 'client-node leaves MicroTime as a string');
  assert.match(String(l.spec?.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(Date.parse(String(l.spec?.renewTime)), now.getTime());
  // Compare-and-swap renewal with replace.
  const renewed = await c.coord.replaceNamespacedLease({ namespace: ns, name: 'l', body: { ...l, spec: { ...l.spec, renewTime: new k8s.V1MicroTime() } } });
  assert.notEqual(renewed.metadata?.resourceVersion, l.metadata?.resourceVersion);
  const stale = await expectStatus(() => c.coord.replaceNamespacedLease({ namespace: ns, name: 'l', body: { ...l, spec: { ...l.spec, holderIdentity: 'b' } } }));
  assert.equal(stale.code, 409);
  const neg = await expectStatus(() => c.coord.createNamespacedLease({ namespace: ns, body: { metadata: { name: 'n' }, spec: { leaseDurationSeconds: 0 } } }));
  assert.equal(neg.code, 422);
});

test('events.k8s.io/v1 Events need eventTime (MicroTime) and reporting fields; they show up through core/v1 too', async () => {
  const ns = await c.namespace();
  const base = { metadata: { name: 'e1' }, reportingController: 'k8sm.io/operator', reportingInstance: 'op-0', action: 'Reconcile', reason: 'LeaderChanged', type: 'Normal', note: 'leader is r-1', regarding: { apiVersion: 'v1', kind: 'Pod', name: 'r-1', namespace: ns } };
  const missing = await expectStatus(() => c.events.createNamespacedEvent({ namespace: ns, body: base as k8s.EventsV1Event }));
  assert.equal(missing.code, 422);
  assert.match(missing.message ?? '', /eventTime: Required value/);
  const bad = await expectStatus(() => c.events.createNamespacedEvent({ namespace: ns, body: { ...base, eventTime: new Date() } }));
  assert.equal(bad.code, 400);
  const ev = await c.events.createNamespacedEvent({ namespace: ns, body: { ...base, eventTime: new k8s.V1MicroTime() } });
  assert.equal(ev.reason, 'LeaderChanged');
  const core = await c.core.readNamespacedEvent({ namespace: ns, name: 'e1' });
  assert.equal(core.involvedObject.name, 'r-1');
  assert.equal(core.message, 'leader is r-1');
  assert.equal(core.reportingComponent, 'k8sm.io/operator');
  // core/v1 Events accept second-precision timestamps.
  const ce = await c.core.createNamespacedEvent({ namespace: ns, body: { metadata: { name: 'e2' }, involvedObject: { kind: 'Pod', name: 'r-2', namespace: ns }, reason: 'Started', message: 'm', type: 'Normal', firstTimestamp: new Date(), lastTimestamp: new Date(), count: 1, source: { component: 'test' } } });
  assert.equal(ce.count, 1);
  const list = await c.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=r-2' });
  assert.deepEqual(list.items.map((i) => i.metadata?.name), ['e2']);
  // ValidateEventCreate's limits, in bytes (Go's len), and the strict v1 rules.
  const tooLong = await expectStatus(() => c.events.createNamespacedEvent({ namespace: ns, body: { ...base, metadata: { name: 'e3' }, eventTime: new k8s.V1MicroTime(), note: 'é'.repeat(600), reason: 'R'.repeat(129) } }));
  assert.equal(tooLong.code, 422);
  assert.match(tooLong.message ?? '', /note: Invalid value: "": can have at most 1024 characters/);
  assert.match(tooLong.message ?? '', /reason: Invalid value: "": can have at most 128 characters/);
  const strict = await expectStatus(() => c.events.createNamespacedEvent({ namespace: ns, body: { ...base, metadata: { name: 'e4' }, eventTime: new k8s.V1MicroTime(), reportingController: 'not a name!', deprecatedCount: 3 } }));
  assert.equal(strict.code, 422);
  assert.match(strict.message ?? '', /reportingController: Invalid value: "not a name!"/);
  assert.match(strict.message ?? '', /deprecatedCount: Invalid value: "": needs to be unset/);
});

test('StatefulSets: defaults, selector must match the template, status and scale subresources, generation', async () => {
  const ns = await c.namespace();
  const body: k8s.V1StatefulSet = { metadata: { name: 'ss' }, spec: { serviceName: 'ss', selector: { matchLabels: { app: 'ss' } }, template: { metadata: { labels: { app: 'ss' } }, spec: podSpec() } } };
  const s = await c.apps.createNamespacedStatefulSet({ namespace: ns, body });
  assert.equal(s.spec?.replicas, 1);
  assert.equal(s.spec?.podManagementPolicy, 'OrderedReady');
  assert.equal(s.spec?.updateStrategy?.type, 'RollingUpdate');
  assert.equal(s.spec?.updateStrategy?.rollingUpdate?.partition, 0);
  assert.equal(s.spec?.revisionHistoryLimit, 10);
  const mismatch = await expectStatus(() => c.apps.createNamespacedStatefulSet({ namespace: ns, body: { ...body, metadata: { name: 'mm' }, spec: { ...body.spec!, template: { metadata: { labels: { app: 'other' } }, spec: podSpec() } } } }));
  assert.equal(mismatch.code, 422);
  assert.match(mismatch.message ?? '', /spec.template.metadata.labels: Invalid value: .*`selector` does not match template `labels`/);
  const st = await c.apps.patchNamespacedStatefulSetStatus({ namespace: ns, name: 'ss', body: { status: { replicas: 1, readyReplicas: 1, observedGeneration: 1 } } }, merge);
  assert.equal(st.status?.readyReplicas, 1);
  assert.equal(st.metadata?.generation, 1);
  const scale = await c.apps.readNamespacedStatefulSetScale({ namespace: ns, name: 'ss' });
  assert.deepEqual({ spec: scale.spec?.replicas, status: scale.status?.replicas, sel: scale.status?.selector }, { spec: 1, status: 1, sel: 'app=ss' });
  await c.apps.replaceNamespacedStatefulSetScale({ namespace: ns, name: 'ss', body: { metadata: { name: 'ss', namespace: ns }, spec: { replicas: 3 } } });
  const after = await c.apps.readNamespacedStatefulSet({ namespace: ns, name: 'ss' });
  assert.equal(after.spec?.replicas, 3);
  assert.equal(after.metadata?.generation, 2);
  assert.equal(after.status?.readyReplicas, 1, 'spec writes keep status');
  const forbidden = await expectStatus(() => c.apps.patchNamespacedStatefulSet({ namespace: ns, name: 'ss', body: { spec: { serviceName: 'changed' } } }, merge));
  assert.equal(forbidden.code, 422);
  assert.match(forbidden.message ?? '', /updates to statefulset spec for fields other than/);
});

test('PodDisruptionBudgets: create, status subresource, minAvailable and maxUnavailable exclusive', async () => {
  const ns = await c.namespace();
  const pdb = await c.policy.createNamespacedPodDisruptionBudget({ namespace: ns, body: { metadata: { name: 'p' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'x' } } } } });
  assert.equal(pdb.metadata?.generation, 1);
  const st = await expectStatus(() => c.policy.createNamespacedPodDisruptionBudget({ namespace: ns, body: { metadata: { name: 'q' }, spec: { maxUnavailable: 1, minAvailable: 1, selector: { matchLabels: { app: 'x' } } } } }));
  assert.equal(st.code, 422);
});

test('label selectors: equality and set-based; invalid ones are 400', async () => {
  const ns = await c.namespace();
  const mk = (name: string, labels: Record<string, string>) => c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels } } });
  await mk('a', { env: 'prod', tier: 'web' });
  await mk('b', { env: 'dev', tier: 'web' });
  await mk('c', { env: 'prod' });
  const q = async (sel: string) => (await c.core.listNamespacedConfigMap({ namespace: ns, labelSelector: sel })).items.map((i) => i.metadata!.name!).filter((n) => n.length === 1).sort();
  assert.deepEqual(await q('env=prod'), ['a', 'c']);
  assert.deepEqual(await q('env==prod,tier=web'), ['a']);
  assert.deepEqual(await q('env!=prod'), ['b']);
  assert.deepEqual(await q('env in (dev,prod),tier'), ['a', 'b']);
  assert.deepEqual(await q('env notin (dev),!tier'), ['c']);
  const r = await c.raw('GET', `/api/v1/namespaces/${ns}/configmaps`, { query: { labelSelector: 'env in (a' } });
  assert.equal(r.status, 400);
});

test('field selectors: metadata.name, spec.nodeName, spec.schedulerName, status.phase; unsupported fields are 400', async () => {
  const ns = await c.namespace();
  await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'x' }, spec: podSpec() } });
  await c.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'y' }, spec: podSpec({ schedulerName: 'other' }) } });
  await c.core.createNamespacedPodBinding({ namespace: ns, name: 'x', body: { metadata: { name: 'x' }, target: { kind: 'Node', name: 'n1' } } });
  await c.core.patchNamespacedPodStatus({ namespace: ns, name: 'x', body: { status: { phase: 'Running' } } }, merge);
  const q = async (fs: string) => (await c.core.listNamespacedPod({ namespace: ns, fieldSelector: fs })).items.map((i) => i.metadata!.name!).sort();
  assert.deepEqual(await q('metadata.name=y'), ['y']);
  assert.deepEqual(await q('spec.nodeName=n1'), ['x']);
  assert.deepEqual(await q('spec.nodeName='), ['y']);
  assert.deepEqual(await q('spec.schedulerName=k8sm-scheduler'), ['x']);
  assert.deepEqual(await q('status.phase!=Running'), ['y']);
  assert.deepEqual(await q(`metadata.namespace=${ns},status.phase=Running`), ['x']);
  const all = await c.core.listPodForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}` });
  assert.equal(all.items.length, 2);
  const st = await expectStatus(() => c.core.listNamespacedPod({ namespace: ns, fieldSelector: 'spec.containers=x' }));
  assert.equal(st.code, 400);
  assert.match(st.message ?? '', /field label not supported: spec.containers/);
});

test('discovery: /api, /api/v1, /apis, group versions, /version; KubernetesObjectApi works through it', async () => {
  const api = await c.raw('GET', '/api');
  assert.equal(api.json.kind, 'APIVersions');
  assert.deepEqual(api.json.versions, ['v1']);
  const v1 = await c.raw('GET', '/api/v1');
  const pods = (v1.json.resources as { name: string; namespaced: boolean; kind: string; verbs: string[] }[]).find((r) => r.name === 'pods');
  assert.deepEqual([pods?.namespaced, pods?.kind], [true, 'Pod']);
  assert.ok(pods?.verbs.includes('watch'));
  const names = (v1.json.resources as { name: string }[]).map((r) => r.name);
  for (const n of ['pods/binding', 'pods/status', 'namespaces', 'configmaps', 'secrets', 'services', 'events']) assert.ok(names.includes(n), n);
  const apis = await c.raw('GET', '/apis');
  const groups = (apis.json.groups as { name: string }[]).map((g) => g.name);
  for (const g of ['apps', 'coordination.k8s.io', 'events.k8s.io', 'policy', 'apiextensions.k8s.io']) assert.ok(groups.includes(g), g);
  const apps = await c.raw('GET', '/apis/apps/v1');
  assert.ok((apps.json.resources as { name: string }[]).some((r) => r.name === 'statefulsets/scale'));
  const ver = await c.raw('GET', '/version');
  assert.match(ver.json.gitVersion, /^v1\.\d+/);
  const ns = await c.namespace();
  const objApi = k8s.KubernetesObjectApi.makeApiClient(c.kc);
  const made = await objApi.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'via-discovery', namespace: ns }, spec: { holderIdentity: 'x' } } as k8s.KubernetesObject);
  assert.equal(made.metadata?.name, 'via-discovery');
});

test('ServiceAccounts and RBAC objects are stored; a RoleBinding roleRef is immutable', async () => {
  const ns = await c.namespace();
  const rbac = c.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await c.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'sched' } } });
  await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] } });
  await rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: 'rb' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'sched', namespace: ns }] } });
  const st = await expectStatus(() => rbac.patchNamespacedRoleBinding({ namespace: ns, name: 'rb', body: { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'other' } } }, merge));
  assert.equal(st.code, 422);
  assert.match(st.message ?? '', /roleRef: Invalid value: .*cannot change roleRef/);
});
