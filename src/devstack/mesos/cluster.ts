// MesosCluster: several emulated Mesos masters (one leads, the others redirect), simulated agents, a clock
// (real or virtual), the recorded history, and the emulator-only fault hooks. See README.md in this folder.
import type { Server } from 'node:http';
import type { ExecutorInfo, FrameworkInfo, Resource, TaskState, TaskStatusReason, TaskStatusSource } from '../../mesos/types.js';
import { encodeRecord } from '../../mesos/recordio.js';
import { RealClock, VirtualClock, type Clock } from './clock.js';
import { History, type HistoryOptions } from './history.js';
import { SimAgent, randomUuidB64, type AgentTaskTiming, type TaskScript, type TaskStep } from './agent.js';
import { Master, type AgentRegistry, type ResolvedMasterOptions } from './master.js';
import { createMasterServer, type CallFaultRule, type Credential, type MasterTls } from './http.js';
import type { ChunkMode, EventFaultRule } from './stream.js';
import type { AgentRec, FrameworkRec, MasterTask } from './model.js';
import { parseResourceString } from './resources.js';
import { ZkLeaderWatch, ZkMembership } from './zk.js';

export interface AgentSpec {
  hostname?: string;
  /** Resource list or Mesos resource string ("cpus:4;mem:8192;disk:10000;ports:[31000-32000]"). */
  resources?: Resource[] | string;
}

export const DEFAULT_AGENT_RESOURCES = 'cpus:4;mem:8192;disk:20000;ports:[31000-32000]';

export interface MesosClusterOptions {
  /** Number of masters (default 1). */
  masters?: number;
  /** Number of agents or their specs (default 3 agents of DEFAULT_AGENT_RESOURCES). */
  agents?: number | AgentSpec[];
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** Port per master (default 0 = any free port). */
  ports?: number[];
  /** MasterInfo.hostname, used in redirects (default: `host`). */
  advertisedHostname?: string;
  /** Index of the first leader (default 0). Ignored with `zk`. */
  initialLeader?: number;
  /** 'virtual' (default for tests: time moves only by `clock.advance`), 'real', or a Clock. */
  clock?: 'virtual' | 'real' | Clock;
  /** SUBSCRIBED.heartbeat_interval_seconds and the heartbeat period (default 15). */
  heartbeatSeconds?: number;
  /** A newly elected leader answers 503 "Master has not finished recovery" for this long (default 0). */
  recoveryMs?: number;
  /** --offer_timeout: rescind offers after this long (default: none). */
  offerTimeoutMs?: number;
  /** --agent_reregister_timeout (default 10 min). */
  agentReregisterTimeoutMs?: number;
  /** After a master failover, agents re-register after this delay (default 0). */
  agentReregisterDelayMs?: number;
  /** Health-check timeout for a disconnected agent: 5 × 15 s (default 75 s). */
  agentPingTimeoutMs?: number;
  /** Task lifecycle delays and the agent's update retry schedule (10 s doubling to 10 min by default). */
  taskTiming?: Partial<AgentTaskTiming>;
  /** Scripted task lifecycles (see TaskScript). */
  taskScript?: TaskScript;
  /** HTTP basic authentication for the scheduler endpoint (and the operator endpoints if `authenticateOperator`). */
  credentials?: Credential[];
  authenticateOperator?: boolean;
  /** --roles whitelist (default: any role). */
  roles?: string[];
  /** --max_completed_frameworks (default 50). */
  maxCompletedFrameworks?: number;
  history?: HistoryOptions;
  /** Register masters in a real ZooKeeper; leadership then follows the lowest json.info_ sequence. */
  zk?: { connectionString: string; path: string };
  /** Version reported in MasterInfo and /master/state (default "1.11.0"). */
  version?: string;
  /** Serve https (libprocess SSL) instead of http. */
  tls?: MasterTls;
}

export interface FailoverOptions {
  /** The next leader (default: the next master in order; with one master, the same master restarts). */
  to?: number;
  /** Which agents re-register with the new leader: 'all' (default), 'none', or a list of agent ids. */
  reregister?: 'all' | 'none' | string[];
  /** Delay before they re-register (default: options.agentReregisterDelayMs). */
  reregisterDelayMs?: number;
}

