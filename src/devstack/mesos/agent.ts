// A simulated Mesos agent. Agents outlive master failovers: they hold the truth about running executors and
// tasks, run the task lifecycle (STAGING → STARTING → RUNNING by default, or a scripted sequence), and own the
// status update manager: every update carries a random 16-byte uuid, only the head update of a task is in
// flight, it is re-sent on the agent retry schedule (10 s doubling to 10 min, compressible) until the master
// forwards the scheduler's ACKNOWLEDGE, and then the next one goes out (src/slave/task_status_update_manager.cpp).
import { randomBytes } from 'node:crypto';
import type { ExecutorInfo, FrameworkInfo, Resource, TaskInfo, TaskState, TaskStatus, TaskStatusReason, TaskStatusSource } from '../../mesos/types.js';
import { isTerminalState } from '../../mesos/types.js';
import type { Clock, TimerHandle } from './clock.js';

export interface TaskStep {
  state: TaskState;
  /** Delay after the previous step (ms of clock time). Default 0. */
  afterMs?: number;
  reason?: TaskStatusReason;
  message?: string;
  source?: TaskStatusSource;
  healthy?: boolean;
}

/** Decides the lifecycle of a launched task; return undefined for the default STARTING → RUNNING. */
export type TaskScript = (task: TaskInfo, ctx: { agentId: string; frameworkId: string }) => TaskStep[] | undefined;

export interface AgentTaskTiming {
  startingDelayMs: number;
  runningDelayMs: number;
  killDelayMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

/** What an agent reports to the leading master it is registered with. */
export interface AgentSink {
  statusUpdate(agent: SimAgent, frameworkId: string, status: TaskStatus, latestState: TaskState): void;
  executorExited(agent: SimAgent, frameworkId: string, executorId: string, status: number): void;
}

export interface AgentTask {
  info: TaskInfo;
  frameworkId: string;
  executorId?: string;
  /** Latest state known to the agent. */
  state: TaskState;
  statuses: TaskStatus[];
  /** Unacknowledged reliable updates; the head is the one in flight. */
  pending: TaskStatus[];
  retryMs: number;
  retryTimer?: TimerHandle;
  stepTimers: TimerHandle[];
  /** Whether the task got past launch (a STARTING/RUNNING update was generated). */
  started: boolean;
}

export interface AgentFramework {
  info: FrameworkInfo;
  executors: Map<string, ExecutorInfo>;
  tasks: Map<string, AgentTask>;
}

export function randomUuidB64(): string {
  return randomBytes(16).toString('base64');
}

export class SimAgent {
  readonly frameworks = new Map<string, AgentFramework>();
  /** The master this agent is registered with and can talk to (undefined: none / cut off). */
  sink: AgentSink | undefined;
  /** Network cut between agent and masters (partition hook). */
  partitioned = false;
  private nextLaunchFailure: TaskStep | undefined;

  constructor(
    readonly id: string,
    readonly hostname: string,
    readonly port: number,
    readonly resources: Resource[],
    private readonly clock: Clock,
    private readonly timing: () => AgentTaskTiming,
    private readonly script: () => TaskScript | undefined,
  ) {}

  get pid(): string {
    return `slave(1)@127.0.0.1:${this.port}`;
  }

  framework(id: string): AgentFramework | undefined {
    return this.frameworks.get(id);
  }

  private ensureFramework(info: FrameworkInfo): AgentFramework {
    const id = info.id!.value;
    let fw = this.frameworks.get(id);
    if (!fw) {
      fw = { info, executors: new Map(), tasks: new Map() };
      this.frameworks.set(id, fw);
    } else {
      fw.info = info;
    }
    return fw;
  }

  updateFrameworkInfo(info: FrameworkInfo): void {
    const fw = this.frameworks.get(info.id!.value);
    if (fw) fw.info = info;
  }

  /** Programmatic: the next task launched here fails with this step instead of its normal lifecycle. */
  failNextLaunch(step: Partial<TaskStep> = {}): void {
    this.nextLaunchFailure = {
      state: step.state ?? 'TASK_FAILED',
      reason: step.reason ?? 'REASON_CONTAINER_LAUNCH_FAILED',
      message: step.message ?? 'Failed to launch container (injected by the emulator)',
      source: step.source ?? 'SOURCE_AGENT',
      afterMs: step.afterMs ?? 0,
    };
  }

