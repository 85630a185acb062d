// The scheduler's command line, in one table: the original `km scheduler` flag names from the seed (--ha,
// --checkpoint, --failover-timeout, --km-path, --executor-path, --proxy-path, --mesos-master, --etcd-servers,
// --framework-name, --allow-privileged, --api-servers, --auth-path, --profiling and the --cluster-*,
// --executor-*, --kubelet-* families) plus the replica's own runtime flags. The table drives parsing, rendering
// from a SchedulerHA spec, the executor-config hash inputs, `--help`, and the README's flag reference.
//
// Syntax accepted (as Go's flag package and k8sm): `--name=value`, `--name value` (not for booleans), `-name`,
// bare `--bool` = true; `_` and `-` in names are the same flag (`--cluster_dns` == `--cluster-dns`); list
// flags take comma-separated values and may repeat.
import { formatDuration, parseDurationSeconds } from '../util/time.js';
import type { SchedulerFlags, SchedulerHASpec, IntOrString } from './types.js';

export type FlagKind = 'bool' | 'string' | 'list' | 'duration' | 'int';
export type FlagGroup = 'ha' | 'executor' | 'mesos' | 'etcd' | 'runtime';

export interface FlagDef {
  /** Canonical name without dashes, kebab-case. */
  name: string;
  kind: FlagKind;
  /** Property of SchedulerConfig. */
  key: keyof SchedulerConfig;
  group: FlagGroup;
  help: string;
  /** Default as a command-line string; undefined = unset. */
  default?: string;
  /** Where the value comes from in a SchedulerHA spec (documentation and round trip). */
  specPath?: string;
  aliases?: string[];
}

/** Families of executor flags passed through to the executor/kubelet: --cluster-*, --executor-*, --kubelet-*. */
export const FLAG_FAMILIES = ['cluster', 'executor', 'kubelet'] as const;
export type FlagFamily = (typeof FLAG_FAMILIES)[number];

export const DEFAULT_FAILOVER_TIMEOUT_SECONDS = 7 * 24 * 3600; // 1 week (168h), like Marathon and Chronos
export const DEFAULT_FRAMEWORK_NAME = 'Kubernetes';
export const DEFAULT_HTTP_PORT = 10251;

