// Pure builders for v1 scheduler calls (shared/reference/mesos-scheduler-api.md §1.3, §1.7). Every call here is
// well-formed by construction: SUBSCRIBE carries the framework id in both places or neither, RECONCILE always has
// a `reconcile` member, ACKNOWLEDGE is only built for updates that carry a uuid.
import { MesosUsageError } from './errors.js';
import type {
  AgentID,
  Call,
  ExecutorID,
  Filters,
  FrameworkCapabilityType,
  FrameworkID,
  FrameworkInfo,
  Labels,
  OfferID,
  OfferOperation,
  TaskID,
  TaskInfo,
  TaskStatus,
} from './types.js';

/** What the scheduler says about itself in SUBSCRIBE. `failoverTimeoutSeconds` is required on purpose: Mesos'
 * default of 0 removes the framework (and kills its tasks) on the first disconnect. */
export interface FrameworkSettings {
  user: string;
  name: string;
  failoverTimeoutSeconds: number;
  /** Cannot be changed after the first registration (the master ignores a change). */
  checkpoint: boolean;
  /** MULTI_ROLE roles; default ["*"]. */
  roles?: string[];
  /** Added to the always-present PARTITION_AWARE and MULTI_ROLE. */
  capabilities?: FrameworkCapabilityType[];
  principal?: string;
  hostname?: string;
  webuiUrl?: string;
  labels?: Labels;
}

export const REQUIRED_CAPABILITIES: readonly FrameworkCapabilityType[] = ['MULTI_ROLE', 'PARTITION_AWARE'];

/** The largest failover_timeout a Duration of int64 nanoseconds can hold (the master rejects more). */
export const MAX_FAILOVER_TIMEOUT_SECONDS = 9_223_372_036;

export function validateFrameworkSettings(s: FrameworkSettings): string[] {
  const errs: string[] = [];
  if (!s.user) errs.push('framework user is empty (HTTP schedulers must set FrameworkInfo.user)');
  if (!s.name) errs.push('framework name is empty');
  if (!Number.isFinite(s.failoverTimeoutSeconds) || s.failoverTimeoutSeconds < 0 || s.failoverTimeoutSeconds > MAX_FAILOVER_TIMEOUT_SECONDS) {
    errs.push(`failover timeout ${s.failoverTimeoutSeconds} s is outside 0..${MAX_FAILOVER_TIMEOUT_SECONDS} s`);
  }
  const roles = s.roles ?? ['*'];
  if (roles.length === 0) errs.push('roles is empty (use ["*"] for the default role)');
  if (new Set(roles).size !== roles.length) errs.push(`roles ${JSON.stringify(roles)} lists a role twice (the master rejects it)`);
  return errs;
}

export function frameworkInfo(s: FrameworkSettings, frameworkId?: string): FrameworkInfo {
  const caps: FrameworkCapabilityType[] = [...REQUIRED_CAPABILITIES];
  for (const c of s.capabilities ?? []) if (!caps.includes(c)) caps.push(c);
  const info: FrameworkInfo = {
    user: s.user,
    name: s.name,
    ...(frameworkId ? { id: { value: frameworkId } } : {}),
    failover_timeout: s.failoverTimeoutSeconds,
    checkpoint: s.checkpoint,
    roles: [...(s.roles ?? ['*'])],
    capabilities: caps.map((type) => ({ type })),
  };
  if (s.principal !== undefined) info.principal = s.principal;
  if (s.hostname !== undefined) info.hostname = s.hostname;
  if (s.webuiUrl !== undefined) info.webui_url = s.webuiUrl;
  if (s.labels !== undefined) info.labels = s.labels;
  return info;
}

/** SUBSCRIBE. With an id, `framework_id` and `framework_info.id` are both set (the master requires equality). */
export function subscribeCall(s: FrameworkSettings, frameworkId?: string, suppressedRoles?: string[]): Call {
  const errs = validateFrameworkSettings(s);
  if (errs.length) throw new MesosUsageError('InvalidFrameworkSettings', `invalid framework settings: ${errs.join('; ')}`);
  const call: Call = { type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo(s, frameworkId) } };
  if (frameworkId) call.framework_id = { value: frameworkId };
  if (suppressedRoles && suppressedRoles.length) call.subscribe!.suppressed_roles = [...suppressedRoles];
  return call;
}

const fw = (id: string): FrameworkID => ({ value: id });
const ids = (xs: ReadonlyArray<string | OfferID>): OfferID[] => xs.map((x) => (typeof x === 'string' ? { value: x } : { value: x.value }));
const idOf = (x: string | { value: string }): { value: string } => (typeof x === 'string' ? { value: x } : { value: x.value });

