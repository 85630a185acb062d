// Validation of SchedulerHA documents and of scheduler command lines. Pure. Every issue names the field, says
// what is wrong and how to fix it. The same semantic rules serve both contexts: a rule refers to a field by its
// role and the context names it (`spec.flags.kmPath` for a resource, `--km-path` for a command line), so
// `schedulerha scheduler` exits with the same message the operator puts in the ConfigValid condition.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseEtcdEndpoint, parseMesosMaster } from './addresses.js';
import { editDistance, FLAG_FAMILIES, type SchedulerConfig } from './flags.js';
import { resourceSchema } from './schema.js';
import { API_VERSION, KIND } from './types.js';
import { parseDurationSeconds, formatDuration } from '../util/time.js';

export type Severity = 'error' | 'warning';

export interface Issue {
  severity: Severity;
  /** Field path (spec.flags.kmPath) or flag (--km-path). */
  path: string;
  message: string;
}

export interface ValidationResult {
  errors: Issue[];
  warnings: Issue[];
}

/** Mesos represents failover_timeout as an int64 count of nanoseconds. */
export const MAX_FAILOVER_TIMEOUT_SECONDS = 9_223_372_036; // floor(int64 max ns / 1e9)
export const MIN_LEASE_TTL_SECONDS = 2;
export const MAX_LEASE_TTL_SECONDS = 300;
/** The fetcher schemes Mesos agents understand (curl: http/https/ftp/ftps; Hadoop client: hdfs/hftp/s3*). */
export const FETCHABLE_SCHEMES = ['http', 'https', 'ftp', 'ftps', 'hdfs', 'hftp', 's3', 's3a', 's3n', 'maprfs', 'gs'];

// ---- Field naming per context --------------------------------------------------------------------------------

/** The fields the shared rules talk about. */
type Field =
  | 'ha'
  | 'checkpoint'
  | 'failoverTimeout'
  | 'frameworkName'
  | 'kmPath'
  | 'executorPath'
  | 'proxyPath'
  | 'apiServers'
  | 'authPath'
  | 'cluster'
  | 'executor'
  | 'kubelet'
  | 'reconcileInterval'
  | 'taskRetention'
  | 'mesosMaster'
  | 'mesosUser'
  | 'mesosRoles'
  | 'mesosPrincipal'
  | 'mesosSecret'
  | 'zkCredentials'
  | 'mesosTls'
  | 'mesosCa'
  | 'mesosClientCert'
  | 'etcdEndpoints'
  | 'etcdCredentials'
  | 'etcdPrefix'
  | 'leaseTTL';

/** Key ranges of a framework's root (keys.ts): a framework of this name nested under another's root would put its
 * keys inside that one's registry or election. */
const RESERVED_FRAMEWORK_NAMES = new Set(['tasks', 'election']);

const SPEC_NAMES: Record<Field, string> = {
  ha: 'spec.flags.ha',
  checkpoint: 'spec.flags.checkpoint',
  failoverTimeout: 'spec.flags.failoverTimeout',
  frameworkName: 'spec.flags.frameworkName',
  kmPath: 'spec.flags.kmPath',
  executorPath: 'spec.flags.executorPath',
  proxyPath: 'spec.flags.proxyPath',
  apiServers: 'spec.flags.apiServers',
  authPath: 'spec.flags.authPath',
  cluster: 'spec.flags.cluster',
  executor: 'spec.flags.executor',
  kubelet: 'spec.flags.kubelet',
  reconcileInterval: 'spec.flags.reconcileInterval',
  taskRetention: 'spec.flags.taskRetention',
  mesosMaster: 'spec.mesos.master',
  mesosUser: 'spec.mesos.user',
  mesosRoles: 'spec.mesos.roles',
  mesosPrincipal: 'spec.mesos.principal',
  mesosSecret: 'spec.mesos.credentialsSecret',
  zkCredentials: 'spec.mesos.zkCredentialsSecret',
  mesosTls: 'spec.mesos.tls',
  mesosCa: 'spec.mesos.tls.caSecret',
  mesosClientCert: 'spec.mesos.tls.clientSecret',
  etcdEndpoints: 'spec.etcd.endpoints',
  etcdCredentials: 'spec.etcd.credentialsSecret',
  etcdPrefix: 'spec.etcd.prefix',
  leaseTTL: 'spec.etcd.leaseTTLSeconds',
};

const FLAG_NAMES: Record<Field, string> = {
  ha: '--ha',
  checkpoint: '--checkpoint',
  failoverTimeout: '--failover-timeout',
  frameworkName: '--framework-name',
  kmPath: '--km-path',
  executorPath: '--executor-path',
  proxyPath: '--proxy-path',
  apiServers: '--api-servers',
  authPath: '--auth-path',
  cluster: '--cluster-*',
  executor: '--executor-*',
  kubelet: '--kubelet-*',
  reconcileInterval: '--reconcile-interval',
  taskRetention: '--task-retention',
  mesosMaster: '--mesos-master',
  mesosUser: '--mesos-user',
  mesosRoles: '--mesos-roles',
  mesosPrincipal: '--mesos-principal',
  mesosSecret: '--mesos-secret-file',
  zkCredentials: '--zk-username',
  mesosTls: '--mesos-tls',
  mesosCa: '--mesos-cafile',
  mesosClientCert: '--mesos-certfile',
  etcdEndpoints: '--etcd-servers',
  etcdCredentials: '--etcd-username',
  etcdPrefix: '--etcd-prefix',
  leaseTTL: '--lease-ttl',
};