  /** RunTaskMessage: starts the task's lifecycle. `task.executor.framework_id` is already set. */
  launch(info: FrameworkInfo, task: TaskInfo): void {
    const fw = this.ensureFramework(info);
    const fwId = info.id!.value;
    const exId = task.executor?.executor_id.value;
    if (task.executor && !fw.executors.has(exId!)) fw.executors.set(exId!, task.executor);
    const t: AgentTask = {
      info: task,
      frameworkId: fwId,
      executorId: exId,
      state: 'TASK_STAGING',
      statuses: [],
      pending: [],
      retryMs: this.timing().retryInitialMs,
      stepTimers: [],
      started: false,
    };
    fw.tasks.set(task.task_id.value, t);
    let steps: TaskStep[];
    if (this.nextLaunchFailure) {
      steps = [this.nextLaunchFailure];
      this.nextLaunchFailure = undefined;
    } else {
      const tm = this.timing();
      steps = this.script()?.(task, { agentId: this.id, frameworkId: fwId }) ?? [
        { state: 'TASK_STARTING', afterMs: tm.startingDelayMs, source: 'SOURCE_EXECUTOR' },
        { state: 'TASK_RUNNING', afterMs: tm.runningDelayMs, source: 'SOURCE_EXECUTOR' },
      ];
    }
    this.runSteps(t, steps);
  }

  private runSteps(t: AgentTask, steps: TaskStep[]): void {
    let delay = 0;
    for (const step of steps) {
      delay += step.afterMs ?? 0;
      const h = this.clock.setTimeout(() => {
        if (isTerminalState(t.state) || !this.liveTask(t)) return;
        t.started = true;
        this.generate(t, step.state, { reason: step.reason, message: step.message, source: step.source ?? 'SOURCE_EXECUTOR', healthy: step.healthy });
      }, delay);
      t.stepTimers.push(h);
    }
  }

  private liveTask(t: AgentTask): boolean {
    return this.frameworks.get(t.frameworkId)?.tasks.get(t.info.task_id.value) === t;
  }

  /** Programmatic: the executor reports a new state for a task (e.g. TASK_FINISHED). */
  sendUpdate(frameworkId: string, taskId: string, state: TaskState, opts: { reason?: TaskStatusReason; message?: string; source?: TaskStatusSource; healthy?: boolean } = {}): void {
    const t = this.frameworks.get(frameworkId)?.tasks.get(taskId);
    if (!t) throw new Error(`agent ${this.id} runs no task ${taskId} of framework ${frameworkId}`);
    this.cancelSteps(t);
    t.started = true;
    this.generate(t, state, { source: opts.source ?? 'SOURCE_EXECUTOR', ...opts });
  }

  /** Creates a reliable update and hands it to the update manager. */
  private generate(t: AgentTask, state: TaskState, o: { reason?: TaskStatusReason; message?: string; source?: TaskStatusSource; healthy?: boolean }): void {
    const s: TaskStatus = {
      task_id: { value: t.info.task_id.value },
      state,
      source: o.source ?? 'SOURCE_EXECUTOR',
      agent_id: { value: this.id },
      timestamp: this.clock.now() / 1000,
      uuid: randomUuidB64(),
    };
    if (o.message !== undefined) s.message = o.message;
    if (o.reason !== undefined) s.reason = o.reason;
    if (o.healthy !== undefined) s.healthy = o.healthy;
    if (t.executorId) s.executor_id = { value: t.executorId };
    else s.executor_id = { value: t.info.task_id.value }; // command executor id = task id
    t.state = state;
    t.statuses.push(s);
    t.pending.push(s);
    if (isTerminalState(state)) this.cancelSteps(t);
    if (t.pending.length === 1) this.forwardHead(t, true);
  }

  private cancelSteps(t: AgentTask): void {
    for (const h of t.stepTimers) this.clock.clearTimeout(h);
    t.stepTimers = [];
  }

  private forwardHead(t: AgentTask, resetBackoff: boolean): void {
    const head = t.pending[0];
    this.clock.clearTimeout(t.retryTimer);
    t.retryTimer = undefined;
    if (!head) return;
    if (resetBackoff) t.retryMs = this.timing().retryInitialMs;
    if (this.sink && !this.partitioned) this.sink.statusUpdate(this, t.frameworkId, head, t.state);
    const wait = t.retryMs;
    t.retryTimer = this.clock.setTimeout(() => {
      if (!this.liveTask(t)) return;
      t.retryMs = Math.min(t.retryMs * 2, this.timing().retryMaxMs);
      this.forwardHead(t, false);
    }, wait);
  }

