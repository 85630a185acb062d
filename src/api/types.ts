// The SchedulerHA custom resource (k8sm.io/v1alpha1): spec as users write it, status as the operator reports it.
// Plain data only; src/api/schema.ts is the single source of the OpenAPI schema and the CRD.

export const GROUP = 'k8sm.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'SchedulerHA';
export const LIST_KIND = 'SchedulerHAList';
export const PLURAL = 'schedulerhas';
export const SINGULAR = 'schedulerha';
export const SHORT_NAMES = ['schedha'];

export type DeletionPolicy = 'Orphan' | 'Teardown';
export type IntOrString = number | string;

export interface MesosSpec {
  /** zk://[user:pass@]h1:p1[,h2:p2]/path, host:port, http(s)://host:port, or a comma list of the latter. */
  master: string;
  /** FrameworkInfo.user (default root). */
  user?: string;
  /** FrameworkInfo.roles (MULTI_ROLE), default ["*"]. */
  roles?: string[];
  /** FrameworkInfo.principal, also the HTTP basic-auth user when credentialsSecret is set. */
  principal?: string;
  /** Secret (same namespace) with key `secret`: the principal's HTTP basic-auth secret. */
  credentialsSecret?: string;
  /** Secret (same namespace) with keys `username` and `password`: ZooKeeper digest credentials for a zk:// master. */
  zkCredentialsSecret?: string;
  /** Present: the masters are contacted over https (those ZooKeeper names and host:port ones too). */
  tls?: MesosTlsSpec;
}

export interface MesosTlsSpec {
  /** Secret (same namespace) with key `ca.crt` that verifies the masters; default: the image's system CAs. */
  caSecret?: string;
  /** Secret (same namespace) with keys `tls.crt` and `tls.key` (kubernetes.io/tls): a client certificate, for
   * masters that require one. */
  clientSecret?: string;
}

export interface EtcdSpec {
  endpoints: string[];
  /** Key prefix; keys live under <prefix>/<frameworkName>/ (default /k8sm, as k8sm). */
  prefix?: string;
  /** Election lease TTL in seconds (default 10). A crashed leader is replaced after about this long. */
  leaseTTLSeconds?: number;
  /** Secret with ca.crt, tls.crt, tls.key for TLS client authentication. */
  /** Secret with ca.crt and, for client-certificate auth, tls.crt + tls.key (the pods get the files it holds). */
  tlsSecret?: string;
  /** Secret with username and password for etcd authentication. */
  credentialsSecret?: string;
}

/** Scheduler flags, named after the original `km scheduler` flags (camelCase here, --kebab-case on the command line). */
export interface SchedulerFlags {
  ha?: boolean;
  checkpoint?: boolean;
  /** Go duration ("168h") or seconds. */
  failoverTimeout?: IntOrString;
  frameworkName?: string;
  kmPath?: string;
  executorPath?: string;
  proxyPath?: string;
  allowPrivileged?: boolean;
  apiServers?: string[];
  authPath?: string;
  profiling?: boolean;
  /** --cluster-<key>=<value> */
  cluster?: Record<string, IntOrString>;
  /** --executor-<key>=<value> */
  executor?: Record<string, IntOrString>;
  /** --kubelet-<key>=<value> */
  kubelet?: Record<string, IntOrString>;
  /** Period of implicit reconciliation (Go duration or seconds); 0 disables it. */
  reconcileInterval?: IntOrString;
  taskRetention?: IntOrString;
}

export interface ResourceList {
  cpu?: IntOrString;
  memory?: IntOrString;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface SchedulerHASpec {
  replicas?: number;
  /** Scheduler image; default: the operator's own image. */
  image?: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** ServiceAccount the scheduler pods run as (it needs to read, bind and update pods). */
  serviceAccountName?: string;
  priorityClassName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  resources?: { requests?: ResourceList; limits?: ResourceList };
  mesos: MesosSpec;
  etcd: EtcdSpec;
  flags?: SchedulerFlags;
  deletionPolicy?: DeletionPolicy;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** metav1.Condition */
export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface LeaderStatus {
  pod?: string;
  identity?: string;
  since?: string;
  leaseID?: string;
  term?: string;
}

export interface TaskCounts {
  total: number;
  byState: Record<string, number>;
  lastReconciled?: string;
  reconcileSeconds?: number;
}

export interface FailoverRecord {
  at: string;
  from?: string;
  to?: string;
  reason: string;
  seconds?: number;
}

export interface SchedulerHAStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  replicas?: number;
  readyReplicas?: number;
  /** Label selector of the scheduler pods (scale subresource). */
  selector?: string;
  leader?: LeaderStatus;
  frameworkID?: string;
  frameworkName?: string;
  executorHash?: string;
  mesosMaster?: string;
  tasks?: TaskCounts;
  lastFailover?: FailoverRecord;
  /** The last k8sm.io/failover value the operator acted on. */
  failoverHandled?: string;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
  [k: string]: unknown;
}

export interface SchedulerHA {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: SchedulerHASpec;
  status?: SchedulerHAStatus;
}