export const FLAGS: readonly FlagDef[] = [
  // HA (seed)
  { name: 'ha', kind: 'bool', key: 'ha', group: 'ha', default: 'false', specPath: 'spec.flags.ha', help: 'Campaign in the etcd election; only the leader registers with Mesos. Required for more than one replica.' },
  { name: 'checkpoint', kind: 'bool', key: 'checkpoint', group: 'ha', default: 'true', specPath: 'spec.flags.checkpoint', help: 'FrameworkInfo.checkpoint: agents checkpoint tasks so they survive agent restarts. Cannot be changed once registered.' },
  { name: 'failover-timeout', kind: 'duration', key: 'failoverTimeoutSeconds', group: 'ha', default: '168h', specPath: 'spec.flags.failoverTimeout', help: 'FrameworkInfo.failover_timeout (Go duration or seconds): how long Mesos keeps the framework and its tasks while no scheduler is connected.' },
  { name: 'framework-name', kind: 'string', key: 'frameworkName', group: 'ha', default: DEFAULT_FRAMEWORK_NAME, specPath: 'spec.flags.frameworkName', help: 'FrameworkInfo.name and the etcd key segment; pods choose this scheduler with spec.schedulerName set to it lowercased (kubernetes).' },
  // Executor (hash inputs)
  { name: 'km-path', kind: 'string', key: 'kmPath', group: 'executor', specPath: 'spec.flags.kmPath', help: 'URI of the km binary the agents fetch (e.g. hdfs:///km). Must be non-local and identical across replicas with --ha.' },
  { name: 'executor-path', kind: 'string', key: 'executorPath', group: 'executor', specPath: 'spec.flags.executorPath', help: 'URI of a standalone executor binary (with --proxy-path instead of --km-path).' },
  { name: 'proxy-path', kind: 'string', key: 'proxyPath', group: 'executor', specPath: 'spec.flags.proxyPath', help: 'URI of the proxy binary (with --executor-path).' },
  { name: 'allow-privileged', kind: 'bool', key: 'allowPrivileged', group: 'executor', default: 'false', specPath: 'spec.flags.allowPrivileged', help: 'Allow privileged containers on the kubelet-executor.' },
  { name: 'api-servers', kind: 'list', key: 'apiServers', group: 'executor', specPath: 'spec.flags.apiServers', help: 'Kubernetes API servers the executors talk to (comma-separated URLs).' },
  { name: 'auth-path', kind: 'string', key: 'authPath', group: 'executor', specPath: 'spec.flags.authPath', help: 'Path of the kubelet-executor auth file.' },
  { name: 'profiling', kind: 'bool', key: 'profiling', group: 'executor', default: 'false', specPath: 'spec.flags.profiling', help: 'Enable profiling on the executors.' },
  // Mesos
  { name: 'mesos-master', kind: 'string', key: 'mesosMaster', group: 'mesos', default: 'localhost:5050', specPath: 'spec.mesos.master', help: 'Mesos master: zk://[user:pass@]h1:p1,h2:p2/mesos, host:port, http(s)://host:port, or a comma list tried in turn.' },
  { name: 'mesos-user', kind: 'string', key: 'mesosUser', group: 'mesos', default: 'root', specPath: 'spec.mesos.user', help: 'FrameworkInfo.user.' },
  { name: 'mesos-roles', kind: 'list', key: 'mesosRoles', group: 'mesos', default: '*', specPath: 'spec.mesos.roles', aliases: ['mesos-framework-roles'], help: 'FrameworkInfo.roles (MULTI_ROLE), comma-separated.' },
  { name: 'mesos-principal', kind: 'string', key: 'mesosPrincipal', group: 'mesos', specPath: 'spec.mesos.principal', help: 'FrameworkInfo.principal and HTTP basic-auth user.' },
  { name: 'mesos-secret-file', kind: 'string', key: 'mesosSecretFile', group: 'mesos', specPath: 'spec.mesos.credentialsSecret', help: 'File holding the principal\'s HTTP basic-auth secret.' },
  { name: 'zk-username', kind: 'string', key: 'zkUsername', group: 'mesos', specPath: 'spec.mesos.zkCredentialsSecret', help: 'ZooKeeper digest user for a zk:// master (instead of user:password@ in the URL, which the command line shows).' },
  { name: 'zk-password-file', kind: 'string', key: 'zkPasswordFile', group: 'mesos', specPath: 'spec.mesos.zkCredentialsSecret', help: 'File holding the ZooKeeper digest password (with --zk-username).' },
  { name: 'mesos-tls', kind: 'bool', key: 'mesosTls', group: 'mesos', default: 'false', specPath: 'spec.mesos.tls', help: 'Contact the masters over https: those ZooKeeper names and those given as host:port (an https:// master URL is TLS anyway).' },
  { name: 'mesos-cafile', kind: 'string', key: 'mesosCaFile', group: 'mesos', specPath: 'spec.mesos.tls.caSecret', help: 'CA bundle to verify https masters (default: the system CAs).' },
  { name: 'mesos-certfile', kind: 'string', key: 'mesosCertFile', group: 'mesos', specPath: 'spec.mesos.tls.clientSecret', help: 'Client certificate for masters that require one (with --mesos-keyfile).' },
  { name: 'mesos-keyfile', kind: 'string', key: 'mesosKeyFile', group: 'mesos', specPath: 'spec.mesos.tls.clientSecret', help: 'Private key of --mesos-certfile.' },
  // etcd
  { name: 'etcd-servers', kind: 'list', key: 'etcdServers', group: 'etcd', specPath: 'spec.etcd.endpoints', help: 'etcd endpoints (comma-separated http(s)://host:port). Required.' },
  { name: 'etcd-prefix', kind: 'string', key: 'etcdPrefix', group: 'etcd', default: '/k8sm', specPath: 'spec.etcd.prefix', help: 'Key prefix; keys live under <prefix>/<framework-name>/.' },
  { name: 'etcd-cafile', kind: 'string', key: 'etcdCaFile', group: 'etcd', specPath: 'spec.etcd.tlsSecret', help: 'CA bundle to verify etcd servers.' },
  { name: 'etcd-certfile', kind: 'string', key: 'etcdCertFile', group: 'etcd', specPath: 'spec.etcd.tlsSecret', help: 'Client certificate for etcd.' },
  { name: 'etcd-keyfile', kind: 'string', key: 'etcdKeyFile', group: 'etcd', specPath: 'spec.etcd.tlsSecret', help: 'Client key for etcd.' },
  { name: 'etcd-username', kind: 'string', key: 'etcdUsername', group: 'etcd', specPath: 'spec.etcd.credentialsSecret', help: 'etcd user name.' },
  { name: 'etcd-password-file', kind: 'string', key: 'etcdPasswordFile', group: 'etcd', specPath: 'spec.etcd.credentialsSecret', help: 'File holding the etcd password.' },
  { name: 'lease-ttl', kind: 'duration', key: 'leaseTtlSeconds', group: 'etcd', default: '10s', specPath: 'spec.etcd.leaseTTLSeconds', help: 'Election lease TTL. The leader stops acting at its renew deadline, before etcd can elect a successor.' },
  // Runtime of the replica (not in the executor hash)
  { name: 'reconcile-interval', kind: 'duration', key: 'reconcileIntervalSeconds', group: 'runtime', default: '5m', specPath: 'spec.flags.reconcileInterval', help: 'Period of implicit reconciliation; 0 disables it.' },
  { name: 'reconcile-initial-backoff', kind: 'duration', key: 'reconcileInitialBackoffSeconds', group: 'runtime', default: '1s', help: 'First wait of explicit reconciliation before re-sending for silent tasks (truncated exponential back-off).' },
  { name: 'reconcile-max-backoff', kind: 'duration', key: 'reconcileMaxBackoffSeconds', group: 'runtime', default: '30s', help: 'Cap of the explicit reconciliation back-off.' },
  { name: 'reconcile-timeout', kind: 'duration', key: 'reconcileTimeoutSeconds', group: 'runtime', default: '15m', help: 'Bound on one explicit reconciliation run (Mesos may stay silent up to 10 min after a master failover); silent tasks are then reported, never left RECONCILING forever.' },
  { name: 'task-retention', kind: 'duration', key: 'taskRetentionSeconds', group: 'runtime', default: '1h', specPath: 'spec.flags.taskRetention', help: 'How long the task registry keeps an ended task of a deleted or finished pod (and ended attempts of a pod beyond the newest few) before the leader deletes its record.' },
  { name: 'address', kind: 'string', key: 'address', group: 'runtime', help: 'HTTP listen address for /healthz /readyz /status /metrics (default: $POD_IP, else 127.0.0.1).' },
  { name: 'port', kind: 'int', key: 'port', group: 'runtime', default: String(DEFAULT_HTTP_PORT), help: 'HTTP listen port (0 = any free port).' },
  { name: 'identity', kind: 'string', key: 'identity', group: 'runtime', help: 'Candidate identity in the election (default: $POD_NAME, else the host name). Each process adds a unique incarnation id.' },
  { name: 'kubeconfig', kind: 'string', key: 'kubeconfig', group: 'runtime', help: 'kubeconfig for the Kubernetes API (default: in-cluster config, else $KUBECONFIG).' },
  { name: 'log-level', kind: 'string', key: 'logLevel', group: 'runtime', default: 'info', help: 'trace, debug, info, warn, error.' },
];