export interface SeedTasksOptions {
  /** Task id prefix (default "seed-"): ids are `<prefix><n>`. */
  prefix?: string;
  /** Agents to spread tasks on, round-robin (default: all registered agents). */
  agentIds?: string[];
  /** Custom executor id per agent (default "seed-executor"); null = command tasks. */
  executorId?: string | null;
  /** Resources of each task (default none, so 100k tasks fit). */
  resources?: Resource[];
}

export interface SeedTaskSpec {
  taskId: string;
  agentId: string;
  executor?: ExecutorInfo;
  resources?: Resource[];
  name?: string;
}

function resolveTiming(t: Partial<AgentTaskTiming> | undefined): AgentTaskTiming {
  return {
    startingDelayMs: t?.startingDelayMs ?? 0,
    runningDelayMs: t?.runningDelayMs ?? 0,
    killDelayMs: t?.killDelayMs ?? 0,
    retryInitialMs: t?.retryInitialMs ?? 10_000,
    retryMaxMs: t?.retryMaxMs ?? 600_000,
  };
}

export class MesosCluster {
  readonly clock: Clock;
  readonly history: History;
  readonly masters: Master[] = [];
  readonly agents: SimAgent[] = [];
  readonly registry: AgentRegistry = { admitted: new Set(), unreachable: new Map(), gone: new Set() };
  private readonly servers: Server[] = [];
  private readonly host: string;
  private masterOpts: ResolvedMasterOptions;
  private timing: AgentTaskTiming;
  private script: TaskScript | undefined;
  private callRules: CallFaultRule[] = [];
  private eventRules: EventFaultRule[] = [];
  private chunking: ChunkMode = 'record';
  private connCounter = 0;
  private agentCounter = 0;
  private agentIdPrefix = '';
  private leaderIdx: number | undefined;
  private zkMembers = new Map<number, ZkMembership>();
  private zkWatch: ZkLeaderWatch | undefined;
  private stopped = false;

  private constructor(readonly options: MesosClusterOptions) {
    this.clock = options.clock === 'real' ? new RealClock() : options.clock && typeof options.clock === 'object' ? options.clock : new VirtualClock();
    this.history = new History(options.history);
    this.host = options.host ?? '127.0.0.1';
    this.masterOpts = {
      heartbeatSeconds: options.heartbeatSeconds ?? 15,
      recoveryMs: options.recoveryMs ?? 0,
      offerTimeoutMs: options.offerTimeoutMs,
      agentReregisterTimeoutMs: options.agentReregisterTimeoutMs ?? 600_000,
      agentPingTimeoutMs: options.agentPingTimeoutMs ?? 75_000,
      maxCompletedFrameworks: options.maxCompletedFrameworks ?? 50,
      roles: options.roles,
      version: options.version ?? '1.11.0',
    };
    this.timing = resolveTiming(options.taskTiming);
    this.script = options.taskScript;
  }