type Namer = (f: Field, sub?: string) => string;

const specNamer: Namer = (f, sub) => (sub === undefined ? SPEC_NAMES[f] : /^\[\d+\]$/.test(sub) ? `${SPEC_NAMES[f]}${sub}` : `${SPEC_NAMES[f]}.${sub}`);
const flagNamer: Namer = (f, sub) => {
  if (sub === undefined) return FLAG_NAMES[f];
  if (f === 'cluster' || f === 'executor' || f === 'kubelet') return `--${f}-${sub}`;
  return FLAG_NAMES[f];
};

/** What the shared rules inspect. Undefined = not given (or given with a type already reported). */
interface RuleInput {
  ha?: boolean;
  checkpoint?: boolean;
  failoverTimeout?: string | number;
  frameworkName?: string;
  kmPath?: string;
  executorPath?: string;
  proxyPath?: string;
  apiServers?: string[];
  authPath?: string;
  families: Record<(typeof FLAG_FAMILIES)[number], Record<string, unknown>>;
  reconcileInterval?: string | number;
  taskRetention?: string | number;
  mesosMaster?: string;
  mesosUser?: string;
  mesosRoles?: string[];
  mesosPrincipal?: string;
  hasMesosSecret: boolean;
  hasZkCredentials: boolean;
  mesosTls: boolean;
  hasMesosCa: boolean;
  hasMesosClientCert: boolean;
  hasEtcdCredentials: boolean;
  etcdEndpoints?: string[];
  etcdPrefix?: string;
  leaseTTLSeconds?: number;
}

class Collector {
  readonly errors: Issue[] = [];
  readonly warnings: Issue[] = [];
  error(path: string, message: string): void {
    this.errors.push({ severity: 'error', path, message });
  }
  warn(path: string, message: string): void {
    this.warnings.push({ severity: 'warning', path, message });
  }
  result(): ValidationResult {
    return { errors: this.errors, warnings: this.warnings };
  }
}

// ---- Shared checks -------------------------------------------------------------------------------------------

/** How a path/URI for an executor artifact reads. */
export function classifyArtifactUri(u: string): { kind: 'remote'; scheme: string } | { kind: 'local'; why: string } | { kind: 'invalid'; why: string } {
  if (u.trim() !== u || /\s/.test(u)) return { kind: 'invalid', why: 'contains whitespace' };
  if (u === '') return { kind: 'invalid', why: 'is empty' };
  if (u.startsWith('file:')) return { kind: 'local', why: 'a file:// URI names a file on each agent' };
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(u);
  if (!m) {
    if (u.startsWith('/')) return { kind: 'local', why: 'an absolute path names a file on each agent' };
    return { kind: 'local', why: 'a relative path names nothing the agents can fetch' };
  }
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (!FETCHABLE_SCHEMES.includes(scheme)) return { kind: 'invalid', why: `has scheme "${scheme}://", which the Mesos fetcher cannot fetch (use ${FETCHABLE_SCHEMES.slice(0, 6).join(', ')}...)` };
  if (['http', 'https', 'ftp', 'ftps'].includes(scheme)) {
    const host = rest.split('/')[0] ?? '';
    if (host === '') return { kind: 'invalid', why: `has no host after ${scheme}://` };
    if (rest.indexOf('/') < 0 || rest.endsWith('/')) return { kind: 'invalid', why: 'names no file (the path is empty or ends with /)' };
  } else if (rest === '' || rest === '/' || rest.endsWith('/')) {
    return { kind: 'invalid', why: 'names no file (the path is empty or ends with /)' };
  }
  return { kind: 'remote', scheme };
}

const FRAMEWORK_NAME_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?$/;
const FAMILY_KEY_RE = /^[a-z0-9]+([-_][a-z0-9]+)*$/;

/** Mesos role names (src/common/roles.cpp): hierarchical with "/", no ".", "..", leading "-", whitespace, etc. */
export function roleError(role: string): string | undefined {
  if (role === '') return 'is empty';
  if (role === '*') return undefined;
  if (/[\s\x00-\x1f\x7f\\]/.test(role)) return 'contains whitespace, a backslash or a control character';
  if (role.startsWith('/') || role.endsWith('/')) return 'starts or ends with "/"';
  if (role.includes('//')) return 'contains an empty path component ("//")';
  for (const part of role.split('/')) {
    if (part === '.' || part === '..') return `has a "${part}" component`;
    if (part.startsWith('-')) return 'has a component that starts with "-"';
    if (part.includes('*')) return 'uses "*", which is only valid as the whole role "*"';
  }
  return undefined;
}

