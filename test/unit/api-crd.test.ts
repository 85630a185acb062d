// The CRD is generated from src/api/schema.ts; the committed file must match, and the CRD must have the
// properties a demanding user expects (structural schema, subresources, printer columns, CEL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CRD_FILE, renderCrdYaml } from '../../src/api/crd-yaml.js';
import { generatedManifests } from '../../src/cli/gen-manifests.js';
import { buildCrd } from '../../src/api/schema.js';
import { listDefaults } from '../../src/api/defaults.js';

test('every committed generated manifest equals what `npm run gen` writes', () => {
  for (const [file, content] of generatedManifests()) {
    assert.equal(readFileSync(file, 'utf8'), content, `${file} is stale: run npm run gen`);
  }
  assert.equal(readFileSync(CRD_FILE, 'utf8'), renderCrdYaml());
});

test('CRD names, scope, subresources, printer columns', () => {
  const crd = parse(readFileSync(CRD_FILE, 'utf8'));
  assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
  assert.equal(crd.metadata.name, 'schedulerhas.k8sm.io');
  assert.deepEqual(crd.spec.names.shortNames, ['schedha']);
  assert.equal(crd.spec.scope, 'Namespaced');
  const v = crd.spec.versions[0];
  assert.equal(v.name, 'v1alpha1');
  assert.deepEqual(v.subresources.status, {});
  assert.deepEqual(v.subresources.scale, { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' });
  const cols = v.additionalPrinterColumns.map((c: { name: string }) => c.name);
  for (const c of ['Replicas', 'Ready', 'Leader', 'Framework', 'Tasks', 'Executor', 'Last-Failover', 'Failover-Reason', 'Age']) assert.ok(cols.includes(c), c);
  const rules = v.schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'].map((x: { rule: string }) => x.rule).join('\n');
  assert.match(rules, /self\.replicas <= 1 \|\| self\.flags\.ha/);
  assert.match(rules, /kmPath\.matches/);
});

test('the schema is structural: every property has a type or is int-or-string', () => {
  const visit = (s: Record<string, any>, path: string) => {
    assert.ok(s.type !== undefined || s['x-kubernetes-int-or-string'] === true, `${path} has no type`);
    for (const [k, c] of Object.entries<Record<string, any>>(s.properties ?? {})) visit(c, `${path}.${k}`);
    if (s.items) visit(s.items, `${path}[]`);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') visit(s.additionalProperties, `${path}.*`);
  };
  visit(buildCrd().spec ? (buildCrd() as any).spec.versions[0].schema.openAPIV3Schema : {}, 'root');
});

test('the CRD schema never has additionalProperties next to properties (the API server refuses it: "mutual exclusive")', () => {
  const bad: string[] = [];
  const visit = (s: Record<string, any>, path: string) => {
    if (s.properties && Object.keys(s.properties).length && s.additionalProperties !== undefined && s.additionalProperties !== true) bad.push(path);
    for (const [k, c] of Object.entries<Record<string, any>>(s.properties ?? {})) visit(c, `${path}.${k}`);
    if (s.items) visit(s.items, `${path}[]`);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') visit(s.additionalProperties, `${path}.*`);
  };
  visit((buildCrd() as any).spec.versions[0].schema.openAPIV3Schema, 'root');
  assert.deepEqual(bad, []);
  // Maps keep their value schema (no properties there), e.g. spec.flags.kubelet.
  const flags = (buildCrd() as any).spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.flags;
  assert.equal(flags.properties.kubelet.additionalProperties['x-kubernetes-int-or-string'], true);
  assert.ok(flags.properties.ha, 'field names under properties are kept as they are');
});

test('defaults are listed for the README', () => {
  const d = Object.fromEntries(listDefaults().map((x) => [x.path, x.default]));
  assert.equal(d['spec.replicas'], 2);
  assert.equal(d['spec.flags.checkpoint'], true);
  assert.equal(d['spec.flags.failoverTimeout'], '168h');
  assert.equal(d['spec.etcd.leaseTTLSeconds'], 10);
  assert.equal(d['spec.deletionPolicy'], 'Orphan');
});

test('SchedulerHAs are not in the `all` category: `kubectl delete all --all` leaves them (and their frameworks) alone', () => {
  const crd = buildCrd() as unknown as { spec: { names: { categories?: string[] } } };
  assert.ok(!(crd.spec.names.categories ?? []).includes('all'), JSON.stringify(crd.spec.names.categories));
});