  static async start(options: MesosClusterOptions = {}): Promise<MesosCluster> {
    const c = new MesosCluster(options);
    try {
      await c.boot();
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  private async boot(): Promise<void> {
    const n = Math.max(1, this.options.masters ?? 1);
    const hostname = this.options.advertisedHostname ?? this.host;
    for (let i = 0; i < n; i++) {
      const m = new Master(i, hostname, {
        clock: this.clock,
        history: this.history,
        options: () => this.masterOpts,
        agents: () => this.agents,
        registry: this.registry,
        eventRule: (fw, ev) => this.matchEventRule(fw, ev),
        chunkMode: () => this.chunking,
      });
      const server = createMasterServer(m, {
        history: this.history,
        credentials: () => this.options.credentials,
        authenticateOperator: () => this.options.authenticateOperator ?? false,
        nextConnectionId: () => ++this.connCounter,
        callRule: (mm, type, fw) => this.matchCallRule(mm, type, fw),
        flags: () => this.flags(),
        leaderBase: (mm) => (mm.leader ? `//${mm.leader.hostname ?? mm.leader.address?.ip}:${mm.leader.port}` : undefined),
      }, this.options.tls);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.options.ports?.[i] ?? 0, this.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const addr = server.address();
      m.setPort(typeof addr === 'object' && addr ? addr.port : 0);
      this.masters.push(m);
      this.servers.push(server);
    }
    const specs: AgentSpec[] = Array.isArray(this.options.agents) ? this.options.agents : Array.from({ length: this.options.agents ?? 3 }, () => ({}));
    if (this.options.zk) {
      const zk = this.options.zk;
      this.zkWatch = await ZkLeaderWatch.start(zk.connectionString, zk.path, (nodePath) => this.onZkLeader(nodePath));
      for (const m of this.masters) await this.zkJoin(m);
      await this.waitFor(() => this.leaderIdx !== undefined, 20_000, 'a ZooKeeper-elected leader');
    } else {
      this.elect(this.options.initialLeader ?? 0, { reregister: 'none' });
    }
    const leader = this.leader!;
    this.agentIdPrefix = leader.info.id;
    for (const s of specs) this.addAgent(s);
  }

  private async waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`MesosCluster: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private flags(): Record<string, string> {
    return {
      agent_reregister_timeout: `${this.masterOpts.agentReregisterTimeoutMs / 1000}secs`,
      max_completed_frameworks: String(this.masterOpts.maxCompletedFrameworks),
      max_completed_tasks_per_framework: '1000',
      max_unreachable_tasks_per_framework: '1000',
      authenticate_http_frameworks: String(!!this.options.credentials),
      http_framework_authenticators: 'basic',
      ...(this.masterOpts.offerTimeoutMs !== undefined ? { offer_timeout: `${this.masterOpts.offerTimeoutMs / 1000}secs` } : {}),
      ...(this.masterOpts.roles ? { roles: this.masterOpts.roles.join(',') } : {}),
      ...(this.options.zk ? { zk: `zk://${this.options.zk.connectionString}${this.options.zk.path}` } : {}),
    };
  }

  // ---- Addresses -------------------------------------------------------------------------------------------

  get masterUrls(): string[] {
    return this.masters.map((m) => `${this.options.tls ? 'https' : 'http'}://${this.host}:${m.port}`);
  }

  /** "127.0.0.1:p1,127.0.0.1:p2,…", usable as --mesos-master. */
  get masterAddress(): string {
    return this.masters.map((m) => `${this.host}:${m.port}`).join(',');
  }

  /** zk://…/path when registered in ZooKeeper. */
  get zkUrl(): string | undefined {
    return this.options.zk ? `zk://${this.options.zk.connectionString}${this.options.zk.path}` : undefined;
  }

  get leaderIndex(): number | undefined {
    return this.leaderIdx;
  }

  get leader(): Master | undefined {
    return this.leaderIdx === undefined ? undefined : this.masters[this.leaderIdx];
  }

  get leaderUrl(): string | undefined {
    return this.leaderIdx === undefined ? undefined : this.masterUrls[this.leaderIdx];
  }

  /** The virtual clock (throws when the cluster runs on real time). */
  get virtualClock(): VirtualClock {
    if (!(this.clock instanceof VirtualClock)) throw new Error('MesosCluster runs on a real clock; start it with clock: "virtual"');
    return this.clock;
  }

  /** Shortcut for `virtualClock.advance(ms)`. */
  async advance(ms: number): Promise<void> {
    await this.virtualClock.advance(ms);
  }

  // ---- Leadership ------------------------------------------------------------------------------------------

  /** Makes master `index` the leader (non-ZK mode). The previous leader's process "restarts". */
  elect(index: number, opts: Omit<FailoverOptions, 'to'> = {}): void {
    if (index < 0 || index >= this.masters.length) throw new Error(`no master ${index}`);
    const old = this.leader;
    if (old) {
      old.stepDown();
      old.restartIdentity();
    }
    for (const a of this.agents) a.sink = undefined;
    const m = this.masters[index]!;
    this.leaderIdx = index;
    m.becomeLeader();
    for (const x of this.masters) x.leader = m.info;
    this.scheduleReregistration(m, opts);
  }

