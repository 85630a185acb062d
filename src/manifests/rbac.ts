// The RBAC rules of the operator and the scheduler: exactly the API calls their code makes, each with why and
// where. This list is what manifests/rbac/, install.yaml and the Helm chart grant (a test checks all three
// against it, and the end-to-end tests run the operator and the scheduler with these permissions against the
// emulator's RBAC authorizer, so a call the list lacks fails there with 403 Forbidden).
import type { PolicyRule } from '../devstack/kube/authz.js';

export interface RuleSpec extends PolicyRule {
  /** Why the rule exists (rendered as a comment above it). */
  why: string;
  /** The code that makes these calls. */
  usedBy: string[];
}

/** The operator, in every namespace it watches (ClusterRole; a Role in the watched namespace with
 * --namespace). */
export const OPERATOR_RULES: RuleSpec[] = [
  {
    apiGroups: ['k8sm.io'],
    resources: ['schedulerhas'],
    verbs: ['list', 'watch', 'patch'],
    why: 'Informer over SchedulerHAs; merge patch of metadata.finalizers (k8sm.io/teardown, only with deletionPolicy Teardown).',
    usedBy: ['src/operator/controller.ts (informer)', 'src/operator/reconciler.ts (ensureFinalizer, removeFinalizer)'],
  },
  {
    apiGroups: ['k8sm.io'],
    resources: ['schedulerhas/status'],
    verbs: ['patch'],
    why: 'One merge patch of .status per reconcile (conditions, leader, framework id, tasks).',
    usedBy: ['src/operator/reconciler.ts (mergePatchCustomStatus)'],
  },
  {
    apiGroups: ['k8sm.io'],
    resources: ['schedulerhas/finalizers'],
    verbs: ['update'],
    why: 'The children carry an ownerReference with blockOwnerDeletion: true; clusters running the OwnerReferencesPermissionEnforcement admission plugin (OpenShift, hardened clusters) allow setting it only to users who may update the owner\'s finalizers.',
    usedBy: ['src/operator/plan.ts (ownerReference)'],
  },
  {
    apiGroups: ['apps'],
    resources: ['statefulsets'],
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
    why: 'Informer; get before creating (the informer sees only labelled objects: never take over one someone else made); server-side apply of the scheduler StatefulSet (patch; an apply that creates the object is also authorized as create); delete before TEARDOWN (deletionPolicy Teardown).',
    usedBy: ['src/operator/controller.ts (informer)', 'src/operator/reconciler.ts (applyChild, finalize)'],
  },
  {
    apiGroups: [''],
    resources: ['configmaps', 'services'],
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
    why: 'Informers; get before creating (see statefulsets); server-side apply of the rendered-argv ConfigMap and the headless Service (create when missing, patch after). delete is never sent: the API server asks for it to change an object\'s ownerReferences, which adopting an orphaned child (left by kubectl delete --cascade=orphan) does; garbage collection removes them with their owner.',
    usedBy: ['src/operator/controller.ts (informers)', 'src/operator/reconciler.ts (applyChild)'],
  },
  {
    apiGroups: ['policy'],
    resources: ['poddisruptionbudgets'],
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
    why: 'Informer; get before creating (see statefulsets); server-side apply of the PodDisruptionBudget while replicas > 1; delete when scaled to 1 or 0.',
    usedBy: ['src/operator/controller.ts (informer)', 'src/operator/reconciler.ts (applyChildren)'],
  },
  {
    apiGroups: [''],
    resources: ['pods'],
    verbs: ['list', 'watch'],
    why: 'Informer over the scheduler pods (label selector app.kubernetes.io/managed-by=schedulerha-operator): readiness, executor hash, and a leader pod that is gone or terminated (its etcd lease is revoked). RBAC cannot restrict a label selector, hence every pod of the namespace.',
    usedBy: ['src/operator/controller.ts (informer)', 'src/operator/reconciler.ts (podsOf; assistedFailover, which reads a leader pod missing from the informer as a list narrowed by metadata.name)', "src/operator/command.ts (resolveSchedulerImage: the operator's own pod, a list narrowed by metadata.name)"],
  },
  {
    apiGroups: [''],
    resources: ['secrets'],
    verbs: ['get'],
    why: 'spec.etcd.tlsSecret, spec.etcd.credentialsSecret, spec.mesos.credentialsSecret, spec.mesos.zkCredentialsSecret and spec.mesos.tls, read by name (never listed or watched) to reach etcd and the Mesos operator API. Their names are chosen per resource, so resourceNames cannot narrow this.',
    usedBy: ['src/operator/reconciler.ts (readSecret)', 'src/operator/etcd-pool.ts'],
  },
  {
    apiGroups: ['events.k8s.io'],
    resources: ['events'],
    verbs: ['create', 'patch'],
    why: 'events.k8s.io/v1 Events about SchedulerHAs (leader changes, failovers, invalid specs); patch updates the series count of a repeated Event.',
    usedBy: ['src/kube/events.ts (eventsV1Sink)', 'src/operator/controller.ts (EventRecorder)'],
  },
];

