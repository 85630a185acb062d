// The install manifests as data: the operator's namespace, ServiceAccounts, RBAC, Deployment, metrics Service and
// PodDisruptionBudget, and the per-namespace scheduler set-up (ServiceAccount + ClusterRoleBinding), from one set
// of values shaped exactly like the Helm chart's values.yaml. `npm run gen` renders them with the default values
// into manifests/ (install.yaml, rbac/, operator/, kustomization.yaml); the Helm chart's templates render the same
// objects from the same values (a test proves it for the defaults and for overrides); LocalStack applies the RBAC
// part to run the operator and the scheduler under RBAC.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EDIT_RULES, OPERATOR_RULES, SCHEDULER_RULES, VIEW_RULES, operatorElectionRules, policyRule, type RuleSpec } from './rbac.js';

export interface ChartValues {
  fullnameOverride: string;
  image: { repository: string; tag: string; pullPolicy: string };
  imagePullSecrets: Array<{ name: string }>;
  operator: {
    replicas: number;
    watchNamespace: string;
    schedulerImage: string;
    leaderElection: { enabled: boolean; leaseDuration: string; renewDeadline: string; retryPeriod: string };
    maxConcurrentReconciles: number;
    syncPeriod: string;
    logLevel: string;
    extraArgs: string[];
    nodeOptions: string;
    metricsPort: number;
    healthProbePort: number;
    resources: Record<string, unknown>;
    podAnnotations: Record<string, string>;
    nodeSelector: Record<string, string>;
    tolerations: unknown[];
    affinity: Record<string, unknown>;
    priorityClassName: string;
    podSecurityContext: Record<string, unknown>;
    podDisruptionBudget: { enabled: boolean; maxUnavailable: number };
    metricsService: { enabled: boolean; annotations: Record<string, string> };
  };
  serviceAccount: { name: string; annotations: Record<string, string> };
  scheduler: { serviceAccountName: string; namespaces: string[]; createNamespaces: boolean; fsGroup: number | 'none' };
  rbac: { userRoles: boolean };
}

export interface Release {
  name: string;
  namespace: string;
}

/** The release install.yaml is: `helm install schedulerha … -n schedulerha-system` renders the same objects. */
export const DEFAULT_RELEASE: Release = { name: 'schedulerha', namespace: 'schedulerha-system' };

export function packageVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const p of [join(here, '../../../package.json'), join(here, '../../package.json')]) {
    try {
      const v = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (v.name === 'schedulerha' && v.version) return v.version;
    } catch {
      // try the next
    }
  }
  throw new Error('cannot find the schedulerha package.json');
}

/** Node flags of the operator container (NODE_OPTIONS). V8 sizes the young generation from the machine's memory,
 * not the pod's limit: on a large node its semi-spaces alone grow to ~130 MB during a burst of reconciles. 16 MB
 * measured ~90 MB lower peak RSS for a 1,000-resource cold start at no measurable CPU cost (bench/operator runs
 * the operator with this same value). */
export const OPERATOR_NODE_OPTIONS = '--max-semi-space-size=16';

/** The chart's default values (values.yaml holds the same, documented; a test compares them). */
export function defaultValues(): ChartValues {
  return {
    fullnameOverride: '',
    image: { repository: 'schedulerha', tag: '', pullPolicy: 'IfNotPresent' },
    imagePullSecrets: [],
    operator: {
      replicas: 2,
      watchNamespace: '',
      schedulerImage: '',
      leaderElection: { enabled: true, leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '2s' },
      maxConcurrentReconciles: 4,
      syncPeriod: '10m',
      logLevel: 'info',
      extraArgs: [],
      nodeOptions: OPERATOR_NODE_OPTIONS,
      metricsPort: 8080,
      healthProbePort: 8081,
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      podAnnotations: {},
      nodeSelector: {},
      tolerations: [],
      affinity: {},
      priorityClassName: '',
      podSecurityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
      metricsService: { enabled: true, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' } },
    },
    serviceAccount: { name: '', annotations: {} },
    scheduler: { serviceAccountName: 'schedulerha-scheduler', namespaces: ['mesos'], createNamespaces: true, fsGroup: 1000 },
    rbac: { userRoles: true },
  };
}

/** Deep merge of plain objects (arrays and scalars replace), as Helm merges --set / -f values over values.yaml. */
export function mergeValues<T>(base: T, over: unknown): T {
  if (!over || typeof over !== 'object' || Array.isArray(over)) return (over === undefined ? base : over) as T;
  if (!base || typeof base !== 'object' || Array.isArray(base)) return over as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = mergeValues(out[k], v);
  return out as T;
}

type Obj = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } };

