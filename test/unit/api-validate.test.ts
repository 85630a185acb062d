// Table-driven validation: every invalid spec must be rejected with its own specific message on the right field,
// and valid specs (including every sample) must pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateSchedulerHA, validateSchedulerConfig, classifyArtifactUri, roleError } from '../../src/api/validate.js';
import { parseSchedulerArgv, specToArgv } from '../../src/api/flags.js';
import { parseDocuments } from '../../src/api/documents.js';
import {
  applySpecExample,
  baseSchedulerHA,
  BASE_ARGV,
  commandLineIssues,
  commandLineOf,
  COMMAND_LINE_ERROR_EXAMPLES,
  COMMAND_LINE_WARNING_EXAMPLES,
  SPEC_ERROR_EXAMPLES,
  SPEC_WARNING_EXAMPLES,
} from '../../src/api/validation-examples.js';

type Doc = Record<string, any>;

// The case tables live in src/api/validation-examples.ts: the same examples generate the validation-message table
// of docs/reference.md.
const base = baseSchedulerHA;
const cases = SPEC_ERROR_EXAMPLES;

test(`at least 60 distinct invalid specs (${cases.length} cases)`, () => {
  assert.ok(cases.length >= 60);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are distinct');
});

test('the base spec is valid', () => {
  const r = validateSchedulerHA(base());
  assert.deepEqual(r.errors, []);
});

for (const c of cases) {
  test(`invalid: ${c.name}`, () => {
    const r = validateSchedulerHA(applySpecExample(c.set));
    const hit = r.errors.find((e) => e.path === c.path && c.message.test(e.message));
    assert.ok(hit, `expected an error on ${c.path} matching ${c.message}; got:\n${r.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n') || '  (no errors)'}`);
  });
}

test('every invalid case produces a distinct message', () => {
  const messages = new Set<string>();
  for (const c of cases) {
    const e = validateSchedulerHA(applySpecExample(c.set)).errors.find((x) => x.path === c.path && c.message.test(x.message))!;
    messages.add(`${e.path}|${e.message}`);
  }
  assert.equal(messages.size, cases.length);
});

const warningCases = SPEC_WARNING_EXAMPLES;

for (const c of warningCases) {
  test(`warning (still valid): ${c.name}`, () => {
    const r = validateSchedulerHA(applySpecExample(c.set), { served: c.served === true });
    assert.deepEqual(r.errors, [], 'no errors');
    assert.ok(r.warnings.some((w) => w.path === c.path && c.message.test(w.message)), `warnings: ${JSON.stringify(r.warnings)}`);
  });
}

test('the base command line is valid', () => {
  assert.deepEqual(commandLineIssues(BASE_ARGV), { errors: [], warnings: [] });
});

for (const c of COMMAND_LINE_ERROR_EXAMPLES) {
  test(`invalid command line: ${c.name}`, () => {
    const r = commandLineIssues(commandLineOf(c));
    const hit = r.errors.find((e) => e.path === c.path && c.message.test(e.message));
    assert.ok(hit, `expected an error on ${c.path} matching ${c.message}; got:\n${r.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n') || '  (no errors)'}`);
  });
}

for (const c of COMMAND_LINE_WARNING_EXAMPLES) {
  test(`command-line warning (still valid): ${c.name}`, () => {
    const r = commandLineIssues(commandLineOf(c));
    assert.deepEqual(r.errors, [], 'no errors');
    assert.ok(r.warnings.some((w) => w.path === c.path && c.message.test(w.message)), `warnings: ${JSON.stringify(r.warnings)}`);
  });
}

test('example names are distinct within each table', () => {
  for (const table of [SPEC_ERROR_EXAMPLES, SPEC_WARNING_EXAMPLES, COMMAND_LINE_ERROR_EXAMPLES, COMMAND_LINE_WARNING_EXAMPLES]) {
    assert.equal(new Set(table.map((c) => c.name)).size, table.length);
  }
});

test('valid variants pass', () => {
  const variants: Array<(d: Doc) => void> = [
    (d) => (d.spec.mesos.master = 'zk://user:pa%40ss@zk1:2181,zk2:2181/mesos'),
    (d) => (d.spec.mesos.master = 'master-0:5050'),
    (d) => (d.spec.mesos.master = 'https://m0:5050,http://m1:5050'),
    (d) => (d.spec.mesos.master = '[::1]:5050'),
    (d) => (d.spec.mesos.roles = ['*', 'eng/web']),
    (d) => Object.assign(d.spec.flags, { kmPath: 's3://bucket/km' }),
    (d) => Object.assign(d.spec.flags, { kmPath: 'https://artifacts.example.com/km' }),
    (d) => { delete d.spec.flags.kmPath; Object.assign(d.spec.flags, { executorPath: 'hdfs:///executor', proxyPath: 'hdfs:///proxy' }); },
    (d) => (d.spec.flags.failoverTimeout = 604800),
    (d) => (d.spec.flags.failoverTimeout = '720h30m'),
    (d) => (d.spec.flags.kubelet = { 'sync-frequency': '10s', cadvisor_port: 4194 }),
    (d) => Object.assign(d.spec, { replicas: 1 }),
    (d) => Object.assign(d.spec, { resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: 1 } } }),
    (d) => Object.assign(d.spec, { image: 'registry.example.com:5000/team/schedulerha:0.1.0' }),
    (d) => Object.assign(d.spec.etcd, { endpoints: ['https://e0:2379', 'https://e1:2379'], tlsSecret: 'etcd-tls', credentialsSecret: 'etcd-cred', prefix: '/a/b' }),
  ];
  variants.forEach((v, i) => {
    const d = base();
    v(d);
    const r = validateSchedulerHA(d);
    assert.deepEqual(r.errors, [], `variant ${i}`);
  });
});

