// Examples of every issue the validator (validate.ts) reports: invalid (and merely questionable) SchedulerHA
// documents, and scheduler command lines. One table serves two readers: test/unit/api-validate.test.ts asserts
// that each example is reported on its field with its message, and `npm run gen` prints the messages the
// validator actually produces for them into docs/reference.md — so the documented messages cannot drift.
// test/unit/api-validation-coverage.test.ts checks that the examples reach every `out.error(` / `out.warn(` in
// validate.ts.
import { parseSchedulerArgv } from './flags.js';
import { validateSchedulerConfig, validateSchedulerHA, type Issue } from './validate.js';

/** A value in `set` that deletes the field instead of setting it. */
export const REMOVE: unique symbol = Symbol('remove');

export interface SpecExample {
  name: string;
  /** Changes to the valid base document, applied in order: dotted path → value (REMOVE deletes the field; the
   * empty path replaces the whole document). */
  set: Record<string, unknown>;
  /** The field the issue names. */
  path: string;
  /** What the message must say. */
  message: RegExp;
  /** The document as the API server serves it (validateSchedulerHA's `served`). */
  served?: boolean;
}

export interface CommandLineExample {
  name: string;
  /** Flags added to the valid base command line. */
  args: string[];
  /** Flags (canonical names) removed from the base command line first. */
  drop?: string[];
  path: string;
  message: RegExp;
}

