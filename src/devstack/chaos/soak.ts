// The chaos soak (issue 10): the whole local stack — real etcd, the Mesos master emulator (3 masters, ≥ 20
// agents), the Kubernetes API emulator with the pod runner, the operator, a 3-replica SchedulerHA and hundreds of
// pods — under hundreds of seeded faults, then a quiet period, then the invariant checker over everything the run
// recorded, and a report (JSON + SVG timeline).
//
//   setup → initial pods → for each planned fault: [wait for a reconciled leader] → gap → inject → record
//         (pod waves and deletions, and a few failing tasks, between faults) → end holds → quiet → collect → check
//
// Choices (fault kinds, order, gaps, holds, targets, pods) come from the seed; timing on real processes does not.
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Etcd3 } from 'etcd3';
import { LocalStack } from '../stack.js';
import { createEtcdClient } from '../../election/index.js';
import { resolveSessionTiming } from '../../election/timing.js';
import { keyLayout } from '../../api/keys.js';
import { DEFAULT_HTTP_PORT } from '../../api/flags.js';
import { parseLeaderStatus, type LeaderStatusRecord } from '../../api/leader-status.js';
import { GROUP, PLURAL, VERSION, type SchedulerHA } from '../../api/types.js';
import { kubeRequest, kubeRequestOk } from '../../kube/index.js';
import { schedulerNameOf } from '../../scheduler/framework.js';
import { decodeRecord, type TaskRecord } from '../../scheduler/task-record.js';
import { parseTaskId } from '../../scheduler/pods/task-id.js';
import { errorMessage } from '../../util/errors.js';
import { sleep } from '../../util/time.js';
import { check, formatViolations, type CheckInput, type PodTruth, type Violation } from './checker.js';
import { chooseTarget, DEFAULT_SPACING, FAULT_KINDS, planFaults, type FaultKind, type PlannedFault, type PlanSpacing } from './faults.js';
import { AgentTruth, EtcdWatch, ProcessMonitor } from './observe.js';
import { createRng, type Rng } from './prng.js';
import { readReplicaEvents } from './replica-log.js';
import { faultOutcomes, formatKindTable, statsByKind, termBars, type SoakFaultRecord, type SoakReport } from './report.js';
import { renderTimelineSvg } from './timeline-svg.js';

export interface SoakOptions {
  seed: number;
  /** Faults to inject (default 500). */
  faults?: number;
  /** Pods created over the run (default 520): 60 % before the first fault, the rest in waves. */
  pods?: number;
  /** Share of the pods deleted during the run (default 0.1). */
  deleteFraction?: number;
  /** Share of the pods whose task fails once during the run (restarted by the scheduler; default 0.1). */
  taskFailureFraction?: number;
  agents?: number;
  masters?: number;
  replicas?: number;
  leaseTtlSeconds?: number;
  /** Bound on the whole run; the fault phase ends early (and says so) to leave room for the quiet period. */
  maxDurationMs?: number;
  /** Bound on the final quiet period (it ends as soon as everything converged). */
  quietMs?: number;
  /** Bound on each wait for a reconciled leader before a fault. */
  recoveryWaitMs?: number;
  spacing?: Partial<PlanSpacing>;
  /** Restrict the fault kinds (default: all). */
  kinds?: readonly FaultKind[];
  /** Where the report goes (default ./soak-results) and its base name (default the seed). */
  outDir?: string;
  name?: string;
  /** Keep the stack's directory (pod logs, operator logs, etcd data). Kept anyway when there are violations. */
  keepStackDir?: boolean;
  /** Log level of the scheduler replicas (default info; debug for post-mortems: the logs stay in the stack dir). */
  replicaLogLevel?: string;
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
}

export interface SoakResult {
  report: SoakReport;
  violations: Violation[];
  jsonPath: string;
  svgPath: string;
  /** The stack directory, when kept. */
  stackDir?: string;
}

const NS = 'soak';
const POD_NS = 'soak-pods';
const NAME = 'k8sm';
const FRAMEWORK = 'Kubernetes';
const MESOS_AGENT_PING_TIMEOUT_MS = 5000;
/** How long convergence must hold before the soak ends (a fault just before the end shows only after a moment). */
const CONVERGED_STABLE_MS = 5000;

interface PodRecord {
  name: string;
  uid: string;
  createdAt: number;
  deletedAt?: number;
  failedTask?: string;
}

interface Hold {
  done: Promise<void>;
}

/** The commit the soak runs (and whether src/ had local changes), when run from a git checkout: of the checkout
 * the running code was compiled from (dist/src/devstack/chaos → the checkout root). */
function gitCommit(): { commit?: string; dirty?: boolean } {
  const cwd = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
    return { commit, dirty };
  } catch {
    return {};
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const soak = new Soak(o);
  return await soak.run();
}

class Soak {
  private readonly log: (line: string) => void;
  private readonly rng: Rng;
  private readonly podRng: Rng;
  private readonly started = Date.now();
  /** Taken at the start: the code that runs is the code of that moment. */
  private readonly git = gitCommit();
  private stack!: LocalStack;
  private etcd!: Etcd3;
  private watch!: EtcdWatch;
  private truth!: AgentTruth;
  private procs!: ProcessMonitor;
  private readonly keys = keyLayout('/k8sm', FRAMEWORK);
  private readonly records: SoakFaultRecord[] = [];
  private readonly pods: PodRecord[] = [];
  private readonly holds: Hold[] = [];
  private readonly stopped = new Map<number, string>();
  private readonly partitioned = new Set<string>();
  private operatorRestarts = 0;
  private podSeq = 0;
  private frameworkId: string | undefined;
  private notes: string[] = [];
  private readonly opts: Required<Omit<SoakOptions, 'spacing' | 'kinds' | 'name' | 'log' | 'keepStackDir' | 'replicaLogLevel'>> & Pick<SoakOptions, 'kinds' | 'keepStackDir' | 'replicaLogLevel'> & { spacing: PlanSpacing; name: string };