function checkShared(inp: RuleInput, n: Namer, out: Collector, ctx: 'spec' | 'flags'): void {
  const ha = inp.ha ?? (ctx === 'spec');
  // --- framework name
  if (inp.frameworkName !== undefined && !FRAMEWORK_NAME_RE.test(inp.frameworkName)) {
    out.error(n('frameworkName'), `${n('frameworkName')} "${inp.frameworkName}" is not usable: it is an etcd key segment and, lowercased, the pods' spec.schedulerName, so use 1-63 letters, digits, "-" or "." (starting and ending with a letter or digit), e.g. Kubernetes`);
  } else if (inp.frameworkName !== undefined && RESERVED_FRAMEWORK_NAMES.has(inp.frameworkName)) {
    // Under a prefix that is another framework's root, its keys would sit inside that framework's ranges.
    out.error(n('frameworkName'), `${n('frameworkName')} "${inp.frameworkName}" is reserved: it names a key range of the etcd layout (<root>/${inp.frameworkName}/), and a framework by that name under a prefix that is another framework's root would mix its keys into that framework's; choose another name`);
  }
  // --- executor artifact
  const km = inp.kmPath;
  const ex = inp.executorPath;
  const px = inp.proxyPath;
  if (km !== undefined && ex !== undefined) {
    out.error(n('kmPath'), `set ${n('kmPath')} or ${n('executorPath')} + ${n('proxyPath')}, not both (the executor is launched from one of them)`);
  }
  if (ex !== undefined && px === undefined) out.error(n('proxyPath'), `${n('executorPath')} needs ${n('proxyPath')} too (or use ${n('kmPath')} alone)`);
  if (px !== undefined && ex === undefined) out.error(n('executorPath'), `${n('proxyPath')} needs ${n('executorPath')} too (or use ${n('kmPath')} alone)`);
  if (km === undefined && ex === undefined && px === undefined) {
    out.error(
      n('kmPath'),
      ha
        ? `with ha, set ${n('kmPath')} (or ${n('executorPath')} + ${n('proxyPath')}) to a non-local URI that every agent can fetch and that is identical for all replicas, e.g. hdfs:///km`
        : `set ${n('kmPath')} (or ${n('executorPath')} + ${n('proxyPath')}): the agents fetch the executor from it, e.g. hdfs:///km`,
    );
  }
  for (const f of ['kmPath', 'executorPath', 'proxyPath'] as const) {
    const v = inp[f];
    if (v === undefined) continue;
    const c = classifyArtifactUri(v);
    if (c.kind === 'invalid') out.error(n(f), `${n(f)} "${v}" ${c.why}`);
    else if (c.kind === 'local') {
      if (ha) out.error(n(f), `with ha, ${n(f)} must be a non-local URI identical for all replicas (hdfs://, http(s)://, s3://...), not "${v}": ${c.why}`);
      else if (!v.startsWith('/') && !v.startsWith('file:')) out.error(n(f), `${n(f)} "${v}": ${c.why}; use a URI (hdfs:///km) or an absolute agent path`);
      else out.warn(n(f), `${n(f)} "${v}" is a path on the agents: it must exist on every agent; a URI (hdfs:///km) avoids that`);
    }
  }
  // --- failover timeout
  if (inp.failoverTimeout !== undefined) {
    const s = parseDurationSeconds(inp.failoverTimeout);
    if (s === undefined) out.error(n('failoverTimeout'), `${n('failoverTimeout')} "${inp.failoverTimeout}" is not a duration (write e.g. 168h, 720h, or a number of seconds)`);
    else if (s <= 0) out.error(n('failoverTimeout'), `${n('failoverTimeout')} must be positive (got ${inp.failoverTimeout}): with 0 Mesos removes the framework and kills every task as soon as the scheduler disconnects; use e.g. 168h`);
    else if (s > MAX_FAILOVER_TIMEOUT_SECONDS) out.error(n('failoverTimeout'), `${n('failoverTimeout')} ${inp.failoverTimeout} exceeds Mesos's limit of ${MAX_FAILOVER_TIMEOUT_SECONDS} s (an int64 count of nanoseconds, about 292 years)`);
    else if (s < 3600) out.warn(n('failoverTimeout'), `${n('failoverTimeout')} is only ${formatDuration(s)}: if no scheduler is connected for longer (an outage, a bad rollout), Mesos removes the framework and kills every task; weeks are recommended`);
  }
  if (ha && inp.checkpoint === false) {
    out.warn(n('checkpoint'), `${n('checkpoint')} is false with ha: tasks die when an agent restarts, and checkpointing cannot be turned on later for a registered framework`);
  }
  // --- executor flags
  if (inp.apiServers !== undefined) {
    const seen = new Set<string>();
    inp.apiServers.forEach((s, i) => {
      if (!/^https?:\/\/[^/\s]+\/?$/.test(s)) out.error(n('apiServers', `[${i}]`), `${n('apiServers', `[${i}]`)} "${s}" is not an API server URL (write https://host:6443)`);
      if (seen.has(s)) out.error(n('apiServers', `[${i}]`), `${n('apiServers')} lists "${s}" twice`);
      seen.add(s);
    });
  }
  if (inp.authPath !== undefined && inp.authPath.trim() === '') out.error(n('authPath'), `${n('authPath')} is empty; remove it or name the auth file`);
  for (const fam of FLAG_FAMILIES) {
    for (const [k, v] of Object.entries(inp.families[fam])) {
      if (!FAMILY_KEY_RE.test(k)) out.error(n(fam, k), `${n(fam, k)}: "${k}" is not a flag name (lowercase letters, digits and "-", e.g. ${fam === 'cluster' ? 'dns' : 'sync-frequency'})`);
      if (fam === 'executor' && (k === 'path' || k === 'path'.replace('-', '_'))) out.error(n(fam, k), `${n(fam, k)}: use ${n('executorPath')} for the executor path`);
      if (typeof v !== 'string' && typeof v !== 'number') out.error(n(fam, k), `${n(fam, k)} must be a string or a number`);
      else if (typeof v === 'string' && /[\r\n]/.test(v)) out.error(n(fam, k), `${n(fam, k)} contains a line break`);
    }
  }
  if (inp.reconcileInterval !== undefined) {
    const s = parseDurationSeconds(inp.reconcileInterval);
    if (s === undefined) out.error(n('reconcileInterval'), `${n('reconcileInterval')} "${inp.reconcileInterval}" is not a duration (write e.g. 5m; 0 disables periodic implicit reconciliation)`);
    else if (s < 0) out.error(n('reconcileInterval'), `${n('reconcileInterval')} must not be negative (0 disables periodic implicit reconciliation)`);
    else if (s > 0 && s < 1) out.error(n('reconcileInterval'), `${n('reconcileInterval')} ${inp.reconcileInterval} is below 1s and would flood the master with reconciliation; use minutes`);
    else if (s === 0) out.warn(n('reconcileInterval'), `${n('reconcileInterval')} is 0: periodic implicit reconciliation is off, so tasks the registry lost track of are only found after a failover`);
  }
  if (inp.taskRetention !== undefined) {
    const s = parseDurationSeconds(inp.taskRetention);
    if (s === undefined) out.error(n('taskRetention'), `${n('taskRetention')} "${inp.taskRetention}" is not a duration (write e.g. 1h)`);
    else if (!(s >= 1)) out.error(n('taskRetention'), `${n('taskRetention')} must be at least 1s (got ${s} s): ended task records are kept at least that long`);
    else if (s < 60) out.warn(n('taskRetention'), `${n('taskRetention')} is ${s} s: an ended task's record may go before Mesos stops re-sending its update; keep it at minutes or more`);
  }
  // --- Mesos
  if (inp.mesosMaster !== undefined) {
    const p = parseMesosMaster(inp.mesosMaster, { tls: inp.mesosTls });
    if (!p.ok) out.error(n('mesosMaster'), `${n('mesosMaster')}: ${p.error}`);
    else if (inp.hasZkCredentials && p.value.kind !== 'zk') out.error(n('zkCredentials'), `${n('zkCredentials')} is for a zk:// master; ${n('mesosMaster')} is not one`);
    else if (inp.hasZkCredentials && p.value.kind === 'zk' && p.value.auth) out.error(n('zkCredentials'), `${n('zkCredentials')} and user:password@ in ${n('mesosMaster')} both give ZooKeeper credentials; keep one (the Secret: the URL shows in the ConfigMap and the pods' command line)`);
    else if (p.value.kind === 'zk' && p.value.auth) out.warn(n('mesosMaster'), `${n('mesosMaster')} carries ZooKeeper credentials (user:password@), which show wherever the URL does (the ConfigMap, the command line, process lists); give them with ${n('zkCredentials')} instead`);
    if (p.ok) {
      const plain = p.value.kind === 'http' ? p.value.urls.filter((u) => u.startsWith('http://')) : [];
      const plainZk = p.value.kind === 'zk' && !inp.mesosTls;
      if (inp.mesosTls && plain.length) out.error(n('mesosMaster'), `${n('mesosMaster')} names ${plain.join(', ')} over plain http, but ${n('mesosTls')} asks for https; write https:// or host:port alone`);
      // Basic auth is only as private as the connection it goes over.
      else if (inp.hasMesosSecret && (plainZk || plain.length)) {
        out.warn(n('mesosSecret'), `${n('mesosSecret')} is sent (HTTP basic auth) to ${plainZk ? 'the masters ZooKeeper names, which are contacted over http://' : 'http:// masters'}: unencrypted on the network; ${plainZk ? `set ${n('mesosTls')} if the masters serve https` : 'use https:// master URLs'}`);
      }
      const tlsUsed = inp.mesosTls || (p.value.kind === 'http' && p.value.urls.some((u) => u.startsWith('https://')));
      if (!tlsUsed && (inp.hasMesosCa || inp.hasMesosClientCert)) {
        const f = inp.hasMesosCa ? n('mesosCa') : n('mesosClientCert');
        out.warn(f, `${f} is given but every master is contacted over http://, so it is never used; set ${n('mesosTls')} or write https:// master URLs`);
      }
    }
  }
  if (inp.mesosUser !== undefined && (inp.mesosUser === '' || /\s/.test(inp.mesosUser))) {
    out.error(n('mesosUser'), `${n('mesosUser')} "${inp.mesosUser}" is not a user name (FrameworkInfo.user is required; e.g. root)`);
  }
  if (inp.mesosRoles !== undefined) {
    if (inp.mesosRoles.length === 0) out.error(n('mesosRoles'), `${n('mesosRoles')} is empty; use ["*"] for the default role`);
    const seen = new Set<string>();
    inp.mesosRoles.forEach((r, i) => {
      const e = roleError(r);
      if (e) out.error(n('mesosRoles', `[${i}]`), `${n('mesosRoles', `[${i}]`)} "${r}" is not a Mesos role: it ${e}`);
      if (seen.has(r)) out.error(n('mesosRoles', `[${i}]`), `${n('mesosRoles')} lists "${r}" twice (Mesos rejects duplicate roles)`);
      seen.add(r);
    });
  }
  if (inp.hasMesosSecret && !inp.mesosPrincipal) out.error(n('mesosPrincipal'), `${n('mesosSecret')} needs ${n('mesosPrincipal')} (the HTTP authentication user)`);
  if (inp.mesosPrincipal !== undefined && (inp.mesosPrincipal === '' || /\s/.test(inp.mesosPrincipal))) {
    out.error(n('mesosPrincipal'), `${n('mesosPrincipal')} "${inp.mesosPrincipal}" must be non-empty without whitespace`);
  }
  // --- etcd
  if (inp.etcdEndpoints !== undefined) {
    if (inp.etcdEndpoints.length === 0) out.error(n('etcdEndpoints'), `${n('etcdEndpoints')} is empty: the election, the framework id and the task registry live in etcd (write e.g. http://etcd-0:2379)`);
    const seen = new Set<string>();
    inp.etcdEndpoints.forEach((e, i) => {
      const p = parseEtcdEndpoint(e);
      if (!p.ok) out.error(n('etcdEndpoints', `[${i}]`), `${n('etcdEndpoints', `[${i}]`)}: ${p.error}`);
      else if (seen.has(p.value)) out.error(n('etcdEndpoints', `[${i}]`), `${n('etcdEndpoints')} lists ${p.value} twice`);
      else seen.add(p.value);
    });
    if (inp.hasEtcdCredentials && inp.etcdEndpoints.some((e) => e.trim().startsWith('http://'))) {
      out.warn(n('etcdCredentials'), `${n('etcdCredentials')}: the etcd user's password goes to the http:// endpoints of ${n('etcdEndpoints')} unencrypted; use https:// endpoints with TLS`);
    }
  }
  if (inp.etcdPrefix !== undefined) {
    const p = inp.etcdPrefix;
    if (!p.startsWith('/')) out.error(n('etcdPrefix'), `${n('etcdPrefix')} "${p}" must start with "/" (e.g. /k8sm)`);
    else if (p.length > 1 && p.endsWith('/')) out.error(n('etcdPrefix'), `${n('etcdPrefix')} "${p}" must not end with "/" (keys are <prefix>/<frameworkName>/...)`);
    else if (p.includes('//')) out.error(n('etcdPrefix'), `${n('etcdPrefix')} "${p}" has an empty path segment ("//")`);
    else if (!/^[A-Za-z0-9_.\-/]+$/.test(p)) out.error(n('etcdPrefix'), `${n('etcdPrefix')} "${p}" may only use letters, digits, "_", ".", "-" and "/"`);
  }
  if (inp.leaseTTLSeconds !== undefined) {
    const t = inp.leaseTTLSeconds;
    if (!Number.isFinite(t) || t < MIN_LEASE_TTL_SECONDS) out.error(n('leaseTTL'), `${n('leaseTTL')} must be at least ${MIN_LEASE_TTL_SECONDS} s (got ${t}): the leader renews several times per TTL and stops acting before it expires`);
    else if (t > MAX_LEASE_TTL_SECONDS) out.error(n('leaseTTL'), `${n('leaseTTL')} must be at most ${MAX_LEASE_TTL_SECONDS} s (got ${t}): a crashed leader would leave the cluster without a scheduler that long`);
    else if (t > 60) out.warn(n('leaseTTL'), `${n('leaseTTL')} is ${t} s: after a leader crash no scheduler acts for about that long; 10-15 s is typical`);
  }
}

