// The "Status" and "Conditions" sections of docs/reference.md: every status field (checked against the schema by
// test/unit/docs-reference.test.ts), the printer columns, and every condition reason with an example message
// computed by the operator's own condition functions.
import { printerColumns, statusSchema } from '../api/schema.js';
import { CONDITION_TYPES, GOOD_STATUS, evaluateConditions } from '../operator/conditions.js';
import { CONDITION_DOCS, CONDITION_REASONS, READY_REQUIRES, type ReasonDoc } from '../operator/condition-reasons.js';
import { CONDITION_EXAMPLES } from './condition-examples.js';
import { cell, code, table } from './markdown.js';

/** Every field of SchedulerHA.status (dotted path below status), described. */
export const STATUS_FIELDS: Record<string, string> = {
  observedGeneration: 'The metadata.generation this status describes.',
  conditions: 'The conditions below (metav1.Condition: type, status, reason, message, lastTransitionTime, observedGeneration). lastTransitionTime changes only when the status flips; messages are cut at 32 KiB.',
  'conditions[].type': 'One of the condition types below.',
  'conditions[].status': 'True, False or Unknown (Unknown: the operator could not look, e.g. etcd unreachable).',
  'conditions[].observedGeneration': 'The generation the condition was computed for.',
  'conditions[].lastTransitionTime': 'When the status last flipped.',
  'conditions[].reason': 'CamelCase reason; every reason is listed below.',
  'conditions[].message': 'What was observed, for people.',
  replicas: "The StatefulSet's status.replicas (scheduler pods that exist); 0 without a StatefulSet.",
  readyReplicas: "The StatefulSet's ready replicas. A replica is ready while it leads or stands by in the election; a replica that refuses to lead, or cannot join the election, is not.",
  selector: 'Label selector of the scheduler pods (the scale subresource: `kubectl scale schedha/<name> --replicas=N` works).',
  leader: 'The current leader in the etcd election; absent while there is none; kept from the previous status while etcd cannot be observed.',
  'leader.pod': 'Its pod name (else its --identity, else the lease id of its key).',
  'leader.identity': 'Its candidate identity (--identity, default the pod name).',
  'leader.since': 'When it became leader (its own status record; else when the operator first saw it lead).',
  'leader.leaseID': 'Its etcd lease, in hex (what `etcdctl lease timetolive` and `etcdctl lease revoke` take).',
  'leader.term': 'The create revision of its election key: the term every leader-only write is fenced with.',
  frameworkID: 'The Mesos framework id stored in etcd (`<root>/frameworkid`); kept from the previous status when it cannot be read.',
  frameworkName: 'FrameworkInfo.name (spec.flags.frameworkName).',
  executorHash: 'The executor-config hash the spec renders (for an invalid spec: the deployed configuration) — the desired one; the running leader\'s is in its status record and in ExecutorCompatible.',
  mesosMaster: 'URL of the leading Mesos master (as the operator found it; else as the leader reported it).',
  tasks: "The framework's tasks: from the leading master's GET_TASKS (active, unreachable and pending tasks of this framework) when the operator can ask it, else the leader's registry counts.",
  'tasks.total': 'Number of tasks.',
  'tasks.byState': 'Tasks by Mesos state (TASK_RUNNING, ...).',
  'tasks.lastReconciled': "When the leader's last reconciliation run completed.",
  'tasks.reconcileSeconds': 'How long that run took.',
  lastFailover: 'The last leader change the operator observed (it survives operator restarts only through this field: a change that happened while no operator watched is not recorded).',
  'lastFailover.at': 'When the new leader was seen.',
  'lastFailover.from': 'The previous leader (pod name).',
  'lastFailover.to': 'The new leader (pod name).',
  'lastFailover.reason': 'Why, one of the failover reasons below.',
  'lastFailover.seconds': 'From the trigger (the failover request, the lease revoke, or the old leader key disappearing) to the new leader elected; once that leader reports SUBSCRIBED, its own elected → SUBSCRIBED time is added, so the final value covers the whole hand-over. A change that happened while the operator could not reach etcd (found when its watch came back) is bounded instead: from when it lost sight of etcd to the new leader found (its LeaderChanged Event says "at most"), with no elected → SUBSCRIBED part and no sample in schedulerha_failover_seconds.',
  failoverHandled: 'The last `k8sm.io/failover` value the operator acted on (it wrote it to `<root>/failover-request`): a value is acted on once, even when someone else rewrites that key afterwards.',
};