  constructor(o: SoakOptions) {
    this.opts = {
      seed: o.seed,
      faults: o.faults ?? 500,
      pods: o.pods ?? 520,
      deleteFraction: o.deleteFraction ?? 0.1,
      taskFailureFraction: o.taskFailureFraction ?? 0.1,
      agents: o.agents ?? 24,
      masters: o.masters ?? 3,
      replicas: o.replicas ?? 3,
      leaseTtlSeconds: o.leaseTtlSeconds ?? 3,
      maxDurationMs: o.maxDurationMs ?? 90 * 60_000,
      quietMs: o.quietMs ?? 180_000,
      recoveryWaitMs: o.recoveryWaitMs ?? 30_000,
      spacing: { ...DEFAULT_SPACING, ...o.spacing },
      kinds: o.kinds,
      outDir: o.outDir ?? 'soak-results',
      name: o.name ?? String(o.seed),
      keepStackDir: o.keepStackDir,
      replicaLogLevel: o.replicaLogLevel,
    };
    this.log = o.log ?? ((l) => console.log(l));
    this.rng = createRng(o.seed);
    this.podRng = this.rng.fork('pods');
  }

  private say(line: string): void {
    const tenths = Math.round((Date.now() - this.started) / 100);
    this.log(`[${String(Math.floor(tenths / 600)).padStart(2, '0')}:${((tenths % 600) / 10).toFixed(1).padStart(4, '0')}] ${line}`);
  }

  // ---- run -------------------------------------------------------------------------------------------------

  async run(): Promise<SoakResult> {
    const o = this.opts;
    const timing = resolveSessionTiming({ ttlSeconds: o.leaseTtlSeconds });
    const plan = planFaults(this.rng.fork('plan'), o.faults, { ttlMs: timing.ttlMs, renewWindowMs: timing.renewWindowMs, agentPingTimeoutMs: MESOS_AGENT_PING_TIMEOUT_MS }, o.spacing, o.kinds ?? FAULT_KINDS);
    const dir = mkdtempSync(join(tmpdir(), `schedulerha-soak-${o.name}-`));
    let faultPhaseStart = 0;
    let faultPhaseEnd = 0;
    let quietEnd = 0;
    let stoppedEarly: string | undefined;
    let violations: Violation[] = [];
    let report: SoakReport | undefined;
    let input: CheckInput | undefined;
    try {
      await this.setup(dir);
      faultPhaseStart = Date.now();
      stoppedEarly = await this.faultPhase(plan);
      faultPhaseEnd = Date.now();
      await this.quiet();
      quietEnd = Date.now();
      input = await this.collect();
      // Kept before checking, so a checker that fails still leaves what it was given.
      await this.saveInput(dir, input).catch((err: unknown) => this.notes.push(`checker input not saved: ${errorMessage(err)}`));
      violations = check(input);
      report = this.buildReport(plan.length, input, violations, { faultPhaseStart, faultPhaseEnd, quietEnd, stoppedEarly });
    } catch (err) {
      throw new Error(`${errorMessage(err)} (stack directory with the pod, operator and etcd logs kept at ${dir})`, { cause: err });
    } finally {
      await this.teardown();
    }
    mkdirSync(o.outDir, { recursive: true });
    const jsonPath = join(o.outDir, `${o.name}.json`);
    const svgPath = join(o.outDir, `${o.name}.svg`);
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(svgPath, renderTimelineSvg(report));
    const keep = o.keepStackDir || violations.length > 0;
    if (!keep) rmSync(dir, { recursive: true, force: true });
    this.say(`\n${formatKindTable(report.faultsByKind)}`);
    if (violations.length) this.say(`${violations.length} VIOLATION(S):\n${formatViolations(violations)}\nstack directory (pod and operator logs, checker-input.json) kept at ${dir}`);
    else this.say(`no violations; ${report.summary.faultsInjected} faults in ${(report.durationSeconds / 60).toFixed(1)} min`);
    this.say(`report: ${jsonPath}, ${svgPath}`);
    return { report, violations, jsonPath, svgPath, ...(keep ? { stackDir: dir } : {}) };
  }

  private async saveInput(dir: string, input: CheckInput): Promise<void> {
    const stream = createWriteStream(join(dir, 'checker-input.json'));
    const done = new Promise<void>((resolve, reject) => {
      stream.once('finish', resolve);
      stream.once('error', reject);
    });
    // Written field by field: the whole input as one JSON string can exceed V8's string limit on a long soak.
    const { calls, events, registry, mesosTasks, ...rest } = input;
    const lines = [`{"rest":${JSON.stringify(rest)}`, ',"registry":[', [...registry.values()].map((r) => JSON.stringify(r)).join(','), '],"mesosTasks":', JSON.stringify(Object.fromEntries(mesosTasks))];
    for (const l of lines) stream.write(l);
    stream.write(',"calls":[');
    calls.forEach((c, i) => stream.write(`${i ? ',' : ''}${JSON.stringify(c)}`));
    stream.write('],"events":[');
    events.forEach((e, i) => stream.write(`${i ? ',' : ''}${JSON.stringify(e)}`));
    stream.end(']}\n');
    await done;
  }