  private scheduleReregistration(m: Master, opts: Omit<FailoverOptions, 'to'>): void {
    const which = opts.reregister ?? 'all';
    if (which === 'none') return;
    const delay = opts.reregisterDelayMs ?? this.options.agentReregisterDelayMs ?? 0;
    const ids = which === 'all' ? undefined : new Set(which);
    const st = m.st;
    this.clock.setTimeout(() => {
      if (m.st !== st || !m.leading) return;
      for (const a of this.agents) {
        if (ids && !ids.has(a.id)) continue;
        if (a.partitioned || this.registry.gone.has(a.id)) continue;
        if (m.st!.agents.get(a.id)?.standing === 'unreachable') continue; // unreachable agents stay so until healed
        m.reregisterAgent(a);
      }
    }, delay);
  }

  /**
   * Master failover: the leader loses leadership (every scheduler stream closes, its in-memory state is lost),
   * another master (or the same one, restarted with a new id) takes over; agents re-register later.
   * In ZooKeeper mode the leader's session is closed and leadership follows the group membership.
   */
  async failover(opts: FailoverOptions = {}): Promise<void> {
    if (this.options.zk) {
      const old = this.leaderIdx;
      if (old === undefined) throw new Error('no leader to fail over');
      const m = this.masters[old]!;
      this.pendingReregister = opts;
      void this.zkMembers.get(old)?.close();
      this.zkMembers.delete(old);
      m.stepDown();
      this.leaderIdx = undefined;
      for (const x of this.masters) x.leader = undefined;
      m.restartIdentity();
      await this.waitFor(() => this.leaderIdx !== undefined && this.leaderIdx !== old, 30_000, 'the next ZooKeeper leader');
      await this.zkJoin(m); // the restarted master contends again
      return;
    }
    const next = opts.to ?? (this.leaderIdx === undefined ? 0 : (this.leaderIdx + 1) % this.masters.length);
    this.elect(next, opts);
  }

  /** No master leads: every master answers 503 "No leader elected" (non-ZK mode). */
  loseLeadership(): void {
    const old = this.leader;
    if (old) {
      old.stepDown();
      old.restartIdentity();
    }
    for (const a of this.agents) a.sink = undefined;
    this.leaderIdx = undefined;
    for (const m of this.masters) m.leader = undefined;
  }

  private pendingReregister: FailoverOptions | undefined;

  private async zkJoin(m: Master): Promise<void> {
    const zk = this.options.zk!;
    const member = await ZkMembership.join(zk.connectionString, zk.path, m.info);
    if (this.stopped) {
      await member.close();
      return;
    }
    this.zkMembers.set(m.index, member);
    this.zkNodeOwner.set(member.nodePath, m.index);
    this.onZkLeader(this.lastZkLeaderPath);
  }

  private zkNodeOwner = new Map<string, number>();
  private lastZkLeaderPath: string | undefined;

  private onZkLeader(nodePath: string | undefined): void {
    this.lastZkLeaderPath = nodePath;
    if (this.stopped) return;
    const idx = nodePath === undefined ? undefined : this.zkNodeOwner.get(nodePath);
    if (idx === this.leaderIdx) return;
    if (idx === undefined) {
      if (nodePath === undefined) this.loseLeadership();
      return; // a member we do not own (or not yet mapped)
    }
    const old = this.leader;
    if (old) {
      old.stepDown();
      // A master that loses its ZooKeeper leadership aborts; it restarts and rejoins with a new identity.
      void this.zkMembers.get(old.index)?.close();
      this.zkMembers.delete(old.index);
      old.restartIdentity();
      void this.zkJoin(old).catch(() => undefined);
    }
    for (const a of this.agents) a.sink = undefined;
    const m = this.masters[idx]!;
    this.leaderIdx = idx;
    m.becomeLeader();
    for (const x of this.masters) x.leader = m.info;
    const first = this.agents.length === 0 && this.registry.admitted.size === 0;
    if (!first) this.scheduleReregistration(m, this.pendingReregister ?? {});
    this.pendingReregister = undefined;
  }

  // ---- Agents ----------------------------------------------------------------------------------------------