/** A manifest object and the comments that go with it when rendered (rules → why). */
export interface Manifest {
  obj: Obj;
  /** Comment lines above the document. */
  comment?: string;
  /** Comments above each rule (RBAC objects). */
  ruleComments?: string[];
  /** Which file under manifests/ it belongs to. */
  file: string;
}

const RBAC_API = 'rbac.authorization.k8s.io/v1';

export function fullname(v: ChartValues, r: Release): string {
  return (v.fullnameOverride || r.name).slice(0, 63).replace(/-+$/, '');
}

export function appVersion(): string {
  return packageVersion();
}

export function operatorImage(v: ChartValues): string {
  return `${v.image.repository}:${v.image.tag || appVersion()}`;
}

function labels(v: ChartValues, r: Release, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'schedulerha-operator',
    'app.kubernetes.io/instance': r.name,
    'app.kubernetes.io/version': appVersion(),
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'schedulerha',
  };
}

function selectorLabels(r: Release): Record<string, string> {
  return { 'app.kubernetes.io/name': 'schedulerha-operator', 'app.kubernetes.io/instance': r.name };
}

export function operatorServiceAccountName(v: ChartValues, r: Release): string {
  return v.serviceAccount.name || `${fullname(v, r)}-operator`;
}

export function leaseName(v: ChartValues, r: Release): string {
  return `${fullname(v, r)}-operator`;
}

function rolesOf(specs: RuleSpec[]) {
  return { rules: specs.map(policyRule), ruleComments: specs.map((s) => s.why) };
}

/** The operator's identity and permissions. */
export function operatorRbac(v: ChartValues, r: Release): Manifest[] {
  const fn = fullname(v, r);
  const sa = operatorServiceAccountName(v, r);
  const saSubject = [{ kind: 'ServiceAccount', name: sa, namespace: r.namespace }];
  const file = 'rbac/operator.yaml';
  const out: Manifest[] = [
    {
      file,
      comment: 'The operator runs as this ServiceAccount.',
      obj: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: r.namespace, labels: labels(v, r, 'operator'), ...(Object.keys(v.serviceAccount.annotations).length ? { annotations: { ...v.serviceAccount.annotations } } : {}) } },
    },
  ];
  const main = rolesOf(OPERATOR_RULES);
  if (v.operator.watchNamespace) {
    const ns = v.operator.watchNamespace;
    out.push(
      { file, comment: `What the operator does in the one namespace it watches (--namespace=${ns}).`, ruleComments: main.ruleComments, obj: { apiVersion: RBAC_API, kind: 'Role', metadata: { name: `${fn}-operator`, namespace: ns, labels: labels(v, r, 'operator') }, rules: main.rules } },
      { file, obj: { apiVersion: RBAC_API, kind: 'RoleBinding', metadata: { name: `${fn}-operator`, namespace: ns, labels: labels(v, r, 'operator') }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${fn}-operator` }, subjects: saSubject } },
    );
  } else {
    out.push(
      { file, comment: 'What the operator does in every namespace (it watches them all).', ruleComments: main.ruleComments, obj: { apiVersion: RBAC_API, kind: 'ClusterRole', metadata: { name: `${fn}-operator`, labels: labels(v, r, 'operator') }, rules: main.rules } },
      { file, obj: { apiVersion: RBAC_API, kind: 'ClusterRoleBinding', metadata: { name: `${fn}-operator`, labels: labels(v, r, 'operator') }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${fn}-operator` }, subjects: saSubject } },
    );
  }
  if (v.operator.leaderElection.enabled) {
    const le = rolesOf(operatorElectionRules(leaseName(v, r)));
    out.push(
      { file, comment: "Leader election among the operator's replicas, in its own namespace.", ruleComments: le.ruleComments, obj: { apiVersion: RBAC_API, kind: 'Role', metadata: { name: `${fn}-operator-leader-election`, namespace: r.namespace, labels: labels(v, r, 'operator') }, rules: le.rules } },
      { file, obj: { apiVersion: RBAC_API, kind: 'RoleBinding', metadata: { name: `${fn}-operator-leader-election`, namespace: r.namespace, labels: labels(v, r, 'operator') }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${fn}-operator-leader-election` }, subjects: saSubject } },
    );
  }
  return out;
}

/** What the scheduler replicas may do (bound per namespace by schedulerNamespace()). */
export function schedulerClusterRole(v: ChartValues, r: Release): Manifest {
  const s = rolesOf(SCHEDULER_RULES);
  return {
    file: 'rbac/scheduler.yaml',
    comment: `What a scheduler replica does (in every namespace: pods name it by spec.schedulerName wherever they are).\nBound to the scheduler ServiceAccount of each namespace that holds SchedulerHA resources (${fullname(v, r)}-scheduler:<namespace>).`,
    ruleComments: s.ruleComments,
    obj: { apiVersion: RBAC_API, kind: 'ClusterRole', metadata: { name: `${fullname(v, r)}-scheduler`, labels: labels(v, r, 'scheduler') }, rules: s.rules },
  };
}


/** The set-up of one namespace where SchedulerHA resources live: the ServiceAccount their pods run as
 * (spec.serviceAccountName) and its binding to the scheduler ClusterRole (and the namespace itself, with
 * scheduler.createNamespaces). */
export function schedulerNamespace(v: ChartValues, r: Release, ns: string): Manifest[] {
  const file = `rbac/scheduler-namespace-${ns}.yaml`;
  const out: Manifest[] = [];
  if (v.scheduler.createNamespaces) {
    out.push({
      file,
      comment: 'A namespace for SchedulerHA resources (scheduler.namespaces). Helm keeps it on uninstall: deleting it would delete the\nSchedulerHAs in it.',
      obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: labels(v, r, 'scheduler'), annotations: { 'helm.sh/resource-policy': 'keep' } } },
    });
  }
  out.push(
    {
      file,
      comment: `The ServiceAccount of the scheduler pods in ${ns} (spec.serviceAccountName of its SchedulerHAs); its image pull Secrets reach them (the Secrets must exist in ${ns}).`,
      obj: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: v.scheduler.serviceAccountName, namespace: ns, labels: labels(v, r, 'scheduler') }, ...(v.imagePullSecrets.length ? { imagePullSecrets: v.imagePullSecrets } : {}) },
    },
    {
      file,
      obj: {
        apiVersion: RBAC_API,
        kind: 'ClusterRoleBinding',
        metadata: { name: `${fullname(v, r)}-scheduler:${ns}`, labels: labels(v, r, 'scheduler') },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${fullname(v, r)}-scheduler` },
        subjects: [{ kind: 'ServiceAccount', name: v.scheduler.serviceAccountName, namespace: ns }],
      },
    },
  );
  return out;
}