/** The reasons of status.lastFailover (and the `reason` label of schedulerha_resource_failovers_total). */
export const FAILOVER_REASONS: Record<string, string> = {
  FailoverRequested: 'The k8sm.io/failover annotation was set to a new value and the leader resigned.',
  LeaderPodDeleted: "The leader's pod was being deleted or was gone (kubectl delete, a drain, a rolling update): the operator revoked its lease, unless the leader had resigned first (the reason is recorded either way).",
  LeaderPodReplaced: "The leader's pod was replaced by a new pod of the same name: the operator revoked its lease.",
  LeaderContainerTerminated: "The leader's scheduler container terminated or restarted: the operator revoked its lease.",
  LeaderLost: 'Anything else: the leader resigned on its own (USR1, a write to `<root>/failover-request` by hand, "Framework failed over" from Mesos, a refused executor hash) or its lease expired (a crash the operator did not see as a pod deletion or container termination, a partition, an etcd outage).',
};

/** Dotted paths of every property of a schema (arrays as `[]`). */
export function schemaPaths(s: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  const props = (s.properties as Record<string, Record<string, unknown>> | undefined) ?? {};
  for (const [k, v] of Object.entries(props)) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.push(p);
    if (v.type === 'array' && v.items && (v.items as Record<string, unknown>).properties) out.push(...schemaPaths(v.items as Record<string, unknown>, `${p}[]`));
    else if (v.properties) out.push(...schemaPaths(v, p));
  }
  return out;
}

export function renderStatusSection(): string[] {
  const out: string[] = [];
  out.push('## SchedulerHA status');
  out.push('');
  out.push('Written by the operator in one merge patch per reconcile, only when something changed.');
  out.push('');
  out.push(...table(['Field', 'Description'], schemaPaths(statusSchema).map((p) => {
    const d = STATUS_FIELDS[p];
    if (d === undefined) throw new Error(`status field ${p} is not described in src/docs/status.ts`);
    return [code(`status.${p}`), cell(d)];
  })));
  out.push('');
  out.push('`kubectl get schedha` columns:');
  out.push('');
  out.push(...table(['Column', 'From', 'Shown'], printerColumns.map((c) => [c.name, code(c.jsonPath), 'priority' in c && c.priority ? '`-o wide`' : 'always'])));
  out.push('');
  out.push('### Failover reasons');
  out.push('');
  out.push('`status.lastFailover.reason`, the `reason` label of the operator metric `schedulerha_resource_failovers_total` (and, for the three `LeaderPod…`/`LeaderContainer…` ones, of `schedulerha_lease_revocations_total`):');
  out.push('');
  out.push(...table(['Reason', 'Cause'], Object.entries(FAILOVER_REASONS).map(([r, d]) => [code(r), cell(d)])));
  out.push('');
  return out;
}

export function renderConditionsSection(): string[] {
  const out: string[] = [];
  out.push('## Conditions');
  out.push('');
  out.push(
    'Computed by a pure function of what the operator observed (`src/operator/conditions.ts`); every reason is in `src/operator/condition-reasons.ts`. ' +
      'The example messages below are what that function produces for the situation named (a 2-replica resource named k8sm, framework name Kubernetes).',
  );
  out.push('');
  out.push(...table(['Condition', 'Good', 'Reports'], CONDITION_TYPES.map((t) => [`[${t}](#${t.toLowerCase()})`, GOOD_STATUS[t], cell(CONDITION_DOCS[t].description)])));
  out.push('');
  for (const type of CONDITION_TYPES) {
    out.push(`### ${type}`);
    out.push('');
    out.push(cell(CONDITION_DOCS[type].description));
    out.push('');
    const rows: string[][] = [];
    for (const [reason, doc] of Object.entries(CONDITION_REASONS[type] as Record<string, ReasonDoc>)) {
      const ex = CONDITION_EXAMPLES.find((e) => e.type === type && e.reason === reason);
      if (!ex) throw new Error(`no example for condition ${type}/${reason} in src/docs/condition-examples.ts`);
      const v = evaluateConditions(ex.input)[type];
      if (v.reason !== reason) throw new Error(`the example for ${type}/${reason} produces ${v.reason}`);
      rows.push([code(reason), doc.status, cell(doc.meaning), cell(doc.action ?? ''), `${cell(ex.situation)}: ${code(v.message)}`]);
    }
    out.push(...table(['Reason', 'Status', 'Meaning', 'What to do', 'Example'], rows));
    out.push('');
    if (type === 'Ready') {
      const copied = READY_REQUIRES.filter((t) => t !== 'ConfigValid').flatMap((t) =>
        Object.entries(CONDITION_REASONS[t] as Record<string, ReasonDoc>)
          .filter(([, d]) => d.status !== 'True')
          .map(([r]) => `${code(r)} (${t})`),
      );
      out.push(`When not ready, Ready also carries, with status False, the reason of the first of ${READY_REQUIRES.join(', ')} that is not True, its message prefixed with the condition's name: ${copied.join(', ')}.`);
      out.push('');
    }
  }
  return out;
}
