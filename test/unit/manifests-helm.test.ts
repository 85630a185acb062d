// The Helm chart renders exactly the objects of install.yaml with its default values (release `schedulerha` in
// `schedulerha-system`), and the same objects as src/manifests for other values too; every .Values reference of
// the templates exists in values.yaml, whose defaults are the generator's; the templates stay in the subset the
// evaluator (and Helm) render; kustomization.yaml lists the same objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_RELEASE, defaultValues, installManifests, mergeValues, type ChartValues, type Release } from '../../src/manifests/install.js';
import { INSTALL_FILE, KUSTOMIZATION_FILE, MANIFESTS_DIR, parseObjects } from '../../src/manifests/render.js';
import { buildCrd } from '../../src/api/schema.js';
import { byKey, loadChart, renderChart, type K8sObject } from '../helpers/chart.js';

const chart = loadChart();
const installObjects = () => parseObjects(readFileSync(INSTALL_FILE, 'utf8')) as K8sObject[];

test('values.yaml holds exactly the generator\'s default values, and every value is documented', () => {
  assert.deepEqual(chart.values, defaultValues());
  // Every value has a comment directly above it, or sits inside a documented map (e.g. resources.requests.cpu).
  const lines = readFileSync(join(MANIFESTS_DIR, 'helm/schedulerha-operator/values.yaml'), 'utf8').split('\n');
  const undocumented: string[] = [];
  const stack: Array<{ indent: number; documented: boolean }> = [];
  let leaves = 0;
  lines.forEach((l, i) => {
    const m = /^(\s*)([A-Za-z][\w.-]*):(.*)$/.exec(l);
    if (!m) return;
    const indent = m[1]!.length;
    while (stack.length && stack.at(-1)!.indent >= indent) stack.pop();
    const documented = (lines[i - 1] ?? '').trim().startsWith('#');
    const covered = documented || stack.some((a) => a.documented);
    if (m[3]!.trim() === '') stack.push({ indent, documented: covered });
    else {
      leaves++;
      if (!covered) undocumented.push(`${i + 1}: ${l.trim()}`);
    }
  });
  assert.ok(leaves > 30, `${leaves} values`);
  assert.deepEqual(undocumented, [], 'values without a comment');
  assert.equal(chart.chart.appVersion, JSON.parse(readFileSync('package.json', 'utf8')).version);
});

test('every .Values reference in the templates exists in values.yaml', () => {
  const missing: string[] = [];
  let refs = 0;
  for (const [file, src] of Object.entries(chart.templates)) {
    for (const m of src.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
      refs++;
      let v: unknown = chart.values;
      for (const seg of m[1]!.slice(1).split('.')) {
        if (!v || typeof v !== 'object' || !(seg in (v as object))) {
          missing.push(`${file}: .Values${m[1]}`);
          break;
        }
        v = (v as Record<string, unknown>)[seg];
      }
    }
  }
  assert.ok(refs > 40, `found ${refs} references`);
  assert.deepEqual(missing, []);
});

test('default values render exactly the objects of install.yaml (without its Namespace: helm install -n creates it)', () => {
  const { objects } = renderChart(chart, chart.values, DEFAULT_RELEASE);
  const expected = installObjects().filter((o) => !(o.kind === 'Namespace' && o.metadata?.name === DEFAULT_RELEASE.namespace));
  const got = byKey(objects);
  const want = byKey(expected);
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [k, o] of want) assert.deepEqual(got.get(k), o, k);
  // And install.yaml really has the operator namespace and the CRD first (apply order).
  const all = installObjects();
  assert.deepEqual([all[0]!.kind, all[1]!.kind], ['Namespace', 'CustomResourceDefinition']);
  assert.deepEqual(all[1], buildCrd());
});

const overrides: Array<{ what: string; values: Record<string, unknown>; release?: Release }> = [
  { what: 'one watched namespace (Role instead of ClusterRole)', values: { operator: { watchNamespace: 'mesos' } } },
  { what: 'several scheduler namespaces, not created, another ServiceAccount', values: { scheduler: { namespaces: ['team-a', 'team-b'], createNamespaces: false, serviceAccountName: 'k8sm-scheduler' } } },
  { what: 'no scheduler namespaces, no user roles, no PDB, no metrics Service, single replica without election, no NODE_OPTIONS', values: { scheduler: { namespaces: [] }, rbac: { userRoles: false }, operator: { replicas: 1, leaderElection: { enabled: false }, podDisruptionBudget: { enabled: false }, metricsService: { enabled: false }, nodeOptions: '' } } },
  {
    what: 'another release and namespace, name override, image, scheduling knobs, extra args',
    release: { name: 'prod', namespace: 'ops' },
    values: {
      fullnameOverride: 'k8sm-ha',
      image: { repository: 'registry.example.com/schedulerha', tag: '1.2.3', pullPolicy: 'Always' },
      imagePullSecrets: [{ name: 'regcred' }],
      serviceAccount: { name: 'op', annotations: { 'iam.example.com/role': 'x' } },
      operator: {
        schedulerImage: 'registry.example.com/schedulerha:1.2.2',
        logLevel: 'debug',
        extraArgs: ['--poll-interval=15s', '--unready-poll-interval=2s'],
        nodeOptions: '--max-semi-space-size=8 --max-old-space-size=384',
        metricsPort: 9090,
        healthProbePort: 9091,
        podAnnotations: { 'example.com/a': 'b' },
        nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } },
        priorityClassName: 'system-cluster-critical',
        resources: { requests: { cpu: '200m', memory: '256Mi' } },
        metricsService: { annotations: {} },
      },
    },
  },
];

