// Task reconciliation answers (reference §2.1, §2.2; `Master::reconcile`). Pure functions over plain data, so
// the explicit-reconciliation matrix can be tested case by case and stays O(n) for 100k tasks.
import type { TaskState, TaskStatus } from '../../mesos/types.js';

/** What the master knows about a task that is in `framework.tasks`. */
export interface KnownTaskView {
  task_id: string;
  agent_id: string;
  executor_id?: string;
  state: TaskState;
  status_update_state?: TaskState;
  /** Latest status (for healthy / check_status / container_status). */
  latest?: TaskStatus;
}

export type AgentStanding = 'registered' | 'recovered' | 'unreachable' | 'gone' | 'unknown';

export interface ReconcileContext {
  partitionAware: boolean;
  /** Seconds (double) for the `timestamp` field. */
  nowSeconds: number;
  lookupTask(taskId: string): KnownTaskView | undefined;
  agentStanding(agentId: string): AgentStanding;
  /** `slaves.recovered` is not empty. */
  anyRecoveredAgent: boolean;
  /** For case 4: when the agent became unreachable (ns). */
  unreachableTimeNs(agentId: string): number | undefined;
}

function masterStatus(taskId: string, state: TaskState, message: string, nowSeconds: number, agentId?: string): TaskStatus {
  const s: TaskStatus = {
    task_id: { value: taskId },
    state,
    message,
    source: 'SOURCE_MASTER',
    reason: 'REASON_RECONCILIATION',
    timestamp: nowSeconds,
  };
  if (agentId !== undefined) s.agent_id = { value: agentId };
  return s;
}

/** One answer for a known task: `status_update_state` if set, else `state`; no uuid, no labels/data. */
export function knownTaskAnswer(t: KnownTaskView, nowSeconds: number): TaskStatus {
  const s = masterStatus(t.task_id, t.status_update_state ?? t.state, 'Reconciliation: Latest task state', nowSeconds, t.agent_id);
  if (t.executor_id) s.executor_id = { value: t.executor_id };
  const l = t.latest as (TaskStatus & { check_status?: unknown; container_status?: unknown }) | undefined;
  if (l?.healthy !== undefined) s.healthy = l.healthy;
  const ext = s as TaskStatus & { check_status?: unknown; container_status?: unknown };
  if (l?.check_status !== undefined) ext.check_status = l.check_status;
  if (l?.container_status !== undefined) ext.container_status = l.container_status;
  return s;
}

/**
 * Explicit reconciliation of one `{task_id, agent_id?}` entry: the §2.2 matrix, cases evaluated in order.
 * Returns undefined for case 2 (no reply at all).
 */
export function explicitAnswer(taskId: string, agentId: string | undefined, ctx: ReconcileContext): TaskStatus | undefined {
  const known = ctx.lookupTask(taskId);
  if (known) return knownTaskAnswer(known, ctx.nowSeconds); // case 1
  const standing = agentId !== undefined ? ctx.agentStanding(agentId) : 'unknown';
  // Case 2: the agent has not re-registered after a master failover, or no agent given while any has not.
  if ((agentId !== undefined && standing === 'recovered') || (agentId === undefined && ctx.anyRecoveredAgent)) return undefined;
  const pa = ctx.partitionAware;
  if (agentId !== undefined && standing === 'registered') {
    return masterStatus(taskId, pa ? 'TASK_GONE' : 'TASK_LOST', 'Reconciliation: Task is unknown to the agent', ctx.nowSeconds, agentId); // case 3
  }
  if (agentId !== undefined && standing === 'unreachable') {
    const s = masterStatus(taskId, pa ? 'TASK_UNREACHABLE' : 'TASK_LOST', 'Reconciliation: Task is unreachable', ctx.nowSeconds, agentId); // case 4
    const ns = ctx.unreachableTimeNs(agentId);
    if (ns !== undefined) s.unreachable_time = { nanoseconds: ns };
    return s;
  }
  if (agentId !== undefined && standing === 'gone') {
    return masterStatus(taskId, pa ? 'TASK_GONE_BY_OPERATOR' : 'TASK_LOST', 'Reconciliation: Task is gone', ctx.nowSeconds, agentId); // case 5
  }
  // Case 6: agent unknown or not given.
  return masterStatus(taskId, pa ? 'TASK_UNKNOWN' : 'TASK_LOST', 'Reconciliation: Task is unknown', ctx.nowSeconds, agentId);
}

export function explicitAnswers(entries: ReadonlyArray<{ task_id: { value: string }; agent_id?: { value: string } }>, ctx: ReconcileContext): TaskStatus[] {
  const out: TaskStatus[] = [];
  for (const e of entries) {
    const s = explicitAnswer(e.task_id.value, e.agent_id?.value, ctx);
    if (s) out.push(s);
  }
  return out;
}

/** Implicit reconciliation: every task in `framework.tasks` (never unreachable or completed tasks). */
export function implicitAnswers(tasks: Iterable<KnownTaskView>, nowSeconds: number): TaskStatus[] {
  const out: TaskStatus[] = [];
  for (const t of tasks) out.push(knownTaskAnswer(t, nowSeconds));
  return out;
}
