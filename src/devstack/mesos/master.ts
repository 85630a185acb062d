// One Mesos master of the emulated cluster: leadership standing, and — while it leads — the in-memory state and
// the behaviour of src/master/master.cpp that schedulers observe: subscription and failover, the failover_timeout
// timer, offers and refuse filters, ACCEPT/LAUNCH validation, status update forwarding and acknowledgements,
// reconciliation, agent loss, and operator events. The HTTP surface lives in http.ts.
import { randomUUID } from 'node:crypto';
import type { Call, Event, ExecutorInfo, FrameworkInfo, MasterInfo, Offer, TaskInfo, TaskState, TaskStatus, TaskStatusReason } from '../../mesos/types.js';
import type { Clock, TimerHandle } from './clock.js';
import type { History } from './history.js';
import type { AgentSink, SimAgent } from './agent.js';
import { randomUuidB64 } from './agent.js';
import type { ChunkMode, EventFaultRule, EventStream, StreamEnv } from './stream.js';
import {
  type AgentRec,
  type FrameworkRec,
  type MasterTask,
  type OfferRec,
  isTerminal,
  MAX_COMPLETED_FRAMEWORKS,
  MAX_COMPLETED_TASKS_PER_FRAMEWORK,
  MAX_UNREACHABLE_TASKS_PER_FRAMEWORK,
} from './model.js';
import { addBags, bagContains, bagForRole, bagFrom, bagIsAllocatable, bagIsEmpty, bagToResources, emptyBag, subtractBags, type ResourceBag } from './resources.js';
import { explicitAnswers, implicitAnswers, type KnownTaskView, type ReconcileContext } from './reconcile.js';
import {
  frameworkRoles,
  hasCapability,
  isPartitionAware,
  preserveImmutableFields,
  validateFrameworkInfo,
  validateFrameworkUpdate,
  validateOfferConstraintRoles,
  validatePrincipalUnchanged,
  validateSuppressedRoles,
  validateTask,
  injectAllocationInfo,
} from './validation.js';
import { decodeUuid } from './call-parse.js';

export interface ResolvedMasterOptions {
  heartbeatSeconds: number;
  recoveryMs: number;
  offerTimeoutMs?: number;
  agentReregisterTimeoutMs: number;
  agentPingTimeoutMs: number;
  maxCompletedFrameworks: number;
  roles?: string[];
  version: string;
}

/** Cluster-level facts a master needs (shared by every master). */
export interface MasterEnv {
  clock: Clock;
  history: History;
  options: () => ResolvedMasterOptions;
  agents: () => SimAgent[];
  /** The replicated registry: agents admitted, unreachable (with time) or gone. Survives master failover. */
  registry: AgentRegistry;
  eventRule(frameworkId: string, ev: Event): EventFaultRule | undefined;
  chunkMode(): ChunkMode;
}

export interface AgentRegistry {
  admitted: Set<string>;
  unreachable: Map<string, number>;
  gone: Set<string>;
}

/** Operator API events (v1 master Event) go to operator subscribers. */
export type OperatorEvent = { type: string } & Record<string, unknown>;

export interface LeaderState {
  frameworks: Map<string, FrameworkRec>;
  completed: FrameworkRec[];
  agents: Map<string, AgentRec>;
  offers: Map<string, OfferRec>;
  timers: Set<TimerHandle>;
  allocationScheduled: boolean;
  reregisterDeadline?: TimerHandle;
}

const NS = 1_000_000;

export class Master implements AgentSink {
  info: MasterInfo;
  port = 0;
  /** This master is the elected leader. */
  leading = false;
  /** The leader this master knows of (itself when leading). */
  leader: MasterInfo | undefined;
  recoveredAt = 0;
  startTime: number;
  electedTime: number | undefined;
  st: LeaderState | undefined;
  readonly operatorStreams = new Set<EventStream>();
  /** Paused (SIGSTOP-like): requests wait, streams hold their events. */
  paused = false;
  readonly pausedWork: Array<() => void> = [];
  private frameworkCounter = 0;
  private offerCounter = 0;

  constructor(
    readonly index: number,
    readonly hostname: string,
    private readonly env: MasterEnv,
  ) {
    this.startTime = env.clock.now();
    this.info = this.makeInfo(randomUUID());
  }

  private makeInfo(id: string): MasterInfo {
    return {
      id,
      ip: ipToNetworkUint32('127.0.0.1'),
      port: this.port,
      pid: `master@127.0.0.1:${this.port}`,
      hostname: this.hostname,
      version: this.env.options().version,
      address: { hostname: this.hostname, ip: '127.0.0.1', port: this.port },
      capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
    } as MasterInfo;
  }

  /** Called once the HTTP server has its port. */
  setPort(port: number): void {
    this.port = port;
    this.info = this.makeInfo(this.info.id);
  }

  /** A restarted master process gets a new MasterInfo.id (and so new framework/offer id prefixes). */
  restartIdentity(): void {
    this.info = this.makeInfo(randomUUID());
    this.frameworkCounter = 0;
    this.offerCounter = 0;
    this.startTime = this.env.clock.now();
  }

  get clock(): Clock {
    return this.env.clock;
  }

  get recovering(): boolean {
    return this.leading && this.env.clock.now() < this.recoveredAt;
  }

  streamEnv(): StreamEnv {
    return {
      clock: this.env.clock,
      history: this.env.history,
      masterIndex: this.index,
      masterId: this.info.id,
      chunkMode: () => this.env.chunkMode(),
      eventRule: (fw, ev) => this.env.eventRule(fw, ev),
    };
  }

  private timer(fn: () => void, ms: number): TimerHandle {
    const st = this.st!;
    const h = this.env.clock.setTimeout(() => {
      st.timers.delete(h);
      if (this.st === st) fn();
    }, ms);
    st.timers.add(h);
    return h;
  }

  private cancel(h: TimerHandle | undefined): void {
    if (!h) return;
    this.env.clock.clearTimeout(h);
    this.st?.timers.delete(h);
  }

  // ---- Leadership ------------------------------------------------------------------------------------------

  /** Becomes the leader with empty in-memory state; agents in the registry are "recovered" until they re-register. */
  becomeLeader(): void {
    this.leading = true;
    this.leader = this.info;
    this.electedTime = this.env.clock.now();
    this.recoveredAt = this.env.clock.now() + this.env.options().recoveryMs;
    this.st = { frameworks: new Map(), completed: [], agents: new Map(), offers: new Map(), timers: new Set(), allocationScheduled: false };
    const reg = this.env.registry;
    for (const sim of this.env.agents()) {
      if (!reg.admitted.has(sim.id)) continue;
      const standing = reg.gone.has(sim.id) ? 'gone' : reg.unreachable.has(sim.id) ? 'unreachable' : 'recovered';
      this.st.agents.set(sim.id, this.newAgentRec(sim, standing));
      if (standing === 'unreachable') this.st.agents.get(sim.id)!.unreachableTime = reg.unreachable.get(sim.id);
    }
    // Agents that do not re-register within agent_reregister_timeout are marked unreachable.
    if ([...this.st.agents.values()].some((a) => a.standing === 'recovered')) {
      this.st.reregisterDeadline = this.timer(() => this.reregisterTimeout(), this.env.options().agentReregisterTimeoutMs);
    }
  }

