// Reconciliation benchmark (not a test). For N live tasks (default 10,000 and 100,000) present both in the task
// registry (etcd, written as a leader writes it: ≤ 128 puts per txn) and in the Mesos master emulator (seedTasks:
// RUNNING, acknowledged; the emulator runs in its own process on the real clock), one scheduler replica process is
// started and reconciles after its SUBSCRIBED: explicit reconciliation of all N tasks (with agent ids), then
// implicit. Timed from its "SUBSCRIBED" log line to its "reconciliation complete" log line — both stamped by the
// replica's own clock, so no cross-process skew, ms resolution.
// The floor, measured in the same run and alternating with the replica runs: the same emulator streaming N UPDATE
// events (streamSyntheticUpdates) to a raw HTTP subscription in this process that only counts and discards bytes,
// from the IPC command to the last byte. Goal: reconcile ÷ floor ≤ 3 (medians).
// Diagnostic, also alternating: the "protocol floor" — the same reconciliation exchange as the replica's run (SUBSCRIBE
// as the framework, explicit RECONCILE for all N tasks with agent ids in calls of 5000 one after another until N
// answers arrived, then implicit, ending at its 202) done by a minimal client here that discards the answers. It is
// what the emulator itself needs to answer a reconciliation; reconcile ÷ protocol floor is the replica's own share.
// Also reported: the replica's peak RSS (VmHWM after reconciliation), its "task registry loaded" time, the
// reconciler's own run duration and the number of RECONCILE calls it needed.
//
//   npm run build && node_modules/.bin/node dist/bench/reconcile.js [--n 10000,100000] [--rounds 5] [--profile DIR]
// --profile starts the replica and the emulator with `node --cpu-prof` (profiles written to DIR/replica and
// DIR/emulator when they exit).
import http from 'node:http';
import { EtcdServer } from '../src/devstack/etcd.js';
import { knownTaskAnswer } from '../src/devstack/mesos/index.js';
import { createEtcdClient } from '../src/election/index.js';
import { keyLayout } from '../src/api/keys.js';
import { parseLeaderStatus } from '../src/api/leader-status.js';
import { parseSchedulerArgv } from '../src/api/flags.js';
import { reconcileCall, subscribeCall } from '../src/mesos/calls.js';
import { RecordIODecoder, encodeRecord as encodeRecordIO } from '../src/mesos/recordio.js';
import { executorIdentity, frameworkSettings } from '../src/scheduler/framework.js';
import type { SchedulerConfig } from '../src/api/flags.js';
import type { SeededTasks } from './lib/scheduler-bench-emulator.js';
import { ProcGroup } from '../test/helpers/procs.js';
import { EmulatorProc, cpuMs, poll, registerFramework, replicaArgs, spawnReplica, taskRecords, writeRegistry, type ReplicaSetup } from './lib/scheduler-bench.js';
import { printResult, round, summarize, writeResult, writeSvg } from './lib/stats.js';
import { lineChart } from './lib/svg.js';