export function userRoles(v: ChartValues, r: Release): Manifest[] {
  if (!v.rbac.userRoles) return [];
  const file = 'rbac/user-roles.yaml';
  const view = rolesOf(VIEW_RULES);
  const edit = rolesOf(EDIT_RULES);
  return [
    {
      file,
      comment: 'For people: read SchedulerHAs. Aggregated into the built-in view, edit and admin roles.',
      ruleComments: view.ruleComments,
      obj: {
        apiVersion: RBAC_API,
        kind: 'ClusterRole',
        metadata: { name: `${fullname(v, r)}-view`, labels: { ...labels(v, r, 'rbac'), 'rbac.authorization.k8s.io/aggregate-to-view': 'true', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } },
        rules: view.rules,
      },
    },
    {
      file,
      comment: "For people: manage SchedulerHAs. Deliberately NOT aggregated into edit / admin: a SchedulerHA runs pods as the\nnamespace's scheduler ServiceAccount, which may bind and delete pods in every namespace. Bind it explicitly.",
      ruleComments: edit.ruleComments,
      obj: { apiVersion: RBAC_API, kind: 'ClusterRole', metadata: { name: `${fullname(v, r)}-edit`, labels: labels(v, r, 'rbac') }, rules: edit.rules },
    },
  ];
}

/** The operator's namespace (install.yaml only: Helm installs into an existing or --create-namespace'd one). */
export function operatorNamespace(v: ChartValues, r: Release): Manifest {
  return {
    file: 'operator/namespace.yaml',
    comment: "The operator's namespace. It runs under the restricted Pod Security Standard.",
    obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: r.namespace, labels: { ...labels(v, r, 'operator'), 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } } },
  };
}

