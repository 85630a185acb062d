// Plan: the desired children of a SchedulerHA, as a pure function of the (defaulted, valid) spec. Nothing here
// does I/O; the reconciler applies the result.
//
//   ConfigMap    <name>-config   the rendered scheduler argv, its hash, the executor-config hash and its inputs
//   Service      <name>          headless: the StatefulSet's governing service and the metrics endpoint (10251)
//   StatefulSet  <name>          N replicas of `schedulerha scheduler <argv>`; POD_NAME/POD_NAMESPACE/POD_IP from
//                                the downward API, /healthz and /readyz probes, Secrets mounted at MOUNTS
//   PodDisruptionBudget <name>   maxUnavailable 1, only when replicas > 1
//
// Every child carries a controller owner reference (garbage collection, and the informers map it back to its
// owner) and `k8sm.io/applied-hash`, the hash of what we rendered: the apply step writes only when that or a
// rendered field differs from the live object.
import { createHash } from 'node:crypto';
import { DEFAULT_HTTP_PORT, MOUNTS, parseSchedulerArgv, specToArgv, type EtcdTlsKeys, type SchedulerConfig } from '../api/flags.js';
import { executorHash, executorHashInputs } from '../api/hash.js';
import { keyLayout, type KeyLayout } from '../api/keys.js';
import { API_VERSION, KIND, type EtcdSpec, type SchedulerHA, type SchedulerHASpec } from '../api/types.js';
import type { KubeObject } from '../kube/informer.js';

export const MANAGED_BY = 'schedulerha-operator';
export const FIELD_MANAGER = 'schedulerha-operator';
export const CONTAINER_NAME = 'scheduler';
const ETCD_TLS_VOLUME = 'etcd-tls';
const ETCD_CREDENTIALS_VOLUME = 'etcd-credentials';
/** The image's user and group (Dockerfile: USER 1000:1000). */
const SCHEDULER_FS_GROUP = 1000;
export const PORT_NAME = 'http-metrics';
export const SCHEDULER_PORT = DEFAULT_HTTP_PORT;

export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  /** The owning SchedulerHA's name, on every child and on the pods (maps a pod back to its owner). */
  owner: 'k8sm.io/schedulerha',
} as const;

export const ANNOTATIONS = {
  appliedHash: 'k8sm.io/applied-hash',
  configHash: 'k8sm.io/config-hash',
  executorHash: 'k8sm.io/executor-hash',
  frameworkName: 'k8sm.io/framework-name',
  /** On the pod template: a hash of the data of the Secrets the scheduler pods mount. */
  secretsHash: 'k8sm.io/secrets-hash',
  /** Set to any new value on a SchedulerHA to ask the leader to resign (manual failover). */
  failover: 'k8sm.io/failover',
} as const;

