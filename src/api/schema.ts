// The SchedulerHA OpenAPI v3 schema — the single source of truth. The CRD in manifests/crd/ is generated from it
// (`npm run gen`; a test fails when they differ), and the validator checks documents against it with ajv before
// the semantic rules run. Structural schema rules: every node has a type (or x-kubernetes-int-or-string),
// defaults are applied by the API server, unknown fields are pruned (we additionally report them).
import { API_VERSION, GROUP, KIND, LIST_KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './types.js';

type Schema = Record<string, unknown>;

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const bool = (description: string, def?: boolean): Schema => ({ type: 'boolean', description, ...(def === undefined ? {} : { default: def }) });
const intOrString = (description: string, extra: Schema = {}): Schema => ({ 'x-kubernetes-int-or-string': true, description, ...extra });
const familyMap = (family: string): Schema => ({
  type: 'object',
  description: `--${family}-<key>=<value> flags passed to the executor (inputs of the executor-config hash). Keys are kebab-case without the "${family}-" prefix, e.g. {dns: 10.0.0.10}.`,
  additionalProperties: intOrString(`value of --${family}-<key>`),
});
const quantityMap: Schema = {
  type: 'object',
  properties: {
    cpu: intOrString('CPU quantity, e.g. 100m or 1'),
    memory: intOrString('memory quantity, e.g. 256Mi'),
  },
  additionalProperties: false,
};

export const specSchema: Schema = {
  type: 'object',
  description: 'Desired scheduler deployment: replicas, Mesos and etcd endpoints, and the scheduler flags.',
  required: ['mesos', 'etcd'],
  additionalProperties: false,
  properties: {
    replicas: {
      type: 'integer',
      format: 'int32',
      minimum: 0,
      maximum: 9,
      default: 2,
      description: 'Scheduler replicas. More than 1 requires flags.ha; more than 2 works but is reported as Degraded (not extensively tested, as the original k8sm docs warn).',
    },
    image: str('Scheduler image (default: the operator\'s own image).', { minLength: 1 }),
    imagePullPolicy: str('Image pull policy.', { enum: ['Always', 'IfNotPresent', 'Never'] }),
    serviceAccountName: str('ServiceAccount of the scheduler pods (they read, bind and update pods). Default schedulerha-scheduler.', { default: 'schedulerha-scheduler' }),
    priorityClassName: str('PriorityClass of the scheduler pods: the scheduler is what places every pod of this framework, so give it a priority that keeps it from being preempted or evicted before the workloads.', { minLength: 1 }),
    nodeSelector: { type: 'object', description: 'Node labels the scheduler pods must run on (pod spec.nodeSelector).', additionalProperties: { type: 'string' } },
    tolerations: {
      type: 'array',
      description: 'Tolerations of the scheduler pods (pod spec.tolerations), e.g. to run on dedicated control-plane nodes.',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          key: { type: 'string' },
          operator: { type: 'string', enum: ['Exists', 'Equal'] },
          value: { type: 'string' },
          effect: { type: 'string', enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
          tolerationSeconds: { type: 'integer', format: 'int64' },
        },
      },
    },
    resources: {
      type: 'object',
      description:
        'Resource requests and limits of the scheduler container. The default requests (cpu 100m, memory 256Mi, no limits) keep the replicas out of the BestEffort class, whose pods are evicted first and may be starved of CPU past the lease renew deadline; a leader holding 100,000 tasks peaks near 450 MB.',
      additionalProperties: false,
      properties: { requests: quantityMap, limits: quantityMap },
      default: { requests: { cpu: '100m', memory: '256Mi' } },
    },
    mesos: {
      type: 'object',
      description: 'The Mesos cluster the scheduler registers with.',
      required: ['master'],
      additionalProperties: false,
      properties: {
        master: str('zk://[user:pass@]h1:p1,h2:p2/mesos, host:port, http(s)://host:port, or a comma list of masters tried in turn.', { minLength: 1 }),
        user: str('FrameworkInfo.user.', { default: 'root', minLength: 1 }),
        roles: { type: 'array', description: 'FrameworkInfo.roles (MULTI_ROLE).', items: { type: 'string' }, default: ['*'], minItems: 1 },
        principal: str('FrameworkInfo.principal; the HTTP basic-auth user when credentialsSecret is set.'),
        credentialsSecret: str('Secret with key "secret": the principal\'s HTTP authentication secret.'),
        zkCredentialsSecret: str('Secret with keys "username" and "password": ZooKeeper digest credentials for a zk:// master. Prefer it to user:password@ in the URL, which ends up in the ConfigMap and the pods\' command line.'),
        tls: {
          type: 'object',
          description: 'Present (even empty, `tls: {}`): the masters are contacted over https — those ZooKeeper names and those given as host:port as well (an https:// master URL is TLS anyway). Both the scheduler and the operator use it.',
          additionalProperties: false,
          properties: {
            caSecret: str('Secret with key "ca.crt": the CA bundle that verifies the masters. Default: the image\'s system CAs.'),
            clientSecret: str('Secret with keys "tls.crt" and "tls.key" (type kubernetes.io/tls): a client certificate, for masters that require one.'),
          },
        },
      },
    },
    etcd: {
      type: 'object',
      description: 'The etcd cluster used for the election, the framework id and the task registry. Run etcd highly available.',
      required: ['endpoints'],
      additionalProperties: false,
      properties: {
        endpoints: { type: 'array', description: 'http(s)://host:port endpoints.', items: { type: 'string' }, minItems: 1 },
        prefix: str('Key prefix; keys live under <prefix>/<frameworkName>/. Immutable.', {
          default: '/k8sm',
          'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'etcd.prefix is immutable: the replicas under a new prefix would campaign in a new election and register a second framework while the old one still runs, orphaning the tasks of the first' }],
        }),
        leaseTTLSeconds: { type: 'integer', format: 'int32', minimum: 2, maximum: 300, default: 10, description: 'Election lease TTL; a crashed leader is replaced after about this long.' },
        tlsSecret: str('Secret for etcd TLS: ca.crt (the CA that verifies etcd; without it the system CAs) and, when etcd requires client certificates, tls.crt and tls.key. The scheduler pods are given the files it holds.'),
        credentialsSecret: str('Secret with username and password for etcd authentication.'),
      },
    },
    flags: {
      type: 'object',
      description: 'Scheduler flags, named after the original km scheduler flags (camelCase).',
      default: {},
      additionalProperties: false,
      properties: {
        ha: bool('--ha: campaign in the etcd election; required for more than one replica.', true),
        checkpoint: bool('--checkpoint: FrameworkInfo.checkpoint. Cannot be changed after registration.', true),
        failoverTimeout: intOrString('--failover-timeout: Go duration (168h) or seconds. How long Mesos keeps the framework and its tasks while no scheduler is connected.', { default: '168h' }),
        frameworkName: str('--framework-name: FrameworkInfo.name and the etcd key segment; pods choose this scheduler with spec.schedulerName set to it lowercased. Immutable.', {
          default: 'Kubernetes',
          minLength: 1,
          maxLength: 63,
          'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'frameworkName is immutable: changing it would register a second framework and orphan the tasks of the first' }],
        }),
        kmPath: str('--km-path: URI of the km binary the agents fetch (hdfs://, http(s)://, s3://...). Non-local with ha.'),
        executorPath: str('--executor-path: URI of a standalone executor (with proxyPath, instead of kmPath).'),
        proxyPath: str('--proxy-path: URI of the proxy binary (with executorPath).'),
        allowPrivileged: bool('--allow-privileged.', false),
        apiServers: { type: 'array', description: '--api-servers: API server URLs for the executors.', items: { type: 'string' } },
        authPath: str('--auth-path.'),
        profiling: bool('--profiling.', false),
        cluster: familyMap('cluster'),
        executor: familyMap('executor'),
        kubelet: familyMap('kubelet'),
        reconcileInterval: intOrString('--reconcile-interval: period of implicit reconciliation (Go duration or seconds); 0 disables it.', { default: '5m' }),
        taskRetention: intOrString('--task-retention: how long the task registry keeps an ended task of a deleted or finished pod (Go duration or seconds, at least 1s).', { default: '1h' }),
      },
    },
    deletionPolicy: str('What deleting the resource does to the Mesos framework: Orphan (default) keeps it and its tasks running and keeps the etcd state, so re-creating the resource resumes the same framework id; Teardown sends TEARDOWN, which kills every task.', {
      enum: ['Orphan', 'Teardown'],
      default: 'Orphan',
    }),
  },
  'x-kubernetes-validations': [
    { rule: '!has(self.replicas) || self.replicas <= 1 || self.flags.ha', message: 'replicas > 1 requires flags.ha: true (otherwise every replica registers as the framework)' },
    { rule: '!(has(self.flags.kmPath) && has(self.flags.executorPath))', message: 'set flags.kmPath or flags.executorPath + flags.proxyPath, not both' },
    { rule: 'has(self.flags.executorPath) == has(self.flags.proxyPath)', message: 'flags.executorPath and flags.proxyPath go together' },
    { rule: '!self.flags.ha || has(self.flags.kmPath) || has(self.flags.executorPath)', message: 'with flags.ha, set flags.kmPath (or executorPath + proxyPath) to a URI every agent can fetch, e.g. hdfs:///km' },
    {
      rule: "!self.flags.ha || !has(self.flags.kmPath) || (self.flags.kmPath.matches('^[A-Za-z][A-Za-z0-9+.-]*://') && !self.flags.kmPath.startsWith('file://'))",
      message: 'with flags.ha, flags.kmPath must be a non-local URI (hdfs://, http(s)://, s3://...) identical for all replicas, not a local path',
    },
    { rule: '!has(self.mesos.credentialsSecret) || has(self.mesos.principal)', message: 'mesos.credentialsSecret needs mesos.principal' },
  ],
};

