// The "Events" section of docs/reference.md: every Event the operator records. The explicit ones are listed here
// (test/unit/docs-reference.test.ts checks the list against every `recorder.normal(` / `recorder.warning(` call
// in src/); the condition-transition ones follow from the condition reason table and conditionChanges().
import { CONDITION_TYPES, GOOD_STATUS } from '../operator/conditions.js';
import { CONDITION_REASONS, READY_REQUIRES, type ReasonDoc } from '../operator/condition-reasons.js';
import { REPORTING_CONTROLLER } from '../operator/reconciler.js';
import { SCHEDULER_REPORTING_CONTROLLER } from '../scheduler/pods/pod-writes.js';
import { cell, code, table } from './markdown.js';

export interface EventDoc {
  reason: string;
  type: 'Normal' | 'Warning';
  /** The Event's action. */
  action: string;
  when: string;
}

export const OPERATOR_EVENTS: EventDoc[] = [
  { reason: 'Created', type: 'Normal', action: 'Reconcile', when: 'A child was created: the ConfigMap <name>-config, the Service, the StatefulSet or the PodDisruptionBudget.' },
  { reason: 'Updated', type: 'Normal', action: 'Reconcile', when: 'A child was updated because what the spec renders differs from the live object (a spec change, or someone edited the child).' },
  { reason: 'Adopted', type: 'Normal', action: 'Reconcile', when: 'A child of the same name existed without a controller but labelled as this SchedulerHA\'s (left by `kubectl delete --cascade=orphan` of an earlier SchedulerHA of this name): the operator took it over. One labelled otherwise, or controlled by something else, is a ChildConflict instead.' },
  { reason: 'Deleted', type: 'Normal', action: 'Reconcile', when: 'The PodDisruptionBudget was deleted because spec.replicas dropped to 1 or 0.' },
  { reason: 'EtcdClusterUnverified', type: 'Warning', action: 'Reconcile', when: 'spec.etcd.endpoints changed and the operator could not read one side to tell whether they name another etcd cluster (held as ConfigValid=EtcdClusterChanged when they do): the StatefulSet is rolled out anyway, since replicas that cannot reach a cluster cannot lead on it. Once per change.' },
  { reason: 'ExecutorHashSanctioned', type: 'Normal', action: 'Reconcile', when: 'The spec renders an executor-config hash other than the last leader\'s: the operator wrote it to `<root>/desired-executor-hash` before updating the StatefulSet, so updated replicas may take over.' },
  { reason: 'FailoverRequested', type: 'Normal', action: 'Failover', when: 'The k8sm.io/failover annotation got a new value: the operator wrote `<root>/failover-request` and the leader resigns.' },
  { reason: 'FailoverRequested', type: 'Warning', action: 'Failover', when: 'The same, but no leader was elected at that moment (the request is recorded; no replica acts on it later, since only a leader watches the key from its election on).' },
  { reason: 'LeaderLeaseRevoked', type: 'Warning', action: 'Failover', when: "The leader's pod was deleted or replaced, or its scheduler container terminated: the operator revoked the leader's etcd lease so a standby takes over at once instead of after the lease TTL." },
  { reason: 'LeaderChanged', type: 'Normal', action: 'Failover', when: 'A new leader was elected after another; the note names both, the time it took and the failover reason.' },
  { reason: 'Orphaned', type: 'Normal', action: 'Delete', when: 'The resource was deleted with deletionPolicy Orphan: the framework stays registered and the etcd state is kept.' },
  { reason: 'TeardownBlocked', type: 'Warning', action: 'Teardown', when: 'Deletion with deletionPolicy Teardown, but the spec is invalid and no deployed configuration is known: nothing can be torn down (retried every minute); or the scheduler pods run on without a StatefulSet of this resource (deleted with --cascade=orphan), so they cannot be stopped first (retried every 30 s).' },
  { reason: 'TeardownStarted', type: 'Normal', action: 'Teardown', when: 'Deletion with deletionPolicy Teardown: the StatefulSet was deleted so no scheduler runs during TEARDOWN.' },
  { reason: 'FrameworkTornDown', type: 'Normal', action: 'Teardown', when: "TEARDOWN was sent through the leading master's operator API (or the master no longer knew the framework)." },
  { reason: 'TeardownFailed', type: 'Warning', action: 'Teardown', when: 'TEARDOWN failed; the deletion is retried with back-off.' },
];