/** A valid HA SchedulerHA: every example changes a fresh copy of it. */
export function baseSchedulerHA(): Record<string, any> {
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

/** A valid HA scheduler command line. */
export const BASE_ARGV: readonly string[] = ['--ha', '--km-path=hdfs:///km', '--mesos-master=zk://zk1:2181/mesos', '--etcd-servers=http://etcd-0:2379'];

/** The base document with the example's changes applied. */
export function applySpecExample(set: Record<string, unknown>): unknown {
  let doc: unknown = baseSchedulerHA();
  for (const [path, value] of Object.entries(set)) {
    if (path === '') {
      doc = value;
      continue;
    }
    const segs = path.split('.');
    let o = doc as Record<string, any>;
    for (const s of segs.slice(0, -1)) o = o[s] ??= {};
    const last = segs[segs.length - 1]!;
    if (value === REMOVE) delete o[last];
    else o[last] = structuredClone(value);
  }
  return doc;
}

/** The base command line with the example's changes applied. */
export function commandLineOf(ex: Pick<CommandLineExample, 'args' | 'drop'>): string[] {
  const drop = new Set(ex.drop ?? []);
  return [...BASE_ARGV.filter((a) => !drop.has(a.replace(/^--/, '').split('=')[0]!)), ...ex.args];
}

/** Every issue a command line gets: the parser's, or (if it parses) the validator's. */
export function commandLineIssues(argv: readonly string[]): { errors: Issue[]; warnings: Issue[] } {
  const parsed = parseSchedulerArgv(argv);
  if (parsed.errors.length) return { errors: parsed.errors.map((e) => ({ severity: 'error', path: e.flag, message: e.message })), warnings: [] };
  return validateSchedulerConfig(parsed.config);
}

/** The issue an example is about (undefined: the validator does not report it — a failing test says so). */
export function specExampleIssue(ex: SpecExample, severity: 'error' | 'warning'): Issue | undefined {
  const r = validateSchedulerHA(applySpecExample(ex.set), { served: ex.served === true });
  return (severity === 'error' ? r.errors : r.warnings).find((e) => e.path === ex.path && ex.message.test(e.message));
}

export function commandLineExampleIssue(ex: CommandLineExample, severity: 'error' | 'warning'): Issue | undefined {
  const r = commandLineIssues(commandLineOf(ex));
  return (severity === 'error' ? r.errors : r.warnings).find((e) => e.path === ex.path && ex.message.test(e.message));
}

/** Invalid resources: each is rejected with its own message on its field (ConfigValid=False, `schedulerha validate`
 * exits 1). */
export const SPEC_ERROR_EXAMPLES: SpecExample[] = [
  // --- document shape
  { name: 'not an object', set: { '': 'hello' }, path: '(document)', message: /a SchedulerHA must be a YAML\/JSON object, not a string/ },
  { name: 'wrong apiVersion', set: { apiVersion: 'k8sm.io/v1' }, path: 'apiVersion', message: /apiVersion must be "k8sm\.io\/v1alpha1"/ },
  { name: 'missing apiVersion', set: { apiVersion: REMOVE }, path: 'apiVersion', message: /apiVersion must be .* not missing/ },
  { name: 'wrong kind', set: { kind: 'Scheduler' }, path: 'kind', message: /kind must be "SchedulerHA"/ },
  { name: 'missing name', set: { 'metadata.name': REMOVE }, path: 'metadata.name', message: /metadata\.name is required/ },
  { name: 'name with uppercase', set: { 'metadata.name': 'K8sm' }, path: 'metadata.name', message: /must be a DNS label/ },
  { name: 'name with underscore', set: { 'metadata.name': 'k8s_m' }, path: 'metadata.name', message: /must be a DNS label/ },
  { name: 'name starting with a digit (no Service may have it)', set: { 'metadata.name': '1k8sm' }, path: 'metadata.name', message: /must be a DNS label that starts with a letter/ },
  { name: 'name too long for pod labels', set: { 'metadata.name': 'a'.repeat(53) }, path: 'metadata.name', message: /at most 52 fit.*controller-revision-hash/ },
  { name: 'bad namespace', set: { 'metadata.namespace': 'Mesos!' }, path: 'metadata.namespace', message: /not a valid namespace name/ },
  { name: 'missing spec', set: { spec: REMOVE }, path: 'spec', message: /spec is required/ },
  { name: 'unknown top-level spec field', set: { 'spec.replica': 2 }, path: 'spec.replica', message: /unknown field "spec\.replica" — did you mean "replicas"\?/ },
  { name: 'unknown flag field with suggestion', set: { 'spec.flags.failoverTimout': '1h' }, path: 'spec.flags.failoverTimout', message: /did you mean "failoverTimeout"\?/ },
  { name: 'unknown mesos field', set: { 'spec.mesos.masters': 'x' }, path: 'spec.mesos.masters', message: /unknown field "spec\.mesos\.masters" — did you mean "master"\?/ },
  { name: 'unknown etcd field without close match', set: { 'spec.etcd.zzzzzz': 1 }, path: 'spec.etcd.zzzzzz', message: /unknown field "spec\.etcd\.zzzzzz" \(known fields here: endpoints/ },
  // --- replicas
  { name: 'replicas as string', set: { 'spec.replicas': '2' }, path: 'spec.replicas', message: /must be an integer, not a string \("2"\)/ },
  { name: 'replicas fractional', set: { 'spec.replicas': 1.5 }, path: 'spec.replicas', message: /must be an integer, not a number \(1\.5\)/ },
  { name: 'replicas negative', set: { 'spec.replicas': -1 }, path: 'spec.replicas', message: /must be at least 0 \(got -1\)/ },
  { name: 'replicas above 9', set: { 'spec.replicas': 10 }, path: 'spec.replicas', message: /must be at most 9 \(got 10\)/ },
  { name: 'replicas > 1 without ha', set: { 'spec.flags.ha': false }, path: 'spec.replicas', message: /spec\.replicas is 2 but spec\.flags\.ha is false/ },
  // --- image, service account, resources
  { name: 'image with spaces', set: { 'spec.image': 'my image' }, path: 'spec.image', message: /is not an image reference/ },
  { name: 'image with uppercase repo', set: { 'spec.image': 'registry/SchedulerHA:1' }, path: 'spec.image', message: /is not an image reference/ },
  { name: 'empty image', set: { 'spec.image': '' }, path: 'spec.image', message: /spec\.image must not be empty/ },
  { name: 'bad pull policy', set: { 'spec.imagePullPolicy': 'Sometimes' }, path: 'spec.imagePullPolicy', message: /must be one of "Always", "IfNotPresent", "Never"/ },
  { name: 'bad service account', set: { 'spec.serviceAccountName': 'Sched_SA' }, path: 'spec.serviceAccountName', message: /not a valid ServiceAccount name/ },
  { name: 'bad cpu quantity', set: { 'spec.resources': { requests: { cpu: '1 core' } } }, path: 'spec.resources.requests.cpu', message: /is not a quantity \(e\.g\. 100m or 1\)/ },
  { name: 'bad memory quantity', set: { 'spec.resources': { limits: { memory: '1GB' } } }, path: 'spec.resources.limits.memory', message: /is not a quantity \(e\.g\. 256Mi\)/ },
  { name: 'unknown resource', set: { 'spec.resources': { requests: { gpu: 1 } } }, path: 'spec.resources.requests.gpu', message: /unknown field "spec\.resources\.requests\.gpu"/ },
  // --- mesos
  { name: 'missing mesos', set: { 'spec.mesos': REMOVE }, path: 'spec.mesos', message: /spec\.mesos is required: add mesos/ },
  { name: 'missing master', set: { 'spec.mesos': {} }, path: 'spec.mesos.master', message: /spec\.mesos\.master is required: the leading Mesos master/ },
  { name: 'empty master', set: { 'spec.mesos.master': '' }, path: 'spec.mesos.master', message: /must not be empty/ },
  { name: 'master bad scheme', set: { 'spec.mesos.master': 'tcp://m:5050' }, path: 'spec.mesos.master', message: /unsupported scheme \(use zk:\/\/, http:\/\/ or https:\/\// },
  { name: 'zk without hosts', set: { 'spec.mesos.master': 'zk:///mesos' }, path: 'spec.mesos.master', message: /names no ZooKeeper hosts/ },
  { name: 'zk bad port', set: { 'spec.mesos.master': 'zk://zk1:99999/mesos' }, path: 'spec.mesos.master', message: /port 99999 is outside 1-65535/ },
  { name: 'zk bad path', set: { 'spec.mesos.master': 'zk://zk1:2181/me sos' }, path: 'spec.mesos.master', message: /znode path .* is not valid/ },
  { name: 'zk malformed credentials', set: { 'spec.mesos.master': 'zk://secret@zk1:2181/mesos' }, path: 'spec.mesos.master', message: /credentials must be user:password@/ },
  { name: 'http master with path', set: { 'spec.mesos.master': 'http://m1:5050/master' }, path: 'spec.mesos.master', message: /must not have a path/ },
  { name: 'master bad host', set: { 'spec.mesos.master': 'm_1:5050' }, path: 'spec.mesos.master', message: /"m_1" is not a valid host name/ },
  { name: 'master non-numeric port', set: { 'spec.mesos.master': 'm1:http' }, path: 'spec.mesos.master', message: /port "http" is not a number/ },
  { name: 'master list with empty element', set: { 'spec.mesos.master': 'm1:5050,,m2:5050' }, path: 'spec.mesos.master', message: /empty host/ },
  { name: 'empty user', set: { 'spec.mesos.user': '' }, path: 'spec.mesos.user', message: /must not be empty/ },
  { name: 'user with space', set: { 'spec.mesos.user': 'mesos user' }, path: 'spec.mesos.user', message: /is not a user name/ },
  { name: 'empty roles', set: { 'spec.mesos.roles': [] }, path: 'spec.mesos.roles', message: /must list at least 1 item/ },
  { name: 'duplicate role', set: { 'spec.mesos.roles': ['web', 'web'] }, path: 'spec.mesos.roles[1]', message: /lists "web" twice \(Mesos rejects duplicate roles\)/ },
  { name: 'role dot-dot', set: { 'spec.mesos.roles': ['a/../b'] }, path: 'spec.mesos.roles[0]', message: /has a "\.\." component/ },
  { name: 'role leading dash', set: { 'spec.mesos.roles': ['-web'] }, path: 'spec.mesos.roles[0]', message: /starts with "-"/ },
  { name: 'role with star inside', set: { 'spec.mesos.roles': ['web/*'] }, path: 'spec.mesos.roles[0]', message: /uses "\*", which is only valid as the whole role/ },
  { name: 'role with whitespace', set: { 'spec.mesos.roles': ['my role'] }, path: 'spec.mesos.roles[0]', message: /contains whitespace/ },
  { name: 'role trailing slash', set: { 'spec.mesos.roles': ['eng/'] }, path: 'spec.mesos.roles[0]', message: /starts or ends with "\/"/ },
  { name: 'role with empty component', set: { 'spec.mesos.roles': ['eng//web'] }, path: 'spec.mesos.roles[0]', message: /contains an empty path component/ },
  { name: 'credentials secret without principal', set: { 'spec.mesos.credentialsSecret': 'mesos-cred' }, path: 'spec.mesos.principal', message: /credentialsSecret needs spec\.mesos\.principal/ },
  { name: 'bad credentials secret name', set: { 'spec.mesos.principal': 'k8sm', 'spec.mesos.credentialsSecret': 'Mesos_Cred' }, path: 'spec.mesos.credentialsSecret', message: /not a valid Secret name/ },
  { name: 'principal with whitespace', set: { 'spec.mesos.principal': 'k8s m' }, path: 'spec.mesos.principal', message: /must be non-empty without whitespace/ },
  // --- etcd
  { name: 'missing etcd', set: { 'spec.etcd': REMOVE }, path: 'spec.etcd', message: /spec\.etcd is required: add etcd/ },
  { name: 'missing endpoints', set: { 'spec.etcd': {} }, path: 'spec.etcd.endpoints', message: /spec\.etcd\.endpoints is required: the election and the framework id live in etcd/ },
  { name: 'empty endpoints', set: { 'spec.etcd.endpoints': [] }, path: 'spec.etcd.endpoints', message: /must list at least 1 item/ },
  { name: 'endpoint without scheme', set: { 'spec.etcd.endpoints': ['etcd:2379'] }, path: 'spec.etcd.endpoints[0]', message: /is not an etcd endpoint \(write http:\/\/host:2379/ },
  { name: 'endpoint without port', set: { 'spec.etcd.endpoints': ['http://etcd'] }, path: 'spec.etcd.endpoints[0]', message: /has no port/ },
  { name: 'duplicate endpoint', set: { 'spec.etcd.endpoints': ['http://e:2379', 'http://e:2379/'] }, path: 'spec.etcd.endpoints[1]', message: /lists http:\/\/e:2379 twice/ },
  { name: 'endpoint not a string', set: { 'spec.etcd.endpoints': [2379] }, path: 'spec.etcd.endpoints[0]', message: /must be a string, not an integer \(2379\)/ },
  { name: 'prefix without leading slash', set: { 'spec.etcd.prefix': 'k8sm' }, path: 'spec.etcd.prefix', message: /must start with "\/"/ },
  { name: 'prefix with trailing slash', set: { 'spec.etcd.prefix': '/k8sm/' }, path: 'spec.etcd.prefix', message: /must not end with "\/"/ },
  { name: 'prefix with empty segment', set: { 'spec.etcd.prefix': '/a//b' }, path: 'spec.etcd.prefix', message: /empty path segment/ },
  { name: 'prefix with odd characters', set: { 'spec.etcd.prefix': '/k8sm#1' }, path: 'spec.etcd.prefix', message: /may only use letters, digits/ },
  { name: 'lease ttl below 2', set: { 'spec.etcd.leaseTTLSeconds': 1 }, path: 'spec.etcd.leaseTTLSeconds', message: /must be at least 2 \(got 1\)/ },
  { name: 'lease ttl above 300', set: { 'spec.etcd.leaseTTLSeconds': 301 }, path: 'spec.etcd.leaseTTLSeconds', message: /must be at most 300 \(got 301\)/ },
  { name: 'lease ttl as duration string', set: { 'spec.etcd.leaseTTLSeconds': '10s' }, path: 'spec.etcd.leaseTTLSeconds', message: /must be an integer, not a string \("10s"\)/ },
  { name: 'bad tls secret name', set: { 'spec.etcd.tlsSecret': 'etcd/tls' }, path: 'spec.etcd.tlsSecret', message: /not a valid Secret name/ },
  { name: 'ZooKeeper credentials without a zk:// master', set: { 'spec.mesos.master': 'http://m1:5050', 'spec.mesos.zkCredentialsSecret': 'zk-cred' }, path: 'spec.mesos.zkCredentialsSecret', message: /is for a zk:\/\/ master; spec\.mesos\.master is not one/ },
  { name: 'reserved framework name', set: { 'spec.flags.frameworkName': 'tasks' }, path: 'spec.flags.frameworkName', message: /"tasks" is reserved: it names a key range of the etcd layout/ },
  { name: 'plain http master with TLS on', set: { 'spec.mesos.master': 'http://m1:5050,m2:5050', 'spec.mesos.tls': {} }, path: 'spec.mesos.master', message: /names http:\/\/m1:5050 over plain http, but spec\.mesos\.tls asks for https; write https:\/\/ or host:port alone/ },
  { name: 'bad Mesos CA secret name', set: { 'spec.mesos.tls': { caSecret: 'mesos/ca' } }, path: 'spec.mesos.tls.caSecret', message: /not a valid Secret name/ },
  { name: 'ZooKeeper credentials twice', set: { 'spec.mesos.master': 'zk://u:p@zk-0:2181/mesos', 'spec.mesos.zkCredentialsSecret': 'zk-cred' }, path: 'spec.mesos.zkCredentialsSecret', message: /both give ZooKeeper credentials; keep one/ },
  { name: 'bad priority class name', set: { 'spec.priorityClassName': 'High_Priority' }, path: 'spec.priorityClassName', message: /not a valid PriorityClass name/ },
  { name: 'toleration: Exists with a value', set: { 'spec.tolerations': [{ key: 'dedicated', operator: 'Exists', value: 'mesos' }] }, path: 'spec.tolerations[0].value', message: /value must be empty when operator is Exists/ },
  { name: 'toleration: no key, not Exists', set: { 'spec.tolerations': [{ operator: 'Equal', value: 'x' }] }, path: 'spec.tolerations[0].operator', message: /operator must be Exists when key is empty/ },
  { name: 'toleration: seconds without NoExecute', set: { 'spec.tolerations': [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }] }, path: 'spec.tolerations[0].effect', message: /effect must be NoExecute when tolerationSeconds is set/ },
  // --- flags
  { name: 'ha not boolean', set: { 'spec.flags.ha': 'yes' }, path: 'spec.flags.ha', message: /must be a boolean, not a string \("yes"\)/ },
  { name: 'ha without any executor path', set: { 'spec.flags.kmPath': REMOVE }, path: 'spec.flags.kmPath', message: /with ha, set spec\.flags\.kmPath \(or spec\.flags\.executorPath \+ spec\.flags\.proxyPath\) to a non-local URI/ },
  { name: 'no executor path without ha', set: { 'spec.replicas': 1, 'spec.flags': { ha: false } }, path: 'spec.flags.kmPath', message: /set spec\.flags\.kmPath .*the agents fetch the executor from it/ },
  { name: 'kmPath absolute with ha', set: { 'spec.flags.kmPath': '/opt/km' }, path: 'spec.flags.kmPath', message: /with ha, spec\.flags\.kmPath must be a non-local URI .* not "\/opt\/km": an absolute path/ },
  { name: 'kmPath relative with ha', set: { 'spec.flags.kmPath': './km' }, path: 'spec.flags.kmPath', message: /not "\.\/km": a relative path/ },
  { name: 'kmPath file URI with ha', set: { 'spec.flags.kmPath': 'file:///opt/km' }, path: 'spec.flags.kmPath', message: /not "file:\/\/\/opt\/km": a file:\/\/ URI names a file on each agent/ },
  { name: 'kmPath relative without ha', set: { 'spec.replicas': 1, 'spec.flags.ha': false, 'spec.flags.kmPath': 'bin/km' }, path: 'spec.flags.kmPath', message: /"bin\/km": a relative path names nothing the agents can fetch; use a URI/ },
  { name: 'kmPath unknown scheme', set: { 'spec.flags.kmPath': 'git://host/km' }, path: 'spec.flags.kmPath', message: /scheme "git:\/\/", which the Mesos fetcher cannot fetch/ },
  { name: 'kmPath http without host', set: { 'spec.flags.kmPath': 'http:///km' }, path: 'spec.flags.kmPath', message: /has no host after http:\/\// },
  { name: 'kmPath names a directory', set: { 'spec.flags.kmPath': 'hdfs:///bin/' }, path: 'spec.flags.kmPath', message: /names no file/ },
  { name: 'kmPath with whitespace', set: { 'spec.flags.kmPath': 'hdfs:///k m' }, path: 'spec.flags.kmPath', message: /contains whitespace/ },
  { name: 'kmPath and executorPath both', set: { 'spec.flags.executorPath': 'hdfs:///executor', 'spec.flags.proxyPath': 'hdfs:///proxy' }, path: 'spec.flags.kmPath', message: /set spec\.flags\.kmPath or spec\.flags\.executorPath \+ spec\.flags\.proxyPath, not both/ },
  { name: 'executorPath without proxyPath', set: { 'spec.flags.kmPath': REMOVE, 'spec.flags.executorPath': 'hdfs:///executor' }, path: 'spec.flags.proxyPath', message: /executorPath needs spec\.flags\.proxyPath too/ },
  { name: 'proxyPath without executorPath', set: { 'spec.flags.kmPath': REMOVE, 'spec.flags.proxyPath': 'hdfs:///proxy' }, path: 'spec.flags.executorPath', message: /proxyPath needs spec\.flags\.executorPath too/ },
  { name: 'executorPath local with ha', set: { 'spec.flags.kmPath': REMOVE, 'spec.flags.executorPath': '/usr/bin/executor', 'spec.flags.proxyPath': 'hdfs:///proxy' }, path: 'spec.flags.executorPath', message: /with ha, spec\.flags\.executorPath must be a non-local URI/ },
  { name: 'failover timeout garbage', set: { 'spec.flags.failoverTimeout': 'a week' }, path: 'spec.flags.failoverTimeout', message: /"a week" is not a duration/ },
  { name: 'failover timeout zero', set: { 'spec.flags.failoverTimeout': 0 }, path: 'spec.flags.failoverTimeout', message: /must be positive \(got 0\): with 0 Mesos removes the framework/ },
  { name: 'failover timeout negative', set: { 'spec.flags.failoverTimeout': '-1h' }, path: 'spec.flags.failoverTimeout', message: /must be positive \(got -1h\)/ },
  { name: 'failover timeout beyond int64 ns', set: { 'spec.flags.failoverTimeout': '3000000h' }, path: 'spec.flags.failoverTimeout', message: /exceeds Mesos's limit of 9223372036 s/ },
  { name: 'failover timeout as boolean', set: { 'spec.flags.failoverTimeout': true }, path: 'spec.flags.failoverTimeout', message: /must be a string or an integer, not a boolean/ },
  { name: 'framework name with slash', set: { 'spec.flags.frameworkName': 'k8s/prod' }, path: 'spec.flags.frameworkName', message: /is not usable: it is an etcd key segment/ },
  { name: 'framework name empty', set: { 'spec.flags.frameworkName': '' }, path: 'spec.flags.frameworkName', message: /must not be empty/ },
  { name: 'framework name too long', set: { 'spec.flags.frameworkName': 'k'.repeat(64) }, path: 'spec.flags.frameworkName', message: /at most 63 characters/ },
  { name: 'api server not a URL', set: { 'spec.flags.apiServers': ['k8s:6443'] }, path: 'spec.flags.apiServers[0]', message: /is not an API server URL/ },
  { name: 'api server duplicate', set: { 'spec.flags.apiServers': ['https://a:6443', 'https://a:6443'] }, path: 'spec.flags.apiServers[1]', message: /lists "https:\/\/a:6443" twice/ },
  { name: 'apiServers as string', set: { 'spec.flags.apiServers': 'https://a:6443' }, path: 'spec.flags.apiServers', message: /must be a list, not a string/ },
  { name: 'empty auth path', set: { 'spec.flags.authPath': ' ' }, path: 'spec.flags.authPath', message: /is empty; remove it or name the auth file/ },
  { name: 'family key with uppercase', set: { 'spec.flags.kubelet': { SyncFrequency: '10s' } }, path: 'spec.flags.kubelet.SyncFrequency', message: /"SyncFrequency" is not a flag name/ },
  { name: 'family value boolean', set: { 'spec.flags.cluster': { dns: true } }, path: 'spec.flags.cluster.dns', message: /must be a string or an integer, not a boolean/ },
  { name: 'family value a list', set: { 'spec.flags.kubelet': { 'node-labels': ['a=b'] } }, path: 'spec.flags.kubelet.node-labels', message: /spec\.flags\.kubelet\.node-labels must be a string or a number$/ },
  { name: 'executor.path instead of executorPath', set: { 'spec.flags.executor': { path: 'hdfs:///x' } }, path: 'spec.flags.executor.path', message: /use spec\.flags\.executorPath for the executor path/ },
  { name: 'family value with newline', set: { 'spec.flags.kubelet': { 'root-dir': 'a\nb' } }, path: 'spec.flags.kubelet.root-dir', message: /contains a line break/ },
  { name: 'reconcile interval garbage', set: { 'spec.flags.reconcileInterval': 'often' }, path: 'spec.flags.reconcileInterval', message: /"often" is not a duration/ },
  { name: 'reconcile interval negative', set: { 'spec.flags.reconcileInterval': '-5m' }, path: 'spec.flags.reconcileInterval', message: /must not be negative/ },
  { name: 'reconcile interval too small', set: { 'spec.flags.reconcileInterval': '100ms' }, path: 'spec.flags.reconcileInterval', message: /below 1s and would flood the master/ },
  { name: 'task retention garbage', set: { 'spec.flags.taskRetention': 'forever' }, path: 'spec.flags.taskRetention', message: /"forever" is not a duration/ },
  { name: 'task retention below a second', set: { 'spec.flags.taskRetention': '500ms' }, path: 'spec.flags.taskRetention', message: /must be at least 1s \(got 0\.5 s\)/ },
  { name: 'deletion policy unknown', set: { 'spec.deletionPolicy': 'Delete' }, path: 'spec.deletionPolicy', message: /must be one of "Orphan", "Teardown", not a string \("Delete"\)/ },
  { name: 'checkpoint not boolean', set: { 'spec.flags.checkpoint': 'true' }, path: 'spec.flags.checkpoint', message: /must be a boolean, not a string \("true"\)/ },
];

/** Valid but questionable resources: accepted, with a warning (ConfigValid=True with "warnings: …", `schedulerha
 * validate` prints it and exits 0). */
export const SPEC_WARNING_EXAMPLES: SpecExample[] = [
  { name: 'more than 2 replicas', set: { 'spec.replicas': 3 }, path: 'spec.replicas', message: /more than 2 schedulers has not been extensively tested/ },
  { name: 'zero replicas', set: { 'spec.replicas': 0 }, path: 'spec.replicas', message: /no scheduler runs/ },
  { name: 'checkpoint off with ha', set: { 'spec.flags.checkpoint': false }, path: 'spec.flags.checkpoint', message: /cannot be turned on later/ },
  { name: 'short failover timeout', set: { 'spec.flags.failoverTimeout': '10m' }, path: 'spec.flags.failoverTimeout', message: /is only 10m/ },
  { name: 'long lease ttl', set: { 'spec.etcd.leaseTTLSeconds': 120 }, path: 'spec.etcd.leaseTTLSeconds', message: /after a leader crash no scheduler acts/ },
  { name: 'implicit reconciliation off', set: { 'spec.flags.reconcileInterval': 0 }, path: 'spec.flags.reconcileInterval', message: /periodic implicit reconciliation is off/ },
  { name: 'short task retention', set: { 'spec.flags.taskRetention': '10s' }, path: 'spec.flags.taskRetention', message: /is 10 s: an ended task's record may go before Mesos stops re-sending its update/ },
  { name: 'agent-local path without ha', set: { 'spec.replicas': 1, 'spec.flags.ha': false, 'spec.flags.kmPath': '/opt/km' }, path: 'spec.flags.kmPath', message: /must exist on every agent/ },
  { name: 'tls secret with http endpoints', set: { 'spec.etcd.tlsSecret': 'etcd-tls' }, path: 'spec.etcd.tlsSecret', message: /TLS is only used for https:\/\/ endpoints/ },
  { name: 'a field the installed CRD knows and this operator does not (a newer CRD)', set: { 'spec.mesos.fancyNewField': 'x' }, path: 'spec.mesos.fancyNewField', message: /is unknown to this operator version \(the installed CRD is newer\): it is ignored; upgrade the operator/, served: true },
  { name: 'ZooKeeper credentials in the master URL', set: { 'spec.mesos.master': 'zk://mesos:s3cret@zk-0:2181/mesos' }, path: 'spec.mesos.master', message: /carries ZooKeeper credentials \(user:password@\), which show wherever the URL does/ },
  { name: 'etcd password over http', set: { 'spec.etcd.credentialsSecret': 'etcd-user' }, path: 'spec.etcd.credentialsSecret', message: /the etcd user's password goes to the http:\/\/ endpoints of spec\.etcd\.endpoints unencrypted/ },
  { name: 'Mesos secret over http', set: { 'spec.mesos.principal': 'k8sm', 'spec.mesos.credentialsSecret': 'mesos-cred' }, path: 'spec.mesos.credentialsSecret', message: /is sent \(HTTP basic auth\) to the masters ZooKeeper names, which are contacted over http:\/\/: unencrypted/ },
];

/** `schedulerha scheduler` command lines rejected with exit 1. The rules shared with the resource (see
 * SPEC_ERROR_EXAMPLES) name the flag instead of the field; these are the ones only a command line can break, and a
 * few shared ones to show the naming. */
export const COMMAND_LINE_ERROR_EXAMPLES: CommandLineExample[] = [
  { name: 'unknown flag', args: ['--etcd-servrs=http://e:2379'], path: '--etcd-servrs', message: /unknown flag --etcd-servrs \(did you mean --etcd-servers\?\)/ },
  { name: 'positional argument', args: ['km'], path: 'km', message: /unexpected argument "km"/ },
  { name: 'flag without its value', args: ['--framework-name'], path: '--framework-name', message: /--framework-name needs a value/ },
  { name: 'boolean flag with a non-boolean value', args: ['--checkpoint=yes'], path: '--checkpoint', message: /--checkpoint takes true or false, not "yes"/ },
  { name: 'duration flag with garbage', args: ['--failover-timeout=forever'], path: '--failover-timeout', message: /"forever" is not a duration/ },
  { name: 'integer flag with garbage', args: ['--port=http'], path: '--port', message: /--port takes an integer, not "http"/ },
  { name: 'no etcd endpoints', args: [], drop: ['etcd-servers'], path: '--etcd-servers', message: /--etcd-servers is required: the framework id and the task registry live in etcd, even without --ha/ },
  { name: 'explicitly empty etcd endpoints', args: ['--etcd-servers='], drop: ['etcd-servers'], path: '--etcd-servers', message: /--etcd-servers is empty: the election, the framework id and the task registry live in etcd/ },
  { name: 'explicitly empty roles', args: ['--mesos-roles='], path: '--mesos-roles', message: /--mesos-roles is empty; use \["\*"\] for the default role/ },
  { name: 'lease TTL below the minimum', args: ['--lease-ttl=1s'], path: '--lease-ttl', message: /--lease-ttl must be at least 2 s \(got 1\)/ },
  { name: 'lease TTL above the maximum', args: ['--lease-ttl=301s'], path: '--lease-ttl', message: /--lease-ttl must be at most 300 s \(got 301\)/ },
  { name: 'certificate without its key', args: ['--etcd-certfile=/etc/etcd/tls.crt'], path: '--etcd-certfile', message: /--etcd-certfile and --etcd-keyfile go together/ },
  { name: 'Mesos client certificate without its key', args: ['--mesos-certfile=/etc/mesos/tls.crt'], path: '--mesos-certfile', message: /--mesos-certfile and --mesos-keyfile go together/ },
  { name: 'password file without user', args: ['--etcd-password-file=/etc/etcd/password'], path: '--etcd-username', message: /--etcd-password-file needs --etcd-username/ },
  { name: 'ZooKeeper password file without user', args: ['--zk-password-file=/etc/zk/password'], path: '--zk-username', message: /--zk-password-file needs --zk-username/ },
  { name: 'port out of range', args: ['--port=70000'], path: '--port', message: /--port 70000 is outside 0-65535/ },
  { name: 'zero reconciliation back-off', args: ['--reconcile-initial-backoff=0'], path: '--reconcile-initial-backoff', message: /--reconcile-initial-backoff must be positive/ },
  { name: 'max back-off below the initial one', args: ['--reconcile-initial-backoff=10s', '--reconcile-max-backoff=5s'], path: '--reconcile-max-backoff', message: /--reconcile-max-backoff must not be below --reconcile-initial-backoff/ },
  { name: 'unknown log level', args: ['--log-level=verbose'], path: '--log-level', message: /--log-level "verbose" is not one of trace, debug, info, warn, error/ },
  { name: 'local km path with --ha (a shared rule)', args: ['--km-path=/opt/km'], drop: ['km-path'], path: '--km-path', message: /with ha, --km-path must be a non-local URI/ },
  { name: 'bad family flag name (a shared rule)', args: ['--kubelet-a..b=1'], path: '--kubelet-a..b', message: /--kubelet-a\.\.b: "a\.\.b" is not a flag name/ },
];

export const COMMAND_LINE_WARNING_EXAMPLES: CommandLineExample[] = [
  { name: 'TLS files with http:// endpoints', args: ['--etcd-cafile=/etc/etcd/ca.crt'], path: '--etcd-servers', message: /TLS files are given but some --etcd-servers use http:\/\// },
  { name: 'Mesos CA file with only http:// masters (a shared rule)', args: ['--mesos-cafile=/etc/mesos/ca.crt'], path: '--mesos-cafile', message: /--mesos-cafile is given but every master is contacted over http:\/\/, so it is never used; set --mesos-tls or write https:\/\/ master URLs/ },
  { name: 'long lease TTL (a shared rule)', args: ['--lease-ttl=90s'], path: '--lease-ttl', message: /--lease-ttl is 90 s: after a leader crash no scheduler acts for about that long/ },
];

/** validate.ts issue sites no example reaches, each with the reason it cannot be reached. The coverage test fails
 * when one of them becomes reachable (then add an example and remove it here) or when another site is missed. */
export const UNREACHABLE_SITES: Array<{ contains: string; why: string }> = [
  { contains: "`${p} ${e.message ?? 'is invalid'}`", why: 'a fallback for Ajv keywords the schema does not use (every keyword it uses has its own message)' },
];