function argStr(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const NS = (argStr('n') ?? '10000,100000').split(',').map(Number);
const ROUNDS = Number(argStr('rounds') ?? 5);
const PROFILE_DIR = argStr('profile');
const AGENTS = 50;
const GOAL = 3;
const TTL = 10; // the production default lease TTL: nothing here depends on it

interface FloorRun {
  ms: number;
  bytes: number;
  /** CPU used meanwhile by the emulator process and by this (reading) process, ms. */
  emulatorCpuMs: number;
  readerCpuMs: number;
}

interface ProtocolRun {
  ms: number;
  calls: number;
  emulatorCpuMs: number;
}

interface ReconcileRun {
  /** "SUBSCRIBED" → "reconciliation complete", replica log times (ms). */
  ms: number;
  /** The reconciler's own duration of the run (s, monotonic clock). */
  reconcilerSeconds: number;
  requests: number;
  registryLoadMs: number;
  /** Process start (spawn) → SUBSCRIBED (ms). */
  spawnToSubscribedMs: number;
  peakRssMb: number | undefined;
  /** CPU used between reading the SUBSCRIBED line and the complete line, by the replica and by the emulator (ms;
   * 10 ms resolution). Against the wall time they show which side the run waited for. */
  replicaCpuMs: number;
  emulatorCpuMs: number;
}

/** A raw subscription whose bytes are counted and dropped; ms from the stream command to the last byte. */
async function floorRun(emu: EmulatorProc, name: string, n: number): Promise<FloorRun> {
  const url = new URL(`${emu.leaderUrl}/api/v1/scheduler`);
  let received = 0;
  let target = Infinity;
  let doneAt = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, agent: false });
  req.on('error', () => undefined);
  req.on('response', (res) => {
    res.on('data', (c: Buffer) => {
      received += c.length;
      if (received >= target && !doneAt) {
        doneAt = performance.now();
        resolveDone();
      }
    });
  });
  // Suppressed, so no offers share the stream; failover timeout 0 so the framework goes away with the connection.
  req.end(JSON.stringify(subscribeCall({ user: 'bench', name, failoverTimeoutSeconds: 0, checkpoint: false }, undefined, ['*'])));
  await poll('SUBSCRIBED and HEARTBEAT read', () => received > 0 || undefined, 30_000, 2);
  await new Promise((r) => setTimeout(r, 50));
  const before = received;
  const c0 = cpuMs(emu.pid)!;
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await emu.stream(name, n);
  target = before + r.bytes;
  if (received >= target && !doneAt) {
    doneAt = performance.now();
    resolveDone();
  }
  await done;
  const u = process.cpuUsage(u0);
  const emulatorCpuMs = cpuMs(emu.pid)! - c0;
  req.destroy();
  return { ms: doneAt - t0, bytes: r.bytes, emulatorCpuMs, readerCpuMs: (u.user + u.system) / 1000 };
}

/** The replica's reconciliation exchange by a client that discards the answers (see the header). */
async function protocolRun(emu: EmulatorProc, config: SchedulerConfig, frameworkId: string, tasks: SeededTasks): Promise<ProtocolRun> {
  const url = new URL(`${emu.leaderUrl}/api/v1/scheduler`);
  const n = tasks.ids.length;
  const BATCH = 5000; // the Reconciler's default batch
  const bodies: string[] = [];
  for (let i = 0; i < n; i += BATCH) {
    const batch = tasks.ids.slice(i, i + BATCH).map((id, j) => ({ task_id: id, agent_id: tasks.agentIds[i + j]! }));
    bodies.push(JSON.stringify(reconcileCall(frameworkId, batch)));
  }
  const implicit = JSON.stringify(reconcileCall(frameworkId, []));
  const decoder = new RecordIODecoder();
  const UPDATE = Buffer.from('{"type":"UPDATE"');
  let records = 0;
  let updates = 0;
  let streamId = '';
  const sub = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, agent: false });
  sub.on('error', () => undefined);
  sub.on('response', (res) => {
    streamId = String(res.headers['mesos-stream-id'] ?? '');
    res.on('data', (c: Buffer) => {
      for (const r of decoder.push(c)) {
        records++;
        if (r.subarray(0, UPDATE.length).equals(UPDATE)) updates++;
      }
    });
    res.on('error', () => undefined);
  });
  sub.end(JSON.stringify(subscribeCall(frameworkSettings(config), frameworkId, config.mesosRoles)));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const call = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Mesos-Stream-Id': streamId } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`RECONCILE answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  try {
    await poll('SUBSCRIBED', () => records > 0 || undefined, 30_000, 1);
    const c0 = cpuMs(emu.pid)!;
    const t0 = performance.now();
    const base = updates;
    for (const b of bodies) await call(b);
    await poll(`${n} answers`, () => updates - base >= n || undefined, 600_000, 1);
    await call(implicit);
    const ms = performance.now() - t0;
    return { ms, calls: bodies.length + 1, emulatorCpuMs: cpuMs(emu.pid)! - c0 };
  } finally {
    sub.destroy();
    agent.destroy();
  }
}

