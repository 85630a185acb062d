// Shared set-up of the scheduler benchmarks (bench/failover.ts, bench/reconcile.ts):
//   - the Mesos master emulator (real clock) in its own Node process, driven over IPC (scheduler-bench-emulator.ts);
//   - scheduler replica processes (`node dist/src/cli.js scheduler --ha …`) whose JSON log lines are parsed, with
//     the replica's own timestamp (`at`, its Date.now() at logging) and the time this process read the line (`rt`);
//   - the task registry written to etcd as a leader writes it: JSON TaskRecords, ≤ 128 puts per txn.
// Everything runs on one machine, so the emulator's history times, the replicas' log times and this process's
// Date.now() are the same clock.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Etcd3 } from 'etcd3';
import type { CallRecord, MesosClusterOptions } from '../../src/devstack/mesos/index.js';
import type { KeyLayout } from '../../src/api/keys.js';
import { encodeRecord, type TaskRecord } from '../../src/scheduler/task-record.js';
import { MAX_TXN_OPS } from '../../src/scheduler/registry.js';
import { CLI, type ProcGroup, type Proc } from '../../test/helpers/procs.js';
import type { EmulatorRequest, SeededTasks, TaskRow } from './scheduler-bench-emulator.js';

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/** The emulator child process. */
export class EmulatorProc {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    readonly leaderUrl: string,
    readonly masterAddress: string,
    readonly agents: string[],
    /** Agent hostnames, in the order of `agents`. */
    readonly hostnames: string[],
  ) {
    child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
    child.on('exit', (code, sig) => {
      for (const p of this.pending.values()) p.reject(new Error(`emulator process exited (${code ?? sig})`));
      this.pending.clear();
    });
  }

  /** `execArgv`: Node flags for the emulator process (e.g. --cpu-prof). */
  static async start(opts: Omit<MesosClusterOptions, 'clock'>, execArgv: string[] = []): Promise<EmulatorProc> {
    const file = fileURLToPath(new URL('./scheduler-bench-emulator.js', import.meta.url));
    const child = fork(file, [JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
    try {
      const ready = await new Promise<{ leaderUrl: string; masterAddress: string; agents: string[]; hostnames: string[] }>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`emulator process exited during start (${code})`)));
        child.once('message', (m: { ready?: { leaderUrl: string; masterAddress: string; agents: string[]; hostnames: string[] } }) => (m.ready ? resolve(m.ready) : reject(new Error('unexpected first message'))));
      });
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
      return new EmulatorProc(child, ready.leaderUrl, ready.masterAddress, ready.agents, ready.hostnames);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  private request<T>(req: DistributiveOmit<EmulatorRequest, 'id'>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = ++this.seq;
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...req, id });
    });
  }

  /** Seeds `n` RUNNING, acknowledged tasks (ids `pod.<uuid>`, round-robin over the agents, executor `executorId`). */
  seed(frameworkId: string, n: number, executorId: string): Promise<SeededTasks & { ms: number }> {
    return this.request({ cmd: 'seed', frameworkId, n, executorId });
  }

  /** Once framework `frameworkName` is connected, streams `n` synthetic UPDATEs to it as fast as it drains. */
  stream(frameworkName: string, n: number): Promise<{ events: number; bytes: number; ms: number }> {
    return this.request({ cmd: 'stream', frameworkName, n });
  }

  /** SUBSCRIBE calls (any status) the emulator decided at or after `since` (ms, machine clock). */
  subscribes(since: number): Promise<CallRecord[]> {
    return this.request({ cmd: 'subscribes', since });
  }

  framework(frameworkId: string): Promise<{ connected: boolean; tasks: number } | undefined> {
    return this.request({ cmd: 'framework', frameworkId });
  }

  /** The framework's tasks on the leading master: [task id, state, agent id]. */
  tasks(frameworkId: string): Promise<TaskRow[]> {
    return this.request({ cmd: 'tasks', frameworkId });
  }

  /** When each task of the framework became TASK_RUNNING (agent status timestamps, ms since the epoch). */
  runningTimes(frameworkId: string): Promise<number[]> {
    return this.request({ cmd: 'runningTimes', frameworkId });
  }

  /** Tasks of the framework that ended in TASK_ERROR / LOST / FAILED / DROPPED ("id: state message"). */
  taskErrors(frameworkId: string): Promise<string[]> {
    return this.request({ cmd: 'errors', frameworkId });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
}