  // ---- setup -----------------------------------------------------------------------------------------------

  private async setup(dir: string): Promise<void> {
    const o = this.opts;
    this.say(`seed ${o.seed}: starting etcd, ${o.masters} Mesos masters with ${o.agents} agents, the Kubernetes API emulator and the pod runner (${dir})`);
    this.stack = await LocalStack.start({
      dir,
      keepDir: true,
      mesos: {
        masters: o.masters,
        agents: o.agents,
        clock: 'real',
        heartbeatSeconds: 3,
        agentPingTimeoutMs: MESOS_AGENT_PING_TIMEOUT_MS,
        taskTiming: { startingDelayMs: 30, runningDelayMs: 60, killDelayMs: 30, retryInitialMs: 1000, retryMaxMs: 8000 },
        history: { recordEvents: true, maxCalls: 5_000_000, maxEvents: 5_000_000 },
      },
      kube: { watchWindow: 50_000 },
      ...(o.replicaLogLevel ? { podEnv: { SCHEDULERHA_LOG_LEVEL: o.replicaLogLevel } } : {}),
      crashLoopBackoff: { initialMs: 500, maxMs: 4000, resetAfterMs: 30_000 },
    });
    this.truth = new AgentTruth(this.stack.mesos);
    this.procs = new ProcessMonitor((pod) => this.pidsOf(pod), () => this.replicaPods()).start();
    this.etcd = createEtcdClient({ endpoints: [this.stack.etcd.endpoint] });
    this.watch = await new EtcdWatch(this.etcd, this.keys).start();
    for (const ns of [NS, POD_NS]) await kubeRequestOk(this.stack.kc, { method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
    this.startOperator();
    await kubeRequestOk(this.stack.kc, {
      method: 'POST',
      path: `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'SchedulerHA',
        metadata: { name: NAME, namespace: NS },
        spec: {
          replicas: o.replicas,
          mesos: { master: this.stack.mesos.masterAddress },
          etcd: { endpoints: [this.stack.etcd.endpoint], leaseTTLSeconds: o.leaseTtlSeconds },
          flags: { kmPath: 'hdfs:///km', frameworkName: FRAMEWORK, reconcileInterval: '1m' },
        },
      },
    });
    this.say(`SchedulerHA ${NS}/${NAME} created (${o.replicas} replicas, lease TTL ${o.leaseTtlSeconds} s); waiting for Ready`);
    await this.until('the SchedulerHA Ready', 180_000, async () => (await this.ready()) || undefined);
    this.frameworkId = await this.watch.readFrameworkIdNow();
    this.say(`Ready: framework ${this.frameworkId}, leader ${this.watch.current?.pod} (term ${this.watch.current?.term})`);
    const initial = Math.round(o.pods * 0.6);
    await this.createPods(initial);
    this.say(`${initial} pods created; waiting until they run`);
    const ok = await this.until(`${initial} pods running and bound`, 180_000, async () => ((await this.podsSettled()).ok ? true : undefined)).catch((err: unknown) => {
      this.notes.push(`setup: ${errorMessage(err)}`);
      return false;
    });
    this.say(ok ? `${initial} pods running` : `WARNING: the initial pods did not all run before the faults began`);
  }

  private startOperator(): void {
    this.operatorRestarts++;
    this.stack.startOperator([
      '--metrics-bind-address=127.0.0.1:0',
      '--health-probe-bind-address=0',
      '--unready-poll-interval=1s',
      '--poll-interval=5s',
      '--leader-elect-lease-duration=6s',
      '--leader-elect-renew-deadline=4s',
      '--leader-elect-retry-period=1s',
      `--identity=soak-operator-${this.operatorRestarts}`,
    ]);
  }

  // ---- faults ----------------------------------------------------------------------------------------------

  private async faultPhase(plan: PlannedFault[]): Promise<string | undefined> {
    const o = this.opts;
    const deadline = this.started + o.maxDurationMs - Math.min(o.quietMs, Math.max(60_000, o.maxDurationMs / 6));
    const remainingPods = o.pods - this.pods.length;
    const waves = Math.max(1, Math.min(25, Math.floor(plan.length / 4)));
    const waveAt = new Map<number, number>();
    for (let w = 0; w < waves; w++) waveAt.set(Math.floor(((w + 1) * plan.length) / (waves + 1)), w);
    let toCreate = remainingPods;
    let toDelete = Math.round(o.pods * o.deleteFraction);
    let toFail = Math.round(o.pods * o.taskFailureFraction);
    let wavesLeft = waves;
    let workload: Promise<void> = Promise.resolve();
    for (const f of plan) {
      if (Date.now() > deadline) {
        const why = `time bound: stopped after ${f.index} of ${plan.length} faults`;
        this.say(why);
        await workload;
        return why;
      }
      if (f.waitForRecovery) await this.waitReconciledLeader(o.recoveryWaitMs);
      await sleep(f.gapMs);
      await this.inject(f);
      const w = waveAt.get(f.index);
      if (w !== undefined) {
        const create = Math.round(toCreate / wavesLeft);
        const del = Math.round(toDelete / wavesLeft);
        const fail = Math.round(toFail / wavesLeft);
        toCreate -= create;
        toDelete -= del;
        toFail -= fail;
        wavesLeft--;
        workload = workload.then(() => this.wave(w, create, del, fail)).catch((err: unknown) => {
          this.notes.push(`wave ${w}: ${errorMessage(err)}`);
          this.say(`wave ${w} failed: ${errorMessage(err)}`);
        });
      }
    }
    await workload;
    return undefined;
  }

  private async inject(f: PlannedFault): Promise<void> {
    const at = Date.now();
    const rec: SoakFaultRecord = { index: f.index, kind: f.kind, at, gapMs: f.gapMs, waitedForRecovery: f.waitForRecovery, ...(f.holdMs !== undefined ? { holdMs: f.holdMs } : {}) };
    this.records.push(rec);
    try {
      await this.apply(f, rec);
    } catch (err) {
      rec.outcome = `error: ${errorMessage(err)}`;
    }
    if (rec.outcome === undefined) rec.outcome = 'done';
    this.say(`#${f.index} ${f.kind}${rec.target ? ` ${rec.target}` : ''}: ${rec.outcome}`);
  }

  private replicaPods(): string[] {
    return Array.from({ length: this.opts.replicas }, (_, i) => `${NAME}-${i}`);
  }

  private pidsOf(pod: string): number[] {
    return this.stack.runner.podPids(NS, pod);
  }

  private isStopped(pod: string): boolean {
    return this.pidsOf(pod).some((p) => this.stopped.has(p));
  }

  /** The leader pod (from the election keys), with a process to signal; waits a little for one. */
  private async leaderTarget(needRunning: boolean): Promise<{ pod: string; term: string } | undefined> {
    const deadline = Date.now() + 8000;
    for (;;) {
      const cur = this.watch.current;
      if (cur?.pod && this.pidsOf(cur.pod).length && !(needRunning && this.isStopped(cur.pod))) return { pod: cur.pod, term: cur.term };
      if (Date.now() > deadline) return undefined;
      await sleep(100);
    }
  }

  private async standbyTarget(f: PlannedFault, needRunning: boolean): Promise<string | undefined> {
    const deadline = Date.now() + 8000;
    for (;;) {
      const leader = this.watch.current?.pod;
      const cands = this.replicaPods().filter((p) => p !== leader && this.pidsOf(p).length && !(needRunning && this.isStopped(p)));
      // The etcd view can lag an election by a moment: a candidate that says it leads is not a standby.
      const standby: string[] = [];
      for (const p of cands) if ((await this.roleOf(p)) !== 'leader') standby.push(p);
      const t = chooseTarget(standby, f.targetFraction, (p) => p);
      if (t) return t;
      if (Date.now() > deadline) return undefined;
      await sleep(100);
    }
  }

  /** The replica's own view of its role (/status), undefined when it does not answer (frozen, starting). */
  private async roleOf(pod: string): Promise<string | undefined> {
    try {
      const p = await kubeRequestOk<{ status?: { podIP?: string } }>(this.stack.kc, { method: 'GET', path: `/api/v1/namespaces/${NS}/pods/${pod}` });
      if (!p.status?.podIP) return undefined;
      const r = await fetch(`http://${p.status.podIP}:${DEFAULT_HTTP_PORT}/status`, { signal: AbortSignal.timeout(500) });
      return ((await r.json()) as { role?: string }).role;
    } catch {
      return undefined;
    }
  }

  private signal(pod: string, sig: NodeJS.Signals): number[] {
    const pids = this.pidsOf(pod);
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        // gone meanwhile
      }
      if (sig === 'SIGKILL') {
        this.stopped.delete(pid);
        this.procs.killed(pid);
      }
    }
    return pids;
  }

  private async apply(f: PlannedFault, rec: SoakFaultRecord): Promise<void> {
    const kind = f.kind;
    const sigOf: Partial<Record<FaultKind, NodeJS.Signals>> = {
      'sigkill-leader': 'SIGKILL',
      'sigkill-standby': 'SIGKILL',
      'sigterm-leader': 'SIGTERM',
      'sigterm-standby': 'SIGTERM',
      'usr1-leader': 'SIGUSR1',
      'usr1-standby': 'SIGUSR1',
      'sigstop-leader': 'SIGSTOP',
      'sigstop-standby': 'SIGSTOP',
    };
    const sig = sigOf[kind];
    if (sig) {
      const leader = kind.endsWith('-leader');
      const stop = sig === 'SIGSTOP';
      let pod: string | undefined;
      let detail = '';
      if (leader) {
        const t = await this.leaderTarget(stop);
        pod = t?.pod;
        detail = t ? `leader, term ${t.term}` : '';
      } else {
        pod = await this.standbyTarget(f, stop);
        detail = 'standby';
      }
      rec.at = Date.now();
      if (!pod) {
        rec.skipped = true;
        rec.outcome = `skipped: no ${leader ? 'leader' : 'standby'} process to signal`;
        return;
      }
      rec.target = pod;
      const pids = this.signal(pod, sig);
      rec.outcome = `${sig} pid ${pids.join(',')} (${detail})`;
      if (stop) {
        for (const p of pids) this.stopped.set(p, pod);
        const hold = f.holdMs ?? 5000;
        rec.outcome += `, SIGCONT after ${hold} ms`;
        this.holds.push({
          done: sleep(hold).then(() => {
            const live = new Set(this.pidsOf(pod));
            for (const p of pids) {
              this.stopped.delete(p);
              if (!live.has(p)) continue;
              try {
                process.kill(p, 'SIGCONT');
              } catch {
                // exited meanwhile
              }
            }
            rec.endedAt = Date.now();
          }),
        });
      }
      return;
    }
    switch (kind) {
      case 'etcd-restart': {
        rec.target = 'etcd';
        const t0 = Date.now();
        await this.stack.etcd.restart();
        rec.outcome = `restarted (down ${Date.now() - t0} ms)`;
        rec.endedAt = Date.now();
        return;
      }
      case 'master-failover': {
        const from = this.stack.mesos.leaderIndex;
        await this.stack.mesos.failover({ reregisterDelayMs: f.reregisterDelayMs ?? 0 });
        rec.target = `master-${from}`;
        rec.outcome = `master ${from} → ${this.stack.mesos.leaderIndex}, agents re-register after ${f.reregisterDelayMs ?? 0} ms`;
        return;
      }
      case 'agent-partition': {
        const cands = this.stack.mesos.agents.filter((a) => !this.partitioned.has(a.id));
        const a = chooseTarget(cands, f.targetFraction, (x) => x.id);
        if (!a) {
          rec.skipped = true;
          rec.outcome = 'skipped: every agent is partitioned';
          return;
        }
        rec.target = a.id;
        const hold = f.holdMs ?? 3000;
        this.partitioned.add(a.id);
        this.stack.mesos.partitionAgent(a.id);
        const tasks = [...a.frameworks.values()].reduce((n, fw) => n + fw.tasks.size, 0);
        rec.outcome = `partitioned (${tasks} tasks), heal after ${hold} ms`;
        this.holds.push({
          done: sleep(hold).then(() => {
            try {
              this.stack.mesos.healAgent(a.id);
            } catch (err) {
              this.notes.push(`heal ${a.id}: ${errorMessage(err)}`);
            }
            this.partitioned.delete(a.id);
            rec.endedAt = Date.now();
          }),
        });
        return;
      }
      case 'operator-restart': {
        const sig = f.signal ?? 'SIGTERM';
        rec.target = 'operator';
        const t0 = Date.now();
        await this.stack.operator?.halt(sig, 10_000);
        this.startOperator();
        rec.outcome = `${sig}, exited in ${Date.now() - t0} ms, restarted`;
        return;
      }
      case 'failover-annotation': {
        const value = `soak-${this.opts.seed}-${f.index}`;
        rec.target = `${NS}/${NAME}`;
        await kubeRequestOk(this.stack.kc, {
          method: 'PATCH',
          path: `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}/${NAME}`,
          body: { metadata: { annotations: { 'k8sm.io/failover': value } } },
          contentType: 'application/merge-patch+json',
        });
        const cur = this.watch.current;
        rec.outcome = `k8sm.io/failover=${value}${cur ? ` (leader ${cur.pod}, term ${cur.term})` : ' (no leader at the time)'}`;
        return;
      }
      default:
        throw new Error(`unknown fault kind ${kind}`);
    }
  }

  // ---- workload --------------------------------------------------------------------------------------------

  private podBody(name: string): Record<string, unknown> {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: POD_NS, labels: { app: 'soak' } },
      spec: {
        schedulerName: schedulerNameOf(FRAMEWORK),
        restartPolicy: 'Always',
        containers: [{ name: 'main', image: 'example/app:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
      },
    };
  }

  private async createPods(n: number): Promise<void> {
    const names = Array.from({ length: n }, () => `soak-${String(this.podSeq++).padStart(4, '0')}`);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(8, n) }, async () => {
        while (next < names.length) {
          const name = names[next++]!;
          const p = await kubeRequestOk<{ metadata: { uid: string } }>(this.stack.kc, { method: 'POST', path: `/api/v1/namespaces/${POD_NS}/pods`, body: this.podBody(name) });
          this.pods.push({ name, uid: p.metadata.uid, createdAt: Date.now() });
        }
      }),
    );
  }

  /** One wave: new pods, some deletions, and a few tasks made to fail (the scheduler restarts their pods). */
  private async wave(w: number, create: number, del: number, fail: number): Promise<void> {
    if (create > 0) await this.createPods(create);
    const kept = this.pods.filter((p) => p.deletedAt === undefined).sort((a, b) => (a.name < b.name ? -1 : 1));
    const victims = this.podRng.shuffle(kept).slice(0, del);
    for (const p of victims) {
      const r = await kubeRequest(this.stack.kc, { method: 'DELETE', path: `/api/v1/namespaces/${POD_NS}/pods/${p.name}` });
      if (r.status < 300 || r.status === 404) p.deletedAt = Date.now();
      else this.notes.push(`delete ${p.name}: HTTP ${r.status}`);
    }
    let failed = 0;
    const fid = this.frameworkId;
    if (fid) {
      const live = this.truth.truth().filter((t) => t.live && t.state === 'TASK_RUNNING');
      const byUid = new Map(live.map((t) => [parseTaskId(t.taskId)?.uid, t]));
      const cands = this.podRng.shuffle(kept.filter((p) => p.deletedAt === undefined && !p.failedTask && byUid.has(p.uid)));
      for (const p of cands.slice(0, fail)) {
        const t = byUid.get(p.uid)!;
        try {
          this.stack.mesos.sendTaskUpdate(fid, t.taskId, 'TASK_FAILED', { reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: 'soak: the container exited with status 1' });
          p.failedTask = t.taskId;
          failed++;
        } catch (err) {
          this.notes.push(`fail ${t.taskId}: ${errorMessage(err)}`);
        }
      }
    }
    this.say(`wave ${w}: +${create} pods, -${victims.length} deleted, ${failed} tasks failed (${this.pods.length} created in all)`);
  }

  // ---- health ----------------------------------------------------------------------------------------------

  private async leaderStatus(): Promise<LeaderStatusRecord | undefined> {
    return parseLeaderStatus(await this.etcd.get(this.keys.leaderStatus).string());
  }

  private async reconciledLeader(): Promise<LeaderStatusRecord | undefined> {
    const ls = await this.leaderStatus();
    const cur = this.watch.current;
    if (!ls || !cur || ls.term !== cur.term || ls.mesos !== 'subscribed' || ls.reconciliation.phase !== 'complete') return undefined;
    return ls;
  }

  private async waitReconciledLeader(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await this.reconciledLeader().catch(() => undefined)) return true;
      await sleep(200);
    }
    return false;
  }

  private async resource(): Promise<SchedulerHA | undefined> {
    const r = await kubeRequest<SchedulerHA>(this.stack.kc, { method: 'GET', path: `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}/${NAME}` });
    return r.status === 200 ? r.body : undefined;
  }

  private async ready(): Promise<boolean> {
    const o = await this.resource();
    const c = o?.status?.conditions?.find((x) => x.type === 'Ready');
    if (!o || c?.status !== 'True' || o.status?.observedGeneration !== o.metadata.generation) return false;
    // The condition summarizes the scheduler pods; they must agree (the status can lag a fault).
    const pods = await kubeRequestOk<{ items: Array<{ metadata: { deletionTimestamp?: string }; status?: { conditions?: Array<{ type: string; status: string }> } }> }>(this.stack.kc, {
      method: 'GET',
      path: `/api/v1/namespaces/${o.metadata.namespace}/pods`,
      query: { labelSelector: `k8sm.io/schedulerha=${o.metadata.name}` },
    });
    const ready = pods.items.filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
    return ready.length === (o.spec?.replicas ?? 2);
  }

  private async listPods(): Promise<Array<{ metadata: { name: string; uid: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status?: { phase?: string } }>> {
    const l = await kubeRequestOk<{ items: Array<{ metadata: { name: string; uid: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status?: { phase?: string } }> }>(this.stack.kc, { method: 'GET', path: `/api/v1/namespaces/${POD_NS}/pods` });
    return l.items;
  }

  /** Every kept pod bound and running its one task where it is bound; every deleted pod gone with its tasks. */
  private async podsSettled(): Promise<{ ok: boolean; why: string }> {
    const items = await this.listPods();
    const byUid = new Map(items.map((p) => [p.metadata.uid, p]));
    const hosts = new Map(this.stack.mesos.agents.map((a) => [a.id, a.hostname]));
    const live = new Map<string, Array<{ agentId: string; state: string }>>();
    for (const t of this.truth.truth()) {
      if (!t.live) continue;
      const uid = parseTaskId(t.taskId)?.uid;
      if (uid) live.set(uid, [...(live.get(uid) ?? []), { agentId: t.agentId, state: t.state }]);
    }
    let waiting = 0;
    let first = '';
    for (const p of this.pods) {
      const pod = byUid.get(p.uid);
      const tasks = live.get(p.uid) ?? [];
      const bad = p.deletedAt !== undefined ? !!pod || tasks.length > 0 : !pod || !pod.spec.nodeName || tasks.length !== 1 || tasks[0]!.state !== 'TASK_RUNNING' || hosts.get(tasks[0]!.agentId) !== pod.spec.nodeName;
      if (bad) {
        waiting++;
        first ||= `${p.name}${p.deletedAt !== undefined ? ' (deleted)' : ''}: ${pod ? `node ${pod.spec.nodeName ?? '-'}` : 'absent'}, ${tasks.length} live task(s)`;
      }
    }
    return { ok: waiting === 0, why: waiting ? `${waiting} pods not settled, e.g. ${first}` : 'settled' };
  }

  private async until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + ms;
    let last: unknown;
    for (;;) {
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${errorMessage(last)}` : ''}`);
      await sleep(250);
    }
  }

  // ---- quiet, collect, report ------------------------------------------------------------------------------

  private async quiet(): Promise<void> {
    this.say(`fault phase over; ending ${this.holds.length ? 'the remaining holds and ' : ''}waiting (≤ ${this.opts.quietMs / 1000} s) for a reconciled leader, Ready, and every pod settled`);
    await Promise.all(this.holds.map((h) => h.done));
    const t0 = Date.now();
    let why = '';
    // Everything must hold for CONVERGED_STABLE_MS on end: right after a fault (a replica killed a moment before
    // the phase ended) the status still shows what came before it.
    let okSince: number | undefined;
    const ok = await this.until('convergence', this.opts.quietMs, async () => {
      const not = await this.notConverged();
      if (not) {
        why = not;
        okSince = undefined;
        return undefined;
      }
      okSince ??= Date.now();
      if (Date.now() - okSince < CONVERGED_STABLE_MS) {
        why = 'converging (not yet stable)';
        return undefined;
      }
      return true;
    }).catch(() => false);
    this.say(ok ? `converged ${((Date.now() - t0) / 1000).toFixed(1)} s after the last fault ended` : `NOT converged within the quiet period: ${why}`);
    if (!ok) {
      this.notes.push(`not converged after the quiet period: ${why}`);
      for (const d of await this.diagnose().catch((err: unknown) => [`diagnosis failed: ${errorMessage(err)}`])) {
        this.notes.push(d);
        this.say(`  ${d}`);
      }
    }
    // Let in-flight status writes and acknowledgements land before the snapshot.
    await sleep(2000);
  }

  /** Why the stack has not converged (undefined: it has): a subscribed, reconciled leader, Ready, every pod settled. */
  private async notConverged(): Promise<string | undefined> {
    if (!(await this.reconciledLeader())) return 'no subscribed, reconciled leader';
    if (!(await this.ready())) return 'the SchedulerHA is not Ready';
    const s = await this.podsSettled();
    return s.ok ? undefined : s.why;
  }

  /** For each pod that did not settle: the leader's view of it, and the leading master's view of the agent it
   * is bound to (free, used and offered resources, refuse filters, outstanding offers). */
  private async diagnose(): Promise<string[]> {
    const out: string[] = [];
    const items = await this.listPods();
    const byUid = new Map(items.map((p) => [p.metadata.uid, p]));
    const live = new Set(this.truth.truth().filter((t) => t.live && t.state === 'TASK_RUNNING').map((t) => parseTaskId(t.taskId)?.uid));
    const m = this.stack.mesos;
    const st = m.leader?.st;
    const fw = this.frameworkId ? m.framework(this.frameworkId) : undefined;
    const ls = await this.leaderStatus();
    if (ls) out.push(`leader ${ls.identity} term ${ls.term}: mesos ${ls.mesos}, reconciliation ${ls.reconciliation.phase}, tasks ${JSON.stringify(ls.tasks.byState)}`);
    const url = this.watch.current?.url;
    if (url) {
      try {
        const r = await fetch(`${url}/status`, { signal: AbortSignal.timeout(3000) });
        const j = (await r.json()) as { role?: string; taskManager?: Record<string, unknown> };
        const tm = j.taskManager ?? {};
        out.push(`leader /status: role ${j.role}, pods ${JSON.stringify(tm.pods)}, launchable ${tm.launchable}, launching ${tm.launching}, suppressed ${tm.suppressed}, last offers ${tm.lastOffersAt}`);
      } catch (err) {
        out.push(`leader /status unavailable: ${errorMessage(err)}`);
      }
    }
    if (fw) out.push(`framework: connected ${fw.connected}, active ${fw.active}, suppressed roles [${[...fw.suppressedRoles].join(',')}], ${fw.offers.size} outstanding offers`);
    for (const p of this.pods) {
      if (p.deletedAt !== undefined || live.has(p.uid)) continue;
      const pod = byUid.get(p.uid);
      const host = pod?.spec.nodeName;
      let line = `${p.name} (${p.uid}): ${pod ? `bound to ${host ?? '-'}, phase ${pod.status?.phase ?? '-'}` : 'absent'}`;
      const agent = host ? m.agents.find((a) => a.hostname === host) : undefined;
      const rec = agent && st?.agents.get(agent.id);
      if (agent && rec) {
        const total = agent.resources.filter((r) => r.type === 'SCALAR').map((r) => `${r.name}:${r.scalar?.value}`).join(',');
        const bag = (b: { scalars: Map<string, number> }) => [...b.scalars].map(([k, v]) => `${k}:${v}`).join(',') || '-';
        const filters = (fw?.filters.get(agent.id) ?? []).map((f) => `${bag(f.resources)} until +${Math.round((f.until - Date.now()) / 1000)}s`);
        const offers = fw ? [...fw.offers.values()].filter((o) => o.agentId === agent.id).length : 0;
        const tasks = agent.frameworks.get(this.frameworkId ?? '')?.tasks.size ?? 0;
        line += `; agent ${agent.id} ${rec.standing}${rec.connected ? '' : ' (disconnected)'}${agent.partitioned ? ' (partitioned)' : ''}: total ${total}, used ${bag(rec.used)}, offered ${bag(rec.offered)}, ${offers} outstanding offers, filters [${filters.join('; ')}], ${tasks} tasks on the agent`;
      }
      out.push(line);
      if (out.length > 12) break;
    }
    return out;
  }

  private async collect(): Promise<CheckInput> {
    const m = this.stack.mesos;
    await this.watch.readFrameworkIdNow().catch(() => undefined);
    const fid = this.watch.frameworkIds[0] ?? this.frameworkId ?? '';
    const calls = [...m.history.calls];
    const events = [...m.history.events];
    const lastSeq = Math.max(calls.at(-1)?.seq ?? 0, events.at(-1)?.seq ?? 0);
    const droppedTotal = Math.max(0, lastSeq - calls.length - events.length);
    const all = await this.etcd.getAll().prefix(this.keys.tasksPrefix).strings();
    const registry = new Map<string, TaskRecord>();
    for (const v of Object.values(all)) {
      const r = decodeRecord(v);
      if (r) registry.set(r.id, r);
    }
    const mesosTasks = new Map<string, { state: string; agentId?: string }>();
    const fw = m.framework(fid);
    if (fw) {
      for (const t of fw.completedTasks) mesosTasks.set(t.info.task_id.value, { state: t.state, agentId: t.agentId });
      for (const t of fw.unreachableTasks.values()) mesosTasks.set(t.info.task_id.value, { state: t.state, agentId: t.agentId });
      for (const t of fw.tasks.values()) mesosTasks.set(t.info.task_id.value, { state: t.state, agentId: t.agentId });
    }
    const items = await this.listPods();
    const present = new Map(items.map((p) => [p.metadata.uid, p]));
    const pods: PodTruth[] = this.pods.map((p) => {
      const x = present.get(p.uid);
      return {
        uid: p.uid,
        name: p.name,
        deleted: p.deletedAt !== undefined,
        present: !!x,
        ...(p.deletedAt !== undefined ? { deletedAt: p.deletedAt } : {}),
        ...(x?.spec.nodeName ? { nodeName: x.spec.nodeName } : {}),
        ...(x?.status?.phase ? { phase: x.status.phase } : {}),
        ...(x?.metadata.deletionTimestamp ? { deleting: true } : {}),
      };
    });
    // When each incarnation's process ended: as the process monitor saw it (its last log line can be much
    // earlier), else at its last log line; a pid the monitor still sees running has not ended.
    this.procs.poll();
    const replicaEvents = readReplicaEvents(join(this.stack.dir, 'pods'), NS, (n) => /^k8sm-\d+$/.test(n), (_f, pid, last) => {
      const life = pid === undefined ? undefined : this.procs.life(pid);
      return life ? life.exitedAt : last;
    });
    const o = await this.resource();
    const ls = await this.leaderStatus();
    return {
      frameworkId: fid,
      calls,
      events,
      replicaEvents,
      faults: this.records,
      registry,
      mesosTasks,
      storedFrameworkIds: [...this.watch.frameworkIds],
      finalConditions: (o?.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, ...(c.message ? { message: c.message } : {}) })),
      ...(ls ? { finalReconciliation: { phase: ls.reconciliation.phase, remaining: ls.reconciliation.remaining } } : {}),
      leaderObservations: [...this.watch.leaders],
      agentTasks: this.truth.truth(),
      agentHostnames: Object.fromEntries(m.agents.map((a) => [a.id, a.hostname])),
      pods,
      historyDropped: { calls: calls.length >= 5_000_000 ? droppedTotal : 0, events: calls.length >= 5_000_000 ? 0 : droppedTotal },
    };
  }

  private buildReport(planned: number, input: CheckInput, violations: Violation[], t: { faultPhaseStart: number; faultPhaseEnd: number; quietEnd: number; stoppedEarly: string | undefined }): SoakReport {
    const o = this.opts;
    const endedAt = Date.now();
    const outcomes = faultOutcomes(this.records, input.replicaEvents, t.quietEnd);
    const byKind = statsByKind(outcomes);
    const terms = termBars(input.replicaEvents, t.quietEnd);
    const violationsByKind: Record<string, number> = {};
    for (const v of violations) violationsByKind[v.kind] = (violationsByKind[v.kind] ?? 0) + 1;
    const fo = outcomes.filter((x) => x.failoverMs !== undefined).map((x) => x.failoverMs!);
    return {
      version: 1,
      seed: o.seed,
      startedAt: new Date(this.started).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      durationSeconds: Math.round((endedAt - this.started) / 100) / 10,
      faultPhaseSeconds: Math.round((t.faultPhaseEnd - t.faultPhaseStart) / 100) / 10,
      quietSeconds: Math.round((t.quietEnd - t.faultPhaseEnd) / 100) / 10,
      config: {
        faults: o.faults,
        pods: o.pods,
        deleteFraction: o.deleteFraction,
        taskFailureFraction: o.taskFailureFraction,
        masters: o.masters,
        agents: o.agents,
        replicas: o.replicas,
        leaseTtlSeconds: o.leaseTtlSeconds,
        agentPingTimeoutMs: MESOS_AGENT_PING_TIMEOUT_MS,
        spacing: o.spacing,
        kinds: o.kinds ?? FAULT_KINDS,
        maxDurationMs: o.maxDurationMs,
        quietMs: o.quietMs,
        node: process.version,
        ...this.git,
      },
      summary: {
        ok: violations.length === 0,
        violations: violations.length,
        violationsByKind,
        faultsPlanned: planned,
        faultsInjected: this.records.filter((r) => !r.skipped).length,
        faultsSkipped: this.records.filter((r) => r.skipped).length,
        terms: terms.length,
        subscriptions: input.replicaEvents.filter((e) => e.kind === 'subscribed').length,
        podsCreated: this.pods.length,
        podsDeleted: this.pods.filter((p) => p.deletedAt !== undefined).length,
        tasksLaunched: this.truth.count,
        mesosCalls: input.calls.length,
        mesosEvents: input.events.length,
        ...(fo.length ? { longestFailoverMs: Math.max(...fo) } : {}),
        ...(t.stoppedEarly ? { stoppedEarly: t.stoppedEarly } : {}),
      },
      faultsByKind: byKind,
      faults: outcomes,
      terms,
      violations,
      notes: this.notes,
    };
  }

  private async teardown(): Promise<void> {
    // Nothing stays frozen or partitioned, whatever happened.
    for (const [pid] of this.stopped) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone
      }
    }
    this.procs?.stop();
    await this.watch?.stop().catch(() => undefined);
    this.etcd?.close();
    await this.stack?.stop().catch(() => undefined);
  }
}