  /** StatusUpdateAcknowledgementMessage from the master. */
  acknowledge(frameworkId: string, taskId: string, uuid: string): void {
    const t = this.frameworks.get(frameworkId)?.tasks.get(taskId);
    if (!t) return;
    const head = t.pending[0];
    if (!head || head.uuid !== uuid) return; // duplicate or stale ack
    t.pending.shift();
    this.clock.clearTimeout(t.retryTimer);
    t.retryTimer = undefined;
    if (t.pending.length > 0) {
      this.forwardHead(t, true);
    } else if (isTerminalState(t.state)) {
      // Terminal and acknowledged: the agent forgets the task (and a command executor with it).
      this.frameworks.get(frameworkId)?.tasks.delete(taskId);
    }
  }

  /** After (re-)registration with a master: flush every task's in-flight update right away. */
  resendPending(): void {
    for (const fw of this.frameworks.values()) for (const t of fw.tasks.values()) if (t.pending.length) this.forwardHead(t, true);
  }

  /** KillTaskMessage. */
  kill(frameworkId: string, taskId: string, killingState: boolean): void {
    const t = this.frameworks.get(frameworkId)?.tasks.get(taskId);
    if (!t || isTerminalState(t.state)) return;
    if (!t.started) {
      this.cancelSteps(t);
      this.generate(t, 'TASK_KILLED', { reason: 'REASON_TASK_KILLED_DURING_LAUNCH', message: 'Killed before delivery to the executor', source: 'SOURCE_AGENT' });
      return;
    }
    this.cancelSteps(t);
    if (killingState && t.state !== 'TASK_KILLING') this.generate(t, 'TASK_KILLING', { source: 'SOURCE_EXECUTOR', message: 'Killing the task' });
    const h = this.clock.setTimeout(() => {
      if (!this.liveTask(t) || isTerminalState(t.state)) return;
      this.generate(t, 'TASK_KILLED', { source: 'SOURCE_EXECUTOR', message: 'Command terminated with signal Killed' });
    }, this.timing().killDelayMs);
    t.stepTimers.push(h);
  }

  /** The executor process exits: its live tasks fail, and the master hears ExitedExecutorMessage. */
  executorExit(frameworkId: string, executorId: string, status: number, how: 'crash' | 'shutdown'): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw || !fw.executors.has(executorId)) throw new Error(`agent ${this.id} runs no executor ${executorId} of framework ${frameworkId}`);
    for (const t of fw.tasks.values()) {
      if (t.executorId !== executorId || isTerminalState(t.state)) continue;
      this.cancelSteps(t);
      this.generate(t, how === 'shutdown' ? 'TASK_KILLED' : 'TASK_FAILED', {
        reason: 'REASON_EXECUTOR_TERMINATED',
        source: 'SOURCE_AGENT',
        message: how === 'shutdown' ? 'Executor terminated' : 'Executor terminated unexpectedly',
      });
    }
    fw.executors.delete(executorId);
    if (this.sink && !this.partitioned) this.sink.executorExited(this, frameworkId, executorId, status);
  }

  /** ShutdownFrameworkMessage: kill everything of the framework; nothing more is reported. */
  shutdownFramework(frameworkId: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    for (const t of fw.tasks.values()) {
      this.cancelSteps(t);
      this.clock.clearTimeout(t.retryTimer);
    }
    this.frameworks.delete(frameworkId);
  }

  /** Adds a RUNNING task directly (bulk seeding): acknowledged, nothing pending, no timers. */
  seedTask(info: FrameworkInfo, task: TaskInfo, state: TaskState, status: TaskStatus): AgentTask {
    const fw = this.ensureFramework(info);
    if (task.executor && !fw.executors.has(task.executor.executor_id.value)) fw.executors.set(task.executor.executor_id.value, task.executor);
    const t: AgentTask = {
      info: task,
      frameworkId: info.id!.value,
      executorId: task.executor?.executor_id.value,
      state,
      statuses: [status],
      pending: [],
      retryMs: this.timing().retryInitialMs,
      stepTimers: [],
      started: true,
    };
    fw.tasks.set(task.task_id.value, t);
    return t;
  }

  /** Stops every timer (cluster stop). */
  stopTimers(): void {
    for (const fw of this.frameworks.values())
      for (const t of fw.tasks.values()) {
        this.cancelSteps(t);
        this.clock.clearTimeout(t.retryTimer);
      }
  }
}
