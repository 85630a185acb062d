// Launch benchmark (not a test), issue 7: N pending pods (default 1,000) onto A emulated agents (default 100), time
// until every pod's Mesos task is RUNNING and the pod is bound, against the time the Mesos master emulator needs to
// accept and run the same N launches sent directly.
//
// Set-up, all on one machine: a real etcd; the Mesos master emulator in its own process on the real clock (task
// STARTING/RUNNING with no added delay, so the floor is the emulator's own cost; bench/lib/scheduler-bench.ts); the
// Kubernetes API emulator in its own process (`schedulerha devstack kube-apiserver`, bench/lib/kube-bench.ts); one
// scheduler replica process per run (`schedulerha scheduler --ha --kubeconfig=…`, production defaults, lease TTL
// 10 s), which is the leader and runs the pods task manager. Each pod asks for 100m CPU and 64Mi; an agent has
// cpus:4;mem:8192, so the N pods fit at once.
//
// Per round, alternating (after one warm-up of each):
//   floor    a raw framework in this process (bench/lib/mesos-raw.ts) subscribes, and on its offers sends one ACCEPT
//            per agent with one LAUNCH of that agent's tasks (N/A each, round-robin, as the scheduler spreads them),
//            the same TaskInfos the scheduler sends (same resources, the same custom ExecutorInfo, the pod as
//            TaskInfo.data), acknowledges every update at once (8 connections), and counts N RUNNING.
//            Timed: SUBSCRIBED read → N-th TASK_RUNNING read.
//   backlog  the RESULT. N pods created (untimed) for a scheduler name no replica serves yet; then a fresh replica
//            starts, is elected, registers the framework. Timed: the replica's "subscribed to Mesos" log line (the
//            SUBSCRIBED event read, its own clock) → this process reads the watch event binding the N-th pod. Every
//            pod is pending at the start.
//   burst    a warm leader with nothing to do (offers suppressed); this process creates the N pods (16 POSTs in
//            flight). Timed: the first POST → the N-th binding. Includes the creation itself (reported apart).
// After each scheduler run it is checked that every pod is bound to the hostname of the agent whose RUNNING task
// its `k8s.mesosphere.io/taskId` annotation names, that the framework has exactly N tasks, all attempt 0 and
// RUNNING, and none ended in TASK_ERROR/LOST/FAILED/DROPPED. Then the replica stops, the framework is torn down
// (operator API), the pods are deleted (grace 0) with their namespace, and the registry prefix is removed, so every
// round starts from the same state.
// Also reported: CPU used during the run by the replica, the two emulators and etcd (/proc/<pid>/stat), phase
// times (first / median binding, last RUNNING per the agent's status timestamps), the replica's peak RSS.
//
//   npm run build && node_modules/.bin/node dist/bench/launch.js [--n 1000] [--agents 100] [--rounds 3] [--profile DIR]
//       [--log-dir DIR --log-level debug] [--timeout MS]
// --profile: the replica and both emulators run under `node --cpu-prof` (profiles in DIR/<process>/);
// --log-dir: each replica's output is written to DIR/<replica>.log (with --log-level, e.g. debug, for a timeline).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EtcdServer } from '../src/devstack/etcd.js';
import { createEtcdClient } from '../src/election/index.js';
import { keyLayout } from '../src/api/keys.js';
import { parseSchedulerArgv } from '../src/api/flags.js';
import { acknowledgeCall, declineCall, launchCall, teardownCall } from '../src/mesos/calls.js';
import type { Event, Offer, Resource, TaskInfo } from '../src/mesos/types.js';
import { EXECUTOR_CPUS, EXECUTOR_MEM, executorInfo, frameworkSettings, schedulerNameOf } from '../src/scheduler/framework.js';
import { buildTaskInfo, podTaskData } from '../src/scheduler/pods/task-info.js';
import { parseTaskId, taskIdFor } from '../src/scheduler/pods/task-id.js';
import { ProcGroup } from '../test/helpers/procs.js';
import { KubeEmulatorProc, wallNow } from './lib/kube-bench.js';
import { RawFramework } from './lib/mesos-raw.js';
import { BenchReplica, EmulatorProc, cpuMs, poll, replicaArgs, spawnReplica, type ReplicaSetup } from './lib/scheduler-bench.js';
import { printResult, round, summarize, writeResult, writeSvg } from './lib/stats.js';
import { barChart } from './lib/svg.js';