const conditionSchema: Schema = {
  type: 'object',
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  properties: {
    type: { type: 'string', maxLength: 316 },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    lastTransitionTime: { type: 'string', format: 'date-time' },
    reason: { type: 'string', maxLength: 1024, minLength: 1 },
    message: { type: 'string', maxLength: 32768 },
  },
};

export const statusSchema: Schema = {
  type: 'object',
  description: 'Observed state, written by the operator.',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64' },
    conditions: {
      type: 'array',
      items: conditionSchema,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
    replicas: { type: 'integer', format: 'int32' },
    readyReplicas: { type: 'integer', format: 'int32' },
    selector: { type: 'string' },
    leader: {
      type: 'object',
      properties: { pod: { type: 'string' }, identity: { type: 'string' }, since: { type: 'string' }, leaseID: { type: 'string' }, term: { type: 'string' } },
    },
    frameworkID: { type: 'string' },
    frameworkName: { type: 'string' },
    executorHash: { type: 'string' },
    mesosMaster: { type: 'string' },
    tasks: {
      type: 'object',
      properties: {
        total: { type: 'integer' },
        byState: { type: 'object', additionalProperties: { type: 'integer' } },
        lastReconciled: { type: 'string' },
        reconcileSeconds: { type: 'number' },
      },
    },
    lastFailover: {
      type: 'object',
      properties: { at: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, reason: { type: 'string' }, seconds: { type: 'number' } },
    },
    failoverHandled: { type: 'string' },
  },
};