for (const o of overrides) {
  test(`chart and generator agree with other values: ${o.what}`, () => {
    const release = o.release ?? DEFAULT_RELEASE;
    const values = mergeValues<ChartValues>(chart.values as unknown as ChartValues, o.values);
    const { objects, files } = renderChart(chart, values as unknown as Record<string, unknown>, release);
    const expected = [buildCrd() as K8sObject, ...installManifests(values, release).map((m) => m.obj as K8sObject)];
    const got = byKey(objects);
    const want = byKey(expected);
    assert.deepEqual([...got.keys()], [...want.keys()]);
    for (const [k, w] of want) assert.deepEqual(got.get(k), w, k);
    assert.ok(files['templates/NOTES.txt']!.includes(release.namespace));
  });
}

test('watchNamespace: the operator gets a Role in that namespace and --namespace, and no cluster-wide role', () => {
  const values = mergeValues<ChartValues>(defaultValues(), { operator: { watchNamespace: 'mesos' } });
  const { objects } = renderChart(chart, values as unknown as Record<string, unknown>, DEFAULT_RELEASE);
  const role = objects.find((x) => x.kind === 'Role' && x.metadata?.name === 'schedulerha-operator');
  assert.equal(role?.metadata?.namespace, 'mesos');
  assert.ok(!objects.some((x) => x.kind === 'ClusterRole' && x.metadata?.name === 'schedulerha-operator'));
  const dep = objects.find((x) => x.kind === 'Deployment') as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
  assert.ok(dep.spec.template.spec.containers[0]!.args.includes('--namespace=mesos'));
});

test('the chart refuses unknown values and syntax outside the subset (no silent rendering)', () => {
  const bad = { ...chart, templates: { ...chart.templates, 'templates/x.yaml': 'a: {{ .Values.operator.nope }}' } };
  assert.throws(() => renderChart(bad, chart.values, DEFAULT_RELEASE), /\.Values\.operator\.nope is not defined in values\.yaml/);
  const bad2 = { ...chart, templates: { ...chart.templates, 'templates/x.yaml': 'a: {{ lookup "v1" "Secret" "" "" }}' } };
  assert.throws(() => renderChart(bad2, chart.values, DEFAULT_RELEASE), /unsupported function "lookup"/);
});

test('kustomization.yaml lists exactly the objects of install.yaml', () => {
  const k = parse(readFileSync(KUSTOMIZATION_FILE, 'utf8')) as { apiVersion: string; kind: string; resources: string[] };
  assert.equal(k.kind, 'Kustomization');
  const objs = k.resources.flatMap((f) => parseObjects(readFileSync(join(MANIFESTS_DIR, f), 'utf8')) as K8sObject[]);
  const got = byKey(objs);
  const want = byKey(installObjects());
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [key, o] of want) assert.deepEqual(got.get(key), o, key);
});

test('operator.nodeOptions: NODE_OPTIONS in the operator container, absent when empty', () => {
  const envOf = (over: Record<string, unknown>) => {
    const values = mergeValues<ChartValues>(defaultValues(), { operator: over });
    const { objects } = renderChart(chart, values as unknown as Record<string, unknown>, DEFAULT_RELEASE);
    const dep = objects.find((x) => x.kind === 'Deployment') as { spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } } };
    return dep.spec.template.spec.containers[0]!.env.find((e) => e.name === 'NODE_OPTIONS')?.value;
  };
  assert.equal(envOf({}), '--max-semi-space-size=16');
  assert.equal(envOf({ nodeOptions: '--max-old-space-size=384' }), '--max-old-space-size=384');
  assert.equal(envOf({ nodeOptions: '' }), undefined);
});

test('no leader election with more than one operator replica is refused, by the chart (fail) and the generator alike', () => {
  const values = mergeValues<ChartValues>(defaultValues(), { operator: { replicas: 2, leaderElection: { enabled: false } } });
  assert.throws(() => renderChart(chart, values as unknown as Record<string, unknown>, DEFAULT_RELEASE), /execution error at \(templates\/deployment\.yaml\): operator\.leaderElection\.enabled=false needs operator\.replicas: 1/);
  assert.throws(() => installManifests(values, DEFAULT_RELEASE), /operator\.leaderElection\.enabled=false needs operator\.replicas: 1/);
});
