// Mesos v1 wire types (JSON encoding): protobuf snake_case field names, enums as their string names,
// `bytes` as Base64, message-typed ids as {value}. Shared by the client (src/mesos) and the master emulator
// (src/devstack/mesos) so both speak exactly one shape. Source: include/mesos/v1/mesos.proto,
// include/mesos/v1/scheduler/scheduler.proto, include/mesos/v1/master/master.proto (see
// ../shared/reference/mesos-scheduler-api.md).

export interface Value {
  value: string;
}
export type FrameworkID = Value;
export type AgentID = Value;
export type TaskID = Value;
export type ExecutorID = Value;
export type OfferID = Value;

// ---- Resources ----------------------------------------------------------------------------------------------

export interface Range {
  begin: number;
  end: number;
}

export interface Resource {
  name: string; // "cpus" | "mem" | "disk" | "ports" | ...
  type: 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
  scalar?: { value: number };
  ranges?: { range: Range[] };
  set?: { item: string[] };
  role?: string; // deprecated pre-reservation-refinement field; "*" when unreserved
  allocation_info?: { role: string };
  reservations?: Array<{ type: 'STATIC' | 'DYNAMIC'; role: string; principal?: string }>;
  /** Pre-reservation-refinement format (frameworks without RESERVATION_REFINEMENT): the dynamic reservation of a
   * resource reserved for `role` (absent for a static one). */
  reservation?: { principal?: string; labels?: unknown };
}

export interface Label {
  key: string;
  value?: string;
}
export interface Labels {
  labels: Label[];
}

export interface Attribute {
  name: string;
  type: 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
  scalar?: { value: number };
  ranges?: { range: Range[] };
  set?: { item: string[] };
  text?: { value: string };
}

// ---- Framework ----------------------------------------------------------------------------------------------

export type FrameworkCapabilityType =
  | 'UNKNOWN'
  | 'REVOCABLE_RESOURCES'
  | 'TASK_KILLING_STATE'
  | 'GPU_RESOURCES'
  | 'SHARED_RESOURCES'
  | 'PARTITION_AWARE'
  | 'MULTI_ROLE'
  | 'RESERVATION_REFINEMENT'
  | 'REGION_AWARE'
  | 'AGENT_OPERATION_FEEDBACK';

export interface FrameworkInfo {
  user: string;
  name: string;
  id?: FrameworkID;
  failover_timeout?: number; // seconds (double); Mesos default 0 = removed on disconnect
  checkpoint?: boolean;
  role?: string; // deprecated, non-MULTI_ROLE frameworks
  roles?: string[]; // MULTI_ROLE frameworks
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: Array<{ type: FrameworkCapabilityType }>;
  labels?: Labels;
}

export interface Address {
  hostname?: string;
  ip?: string;
  port: number;
}

export interface MasterInfo {
  id: string;
  ip: number; // IPv4 as a uint32 in network byte order (deprecated)
  port: number;
  pid?: string; // "master@10.0.0.5:5050"
  hostname?: string;
  version?: string;
  address?: Address;
  capabilities?: Array<{ type: string }>;
}

// ---- Tasks and executors ------------------------------------------------------------------------------------

export interface CommandInfo {
  uris?: Array<{ value: string; executable?: boolean; extract?: boolean; cache?: boolean; output_file?: string }>;
  environment?: { variables: Array<{ name: string; type?: 'VALUE' | 'SECRET'; value?: string }> };
  shell?: boolean;
  value?: string;
  arguments?: string[];
  user?: string;
}

export interface ExecutorInfo {
  type?: 'UNKNOWN' | 'DEFAULT' | 'CUSTOM';
  executor_id: ExecutorID;
  framework_id?: FrameworkID;
  command?: CommandInfo;
  resources?: Resource[];
  name?: string;
  source?: string;
  data?: string; // base64
  labels?: Labels;
}

export interface TaskInfo {
  name: string;
  task_id: TaskID;
  agent_id: AgentID;
  resources: Resource[];
  executor?: ExecutorInfo;
  command?: CommandInfo;
  data?: string; // base64
  labels?: Labels;
}