export const wallNow = (): number => performance.timeOrigin + performance.now();

export interface LogLine {
  /** The replica's own timestamp (ms since the epoch, ms resolution). */
  at: number;
  /** When this process read the line (ms since the epoch, sub-ms). */
  rt: number;
  msg: string;
  j: Record<string, unknown>;
}

/** One scheduler replica process with its parsed JSON log. */
export class BenchReplica {
  readonly lines: LogLine[] = [];
  private buf = '';
  private waiters: Array<{ pred: (l: LogLine) => boolean; from: number; resolve: (l: LogLine) => void }> = [];
  /** Date.now() when this process sent the replica SIGUSR1/SIGKILL (set by `signal`). */
  signalledAt: number | undefined;

  constructor(
    readonly name: string,
    readonly proc: Proc,
  ) {
    proc.child.stdout?.on('data', (d: Buffer) => this.feed(d.toString()));
    proc.child.stderr?.on('data', (d: Buffer) => this.feed(d.toString()));
  }

  private feed(s: string): void {
    const rt = wallNow();
    this.buf += s;
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      if (!line.startsWith('{')) continue;
      let j: Record<string, unknown>;
      try {
        j = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      const l: LogLine = { at: Date.parse(String(j.time)), rt, msg: String(j.msg ?? ''), j };
      this.lines.push(l);
      const idx = this.lines.length - 1;
      this.waiters = this.waiters.filter((w) => {
        if (idx >= w.from && w.pred(l)) {
          w.resolve(l);
          return false;
        }
        return true;
      });
    }
  }