/** Fully parsed scheduler configuration. Durations in seconds. */
export interface SchedulerConfig {
  ha: boolean;
  checkpoint: boolean;
  failoverTimeoutSeconds: number;
  frameworkName: string;
  kmPath?: string;
  executorPath?: string;
  proxyPath?: string;
  allowPrivileged: boolean;
  apiServers: string[];
  authPath?: string;
  profiling: boolean;
  cluster: Record<string, string>;
  executor: Record<string, string>;
  kubelet: Record<string, string>;
  mesosMaster: string;
  mesosUser: string;
  mesosRoles: string[];
  mesosPrincipal?: string;
  mesosSecretFile?: string;
  zkUsername?: string;
  zkPasswordFile?: string;
  mesosTls: boolean;
  mesosCaFile?: string;
  mesosCertFile?: string;
  mesosKeyFile?: string;
  etcdServers: string[];
  etcdPrefix: string;
  etcdCaFile?: string;
  etcdCertFile?: string;
  etcdKeyFile?: string;
  etcdUsername?: string;
  etcdPasswordFile?: string;
  leaseTtlSeconds: number;
  reconcileIntervalSeconds: number;
  reconcileInitialBackoffSeconds: number;
  reconcileMaxBackoffSeconds: number;
  reconcileTimeoutSeconds: number;
  taskRetentionSeconds: number;
  address?: string;
  port: number;
  identity?: string;
  kubeconfig?: string;
  logLevel: string;
  /** Canonical names of the flags given on the command line. */
  explicit: string[];
}