export type TaskState =
  | 'TASK_STAGING'
  | 'TASK_STARTING'
  | 'TASK_RUNNING'
  | 'TASK_KILLING'
  | 'TASK_FINISHED'
  | 'TASK_FAILED'
  | 'TASK_KILLED'
  | 'TASK_ERROR'
  | 'TASK_LOST'
  | 'TASK_DROPPED'
  | 'TASK_UNREACHABLE'
  | 'TASK_GONE'
  | 'TASK_GONE_BY_OPERATOR'
  | 'TASK_UNKNOWN';

export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

/** `protobuf::isTerminalState`. Note TASK_LOST can still be followed by TASK_RUNNING (partitioned agent back). */
export function isTerminalState(s: TaskState): boolean {
  return TERMINAL_TASK_STATES.has(s);
}

export type TaskStatusSource = 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';

export type TaskStatusReason =
  | 'REASON_COMMAND_EXECUTOR_FAILED'
  | 'REASON_CONTAINER_LAUNCH_FAILED'
  | 'REASON_CONTAINER_LIMITATION'
  | 'REASON_EXECUTOR_TERMINATED'
  | 'REASON_EXECUTOR_UNREGISTERED'
  | 'REASON_FRAMEWORK_REMOVED'
  | 'REASON_GC_ERROR'
  | 'REASON_INVALID_FRAMEWORKID'
  | 'REASON_INVALID_OFFERS'
  | 'REASON_MASTER_DISCONNECTED'
  | 'REASON_RECONCILIATION'
  | 'REASON_RESOURCES_UNKNOWN'
  | 'REASON_AGENT_DISCONNECTED'
  | 'REASON_AGENT_REMOVED'
  | 'REASON_AGENT_RESTARTED'
  | 'REASON_AGENT_UNKNOWN'
  | 'REASON_TASK_INVALID'
  | 'REASON_TASK_UNAUTHORIZED'
  | 'REASON_TASK_UNKNOWN'
  | 'REASON_TASK_KILLED_DURING_LAUNCH'
  | 'REASON_AGENT_REMOVED_BY_OPERATOR'
  | 'REASON_AGENT_REREGISTERED';

export interface TaskStatus {
  task_id: TaskID;
  state: TaskState;
  message?: string;
  source?: TaskStatusSource;
  reason?: TaskStatusReason;
  data?: string;
  agent_id?: AgentID;
  executor_id?: ExecutorID;
  timestamp?: number; // seconds, double
  uuid?: string; // base64 of 16 bytes; present only on reliable (agent-generated) updates
  healthy?: boolean;
  labels?: Labels;
  unreachable_time?: { nanoseconds: number };
}

// ---- Offers -------------------------------------------------------------------------------------------------

export interface Offer {
  id: OfferID;
  framework_id: FrameworkID;
  agent_id: AgentID;
  hostname: string;
  url?: { scheme: string; address: Address; path?: string };
  resources: Resource[];
  attributes?: Attribute[];
  executor_ids?: ExecutorID[];
  allocation_info?: { role: string };
}

export interface Filters {
  refuse_seconds?: number;
}

export interface OfferOperation {
  type: 'LAUNCH' | 'LAUNCH_GROUP' | 'RESERVE' | 'UNRESERVE' | 'CREATE' | 'DESTROY' | 'UNKNOWN';
  launch?: { task_infos: TaskInfo[] };
}

// ---- Scheduler calls ----------------------------------------------------------------------------------------

export type CallType =
  | 'UNKNOWN'
  | 'SUBSCRIBE'
  | 'TEARDOWN'
  | 'ACCEPT'
  | 'DECLINE'
  | 'ACCEPT_INVERSE_OFFERS'
  | 'DECLINE_INVERSE_OFFERS'
  | 'REVIVE'
  | 'KILL'
  | 'SHUTDOWN'
  | 'ACKNOWLEDGE'
  | 'ACKNOWLEDGE_OPERATION_STATUS'
  | 'RECONCILE'
  | 'RECONCILE_OPERATIONS'
  | 'MESSAGE'
  | 'REQUEST'
  | 'SUPPRESS'
  | 'UPDATE_FRAMEWORK';