// ---- Command-line context ------------------------------------------------------------------------------------

/** Semantic validation of parsed scheduler flags (syntax errors come from parseSchedulerArgv). */
export function validateSchedulerConfig(c: SchedulerConfig): ValidationResult {
  const out = new Collector();
  const given = new Set(c.explicit);
  checkShared(
    {
      ha: c.ha,
      checkpoint: c.checkpoint,
      failoverTimeout: c.failoverTimeoutSeconds,
      frameworkName: c.frameworkName,
      kmPath: c.kmPath,
      executorPath: c.executorPath,
      proxyPath: c.proxyPath,
      apiServers: c.apiServers,
      authPath: c.authPath,
      families: { cluster: c.cluster, executor: c.executor, kubelet: c.kubelet },
      reconcileInterval: c.reconcileIntervalSeconds,
      taskRetention: c.taskRetentionSeconds,
      mesosMaster: c.mesosMaster,
      mesosUser: c.mesosUser,
      mesosRoles: c.mesosRoles,
      mesosPrincipal: c.mesosPrincipal,
      hasMesosSecret: c.mesosSecretFile !== undefined,
      hasZkCredentials: c.zkUsername !== undefined,
      mesosTls: c.mesosTls,
      hasMesosCa: c.mesosCaFile !== undefined,
      hasMesosClientCert: c.mesosCertFile !== undefined || c.mesosKeyFile !== undefined,
      hasEtcdCredentials: c.etcdUsername !== undefined,
      etcdEndpoints: c.etcdServers,
      etcdPrefix: c.etcdPrefix,
      leaseTTLSeconds: c.leaseTtlSeconds,
    },
    flagNamer,
    out,
    'flags',
  );
  if (!given.has('etcd-servers') && c.etcdServers.length === 0) {
    // Reported by checkShared as "empty"; make the missing-flag case explicit instead.
    const i = out.errors.findIndex((e) => e.path === '--etcd-servers');
    if (i >= 0) out.errors.splice(i, 1);
    out.error('--etcd-servers', '--etcd-servers is required: the framework id and the task registry live in etcd, even without --ha (write --etcd-servers=http://etcd-0:2379)');
  }
  const tls = [c.etcdCaFile, c.etcdCertFile, c.etcdKeyFile];
  if ((c.etcdCertFile === undefined) !== (c.etcdKeyFile === undefined)) out.error('--etcd-certfile', '--etcd-certfile and --etcd-keyfile go together (client certificate and its key)');
  if (tls.some((x) => x !== undefined) && c.etcdServers.some((e) => e.startsWith('http://'))) {
    out.warn('--etcd-servers', 'TLS files are given but some --etcd-servers use http://; they will be contacted without TLS');
  }
  if ((c.mesosCertFile === undefined) !== (c.mesosKeyFile === undefined)) out.error('--mesos-certfile', '--mesos-certfile and --mesos-keyfile go together (client certificate and its key)');
  if (c.etcdPasswordFile !== undefined && c.etcdUsername === undefined) out.error('--etcd-username', '--etcd-password-file needs --etcd-username');
  if (c.zkPasswordFile !== undefined && c.zkUsername === undefined) out.error('--zk-username', '--zk-password-file needs --zk-username');
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535) out.error('--port', `--port ${c.port} is outside 0-65535`);
  for (const [flag, v] of [
    ['--reconcile-initial-backoff', c.reconcileInitialBackoffSeconds],
    ['--reconcile-max-backoff', c.reconcileMaxBackoffSeconds],
    ['--reconcile-timeout', c.reconcileTimeoutSeconds],
  ] as const) {
    if (!(v > 0)) out.error(flag, `${flag} must be positive`);
  }
  if (c.reconcileMaxBackoffSeconds < c.reconcileInitialBackoffSeconds) out.error('--reconcile-max-backoff', '--reconcile-max-backoff must not be below --reconcile-initial-backoff');
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(c.logLevel)) out.error('--log-level', `--log-level "${c.logLevel}" is not one of trace, debug, info, warn, error`);
  return out.result();
}