  /** Adds a new agent and registers it with the leader. Returns its SimAgent (id `<masterId>-S<n>`). */
  addAgent(spec: AgentSpec = {}): SimAgent {
    const n = this.agentCounter++;
    const resources = typeof spec.resources === 'string' ? parseResourceString(spec.resources) : (spec.resources ?? parseResourceString(DEFAULT_AGENT_RESOURCES));
    const sim = new SimAgent(
      `${this.agentIdPrefix || this.leader?.info.id || 'master'}-S${n}`,
      spec.hostname ?? `agent-${n}.emulator.local`,
      5051 + n,
      resources,
      this.clock,
      () => this.timing,
      () => this.script,
    );
    this.agents.push(sim);
    this.registry.admitted.add(sim.id);
    this.leader?.registerAgent(sim);
    return sim;
  }

  agent(id: string): SimAgent {
    const a = this.agents.find((x) => x.id === id);
    if (!a) throw new Error(`no agent ${id}`);
    return a;
  }

  private leaderAgent(id: string): AgentRec {
    const a = this.requireLeader().st!.agents.get(id);
    if (!a) throw new Error(`the leading master does not know agent ${id}`);
    return a;
  }

  private requireLeader(): Master {
    const m = this.leader;
    if (!m?.st) throw new Error('no leading master');
    return m;
  }

  /** Cuts the agent off the master (TCP stays "up" for schedulers): non-checkpointing frameworks lose its tasks
   * at once; checkpointing frameworks see nothing until the ping timeout marks the agent unreachable. */
  partitionAgent(id: string): void {
    const sim = this.agent(id);
    sim.partitioned = true;
    this.leader?.agentDisconnected(sim);
  }

  /** Reconnects a partitioned agent (re-registers if it had been marked unreachable). */
  healAgent(id: string): void {
    const sim = this.agent(id);
    sim.partitioned = false;
    const m = this.leader;
    if (!m?.st) return;
    const a = m.st.agents.get(id);
    if (!a || a.standing === 'recovered') m.reregisterAgent(sim);
    else m.agentReconnected(sim);
  }

  /** Marks the agent unreachable at once (agent removed / partition detected). */
  markAgentUnreachable(id: string): void {
    const sim = this.agent(id);
    sim.partitioned = true;
    const m = this.requireLeader();
    m.markUnreachable(this.leaderAgent(id), 'REASON_AGENT_REMOVED');
  }

  /** Operator MARK_AGENT_GONE. */
  markAgentGone(id: string): void {
    const m = this.requireLeader();
    m.markGone(this.leaderAgent(id));
  }

  /** Re-registers a recovered (or partitioned) agent with the leader now. */
  reregisterAgent(id: string): void {
    const sim = this.agent(id);
    sim.partitioned = false;
    this.requireLeader().reregisterAgent(sim);
  }

  /** The next task launched on the agent fails (default TASK_FAILED / REASON_CONTAINER_LAUNCH_FAILED). */
  failNextLaunch(agentId: string, step: Partial<TaskStep> = {}): void {
    this.agent(agentId).failNextLaunch(step);
  }

  setTaskScript(script: TaskScript | undefined): void {
    this.script = script;
  }

  setTaskTiming(t: Partial<AgentTaskTiming>): void {
    this.timing = resolveTiming({ ...this.timing, ...t });
  }

  setHeartbeatSeconds(s: number): void {
    this.masterOpts = { ...this.masterOpts, heartbeatSeconds: s };
  }

  /** The executor of a running task reports a new state (e.g. TASK_FINISHED): a reliable update. */
  sendTaskUpdate(frameworkId: string, taskId: string, state: TaskState, opts: { reason?: TaskStatusReason; message?: string; source?: TaskStatusSource; healthy?: boolean } = {}): void {
    const sim = this.agents.find((a) => a.framework(frameworkId)?.tasks.has(taskId));
    if (!sim) throw new Error(`no agent runs task ${taskId} of framework ${frameworkId}`);
    sim.sendUpdate(frameworkId, taskId, state, opts);
  }

  /** The executor process exits with `status`: its tasks fail, the framework gets FAILURE{agent_id, executor_id, status}. */
  killExecutor(agentId: string, frameworkId: string, executorId: string, status = 137): void {
    this.agent(agentId).executorExit(frameworkId, executorId, status, 'crash');
  }

  // ---- Framework streams -----------------------------------------------------------------------------------

