// The task registry's record for one task, and how a Mesos TaskStatus changes it. Pure.
// Delivery is at-least-once and reconciliation answers repeat what we know, so applying a status is idempotent:
// an update that changes nothing we store produces no write (and a 100k-task reconciliation writes nothing).
import { isTerminalState, type TaskState, type TaskStatus } from '../mesos/types.js';

/** TASK_INTENT: written (fenced) before ACCEPT/LAUNCH, so a launch is never unknown to the next leader. */
export type RegistryState = TaskState | 'TASK_INTENT';

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface TaskRecord {
  id: string;
  agentId?: string;
  executorId?: string;
  hostname?: string;
  state: RegistryState;
  reason?: string;
  message?: string;
  source?: string;
  healthy?: boolean;
  pod?: PodRef;
  /** Launch attempt of the pod this task runs (task ids derive from pod uid + attempt). */
  attempt?: number;
  /** Resources requested at launch, for accounting after failover. */
  resources?: { cpus: number; mem: number; ports: number[] };
  createdAt: string;
  updatedAt: string;
  /** Term of the leader that last wrote the record. */
  term?: string;
}

export function isLive(r: Pick<TaskRecord, 'state'>): boolean {
  return r.state === 'TASK_INTENT' || !isTerminalState(r.state);
}

/** Is moving from `from` to `to` plausible? Terminal states are final except LOST → RUNNING/STARTING, which the
 * proto allows when a partitioned agent comes back (TASK_LOST "is not always terminal"). */
export function acceptsTransition(from: RegistryState, to: TaskState): boolean {
  if (from === 'TASK_INTENT' || from === to) return true;
  if (!isTerminalState(from)) return true;
  if (from === 'TASK_LOST' && (to === 'TASK_RUNNING' || to === 'TASK_STARTING')) return true;
  return false;
}

export interface ApplyResult {
  /** The record to store; undefined when the registry does not know the task. */
  next?: TaskRecord;
  /** Whether `next` differs from the stored record in anything we persist. */
  changed: boolean;
  /** The registry did not know this task. */
  unknown: boolean;
  /** Ignored as stale (e.g. a non-terminal state after a terminal one). */
  stale: boolean;
}

/** The longest TaskStatus.message a record keeps. The message comes from executors and agents (a crash dump,
 * a container log tail) and is unbounded: a record must stay small, or one status could push a registry txn
 * over etcd's request limit (1.5 MiB by default) and block every other update written with it. */
export const MAX_STATUS_MESSAGE_CHARS = 1024;

export function boundedMessage(m: string): string {
  if (m.length <= MAX_STATUS_MESSAGE_CHARS) return m;
  const note = ` … [${m.length - MAX_STATUS_MESSAGE_CHARS} more characters not kept]`;
  // Never split a surrogate pair.
  const cut = /[\ud800-\udbff]/.test(m[MAX_STATUS_MESSAGE_CHARS - 1]!) ? MAX_STATUS_MESSAGE_CHARS - 1 : MAX_STATUS_MESSAGE_CHARS;
  return m.slice(0, cut) + note;
}

export function applyStatus(current: TaskRecord | undefined, s: TaskStatus, now: Date, term?: string): ApplyResult {
  if (!current) return { changed: false, unknown: true, stale: false };
  if (!acceptsTransition(current.state, s.state)) return { next: current, changed: false, unknown: false, stale: true };
  const next: TaskRecord = { ...current };
  next.state = s.state;
  if (s.agent_id?.value) next.agentId = s.agent_id.value;
  if (s.executor_id?.value) next.executorId = s.executor_id.value;
  if (s.reason !== undefined) next.reason = s.reason;
  else delete next.reason;
  if (s.message !== undefined) next.message = boundedMessage(s.message);
  else delete next.message;
  if (s.source !== undefined) next.source = s.source;
  if (s.healthy !== undefined) next.healthy = s.healthy;
  const changed =
    next.state !== current.state ||
    next.agentId !== current.agentId ||
    next.executorId !== current.executorId ||
    next.healthy !== current.healthy ||
    // A different reason for the same terminal state is worth keeping (the pod shows it).
    (isTerminalState(s.state) && next.reason !== current.reason);
  if (!changed) return { next: current, changed: false, unknown: false, stale: false };
  next.updatedAt = now.toISOString();
  if (term !== undefined) next.term = term;
  return { next, changed: true, unknown: false, stale: false };
}

export function countByState(records: Iterable<TaskRecord>): { total: number; byState: Record<string, number> } {
  const byState: Record<string, number> = {};
  let total = 0;
  for (const r of records) {
    total++;
    byState[r.state] = (byState[r.state] ?? 0) + 1;
  }
  return { total, byState };
}

export function encodeRecord(r: TaskRecord): string {
  return JSON.stringify(r);
}

export function decodeRecord(text: string): TaskRecord | undefined {
  try {
    const v = JSON.parse(text) as TaskRecord;
    return typeof v.id === 'string' && typeof v.state === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