// ---- Resource context ----------------------------------------------------------------------------------------

let compiled: ValidateFunction | undefined;
function schemaValidator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, logger: false });
  ajv.addKeyword({
    keyword: 'x-kubernetes-int-or-string',
    errors: true,
    validate: function intOrString(this: unknown, schemaValue: boolean, data: unknown) {
      if (!schemaValue) return true;
      return typeof data === 'string' || (typeof data === 'number' && Number.isInteger(data));
    },
  });
  compiled = ajv.compile(resourceSchema);
  return compiled;
}

function jsonPathOf(instancePath: string): string {
  if (instancePath === '') return '';
  return instancePath
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc === '' ? seg : `${acc}.${seg}`), '');
}

function schemaAt(path: string[]): Record<string, unknown> | undefined {
  let s: Record<string, unknown> | undefined = resourceSchema;
  for (const seg of path) {
    if (!s) return undefined;
    if (/^\d+$/.test(seg)) s = s.items as Record<string, unknown> | undefined;
    else {
      const props = s.properties as Record<string, Record<string, unknown>> | undefined;
      s = props?.[seg] ?? (typeof s.additionalProperties === 'object' ? (s.additionalProperties as Record<string, unknown>) : undefined);
    }
  }
  return s;
}

const SCHEMA_TYPE_NAMES: Record<string, string> = { integer: 'an integer', array: 'a list', object: 'an object', string: 'a string', number: 'a number', boolean: 'a boolean' };

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `a string ("${v}")`;
  return `${typeof v === 'number' && Number.isInteger(v) ? 'an integer' : `a ${typeof v}`} (${String(v)})`;
}