  /** Loses leadership (or the process dies): every stream closes and the in-memory state is gone. */
  stepDown(): void {
    const st = this.st;
    this.leading = false;
    this.st = undefined;
    if (!st) return;
    for (const h of st.timers) this.env.clock.clearTimeout(h);
    for (const fw of st.frameworks.values()) {
      this.env.clock.clearTimeout(fw.heartbeat);
      this.env.clock.clearTimeout(fw.failoverTimer);
      fw.stream?.destroy();
    }
    for (const s of this.operatorStreams) s.destroy();
    this.operatorStreams.clear();
    for (const a of st.agents.values()) if (a.sim.sink === this) a.sim.sink = undefined;
  }

  private newAgentRec(sim: SimAgent, standing: AgentRec['standing']): AgentRec {
    return { id: sim.id, sim, standing, connected: false, registeredTime: this.env.clock.now(), used: emptyBag(), offered: emptyBag(), tasks: new Map() };
  }

  // ---- Operator events -------------------------------------------------------------------------------------

  emitOperator(ev: OperatorEvent): void {
    for (const s of this.operatorStreams) s.send(ev as unknown as Event);
  }

  // ---- Framework subscription ------------------------------------------------------------------------------

  private send(fw: FrameworkRec, ev: Event): void {
    if (fw.stream && fw.connected) fw.stream.send(ev);
  }

  private nowSeconds(): number {
    return this.env.clock.now() / 1000;
  }

  /** `Master::subscribe` for an HTTP scheduler whose 200 response has started. */
  subscribe(stream: EventStream, sub: NonNullable<Call['subscribe']>): { frameworkId?: string; error?: string } {
    const st = this.st!;
    let info: FrameworkInfo = structuredClone(sub.framework_info);
    const requestedId = info.id?.value || undefined;
    const existing = requestedId ? st.frameworks.get(requestedId) : undefined;
    if (existing) info = preserveImmutableFields(existing.info, info);
    const fail = (message: string): { error: string } => {
      stream.send({ type: 'ERROR', error: { message } });
      stream.end();
      return { error: message };
    };
    let err = validateFrameworkInfo(info);
    const roles = frameworkRoles(info);
    const whitelist = this.env.options().roles;
    if (!err && whitelist) {
      const bad = roles.filter((r) => r !== '*' && !whitelist.includes(r));
      if (bad.length) err = `Role '${bad[0]}' is not present in the master's --roles`;
    }
    err ??= validateSuppressedRoles(roles, sub.suppressed_roles);
    err ??= validateOfferConstraintRoles(roles, sub.offer_constraints);
    if (!err && existing) err = validatePrincipalUnchanged(existing.info, info);
    if (err) return fail(err);
    if (requestedId && st.completed.some((f) => f.id === requestedId)) return fail('Framework has been removed');

    const now = this.env.clock.now();
    if (!requestedId) {
      const id = `${this.info.id}-${String(this.frameworkCounter++).padStart(4, '0')}`;
      info.id = { value: id };
      const fw = this.newFramework(info, now);
      st.frameworks.set(id, fw);
      this.connect(fw, stream, sub.suppressed_roles);
      this.emitOperator({ type: 'FRAMEWORK_ADDED', framework_added: { framework: this.viewFramework(fw) } });
      return { frameworkId: id };
    }
    if (!existing) {
      // Never seen (e.g. after a master failover, with no tasks on re-registered agents): recreated as supplied.
      const fw = this.newFramework(info, now);
      st.frameworks.set(requestedId, fw);
      this.connect(fw, stream, sub.suppressed_roles);
      this.emitOperator({ type: 'FRAMEWORK_ADDED', framework_added: { framework: this.viewFramework(fw) } });
      return { frameworkId: requestedId };
    }
    const fw = existing;
    if (fw.recovered) {
      fw.recovered = false;
      fw.info = info;
      fw.reregisteredTime = now;
    } else {
      fw.info = info;
      fw.reregisteredTime = now;
      // Always fail over the old connection (MESOS-4712): ERROR to the old stream, then close it.
      if (fw.stream && !fw.stream.closed) {
        const old = fw.stream;
        fw.stream = undefined;
        old.send({ type: 'ERROR', error: { message: 'Framework failed over' } });
        old.end();
      }
      // Outstanding offers are discarded without RESCIND; fresh ones follow.
      for (const o of [...fw.offers.values()]) this.removeOffer(o, false);
    }
    this.cancel(fw.failoverTimer);
    fw.failoverTimer = undefined;
    for (const sim of this.env.agents()) sim.updateFrameworkInfo(info);
    this.connect(fw, stream, sub.suppressed_roles);
    this.emitOperator({ type: 'FRAMEWORK_UPDATED', framework_updated: { framework: this.viewFramework(fw) } });
    return { frameworkId: fw.id };
  }

  private newFramework(info: FrameworkInfo, now: number): FrameworkRec {
    return {
      id: info.id!.value,
      info,
      registeredTime: now,
      reregisteredTime: now,
      connected: false,
      active: false,
      recovered: false,
      tasks: new Map(),
      unreachableTasks: new Map(),
      completedTasks: [],
      executors: new Map(),
      offers: new Map(),
      filters: new Map(),
      suppressedRoles: new Set(),
    };
  }

  private connect(fw: FrameworkRec, stream: EventStream, suppressed: string[] | undefined): void {
    stream.frameworkId = fw.id;
    fw.stream = stream;
    fw.connected = true;
    fw.active = true;
    fw.suppressedRoles = new Set(suppressed ?? []);
    this.cancel(fw.heartbeat);
    stream.send({
      type: 'SUBSCRIBED',
      subscribed: { framework_id: { value: fw.id }, heartbeat_interval_seconds: this.env.options().heartbeatSeconds, master_info: this.info },
    });
    this.heartbeat(fw, stream);
    stream.onClose(() => this.exited(fw, stream));
    this.scheduleAllocation();
  }

  private heartbeat(fw: FrameworkRec, stream: EventStream): void {
    if (fw.stream !== stream || stream.closed || this.st === undefined) return;
    stream.send({ type: 'HEARTBEAT' });
    fw.heartbeat = this.timer(() => this.heartbeat(fw, stream), this.env.options().heartbeatSeconds * 1000);
  }

  /** `Master::exited` for the subscription connection: deactivate, disconnect, start the failover timer. */
  private exited(fw: FrameworkRec, stream: EventStream): void {
    if (!this.st || fw.stream !== stream || !this.st.frameworks.has(fw.id)) return;
    fw.active = false;
    for (const o of [...fw.offers.values()]) this.removeOffer(o, true);
    fw.connected = false;
    fw.stream = undefined;
    this.cancel(fw.heartbeat);
    fw.heartbeat = undefined;
    const reregisteredAt = fw.reregisteredTime;
    const timeoutMs = Math.max(0, (fw.info.failover_timeout ?? 0) * 1000);
    this.cancel(fw.failoverTimer);
    fw.failoverTimer = this.timer(() => {
      // Only if still disconnected and not re-registered in the meantime.
      if (!fw.connected && fw.reregisteredTime === reregisteredAt && this.st?.frameworks.get(fw.id) === fw) this.removeFramework(fw);
    }, Math.min(timeoutMs, 2 ** 52));
  }