export function operatorWorkload(v: ChartValues, r: Release): Manifest[] {
  const o = v.operator;
  // As the chart's `fail`: without the election every replica acts.
  if (!o.leaderElection.enabled && o.replicas > 1) throw new Error('operator.leaderElection.enabled=false needs operator.replicas: 1 — without the election every replica acts (two operators applying children, revoking leases and tearing frameworks down)');
  const name = `${fullname(v, r)}-operator`;
  const image = operatorImage(v);
  const sel = { ...selectorLabels(r), 'app.kubernetes.io/component': 'operator' };
  const args = [
    o.leaderElection.enabled ? '--leader-elect' : '--no-leader-elect',
    `--leader-election-id=${leaseName(v, r)}`,
    `--leader-elect-lease-duration=${o.leaderElection.leaseDuration}`,
    `--leader-elect-renew-deadline=${o.leaderElection.renewDeadline}`,
    `--leader-elect-retry-period=${o.leaderElection.retryPeriod}`,
    `--metrics-bind-address=:${o.metricsPort}`,
    `--health-probe-bind-address=:${o.healthProbePort}`,
    `--max-concurrent-reconciles=${o.maxConcurrentReconciles}`,
    `--sync-period=${o.syncPeriod}`,
    `--scheduler-image=${o.schedulerImage || image}`,
    `--log-level=${o.logLevel}`,
    `--scheduler-fs-group=${v.scheduler.fsGroup}`,
    ...(o.watchNamespace ? [`--namespace=${o.watchNamespace}`] : []),
    ...o.extraArgs,
  ];
  const podSpec: Record<string, unknown> = {
    serviceAccountName: operatorServiceAccountName(v, r),
    automountServiceAccountToken: true,
    enableServiceLinks: false,
    ...(v.imagePullSecrets.length ? { imagePullSecrets: v.imagePullSecrets } : {}),
    ...(o.priorityClassName ? { priorityClassName: o.priorityClassName } : {}),
    securityContext: o.podSecurityContext,
    // --shutdown-timeout (30 s) for running reconciles, plus the Lease release and the Event flush.
    terminationGracePeriodSeconds: 45,
    affinity: Object.keys(o.affinity).length
      ? o.affinity
      : { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: sel } } }] } },
    ...(Object.keys(o.nodeSelector).length ? { nodeSelector: o.nodeSelector } : {}),
    ...(o.tolerations.length ? { tolerations: o.tolerations } : {}),
    containers: [
      {
        name: 'operator',
        image,
        imagePullPolicy: v.image.pullPolicy,
        command: ['schedulerha', 'operator'],
        args,
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
          ...(o.nodeOptions ? [{ name: 'NODE_OPTIONS', value: o.nodeOptions }] : []),
        ],
        ports: [
          { name: 'metrics', containerPort: o.metricsPort, protocol: 'TCP' },
          { name: 'health', containerPort: o.healthProbePort, protocol: 'TCP' },
        ],
        livenessProbe: { httpGet: { path: '/healthz', port: 'health' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
        readinessProbe: { httpGet: { path: '/readyz', port: 'health' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        resources: o.resources,
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
        terminationMessagePolicy: 'FallbackToLogsOnError',
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      },
    ],
    // Memory-backed: the operator writes the etcd TLS material it reads from Secrets here (src/operator/etcd-pool.ts),
    // which must not reach the node's disk.
    volumes: [{ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }],
  };
  const out: Manifest[] = [
    {
      file: 'operator/deployment.yaml',
      comment: 'The operator: two replicas, one active (Lease election), the other a warm standby.',
      obj: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: r.namespace, labels: labels(v, r, 'operator') },
        spec: {
          replicas: o.replicas,
          selector: { matchLabels: sel },
          // Never fewer than the configured replicas while rolling: the standby stays warm.
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
          template: {
            metadata: { labels: { ...labels(v, r, 'operator') }, annotations: { 'kubectl.kubernetes.io/default-container': 'operator', ...o.podAnnotations } },
            spec: podSpec,
          },
        },
      },
    },
  ];
  if (o.metricsService.enabled) {
    out.push({
      file: 'operator/service.yaml',
      comment: "The operator's Prometheus metrics (every replica; leader_election_master_status tells the active one).",
      obj: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `${name}-metrics`, namespace: r.namespace, labels: labels(v, r, 'operator'), ...(Object.keys(o.metricsService.annotations).length ? { annotations: o.metricsService.annotations } : {}) },
        spec: { type: 'ClusterIP', selector: sel, ports: [{ name: 'metrics', port: o.metricsPort, targetPort: 'metrics', protocol: 'TCP' }] },
      },
    });
  }
  if (o.podDisruptionBudget.enabled) {
    out.push({
      file: 'operator/pdb.yaml',
      comment: 'Voluntary disruptions (drains) take one operator replica at a time.',
      obj: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: r.namespace, labels: labels(v, r, 'operator') }, spec: { maxUnavailable: o.podDisruptionBudget.maxUnavailable, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: sel } } },
    });
  }
  return out;
}

/** Every object of an installation except the CRD (which the caller adds: manifests/crd, the chart's crds/). */
export function installManifests(v: ChartValues = defaultValues(), r: Release = DEFAULT_RELEASE, opts: { namespace?: boolean } = {}): Manifest[] {
  return [
    ...(opts.namespace ? [operatorNamespace(v, r)] : []),
    ...operatorRbac(v, r),
    schedulerClusterRole(v, r),
    ...v.scheduler.namespaces.flatMap((ns) => schedulerNamespace(v, r, ns)),
    ...userRoles(v, r),
    ...operatorWorkload(v, r),
  ];
}