async function main(): Promise<void> {
  console.log(`reconcile: N = ${NS.join(', ')} live tasks in the registry and the emulator (${AGENTS} agents); ${ROUNDS} alternating floor / replica rounds per N`);
  const group = new ProcGroup();
  let etcd: EtcdServer | undefined;
  let emu: EmulatorProc | undefined;
  let client: ReturnType<typeof createEtcdClient> | undefined;
  try {
    etcd = await EtcdServer.start();
    emu = await EmulatorProc.start({ masters: 1, agents: AGENTS, heartbeatSeconds: 15, history: { recordEvents: false } }, PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', `${PROFILE_DIR}/emulator`] : []);
    client = createEtcdClient({ endpoints: etcd.endpoint });
    const results: Array<{ n: number; floor: FloorRun[]; protocol: ProtocolRun[]; runs: ReconcileRun[]; setup: Record<string, number>; eventBytes: { synthetic: number; reconcileAnswer: number } }> = [];

    for (const n of NS) {
      const setup: ReplicaSetup = { frameworkName: `bench-reconcile-${n}-${process.pid}`, etcdEndpoint: etcd.endpoint, masterAddress: emu.masterAddress, leaseTtlSeconds: TTL };
      const keys = keyLayout('/k8sm', setup.frameworkName);
      const executorId = executorIdentity(parseSchedulerArgv(replicaArgs(setup, 'x').slice(1)).config).executorId;
      const { frameworkId: fid, bootPeakRssKb } = await registerFramework(group, setup, keys, client);
      const seeded = await emu.seed(fid, n, executorId);
      const records = taskRecords(seeded, executorId);
      const reg = await writeRegistry(client, keys, records, 8);
      // Size of one reconciliation answer as the emulator encodes it, next to a synthetic UPDATE's.
      const answer = knownTaskAnswer({ task_id: seeded.ids[0]!, agent_id: seeded.agentIds[0]!, executor_id: executorId, state: 'TASK_RUNNING' }, Date.now() / 1000);
      const reconcileAnswer = encodeRecordIO(JSON.stringify({ type: 'UPDATE', update: { status: answer } })).length;
      console.log(
        `N=${n}: framework ${fid}; seeded in the emulator in ${round(seeded.ms, 0)} ms; registry written in ${round(reg.ms, 0)} ms (${reg.txns} txns of ≤ 128 puts, ${round(reg.bytes / 1e6, 1)} MB)`,
      );

      const config = parseSchedulerArgv(replicaArgs(setup, 'x').slice(1)).config;
      const floor: FloorRun[] = [];
      const protocol: ProtocolRun[] = [];
      const runs: ReconcileRun[] = [];
      await floorRun(emu, `floor-${n}-warmup`, n);
      await protocolRun(emu, config, fid, seeded);
      for (let i = 0; i < ROUNDS; i++) {
        const f = await floorRun(emu, `floor-${n}-${i}`, n);
        floor.push(f);
        const pr = await protocolRun(emu, config, fid, seeded);
        protocol.push(pr);
        const t0 = Date.now();
        const rep = spawnReplica(group, setup, `rec-${n}-${i}`, PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', `${PROFILE_DIR}/replica`] : []);
        try {
          const sub = await rep.waitLine('SUBSCRIBED', (l) => l.msg === 'SUBSCRIBED', 300_000);
          const [rc0, ec0] = [cpuMs(rep.pid)!, cpuMs(emu.pid)!];
          const end = await rep.waitLine('reconciliation complete', (l) => /^reconciliation (complete|timed-out)$/.test(l.msg), 900_000);
          const [rc1, ec1] = [cpuMs(rep.pid)!, cpuMs(emu.pid)!];
          const peak = rep.peakRssKb();
          if (end.msg !== 'reconciliation complete') throw new Error(`reconciliation ended ${end.msg}: ${JSON.stringify(end.j)}`);
          if (end.j.total !== n || end.j.remaining !== 0) throw new Error(`reconciled ${String(end.j.total)} tasks with ${String(end.j.remaining)} remaining, expected ${n} / 0`);
          const status = await poll(
            'the leader status record showing the completed run',
            async () => {
              const s = parseLeaderStatus(await client!.get(keys.leaderStatus).string());
              return s && s.identity === rep.name && s.reconciliation.phase === 'complete' ? s : undefined;
            },
            30_000,
            50,
          );
          if (status.frameworkId !== fid || status.reconciliation.total !== n) throw new Error(`leader status: framework ${status.frameworkId}, total ${status.reconciliation.total}`);
          const loaded = rep.find('task registry loaded')!;
          if (loaded.j.live !== n) throw new Error(`registry loaded ${String(loaded.j.live)} live tasks, expected ${n}`);
          const r: ReconcileRun = {
            ms: end.at - sub.at,
            reconcilerSeconds: Number(end.j.seconds),
            requests: Number(end.j.requests),
            registryLoadMs: Number(loaded.j.ms),
            spawnToSubscribedMs: sub.at - t0,
            peakRssMb: peak === undefined ? undefined : peak / 1024,
            replicaCpuMs: rc1 - rc0,
            emulatorCpuMs: ec1 - ec0,
          };
          runs.push(r);
          console.log(
            `  round ${i + 1}: floor ${round(f.ms, 1)} ms | protocol floor ${round(pr.ms, 0)} ms | replica ${r.ms} ms (${r.requests} RECONCILE calls) = ${round(r.ms / f.ms, 2)}× floor, ${round(r.ms / pr.ms, 2)}× protocol | CPU: replica ${r.replicaCpuMs} ms + emulator ${r.emulatorCpuMs} ms (protocol floor: emulator ${pr.emulatorCpuMs}; floor: emulator ${f.emulatorCpuMs}, reader ${round(f.readerCpuMs, 0)}) | registry load ${r.registryLoadMs} ms, peak RSS ${r.peakRssMb === undefined ? '?' : round(r.peakRssMb, 0)} MB`,
          );
        } finally {
          await rep.proc.stop(30_000);
        }
      }
      results.push({ n, floor, protocol, runs, setup: { emptyRegistryLeaderPeakRssMb: bootPeakRssKb === undefined ? NaN : round(bootPeakRssKb / 1024, 1), seedMs: round(seeded.ms, 1), registryWriteMs: round(reg.ms, 1), registryTxns: reg.txns, registryBytes: reg.bytes }, eventBytes: { synthetic: round(floor[0]!.bytes / n, 1), reconcileAnswer } });
    }

    // ---- report ----
    const med = (xs: number[]) => summarize(xs).p50;
    const rows = results.map((x) => {
      const floorMs = med(x.floor.map((f) => f.ms));
      const protocolMs = med(x.protocol.map((p) => p.ms));
      const reconcileMs = med(x.runs.map((r) => r.ms));
      return {
        n: x.n,
        floorMs,
        protocolMs,
        reconcileMs,
        ratio: reconcileMs / floorMs,
        protocolRatio: reconcileMs / protocolMs,
        perRoundRatios: x.runs.map((r, i) => r.ms / x.floor[i]!.ms),
        registryLoadMs: med(x.runs.map((r) => r.registryLoadMs)),
        peakRssMb: Math.max(...x.runs.map((r) => r.peakRssMb ?? NaN)),
        replicaCpuMs: med(x.runs.map((r) => r.replicaCpuMs)),
        emulatorCpuMs: med(x.runs.map((r) => r.emulatorCpuMs)),
        x,
      };
    });
    console.log('summary (medians):');
    for (const r of rows) {
      console.log(
        `  N=${String(r.n).padStart(6)}: replica SUBSCRIBED → complete ${round(r.reconcileMs, 0)} ms; floor (N UPDATEs discarded) ${round(r.floorMs, 1)} ms → ${round(r.ratio, 2)}× (goal ≤ ${GOAL}); protocol floor ${round(r.protocolMs, 0)} ms → ${round(r.protocolRatio, 2)}×`,
      );
      console.log(
        `           during the replica's run: replica CPU ${r.replicaCpuMs} ms (${round(((r.replicaCpuMs / r.n) * 1000) / 2, 1)} µs per answer if it handled all 2N), emulator CPU ${r.emulatorCpuMs} ms of ${round(r.reconcileMs, 0)} ms wall; registry load ${round(r.registryLoadMs, 0)} ms; peak RSS ${round(r.peakRssMb, 0)} MB (leader with an empty registry: ${r.x.setup.emptyRegistryLeaderPeakRssMb} MB); bytes per event: synthetic ${r.x.eventBytes.synthetic}, reconciliation answer ${r.x.eventBytes.reconcileAnswer}`,
      );
    }
    const file = writeResult('reconcile', {
      params: { ns: NS, rounds: ROUNDS, agents: AGENTS, leaseTtlSeconds: TTL, reconcileFlags: 'production defaults (initial back-off 1 s, max 30 s, timeout 15 m, interval 5 m)', etcd: '3.4 (Debian etcd-server)', profiled: !!PROFILE_DIR },
      method:
        'Per N: a framework registered by a replica (then stopped), N tasks seeded RUNNING in the emulator (own process, real clock) and written to etcd as TaskRecords (≤ 128 puts per txn). Per round, alternating: the floor (this process subscribes a raw suppressed framework and discards bytes; the emulator streams N synthetic UPDATEs; IPC command → last byte); the protocol floor (this process subscribes as the framework, sends the replica\'s RECONCILE calls — explicit, 5000 tasks with agent ids per call, sequential — counts N UPDATE records without parsing them, then sends the implicit call; SUBSCRIBED read → implicit 202); then one fresh replica process: its "SUBSCRIBED" log time → its "reconciliation complete" log time. Ratio = median reconcile ÷ median floor. CPU = /proc/<pid>/stat utime+stime deltas (10 ms ticks) between reading the two log lines. Peak RSS = VmHWM right after reconciliation complete.',
      goal: `<=${GOAL}`,
      results: rows.map((r) => ({
        n: r.n,
        ratio: round(r.ratio, 3),
        reconcileMsMedian: round(r.reconcileMs, 1),
        floorMsMedian: round(r.floorMs, 2),
        protocolFloorMsMedian: round(r.protocolMs, 1),
        ratioToProtocolFloor: round(r.protocolRatio, 3),
        perRoundRatios: r.perRoundRatios.map((v) => round(v, 3)),
        registryLoadMsMedian: round(r.registryLoadMs, 1),
        peakRssMb: round(r.peakRssMb, 1),
        cpuDuringReconcileMs: { replica: r.replicaCpuMs, emulator: r.emulatorCpuMs },
        eventBytes: r.x.eventBytes,
        setup: r.x.setup,
        floor: r.x.floor.map((f) => ({ ms: round(f.ms, 2), bytes: f.bytes, emulatorCpuMs: f.emulatorCpuMs, readerCpuMs: round(f.readerCpuMs, 1) })),
        protocolFloor: r.x.protocol.map((p) => ({ ms: round(p.ms, 1), calls: p.calls, emulatorCpuMs: p.emulatorCpuMs })),
        runs: r.x.runs.map((v) => ({ ...v, reconcilerSeconds: round(v.reconcilerSeconds, 4), peakRssMb: v.peakRssMb === undefined ? null : round(v.peakRssMb, 1) })),
      })),
    });
    writeSvg(
      'reconcile',
      lineChart({
        title: 'SUBSCRIBED → reconciled, vs floor',
        xLabel: 'live tasks N (log scale)',
        yLabel: 'ms, median (log scale)',
        logX: true,
        logY: true,
        series: [
          { name: 'replica reconcile', points: rows.map((r) => [r.n, r.reconcileMs]) },
          { name: 'floor: N UPDATEs', points: rows.map((r) => [r.n, r.floorMs]) },
          { name: `goal: ${GOAL} × floor`, points: rows.map((r) => [r.n, GOAL * r.floorMs]) },
          { name: 'protocol floor', points: rows.map((r) => [r.n, r.protocolMs]) },
        ],
      }),
    );
    console.log(`wrote ${file}`);
    for (const r of rows) printResult('reconcile', `ratio_n${r.n}`, r.ratio, GOAL);
  } finally {
    await group.killAll();
    client?.close();
    await emu?.stop();
    await etcd?.stop();
  }
}

await main();
