// The leading master's in-memory state (lost on master failover), as plain records.
import type { ExecutorInfo, FrameworkInfo, Offer, TaskInfo, TaskState, TaskStatus } from '../../mesos/types.js';
import type { TimerHandle } from './clock.js';
import type { ResourceBag } from './resources.js';
import type { SimAgent } from './agent.js';
import type { EventStream } from './stream.js';

export interface MasterTask {
  info: TaskInfo;
  frameworkId: string;
  agentId: string;
  executorId?: string;
  /** Latest state known to the master (`task.state`). */
  state: TaskState;
  /** State and uuid of the latest reliable update received for the task. */
  statusUpdateState?: TaskState;
  statusUpdateUuid?: string;
  statuses: TaskStatus[];
  /** Resources the task holds on its agent until it reaches a terminal state. */
  resources: ResourceBag;
  resourcesHeld: boolean;
  role: string;
  unreachableTimeNs?: number;
  /** The `kill_policy` of the last KILL, as the master forwards it to the executor (KillTaskMessage). */
  killPolicy?: Record<string, unknown>;
}

export interface OfferRec {
  id: string;
  frameworkId: string;
  agentId: string;
  role: string;
  resources: ResourceBag;
  offer: Offer;
  timeout?: TimerHandle;
}

export interface RefuseFilter {
  resources: ResourceBag;
  /** The allocation role it applies to: the allocator filters per framework, role and agent. */
  role: string;
  until: number;
  timer?: TimerHandle;
}

export interface FrameworkRec {
  id: string;
  info: FrameworkInfo;
  registeredTime: number;
  reregisteredTime: number;
  unregisteredTime?: number;
  connected: boolean;
  active: boolean;
  recovered: boolean;
  stream?: EventStream;
  heartbeat?: TimerHandle;
  failoverTimer?: TimerHandle;
  tasks: Map<string, MasterTask>;
  unreachableTasks: Map<string, MasterTask>;
  completedTasks: MasterTask[];
  /** agentId → executorId → ExecutorInfo (custom executors only). */
  executors: Map<string, Map<string, ExecutorInfo>>;
  offers: Map<string, OfferRec>;
  filters: Map<string, RefuseFilter[]>;
  suppressedRoles: Set<string>;
  offerConstraints?: unknown;
}

export type AgentStandingState = 'registered' | 'recovered' | 'unreachable' | 'gone';

export interface AgentRec {
  id: string;
  sim: SimAgent;
  standing: AgentStandingState;
  /** Registered and currently reachable (a disconnected agent is still registered until the ping timeout). */
  connected: boolean;
  registeredTime: number;
  reregisteredTime?: number;
  unreachableTime?: number;
  used: ResourceBag;
  offered: ResourceBag;
  /** frameworkId → task ids on this agent (tasks in framework.tasks). */
  tasks: Map<string, Set<string>>;
  /** KILLs for tasks on this agent while it was disconnected: re-sent when it re-registers (Slave::killedTasks). */
  killedTasks?: Map<string, Set<string>>;
  pingTimer?: TimerHandle;
}

export const MAX_COMPLETED_FRAMEWORKS = 50;
export const MAX_COMPLETED_TASKS_PER_FRAMEWORK = 1000;
export const MAX_UNREACHABLE_TASKS_PER_FRAMEWORK = 1000;

export function isTerminal(s: TaskState): boolean {
  return s === 'TASK_FINISHED' || s === 'TASK_FAILED' || s === 'TASK_KILLED' || s === 'TASK_ERROR' || s === 'TASK_LOST' || s === 'TASK_DROPPED' || s === 'TASK_GONE' || s === 'TASK_GONE_BY_OPERATOR';
}
