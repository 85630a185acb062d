// A scheduler stack for integration tests: real etcd, the Mesos master emulator (real clock, so replica processes
// and the emulator share time), and scheduler replicas as separate processes. Each replica's JSON log is parsed
// into a timeline (elected / lost / subscribed with stream id) that the invariant checks use.
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { EtcdServer } from '../../src/devstack/etcd.js';
import { MesosCluster, type MesosClusterOptions } from '../../src/devstack/mesos/index.js';
import { keyLayout, type KeyLayout } from '../../src/api/keys.js';
import { parseLeaderStatus, type LeaderStatusRecord } from '../../src/api/leader-status.js';
import { encodeRecord, type TaskRecord } from '../../src/scheduler/task-record.js';
import { parseAndValidate } from '../../src/scheduler/command.js';
import { Replica } from '../../src/scheduler/replica.js';
import type { TaskManagerFactory } from '../../src/scheduler/task-manager.js';
import { createLogger, type Logger } from '../../src/util/log.js';
import type { SchedulerConfig } from '../../src/api/flags.js';
import { ProcGroup, type Proc } from './procs.js';
import { uniqueName, waitFor } from './wait.js';

export interface TimelineEvent {
  at: number;
  replica: string;
  pid: number;
  kind: 'elected' | 'lost' | 'subscribed' | 'http' | 'refused' | 'reconciled' | 'fatal';
  term?: string;
  streamId?: string;
  frameworkId?: string;
  url?: string;
  reason?: string;
  msg?: string;
}

export class ReplicaProc {
  readonly events: TimelineEvent[] = [];
  /** Each term's registry load: from the standby's verified mirror, or read from etcd. */
  readonly registryLoads: Array<{ at: number; source: string; tasks: number }> = [];
  private buf = '';
  url: string | undefined;

  constructor(
    readonly name: string,
    readonly proc: Proc,
    readonly incarnation: number,
  ) {
    proc.child.stdout?.on('data', (d: Buffer) => this.feed(d.toString()));
    proc.child.stderr?.on('data', (d: Buffer) => this.feed(d.toString()));
  }

  private feed(s: string): void {
    this.buf += s;
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      if (!line.startsWith('{')) continue;
      let j: Record<string, unknown>;
      try {
        j = JSON.parse(line);
      } catch {
        continue;
      }
      const at = Date.parse(String(j.time));
      const base = { at, replica: this.name, pid: this.proc.pid };
      const msg = String(j.msg ?? '');
      if (msg === 'http listening') {
        this.url = String(j.url);
        this.events.push({ ...base, kind: 'http', url: this.url });
      } else if (msg === 'elected leader') this.events.push({ ...base, kind: 'elected', term: String(j.term) });
      else if (msg === 'leadership lost; standing by') this.events.push({ ...base, kind: 'lost', term: String(j.term), reason: String(j.reason) });
      else if (msg === 'subscribed to Mesos') this.events.push({ ...base, kind: 'subscribed', term: String(j.term), streamId: String(j.streamId), frameworkId: String(j.frameworkId) });
      else if (/^reconciliation (complete|timed-out)$/.test(msg)) this.events.push({ ...base, kind: 'reconciled', term: String(j.term), msg });
      else if (j.reason === 'ExecutorHashMismatch' && j.level === 'error') this.events.push({ ...base, kind: 'refused', reason: 'ExecutorHashMismatch', msg });
      else if (j.level === 'fatal') this.events.push({ ...base, kind: 'fatal', msg });
      if (msg === 'task registry loaded') this.registryLoads.push({ at, source: String(j.source), tasks: Number(j.tasks) });
    }
  }

  get running(): boolean {
    return this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  async status(): Promise<Record<string, any>> {
    const r = await fetch(`${this.url}/status`, { signal: AbortSignal.timeout(3000) });
    return (await r.json()) as Record<string, any>;
  }
}

export interface StackOptions {
  replicas?: number;
  leaseTtl?: string;
  mesos?: MesosClusterOptions;
  extraFlags?: string[];
}

export class SchedulerStack {
  readonly procs = new ProcGroup();
  readonly replicas: ReplicaProc[] = [];
  readonly frameworkName = uniqueName('fw').replace(/[^A-Za-z0-9-]/g, '');
  readonly keys: KeyLayout;
  etcdClient!: Etcd3;
  private incarnations = 0;
  private readonly inProc: Replica[] = [];

  private constructor(
    readonly etcd: EtcdServer,
    readonly mesos: MesosCluster,
    readonly opts: StackOptions,
  ) {
    this.keys = keyLayout('/k8sm', this.frameworkName);
  }