/** The operator, in its own namespace (Role): the leader-election Lease. */
export function operatorElectionRules(leaseName: string): RuleSpec[] {
  return [
    {
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      verbs: ['create'],
      why: 'Create the leader-election Lease the first time (a create request carries no name, so resourceNames cannot restrict it).',
      usedBy: ['src/kube/lease-store.ts (create)'],
    },
    {
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      resourceNames: [leaseName],
      verbs: ['get', 'update'],
      why: 'Read, renew, take over and release the leader-election Lease (--leader-election-id), and nothing else.',
      usedBy: ['src/kube/lease-store.ts (get, update)', 'src/kube/leader-election.ts'],
    },
  ];
}

/** The scheduler replicas, in every namespace (ClusterRole): pods are scheduled wherever they name this
 * scheduler (spec.schedulerName), like kube-scheduler's. */
export const SCHEDULER_RULES: RuleSpec[] = [
  {
    apiGroups: [''],
    resources: ['pods'],
    verbs: ['list', 'watch', 'delete'],
    why: 'Informer over the pods that name this scheduler (field selector spec.schedulerName, which RBAC cannot restrict); delete with grace 0 once a deleted pod\'s task is gone (the kubelet\'s part, for pods run by Mesos). No patch: that would let the scheduler rewrite any pod\'s containers (its annotations go through the Binding and pods/status, as kube-scheduler has it).',
    usedBy: ['src/scheduler/pods/pod-source.ts (informer)', 'src/scheduler/pods/pod-writes.ts (finishDelete)'],
  },
  {
    apiGroups: [''],
    resources: ['pods/binding'],
    verbs: ['create'],
    why: 'Bind a pod to the node of the Mesos agent its task runs on.',
    usedBy: ['src/scheduler/pods/pod-writes.ts (bind)'],
  },
  {
    apiGroups: [''],
    resources: ['pods/status'],
    verbs: ['patch'],
    why: 'Record the terminal phase (Succeeded / Failed) when a pod\'s task ends, PodScheduled=False Unschedulable (with why) on a pod no offer can take, and the k8sm annotations (task id, executor) of a task launched after the pod was bound (pods/status keeps metadata changes but never the spec).',
    usedBy: ['src/scheduler/pods/pod-writes.ts (setTerminalStatus, markUnschedulable, annotate)'],
  },
  {
    apiGroups: ['events.k8s.io'],
    resources: ['events'],
    verbs: ['create', 'patch'],
    why: 'events.k8s.io/v1 FailedScheduling Events on pods no offer can take, in their namespaces, as kube-scheduler records them; patch updates the series count of a repeated Event.',
    usedBy: ['src/kube/events.ts (eventsV1Sink)', 'src/scheduler/pods/index.ts (EventRecorder)'],
  },
];

/** For people (not bound to anything): read access to SchedulerHAs for everyone with `view` (aggregated), and an
 * editor role to bind explicitly — creating a SchedulerHA runs pods with the scheduler's ServiceAccount (which
 * may bind and delete pods cluster-wide), so it is deliberately not aggregated into `edit` / `admin`. */
export const VIEW_RULES: RuleSpec[] = [
  {
    apiGroups: ['k8sm.io'],
    resources: ['schedulerhas', 'schedulerhas/status'],
    verbs: ['get', 'list', 'watch'],
    why: 'Read SchedulerHAs and their status (kubectl get schedha).',
    usedBy: [],
  },
];

export const EDIT_RULES: RuleSpec[] = [
  {
    apiGroups: ['k8sm.io'],
    resources: ['schedulerhas'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
    why: 'Create, change and delete SchedulerHAs.',
    usedBy: [],
  },
  {
    apiGroups: ['k8sm.io'],
    resources: ['schedulerhas/scale'],
    verbs: ['get', 'update', 'patch'],
    why: 'kubectl scale schedha/<name> --replicas=N.',
    usedBy: [],
  },
  {
    apiGroups: ['k8sm.io'],
    resources: ['schedulerhas/status'],
    verbs: ['get'],
    why: 'Read the status subresource.',
    usedBy: [],
  },
];

/** A rule without its documentation (what goes into the object). */
export function policyRule(r: RuleSpec): PolicyRule {
  return { apiGroups: r.apiGroups, resources: r.resources, ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}), verbs: r.verbs };
}