  /** Closes the framework's subscription connection (`abrupt`: TCP reset instead of a clean end). */
  closeFrameworkStream(frameworkId: string, opts: { abrupt?: boolean } = {}): void {
    const s = this.framework(frameworkId)?.stream;
    if (!s) throw new Error(`framework ${frameworkId} has no open stream`);
    if (opts.abrupt) s.destroy();
    else s.end();
  }

  /** Partition: the framework's stream stays open but nothing more is written to it. */
  partitionFrameworkStream(frameworkId: string): void {
    const s = this.framework(frameworkId)?.stream;
    if (!s) throw new Error(`framework ${frameworkId} has no open stream`);
    s.silenced = true;
  }

  /** Ends a stream partition: later events flow again (the ones sent meanwhile are lost). */
  healFrameworkStream(frameworkId: string): void {
    const s = this.framework(frameworkId)?.stream;
    if (s) s.silenced = false;
  }

  // ---- Faults ----------------------------------------------------------------------------------------------

  /** Adds a scheduler-call fault; returns a function that removes it. */
  addCallFault(rule: CallFaultRule): () => void {
    const r = { ...rule };
    this.callRules.push(r);
    return () => {
      this.callRules = this.callRules.filter((x) => x !== r);
    };
  }

  /** Adds an event fault (drop or delay chosen events); returns a function that removes it. */
  addEventFault(rule: EventFaultRule): () => void {
    const r = { ...rule };
    this.eventRules.push(r);
    return () => {
      this.eventRules = this.eventRules.filter((x) => x !== r);
    };
  }

  clearFaults(): void {
    this.callRules = [];
    this.eventRules = [];
  }

  private matchCallRule(m: Master, type: string, fw: string | undefined): CallFaultRule | undefined {
    const r = this.callRules.find((x) => (x.callType === undefined || x.callType === type) && (x.frameworkId === undefined || x.frameworkId === fw) && (x.master === undefined || x.master === m.index) && (x.times === undefined || x.times > 0));
    if (r && r.times !== undefined) r.times--;
    return r;
  }

  private matchEventRule(fw: string, ev: { type: string; update?: { status: { task_id: { value: string } } } }): EventFaultRule | undefined {
    const r = this.eventRules.find(
      (x) => (x.type === undefined || x.type === ev.type) && (x.frameworkId === undefined || x.frameworkId === fw) && (x.taskId === undefined || ev.update?.status.task_id.value === x.taskId) && (x.times === undefined || x.times > 0),
    );
    if (r && r.times !== undefined) r.times--;
    return r;
  }

  /** How event records are cut into HTTP chunks: 'record' (one write each), 'split' (each record in 3 chunks,
   * splitting the length prefix), 'coalesce' (records of one tick in one chunk). */
  setChunkMode(mode: ChunkMode): void {
    this.chunking = mode;
  }

  /** SIGSTOP-like: requests to the master wait, its streams hold events. */
  pauseMaster(index = this.leaderIdx ?? 0): void {
    const m = this.masters[index]!;
    m.paused = true;
    for (const fw of m.st?.frameworks.values() ?? []) fw.stream?.hold();
    for (const s of m.operatorStreams) s.hold();
  }

  resumeMaster(index = this.leaderIdx ?? 0): void {
    const m = this.masters[index]!;
    m.paused = false;
    for (const fw of m.st?.frameworks.values() ?? []) fw.stream?.release();
    for (const s of m.operatorStreams) s.release();
    for (const w of m.pausedWork.splice(0)) w();
    m.scheduleAllocation();
  }

  // ---- State for assertions --------------------------------------------------------------------------------

  framework(id: string): FrameworkRec | undefined {
    return this.leader?.st?.frameworks.get(id);
  }

  frameworks(): FrameworkRec[] {
    return [...(this.leader?.st?.frameworks.values() ?? [])];
  }

  completedFrameworks(): FrameworkRec[] {
    return [...(this.leader?.st?.completed ?? [])];
  }

  /** Tasks in framework.tasks of the leader's view. */
  tasks(frameworkId: string): MasterTask[] {
    return [...(this.framework(frameworkId)?.tasks.values() ?? [])];
  }

  task(frameworkId: string, taskId: string): MasterTask | undefined {
    return this.framework(frameworkId)?.tasks.get(taskId);
  }