function valueAt(doc: unknown, path: string[]): unknown {
  let v: unknown = doc;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

const FIELD_HINTS: Record<string, string> = {
  'spec.replicas': 'the number of scheduler processes (1 without ha; 2 recommended with ha)',
  'spec.etcd.leaseTTLSeconds': 'the leader renews several times per TTL and a crashed leader is replaced after about one TTL',
};

function translateAjv(e: ErrorObject, doc: unknown, out: Collector, served = false): void {
  const segs = e.instancePath === '' ? [] : e.instancePath.split('/').slice(1);
  const path = jsonPathOf(e.instancePath);
  const p = path === '' ? '(document)' : path;
  const hint = FIELD_HINTS[path] ? ` (${FIELD_HINTS[path]})` : '';
  const here = valueAt(doc, segs);
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      const schema = schemaAt(segs);
      const known = Object.keys((schema?.properties as Record<string, unknown>) ?? {});
      let best: string | undefined;
      let bestD = Infinity;
      for (const k of known) {
        const d = editDistance(prop.toLowerCase(), k.toLowerCase());
        if (d < bestD) [best, bestD] = [k, d];
      }
      const suggestion = best !== undefined && bestD <= Math.max(2, Math.floor(prop.length / 3)) ? ` — did you mean "${best}"?` : '';
      const field = path === '' ? prop : `${path}.${prop}`;
      if (served) {
        // The API server prunes what its CRD does not know: a field it kept is one the installed CRD (newer than
        // this binary) knows. Refusing the whole spec would stop every resource during a skewed upgrade or a rollback.
        out.warn(field, `field "${field}" is unknown to this operator version (the installed CRD is newer): it is ignored; upgrade the operator`);
        return;
      }
      out.error(field, `unknown field "${field}"${suggestion} (known fields here: ${known.join(', ')})`);
      return;
    }
    case 'required': {
      const prop = (e.params as { missingProperty: string }).missingProperty;
      const full = path === '' ? prop : `${path}.${prop}`;
      const what: Record<string, string> = {
        spec: 'the SchedulerHA needs a spec with at least mesos.master, etcd.endpoints and flags.kmPath',
        'spec.mesos': 'add mesos: {master: "zk://zk-1:2181/mesos"}',
        'spec.etcd': 'add etcd: {endpoints: ["http://etcd-0:2379"]}',
        'spec.mesos.master': 'the leading Mesos master is found from it (zk://h1:2181,h2:2181/mesos or host:5050)',
        'spec.etcd.endpoints': 'the election and the framework id live in etcd (e.g. ["http://etcd-0:2379"])',
      };
      out.error(full, `${full} is required${what[full] ? `: ${what[full]}` : ''}`);
      return;
    }
    case 'type':
      out.error(p, `${p} must be ${SCHEMA_TYPE_NAMES[(e.params as { type: string }).type] ?? `a ${(e.params as { type: string }).type}`}, not ${typeName(here)}${hint}`);
      return;
    case 'x-kubernetes-int-or-string':
      out.error(p, `${p} must be a string or an integer, not ${typeName(here)}`);
      return;
    case 'enum':
      out.error(p, `${p} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => `"${String(v)}"`).join(', ')}, not ${typeName(here)}`);
      return;
    case 'minimum':
      out.error(p, `${p} must be at least ${(e.params as { limit: number }).limit} (got ${String(here)})${hint}`);
      return;
    case 'maximum':
      out.error(p, `${p} must be at most ${(e.params as { limit: number }).limit} (got ${String(here)})${hint}`);
      return;
    case 'minItems':
      out.error(p, `${p} must list at least ${(e.params as { limit: number }).limit} item${(e.params as { limit: number }).limit === 1 ? '' : 's'}`);
      return;
    case 'minLength':
      out.error(p, `${p} must not be empty`);
      return;
    case 'maxLength':
      out.error(p, `${p} must be at most ${(e.params as { limit: number }).limit} characters long`);
      return;
    default:
      out.error(p, `${p} ${e.message ?? 'is invalid'}`);
  }
}

