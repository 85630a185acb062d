// The generated install manifests: committed files are fresh; the operator Deployment is what a production
// operator needs (2 replicas, Lease election, probes on the health port, resources, a locked-down security
// context, the downward API) and passes only flags `schedulerha operator` has; the metrics Service and the PDB
// select its pods; the scheduler ServiceAccount matches the SchedulerHA default; every sample's namespace is set up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { generatedInstallFiles, INSTALL_FILE, parseObjects } from '../../src/manifests/render.js';
import { registerOperatorCommand, DEFAULT_LEASE_NAME } from '../../src/operator/command.js';
import { applyDefaults } from '../../src/api/defaults.js';
import type { SchedulerHASpec } from '../../src/api/types.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const objects = parseObjects(readFileSync(INSTALL_FILE, 'utf8')) as Obj[];
const find = (kind: string, name?: string) => objects.filter((o) => o.kind === kind && (!name || o.metadata.name === name));

test('every generated install file is committed and fresh (npm run gen)', () => {
  const files = generatedInstallFiles();
  assert.ok(files.size >= 12);
  for (const [file, content] of files) assert.equal(readFileSync(file, 'utf8'), content, `${file} is stale: run npm run gen`);
});

test('install.yaml: namespace, CRD, ServiceAccounts, RBAC, operator', () => {
  const kinds = objects.map((o) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`);
  assert.deepEqual(kinds, [
    'Namespace/schedulerha-system',
    'CustomResourceDefinition/schedulerhas.k8sm.io',
    'ServiceAccount/schedulerha-system/schedulerha-operator',
    'ClusterRole/schedulerha-operator',
    'ClusterRoleBinding/schedulerha-operator',
    'Role/schedulerha-system/schedulerha-operator-leader-election',
    'RoleBinding/schedulerha-system/schedulerha-operator-leader-election',
    'ClusterRole/schedulerha-scheduler',
    'Namespace/mesos',
    'ServiceAccount/mesos/schedulerha-scheduler',
    'ClusterRoleBinding/schedulerha-scheduler:mesos',
    'ClusterRole/schedulerha-view',
    'ClusterRole/schedulerha-edit',
    'Deployment/schedulerha-system/schedulerha-operator',
    'Service/schedulerha-system/schedulerha-operator-metrics',
    'PodDisruptionBudget/schedulerha-system/schedulerha-operator',
  ]);
  assert.equal(find('Namespace', 'schedulerha-system')[0]!.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
  assert.equal(find('Namespace', 'mesos')[0]!.metadata.annotations['helm.sh/resource-policy'], 'keep');
});

test('the operator Deployment: 2 replicas, Lease election, probes, resources, security context, downward API', () => {
  const d = find('Deployment', 'schedulerha-operator')[0]!;
  assert.equal(d.spec.replicas, 2);
  assert.deepEqual(d.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
  const pod = d.spec.template.spec;
  for (const [k, v] of Object.entries(d.spec.selector.matchLabels)) assert.equal(d.spec.template.metadata.labels[k], v, `selector label ${k}`);
  assert.equal(pod.serviceAccountName, 'schedulerha-operator');
  assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
  assert.ok(pod.affinity.podAntiAffinity, 'replicas spread over nodes');
  const c = pod.containers[0];
  assert.equal(c.image, `schedulerha:${JSON.parse(readFileSync('package.json', 'utf8')).version}`);
  assert.deepEqual(c.command, ['schedulerha', 'operator']);
  assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
  assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
  const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.valueFrom?.fieldRef?.fieldPath ?? e.value]));
  assert.deepEqual(env, { POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace', NODE_OPTIONS: '--max-semi-space-size=16' });
  const port = (name: string) => c.ports.find((p: Obj) => p.name === name)?.containerPort;
  assert.equal(port('metrics'), 8080);
  assert.equal(port('health'), 8081);
  assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'health' });
  assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'health' });
  assert.ok(c.args.includes('--leader-elect'));
  assert.ok(c.args.includes('--metrics-bind-address=:8080'));
  assert.ok(c.args.includes('--health-probe-bind-address=:8081'));
  assert.ok(c.args.includes(`--scheduler-image=${c.image}`), 'the scheduler image is explicit (no need to read its own pod)');
  // A read-only root filesystem still has a writable /tmp.
  assert.deepEqual(c.volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }]);
  assert.ok(pod.volumes.some((v: Obj) => v.name === 'tmp' && v.emptyDir));
});

test('every operator flag in the Deployment exists in `schedulerha operator`; the Lease id matches the Role', () => {
  const program = new Command();
  registerOperatorCommand(program);
  const cmd = program.commands.find((c) => c.name() === 'operator')!;
  const known = new Set(cmd.options.map((o) => o.long));
  const c = find('Deployment', 'schedulerha-operator')[0]!.spec.template.spec.containers[0];
  for (const a of c.args as string[]) assert.ok(known.has(a.split('=')[0]!), `unknown operator flag ${a}`);
  const id = (c.args as string[]).find((a) => a.startsWith('--leader-election-id='))!.split('=')[1];
  assert.equal(id, DEFAULT_LEASE_NAME);
  const role = find('Role', 'schedulerha-operator-leader-election')[0]!;
  assert.deepEqual(role.rules.find((r: Obj) => r.resourceNames)?.resourceNames, [id]);
});

test('the metrics Service and the PDB select the operator pods; the metrics port exists', () => {
  const d = find('Deployment', 'schedulerha-operator')[0]!;
  const labels = d.spec.template.metadata.labels;
  const svc = find('Service', 'schedulerha-operator-metrics')[0]!;
  for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(labels[k], v);
  assert.equal(svc.spec.ports[0].targetPort, 'metrics');
  const pdb = find('PodDisruptionBudget', 'schedulerha-operator')[0]!;
  for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) assert.equal(labels[k], v);
  assert.equal(pdb.spec.maxUnavailable, 1);
  // The operator's own pods must not look like the scheduler pods it manages (its pod informer selects those).
  assert.equal(labels['app.kubernetes.io/managed-by'], undefined);
});

test('the scheduler ServiceAccount is the SchedulerHA default, and every sample namespace is set up', () => {
  const def = applyDefaults({ mesos: { master: 'm:5050' }, etcd: { endpoints: ['http://e:2379'] }, flags: { kmPath: 'hdfs:///km' } } as unknown as SchedulerHASpec);
  const sas = find('ServiceAccount').filter((s) => s.metadata.name === def.serviceAccountName);
  assert.ok(sas.length > 0, `a ServiceAccount ${def.serviceAccountName}`);
  const samples = readdirSync('manifests/samples').flatMap((f) => parseObjects(readFileSync(join('manifests/samples', f), 'utf8')) as Obj[]);
  for (const s of samples.filter((x) => x.kind === 'SchedulerHA')) {
    const ns = s.metadata.namespace;
    const sa = s.spec.serviceAccountName ?? def.serviceAccountName;
    assert.ok(find('ServiceAccount', sa).some((x) => x.metadata.namespace === ns), `ServiceAccount ${ns}/${sa} for sample ${s.metadata.name}`);
    const crb = find('ClusterRoleBinding').find((b) => b.subjects?.some((x: Obj) => x.kind === 'ServiceAccount' && x.name === sa && x.namespace === ns));
    assert.equal(crb?.roleRef.name, 'schedulerha-scheduler', `binding for ${ns}/${sa}`);
  }
});