export interface ArgvIssue {
  /** The flag as the user wrote it, or the canonical one. */
  flag: string;
  message: string;
}

export interface ParsedArgv {
  config: SchedulerConfig;
  errors: ArgvIssue[];
}

const BY_NAME = new Map<string, FlagDef>();
for (const f of FLAGS) {
  BY_NAME.set(f.name, f);
  for (const a of f.aliases ?? []) BY_NAME.set(a, f);
}

export function canonicalFlagName(raw: string): string {
  return raw.replace(/^-+/, '').toLowerCase().replace(/_/g, '-');
}

export function findFlag(name: string): FlagDef | undefined {
  return BY_NAME.get(canonicalFlagName(name));
}

/** The family of a --cluster-*, --executor-*, --kubelet-* flag (named flags such as --executor-path excluded). */
export function flagFamily(name: string): { family: FlagFamily; key: string } | undefined {
  const n = canonicalFlagName(name);
  if (BY_NAME.has(n)) return undefined;
  for (const fam of FLAG_FAMILIES) {
    if (n.startsWith(`${fam}-`) && n.length > fam.length + 1) return { family: fam, key: n.slice(fam.length + 1) };
  }
  return undefined;
}

/** The seed's hash inputs: --allow-privileged, --api-servers, --auth-path, --cluster_*, --executor_*,
 * --kubelet_*, --km-path, --profiling, --proxy_path (`-`/`_` spellings are one). */
export function isExecutorHashFlag(name: string): boolean {
  const n = canonicalFlagName(name);
  if (['allow-privileged', 'api-servers', 'auth-path', 'km-path', 'profiling', 'proxy-path'].includes(n)) return true;
  return FLAG_FAMILIES.some((f) => n.startsWith(`${f}-`) && n.length > f.length + 1);
}

function emptyConfig(): SchedulerConfig {
  const c = {
    cluster: {},
    executor: {},
    kubelet: {},
    explicit: [],
  } as unknown as SchedulerConfig;
  for (const f of FLAGS) {
    if (f.default === undefined) {
      if (f.kind === 'list') (c as unknown as Record<string, unknown>)[f.key] = [];
      continue;
    }
    const v = convert(f, f.default);
    if ('value' in v) (c as unknown as Record<string, unknown>)[f.key] = v.value;
  }
  return c;
}