  get pid(): number {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  /** The first line (at index ≥ `from`) matching `pred`, waiting up to `timeoutMs`. */
  waitLine(what: string, pred: (l: LogLine) => boolean, timeoutMs: number, from = 0): Promise<LogLine> {
    const hit = this.lines.slice(from).find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise<LogLine>((resolve, reject) => {
      const w = { pred, from, resolve: (l: LogLine) => (clearTimeout(t), resolve(l)) };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}; last lines:\n${this.lines.slice(-5).map((x) => JSON.stringify(x.j)).join('\n')}`));
      }, timeoutMs);
      this.waiters.push(w);
      void this.proc.exited.then((code) => {
        if (!this.waiters.includes(w)) return;
        this.waiters = this.waiters.filter((x) => x !== w);
        clearTimeout(t);
        reject(new Error(`${this.name} exited (${code}) while waiting for ${what}; output tail:\n${this.proc.output().slice(-2000)}`));
      });
    });
  }

  find(msg: string, from = 0): LogLine | undefined {
    return this.lines.slice(from).find((l) => l.msg === msg);
  }

  signal(sig: NodeJS.Signals): number {
    this.signalledAt = Date.now();
    this.proc.signal(sig);
    return this.signalledAt;
  }

  /** Peak resident set size so far (VmHWM, kB), or undefined once the process is gone. */
  peakRssKb(): number | undefined {
    try {
      const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) : undefined;
    } catch {
      return undefined;
    }
  }
}

export interface ReplicaSetup {
  frameworkName: string;
  etcdEndpoint: string;
  masterAddress: string;
  leaseTtlSeconds: number;
  /** Extra flags (after the common ones). */
  extra?: string[];
}

/** The flags a replica runs with: production defaults except the lease TTL, any free HTTP port and an identity. */
export function replicaArgs(s: ReplicaSetup, identity: string): string[] {
  return [
    'scheduler',
    '--ha',
    `--framework-name=${s.frameworkName}`,
    `--etcd-servers=${s.etcdEndpoint}`,
    `--mesos-master=${s.masterAddress}`,
    '--km-path=hdfs:///k8sm/km',
    `--lease-ttl=${s.leaseTtlSeconds}s`,
    '--port=0',
    `--identity=${identity}`,
    ...(s.extra ?? []),
  ];
}

/** Starts a replica process; `nodeArgs` (e.g. --cpu-prof) go to Node itself. */
export function spawnReplica(group: ProcGroup, s: ReplicaSetup, identity: string, nodeArgs: string[] = []): BenchReplica {
  const proc = group.spawn(process.execPath, [...nodeArgs, CLI, ...replicaArgs(s, identity)], {
    env: { ...process.env, SCHEDULERHA_LOG_PRETTY: '0', SCHEDULERHA_LOG_LEVEL: 'info' },
  });
  return new BenchReplica(identity, proc);
}

/** Lets one replica register the framework (it persists the id), then stops it (SIGTERM: resign, never teardown):
 * the framework stays registered, disconnected, within its failover timeout — as after a rolling restart. Also
 * returns that replica's peak RSS: a leader's footprint with an empty registry. */
export async function registerFramework(group: ProcGroup, s: ReplicaSetup, keys: KeyLayout, client: Etcd3): Promise<{ frameworkId: string; bootPeakRssKb: number | undefined }> {
  const boot = spawnReplica(group, s, 'boot');
  try {
    await boot.waitLine('reconciliation complete', (l) => l.msg === 'reconciliation complete', 60_000);
    const fid = await client.get(keys.frameworkId).string();
    if (!fid) throw new Error(`${keys.frameworkId} was not written`);
    return { frameworkId: fid, bootPeakRssKb: boot.peakRssKb() };
  } finally {
    await boot.proc.stop(10_000);
  }
}

/** Registry records for seeded tasks, as the pod task manager writes them (pod reference, resources, term). */
export function taskRecords(seeded: SeededTasks, executorId: string, term = '1'): TaskRecord[] {
  const now = new Date().toISOString();
  const out: TaskRecord[] = new Array(seeded.ids.length);
  for (let i = 0; i < seeded.ids.length; i++) {
    const id = seeded.ids[i]!;
    const uid = id.slice('pod.'.length);
    out[i] = {
      id,
      agentId: seeded.agentIds[i]!,
      executorId,
      hostname: seeded.hostnames[i]!,
      state: 'TASK_RUNNING',
      source: 'SOURCE_EXECUTOR',
      pod: { namespace: `ns-${i % 20}`, name: `app-${i % 500}-${uid.slice(0, 5)}`, uid },
      attempt: 0,
      resources: { cpus: 0.25, mem: 128, ports: [31000 + (i % 1000)] },
      createdAt: now,
      updatedAt: now,
      term,
    };
  }
  return out;
}

/** Writes records under `keys.tasksPrefix` in txns of ≤ MAX_TXN_OPS puts, `concurrency` txns in flight. */
export async function writeRegistry(client: Etcd3, keys: KeyLayout, records: TaskRecord[], concurrency = 4): Promise<{ ms: number; txns: number; bytes: number }> {
  const t0 = performance.now();
  const batches: TaskRecord[][] = [];
  for (let i = 0; i < records.length; i += MAX_TXN_OPS) batches.push(records.slice(i, i + MAX_TXN_OPS));
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < batches.length) {
      const b = batches[next++]!;
      const success = b.map((r) => {
        const value = Buffer.from(encodeRecord(r));
        bytes += value.length;
        return { request_put: { key: Buffer.from(keys.task(r.id)), value } };
      });
      await client.kv.txn({ compare: [], success, failure: [] }, { deadline: new Date(Date.now() + 30_000) });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ms: performance.now() - t0, txns: batches.length, bytes };
}

/** Number of keys under a prefix (e.g. candidates in an election). */
export async function countKeys(client: Etcd3, prefix: string): Promise<number> {
  return Number(await client.getAll().prefix(prefix).count());
}

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat; undefined once it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime) in clock ticks; Linux reports USER_HZ = 100 to user space.
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

export async function poll<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && (v as unknown) !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