/** Condition-transition Events: (event reason, type) → the condition values that produce it. */
export function conditionEvents(): Array<{ reason: string; type: 'Normal' | 'Warning'; from: string[] }> {
  const byKey = new Map<string, { reason: string; type: 'Normal' | 'Warning'; from: string[] }>();
  const add = (reason: string, type: 'Normal' | 'Warning', from: string) => {
    const k = `${reason}/${type}`;
    const e = byKey.get(k) ?? { reason, type, from: [] };
    if (!e.from.includes(from)) e.from.push(from);
    byKey.set(k, e);
  };
  for (const t of CONDITION_TYPES) {
    if (t === 'ReplicasReady') continue;
    for (const [reason, d] of Object.entries(CONDITION_REASONS[t] as Record<string, ReasonDoc>)) {
      if (d.status === 'Unknown') continue;
      add(reason, d.status === GOOD_STATUS[t] ? 'Normal' : 'Warning', `${t}=${d.status}`);
    }
  }
  // Ready=False also carries the reasons of the conditions it requires.
  for (const t of READY_REQUIRES) {
    if (t === 'ConfigValid') continue;
    for (const [reason, d] of Object.entries(CONDITION_REASONS[t] as Record<string, ReasonDoc>)) if (d.status !== 'True') add(reason, 'Warning', `Ready=False (${t})`);
  }
  return [...byKey.values()].sort((a, b) => a.reason.localeCompare(b.reason) || a.type.localeCompare(b.type));
}

export function renderEventsSection(): string[] {
  const out: string[] = [];
  out.push('## Events');
  out.push('');
  out.push(
    `The operator records \`events.k8s.io/v1\` Events on the SchedulerHA (reporting controller ${code(REPORTING_CONTROLLER)}): \`kubectl -n <ns> events --for schedulerha/<name>\`. ` +
      'Repeats of the same Event collapse into one with a count (a series); one resource gets at most 50 new Events at once, then one more every 5 s.',
  );
  out.push('');
  out.push('### Actions');
  out.push('');
  out.push(...table(['Reason', 'Type', 'Action', 'When'], OPERATOR_EVENTS.map((e) => [code(e.reason), e.type, e.action, cell(e.when)])));
  out.push('');
  out.push('### Condition transitions (action `Reconcile`)');
  out.push('');
  out.push(
    'When a condition flips status (True ↔ False, or from Unknown to a value) the operator records an Event named after the new reason, Warning if the new value is bad, its note `<Condition>=<status>: <message>`. ' +
      'Also an Event: Degraded staying True with a new first reason. Not Events: ReplicasReady (the StatefulSet and its pods have their own Events), flips to Unknown ("could not look"), and reason or message changes within one status (progress). ' +
      'A new resource gets Events only for problems of the spec itself (ConfigValid False, ExecutorCompatible False, Degraded True). The reasons, with the conditions that carry them ([Conditions](#conditions) says what they mean):',
  );
  out.push('');
  out.push(...table(['Reason', 'Type', 'From'], conditionEvents().map((e) => [code(e.reason), e.type, e.from.join(', ')])));
  out.push('');
  out.push('### Events of the scheduler');
  out.push('');
  out.push(
    `The leading scheduler records one kind of Event, on pods (reporting controller ${code(SCHEDULER_REPORTING_CONTROLLER)}): \`FailedScheduling\`, Warning, action \`Scheduling\`, whenever it writes \`PodScheduled=False Unschedulable\` on a pod no offer can take, with the same words (see troubleshooting: pods stay Pending). ` +
      'Per pod at most 25 at once, then one every 5 min (client-go\'s budget).',
  );
  out.push('');
  return out;
}