test('Mesos TLS: https for ZooKeeper-named masters takes the plain-http warning off the basic-auth secret; both Secrets render flags and mounts', () => {
  const d = base();
  Object.assign(d.spec.mesos, { principal: 'k8sm', credentialsSecret: 'mesos-cred', tls: { caSecret: 'mesos-ca', clientSecret: 'mesos-client' } });
  const r = validateSchedulerHA(d);
  assert.deepEqual([r.errors, r.warnings], [[], []]);
  delete d.spec.mesos.tls;
  assert.match(validateSchedulerHA(d).warnings.map((w) => w.message).join('\n'), /contacted over http:\/\/: unencrypted on the network; set spec\.mesos\.tls if the masters serve https/);
  const argv = specToArgv({ mesos: { master: 'zk://zk:2181/mesos', tls: { caSecret: 'mesos-ca', clientSecret: 'mesos-client' } }, etcd: { endpoints: ['http://e:2379'] } });
  assert.deepEqual(argv.filter((a) => a.startsWith('--mesos-') && !a.startsWith('--mesos-master')), ['--mesos-tls=true', '--mesos-cafile=/etc/schedulerha/mesos-ca/ca.crt', '--mesos-certfile=/etc/schedulerha/mesos-client-tls/tls.crt', '--mesos-keyfile=/etc/schedulerha/mesos-client-tls/tls.key']);
  assert.deepEqual(specToArgv({ mesos: { master: 'm:5050', tls: {} }, etcd: { endpoints: ['http://e:2379'] } }).filter((a) => /tls|file/.test(a)), ['--mesos-tls=true'], 'system CAs, no client certificate');
  const parsed = parseSchedulerArgv([...argv, '--km-path=hdfs:///km']);
  assert.deepEqual(parsed.errors, []);
  assert.deepEqual([parsed.config.mesosTls, parsed.config.mesosCaFile, parsed.config.mesosCertFile, parsed.config.mesosKeyFile], [true, '/etc/schedulerha/mesos-ca/ca.crt', '/etc/schedulerha/mesos-client-tls/tls.crt', '/etc/schedulerha/mesos-client-tls/tls.key']);
  assert.deepEqual(validateSchedulerConfig(parsed.config).warnings, []);
});

test('every sample in manifests/samples validates', () => {
  const dir = 'manifests/samples';
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length >= 3);
  let schedulerHAs = 0;
  for (const f of files) {
    const { docs, errors } = parseDocuments(readFileSync(join(dir, f), 'utf8'), f);
    assert.deepEqual(errors, [], f);
    for (const d of docs) {
      if ((d.value as Doc).kind !== 'SchedulerHA') continue;
      schedulerHAs++;
      assert.deepEqual(validateSchedulerHA(d.value).errors, [], d.origin);
    }
  }
  assert.ok(schedulerHAs >= 2);
});

test('non-object documents are rejected', () => {
  assert.match(validateSchedulerHA('hello').errors[0]!.message, /must be a YAML\/JSON object/);
  assert.match(validateSchedulerHA([1]).errors[0]!.message, /not a list/);
});

test('artifact URI classification', () => {
  assert.equal(classifyArtifactUri('hdfs:///km').kind, 'remote');
  assert.equal(classifyArtifactUri('HTTP://h/km').kind, 'remote');
  assert.equal(classifyArtifactUri('/km').kind, 'local');
  assert.equal(classifyArtifactUri('km').kind, 'local');
  assert.equal(classifyArtifactUri('').kind, 'invalid');
  assert.equal(roleError('*'), undefined);
  assert.equal(roleError('a/b'), undefined);
  assert.match(roleError('.')!, /"\." component/);
});

test('a field unknown to this version is an error in a file, a warning in an object the API server served (its CRD is newer)', () => {
  const doc = { apiVersion: 'k8sm.io/v1alpha1', kind: 'SchedulerHA', metadata: { name: 'k8sm', namespace: 'mesos' }, spec: { mesos: { master: 'zk://zk:2181/mesos', fancyNewField: 'x' }, etcd: { endpoints: ['http://e:2379'] }, flags: { ha: true, kmPath: 'hdfs:///km' } } };
  const file = validateSchedulerHA(doc);
  assert.match(file.errors.map((e) => e.message).join('\n'), /unknown field "spec\.mesos\.fancyNewField"/);
  const served = validateSchedulerHA(doc, { served: true });
  assert.deepEqual(served.errors, []);
  assert.match(served.warnings.map((w) => w.message).join('\n'), /field "spec\.mesos\.fancyNewField" is unknown to this operator version \(the installed CRD is newer\): it is ignored; upgrade the operator/);
  // Other errors are still errors.
  const bad = validateSchedulerHA({ ...doc, spec: { ...doc.spec, replicas: 2, flags: { ha: false, kmPath: 'hdfs:///km' } } }, { served: true });
  assert.ok(bad.errors.length > 0);
});