/** Default values of every flag, as parsed. */
export function defaultSchedulerConfig(): SchedulerConfig {
  return emptyConfig();
}

function convert(f: FlagDef, raw: string): { value: unknown } | { error: string } {
  switch (f.kind) {
    case 'bool': {
      const v = raw.toLowerCase();
      if (['true', '1', 't'].includes(v)) return { value: true };
      if (['false', '0', 'f'].includes(v)) return { value: false };
      return { error: `--${f.name} takes true or false, not "${raw}"` };
    }
    case 'string':
      return { value: raw };
    case 'list':
      return { value: raw.split(',').map((s) => s.trim()).filter((s) => s !== '') };
    case 'duration': {
      const s = parseDurationSeconds(raw);
      if (s === undefined) return { error: `--${f.name}: "${raw}" is not a duration (write e.g. 168h, 90m, 30s, or a number of seconds)` };
      return { value: s };
    }
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) return { error: `--${f.name} takes an integer, not "${raw}"` };
      return { value: Number(raw) };
    }
  }
}

/** Nearest known flag name, for "did you mean" hints. */
export function suggestFlag(name: string): string | undefined {
  const n = canonicalFlagName(name);
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of BY_NAME.keys()) {
    const d = editDistance(n, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(n.length / 4)) ? best : undefined;
}

export function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/** Parses scheduler flags. Syntax errors and unknown flags are reported; semantic checks are in validate.ts. */
export function parseSchedulerArgv(argv: readonly string[]): ParsedArgv {
  const config = emptyConfig();
  const errors: ArgvIssue[] = [];
  const explicit = new Set<string>();
  const listSeen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      errors.push({ flag: arg, message: `unexpected argument "${arg}" (scheduler flags look like --name=value)` });
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = eq >= 0 ? arg.slice(0, eq) : arg;
    let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const name = canonicalFlagName(rawName);
    const def = BY_NAME.get(name);
    if (def) {
      if (value === undefined) {
        if (def.kind === 'bool') value = 'true';
        else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) value = argv[++i]!;
        else {
          errors.push({ flag: rawName, message: `--${def.name} needs a value (--${def.name}=VALUE)` });
          continue;
        }
      }
      const v = convert(def, value);
      if ('error' in v) {
        errors.push({ flag: rawName, message: v.error });
        continue;
      }
      if (def.kind === 'list') {
        // A repeated list flag appends; the first occurrence replaces the default.
        const prev = listSeen.has(def.name) ? ((config as unknown as Record<string, string[]>)[def.key] ?? []) : [];
        (config as unknown as Record<string, unknown>)[def.key] = [...prev, ...(v.value as string[])];
        listSeen.add(def.name);
      } else {
        (config as unknown as Record<string, unknown>)[def.key] = v.value;
      }
      explicit.add(def.name);
      continue;
    }
    const fam = flagFamily(name);
    if (fam) {
      if (value === undefined) {
        // A bare family flag is a boolean switch for the executor: the next argument is its value unless it is a
        // flag itself (`-ha` as much as `--ha`; a negative number such as -999 is a value).
        if (i + 1 < argv.length && !/^--?[A-Za-z]/.test(argv[i + 1]!)) value = argv[++i]!;
        else value = 'true';
      }
      config[fam.family][fam.key] = value;
      explicit.add(`${fam.family}-${fam.key}`);
      continue;
    }
    const hint = suggestFlag(name);
    errors.push({ flag: rawName, message: `unknown flag --${name}${hint ? ` (did you mean --${hint}?)` : ''}; run "schedulerha scheduler --help" for the list` });
  }
  config.explicit = [...explicit].sort();
  return { config, errors };
}

// ---- Spec → argv ---------------------------------------------------------------------------------------------