/** The label selector of every object the operator manages (informers list only these). */
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY}`;

type Obj = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string>; ownerReferences: unknown[] } };

export interface RenderedConfig {
  argv: string[];
  config: SchedulerConfig;
  executorHash: string;
  executorHashInputs: string[];
  /** Hash of the argv: changes whenever any flag changes. */
  configHash: string;
  keys: KeyLayout;
  frameworkName: string;
}

export interface PlanOptions {
  /** The scheduler image when the spec names none (the operator's own image by default). */
  schedulerImage: string;
  /** Hash of the data of the Secrets the pods mount. The scheduler reads their files once, at start: a rotated
   * Secret (a renewed etcd client certificate) must roll the replicas, or the old one runs until it expires. */
  secretsHash?: string;
  /** What spec.etcd.tlsSecret holds (default: ca.crt, tls.crt and tls.key). */
  etcdTlsKeys?: EtcdTlsKeys;
  /** The pods' fsGroup (default 1000, the image's group); null leaves it to the platform (OpenShift SCCs). */
  fsGroup?: number | null;
}

export interface Plan {
  rendered: RenderedConfig;
  names: { statefulSet: string; service: string; configMap: string; pdb: string };
  /** status.selector (scale subresource). */
  selector: string;
  configMap: Obj;
  service: Obj;
  statefulSet: Obj;
  /** undefined = must not exist (replicas ≤ 1). */
  pdb: Obj | undefined;
}

export function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

/** Canonical JSON (sorted keys) so a hash does not depend on key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The scheduler flags a (defaulted) spec renders, and what follows from them. Throws if the argv does not
 * parse — a valid spec always does, so that is a bug. */
export function renderConfig(spec: SchedulerHASpec, opts: { etcdTlsKeys?: EtcdTlsKeys } = {}): RenderedConfig {
  const argv = specToArgv(spec, opts);
  const parsed = parseSchedulerArgv(argv);
  if (parsed.errors.length) throw new Error(`rendered scheduler flags do not parse: ${parsed.errors.map((e) => e.message).join('; ')}`);
  return renderedOf(argv, parsed.config);
}

function renderedOf(argv: string[], c: SchedulerConfig): RenderedConfig {
  return { argv, config: c, executorHash: executorHash(c), executorHashInputs: executorHashInputs(c), configHash: shortHash(argv.join('\n')), keys: keyLayout(c.etcdPrefix, c.frameworkName), frameworkName: c.frameworkName };
}

/** Config of the scheduler replicas deployed from a ConfigMap this operator rendered (args.json), so an invalid
 * new spec can still be observed through what runs. */
export function configFromConfigMap(cm: { data?: Record<string, string> } | undefined): RenderedConfig | undefined {
  const raw = cm?.data?.['args.json'];
  if (!raw) return undefined;
  try {
    return configFromArgv(JSON.parse(raw) as string[]);
  } catch {
    return undefined;
  }
}

/** Config the StatefulSet's pod template runs the scheduler container with (its args, less the pod's own
 * `--port`, which the operator adds to the rendered argv). */
export function configFromStatefulSet(sts: KubeObject | undefined): RenderedConfig | undefined {
  const containers = (sts?.spec as { template?: { spec?: { containers?: { name?: string; args?: unknown }[] } } } | undefined)?.template?.spec?.containers;
  const args = containers?.find((c) => c.name === CONTAINER_NAME)?.args;
  if (!Array.isArray(args) || !args.every((a): a is string => typeof a === 'string')) return undefined;
  return configFromArgv(args.filter((a) => !a.startsWith('--port=')));
}

/** The etcd connection a StatefulSet's replicas use: the endpoints and prefix of its config, and the TLS and
 * credentials Secrets its pod template mounts (the spec may name others by now). */
export function etcdSpecFromStatefulSet(sts: KubeObject, r: RenderedConfig): EtcdSpec {
  const volumes = (sts.spec as { template?: { spec?: { volumes?: { name?: string; secret?: { secretName?: string } }[] } } } | undefined)?.template?.spec?.volumes ?? [];
  const secret = (volume: string): string | undefined => volumes.find((v) => v.name === volume)?.secret?.secretName;
  const tls = secret(ETCD_TLS_VOLUME);
  const creds = secret(ETCD_CREDENTIALS_VOLUME);
  return { endpoints: r.config.etcdServers, prefix: r.config.etcdPrefix, ...(tls ? { tlsSecret: tls } : {}), ...(creds ? { credentialsSecret: creds } : {}) };
}

function configFromArgv(argv: string[]): RenderedConfig | undefined {
  const parsed = parseSchedulerArgv(argv);
  return parsed.errors.length ? undefined : renderedOf(argv, parsed.config);
}

export function selectorLabels(name: string): Record<string, string> {
  return { [LABELS.name]: 'schedulerha-scheduler', [LABELS.instance]: name };
}

export function selectorString(name: string): string {
  return Object.entries(selectorLabels(name))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function ownerReference(sha: SchedulerHA): Record<string, unknown> {
  return { apiVersion: API_VERSION, kind: KIND, name: sha.metadata.name, uid: sha.metadata.uid, controller: true, blockOwnerDeletion: true };
}

function withAppliedHash(o: Obj): Obj {
  const h = shortHash(canonicalJson(o));
  o.metadata.annotations[ANNOTATIONS.appliedHash] = h;
  return o;
}

export function planChildren(sha: SchedulerHA, spec: SchedulerHASpec, opts: PlanOptions): Plan {
  const name = sha.metadata.name!;
  const namespace = sha.metadata.namespace!;
  const rendered = renderConfig(spec, opts.etcdTlsKeys ? { etcdTlsKeys: opts.etcdTlsKeys } : {});
  const replicas = spec.replicas ?? 2;
  const sel = selectorLabels(name);
  const labels = { ...sel, [LABELS.managedBy]: MANAGED_BY, [LABELS.component]: 'scheduler', [LABELS.partOf]: 'schedulerha', [LABELS.owner]: name };
  const owner = ownerReference(sha);
  const meta = (n: string, annotations: Record<string, string> = {}) => ({ name: n, namespace, labels: { ...labels }, annotations, ownerReferences: [owner] });
  const names = { statefulSet: name, service: name, configMap: `${name}-config`, pdb: name };

  const configMap = withAppliedHash({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(names.configMap),
    data: {
      args: rendered.argv.join('\n'),
      'args.json': JSON.stringify(rendered.argv),
      'config-hash': rendered.configHash,
      'executor-hash': rendered.executorHash,
      'executor-hash-inputs': rendered.executorHashInputs.join('\n'),
      'framework-name': rendered.frameworkName,
      'etcd-root': rendered.keys.root,
    },
  });

  const service = withAppliedHash({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(names.service, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(SCHEDULER_PORT), 'prometheus.io/path': '/metrics' }),
    spec: {
      clusterIP: 'None',
      selector: sel,
      // Standbys and refused replicas are scraped too: they report why they are not leading.
      publishNotReadyAddresses: true,
      ports: [{ name: PORT_NAME, port: SCHEDULER_PORT, targetPort: PORT_NAME, protocol: 'TCP' }],
    },
  });

  const volumes: unknown[] = [];
  const mounts: unknown[] = [];
  const secretVolume = (volName: string, secretName: string, path: string) => {
    volumes.push({ name: volName, secret: { secretName, defaultMode: 0o440 } });
    mounts.push({ name: volName, mountPath: path, readOnly: true });
  };
  if (spec.etcd.tlsSecret) secretVolume(ETCD_TLS_VOLUME, spec.etcd.tlsSecret, MOUNTS.etcdTls);
  if (spec.etcd.credentialsSecret) secretVolume(ETCD_CREDENTIALS_VOLUME, spec.etcd.credentialsSecret, MOUNTS.etcdCredentials);
  if (spec.mesos.credentialsSecret) secretVolume('mesos-credentials', spec.mesos.credentialsSecret, MOUNTS.mesosCredentials);
  if (spec.mesos.zkCredentialsSecret) secretVolume('zk-credentials', spec.mesos.zkCredentialsSecret, MOUNTS.zkCredentials);
  if (spec.mesos.tls?.caSecret) secretVolume('mesos-ca', spec.mesos.tls.caSecret, MOUNTS.mesosCa);
  if (spec.mesos.tls?.clientSecret) secretVolume('mesos-client-tls', spec.mesos.tls.clientSecret, MOUNTS.mesosClientTls);

  const env: unknown[] = [
    { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
  ];
  if (spec.etcd.credentialsSecret) env.push({ name: 'ETCD_USERNAME', valueFrom: { secretKeyRef: { name: spec.etcd.credentialsSecret, key: 'username' } } });
  if (spec.mesos.zkCredentialsSecret) env.push({ name: 'ZK_USERNAME', valueFrom: { secretKeyRef: { name: spec.mesos.zkCredentialsSecret, key: 'username' } } });

  const resources: Record<string, unknown> = {};
  for (const k of ['requests', 'limits'] as const) {
    const q = spec.resources?.[k];
    if (q && (q.cpu !== undefined || q.memory !== undefined)) resources[k] = { ...(q.cpu !== undefined ? { cpu: String(q.cpu) } : {}), ...(q.memory !== undefined ? { memory: String(q.memory) } : {}) };
  }

  const container: Record<string, unknown> = {
    name: CONTAINER_NAME,
    image: spec.image || opts.schedulerImage,
    imagePullPolicy: spec.imagePullPolicy ?? 'IfNotPresent',
    command: ['schedulerha', 'scheduler'],
    args: [...rendered.argv, `--port=${SCHEDULER_PORT}`],
    env,
    ports: [{ name: PORT_NAME, containerPort: SCHEDULER_PORT, protocol: 'TCP' }],
    livenessProbe: { httpGet: { path: '/healthz', port: PORT_NAME, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 },
    readinessProbe: { httpGet: { path: '/readyz', port: PORT_NAME, scheme: 'HTTP' }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 2, successThreshold: 1 },
    ...(mounts.length ? { volumeMounts: mounts } : {}),
    ...(Object.keys(resources).length ? { resources } : {}),
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };

  const statefulSet = withAppliedHash({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(names.statefulSet, { [ANNOTATIONS.configHash]: rendered.configHash, [ANNOTATIONS.executorHash]: rendered.executorHash }),
    spec: {
      replicas,
      serviceName: names.service,
      selector: { matchLabels: sel },
      // Standbys start together with the leader; updates still roll one pod at a time.
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 5,
      template: {
        metadata: {
          labels: { ...labels },
          annotations: {
            [ANNOTATIONS.configHash]: rendered.configHash,
            [ANNOTATIONS.executorHash]: rendered.executorHash,
            [ANNOTATIONS.frameworkName]: rendered.frameworkName,
            ...(opts.secretsHash ? { [ANNOTATIONS.secretsHash]: opts.secretsHash } : {}),
          },
        },
        spec: {
          serviceAccountName: spec.serviceAccountName ?? 'schedulerha-scheduler',
          ...(spec.priorityClassName ? { priorityClassName: spec.priorityClassName } : {}),
          ...(spec.nodeSelector && Object.keys(spec.nodeSelector).length ? { nodeSelector: { ...spec.nodeSelector } } : {}),
          // Empty strings as the API server stores them: left out (compared as written, they would never match).
          ...(spec.tolerations?.length ? { tolerations: spec.tolerations.map((t) => Object.fromEntries(Object.entries(t).filter(([, v]) => v !== ''))) } : {}),
          automountServiceAccountToken: true,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          // Secret volumes are root-owned, mode 0440: the group is what lets the non-root scheduler (uid 1000 in our
          // image, or any other) read its etcd TLS / credentials and Mesos credentials files.
          securityContext: opts.fsGroup === null ? {} : { fsGroup: opts.fsGroup ?? SCHEDULER_FS_GROUP },
          affinity: {
            // Leader and standby on different nodes when possible: one node failure must not take both.
            podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: sel } } }] },
          },
          containers: [container],
          ...(volumes.length ? { volumes } : {}),
        },
      },
    },
  });

  const pdb =
    replicas > 1
      ? withAppliedHash({
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: meta(names.pdb),
          // A replica that is not ready (an etcd outage, a refused hash) may still be drained: the budget protects
          // ready schedulers, and one that cannot be ready must not hold a node drain up.
          spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: sel } },
        })
      : undefined;

  return { rendered, names, selector: selectorString(name), configMap, service, statefulSet, pdb };
}

/** True when every field `desired` sets has the same value in `actual` (extra fields in `actual`, e.g. server
 * defaults, are fine). A list of named objects (containers, env, volumes, ports, …: list-maps keyed by name) is a
 * subset when each of ours is, under its name: entries another field manager added (`kubectl set env`, a mutating
 * webhook) stay under server-side apply, and must not count as a difference — every pass would apply again. Other
 * lists (args, command) are atomic: same length, element-wise. */
export function isSubset(desired: unknown, actual: unknown): boolean {
  if (desired === undefined) return true;
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual)) return false;
    const named = desired.length > 0 && desired.every((d) => d && typeof d === 'object' && typeof (d as { name?: unknown }).name === 'string');
    if (named) return desired.every((d) => actual.some((a) => a && typeof a === 'object' && (a as { name?: unknown }).name === (d as { name: string }).name && isSubset(d, a)));
    if (actual.length !== desired.length) return false;
    return desired.every((d, i) => isSubset(d, actual[i]));
  }
  if (desired && typeof desired === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => isSubset(v, (actual as Record<string, unknown>)[k]));
  }
  // Int-or-string ports and quantities may come back as the other representation.
  if (typeof desired === 'number' && typeof actual === 'string') return String(desired) === actual;
  return desired === actual;
}

/** Fields of a rendered child the live object must match (quantities are excluded: the API server normalises
 * them, e.g. 0.5 → 500m; their changes are caught by the applied hash). */
export function comparableView(o: Record<string, unknown>): Record<string, unknown> {
  const md = o.metadata as Obj['metadata'];
  const out: Record<string, unknown> = { metadata: { labels: md.labels, annotations: md.annotations, ownerReferences: md.ownerReferences } };
  for (const [k, v] of Object.entries(o)) {
    if (k === 'metadata' || k === 'apiVersion' || k === 'kind') continue;
    out[k] = stripNotCompared(v);
  }
  return out;
}

/** Fields the API server may give back otherwise than we wrote them, compared through the applied hash only:
 * quantities come back normalised ("0.1" → "100m"), and a PodDisruptionBudget's unhealthyPodEvictionPolicy is
 * dropped where the field is off (before 1.27, or its feature gate disabled) — compared, either would re-apply the
 * child on every pass. */
const NOT_COMPARED = new Set(['resources', 'unhealthyPodEvictionPolicy']);

function stripNotCompared(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNotCompared);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (!NOT_COMPARED.has(k)) out[k] = stripNotCompared(x);
    return out;
  }
  return v;
}