  /** TEARDOWN, failover-timeout expiry: kill everything, move to completed_frameworks. */
  removeFramework(fw: FrameworkRec): void {
    const st = this.st!;
    if (fw.stream && !fw.stream.closed) {
      const s = fw.stream;
      fw.stream = undefined;
      s.end(); // closed without an ERROR event
    }
    fw.connected = false;
    fw.active = false;
    this.cancel(fw.heartbeat);
    this.cancel(fw.failoverTimer);
    for (const o of [...fw.offers.values()]) this.removeOffer(o, false);
    for (const list of fw.filters.values()) for (const f of list) this.cancel(f.timer);
    fw.filters.clear();
    for (const a of st.agents.values()) if (a.standing === 'registered') a.sim.shutdownFramework(fw.id);
    const now = this.nowSeconds();
    const kill = (t: MasterTask): void => {
      const status: TaskStatus = {
        task_id: { value: t.info.task_id.value },
        state: 'TASK_KILLED',
        source: 'SOURCE_MASTER',
        reason: 'REASON_FRAMEWORK_REMOVED',
        message: `Framework ${fw.id} removed`,
        agent_id: { value: t.agentId },
        timestamp: now,
      };
      if (t.executorId) status.executor_id = { value: t.executorId };
      this.applyStatus(t, status, undefined);
    };
    for (const t of [...fw.tasks.values()]) {
      if (!isTerminal(t.state)) kill(t);
      this.removeTask(fw, t);
    }
    for (const t of [...fw.unreachableTasks.values()]) {
      kill(t);
      fw.unreachableTasks.delete(t.info.task_id.value);
      this.pushCompleted(fw, t);
    }
    for (const [agentId, exs] of fw.executors) {
      const a = st.agents.get(agentId);
      if (a) for (const ex of exs.values()) a.used = subtractBags(a.used, bagFrom(ex.resources));
    }
    fw.executors.clear();
    st.frameworks.delete(fw.id);
    fw.unregisteredTime = this.env.clock.now();
    st.completed.push(fw);
    const cap = this.env.options().maxCompletedFrameworks;
    if (st.completed.length > cap) st.completed.splice(0, st.completed.length - cap);
    this.emitOperator({ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: fw.info } });
    this.scheduleAllocation();
  }

  // ---- Calls -----------------------------------------------------------------------------------------------

  /** Dispatches a non-SUBSCRIBE call for a connected framework (step 10). Returns the HTTP status and body. */
  dispatch(fw: FrameworkRec, call: Call): { status: number; body?: string } {
    switch (call.type) {
      case 'TEARDOWN':
        this.removeFramework(fw);
        return { status: 202 };
      case 'ACCEPT':
        this.accept(fw, call.accept!.offer_ids ?? [], call.accept!.operations ?? [], call.accept!.filters);
        return { status: 202 };
      case 'DECLINE':
        this.decline(fw, call.decline!.offer_ids ?? [], call.decline!.filters);
        return { status: 202 };
      case 'ACCEPT_INVERSE_OFFERS':
      case 'DECLINE_INVERSE_OFFERS':
      case 'ACKNOWLEDGE_OPERATION_STATUS':
      case 'RECONCILE_OPERATIONS':
      case 'REQUEST':
      case 'MESSAGE':
        if (call.type === 'MESSAGE') this.message(fw, call.message!);
        return { status: 202 };
      case 'REVIVE':
        this.revive(fw, call.revive?.roles ?? []);
        return { status: 202 };
      case 'SUPPRESS':
        this.suppress(fw, call.suppress?.roles ?? []);
        return { status: 202 };
      case 'KILL':
        this.kill(fw, call.kill!.task_id.value, call.kill!.agent_id?.value, call.kill!.kill_policy);
        return { status: 202 };
      case 'SHUTDOWN':
        this.shutdownExecutor(fw, call.shutdown!.agent_id.value, call.shutdown!.executor_id.value);
        return { status: 202 };
      case 'ACKNOWLEDGE':
        this.acknowledge(fw, call.acknowledge!.agent_id.value, call.acknowledge!.task_id.value, call.acknowledge!.uuid);
        return { status: 202 };
      case 'RECONCILE':
        this.reconcile(fw, call.reconcile!.tasks ?? []);
        return { status: 202 };
      case 'UPDATE_FRAMEWORK':
        return this.updateFramework(call.update_framework!);
      case 'UNKNOWN':
      default:
        return { status: 501 };
    }
  }

  private message(fw: FrameworkRec, m: NonNullable<Call['message']>): void {
    // Framework → executor messages are unreliable and the simulated executors ignore them; an unknown agent
    // drops the message like the real master does.
    void fw;
    void m;
  }

  private updateFramework(u: NonNullable<Call['update_framework']>): { status: number; body?: string } {
    const st = this.st!;
    const id = u.framework_info.id?.value ?? '';
    const fw = st.frameworks.get(id);
    if (!fw) return { status: 409, body: `Framework '${id}' does not exist` };
    const info = structuredClone(u.framework_info);
    const roles = frameworkRoles(info);
    const err = validateFrameworkInfo(info) ?? validateFrameworkUpdate(fw.info, info) ?? validateSuppressedRoles(roles, u.suppressed_roles) ?? validateOfferConstraintRoles(roles, (u as { offer_constraints?: unknown }).offer_constraints);
    if (err) return { status: 400, body: err };
    const whitelist = this.env.options().roles;
    if (whitelist && roles.some((r) => r !== '*' && !whitelist.includes(r))) return { status: 403, body: 'Not authorized to use the requested roles' };
    fw.info = info;
    fw.suppressedRoles = new Set(u.suppressed_roles ?? []);
    // Offers for roles the framework left are rescinded.
    for (const o of [...fw.offers.values()]) if (!roles.includes(o.role)) this.removeOffer(o, true);
    for (const sim of this.env.agents()) sim.updateFrameworkInfo(info);
    this.emitOperator({ type: 'FRAMEWORK_UPDATED', framework_updated: { framework: this.viewFramework(fw) } });
    this.scheduleAllocation();
    return { status: 200 };
  }

  private accept(fw: FrameworkRec, offerIds: Array<{ value: string }>, operations: NonNullable<Call['accept']>['operations'], filters: { refuse_seconds?: number } | undefined): void {
    const st = this.st!;
    // The master fills in a missing ExecutorInfo.framework_id (added to the API later, so optional); a wrong one
    // fails validation.
    for (const op of operations) for (const t of op.launch?.task_infos ?? []) if (t.executor && !t.executor.framework_id) t.executor.framework_id = { value: fw.id };
    let error: string | undefined;
    if (offerIds.length === 0) error = 'No offers specified';
    else {
      const seen = new Set<string>();
      for (const o of offerIds) {
        if (seen.has(o.value)) {
          error = `Duplicate offer ${o.value} in offer list`;
          break;
        }
        seen.add(o.value);
      }
      error ??= offerIds.map((o) => (st.offers.has(o.value) ? undefined : `Offer ${o.value} is no longer valid`)).find(Boolean);
      if (!error) {
        for (const o of offerIds) {
          const rec = st.offers.get(o.value)!;
          if (rec.frameworkId !== fw.id) {
            error = `Offer ${o.value} has invalid framework ${rec.frameworkId} while framework ${fw.id} is expected`;
            break;
          }
        }
      }
      if (!error) {
        // `validateAllocationRole` (its message lacks the closing quotes in Mesos too).
        const role0 = st.offers.get(offerIds[0]!.value)!.role;
        for (const o of offerIds) {
          const r = st.offers.get(o.value)!.role;
          if (r !== role0) {
            error = `Aggregated offers must be allocated to the same role. Offer ${o.value} uses role '${r} but another is using role '${role0}`;
            break;
          }
        }
      }
      if (!error) {
        const first = st.offers.get(offerIds[0]!.value)!.agentId;
        for (const o of offerIds) {
          const a = st.offers.get(o.value)!.agentId;
          if (a !== first) {
            error = `Aggregated offers must belong to one single agent. Offer ${o.value} uses agent ${a} and agent ${first}`;
            break;
          }
        }
      }
    }
    let offered = emptyBag();
    let agentId: string | undefined;
    let role = '*';
    for (const o of offerIds) {
      const rec = st.offers.get(o.value);
      if (!rec) continue;
      agentId = rec.agentId;
      role = rec.role;
      offered = addBags(offered, rec.resources);
      this.removeOffer(rec, false); // on error the resources go back with no filter
    }
    if (error) {
      const pa = isPartitionAware(fw.info);
      for (const op of operations) {
        if (op.type !== 'LAUNCH') continue;
        for (const t of op.launch?.task_infos ?? []) {
          this.forwardMasterUpdate(fw, {
            task_id: { value: t.task_id.value },
            state: pa ? 'TASK_DROPPED' : 'TASK_LOST',
            source: 'SOURCE_MASTER',
            reason: 'REASON_INVALID_OFFERS',
            message: `Task launched with invalid offers: ${error}`,
            agent_id: { value: t.agent_id.value },
            timestamp: this.nowSeconds(),
          });
        }
      }
      this.scheduleAllocation();
      return;
    }
    const agent = st.agents.get(agentId!)!;
    let remaining = offered;
    for (const op of operations) {
      if (op.type !== 'LAUNCH') continue; // dynamic reservations/volumes are not simulated; their resources stay unused
      for (const task of op.launch?.task_infos ?? []) {
        injectAllocationInfo(task, role);
        const v = validateTask(task, {
          frameworkId: fw.id,
          agentId: agent.id,
          hasTask: (id) => fw.tasks.has(id),
          existingExecutor: (id) => fw.executors.get(agent.id)?.get(id),
          offered: remaining,
          offerRole: role,
        });
        if (v.error) {
          this.forwardMasterUpdate(fw, {
            task_id: { value: task.task_id.value },
            state: 'TASK_ERROR',
            source: 'SOURCE_MASTER',
            reason: 'REASON_TASK_INVALID',
            message: v.error,
            agent_id: { value: task.agent_id.value },
            timestamp: this.nowSeconds(),
          });
          continue;
        }
        remaining = subtractBags(remaining, v.consumes);
        this.launchTask(fw, agent, task, role);
      }
    }
    this.recoverResources(fw, agent, remaining, filters, role);
  }

  private launchTask(fw: FrameworkRec, agent: AgentRec, task: TaskInfo, role: string): void {
    const exInfo = task.executor;
    if (exInfo) {
      let exs = fw.executors.get(agent.id);
      if (!exs) fw.executors.set(agent.id, (exs = new Map()));
      if (!exs.has(exInfo.executor_id.value)) {
        exs.set(exInfo.executor_id.value, exInfo);
        agent.used = addBags(agent.used, bagFrom(exInfo.resources));
      }
    }
    const t = this.addTask(fw, agent, task, 'TASK_STAGING', role);
    t.statuses = [];
    agent.sim.launch(fw.info, task);
  }

  private addTask(fw: FrameworkRec, agent: AgentRec, task: TaskInfo, state: TaskState, role: string): MasterTask {
    const t: MasterTask = {
      info: task,
      frameworkId: fw.id,
      agentId: agent.id,
      executorId: task.executor?.executor_id.value,
      state,
      statuses: [],
      resources: bagFrom(task.resources),
      resourcesHeld: !isTerminal(state),
      role,
    };
    fw.tasks.set(task.task_id.value, t);
    let set = agent.tasks.get(fw.id);
    if (!set) agent.tasks.set(fw.id, (set = new Set()));
    set.add(task.task_id.value);
    if (t.resourcesHeld) agent.used = addBags(agent.used, t.resources);
    if (this.operatorStreams.size) this.emitOperator({ type: 'TASK_ADDED', task_added: { task: this.viewTask(t) } });
    return t;
  }

  /** Moves a task out of `framework.tasks` into completed tasks. */
  private removeTask(fw: FrameworkRec, t: MasterTask): void {
    const id = t.info.task_id.value;
    if (fw.tasks.get(id) !== t) return;
    fw.tasks.delete(id);
    this.st?.agents.get(t.agentId)?.tasks.get(fw.id)?.delete(id);
    this.releaseResources(t);
    this.pushCompleted(fw, t);
  }

  private pushCompleted(fw: FrameworkRec, t: MasterTask): void {
    fw.completedTasks.push(t);
    if (fw.completedTasks.length > MAX_COMPLETED_TASKS_PER_FRAMEWORK * 1.5) fw.completedTasks.splice(0, fw.completedTasks.length - MAX_COMPLETED_TASKS_PER_FRAMEWORK);
  }

  private releaseResources(t: MasterTask): void {
    if (!t.resourcesHeld) return;
    t.resourcesHeld = false;
    const a = this.st?.agents.get(t.agentId);
    if (a) a.used = subtractBags(a.used, t.resources);
    this.scheduleAllocation();
  }

  /** Master-generated update (no uuid): forwarded if connected; the master does not keep unknown tasks. */
  private forwardMasterUpdate(fw: FrameworkRec, status: TaskStatus): void {
    this.send(fw, { type: 'UPDATE', update: { status } });
  }

  /** `updateTask`: latest state, status_update_state/uuid for reliable updates, statuses (one per state run). */
  private applyStatus(t: MasterTask, status: TaskStatus, latestState: TaskState | undefined): void {
    const newState = latestState ?? status.state;
    const prev = t.state;
    if (!isTerminal(t.state)) t.state = newState;
    if (status.uuid) {
      t.statusUpdateState = status.state;
      t.statusUpdateUuid = status.uuid;
    }
    const last = t.statuses[t.statuses.length - 1];
    if (last && last.state === status.state) t.statuses.pop();
    const stored = { ...status };
    delete stored.data;
    t.statuses.push(stored);
    if (!isTerminal(prev) && isTerminal(t.state)) this.releaseResources(t);
    if (prev !== t.state && this.operatorStreams.size) {
      this.emitOperator({ type: 'TASK_UPDATED', task_updated: { framework_id: { value: t.frameworkId }, status: stored, state: t.state } });
    }
  }

  // ---- AgentSink -------------------------------------------------------------------------------------------

  /** `Master::statusUpdate` from an agent. */
  statusUpdate(agent: SimAgent, frameworkId: string, status: TaskStatus, latestState: TaskState): void {
    if (!this.st || this.paused) return;
    const a = this.st.agents.get(agent.id);
    if (!a || a.standing !== 'registered' || !a.connected) return;
    const fw = this.st.frameworks.get(frameworkId);
    const t = fw?.tasks.get(status.task_id.value);
    if (fw && fw.connected) this.send(fw, { type: 'UPDATE', update: { status } });
    if (!t) return;
    this.applyStatus(t, status, latestState);
  }

  /** ExitedExecutorMessage. */
  executorExited(agent: SimAgent, frameworkId: string, executorId: string, status: number): void {
    if (!this.st) return;
    const a = this.st.agents.get(agent.id);
    const fw = this.st.frameworks.get(frameworkId);
    if (!a || !fw) return;
    const ex = fw.executors.get(agent.id)?.get(executorId);
    if (ex) {
      fw.executors.get(agent.id)!.delete(executorId);
      a.used = subtractBags(a.used, bagFrom(ex.resources));
      this.scheduleAllocation();
    }
    this.send(fw, { type: 'FAILURE', failure: { agent_id: { value: agent.id }, executor_id: { value: executorId }, status } });
  }

  // ---- KILL / SHUTDOWN / ACKNOWLEDGE / RECONCILE -----------------------------------------------------------

  private kill(fw: FrameworkRec, taskId: string, agentId: string | undefined, killPolicy?: Record<string, unknown>): void {
    const t = fw.tasks.get(taskId);
    if (t && killPolicy) t.killPolicy = killPolicy;
    if (!t) {
      // Unknown task: answer with explicit reconciliation for it.
      this.reconcile(fw, [{ task_id: { value: taskId }, ...(agentId !== undefined ? { agent_id: { value: agentId } } : {}) }]);
      return;
    }
    if (agentId !== undefined && agentId !== t.agentId) return; // different agent: ignored
    const a = this.st!.agents.get(t.agentId);
    if (!a || a.standing !== 'registered') return;
    if (!a.connected) {
      // Master::kill: "Kill will be retried if the agent re-registers".
      a.killedTasks ??= new Map();
      const set = a.killedTasks.get(fw.id) ?? new Set<string>();
      set.add(taskId);
      a.killedTasks.set(fw.id, set);
      return;
    }
    a.sim.kill(fw.id, taskId, hasCapability(fw.info, 'TASK_KILLING_STATE'));
  }

  /** Re-sends the KILLs an agent missed while disconnected, for the tasks it still runs. */
  private resendKills(a: AgentRec): void {
    const killed = a.killedTasks;
    a.killedTasks = undefined;
    for (const [fwId, ids] of killed ?? []) {
      const fw = this.st!.frameworks.get(fwId);
      for (const id of ids) if (fw && a.sim.framework(fwId)?.tasks.has(id)) a.sim.kill(fwId, id, hasCapability(fw.info, 'TASK_KILLING_STATE'));
    }
  }

  private shutdownExecutor(fw: FrameworkRec, agentId: string, executorId: string): void {
    const a = this.st!.agents.get(agentId);
    if (!a || a.standing !== 'registered' || !a.connected) return;
    if (!a.sim.framework(fw.id)?.executors.has(executorId)) return;
    a.sim.executorExit(fw.id, executorId, 0, 'shutdown');
  }

  private acknowledge(fw: FrameworkRec, agentId: string, taskId: string, uuidB64: string): void {
    const a = this.st!.agents.get(agentId);
    if (!a || a.standing !== 'registered' || !a.connected) return; // dropped; still 202
    // Master::acknowledge looks the task up on the agent the ACKNOWLEDGE names: an ack naming another agent
    // removes nothing here (that agent ignores it, and the real one keeps re-sending the update).
    const t = fw.tasks.get(taskId);
    const u = decodeUuid(uuidB64);
    const norm = u.ok ? u.bytes.toString('base64') : uuidB64;
    if (t && t.agentId === agentId && t.statusUpdateUuid !== undefined && t.statusUpdateUuid === norm && t.statusUpdateState && isTerminal(t.statusUpdateState)) {
      this.removeTask(fw, t);
    }
    a.sim.acknowledge(fw.id, taskId, norm);
  }

  private reconcileContext(fw: FrameworkRec): ReconcileContext {
    const st = this.st!;
    let anyRecovered = false;
    for (const a of st.agents.values()) if (a.standing === 'recovered') anyRecovered = true;
    return {
      partitionAware: isPartitionAware(fw.info),
      nowSeconds: this.nowSeconds(),
      lookupTask: (id) => {
        const t = fw.tasks.get(id);
        return t ? this.knownView(t) : undefined;
      },
      agentStanding: (id) => st.agents.get(id)?.standing ?? 'unknown',
      anyRecoveredAgent: anyRecovered,
      unreachableTimeNs: (id) => {
        const ms = st.agents.get(id)?.unreachableTime;
        return ms === undefined ? undefined : ms * NS;
      },
    };
  }

  private knownView(t: MasterTask): KnownTaskView {
    return { task_id: t.info.task_id.value, agent_id: t.agentId, executor_id: t.executorId, state: t.state, status_update_state: t.statusUpdateState, latest: t.statuses[t.statuses.length - 1] };
  }

  reconcile(fw: FrameworkRec, entries: ReadonlyArray<{ task_id: { value: string }; agent_id?: { value: string } }>): void {
    const answers =
      entries.length === 0
        ? implicitAnswers(
            (function* (m: Master) {
              for (const t of fw.tasks.values()) yield m.knownView(t);
            })(this),
            this.nowSeconds(),
          )
        : explicitAnswers(entries, this.reconcileContext(fw));
    for (const s of answers) this.send(fw, { type: 'UPDATE', update: { status: s } });
  }

  // ---- Offers ----------------------------------------------------------------------------------------------

  private revive(fw: FrameworkRec, roles: string[]): void {
    const all = frameworkRoles(fw.info);
    const target = roles.length ? roles : all;
    for (const r of target) fw.suppressedRoles.delete(r);
    for (const list of fw.filters.values()) for (const f of list) this.cancel(f.timer);
    fw.filters.clear();
    this.scheduleAllocation();
  }

  private suppress(fw: FrameworkRec, roles: string[]): void {
    const target = roles.length ? roles : frameworkRoles(fw.info);
    for (const r of target) fw.suppressedRoles.add(r);
  }

  /** Returns offered resources to the allocator, installing a refuse filter (default 5 s, cap 365 days). */
  /** `Master::decline`: each offer on its own (no aggregate validation, unlike ACCEPT): a valid offer of this
   * framework goes back with the filter; an unknown or rescinded one is ignored. */
  private decline(fw: FrameworkRec, offerIds: Array<{ value: string }>, filters: { refuse_seconds?: number } | undefined): void {
    const st = this.st!;
    for (const o of offerIds) {
      const rec = st.offers.get(o.value);
      if (!rec || rec.frameworkId !== fw.id) continue;
      const agent = st.agents.get(rec.agentId);
      this.removeOffer(rec, false);
      if (agent) this.recoverResources(fw, agent, rec.resources, filters, rec.role);
    }
    this.scheduleAllocation();
  }

  private recoverResources(fw: FrameworkRec, agent: AgentRec, resources: ResourceBag, filters: { refuse_seconds?: number } | undefined, role: string): void {
    let seconds = 5;
    const r = filters?.refuse_seconds;
    if (r !== undefined) {
      if (r > 365 * 86400) seconds = 365 * 86400;
      else if (r < 0) seconds = 5;
      else seconds = r;
    }
    if (seconds > 0 && bagIsAllocatable(resources)) {
      const until = this.env.clock.now() + seconds * 1000;
      const list = fw.filters.get(agent.id) ?? [];
      const filter = { resources, role, until, timer: undefined as TimerHandle | undefined };
      filter.timer = this.timer(() => {
        const l = fw.filters.get(agent.id);
        if (l) {
          const i = l.indexOf(filter);
          if (i >= 0) l.splice(i, 1);
          if (l.length === 0) fw.filters.delete(agent.id);
        }
        this.scheduleAllocation();
      }, seconds * 1000);
      list.push(filter);
      fw.filters.set(agent.id, list);
    }
    this.scheduleAllocation();
  }

  private removeOffer(o: OfferRec, rescind: boolean): void {
    const st = this.st!;
    if (!st.offers.delete(o.id)) return;
    this.cancel(o.timeout);
    const fw = st.frameworks.get(o.frameworkId);
    fw?.offers.delete(o.id);
    const a = st.agents.get(o.agentId);
    if (a) a.offered = subtractBags(a.offered, o.resources);
    if (rescind && fw) this.send(fw, { type: 'RESCIND', rescind: { offer_id: { value: o.id } } });
    this.scheduleAllocation();
  }

  scheduleAllocation(): void {
    const st = this.st;
    if (!st || st.allocationScheduled) return;
    st.allocationScheduled = true;
    this.timer(() => {
      st.allocationScheduled = false;
      this.allocate();
    }, 0);
  }

  /** One allocation round: every registered agent's free resources go to one eligible framework. */
  allocate(): void {
    const st = this.st;
    if (!st || this.paused) return;
    const now = this.env.clock.now();
    const batches = new Map<FrameworkRec, Offer[]>();
    const frameworks = [...st.frameworks.values()].filter((f) => f.active && f.connected);
    if (frameworks.length === 0) return;
    let rr = 0;
    for (const a of st.agents.values()) {
      if (a.standing !== 'registered' || !a.connected) continue;
      const total = bagFrom(a.sim.resources);
      const free = subtractBags(subtractBags(total, a.used), a.offered);
      if (!bagIsAllocatable(free)) continue;
      // Least-offered first, round-robin on ties.
      const candidates = frameworks
        .map((f, i) => ({ f, i }))
        .sort((x, y) => x.f.offers.size - y.f.offers.size || ((x.i - rr + frameworks.length) % frameworks.length) - ((y.i - rr + frameworks.length) % frameworks.length));
      rr++;
      for (const { f } of candidates) {
        // One offer per role of the framework (MULTI_ROLE): the resources reserved for that role plus whatever
        // unreserved ones an earlier role of this round left. Resources reserved for other roles are never offered.
        let left = free;
        let made = 0;
        for (const role of frameworkRoles(f.info)) {
          if (f.suppressedRoles.has(role)) continue;
          const part = bagForRole(left, role);
          if (bagIsEmpty(part) || !bagIsAllocatable(part)) continue;
          const filtered = (f.filters.get(a.id) ?? []).some((flt) => flt.role === role && flt.until > now && bagContains(flt.resources, part));
          if (filtered) continue;
          const id = `${this.info.id}-O${this.offerCounter++}`;
          const executorIds = [...(f.executors.get(a.id)?.keys() ?? [])].map((value) => ({ value }));
          const offer: Offer = {
            id: { value: id },
            framework_id: { value: f.id },
            agent_id: { value: a.id },
            hostname: a.sim.hostname,
            url: { scheme: 'http', address: { hostname: a.sim.hostname, ip: '127.0.0.1', port: a.sim.port }, path: '/slave(1)' },
            resources: bagToResources(part, role, hasCapability(f.info, 'RESERVATION_REFINEMENT')),
            attributes: [],
            executor_ids: executorIds,
            allocation_info: { role },
          };
          const rec: OfferRec = { id, frameworkId: f.id, agentId: a.id, role, resources: part, offer };
          st.offers.set(id, rec);
          f.offers.set(id, rec);
          a.offered = addBags(a.offered, part);
          left = subtractBags(left, part);
          made++;
          const ot = this.env.options().offerTimeoutMs;
          if (ot !== undefined) rec.timeout = this.timer(() => this.removeOffer(rec, true), ot);
          const list = batches.get(f) ?? [];
          list.push(offer);
          batches.set(f, list);
        }
        if (made) break;
      }
    }
    for (const [f, offers] of batches) this.send(f, { type: 'OFFERS', offers: { offers } });
  }

  // ---- Agents ----------------------------------------------------------------------------------------------

  /** A brand-new agent registers (cluster start or `addAgent`). */
  registerAgent(sim: SimAgent): void {
    const st = this.st!;
    const a = this.newAgentRec(sim, 'registered');
    a.connected = true;
    st.agents.set(sim.id, a);
    sim.sink = this;
    this.emitOperator({ type: 'AGENT_ADDED', agent_added: { agent: this.viewAgent(a) } });
    this.scheduleAllocation();
  }

  /**
   * An agent re-registers (after a master failover, or back from unreachable): its frameworks, executors and
   * tasks are added; frameworks the master does not know come back as `recovered`.
   */
  reregisterAgent(sim: SimAgent): void {
    const st = this.st!;
    let a = st.agents.get(sim.id);
    if (a?.standing === 'gone') return; // the registry refuses gone agents
    const wasUnreachable = a?.standing === 'unreachable';
    if (!a) {
      a = this.newAgentRec(sim, 'registered');
      st.agents.set(sim.id, a);
    }
    a.standing = 'registered';
    a.connected = true;
    a.reregisteredTime = this.env.clock.now();
    a.unreachableTime = undefined;
    this.env.registry.unreachable.delete(sim.id);
    this.cancel(a.pingTimer);
    a.used = emptyBag();
    a.offered = emptyBag();
    a.tasks = new Map();
    for (const [fwId, afw] of [...sim.frameworks]) {
      if (st.completed.some((f) => f.id === fwId)) {
        sim.shutdownFramework(fwId);
        continue;
      }
      let fw = st.frameworks.get(fwId);
      if (wasUnreachable && fw && !isPartitionAware(fw.info)) {
        // Non-partition-aware frameworks' tasks on a returning unreachable agent are shut down.
        sim.shutdownFramework(fwId);
        continue;
      }
      if (!fw) {
        fw = this.newFramework(afw.info, this.env.clock.now());
        fw.recovered = true;
        st.frameworks.set(fwId, fw);
        this.emitOperator({ type: 'FRAMEWORK_ADDED', framework_added: { framework: this.viewFramework(fw) } });
      }
      const exs = new Map<string, ExecutorInfo>(afw.executors);
      fw.executors.set(sim.id, exs);
      for (const ex of exs.values()) a.used = addBags(a.used, bagFrom(ex.resources));
      for (const at of afw.tasks.values()) {
        fw.unreachableTasks.delete(at.info.task_id.value);
        const t = this.addTask(fw, a, at.info, at.state, frameworkRoles(fw.info)[0] ?? '*');
        t.statuses = at.statuses.slice(-5);
        const head = at.pending[0];
        if (head) {
          t.statusUpdateState = head.state;
          t.statusUpdateUuid = head.uuid;
        }
      }
    }
    sim.sink = this;
    this.emitOperator({ type: 'AGENT_ADDED', agent_added: { agent: this.viewAgent(a) } });
    sim.resendPending();
    this.resendKills(a);
    this.scheduleAllocation();
  }

  private reregisterTimeout(): void {
    const st = this.st!;
    for (const a of st.agents.values()) if (a.standing === 'recovered') this.markUnreachable(a, 'REASON_AGENT_REMOVED');
  }

  /** The agent's connection to the master broke (partition). */
  agentDisconnected(sim: SimAgent): void {
    const st = this.st;
    if (!st) return;
    const a = st.agents.get(sim.id);
    if (!a || a.standing !== 'registered' || !a.connected) return;
    a.connected = false;
    // Its offers are rescinded.
    for (const o of [...st.offers.values()]) if (o.agentId === a.id) this.removeOffer(o, true);
    // Non-checkpointing frameworks lose their tasks on this agent at once.
    for (const [fwId, ids] of a.tasks) {
      const fw = st.frameworks.get(fwId);
      if (!fw || fw.info.checkpoint) continue;
      for (const id of [...ids]) {
        const t = fw.tasks.get(id);
        if (!t) continue;
        const status: TaskStatus = {
          task_id: { value: id },
          state: 'TASK_LOST',
          source: 'SOURCE_MASTER',
          reason: 'REASON_AGENT_DISCONNECTED',
          message: `Agent ${sim.hostname} disconnected`,
          agent_id: { value: a.id },
          timestamp: this.nowSeconds(),
        };
        this.applyStatus(t, status, undefined);
        this.send(fw, { type: 'UPDATE', update: { status } });
        this.removeTask(fw, t);
      }
      fw.executors.delete(a.id);
      sim.shutdownFramework(fwId);
    }
    // Checkpointing frameworks see nothing until the health checks fail.
    a.pingTimer = this.timer(() => {
      if (!a.connected && a.standing === 'registered') this.markUnreachable(a, 'REASON_AGENT_REMOVED');
    }, this.env.options().agentPingTimeoutMs);
  }

  /** The agent reconnects before being marked unreachable. */
  agentReconnected(sim: SimAgent): void {
    const a = this.st?.agents.get(sim.id);
    if (!a) return;
    if (a.standing === 'registered') {
      this.cancel(a.pingTimer);
      a.connected = true;
      sim.sink = this;
      sim.resendPending();
      this.resendKills(a);
      this.scheduleAllocation();
    } else {
      this.reregisterAgent(sim);
    }
  }

  /** Agent removed/partitioned: UNREACHABLE (PA) or LOST, REASON_AGENT_REMOVED; FAILURE{agent_id}; RESCINDs. */
  markUnreachable(a: AgentRec, reason: TaskStatusReason): void {
    this.removeAgent(a, 'unreachable', reason);
  }

  markGone(a: AgentRec): void {
    this.removeAgent(a, 'gone', 'REASON_AGENT_REMOVED_BY_OPERATOR');
  }

  private removeAgent(a: AgentRec, to: 'unreachable' | 'gone', reason: TaskStatusReason): void {
    const st = this.st!;
    const now = this.env.clock.now();
    this.cancel(a.pingTimer);
    for (const o of [...st.offers.values()]) if (o.agentId === a.id) this.removeOffer(o, true);
    const wasRegistered = a.standing === 'registered';
    a.standing = to;
    a.connected = false;
    if (to === 'unreachable') {
      a.unreachableTime = now;
      this.env.registry.unreachable.set(a.id, now);
    } else {
      this.env.registry.gone.add(a.id);
      this.env.registry.unreachable.delete(a.id);
    }
    if (a.sim.sink === this) a.sim.sink = undefined;
    for (const [fwId, ids] of a.tasks) {
      const fw = st.frameworks.get(fwId);
      if (!fw) continue;
      const pa = isPartitionAware(fw.info);
      for (const id of [...ids]) {
        const t = fw.tasks.get(id);
        if (!t) continue;
        const state: TaskState = to === 'unreachable' ? (pa ? 'TASK_UNREACHABLE' : 'TASK_LOST') : pa ? 'TASK_GONE_BY_OPERATOR' : 'TASK_LOST';
        const status: TaskStatus = {
          task_id: { value: id },
          state,
          source: 'SOURCE_MASTER',
          reason,
          message: to === 'unreachable' ? `Agent ${a.sim.hostname} is unreachable` : `Agent ${a.sim.hostname} has been marked gone`,
          agent_id: { value: a.id },
          timestamp: this.nowSeconds(),
        };
        if (state === 'TASK_UNREACHABLE') status.unreachable_time = { nanoseconds: now * NS };
        if (t.executorId) status.executor_id = { value: t.executorId };
        const wasTerminal = isTerminal(t.state);
        if (!wasTerminal) {
          t.state = state;
          const last = t.statuses[t.statuses.length - 1];
          if (last && last.state === state) t.statuses.pop();
          t.statuses.push(status);
          this.send(fw, { type: 'UPDATE', update: { status } });
        }
        fw.tasks.delete(id);
        this.releaseResources(t);
        if (to === 'unreachable' && !wasTerminal) {
          t.unreachableTimeNs = now * NS;
          fw.unreachableTasks.set(id, t);
          if (fw.unreachableTasks.size > MAX_UNREACHABLE_TASKS_PER_FRAMEWORK) {
            const oldest = fw.unreachableTasks.keys().next().value!;
            fw.unreachableTasks.delete(oldest);
          }
        } else this.pushCompleted(fw, t);
      }
      fw.executors.delete(a.id);
    }
    a.tasks = new Map();
    a.used = emptyBag();
    if (wasRegistered || to === 'gone') {
      for (const fw of st.frameworks.values()) this.send(fw, { type: 'FAILURE', failure: { agent_id: { value: a.id } } });
      this.emitOperator({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: a.id } } });
    }
    if (to === 'gone') a.sim.stopTimers();
  }

  // ---- Seeding (bulk, for benchmarks) ----------------------------------------------------------------------

  /** Adds RUNNING tasks directly (no lifecycle, nothing to acknowledge). */
  seedTasks(fw: FrameworkRec, specs: Array<{ taskId: string; agentId: string; executor?: ExecutorInfo; resources?: TaskInfo['resources']; name?: string }>): void {
    const st = this.st!;
    const now = this.nowSeconds();
    for (const s of specs) {
      const a = st.agents.get(s.agentId);
      if (!a || a.standing !== 'registered') throw new Error(`seedTasks: agent ${s.agentId} is not registered`);
      if (fw.tasks.has(s.taskId)) throw new Error(`seedTasks: task ${s.taskId} already exists in framework ${fw.id}`);
      const ex = s.executor ? { ...s.executor, framework_id: { value: fw.id } } : undefined;
      const task: TaskInfo = { name: s.name ?? s.taskId, task_id: { value: s.taskId }, agent_id: { value: a.id }, resources: s.resources ?? [] };
      if (ex) task.executor = ex;
      else task.command = { value: 'sleep 1000000', shell: true };
      if (ex) {
        let exs = fw.executors.get(a.id);
        if (!exs) fw.executors.set(a.id, (exs = new Map()));
        if (!exs.has(ex.executor_id.value)) {
          exs.set(ex.executor_id.value, ex);
          a.used = addBags(a.used, bagFrom(ex.resources));
        }
      }
      const uuid = randomUuidB64();
      const status: TaskStatus = { task_id: { value: s.taskId }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', agent_id: { value: a.id }, timestamp: now, uuid };
      if (ex) status.executor_id = { value: ex.executor_id.value };
      a.sim.seedTask(fw.info, task, 'TASK_RUNNING', status);
      const t = this.addTask(fw, a, task, 'TASK_RUNNING', frameworkRoles(fw.info)[0] ?? '*');
      t.statuses = [status];
      t.statusUpdateState = 'TASK_RUNNING';
      t.statusUpdateUuid = uuid;
    }
    this.scheduleAllocation();
  }

  // ---- Views (operator API and /master/state) --------------------------------------------------------------

  viewTask(t: MasterTask): Record<string, unknown> {
    const v: Record<string, unknown> = {
      name: t.info.name,
      task_id: { value: t.info.task_id.value },
      framework_id: { value: t.frameworkId },
      agent_id: { value: t.agentId },
      state: t.state,
      resources: bagToResources(t.resources, t.role),
      statuses: t.statuses,
      role: t.role,
    };
    if (t.executorId) v.executor_id = { value: t.executorId };
    if (t.statusUpdateState) v.status_update_state = t.statusUpdateState;
    if (t.statusUpdateUuid) v.status_update_uuid = t.statusUpdateUuid;
    if (t.info.labels) v.labels = t.info.labels;
    if (t.info.command?.user) v.user = t.info.command.user;
    const fw = this.st?.frameworks.get(t.frameworkId) ?? this.st?.completed.find((f) => f.id === t.frameworkId);
    if (!v.user && fw) v.user = fw.info.user;
    return v;
  }

  viewFramework(fw: FrameworkRec): Record<string, unknown> {
    const allocated = [...fw.tasks.values()].filter((t) => t.resourcesHeld).reduce((acc, t) => addBags(acc, t.resources), emptyBag());
    const offered = [...fw.offers.values()].reduce((acc, o) => addBags(acc, o.resources), emptyBag());
    const v: Record<string, unknown> = {
      framework_info: fw.info,
      active: fw.active,
      connected: fw.connected,
      recovered: fw.recovered,
      registered_time: { nanoseconds: fw.registeredTime * NS },
      offers: [...fw.offers.values()].map((o) => o.offer),
      inverse_offers: [],
      allocated_resources: bagToResources(allocated),
      offered_resources: bagToResources(offered),
    };
    if (!fw.recovered) v.reregistered_time = { nanoseconds: fw.reregisteredTime * NS };
    if (fw.unregisteredTime !== undefined) v.unregistered_time = { nanoseconds: fw.unregisteredTime * NS };
    if (fw.offerConstraints !== undefined) v.offer_constraints = fw.offerConstraints;
    return v;
  }

  viewAgent(a: AgentRec): Record<string, unknown> {
    return {
      agent_info: { hostname: a.sim.hostname, port: a.sim.port, resources: a.sim.resources, attributes: [], id: { value: a.id } },
      active: a.standing === 'registered' && a.connected,
      deactivated: false,
      version: this.env.options().version,
      pid: a.sim.pid,
      registered_time: { nanoseconds: a.registeredTime * NS },
      ...(a.reregisteredTime !== undefined ? { reregistered_time: { nanoseconds: a.reregisteredTime * NS } } : {}),
      total_resources: a.sim.resources,
      allocated_resources: bagToResources(a.used),
      offered_resources: bagToResources(a.offered),
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'HIERARCHICAL_ROLE' }, { type: 'RESERVATION_REFINEMENT' }],
    };
  }

  getFrameworks(): Record<string, unknown> {
    const st = this.st!;
    return {
      frameworks: [...st.frameworks.values()].map((f) => this.viewFramework(f)),
      completed_frameworks: st.completed.map((f) => this.viewFramework(f)),
    };
  }

  getTasks(): Record<string, unknown> {
    const st = this.st!;
    const tasks: unknown[] = [];
    const unreachable: unknown[] = [];
    const completed: unknown[] = [];
    for (const fw of [...st.frameworks.values(), ...st.completed]) {
      for (const t of fw.tasks.values()) tasks.push(this.viewTask(t));
      for (const t of fw.unreachableTasks.values()) unreachable.push(this.viewTask(t));
      for (const t of fw.completedTasks.slice(-MAX_COMPLETED_TASKS_PER_FRAMEWORK)) completed.push(this.viewTask(t));
    }
    return { tasks, unreachable_tasks: unreachable, completed_tasks: completed };
  }

  getExecutors(): Record<string, unknown> {
    const st = this.st!;
    const executors: unknown[] = [];
    for (const fw of st.frameworks.values()) for (const [agentId, exs] of fw.executors) for (const ex of exs.values()) executors.push({ executor_info: ex, agent_id: { value: agentId } });
    return { executors };
  }

  getAgents(): Record<string, unknown> {
    const st = this.st!;
    const agents: unknown[] = [];
    const recovered: unknown[] = [];
    for (const a of st.agents.values()) {
      if (a.standing === 'registered') agents.push(this.viewAgent(a));
      else if (a.standing === 'recovered') recovered.push({ hostname: a.sim.hostname, port: a.sim.port, resources: a.sim.resources, attributes: [], id: { value: a.id } });
    }
    return { agents, recovered_agents: recovered };
  }

  getState(): Record<string, unknown> {
    return { get_tasks: this.getTasks(), get_executors: this.getExecutors(), get_frameworks: this.getFrameworks(), get_agents: this.getAgents() };
  }

  getMaster(): Record<string, unknown> {
    return { master_info: this.info, start_time: this.startTime / 1000, elected_time: (this.electedTime ?? this.startTime) / 1000 };
  }
}

export function ipToNetworkUint32(ip: string): number {
  // MasterInfo.ip is the IPv4 address packed in network byte order, read as a little-endian uint32 on x86.
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
  return ((d << 24) >>> 0) + (c << 16) + (b << 8) + a;
}