export function acceptCall(frameworkId: string, offerIds: ReadonlyArray<string | OfferID>, operations: OfferOperation[], filters?: Filters): Call {
  if (offerIds.length === 0) throw new MesosUsageError('EmptyOfferIds', 'ACCEPT needs at least one offer id');
  return { type: 'ACCEPT', framework_id: fw(frameworkId), accept: { offer_ids: ids(offerIds), operations, ...(filters ? { filters } : {}) } };
}

export function launchCall(frameworkId: string, offerIds: ReadonlyArray<string | OfferID>, tasks: TaskInfo[], filters?: Filters): Call {
  return acceptCall(frameworkId, offerIds, [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters);
}

export function declineCall(frameworkId: string, offerIds: ReadonlyArray<string | OfferID>, filters?: Filters): Call {
  if (offerIds.length === 0) throw new MesosUsageError('EmptyOfferIds', 'DECLINE needs at least one offer id');
  return { type: 'DECLINE', framework_id: fw(frameworkId), decline: { offer_ids: ids(offerIds), ...(filters ? { filters } : {}) } };
}

export function killCall(frameworkId: string, taskId: string | TaskID, agentId?: string | AgentID, killPolicy?: Record<string, unknown>): Call {
  return {
    type: 'KILL',
    framework_id: fw(frameworkId),
    kill: { task_id: idOf(taskId), ...(agentId !== undefined ? { agent_id: idOf(agentId) } : {}), ...(killPolicy ? { kill_policy: killPolicy } : {}) },
  };
}

/** True when an UPDATE's status must be acknowledged: only reliable (agent-generated) updates carry a uuid. */
export function needsAcknowledgement(status: TaskStatus): boolean {
  return typeof status.uuid === 'string' && status.uuid.length > 0;
}

/** ACKNOWLEDGE for a status that carries a uuid (and the agent id it came from). Refuses anything else: acking a
 * master-generated update (reconciliation answers, LOST for removed agents, invalid offers) is a bug. */
export function acknowledgeCall(frameworkId: string, status: TaskStatus): Call {
  if (!needsAcknowledgement(status)) {
    throw new MesosUsageError('NotAcknowledgeable', `status update for task ${status.task_id?.value} (${status.state}) has no uuid: it is master-generated and must not be acknowledged`);
  }
  if (!status.agent_id?.value) {
    throw new MesosUsageError('NotAcknowledgeable', `status update for task ${status.task_id?.value} has a uuid but no agent_id; cannot acknowledge it`);
  }
  return {
    type: 'ACKNOWLEDGE',
    framework_id: fw(frameworkId),
    acknowledge: { agent_id: { value: status.agent_id.value }, task_id: { value: status.task_id.value }, uuid: status.uuid! },
  };
}

export interface ReconcileTask {
  task_id: string | TaskID;
  agent_id?: string | AgentID;
}

/** RECONCILE: explicit for the given tasks, implicit for none. `reconcile` is always present (else 400). */
export function reconcileCall(frameworkId: string, tasks: ReadonlyArray<ReconcileTask> = []): Call {
  if (tasks.length === 0) return { type: 'RECONCILE', framework_id: fw(frameworkId), reconcile: { tasks: [] } };
  return {
    type: 'RECONCILE',
    framework_id: fw(frameworkId),
    reconcile: { tasks: tasks.map((t) => ({ task_id: idOf(t.task_id), ...(t.agent_id !== undefined ? { agent_id: idOf(t.agent_id) } : {}) })) },
  };
}

/** REVIVE: `roles` (never the doc example's `role`, which the master ignores and so revives every role). Empty or
 * omitted = all roles. */
export function reviveCall(frameworkId: string, roles?: string[]): Call {
  return { type: 'REVIVE', framework_id: fw(frameworkId), revive: roles && roles.length ? { roles: [...roles] } : {} };
}

export function suppressCall(frameworkId: string, roles?: string[]): Call {
  return { type: 'SUPPRESS', framework_id: fw(frameworkId), suppress: roles && roles.length ? { roles: [...roles] } : {} };
}

/** TEARDOWN removes the framework and kills every task. Only ever sent on an explicit request. */
export function teardownCall(frameworkId: string): Call {
  return { type: 'TEARDOWN', framework_id: fw(frameworkId) };
}

export function shutdownCall(frameworkId: string, executorId: string | ExecutorID, agentId: string | AgentID): Call {
  return { type: 'SHUTDOWN', framework_id: fw(frameworkId), shutdown: { executor_id: idOf(executorId), agent_id: idOf(agentId) } };
}

export function messageCall(frameworkId: string, agentId: string | AgentID, executorId: string | ExecutorID, data: Uint8Array | string): Call {
  const b64 = typeof data === 'string' ? Buffer.from(data, 'utf8').toString('base64') : Buffer.from(data).toString('base64');
  return { type: 'MESSAGE', framework_id: fw(frameworkId), message: { agent_id: idOf(agentId), executor_id: idOf(executorId), data: b64 } };
}
