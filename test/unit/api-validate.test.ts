// Table-driven validation: every invalid spec must be rejected with its own specific message on the right field,
// and valid specs (including every sample) must pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateSchedulerHA, classifyArtifactUri, roleError } from '../../src/api/validate.js';
import { parseDocuments } from '../../src/api/documents.js';

type Doc = Record<string, any>;

function base(): Doc {
  return {
    apiVersion: 'k8sm.io/v1alpha1',
    kind: 'SchedulerHA',
    metadata: { name: 'k8sm', namespace: 'mesos' },
    spec: {
      replicas: 2,
      mesos: { master: 'zk://zk1:2181,zk2:2181/mesos' },
      etcd: { endpoints: ['http://etcd-0:2379'] },
      flags: { ha: true, kmPath: 'hdfs:///km' },
    },
  };
}

interface Case {
  name: string;
  mutate: (d: Doc) => void;
  path: string;
  message: RegExp;
}

const cases: Case[] = [
  // --- document shape
  { name: 'wrong apiVersion', mutate: (d) => (d.apiVersion = 'k8sm.io/v1'), path: 'apiVersion', message: /apiVersion must be "k8sm\.io\/v1alpha1"/ },
  { name: 'missing apiVersion', mutate: (d) => delete d.apiVersion, path: 'apiVersion', message: /apiVersion must be .* not missing/ },
  { name: 'wrong kind', mutate: (d) => (d.kind = 'Scheduler'), path: 'kind', message: /kind must be "SchedulerHA"/ },
  { name: 'missing name', mutate: (d) => delete d.metadata.name, path: 'metadata.name', message: /metadata\.name is required/ },
  { name: 'name with uppercase', mutate: (d) => (d.metadata.name = 'K8sm'), path: 'metadata.name', message: /must be a DNS label/ },
  { name: 'name with underscore', mutate: (d) => (d.metadata.name = 'k8s_m'), path: 'metadata.name', message: /must be a DNS label/ },
  { name: 'name too long for pod labels', mutate: (d) => (d.metadata.name = 'a'.repeat(53)), path: 'metadata.name', message: /at most 52 fit.*controller-revision-hash/ },
  { name: 'bad namespace', mutate: (d) => (d.metadata.namespace = 'Mesos!'), path: 'metadata.namespace', message: /not a valid namespace name/ },
  { name: 'missing spec', mutate: (d) => delete d.spec, path: 'spec', message: /spec is required/ },
  { name: 'unknown top-level spec field', mutate: (d) => (d.spec.replica = 2), path: 'spec.replica', message: /unknown field "spec\.replica" — did you mean "replicas"\?/ },
  { name: 'unknown flag field with suggestion', mutate: (d) => (d.spec.flags.failoverTimout = '1h'), path: 'spec.flags.failoverTimout', message: /did you mean "failoverTimeout"\?/ },
  { name: 'unknown mesos field', mutate: (d) => (d.spec.mesos.masters = 'x'), path: 'spec.mesos.masters', message: /unknown field "spec\.mesos\.masters" — did you mean "master"\?/ },
  { name: 'unknown etcd field without close match', mutate: (d) => (d.spec.etcd.zzzzzz = 1), path: 'spec.etcd.zzzzzz', message: /unknown field "spec\.etcd\.zzzzzz" \(known fields here: endpoints/ },
  // --- replicas
  { name: 'replicas as string', mutate: (d) => (d.spec.replicas = '2'), path: 'spec.replicas', message: /must be an integer, not a string \("2"\)/ },
  { name: 'replicas fractional', mutate: (d) => (d.spec.replicas = 1.5), path: 'spec.replicas', message: /must be an integer, not a number \(1\.5\)/ },
  { name: 'replicas negative', mutate: (d) => (d.spec.replicas = -1), path: 'spec.replicas', message: /must be at least 0 \(got -1\)/ },
  { name: 'replicas above 9', mutate: (d) => (d.spec.replicas = 10), path: 'spec.replicas', message: /must be at most 9 \(got 10\)/ },
  { name: 'replicas > 1 without ha', mutate: (d) => (d.spec.flags.ha = false), path: 'spec.replicas', message: /spec\.replicas is 2 but spec\.flags\.ha is false/ },
  // --- image, service account, resources
  { name: 'image with spaces', mutate: (d) => (d.spec.image = 'my image'), path: 'spec.image', message: /is not an image reference/ },
  { name: 'image with uppercase repo', mutate: (d) => (d.spec.image = 'registry/SchedulerHA:1'), path: 'spec.image', message: /is not an image reference/ },
  { name: 'bad pull policy', mutate: (d) => (d.spec.imagePullPolicy = 'Sometimes'), path: 'spec.imagePullPolicy', message: /must be one of "Always", "IfNotPresent", "Never"/ },
  { name: 'bad service account', mutate: (d) => (d.spec.serviceAccountName = 'Sched_SA'), path: 'spec.serviceAccountName', message: /not a valid ServiceAccount name/ },
  { name: 'bad cpu quantity', mutate: (d) => (d.spec.resources = { requests: { cpu: '1 core' } }), path: 'spec.resources.requests.cpu', message: /is not a quantity \(e\.g\. 100m or 1\)/ },
  { name: 'bad memory quantity', mutate: (d) => (d.spec.resources = { limits: { memory: '1GB' } }), path: 'spec.resources.limits.memory', message: /is not a quantity \(e\.g\. 256Mi\)/ },
  { name: 'unknown resource', mutate: (d) => (d.spec.resources = { requests: { gpu: 1 } }), path: 'spec.resources.requests.gpu', message: /unknown field "spec\.resources\.requests\.gpu"/ },
  // --- mesos
  { name: 'missing mesos', mutate: (d) => delete d.spec.mesos, path: 'spec.mesos', message: /spec\.mesos is required: add mesos/ },
  { name: 'missing master', mutate: (d) => (d.spec.mesos = {}), path: 'spec.mesos.master', message: /spec\.mesos\.master is required: the leading Mesos master/ },
  { name: 'empty master', mutate: (d) => (d.spec.mesos.master = ''), path: 'spec.mesos.master', message: /must not be empty/ },
  { name: 'master bad scheme', mutate: (d) => (d.spec.mesos.master = 'tcp://m:5050'), path: 'spec.mesos.master', message: /unsupported scheme \(use zk:\/\/, http:\/\/ or https:\/\//},
  { name: 'zk without hosts', mutate: (d) => (d.spec.mesos.master = 'zk:///mesos'), path: 'spec.mesos.master', message: /names no ZooKeeper hosts/ },
  { name: 'zk bad port', mutate: (d) => (d.spec.mesos.master = 'zk://zk1:99999/mesos'), path: 'spec.mesos.master', message: /port 99999 is outside 1-65535/ },
  { name: 'zk bad path', mutate: (d) => (d.spec.mesos.master = 'zk://zk1:2181/me sos'), path: 'spec.mesos.master', message: /znode path .* is not valid/ },
  { name: 'zk malformed credentials', mutate: (d) => (d.spec.mesos.master = 'zk://secret@zk1:2181/mesos'), path: 'spec.mesos.master', message: /credentials must be user:password@/ },
  { name: 'http master with path', mutate: (d) => (d.spec.mesos.master = 'http://m1:5050/master'), path: 'spec.mesos.master', message: /must not have a path/ },
  { name: 'master bad host', mutate: (d) => (d.spec.mesos.master = 'm_1:5050'), path: 'spec.mesos.master', message: /"m_1" is not a valid host name/ },
  { name: 'master non-numeric port', mutate: (d) => (d.spec.mesos.master = 'm1:http'), path: 'spec.mesos.master', message: /port "http" is not a number/ },
  { name: 'master list with empty element', mutate: (d) => (d.spec.mesos.master = 'm1:5050,,m2:5050'), path: 'spec.mesos.master', message: /empty host/ },
  { name: 'empty user', mutate: (d) => (d.spec.mesos.user = ''), path: 'spec.mesos.user', message: /must not be empty/ },
  { name: 'user with space', mutate: (d) => (d.spec.mesos.user = 'mesos user'), path: 'spec.mesos.user', message: /is not a user name/ },
  { name: 'empty roles', mutate: (d) => (d.spec.mesos.roles = []), path: 'spec.mesos.roles', message: /must list at least 1 item/ },
  { name: 'duplicate role', mutate: (d) => (d.spec.mesos.roles = ['web', 'web']), path: 'spec.mesos.roles[1]', message: /lists "web" twice \(Mesos rejects duplicate roles\)/ },
  { name: 'role dot-dot', mutate: (d) => (d.spec.mesos.roles = ['a/../b']), path: 'spec.mesos.roles[0]', message: /has a "\.\." component/ },
  { name: 'role leading dash', mutate: (d) => (d.spec.mesos.roles = ['-web']), path: 'spec.mesos.roles[0]', message: /starts with "-"/ },
  { name: 'role with star inside', mutate: (d) => (d.spec.mesos.roles = ['web/*']), path: 'spec.mesos.roles[0]', message: /uses "\*", which is only valid as the whole role/ },
  { name: 'role with whitespace', mutate: (d) => (d.spec.mesos.roles = ['my role']), path: 'spec.mesos.roles[0]', message: /contains whitespace/ },
  { name: 'role trailing slash', mutate: (d) => (d.spec.mesos.roles = ['eng/']), path: 'spec.mesos.roles[0]', message: /starts or ends with "\/"/ },
  { name: 'credentials secret without principal', mutate: (d) => (d.spec.mesos.credentialsSecret = 'mesos-cred'), path: 'spec.mesos.principal', message: /credentialsSecret needs spec\.mesos\.principal/ },
  { name: 'bad credentials secret name', mutate: (d) => Object.assign(d.spec.mesos, { principal: 'k8sm', credentialsSecret: 'Mesos_Cred' }), path: 'spec.mesos.credentialsSecret', message: /not a valid Secret name/ },
  { name: 'principal with whitespace', mutate: (d) => (d.spec.mesos.principal = 'k8s m'), path: 'spec.mesos.principal', message: /must be non-empty without whitespace/ },
  // --- etcd
  { name: 'missing etcd', mutate: (d) => delete d.spec.etcd, path: 'spec.etcd', message: /spec\.etcd is required: add etcd/ },
  { name: 'missing endpoints', mutate: (d) => (d.spec.etcd = {}), path: 'spec.etcd.endpoints', message: /spec\.etcd\.endpoints is required: the election and the framework id live in etcd/ },
  { name: 'empty endpoints', mutate: (d) => (d.spec.etcd.endpoints = []), path: 'spec.etcd.endpoints', message: /must list at least 1 item/ },
  { name: 'endpoint without scheme', mutate: (d) => (d.spec.etcd.endpoints = ['etcd:2379']), path: 'spec.etcd.endpoints[0]', message: /is not an etcd endpoint \(write http:\/\/host:2379/ },
  { name: 'endpoint without port', mutate: (d) => (d.spec.etcd.endpoints = ['http://etcd']), path: 'spec.etcd.endpoints[0]', message: /has no port/ },
  { name: 'duplicate endpoint', mutate: (d) => (d.spec.etcd.endpoints = ['http://e:2379', 'http://e:2379/']), path: 'spec.etcd.endpoints[1]', message: /lists http:\/\/e:2379 twice/ },
  { name: 'endpoint not a string', mutate: (d) => (d.spec.etcd.endpoints = [2379]), path: 'spec.etcd.endpoints[0]', message: /must be a string, not an integer \(2379\)/ },
  { name: 'prefix without leading slash', mutate: (d) => (d.spec.etcd.prefix = 'k8sm'), path: 'spec.etcd.prefix', message: /must start with "\/"/ },
  { name: 'prefix with trailing slash', mutate: (d) => (d.spec.etcd.prefix = '/k8sm/'), path: 'spec.etcd.prefix', message: /must not end with "\/"/ },
  { name: 'prefix with empty segment', mutate: (d) => (d.spec.etcd.prefix = '/a//b'), path: 'spec.etcd.prefix', message: /empty path segment/ },
  { name: 'prefix with odd characters', mutate: (d) => (d.spec.etcd.prefix = '/k8sm#1'), path: 'spec.etcd.prefix', message: /may only use letters, digits/ },
  { name: 'lease ttl below 2', mutate: (d) => (d.spec.etcd.leaseTTLSeconds = 1), path: 'spec.etcd.leaseTTLSeconds', message: /must be at least 2 \(got 1\)/ },
  { name: 'lease ttl above 300', mutate: (d) => (d.spec.etcd.leaseTTLSeconds = 301), path: 'spec.etcd.leaseTTLSeconds', message: /must be at most 300 \(got 301\)/ },
  { name: 'lease ttl as duration string', mutate: (d) => (d.spec.etcd.leaseTTLSeconds = '10s'), path: 'spec.etcd.leaseTTLSeconds', message: /must be an integer, not a string \("10s"\)/ },
  { name: 'bad tls secret name', mutate: (d) => (d.spec.etcd.tlsSecret = 'etcd/tls'), path: 'spec.etcd.tlsSecret', message: /not a valid Secret name/ },
  // --- flags
  { name: 'ha not boolean', mutate: (d) => (d.spec.flags.ha = 'yes'), path: 'spec.flags.ha', message: /must be a boolean, not a string \("yes"\)/ },
  { name: 'ha without any executor path', mutate: (d) => delete d.spec.flags.kmPath, path: 'spec.flags.kmPath', message: /with ha, set spec\.flags\.kmPath \(or spec\.flags\.executorPath \+ spec\.flags\.proxyPath\) to a non-local URI/ },
  { name: 'no executor path without ha', mutate: (d) => { d.spec.replicas = 1; d.spec.flags = { ha: false }; }, path: 'spec.flags.kmPath', message: /set spec\.flags\.kmPath .*the agents fetch the executor from it/ },
  { name: 'kmPath absolute with ha', mutate: (d) => (d.spec.flags.kmPath = '/opt/km'), path: 'spec.flags.kmPath', message: /with ha, spec\.flags\.kmPath must be a non-local URI .* not "\/opt\/km": an absolute path/ },
  { name: 'kmPath relative with ha', mutate: (d) => (d.spec.flags.kmPath = './km'), path: 'spec.flags.kmPath', message: /not "\.\/km": a relative path/ },
  { name: 'kmPath file URI with ha', mutate: (d) => (d.spec.flags.kmPath = 'file:///opt/km'), path: 'spec.flags.kmPath', message: /not "file:\/\/\/opt\/km": a file:\/\/ URI names a file on each agent/ },
  { name: 'kmPath relative without ha', mutate: (d) => { d.spec.replicas = 1; d.spec.flags.ha = false; d.spec.flags.kmPath = 'bin/km'; }, path: 'spec.flags.kmPath', message: /"bin\/km": a relative path names nothing the agents can fetch; use a URI/ },
  { name: 'kmPath unknown scheme', mutate: (d) => (d.spec.flags.kmPath = 'git://host/km'), path: 'spec.flags.kmPath', message: /scheme "git:\/\/", which the Mesos fetcher cannot fetch/ },
  { name: 'kmPath http without host', mutate: (d) => (d.spec.flags.kmPath = 'http:///km'), path: 'spec.flags.kmPath', message: /has no host after http:\/\// },
  { name: 'kmPath names a directory', mutate: (d) => (d.spec.flags.kmPath = 'hdfs:///bin/'), path: 'spec.flags.kmPath', message: /names no file/ },
  { name: 'kmPath with whitespace', mutate: (d) => (d.spec.flags.kmPath = 'hdfs:///k m'), path: 'spec.flags.kmPath', message: /contains whitespace/ },
  { name: 'kmPath and executorPath both', mutate: (d) => Object.assign(d.spec.flags, { executorPath: 'hdfs:///executor', proxyPath: 'hdfs:///proxy' }), path: 'spec.flags.kmPath', message: /set spec\.flags\.kmPath or spec\.flags\.executorPath \+ spec\.flags\.proxyPath, not both/ },
  { name: 'executorPath without proxyPath', mutate: (d) => { delete d.spec.flags.kmPath; d.spec.flags.executorPath = 'hdfs:///executor'; }, path: 'spec.flags.proxyPath', message: /executorPath needs spec\.flags\.proxyPath too/ },
  { name: 'proxyPath without executorPath', mutate: (d) => { delete d.spec.flags.kmPath; d.spec.flags.proxyPath = 'hdfs:///proxy'; }, path: 'spec.flags.executorPath', message: /proxyPath needs spec\.flags\.executorPath too/ },
  { name: 'executorPath local with ha', mutate: (d) => { delete d.spec.flags.kmPath; Object.assign(d.spec.flags, { executorPath: '/usr/bin/executor', proxyPath: 'hdfs:///proxy' }); }, path: 'spec.flags.executorPath', message: /with ha, spec\.flags\.executorPath must be a non-local URI/ },
  { name: 'failover timeout garbage', mutate: (d) => (d.spec.flags.failoverTimeout = 'a week'), path: 'spec.flags.failoverTimeout', message: /"a week" is not a duration/ },
  { name: 'failover timeout zero', mutate: (d) => (d.spec.flags.failoverTimeout = 0), path: 'spec.flags.failoverTimeout', message: /must be positive \(got 0\): with 0 Mesos removes the framework/ },
  { name: 'failover timeout negative', mutate: (d) => (d.spec.flags.failoverTimeout = '-1h'), path: 'spec.flags.failoverTimeout', message: /must be positive \(got -1h\)/ },
  { name: 'failover timeout beyond int64 ns', mutate: (d) => (d.spec.flags.failoverTimeout = '3000000h'), path: 'spec.flags.failoverTimeout', message: /exceeds Mesos's limit of 9223372036 s/ },
  { name: 'failover timeout as boolean', mutate: (d) => (d.spec.flags.failoverTimeout = true), path: 'spec.flags.failoverTimeout', message: /must be a string or an integer, not a boolean/ },
  { name: 'framework name with slash', mutate: (d) => (d.spec.flags.frameworkName = 'k8s/prod'), path: 'spec.flags.frameworkName', message: /is not usable: it is an etcd key segment/ },
  { name: 'framework name empty', mutate: (d) => (d.spec.flags.frameworkName = ''), path: 'spec.flags.frameworkName', message: /must not be empty/ },
  { name: 'framework name too long', mutate: (d) => (d.spec.flags.frameworkName = 'k'.repeat(64)), path: 'spec.flags.frameworkName', message: /at most 63 characters/ },
  { name: 'api server not a URL', mutate: (d) => (d.spec.flags.apiServers = ['k8s:6443']), path: 'spec.flags.apiServers[0]', message: /is not an API server URL/ },
  { name: 'api server duplicate', mutate: (d) => (d.spec.flags.apiServers = ['https://a:6443', 'https://a:6443']), path: 'spec.flags.apiServers[1]', message: /lists "https:\/\/a:6443" twice/ },
  { name: 'apiServers as string', mutate: (d) => (d.spec.flags.apiServers = 'https://a:6443'), path: 'spec.flags.apiServers', message: /must be a array, not a string/ },
  { name: 'empty auth path', mutate: (d) => (d.spec.flags.authPath = ' '), path: 'spec.flags.authPath', message: /is empty; remove it or name the auth file/ },
  { name: 'family key with uppercase', mutate: (d) => (d.spec.flags.kubelet = { SyncFrequency: '10s' }), path: 'spec.flags.kubelet.SyncFrequency', message: /"SyncFrequency" is not a flag name/ },
  { name: 'family value boolean', mutate: (d) => (d.spec.flags.cluster = { dns: true }), path: 'spec.flags.cluster.dns', message: /must be a string or an integer, not a boolean/ },
  { name: 'executor.path instead of executorPath', mutate: (d) => (d.spec.flags.executor = { path: 'hdfs:///x' }), path: 'spec.flags.executor.path', message: /use spec\.flags\.executorPath for the executor path/ },
  { name: 'family value with newline', mutate: (d) => (d.spec.flags.kubelet = { 'root-dir': 'a\nb' }), path: 'spec.flags.kubelet.root-dir', message: /contains a line break/ },
  { name: 'reconcile interval garbage', mutate: (d) => (d.spec.flags.reconcileInterval = 'often'), path: 'spec.flags.reconcileInterval', message: /"often" is not a duration/ },
  { name: 'reconcile interval negative', mutate: (d) => (d.spec.flags.reconcileInterval = '-5m'), path: 'spec.flags.reconcileInterval', message: /must not be negative/ },
  { name: 'reconcile interval too small', mutate: (d) => (d.spec.flags.reconcileInterval = '100ms'), path: 'spec.flags.reconcileInterval', message: /below 1s and would flood the master/ },
  { name: 'deletion policy unknown', mutate: (d) => (d.spec.deletionPolicy = 'Delete'), path: 'spec.deletionPolicy', message: /must be one of "Orphan", "Teardown", not a string \("Delete"\)/ },
  { name: 'checkpoint not boolean', mutate: (d) => (d.spec.flags.checkpoint = 'true'), path: 'spec.flags.checkpoint', message: /must be a boolean, not a string \("true"\)/ },
];

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
    const d = base();
    c.mutate(d);
    const r = validateSchedulerHA(d);
    const hit = r.errors.find((e) => e.path === c.path && c.message.test(e.message));
    assert.ok(hit, `expected an error on ${c.path} matching ${c.message}; got:\n${r.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n') || '  (no errors)'}`);
  });
}

test('every invalid case produces a distinct message', () => {
  const messages = new Set<string>();
  for (const c of cases) {
    const d = base();
    c.mutate(d);
    const e = validateSchedulerHA(d).errors.find((x) => x.path === c.path && c.message.test(x.message))!;
    messages.add(`${e.path}|${e.message}`);
  }
  assert.equal(messages.size, cases.length);
});

const warningCases: Case[] = [
  { name: 'more than 2 replicas', mutate: (d) => (d.spec.replicas = 3), path: 'spec.replicas', message: /more than 2 schedulers has not been extensively tested/ },
  { name: 'zero replicas', mutate: (d) => (d.spec.replicas = 0), path: 'spec.replicas', message: /no scheduler runs/ },
  { name: 'checkpoint off with ha', mutate: (d) => (d.spec.flags.checkpoint = false), path: 'spec.flags.checkpoint', message: /cannot be turned on later/ },
  { name: 'short failover timeout', mutate: (d) => (d.spec.flags.failoverTimeout = '10m'), path: 'spec.flags.failoverTimeout', message: /is only 10m/ },
  { name: 'long lease ttl', mutate: (d) => (d.spec.etcd.leaseTTLSeconds = 120), path: 'spec.etcd.leaseTTLSeconds', message: /after a leader crash no scheduler acts/ },
  { name: 'implicit reconciliation off', mutate: (d) => (d.spec.flags.reconcileInterval = 0), path: 'spec.flags.reconcileInterval', message: /periodic implicit reconciliation is off/ },
  { name: 'agent-local path without ha', mutate: (d) => { d.spec.replicas = 1; d.spec.flags.ha = false; d.spec.flags.kmPath = '/opt/km'; }, path: 'spec.flags.kmPath', message: /must exist on every agent/ },
  { name: 'tls secret with http endpoints', mutate: (d) => (d.spec.etcd.tlsSecret = 'etcd-tls'), path: 'spec.etcd.tlsSecret', message: /TLS is only used for https:\/\/ endpoints/ },
];

for (const c of warningCases) {
  test(`warning (still valid): ${c.name}`, () => {
    const d = base();
    c.mutate(d);
    const r = validateSchedulerHA(d);
    assert.deepEqual(r.errors, [], 'no errors');
    assert.ok(r.warnings.some((w) => w.path === c.path && c.message.test(w.message)), `warnings: ${JSON.stringify(r.warnings)}`);
  });
}

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