  static async start(opts: StackOptions = {}): Promise<SchedulerStack> {
    const etcd = await EtcdServer.start();
    const mesos = await MesosCluster.start({
      masters: 2,
      agents: 3,
      clock: 'real',
      heartbeatSeconds: 1,
      ...opts.mesos,
      taskTiming: { startingDelayMs: 20, runningDelayMs: 20, retryInitialMs: 500, retryMaxMs: 2000, ...opts.mesos?.taskTiming },
    });
    const s = new SchedulerStack(etcd, mesos, opts);
    s.etcdClient = new Etcd3({ hosts: etcd.endpoint, defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 5000 }) });
    return s;
  }

  flags(name: string, extra: string[] = []): string[] {
    return [
      'scheduler',
      '--ha',
      `--framework-name=${this.frameworkName}`,
      `--etcd-servers=${this.etcd.endpoint}`,
      `--mesos-master=${this.mesos.masterAddress}`,
      '--km-path=hdfs:///km',
      `--lease-ttl=${this.opts.leaseTtl ?? '2s'}`,
      '--port=0',
      `--identity=${name}`,
      '--reconcile-initial-backoff=200ms',
      '--reconcile-max-backoff=1s',
      '--reconcile-timeout=20s',
      '--reconcile-interval=0',
      ...(this.opts.extraFlags ?? []),
      ...extra,
    ];
  }

  spawn(name: string, extra: string[] = []): ReplicaProc {
    const p = this.procs.cli(this.flags(name, extra), { env: { ...process.env, SCHEDULERHA_LOG_PRETTY: '0', SCHEDULERHA_LOG_LEVEL: 'info' } });
    const r = new ReplicaProc(name, p, ++this.incarnations);
    this.replicas.push(r);
    return r;
  }

  /** A replica in this process (this stack's flags plus `extra`) whose task manager `taskManager` makes from its
   * config and logger — for tests that script or inspect the task manager. stop() stops it. */
  async inProcess(name: string, taskManager: (config: SchedulerConfig, logger: Logger) => TaskManagerFactory, o: { extra?: string[]; rejoinDelayMs?: number } = {}): Promise<Replica> {
    const parsed = parseAndValidate(this.flags(name, o.extra ?? []).slice(1));
    assert.deepEqual(parsed.errors, []);
    const config = parsed.config!;
    const logger = createLogger({ name, level: process.env.SCHEDULERHA_TEST_LOG_LEVEL ?? 'warn', pretty: false });
    const replica = new Replica({
      config,
      logger,
      taskManager: taskManager(config, logger),
      statusIntervalMs: 200,
      ...(o.rejoinDelayMs !== undefined ? { rejoinDelayMs: o.rejoinDelayMs } : {}),
      mesosClient: { backoff: { initialMs: 50, maxMs: 500 } },
    });
    this.inProc.push(replica);
    await replica.start();
    return replica;
  }

  live(): ReplicaProc[] {
    return this.replicas.filter((r) => r.running);
  }

  /** All timeline events of all incarnations, by time. */
  timeline(): TimelineEvent[] {
    return this.replicas.flatMap((r) => r.events).sort((a, b) => a.at - b.at);
  }

  async leaderStatus(): Promise<LeaderStatusRecord | undefined> {
    return parseLeaderStatus(await this.etcdClient.get(this.keys.leaderStatus).string());
  }

  async frameworkId(): Promise<string | undefined> {
    return (await this.etcdClient.get(this.keys.frameworkId).string()) ?? undefined;
  }

  async registry(): Promise<Map<string, TaskRecord>> {
    const all = await this.etcdClient.getAll().prefix(this.keys.tasksPrefix).strings();
    return new Map(Object.values(all).map((v) => {
      const r = JSON.parse(v) as TaskRecord;
      return [r.id, r];
    }));
  }

  async writeRegistry(records: TaskRecord[]): Promise<void> {
    for (const r of records) await this.etcdClient.put(this.keys.task(r.id)).value(encodeRecord(r));
  }

  /** The leader whose status record says it is subscribed and has finished reconciling, in a term newer than
   * `afterTerm`. */
  async waitForReconciledLeader(afterTerm?: bigint, timeoutMs = 60_000): Promise<LeaderStatusRecord> {
    return waitFor(
      'a subscribed leader with reconciliation complete',
      async () => {
        const s = await this.leaderStatus();
        if (!s || s.mesos !== 'subscribed' || s.reconciliation.phase !== 'complete') return undefined;
        if (afterTerm !== undefined && BigInt(s.term) <= afterTerm) return undefined;
        return s;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  leaderReplica(term: string): ReplicaProc | undefined {
    const e = this.timeline().filter((x) => x.kind === 'elected' && x.term === term).at(-1);
    return e ? this.replicas.find((r) => r.name === e.replica && r.proc.pid === e.pid) : undefined;
  }

  async stop(): Promise<void> {
    for (const r of this.inProc.splice(0)) await r.stop();
    await this.procs.killAll();
    this.etcdClient?.close();
    await this.mesos.stop();
    await this.etcd.stop();
  }
}

export function now(): number {
  return Date.now();
}