function argStr(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const N = Number(argStr('n') ?? 1000);
const AGENTS = Number(argStr('agents') ?? 100);
const ROUNDS = Number(argStr('rounds') ?? 3);
const PROFILE_DIR = argStr('profile');
/** Diagnosis: the replicas log at this level and their whole output goes to <log-dir>/<replica>.log. */
const LOG_DIR = argStr('log-dir');
const LOG_LEVEL = argStr('log-level') ?? 'info';
const GOAL = 3;
const TTL = 10;
const POD_CPU = '100m';
const POD_MEM = '64Mi';
const TASK_CPUS = 0.1;
const TASK_MEM = 64;
const RUN_TIMEOUT_MS = Number(argStr('timeout') ?? 300_000);
const CREATE_CONCURRENCY = 16;

interface PodJson {
  metadata: { name: string; namespace: string; uid: string; annotations?: Record<string, string>; resourceVersion?: string };
  spec: { nodeName?: string; schedulerName?: string };
}

interface FloorRun {
  ms: number;
  /** SUBSCRIBED → every ACCEPT answered 202. */
  acceptedMs: number;
  accepts: number;
  acks: number;
  emulatorCpuMs: number;
  benchCpuMs: number;
}

interface SchedRun {
  mode: 'backlog' | 'burst';
  ms: number;
  /** Pod creation (N POSTs), ms: before the run (backlog) or inside it (burst). */
  createMs: number;
  firstBoundMs: number;
  medianBoundMs: number;
  /** Per the agents' TASK_RUNNING status timestamps, relative to t0. */
  lastRunningMs: number;
  /** Replica start → SUBSCRIBED (backlog), ms. */
  startupMs?: number;
  /** Pod MODIFIED events seen until the last binding (one per pod is the binding itself). */
  podWrites: number;
  cpuMs: { replica: number; kube: number; mesos: number; etcd: number };
  peakRssMb: number | undefined;
}

const PROFILE = (what: string) => (PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', `${PROFILE_DIR}/${what}`] : []);

function podBody(name: string, ns: string, schedulerName: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: 'bench-launch' } },
    spec: {
      schedulerName,
      restartPolicy: 'Always',
      containers: [{ name: 'main', image: 'example/app:1', resources: { requests: { cpu: POD_CPU, memory: POD_MEM } } }],
    },
  };
}

const podName = (i: number) => `p-${String(i).padStart(5, '0')}`;