  /** The leader's view of an agent (standing: registered / recovered / unreachable / gone). */
  agentState(id: string): AgentRec | undefined {
    return this.leader?.st?.agents.get(id);
  }

  /** Executors of a framework in the leader's view: agentId → executor ids. */
  executors(frameworkId: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [a, exs] of this.framework(frameworkId)?.executors ?? []) out.set(a, [...exs.keys()]);
    return out;
  }

  // ---- Bulk helpers (benchmarks) ---------------------------------------------------------------------------

  /** Creates RUNNING tasks (acknowledged, with executors) for a framework the leader knows; fast for 100k. */
  seedTasks(frameworkId: string, what: number | SeedTaskSpec[], opts: SeedTasksOptions = {}): string[] {
    const m = this.requireLeader();
    const fw = m.st!.frameworks.get(frameworkId);
    if (!fw) throw new Error(`seedTasks: the leader does not know framework ${frameworkId}`);
    let specs: SeedTaskSpec[];
    if (typeof what === 'number') {
      const agentIds = opts.agentIds ?? [...m.st!.agents.values()].filter((a) => a.standing === 'registered').map((a) => a.id);
      if (agentIds.length === 0) throw new Error('seedTasks: no registered agent');
      const prefix = opts.prefix ?? 'seed-';
      const exId = opts.executorId === undefined ? 'seed-executor' : opts.executorId;
      const executors = new Map<string, ExecutorInfo>();
      for (const a of agentIds) if (exId !== null) executors.set(a, { executor_id: { value: exId }, command: { value: 'seed-executor', shell: true }, name: exId });
      const start = fw.tasks.size + fw.completedTasks.length;
      specs = new Array(what);
      for (let i = 0; i < what; i++) {
        const agentId = agentIds[i % agentIds.length]!;
        specs[i] = { taskId: `${prefix}${start + i}`, agentId, executor: executors.get(agentId), resources: opts.resources };
      }
    } else specs = what;
    m.seedTasks(fw, specs);
    return specs.map((s) => s.taskId);
  }

  /**
   * Writes `n` synthetic UPDATE events (TASK_RUNNING for tasks `synthetic-<i>`) to the framework's stream as
   * fast as the socket takes them. No uuid unless `withUuid` (so a client does not ACKNOWLEDGE them). They are
   * not recorded in the history unless `record`.
   */
  async streamSyntheticUpdates(frameworkId: string, n: number, opts: { withUuid?: boolean; record?: boolean; agentId?: string } = {}): Promise<{ events: number; bytes: number; ms: number }> {
    const fw = this.framework(frameworkId);
    const s = fw?.stream;
    if (!fw || !s || s.closed) throw new Error(`framework ${frameworkId} has no open stream`);
    const agentId = opts.agentId ?? this.agents[0]?.id ?? 'agent';
    const t0 = performance.now();
    let bytes = 0;
    const ts = this.clock.now() / 1000;
    for (let i = 0; i < n; i++) {
      if (s.closed) break;
      const status: Record<string, unknown> = { task_id: { value: `synthetic-${i}` }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', agent_id: { value: agentId }, executor_id: { value: 'synthetic-executor' }, timestamp: ts };
      if (opts.withUuid) status.uuid = randomUuidB64();
      const ev = { type: 'UPDATE', update: { status } };
      if (opts.record) {
        s.send(ev as never);
        continue;
      }
      const buf = encodeRecord(JSON.stringify(ev));
      bytes += buf.length;
      if (!s.writeRaw(buf)) await new Promise<void>((r) => s.res.once('drain', () => r()));
    }
    return { events: n, bytes, ms: performance.now() - t0 };
  }

  // ---- Lifecycle -------------------------------------------------------------------------------------------

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const zkClosing = [this.zkWatch?.close(), ...[...this.zkMembers.values()].map((z) => z.close())];
    this.zkMembers.clear();
    for (const m of this.masters) {
      for (const w of m.pausedWork.splice(0)) w();
      m.stepDown();
    }
    for (const a of this.agents) a.stopTimers();
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
    await Promise.all(zkClosing);
  }
}

export type { FrameworkInfo };
