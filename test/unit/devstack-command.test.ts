// The manifests `schedulerha devstack` applies: the HA sample rewritten to the stack's etcd and Mesos, its
// namespace, and copies of the pod sample for the scheduler. Pure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareManifests, findOnPath, DEFAULT_RESOURCE_FILE, DEFAULT_POD_FILE, WORKLOAD_LABEL, WORKLOAD_MANAGER } from '../../src/devstack/command.js';
import { validateSchedulerHA } from '../../src/api/validate.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ha = readFileSync(DEFAULT_RESOURCE_FILE, 'utf8');
const pod = readFileSync(DEFAULT_POD_FILE, 'utf8');
const at = { etcdEndpoint: 'http://127.0.0.1:23790', mesosMaster: '127.0.0.1:5050,127.0.0.1:5051,127.0.0.1:5052', pods: 3 };

test('the HA sample is applied as it is, with the stack\'s etcd endpoint and Mesos masters', () => {
  const m = prepareManifests(ha, pod, at);
  assert.equal(m.namespace, 'mesos');
  assert.equal(m.name, 'k8sm');
  assert.equal(m.frameworkName, 'Kubernetes');
  assert.equal(m.keys.leaderStatus, '/k8sm/Kubernetes/leader-status');
  const [ns, res, ...pods] = m.objects as Obj[];
  assert.deepEqual(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mesos' } });
  assert.equal(res!.kind, 'SchedulerHA');
  assert.equal(res!.spec.mesos.master, at.mesosMaster);
  assert.deepEqual(res!.spec.etcd.endpoints, [at.etcdEndpoint]);
  // Everything else is the sample's.
  assert.equal(res!.spec.replicas, 2);
  assert.equal(res!.spec.flags.kmPath, 'hdfs:///km');
  assert.equal(res!.spec.etcd.leaseTTLSeconds, 10);
  assert.equal(res!.spec.mesos.user, 'root');
  assert.deepEqual(validateSchedulerHA(res).errors, []);
  assert.deepEqual(m.warnings, []);
  assert.equal(pods.length, 3);
  assert.deepEqual(m.podNames, ['nginx-on-mesos-1', 'nginx-on-mesos-2', 'nginx-on-mesos-3']);
});

test('pods: copies of the pod sample in the resource\'s namespace, for this framework, one hostPort each, labelled', () => {
  const m = prepareManifests(ha.replace('namespace: mesos', 'namespace: other'), pod, at);
  const pods = (m.objects as Obj[]).filter((o) => o.kind === 'Pod');
  assert.deepEqual(pods.map((p) => p.metadata.namespace), ['other', 'other', 'other']);
  assert.deepEqual(pods.map((p) => p.spec.schedulerName), ['kubernetes', 'kubernetes', 'kubernetes']);
  assert.deepEqual(pods.map((p) => p.spec.containers[0].ports[0].hostPort), [31080, 31081, 31082]);
  assert.deepEqual(pods.map((p) => p.spec.containers[0].resources.requests), [{ cpu: '250m', memory: '128Mi' }, { cpu: '250m', memory: '128Mi' }, { cpu: '250m', memory: '128Mi' }]);
  for (const p of pods) assert.equal(p.metadata.labels[WORKLOAD_LABEL], WORKLOAD_MANAGER);
  const named = prepareManifests(ha.replace('  flags:\n', '  flags:\n    frameworkName: MyFW\n'), pod, { ...at, pods: 1 });
  assert.equal((named.objects as Obj[]).find((o) => o.kind === 'Pod')!.spec.schedulerName, 'myfw');
  assert.equal(named.keys.root, '/k8sm/MyFW');
  assert.equal(prepareManifests(ha, pod, { ...at, pods: 0 }).objects.length, 2);
});

test('a resource without a namespace goes to "default"; an invalid one is refused with the validator\'s message', () => {
  const m = prepareManifests(ha.replace(/  namespace: mesos\n/, ''), pod, at);
  assert.equal(m.namespace, 'default');
  assert.throws(() => prepareManifests(ha.replace('kmPath: hdfs:///km', 'kmPath: /opt/km'), pod, { ...at, resourceFile: 'x.yaml' }), (e: Error & { reason?: string }) => e.reason === 'InvalidSpec' && /x\.yaml is not a valid SchedulerHA[\s\S]*spec\.flags\.kmPath/.test(e.message));
  assert.throws(() => prepareManifests('kind: ConfigMap\n', pod, { ...at, resourceFile: 'y.yaml' }), /y\.yaml has no SchedulerHA document/);
  assert.throws(() => prepareManifests(ha, 'kind: Service\n', { ...at, podFile: 'p.yaml' }), /p\.yaml has no Pod document/);
  assert.throws(() => prepareManifests('a: [', pod, at), (e: Error & { reason?: string }) => e.reason === 'InvalidManifest');
});

test('findOnPath finds executables only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'findonpath-'));
  try {
    writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
    writeFileSync(join(dir, 'data'), '');
    chmodSync(join(dir, 'tool'), 0o755);
    chmodSync(join(dir, 'data'), 0o644);
    assert.equal(findOnPath('tool', `/nonexistent:${dir}`), join(dir, 'tool'));
    assert.equal(findOnPath('data', dir), undefined);
    assert.equal(findOnPath('tool', ''), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