const FLAG_DEFAULTS = new Map(FLAGS.filter((d) => d.default !== undefined).map((d) => [d.name, d.default!]));

/** The parts spec.etcd.tlsSecret holds: `ca.crt`; `tls.crt` with `tls.key`. */
export interface EtcdTlsKeys {
  ca: boolean;
  clientCert: boolean;
}

/** Where the operator mounts the Secrets a spec names. */
export const MOUNTS = {
  etcdTls: '/etc/schedulerha/etcd-tls',
  etcdCredentials: '/etc/schedulerha/etcd-credentials',
  mesosCredentials: '/etc/schedulerha/mesos-credentials',
  zkCredentials: '/etc/schedulerha/zk-credentials',
  mesosCa: '/etc/schedulerha/mesos-ca',
  mesosClientTls: '/etc/schedulerha/mesos-client-tls',
} as const;

function durationArg(v: IntOrString | undefined): string | undefined {
  if (v === undefined) return undefined;
  const s = parseDurationSeconds(v);
  return s === undefined ? String(v) : formatDuration(s);
}

function familyValue(v: IntOrString): string {
  return String(v);
}

/** Renders a replica's flags from a (defaulted) spec, using the seed's flag names, in a stable order. A value equal
 * to the flag's own default is left out: the replica arrives at the same configuration, and a scheduler image
 * pinned to an older version (spec.image) keeps starting after an operator upgrade that knows flags it does not —
 * it fails only on a flag the spec really sets. `etcdTlsKeys`: which files spec.etcd.tlsSecret holds (the operator
 * reads the Secret; default: all three) — a CA-only Secret (etcd without client-certificate auth) must not name
 * certificate files the pods do not have. */
export function specToArgv(spec: SchedulerHASpec, opts: { etcdTlsKeys?: EtcdTlsKeys } = {}): string[] {
  const f: SchedulerFlags = spec.flags ?? {};
  const out: string[] = [];
  const push = (name: string, v: string | undefined) => {
    if (v !== undefined && v !== FLAG_DEFAULTS.get(name)) out.push(`--${name}=${v}`);
  };
  push('ha', f.ha === undefined ? undefined : String(f.ha));
  push('checkpoint', f.checkpoint === undefined ? undefined : String(f.checkpoint));
  push('failover-timeout', durationArg(f.failoverTimeout));
  push('framework-name', f.frameworkName);
  push('km-path', f.kmPath);
  push('executor-path', f.executorPath);
  push('proxy-path', f.proxyPath);
  push('allow-privileged', f.allowPrivileged === undefined ? undefined : String(f.allowPrivileged));
  if (f.apiServers?.length) push('api-servers', f.apiServers.join(','));
  push('auth-path', f.authPath);
  push('profiling', f.profiling === undefined ? undefined : String(f.profiling));
  for (const fam of FLAG_FAMILIES) {
    const m = f[fam] ?? {};
    for (const k of Object.keys(m).sort()) push(`${fam}-${canonicalFlagName(k)}`, familyValue(m[k]!));
  }
  push('reconcile-interval', durationArg(f.reconcileInterval));
  push('task-retention', durationArg(f.taskRetention));
  const m = spec.mesos;
  push('mesos-master', m?.master);
  push('mesos-user', m?.user);
  if (m?.roles?.length) push('mesos-roles', m.roles.join(','));
  push('mesos-principal', m?.principal);
  if (m?.credentialsSecret) push('mesos-secret-file', `${MOUNTS.mesosCredentials}/secret`);
  if (m?.zkCredentialsSecret) {
    push('zk-username', `$(ZK_USERNAME)`);
    push('zk-password-file', `${MOUNTS.zkCredentials}/password`);
  }
  if (m?.tls) {
    push('mesos-tls', 'true');
    if (m.tls.caSecret) push('mesos-cafile', `${MOUNTS.mesosCa}/ca.crt`);
    if (m.tls.clientSecret) {
      push('mesos-certfile', `${MOUNTS.mesosClientTls}/tls.crt`);
      push('mesos-keyfile', `${MOUNTS.mesosClientTls}/tls.key`);
    }
  }
  const e = spec.etcd;
  if (e?.endpoints?.length) push('etcd-servers', e.endpoints.join(','));
  push('etcd-prefix', e?.prefix);
  if (e?.leaseTTLSeconds !== undefined) push('lease-ttl', `${e.leaseTTLSeconds}s`);
  if (e?.tlsSecret) {
    const keys = opts.etcdTlsKeys ?? { ca: true, clientCert: true };
    if (keys.ca) push('etcd-cafile', `${MOUNTS.etcdTls}/ca.crt`);
    if (keys.clientCert) {
      push('etcd-certfile', `${MOUNTS.etcdTls}/tls.crt`);
      push('etcd-keyfile', `${MOUNTS.etcdTls}/tls.key`);
    }
  }
  if (e?.credentialsSecret) {
    push('etcd-username', `$(ETCD_USERNAME)`);
    push('etcd-password-file', `${MOUNTS.etcdCredentials}/password`);
  }
  return out;
}