const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IMAGE_RE = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const QUANTITY_RE = /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$/;
/** A SchedulerHA's name is also its headless Service's (an RFC 1035 label: starts with a letter). */
const NAME_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** StatefulSet pods are <name>-<ordinal> and carry controller-revision-hash=<name>-<hash> (≤ 63), hence 52. */
export const MAX_NAME_LENGTH = 52;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strList = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Validates a SchedulerHA document as written by a user (defaults not yet applied). `served`: the document came
 * from the API server, whose CRD pruned every field it does not know — an unknown field is then a warning. */
export function validateSchedulerHA(doc: unknown, opts: { served?: boolean } = {}): ValidationResult {
  const out = new Collector();
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    out.error('(document)', `a SchedulerHA must be a YAML/JSON object, not ${typeName(doc)}`);
    return out.result();
  }
  const d = doc as Record<string, unknown>;
  if (d.apiVersion !== API_VERSION) out.error('apiVersion', `apiVersion must be "${API_VERSION}", not ${d.apiVersion === undefined ? 'missing' : typeName(d.apiVersion)}`);
  if (d.kind !== KIND) out.error('kind', `kind must be "${KIND}", not ${d.kind === undefined ? 'missing' : typeName(d.kind)}`);
  const md = obj(d.metadata);
  const name = str(md.name);
  if (!name) out.error('metadata.name', 'metadata.name is required (the StatefulSet and pods are named after it)');
  else if (!NAME_RE.test(name)) out.error('metadata.name', `metadata.name "${name}" must be a DNS label that starts with a letter (lowercase letters, digits and "-", ending with a letter or digit): the scheduler pods are named <name>-0, <name>-1 and their headless Service <name>`);
  else if (name.length > MAX_NAME_LENGTH) out.error('metadata.name', `metadata.name "${name}" is ${name.length} characters; at most ${MAX_NAME_LENGTH} fit, because the pods carry the label controller-revision-hash=<name>-<hash> (≤ 63)`);
  if (md.namespace !== undefined && (typeof md.namespace !== 'string' || !DNS_LABEL_RE.test(md.namespace))) out.error('metadata.namespace', typeof md.namespace === 'string' ? `metadata.namespace "${md.namespace}" is not a valid namespace name (a DNS label: lowercase letters, digits and "-")` : `metadata.namespace must be a string, not ${typeName(md.namespace)}`);

  const ajvValidate = schemaValidator();
  if (!ajvValidate(doc)) for (const e of ajvValidate.errors ?? []) translateAjv(e, doc, out, opts.served);
  if (d.spec === undefined || typeof d.spec !== 'object' || d.spec === null) return out.result();

  const spec = d.spec as Record<string, unknown>;
  const flags = obj(spec.flags);
  const mesos = obj(spec.mesos);
  const etcd = obj(spec.etcd);
  const mesosTls = obj(mesos.tls);
  const ha = typeof flags.ha === 'boolean' ? flags.ha : true;
  const replicas = typeof spec.replicas === 'number' && Number.isInteger(spec.replicas) ? spec.replicas : 2;

  if (replicas > 1 && !ha) {
    out.error('spec.replicas', `spec.replicas is ${replicas} but spec.flags.ha is false: without the election every replica registers as the framework and they fail each other over endlessly; set spec.flags.ha: true, or spec.replicas: 1`);
  }
  if (replicas > 2 && replicas <= 9) out.warn('spec.replicas', `spec.replicas is ${replicas}: more than 2 schedulers has not been extensively tested (the original k8sm recommends at most 2); the resource reports Degraded`);
  if (replicas === 0) out.warn('spec.replicas', 'spec.replicas is 0: no scheduler runs, so pods for this framework stay pending (the framework and its tasks stay registered until failoverTimeout)');

  const image = str(spec.image);
  if (image !== undefined && image !== '' && !IMAGE_RE.test(image)) out.error('spec.image', `spec.image "${image}" is not an image reference (e.g. registry.example.com/schedulerha:0.1.0)`);
  const sa = str(spec.serviceAccountName);
  if (sa !== undefined && !DNS_SUBDOMAIN_RE.test(sa)) out.error('spec.serviceAccountName', `spec.serviceAccountName "${sa}" is not a valid ServiceAccount name`);
  const pc = str(spec.priorityClassName);
  if (pc !== undefined && !DNS_SUBDOMAIN_RE.test(pc)) out.error('spec.priorityClassName', `spec.priorityClassName "${pc}" is not a valid PriorityClass name (lowercase DNS subdomain)`);
  if (Array.isArray(spec.tolerations)) {
    (spec.tolerations as unknown[]).forEach((tol, i) => {
      const t = obj(tol);
      const p = `spec.tolerations[${i}]`;
      // The API server's rules (ValidateTolerations): refused there, the StatefulSet's pods would never be created.
      if (t.operator === 'Exists' && t.value !== undefined && t.value !== '') out.error(`${p}.value`, `${p}.value must be empty when operator is Exists`);
      if ((t.key === undefined || t.key === '') && t.operator !== 'Exists') out.error(`${p}.operator`, `${p}.operator must be Exists when key is empty (to tolerate every taint)`);
      if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') out.error(`${p}.effect`, `${p}.effect must be NoExecute when tolerationSeconds is set`);
    });
  }
  const res = obj(spec.resources);
  for (const kind of ['requests', 'limits'] as const) {
    const q = obj(res[kind]);
    for (const r of ['cpu', 'memory'] as const) {
      const v = q[r];
      if (v === undefined) continue;
      if ((typeof v === 'string' && !QUANTITY_RE.test(v)) || (typeof v === 'number' && v < 0)) out.error(`spec.resources.${kind}.${r}`, `spec.resources.${kind}.${r} "${String(v)}" is not a quantity (e.g. ${r === 'cpu' ? '100m or 1' : '256Mi'})`);
    }
  }
  for (const [path, v] of [
    ['spec.mesos.credentialsSecret', mesos.credentialsSecret],
    ['spec.mesos.zkCredentialsSecret', mesos.zkCredentialsSecret],
    ['spec.mesos.tls.caSecret', mesosTls.caSecret],
    ['spec.mesos.tls.clientSecret', mesosTls.clientSecret],
    ['spec.etcd.tlsSecret', etcd.tlsSecret],
    ['spec.etcd.credentialsSecret', etcd.credentialsSecret],
  ] as const) {
    if (typeof v === 'string' && !DNS_SUBDOMAIN_RE.test(v)) out.error(path, `${path} "${v}" is not a valid Secret name (lowercase DNS subdomain)`);
  }
  const eps = strList(etcd.endpoints);
  if (typeof etcd.tlsSecret === 'string' && eps && eps.length && eps.every((e) => e.startsWith('http://'))) {
    out.warn('spec.etcd.tlsSecret', 'spec.etcd.tlsSecret is set but every endpoint is http://; TLS is only used for https:// endpoints');
  }

  const fam = (k: string) => obj(flags[k]);
  checkShared(
    {
      ha,
      checkpoint: typeof flags.checkpoint === 'boolean' ? flags.checkpoint : undefined,
      failoverTimeout: typeof flags.failoverTimeout === 'string' || typeof flags.failoverTimeout === 'number' ? flags.failoverTimeout : undefined,
      frameworkName: (str(flags.frameworkName)?.length ?? 0) <= 63 ? str(flags.frameworkName) || undefined : undefined,
      kmPath: str(flags.kmPath),
      executorPath: str(flags.executorPath),
      proxyPath: str(flags.proxyPath),
      apiServers: strList(flags.apiServers),
      authPath: str(flags.authPath),
      families: { cluster: fam('cluster'), executor: fam('executor'), kubelet: fam('kubelet') },
      reconcileInterval: typeof flags.reconcileInterval === 'string' || typeof flags.reconcileInterval === 'number' ? flags.reconcileInterval : undefined,
      taskRetention: typeof flags.taskRetention === 'string' || typeof flags.taskRetention === 'number' ? flags.taskRetention : undefined,
      mesosMaster: str(mesos.master) || undefined,
      mesosUser: str(mesos.user),
      mesosRoles: strList(mesos.roles)?.length ? strList(mesos.roles) : undefined,
      mesosPrincipal: str(mesos.principal),
      hasMesosSecret: typeof mesos.credentialsSecret === 'string',
      hasZkCredentials: typeof mesos.zkCredentialsSecret === 'string',
      mesosTls: typeof mesos.tls === 'object' && mesos.tls !== null,
      hasMesosCa: typeof mesosTls.caSecret === 'string',
      hasMesosClientCert: typeof mesosTls.clientSecret === 'string',
      hasEtcdCredentials: typeof etcd.credentialsSecret === 'string',
      etcdEndpoints: eps && eps.length ? eps : undefined,
      etcdPrefix: str(etcd.prefix),
      leaseTTLSeconds: typeof etcd.leaseTTLSeconds === 'number' && Number.isInteger(etcd.leaseTTLSeconds) && etcd.leaseTTLSeconds >= MIN_LEASE_TTL_SECONDS && etcd.leaseTTLSeconds <= MAX_LEASE_TTL_SECONDS ? etcd.leaseTTLSeconds : undefined,
    },
    specNamer,
    out,
    'spec',
  );
  return dedupe(out.result());
}

/** Schema and semantic checks can both catch one problem (e.g. an empty list): keep the first per path+message
 * and drop later ones on the same path that add nothing. */
function dedupe(r: ValidationResult): ValidationResult {
  const seen = new Set<string>();
  const errors = r.errors.filter((e) => {
    const k = `${e.path}\u0000${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { errors, warnings: r.warnings };
}

export function formatIssue(i: Issue): string {
  return `${i.severity === 'error' ? 'error' : 'warning'}: ${i.path}: ${i.message}`;
}