export const resourceSchema: Schema = {
  type: 'object',
  description: 'A highly available Kubernetes-on-Mesos scheduler: replicas campaigning in etcd, one registered with the leading Mesos master.',
  required: ['spec'],
  // No CEL rule on metadata.name: a rule on the whole object is evaluated on every write, and one added later
  // would leave existing objects whose name breaks it unable to lose their finalizer (undeletable). A bad name is
  // ConfigValid=False (src/api/validate.ts) and nothing is created under it.
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: specSchema,
    status: statusSchema,
  },
};

export const printerColumns = [
  { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
  { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
  { name: 'Leader', type: 'string', jsonPath: '.status.leader.pod' },
  { name: 'Framework', type: 'string', jsonPath: '.status.frameworkID' },
  { name: 'Tasks', type: 'integer', jsonPath: '.status.tasks.total' },
  { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
  { name: 'Executor', type: 'string', jsonPath: '.status.executorHash', priority: 1 },
  { name: 'Last-Failover', type: 'date', jsonPath: '.status.lastFailover.at', priority: 1 },
  { name: 'Failover-Reason', type: 'string', jsonPath: '.status.lastFailover.reason', priority: 1 },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

/**
 * The schema as a CRD may carry it. The API server refuses `additionalProperties` next to `properties` ("Forbidden:
 * additionalProperties and properties are mutual exclusive", apiextensions validation): there, unknown fields are
 * pruned, and refused under fieldValidation=Strict (kubectl's default). Our own validator keeps
 * `additionalProperties: false`, which is how it reports unknown fields (with a suggestion) before anything is sent.
 */
export function crdSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(crdSchema);
  if (node === null || typeof node !== 'object') return node;
  const o = node as Schema;
  const hasProperties = typeof o.properties === 'object' && o.properties !== null && Object.keys(o.properties).length > 0;
  const out: Schema = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'additionalProperties' && hasProperties) continue;
    // Under `properties` the keys are field names, not schema keywords.
    out[k] = k === 'properties' && v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([f, sub]) => [f, crdSchema(sub)])) : crdSchema(v);
  }
  return out;
}

export function buildCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${PLURAL}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'schedulerha', 'app.kubernetes.io/part-of': 'schedulerha' },
    },
    spec: {
      group: GROUP,
      // Not in the `all` category: `kubectl delete all --all` must not take a SchedulerHA (and, with Teardown, every
      // Mesos task) along with the namespace's workloads.
      names: { kind: KIND, listKind: LIST_KIND, plural: PLURAL, singular: SINGULAR, shortNames: SHORT_NAMES, categories: ['mesos'] },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: crdSchema(resourceSchema) },
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
          },
          additionalPrinterColumns: printerColumns,
        },
      ],
    },
  };
}

export { API_VERSION };