/** The spec-shaped view of parsed flags (the inverse of specToArgv for everything a spec holds). */
export function configToSpecFields(c: SchedulerConfig): Pick<SchedulerHASpec, 'mesos' | 'etcd' | 'flags'> {
  const flags: SchedulerFlags = {
    ha: c.ha,
    checkpoint: c.checkpoint,
    failoverTimeout: formatDuration(c.failoverTimeoutSeconds),
    frameworkName: c.frameworkName,
    allowPrivileged: c.allowPrivileged,
    profiling: c.profiling,
    apiServers: [...c.apiServers],
    cluster: { ...c.cluster },
    executor: { ...c.executor },
    kubelet: { ...c.kubelet },
    reconcileInterval: formatDuration(c.reconcileIntervalSeconds),
    taskRetention: formatDuration(c.taskRetentionSeconds),
  };
  if (c.kmPath !== undefined) flags.kmPath = c.kmPath;
  if (c.executorPath !== undefined) flags.executorPath = c.executorPath;
  if (c.proxyPath !== undefined) flags.proxyPath = c.proxyPath;
  if (c.authPath !== undefined) flags.authPath = c.authPath;
  return {
    flags,
    mesos: { master: c.mesosMaster, user: c.mesosUser, roles: [...c.mesosRoles], ...(c.mesosPrincipal !== undefined ? { principal: c.mesosPrincipal } : {}), ...(c.mesosTls ? { tls: {} } : {}) },
    etcd: { endpoints: [...c.etcdServers], prefix: c.etcdPrefix, leaseTTLSeconds: c.leaseTtlSeconds },
  };
}

/** `--help` text for `schedulerha scheduler`, grouped. */
export function schedulerFlagsHelp(): string {
  const titles: Record<FlagGroup, string> = {
    ha: 'High availability',
    executor: 'Executor configuration (inputs of the executor-config hash)',
    mesos: 'Mesos',
    etcd: 'etcd',
    runtime: 'Replica runtime',
  };
  const lines: string[] = [];
  for (const g of Object.keys(titles) as FlagGroup[]) {
    lines.push(`${titles[g]}:`);
    for (const f of FLAGS.filter((x) => x.group === g)) {
      const def = f.default !== undefined ? ` (default ${f.default})` : '';
      lines.push(`  --${f.name}${f.kind === 'bool' ? '' : '=VALUE'}`.padEnd(34) + `${f.help}${def}`);
    }
    if (g === 'executor') {
      lines.push('  --cluster-*=VALUE, --executor-*=VALUE, --kubelet-*=VALUE'.padEnd(34) + 'Passed to the executor/kubelet; part of the hash.');
    }
    lines.push('');
  }
  return lines.join('\n');
}
