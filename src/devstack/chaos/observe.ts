// What the soak watches while it runs, from outside the system under test:
// - EtcdWatch: who leads the election (the product's own LeaderObserver: list + watch, lowest create revision) and
//   every value the framework-id key ever held;
// - AgentTruth: every task the emulated agents received and every status they generated, with exact times, taken
//   from the agents' own task objects (they outlive master failovers and acknowledgements).
import type { Etcd3, Watcher } from 'etcd3';
import { LeaderObserver, cancelWatcher, trackWatcher } from '../../election/index.js';
import { parseCandidateIdentity } from '../../api/leader-status.js';
import type { KeyLayout } from '../../api/keys.js';
import { isTerminalState, type TaskState } from '../../mesos/types.js';
import type { MesosCluster, TaskScript } from '../mesos/index.js';
import type { AgentTask } from '../mesos/agent.js';
import { errorMessage } from '../../util/errors.js';
import type { AgentTaskTruth, LeaderObservation } from './checker.js';

export interface CurrentLeader {
  term: string;
  pod?: string;
  leaseIdHex: string;
  /** The replica's HTTP endpoint (/status). */
  url?: string;
}

export class EtcdWatch {
  readonly leaders: LeaderObservation[] = [];
  readonly frameworkIds: string[] = [];
  readonly errors: string[] = [];
  private readonly observer: LeaderObserver;
  private fwWatcher: Watcher | undefined;
  private current_: CurrentLeader | undefined;
  private stopped = false;

  constructor(
    private readonly client: Etcd3,
    private readonly keys: KeyLayout,
  ) {
    this.observer = new LeaderObserver(client, keys.electionPrefix, { probeIntervalMs: 500 });
    this.observer.on('change', (v) => {
      if (v.state === 'unknown') return; // etcd unreachable: nothing learned
      if (v.state === 'none') {
        this.current_ = undefined;
        if (this.leaders.at(-1)?.term !== null) this.leaders.push({ at: Date.now(), term: null });
        return;
      }
      const id = parseCandidateIdentity(v.value);
      this.current_ = { term: v.term.createRevision, leaseIdHex: v.term.leaseIdHex, ...(id?.pod ? { pod: id.pod } : {}), ...(id?.url ? { url: id.url } : {}) };
      if (this.leaders.at(-1)?.term !== v.term.createRevision) this.leaders.push({ at: Date.now(), term: v.term.createRevision, ...(id?.pod ? { pod: id.pod } : {}) });
    });
  }

  async start(): Promise<this> {
    this.observer.start();
    await this.watchFrameworkId();
    return this;
  }

  /** The leader as the election keys say (a frozen or stepped-down leader still holds its key until its lease
   * expires). */
  get current(): CurrentLeader | undefined {
    return this.current_;
  }

  private noteFrameworkId(v: string | null | undefined): void {
    if (v && this.frameworkIds.at(-1) !== v) this.frameworkIds.push(v);
  }

  private async watchFrameworkId(): Promise<void> {
    const res = await this.client.get(this.keys.frameworkId).exec();
    this.noteFrameworkId(res.kvs[0]?.value.toString());
    const w = trackWatcher(await this.client.watch().key(this.keys.frameworkId).startRevision(String(BigInt(res.header.revision) + 1n)).create());
    if (this.stopped) {
      await cancelWatcher(w);
      return;
    }
    this.fwWatcher = w;
    w.on('put', (kv) => this.noteFrameworkId(kv.value.toString()));
    w.on('error', (err: unknown) => this.errors.push(`framework-id watch: ${errorMessage(err)}`));
  }

  /** A final read, so a value written after the watch's last event is not missed. */
  async readFrameworkIdNow(): Promise<string | undefined> {
    const v = await this.client.get(this.keys.frameworkId).string();
    this.noteFrameworkId(v);
    return v ?? undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.observer.stop().catch(() => undefined);
    await cancelWatcher(this.fwWatcher);
  }
}

interface Launch {
  taskId: string;
  agentId: string;
  frameworkId: string;
  launchedAt: number;
  task: AgentTask | undefined;
}

/** Records every task the agents receive (through the cluster's TaskScript hook, chaining `inner`). */
export class AgentTruth {
  private readonly launches: Launch[] = [];

  constructor(
    private readonly mesos: MesosCluster,
    inner?: TaskScript,
  ) {
    mesos.setTaskScript((task, ctx) => {
      // The agent has created its task object before it asks the script for the lifecycle.
      const t = mesos.agent(ctx.agentId).framework(ctx.frameworkId)?.tasks.get(task.task_id.value);
      this.launches.push({ taskId: task.task_id.value, agentId: ctx.agentId, frameworkId: ctx.frameworkId, launchedAt: mesos.clock.now(), task: t });
      return inner?.(task, ctx);
    });
  }

  get count(): number {
    return this.launches.length;
  }

  truth(): AgentTaskTruth[] {
    return this.launches.map((l) => {
      const t = l.task;
      const held = t !== undefined && this.mesos.agent(l.agentId).framework(l.frameworkId)?.tasks.get(l.taskId) === t;
      const state = t?.state ?? 'TASK_UNKNOWN';
      return {
        taskId: l.taskId,
        agentId: l.agentId,
        launchedAt: l.launchedAt,
        statuses: (t?.statuses ?? []).map((s) => ({ state: s.state, at: Math.round((s.timestamp ?? 0) * 1000) })),
        live: held && !isTerminalState(state as TaskState),
        state,
      };
    });
  }

  /** Task ids live on agents now, by pod-independent id. */
  liveTaskIds(): Set<string> {
    return new Set(this.truth().filter((t) => t.live).map((t) => t.taskId));
  }
}

export interface ProcessLife {
  pid: number;
  pod: string;
  firstSeen: number;
  /** When the pid was first seen gone (undefined: still running at the last poll). */
  exitedAt?: number;
}

/** Polls the pod runner for the replica pods' process ids, so the timeline knows when each process really ended
 * (its last log line can be seconds earlier: an idle leader logs nothing before a SIGKILL). */
export class ProcessMonitor {
  private readonly lives = new Map<number, ProcessLife>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pids: (pod: string) => number[],
    private readonly pods: () => string[],
    private readonly intervalMs = 100,
  ) {}

  start(): this {
    this.poll();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Notes that `pid` ended now (the soak killed it), without waiting for the next poll. */
  killed(pid: number, at = Date.now()): void {
    const l = this.lives.get(pid);
    if (l && l.exitedAt === undefined) l.exitedAt = at;
  }

  poll(now = Date.now()): void {
    const seen = new Set<number>();
    for (const pod of this.pods()) {
      for (const pid of this.pids(pod)) {
        seen.add(pid);
        if (!this.lives.has(pid)) this.lives.set(pid, { pid, pod, firstSeen: now });
      }
    }
    for (const l of this.lives.values()) if (l.exitedAt === undefined && !seen.has(l.pid)) l.exitedAt = now;
  }

  life(pid: number): ProcessLife | undefined {
    return this.lives.get(pid);
  }

  stop(): void {
    clearInterval(this.timer);
    this.poll();
  }
}
