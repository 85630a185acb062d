// Public entry of the Mesos master emulator. See README.md in this folder.
export { MesosCluster, DEFAULT_AGENT_RESOURCES } from './cluster.js';
export type { MesosClusterOptions, AgentSpec, FailoverOptions, SeedTasksOptions, SeedTaskSpec } from './cluster.js';
export { VirtualClock, RealClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { History } from './history.js';
export type { CallRecord, EventRecord, HistoryRecord, HistoryOptions } from './history.js';
export type { CallFaultRule, Credential } from './http.js';
export type { EventFaultRule, ChunkMode } from './stream.js';
export type { TaskScript, TaskStep, AgentTaskTiming } from './agent.js';
export { SimAgent } from './agent.js';
export type { FrameworkRec, MasterTask, AgentRec, OfferRec } from './model.js';
export { Master } from './master.js';
export { explicitAnswer, explicitAnswers, implicitAnswers, knownTaskAnswer } from './reconcile.js';
export type { ReconcileContext, KnownTaskView, AgentStanding } from './reconcile.js';