async function main(): Promise<void> {
  console.log(`launch: ${N} pods (cpu ${POD_CPU}, memory ${POD_MEM}) onto ${AGENTS} agents; ${ROUNDS} alternating rounds of floor / backlog / burst after a warm-up`);
  const group = new ProcGroup();
  let etcd: EtcdServer | undefined;
  let emu: EmulatorProc | undefined;
  let kube: KubeEmulatorProc | undefined;
  let client: ReturnType<typeof createEtcdClient> | undefined;
  try {
    etcd = await EtcdServer.start();
    emu = await EmulatorProc.start({ masters: 1, agents: AGENTS, heartbeatSeconds: 15, history: { recordEvents: false } }, PROFILE('mesos'));
    // The watch window holds every pod event of a run (create, bind, delete), so no watcher ever relists.
    kube = await KubeEmulatorProc.start(group, { watchWindow: 4 * N + 1000, nodeArgs: PROFILE('kube') });
    client = createEtcdClient({ endpoints: etcd.endpoint });
    const etcdPid = etcd.pid!;
    const kubeProc = kube;
    const emulator = emu;
    const etcdClient = client;
    const hostOf = new Map(emulator.agents.map((id, i) => [id, emulator.hostnames[i]!]));
    let seq = 0;

    const setupFor = (frameworkName: string): ReplicaSetup => ({
      frameworkName,
      etcdEndpoint: etcd!.endpoint,
      masterAddress: emulator.masterAddress,
      leaseTtlSeconds: TTL,
      extra: [`--kubeconfig=${kubeProc.kubeconfigPath}`, ...(LOG_LEVEL !== 'info' ? [`--log-level=${LOG_LEVEL}`] : [])],
    });

    // A pod as the API server stores it (defaults applied), for the floor's TaskInfo.data: the same bytes per task
    // as the scheduler sends.
    await kubeProc.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-launch-template' } });
    const template = (await kubeProc.ok<PodJson>('POST', '/api/v1/namespaces/bench-launch-template/pods', podBody(podName(0), 'bench-launch-template', 'bench-template'))).body;

    // ---- floor -------------------------------------------------------------------------------------------------
    const floorRun = async (label: string): Promise<FloorRun> => {
      const name = `bench-launch-floor-${process.pid}-${label}`;
      const config = parseSchedulerArgv(replicaArgs(setupFor(name), 'floor').slice(1)).config;
      const fw = new RawFramework(emulator.leaderUrl, 8);
      const pending: number[] = Array.from({ length: N }, (_, i) => i);
      const ours = new Set<string>();
      const running = new Set<string>();
      let accepts = 0;
      let acceptsAnswered = 0;
      let acks = 0;
      let acceptedAt = 0;
      let doneAt = 0;
      let fail: ((e: Error) => void) | undefined;
      let finish: (() => void) | undefined;
      const done = new Promise<void>((resolve, reject) => {
        finish = resolve;
        fail = reject;
      });
      let exec: TaskInfo['executor'];
      const onOffers = (offers: Offer[]) => {
        exec ??= executorInfo(config, fw.frameworkId);
        // Round-robin over the offers, as the scheduler's matcher spreads pods; each agent pays the executor once.
        const plan = offers.map((o) => {
          const scalar = (n: string) => o.resources.filter((r) => r.name === n).reduce((a, r) => a + (r.scalar?.value ?? 0), 0);
          const execPaid = (o.executor_ids ?? []).some((e) => e.value === exec!.executor_id.value);
          const cpus = scalar('cpus') - (execPaid ? 0 : EXECUTOR_CPUS);
          const mem = scalar('mem') - (execPaid ? 0 : EXECUTOR_MEM);
          return { o, fit: Math.max(0, Math.min(Math.floor((cpus + 1e-9) / TASK_CPUS), Math.floor((mem + 1e-9) / TASK_MEM))), tasks: [] as TaskInfo[] };
        });
        let k = 0;
        let progress = true;
        while (pending.length && progress) {
          progress = false;
          for (let j = 0; j < plan.length && pending.length; j++) {
            const p = plan[(k + j) % plan.length]!;
            if (p.tasks.length >= p.fit) continue;
            const i = pending.shift()!;
            const uid = `${template.metadata.uid.slice(0, 24)}${String(i).padStart(12, '0')}`;
            const ref = { namespace: template.metadata.namespace, name: podName(i), uid };
            const role = p.o.allocation_info?.role ?? '*';
            const res: Resource[] = [
              { name: 'cpus', type: 'SCALAR', scalar: { value: TASK_CPUS }, role: '*', allocation_info: { role } },
              { name: 'mem', type: 'SCALAR', scalar: { value: TASK_MEM }, role: '*', allocation_info: { role } },
            ];
            const data = podTaskData({ ...template, metadata: { ...template.metadata, name: ref.name, uid } } as Parameters<typeof podTaskData>[0]);
            const t = buildTaskInfo({ ref, taskId: taskIdFor(uid, 0), attempt: 0, agentId: p.o.agent_id.value, resources: res, executor: exec!, data });
            ours.add(t.task_id.value);
            p.tasks.push(t);
            progress = true;
          }
          k++;
        }
        for (const p of plan) {
          if (p.tasks.length) {
            accepts++;
            void fw.call(launchCall(fw.frameworkId, [p.o.id.value], p.tasks, { refuse_seconds: 30 })).then((st) => {
              if (st !== 202) fail!(new Error(`floor ACCEPT answered ${st}`));
              if (++acceptsAnswered === accepts && !pending.length) acceptedAt = wallNow();
            }, fail);
          } else void fw.call(declineCall(fw.frameworkId, [p.o.id.value], { refuse_seconds: 30 })).catch(fail);
        }
      };
      const onEvent = (e: Event) => {
        if (e.type === 'OFFERS') onOffers(e.offers?.offers ?? []);
        else if (e.type === 'UPDATE') {
          const s = e.update!.status;
          if (s.uuid) {
            acks++;
            void fw.call(acknowledgeCall(fw.frameworkId, s)).then((st) => (st === 202 ? undefined : fail!(new Error(`floor ACKNOWLEDGE answered ${st}`))), fail);
          }
          const id = s.task_id.value;
          if (!ours.has(id)) return;
          if (s.state === 'TASK_RUNNING' && !running.has(id)) {
            running.add(id);
            if (running.size === N) {
              doneAt = wallNow();
              finish!();
            }
          } else if (!['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING'].includes(s.state)) fail!(new Error(`floor task ${id} ${s.state}: ${s.message ?? ''}`));
        } else if (e.type === 'ERROR') fail!(new Error(`floor framework ERROR: ${e.error?.message}`));
      };
      const c0 = cpuMs(emulator.pid)!;
      const u0 = process.cpuUsage();
      const timer = setTimeout(() => fail!(new Error(`floor: ${running.size}/${N} RUNNING after ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS);
      try {
        await fw.subscribe(frameworkSettings(config), onEvent, (why) => fail!(new Error(`floor: ${why}`)));
        const t0 = fw.subscribedAt;
        await done;
        const u = process.cpuUsage(u0);
        return { ms: doneAt - t0, acceptedMs: acceptedAt - t0, accepts, acks, emulatorCpuMs: cpuMs(emulator.pid)! - c0, benchCpuMs: (u.user + u.system) / 1000 };
      } finally {
        clearTimeout(timer);
        if (fw.frameworkId) await fw.call(teardownCall(fw.frameworkId)).catch(() => undefined);
        fw.close();
        if (fw.frameworkId) await poll('the floor framework torn down', async () => ((await emulator.framework(fw.frameworkId)) ? undefined : true), 30_000);
      }
    };

    // ---- scheduler runs ----------------------------------------------------------------------------------------
    const createPods = async (ns: string, schedulerName: string): Promise<number> => {
      const t0 = performance.now();
      await KubeEmulatorProc.pool(N, CREATE_CONCURRENCY, async (i) => {
        await kubeProc.ok('POST', `/api/v1/namespaces/${ns}/pods`, podBody(podName(i), ns, schedulerName));
      });
      return performance.now() - t0;
    };

    const schedulerRun = async (mode: 'backlog' | 'burst', label: string): Promise<SchedRun> => {
      const frameworkName = `bench-launch-${process.pid}-${label}`;
      const schedulerName = schedulerNameOf(frameworkName);
      const setup = setupFor(frameworkName);
      const keys = keyLayout('/k8sm', frameworkName);
      const ns = `launch-${process.pid}-${label}`.toLowerCase();
      await kubeProc.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      const list = await kubeProc.ok<{ metadata: { resourceVersion: string } }>('GET', `/api/v1/namespaces/${ns}/pods`);
      // Bindings as this process sees them: the watch event with spec.nodeName set.
      const pods = new Map<string, PodJson>();
      const boundAt = new Map<string, number>();
      let modified = 0;
      let watchErr: string | undefined;
      let allBound: (() => void) | undefined;
      const bound = new Promise<void>((r) => (allBound = r));
      const watch = kubeProc.watch<PodJson>(
        `/api/v1/namespaces/${ns}/pods`,
        { resourceVersion: list.body.metadata.resourceVersion },
        (e) => {
          if (e.type === 'ERROR') {
            watchErr = JSON.stringify(e.object);
            return;
          }
          if (e.type === 'BOOKMARK' || e.type === 'DELETED') return;
          if (e.type === 'MODIFIED') modified++;
          pods.set(e.object.metadata.name, e.object);
          if (e.object.spec.nodeName && !boundAt.has(e.object.metadata.name)) {
            boundAt.set(e.object.metadata.name, e.rt);
            if (boundAt.size === N) allBound!();
          }
        },
        (why) => (watchErr = why),
      );
      let rep: BenchReplica | undefined;
      let fid: string | undefined;
      try {
        let t0: number;
        let createMs: number;
        let startupMs: number | undefined;
        let cpu0: number[];
        const cpuNow = () => [cpuMs(rep!.pid) ?? NaN, cpuMs(kubeProc.pid) ?? NaN, cpuMs(emulator.pid) ?? NaN, cpuMs(etcdPid) ?? NaN];
        if (mode === 'backlog') {
          createMs = await createPods(ns, schedulerName);
          const spawnedAt = Date.now();
          rep = spawnReplica(group, setup, `launch-${label}`, PROFILE('replica'));
          // The client's line for the SUBSCRIBED event (the leader term logs its own "SUBSCRIBED" only after
          // persisting the framework id, while the first offers are already being handled).
          const sub = await rep.waitLine('subscribed to Mesos', (l) => l.msg === 'subscribed to Mesos', 60_000);
          cpu0 = cpuNow();
          t0 = sub.at;
          startupMs = sub.at - spawnedAt;
        } else {
          rep = spawnReplica(group, setup, `launch-${label}`, PROFILE('replica'));
          await rep.waitLine('offers suppressed (idle leader)', (l) => l.msg === 'nothing to launch; offers suppressed', 60_000);
          cpu0 = cpuNow();
          t0 = wallNow();
          createMs = await createPods(ns, schedulerName);
        }
        const replica = rep;
        fid = String((await replica.waitLine('subscribed to Mesos', (l) => l.msg === 'subscribed to Mesos', 10_000)).j.frameworkId);
        await Promise.race([
          bound,
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${mode}: ${boundAt.size}/${N} pods bound after ${RUN_TIMEOUT_MS} ms${watchErr ? ` (watch: ${watchErr})` : ''}; replica log tail:\n${replica.lines.slice(-8).map((l) => JSON.stringify(l.j)).join('\n')}`)), RUN_TIMEOUT_MS).unref()),
          replica.proc.exited.then((code) => Promise.reject(new Error(`${mode}: the replica exited (${code}); output tail:\n${replica.proc.output().slice(-2000)}`))),
        ]);
        const cpu1 = cpuNow();
        const peak = replica.peakRssKb();
        const times = [...boundAt.values()].sort((a, b) => a - b);
        const t1 = times[times.length - 1]!;

        // ---- verification ----
        const tasks = await emulator.tasks(fid);
        const byId = new Map(tasks.map((t) => [t[0], t]));
        if (tasks.length !== N) {
          const byState = new Map<string, number>();
          for (const t of tasks) {
            const k = `${t[1]} attempt ${parseTaskId(t[0])?.attempt ?? '?'}`;
            byState.set(k, (byState.get(k) ?? 0) + 1);
          }
          const extra = tasks.filter((t) => parseTaskId(t[0])?.attempt !== 0).slice(0, 3).map((t) => t.join(' '));
          throw new Error(`${mode}: the framework has ${tasks.length} tasks, expected ${N}: ${JSON.stringify(Object.fromEntries(byState))}; e.g. ${extra.join('; ')}; replica log tail:\n${replica.lines.slice(-10).map((l) => JSON.stringify(l.j)).join('\n')}`);
        }
        for (const [name, p] of pods) {
          const id = p.metadata.annotations?.['k8s.mesosphere.io/taskId'];
          const t = id ? byId.get(id) : undefined;
          if (!t) throw new Error(`${mode}: pod ${name} names task ${id}, which the master does not know`);
          if (id !== taskIdFor(p.metadata.uid, 0)) throw new Error(`${mode}: pod ${name} runs ${id}, not attempt 0`);
          if (t[1] !== 'TASK_RUNNING') throw new Error(`${mode}: task ${id} is ${t[1]}`);
          if (hostOf.get(t[2]) !== p.spec.nodeName) throw new Error(`${mode}: pod ${name} is bound to ${p.spec.nodeName}, its task runs on ${hostOf.get(t[2])}`);
        }
        const errors = await emulator.taskErrors(fid);
        if (errors.length) throw new Error(`${mode}: tasks ended badly: ${errors.slice(0, 5).join('; ')}`);
        const running = await emulator.runningTimes(fid);
        return {
          mode,
          ms: t1 - t0,
          createMs,
          firstBoundMs: times[0]! - t0,
          medianBoundMs: times[Math.floor(times.length / 2)]! - t0,
          lastRunningMs: Math.max(...running) - t0,
          ...(startupMs !== undefined ? { startupMs } : {}),
          podWrites: modified,
          cpuMs: { replica: cpu1[0]! - cpu0[0]!, kube: cpu1[1]! - cpu0[1]!, mesos: cpu1[2]! - cpu0[2]!, etcd: cpu1[3]! - cpu0[3]! },
          peakRssMb: peak === undefined ? undefined : peak / 1024,
        };
      } finally {
        watch.stop();
        if (LOG_DIR && rep) {
          mkdirSync(LOG_DIR, { recursive: true });
          writeFileSync(join(LOG_DIR, `${rep.name}.log`), rep.proc.output());
        }
        // Clean-up: nothing of this run may cost anything in the next one.
        await rep?.proc.stop(15_000);
        if (!fid) fid = (await etcdClient.get(keys.frameworkId).string()) ?? undefined;
        if (fid) {
          const r = await fetch(`${emulator.leaderUrl}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'TEARDOWN', teardown: { framework_id: { value: fid } } }), signal: AbortSignal.timeout(30_000) });
          await r.text();
        }
        await KubeEmulatorProc.pool(N, 32, async (i) => {
          await kubeProc.request('DELETE', `/api/v1/namespaces/${ns}/pods/${podName(i)}`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 });
        });
        await kubeProc.request('DELETE', `/api/v1/namespaces/${ns}`);
        await poll(`namespace ${ns} gone`, async () => ((await kubeProc.request('GET', `/api/v1/namespaces/${ns}`)).status === 404 || undefined), 60_000, 100);
        await etcdClient.delete().prefix(`${keys.root}/`).exec();
      }
    };

    // ---- rounds --------------------------------------------------------------------------------------------------
    const floors: FloorRun[] = [];
    const backlog: SchedRun[] = [];
    const burst: SchedRun[] = [];
    const showSched = (r: SchedRun) =>
      `${round(r.ms, 0)} ms (${r.podWrites} pod writes; first bound +${round(r.firstBoundMs, 0)}, median +${round(r.medianBoundMs, 0)}, last RUNNING +${round(r.lastRunningMs, 0)}${r.mode === 'burst' ? `, creation ${round(r.createMs, 0)}` : ''}; CPU replica ${r.cpuMs.replica} kube ${r.cpuMs.kube} mesos ${r.cpuMs.mesos} etcd ${r.cpuMs.etcd} ms)`;
    {
      const f = await floorRun('warmup');
      const b = await schedulerRun('backlog', `warmup-b${seq++}`);
      const u = await schedulerRun('burst', `warmup-u${seq++}`);
      console.log(`warm-up: floor ${round(f.ms, 0)} ms | backlog ${showSched(b)} | burst ${showSched(u)}`);
    }
    for (let i = 0; i < ROUNDS; i++) {
      const f = await floorRun(String(i));
      floors.push(f);
      const b = await schedulerRun('backlog', `b${seq++}`);
      backlog.push(b);
      const u = await schedulerRun('burst', `u${seq++}`);
      burst.push(u);
      console.log(`round ${i + 1}: floor ${round(f.ms, 0)} ms (accepted +${round(f.acceptedMs, 0)}, ${f.accepts} ACCEPTs, ${f.acks} ACKs; CPU emulator ${f.emulatorCpuMs}, bench ${round(f.benchCpuMs, 0)} ms)`);
      console.log(`         backlog ${showSched(b)} = ${round(b.ms / f.ms, 2)}× floor`);
      console.log(`         burst   ${showSched(u)} = ${round(u.ms / f.ms, 2)}× floor`);
    }

    // ---- report ----------------------------------------------------------------------------------------------------
    const med = (xs: number[]) => summarize(xs).p50;
    const floorMs = med(floors.map((f) => f.ms));
    const backlogMs = med(backlog.map((r) => r.ms));
    const burstMs = med(burst.map((r) => r.ms));
    const ratio = backlogMs / floorMs;
    const burstRatio = burstMs / floorMs;
    const phases = (rs: SchedRun[]) => ({
      firstBoundMs: round(med(rs.map((r) => r.firstBoundMs)), 1),
      medianBoundMs: round(med(rs.map((r) => r.medianBoundMs)), 1),
      lastRunningMs: round(med(rs.map((r) => r.lastRunningMs)), 1),
      allBoundMs: round(med(rs.map((r) => r.ms)), 1),
      createMs: round(med(rs.map((r) => r.createMs)), 1),
      cpuMs: {
        replica: med(rs.map((r) => r.cpuMs.replica)),
        kube: med(rs.map((r) => r.cpuMs.kube)),
        mesos: med(rs.map((r) => r.cpuMs.mesos)),
        etcd: med(rs.map((r) => r.cpuMs.etcd)),
      },
      peakRssMb: round(Math.max(...rs.map((r) => r.peakRssMb ?? NaN)), 1),
    });
    console.log(`summary (medians of ${ROUNDS}):`);
    console.log(`  floor (raw framework, ${N} launches)  ${round(floorMs, 0)} ms  (${round((N / floorMs) * 1000, 0)} tasks/s)`);
    console.log(`  backlog (${N} pending pods)           ${round(backlogMs, 0)} ms  → ${round(ratio, 2)}× floor (goal ≤ ${GOAL}); per round ${backlog.map((r, i) => round(r.ms / floors[i]!.ms, 2)).join(', ')}`);
    console.log(`  burst (created while leading)       ${round(burstMs, 0)} ms  → ${round(burstRatio, 2)}× floor; creating the pods alone ${round(med(burst.map((r) => r.createMs)), 0)} ms`);
    const file = writeResult('launch', {
      params: { n: N, agents: AGENTS, rounds: ROUNDS, pod: { cpu: POD_CPU, memory: POD_MEM }, agentResources: 'cpus:4;mem:8192;disk:20000;ports:[31000-32000]', leaseTtlSeconds: TTL, createConcurrency: CREATE_CONCURRENCY, taskTiming: 'no added STARTING/RUNNING delay', etcd: '3.4 (Debian etcd-server)', profiled: !!PROFILE_DIR },
      method:
        'Mesos master emulator and Kubernetes API emulator each in their own process, real etcd, one scheduler replica process per run (production defaults, --kubeconfig). Floor: a raw framework here subscribes, sends one ACCEPT (one LAUNCH of N/A tasks) per offered agent with the scheduler\'s TaskInfos (same resources, ExecutorInfo and pod data), acknowledges every update at once (8 connections); SUBSCRIBED read → N-th TASK_RUNNING read. Backlog (RESULT): N pods exist before the replica starts; its "subscribed to Mesos" log line (SUBSCRIBED read) → this process reads the N-th binding on a pod watch. Burst: a warm, suppressed leader; first pod POST (16 in flight) → N-th binding. Alternating rounds, medians; verified per run: each pod bound to the host of its RUNNING attempt-0 task, exactly N tasks, none failed. CPU from /proc/<pid>/stat (10 ms ticks) between t0 and the last binding.',
      goal: `<=${GOAL}`,
      ratio: round(ratio, 3),
      burstRatio: round(burstRatio, 3),
      floorMsMedian: round(floorMs, 1),
      backlogMsMedian: round(backlogMs, 1),
      burstMsMedian: round(burstMs, 1),
      perRoundRatios: backlog.map((r, i) => round(r.ms / floors[i]!.ms, 3)),
      phases: { backlog: phases(backlog), burst: phases(burst) },
      floor: floors.map((f) => ({ ms: round(f.ms, 1), acceptedMs: round(f.acceptedMs, 1), accepts: f.accepts, acks: f.acks, emulatorCpuMs: f.emulatorCpuMs, benchCpuMs: round(f.benchCpuMs, 1) })),
      backlog: backlog.map((r) => ({ ...r, ms: round(r.ms, 1), createMs: round(r.createMs, 1), firstBoundMs: round(r.firstBoundMs, 1), medianBoundMs: round(r.medianBoundMs, 1), lastRunningMs: round(r.lastRunningMs, 1), peakRssMb: r.peakRssMb === undefined ? null : round(r.peakRssMb, 1) })),
      burst: burst.map((r) => ({ ...r, ms: round(r.ms, 1), createMs: round(r.createMs, 1), firstBoundMs: round(r.firstBoundMs, 1), medianBoundMs: round(r.medianBoundMs, 1), lastRunningMs: round(r.lastRunningMs, 1), peakRssMb: r.peakRssMb === undefined ? null : round(r.peakRssMb, 1) })),
    });
    const bp = phases(backlog);
    writeSvg(
      'launch',
      barChart(`Launch: ${N} pods on ${AGENTS} agents, median of ${ROUNDS}; backlog ${round(ratio, 2)}× floor (goal ≤ ${GOAL})`, 'ms', [
        { label: 'floor: raw framework', value: Math.round(floorMs) },
        { label: 'backlog: first pod bound', value: Math.round(bp.firstBoundMs) },
        { label: 'backlog: half bound', value: Math.round(bp.medianBoundMs) },
        { label: 'backlog: last RUNNING', value: Math.round(bp.lastRunningMs) },
        { label: 'backlog: all bound', value: Math.round(backlogMs) },
        { label: 'burst: creating pods', value: Math.round(phases(burst).createMs) },
        { label: 'burst: all bound', value: Math.round(burstMs) },
      ]),
    );
    console.log(`wrote ${file}`);
    printResult('launch', 'ratio', ratio, GOAL);
  } finally {
    // The emulators first, with SIGTERM: a profiled process writes its profile only when it exits cleanly.
    await kube?.stop().catch(() => undefined);
    await group.killAll();
    client?.close();
    await emu?.stop();
    await etcd?.stop();
  }
}

await main();
