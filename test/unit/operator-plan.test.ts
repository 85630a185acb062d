// The operator's plan: the desired children of a SchedulerHA as a pure function of its spec — what every child
// carries (owner reference, labels), what the scheduler container gets (argv from the ConfigMap's rendering,
// downward API, probes, a restricted security context), when a PodDisruptionBudget exists, and that the applied
// hash moves exactly when the rendering does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../src/api/defaults.js';
import { parseSchedulerArgv } from '../../src/api/flags.js';
import type { SchedulerHA, SchedulerHASpec } from '../../src/api/types.js';
import { ANNOTATIONS, LABELS, MANAGED_BY, SCHEDULER_PORT, planChildren, renderConfig, comparableView, configFromConfigMap, configFromStatefulSet, etcdSpecFromStatefulSet, isSubset } from '../../src/operator/plan.js';

const IMAGE = 'registry.example/schedulerha:1.2.3';

function resource(spec: Partial<SchedulerHASpec> = {}, flags: Record<string, unknown> = {}): { sha: SchedulerHA; spec: SchedulerHASpec } {
  const raw = {
    replicas: 2,
    mesos: { master: 'zk://zk-0:2181,zk-1:2181/mesos' },
    etcd: { endpoints: ['http://etcd-0:2379'] },
    flags: { ha: true, kmPath: 'hdfs:///km', ...flags },
    ...spec,
  } as SchedulerHASpec;
  const sha = { apiVersion: 'k8sm.io/v1alpha1', kind: 'SchedulerHA', metadata: { name: 'k8sm', namespace: 'mesos', uid: 'uid-1', generation: 1 }, spec: raw } as SchedulerHA;
  return { sha, spec: applyDefaults(raw) };
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('every child is owned by the resource (controller), labelled as managed, and carries an applied hash', () => {
  const { sha, spec } = resource();
  const p = planChildren(sha, spec, { schedulerImage: IMAGE });
  for (const o of [p.configMap, p.service, p.statefulSet, p.pdb!]) {
    const md = (o as Any).metadata;
    assert.equal(md.namespace, 'mesos');
    assert.deepEqual(md.ownerReferences, [{ apiVersion: 'k8sm.io/v1alpha1', kind: 'SchedulerHA', name: 'k8sm', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
    assert.equal(md.labels[LABELS.managedBy], MANAGED_BY);
    assert.equal(md.labels[LABELS.owner], 'k8sm');
    assert.match(md.annotations[ANNOTATIONS.appliedHash], /^[0-9a-f]{16}$/);
  }
  assert.deepEqual(p.names, { statefulSet: 'k8sm', service: 'k8sm', configMap: 'k8sm-config', pdb: 'k8sm' });
  assert.equal(p.selector, `${LABELS.name}=schedulerha-scheduler,${LABELS.instance}=k8sm`);
});

test('the ConfigMap records the argv the scheduler runs, its hashes, and round-trips to the same rendering', () => {
  const { sha, spec } = resource({}, { kubelet: { 'sync-frequency': '10s' } });
  const p = planChildren(sha, spec, { schedulerImage: IMAGE });
  const data = (p.configMap as Any).data as Record<string, string>;
  const argv = JSON.parse(data['args.json']!) as string[];
  assert.deepEqual(argv, p.rendered.argv);
  assert.equal(data.args, argv.join('\n'));
  assert.equal(data['executor-hash'], p.rendered.executorHash);
  assert.equal(data['framework-name'], 'Kubernetes');
  assert.equal(data['etcd-root'], '/k8sm/Kubernetes');
  assert.deepEqual(parseSchedulerArgv(argv).errors, []);
  const back = configFromConfigMap(p.configMap as Any);
  assert.equal(back?.executorHash, p.rendered.executorHash);
  assert.equal(back?.configHash, p.rendered.configHash);
  assert.equal(configFromConfigMap({ data: { 'args.json': '["--no-such-flag"]' } }), undefined);
  assert.equal(configFromConfigMap(undefined), undefined);
});

test('the config a StatefulSet runs is read back from its scheduler container (its --port aside), as the plan rendered it', () => {
  const { sha, spec } = resource({ etcd: { endpoints: ['http://etcd-0:2379', 'http://etcd-1:2379'] } });
  const p = planChildren(sha, spec, { schedulerImage: IMAGE });
  const back = configFromStatefulSet(p.statefulSet as Any);
  assert.deepEqual(back?.argv, p.rendered.argv);
  assert.deepEqual(back?.config.etcdServers, ['http://etcd-0:2379', 'http://etcd-1:2379']);
  assert.equal(back?.configHash, p.rendered.configHash);
  const sts = JSON.parse(JSON.stringify(p.statefulSet)) as Any;
  sts.spec.template.spec.containers[0].name = 'sidecar';
  assert.equal(configFromStatefulSet(sts), undefined, 'no scheduler container');
  assert.equal(configFromStatefulSet({ spec: { template: { spec: { containers: [{ name: 'scheduler', args: ['--no-such-flag'] }] } } } } as Any), undefined);
  assert.equal(configFromStatefulSet(undefined), undefined);
});

test('the etcd connection a StatefulSet runs with names the Secrets its pod template mounts, whatever the spec says now', () => {
  const { sha, spec } = resource({ etcd: { endpoints: ['https://etcd-0:2379'], tlsSecret: 'etcd-old-tls', credentialsSecret: 'etcd-old-user' } });
  const sts = planChildren(sha, spec, { schedulerImage: IMAGE }).statefulSet as Any;
  assert.deepEqual(etcdSpecFromStatefulSet(sts, configFromStatefulSet(sts)!), { endpoints: ['https://etcd-0:2379'], prefix: '/k8sm', tlsSecret: 'etcd-old-tls', credentialsSecret: 'etcd-old-user' });
  const plain = planChildren(sha, applyDefaults({ ...sha.spec, etcd: { endpoints: ['http://etcd-0:2379'] } }), { schedulerImage: IMAGE }).statefulSet as Any;
  assert.deepEqual(etcdSpecFromStatefulSet(plain, configFromStatefulSet(plain)!), { endpoints: ['http://etcd-0:2379'], prefix: '/k8sm' });
});

test('the scheduler container: argv + port, downward API, probes on the metrics port, a restricted security context', () => {
  const { sha, spec } = resource();
  const p = planChildren(sha, spec, { schedulerImage: IMAGE });
  const sts = p.statefulSet as Any;
  assert.equal(sts.spec.replicas, 2);
  assert.equal(sts.spec.serviceName, 'k8sm');
  assert.equal(sts.spec.podManagementPolicy, 'Parallel');
  const pod = sts.spec.template.spec;
  assert.equal(pod.serviceAccountName, 'schedulerha-scheduler');
  const c = pod.containers[0];
  assert.equal(c.image, IMAGE);
  assert.deepEqual(c.command, ['schedulerha', 'scheduler']);
  assert.deepEqual(c.args, [...p.rendered.argv, `--port=${SCHEDULER_PORT}`]);
  assert.deepEqual(
    c.env.map((e: Any) => [e.name, e.valueFrom.fieldRef.fieldPath]),
    [
      ['POD_NAME', 'metadata.name'],
      ['POD_NAMESPACE', 'metadata.namespace'],
      ['POD_IP', 'status.podIP'],
    ],
  );
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  // The "restricted" Pod Security Standard, so the scheduler runs in namespaces that enforce it.
  assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
  assert.equal(sts.spec.template.metadata.annotations[ANNOTATIONS.executorHash], p.rendered.executorHash);
  assert.deepEqual(sts.spec.selector.matchLabels, { [LABELS.name]: 'schedulerha-scheduler', [LABELS.instance]: 'k8sm' });
});

test('spec.image wins over the operator default; secrets become read-only mounts (and the etcd user an env var)', () => {
  const { sha, spec } = resource({ image: 'mine:1', etcd: { endpoints: ['https://etcd-0:2379'], tlsSecret: 'etcd-tls', credentialsSecret: 'etcd-user' } as SchedulerHASpec['etcd'] });
  const c = (planChildren(sha, spec, { schedulerImage: IMAGE }).statefulSet as Any).spec.template.spec;
  assert.equal(c.containers[0].image, 'mine:1');
  assert.deepEqual(c.volumes.map((v: Any) => v.secret.secretName), ['etcd-tls', 'etcd-user']);
  assert.ok(c.containers[0].volumeMounts.every((m: Any) => m.readOnly === true));
  assert.ok(c.containers[0].env.some((e: Any) => e.name === 'ETCD_USERNAME' && e.valueFrom.secretKeyRef.name === 'etcd-user'));
});

test('a PodDisruptionBudget only with more than one replica', () => {
  for (const [replicas, ha, want] of [[0, false, false], [1, false, false], [2, true, true], [3, true, true]] as const) {
    const { sha, spec } = resource({ replicas }, { ha });
    const p = planChildren(sha, spec, { schedulerImage: IMAGE });
    assert.equal(p.pdb !== undefined, want, `replicas ${replicas}`);
    // A replica that is not ready (an etcd outage, a refused hash) may be evicted: it must not hold a drain up.
    if (p.pdb) assert.deepEqual((p.pdb as Any).spec, { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { [LABELS.name]: 'schedulerha-scheduler', [LABELS.instance]: 'k8sm' } } });
  }
});

test('the applied hash is deterministic and moves exactly with the rendering', () => {
  const a = resource();
  const h = (p: ReturnType<typeof planChildren>) => (p.statefulSet as Any).metadata.annotations[ANNOTATIONS.appliedHash] as string;
  const p1 = planChildren(a.sha, a.spec, { schedulerImage: IMAGE });
  assert.equal(h(planChildren(a.sha, a.spec, { schedulerImage: IMAGE })), h(p1));
  const b = resource({}, { kubelet: { 'sync-frequency': '20s' } });
  const p2 = planChildren(b.sha, b.spec, { schedulerImage: IMAGE });
  assert.notEqual(h(p2), h(p1));
  assert.notEqual(p2.rendered.executorHash, p1.rendered.executorHash, 'a --kubelet-* flag is an executor-hash input');
  const c = resource({}, { reconcileInterval: '10m' });
  const p3 = planChildren(c.sha, c.spec, { schedulerImage: IMAGE });
  assert.notEqual(h(p3), h(p1));
  assert.equal(p3.rendered.executorHash, p1.rendered.executorHash, '--reconcile-interval does not change the executor hash');
  assert.equal(renderConfig(a.spec).configHash, p1.rendered.configHash);
});

test('isSubset: named lists match by name (entries another manager added are no difference); other lists are atomic', () => {
  const desired = { spec: { containers: [{ name: 'scheduler', args: ['--a', '--b'], env: [{ name: 'POD_NAME', value: 'x' }] }] } };
  const theirs = { spec: { containers: [{ name: 'scheduler', args: ['--a', '--b'], env: [{ name: 'FOO', value: '1' }, { name: 'POD_NAME', value: 'x' }], image: 'i' }, { name: 'sidecar' }] } };
  assert.equal(isSubset(desired, theirs), true, 'kubectl set env / an injected sidecar: nothing to apply');
  assert.equal(isSubset(desired, { spec: { containers: [{ name: 'scheduler', args: ['--a', '--b'], env: [{ name: 'POD_NAME', value: 'y' }] }] } }), false, 'our entry changed');
  assert.equal(isSubset(desired, { spec: { containers: [{ name: 'scheduler', args: ['--a', '--b'], env: [] }] } }), false, 'our entry missing');
  assert.equal(isSubset(desired, { spec: { containers: [{ name: 'scheduler', args: ['--a', '--b', '--c'], env: [{ name: 'POD_NAME', value: 'x' }] }] } }), false, 'args are atomic');
  assert.equal(isSubset(desired, { spec: { containers: [{ name: 'scheduler', args: ['--b', '--a'], env: [{ name: 'POD_NAME', value: 'x' }] }] } }), false, 'in order');
});

test('the non-root scheduler can read the Secrets it mounts: group-readable files, and the pod\'s fsGroup is their group', () => {
  const { sha, spec } = resource({ etcd: { endpoints: ['https://etcd-0:2379'], tlsSecret: 'etcd-tls', credentialsSecret: 'etcd-user' }, mesos: { master: 'zk://zk-0:2181/mesos', principal: 'k8sm', credentialsSecret: 'mesos-creds', zkCredentialsSecret: 'zk-cred' } });
  const pod = (planChildren(sha, spec, { schedulerImage: IMAGE }).statefulSet as Any).spec.template.spec;
  const secrets = (pod.volumes as Any[]).filter((v) => v.secret);
  assert.equal(secrets.length, 4);
  // The ZooKeeper credentials come from their Secret, never in the master URL (the args show in the ConfigMap).
  const c = pod.containers[0];
  assert.ok(c.args.includes('--zk-username=$(ZK_USERNAME)') && c.args.includes('--zk-password-file=/etc/schedulerha/zk-credentials/password') && c.args.includes('--mesos-master=zk://zk-0:2181/mesos'), c.args.join(' '));
  assert.deepEqual(c.env.find((e: Any) => e.name === 'ZK_USERNAME').valueFrom, { secretKeyRef: { name: 'zk-cred', key: 'username' } });
  assert.ok(secrets.some((v) => v.name === 'zk-credentials' && v.secret.secretName === 'zk-cred'));
  // Kubernetes makes a Secret volume's files root-owned with the fsGroup as their group (none: root's group).
  assert.equal(pod.securityContext?.fsGroup, 1000, 'the image runs as uid/gid 1000 (Dockerfile USER 1000:1000)');
  for (const v of secrets) assert.equal(v.secret.defaultMode & 0o040, 0o040, `${v.name}: group-readable`);
  assert.equal(pod.containers[0].securityContext.runAsNonRoot, true);
});

test('spec.mesos.tls Secrets are mounted where the rendered flags point, group-readable', () => {
  const { sha, spec } = resource({ mesos: { master: 'zk://zk-0:2181/mesos', tls: { caSecret: 'mesos-ca', clientSecret: 'mesos-client' } } });
  const pod = (planChildren(sha, spec, { schedulerImage: IMAGE }).statefulSet as Any).spec.template.spec;
  const c = pod.containers[0];
  const mounts = new Map((c.volumeMounts as Any[]).map((m) => [m.name, m.mountPath]));
  const vols = new Map((pod.volumes as Any[]).filter((v) => v.secret).map((v) => [v.name, v.secret.secretName]));
  assert.equal(vols.get('mesos-ca'), 'mesos-ca');
  assert.equal(vols.get('mesos-client-tls'), 'mesos-client');
  for (const [flag, vol, file] of [['--mesos-cafile', 'mesos-ca', 'ca.crt'], ['--mesos-certfile', 'mesos-client-tls', 'tls.crt'], ['--mesos-keyfile', 'mesos-client-tls', 'tls.key']] as const) {
    assert.ok(c.args.includes(`${flag}=${mounts.get(vol)}/${file}`), `${flag} points into the ${vol} mount: ${c.args.join(' ')}`);
  }
  assert.ok(c.args.includes('--mesos-tls=true'));
});

test('scheduler replicas request resources by default (not BestEffort); a spec that sets resources has them as given', () => {
  const { sha, spec } = resource();
  assert.deepEqual((planChildren(sha, spec, { schedulerImage: IMAGE }).statefulSet as Any).spec.template.spec.containers[0].resources, { requests: { cpu: '100m', memory: '256Mi' } });
  const own = resource({ resources: { limits: { memory: '1Gi' } } });
  assert.deepEqual((planChildren(own.sha, own.spec, { schedulerImage: IMAGE }).statefulSet as Any).spec.template.spec.containers[0].resources, { limits: { memory: '1Gi' } });
});

test('scheduling controls of the spec reach the pod template: priorityClassName, nodeSelector, tolerations', () => {
  const tolerations = [{ key: 'dedicated', operator: 'Equal' as const, value: 'mesos', effect: 'NoSchedule' as const }];
  const { sha, spec } = resource({ priorityClassName: 'mesos-critical', nodeSelector: { 'node-role.kubernetes.io/control-plane': '' }, tolerations });
  const pod = (planChildren(sha, spec, { schedulerImage: IMAGE }).statefulSet as Any).spec.template.spec;
  assert.equal(pod.priorityClassName, 'mesos-critical');
  assert.deepEqual(pod.nodeSelector, { 'node-role.kubernetes.io/control-plane': '' });
  assert.deepEqual(pod.tolerations, tolerations);
  const none = resource();
  const plain = (planChildren(none.sha, none.spec, { schedulerImage: IMAGE }).statefulSet as Any).spec.template.spec;
  assert.deepEqual([plain.priorityClassName, plain.nodeSelector, plain.tolerations], [undefined, undefined, undefined]);
});

test('children the API server gives back otherwise than written still compare as applied: no re-apply on every pass', () => {
  const tolerations = [{ key: 'dedicated', operator: 'Exists' as const, value: '', effect: 'NoSchedule' as const }];
  const { sha, spec } = resource({ tolerations });
  const p = planChildren(sha, spec, { schedulerImage: IMAGE });
  // As a server stores it: empty strings omitted; the PDB field dropped where it is not served (before 1.27).
  const live = (o: unknown) => JSON.parse(JSON.stringify(o)) as Any;
  const sts = live(p.statefulSet);
  assert.deepEqual(sts.spec.template.spec.tolerations, [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }], 'rendered without the empty value');
  const pdb = live(p.pdb);
  delete pdb.spec.unhealthyPodEvictionPolicy;
  assert.ok(isSubset(comparableView(p.pdb as Any), pdb), 'a PDB without the field the server dropped is as applied');
  assert.ok(isSubset(comparableView(p.statefulSet as Any), sts));
});

test('spec.etcd.tlsSecret: the pods are given the files the Secret holds — a CA-only Secret (etcd without client-certificate auth) names no certificate', () => {
  const { sha, spec } = resource({ etcd: { endpoints: ['https://etcd-0:2379'], tlsSecret: 'etcd-ca' } });
  const args = (o: Parameters<typeof planChildren>[2]) => ((planChildren(sha, spec, o).statefulSet as Any).spec.template.spec.containers[0].args as string[]).filter((a) => /^--etcd-(ca|cert|key)file=/.test(a));
  assert.deepEqual(args({ schedulerImage: IMAGE, etcdTlsKeys: { ca: true, clientCert: false } }), ['--etcd-cafile=/etc/schedulerha/etcd-tls/ca.crt']);
  assert.deepEqual(args({ schedulerImage: IMAGE, etcdTlsKeys: { ca: false, clientCert: true } }), ['--etcd-certfile=/etc/schedulerha/etcd-tls/tls.crt', '--etcd-keyfile=/etc/schedulerha/etcd-tls/tls.key']);
  assert.equal(args({ schedulerImage: IMAGE }).length, 3, 'unknown: all three, as before');
});

test('the scheduler pods\' fsGroup is the operator\'s to set: 1000 by default, another group, or none (OpenShift SCCs assign it)', () => {
  const { sha, spec } = resource();
  const sc = (o: Partial<Parameters<typeof planChildren>[2]>) => (planChildren(sha, spec, { schedulerImage: IMAGE, ...o }).statefulSet as Any).spec.template.spec.securityContext;
  assert.deepEqual(sc({}), { fsGroup: 1000 });
  assert.deepEqual(sc({ fsGroup: 4242 }), { fsGroup: 4242 });
  assert.deepEqual(sc({ fsGroup: null }), {});
});