export interface Call {
  type: CallType;
  framework_id?: FrameworkID;
  subscribe?: { framework_info: FrameworkInfo; suppressed_roles?: string[]; offer_constraints?: Record<string, unknown> };
  accept?: { offer_ids: OfferID[]; operations: OfferOperation[]; filters?: Filters };
  decline?: { offer_ids: OfferID[]; filters?: Filters };
  revive?: { roles?: string[] };
  suppress?: { roles?: string[] };
  kill?: { task_id: TaskID; agent_id?: AgentID; kill_policy?: Record<string, unknown> };
  shutdown?: { executor_id: ExecutorID; agent_id: AgentID };
  acknowledge?: { agent_id: AgentID; task_id: TaskID; uuid: string };
  reconcile?: { tasks?: Array<{ task_id: TaskID; agent_id?: AgentID }> };
  message?: { agent_id: AgentID; executor_id: ExecutorID; data: string };
  request?: { requests?: unknown[] };
  update_framework?: { framework_info: FrameworkInfo; suppressed_roles?: string[] };
}

// ---- Scheduler events ---------------------------------------------------------------------------------------

export type EventType =
  | 'UNKNOWN'
  | 'SUBSCRIBED'
  | 'OFFERS'
  | 'INVERSE_OFFERS'
  | 'RESCIND'
  | 'RESCIND_INVERSE_OFFER'
  | 'UPDATE'
  | 'UPDATE_OPERATION_STATUS'
  | 'MESSAGE'
  | 'FAILURE'
  | 'ERROR'
  | 'HEARTBEAT';

export interface Event {
  type: EventType;
  subscribed?: { framework_id: FrameworkID; heartbeat_interval_seconds?: number; master_info?: MasterInfo };
  offers?: { offers: Offer[] };
  rescind?: { offer_id: OfferID };
  update?: { status: TaskStatus };
  message?: { agent_id: AgentID; executor_id: ExecutorID; data: string };
  failure?: { agent_id?: AgentID; executor_id?: ExecutorID; status?: number };
  error?: { message: string };
}

/** The exact ERROR messages the master sends (src/master/master.cpp). */
export const ERROR_FRAMEWORK_FAILED_OVER = 'Framework failed over';
export const ERROR_FRAMEWORK_REMOVED = 'Framework has been removed';

// ---- Operator API (POST /api/v1) ----------------------------------------------------------------------------

export type MasterCallType = 'GET_FRAMEWORKS' | 'GET_TASKS' | 'GET_STATE' | 'GET_MASTER' | 'GET_AGENTS' | 'SUBSCRIBE';

export interface TimeInfo {
  nanoseconds: number;
}

export interface MasterFramework {
  framework_info: FrameworkInfo;
  active: boolean;
  connected: boolean;
  recovered: boolean;
  registered_time?: TimeInfo;
  reregistered_time?: TimeInfo;
  unregistered_time?: TimeInfo;
  offers?: Offer[];
  allocated_resources?: Resource[];
  offered_resources?: Resource[];
}

export interface MasterTask {
  name: string;
  task_id: TaskID;
  framework_id: FrameworkID;
  executor_id?: ExecutorID;
  agent_id: AgentID;
  state: TaskState;
  resources: Resource[];
  statuses: TaskStatus[];
  status_update_state?: TaskState;
  status_update_uuid?: string;
  labels?: Labels;
}

export interface GetFrameworks {
  frameworks: MasterFramework[];
  completed_frameworks: MasterFramework[];
  recovered_frameworks?: FrameworkInfo[];
}

export interface GetTasks {
  tasks: MasterTask[];
  unreachable_tasks: MasterTask[];
  completed_tasks: MasterTask[];
  pending_tasks?: MasterTask[];
  orphan_tasks?: MasterTask[];
}

export interface AgentInfo {
  hostname: string;
  port?: number;
  resources?: Resource[];
  attributes?: Attribute[];
  id?: AgentID;
}

export interface GetAgents {
  agents: Array<{ agent_info: AgentInfo; active: boolean; pid?: string; registered_time?: TimeInfo; total_resources?: Resource[] }>;
  recovered_agents: AgentInfo[];
}

export interface GetExecutors {
  executors: Array<{ executor_info: ExecutorInfo; agent_id: AgentID }>;
  orphan_executors?: unknown[];
}

export interface GetState {
  get_tasks: GetTasks;
  get_executors: GetExecutors;
  get_frameworks: GetFrameworks;
  get_agents: GetAgents;
}

export interface MasterResponse {
  type: MasterCallType | 'GET_MASTER';
  get_frameworks?: GetFrameworks;
  get_tasks?: GetTasks;
  get_state?: GetState;
  get_agents?: GetAgents;
  get_master?: { master_info: MasterInfo; start_time?: number; elected_time?: number };
}
