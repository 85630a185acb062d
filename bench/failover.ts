// Failover benchmark (not a test). Real etcd, the Mesos master emulator (its own process, real clock) and two
// scheduler replica processes (`schedulerha scheduler --ha`) sharing a registry of live tasks (default 200, seeded
// in the emulator and written to etcd as registry records before the replicas start). Interleaved, per round:
//   1. clean failover: SIGUSR1 to the leader → it resigns → the standby is elected, loads the registry, SUBSCRIBEs.
//      The standby is the replica process started after the previous crash: its first takeover ("first", cold
//      code paths — what a long-running standby that never led does in production);
//   2. an `etcdctl elect` hand-off on the same etcd (Go's concurrency.Election): SIGINT to the leading etcdctl →
//      the waiting one prints its key — the floor of "an etcd election hands over";
//   3. clean failover back to the replica that led before in the same process ("repeat": warm code paths);
//   4. another etcdctl hand-off;
//   5. crash failover: SIGKILL of the leader → its lease expires (TTL) → the standby takes over; a fresh replica
//      process is started at once (as Kubernetes restarts a pod) so there are always two.
// A failover is timed from the signal (this process's Date.now() just before kill()) to the standby's successful
// SUBSCRIBE as the emulator's history records it (call decided 200; same machine clock). Each sample is checked:
// the first accepted SUBSCRIBE after the signal opened the stream the standby logged, with the one framework id.
// etcdctl hand-offs are timed from SIGINT to this process reading the successor's line.
// Goals: clean p50 ≤ 2 × etcdctl p50; crash ÷ TTL ≤ 1.1 (p50 and p99).
//
//   npm run build && node_modules/.bin/node dist/bench/failover.js [--rounds 30] [--ttl 5] [--tasks 200]
import { EtcdServer } from '../src/devstack/etcd.js';
import { createEtcdClient, resolveSessionTiming } from '../src/election/index.js';
import { keyLayout } from '../src/api/keys.js';
import { parseLeaderStatus, type LeaderStatusRecord } from '../src/api/leader-status.js';
import { executorIdentity } from '../src/scheduler/framework.js';
import { parseSchedulerArgv } from '../src/api/flags.js';
import { ProcGroup } from '../test/helpers/procs.js';
import { etcdctlCandidates } from './lib/etcdctl-elect.js';
import { withTimeout } from '../test/helpers/wait.js';
import { BenchReplica, EmulatorProc, countKeys, poll, registerFramework, replicaArgs, spawnReplica, taskRecords, wallNow, writeRegistry, type ReplicaSetup } from './lib/scheduler-bench.js';
import { printResult, round, summarize, writeResult, writeSvg } from './lib/stats.js';
import { cdfChart } from './lib/svg.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const ROUNDS = arg('rounds', 30);
// etcd 3.4 revokes expired leases on a 500 ms tick: with a 5 s TTL that tick is ≤ 10 % of a crash failover.
const TTL = arg('ttl', 5);
const TASKS = arg('tasks', 200);

/** The random 150–400 ms of quiet before every timed hand-off, ours and etcdctl's alike. */
const quiet = (): Promise<void> => new Promise((r) => setTimeout(r, 150 + Math.random() * 250));
const AGENTS = 10;
const CLEAN_GOAL = 2;
const CRASH_GOAL = 1.1;

interface Sample {
  kind: 'clean' | 'crash';
  /** The new leader's first term in its process (cold code paths), or it led before ("repeat"). */
  takeover: 'first' | 'repeat';
  /** Signal → the standby's SUBSCRIBE accepted at the emulator (ms). */
  ms: number;
  from: string;
  to: string;
  term: string;
  /** Breakdown, ms after the signal (the replicas' own log timestamps, ms resolution). */
  oldLeaderLostMs?: number;
  electedMs: number;
  registryLoadedMs: number;
  registryLoadMs: number;
  subscribedLogMs: number;
  reconciledMs: number;
}


async function main(): Promise<void> {
  const timing = resolveSessionTiming({ ttlSeconds: TTL });
  console.log(
    `failover: ${ROUNDS} rounds of (clean USR1 first takeover, etcdctl, clean USR1 repeat takeover, etcdctl, crash SIGKILL); lease TTL ${TTL}s (keepalive ${timing.keepaliveIntervalMs} ms, renew margin ${timing.marginMs} ms); ${TASKS} live tasks on ${AGENTS} agents`,
  );
  const group = new ProcGroup();
  let etcd: EtcdServer | undefined;
  let emu: EmulatorProc | undefined;
  let client: ReturnType<typeof createEtcdClient> | undefined;
  try {
    etcd = await EtcdServer.start();
    emu = await EmulatorProc.start({ masters: 1, agents: AGENTS, heartbeatSeconds: 15, history: { recordEvents: false } });
    client = createEtcdClient({ endpoints: etcd.endpoint });
    const etcdClient = client;
    const emulator = emu;
    const setup: ReplicaSetup = { frameworkName: `bench-failover-${process.pid}`, etcdEndpoint: etcd.endpoint, masterAddress: emu.masterAddress, leaseTtlSeconds: TTL };
    const keys = keyLayout('/k8sm', setup.frameworkName);
    const executorId = executorIdentity(parseSchedulerArgv(replicaArgs(setup, 'x').slice(1)).config).executorId;

    // ---- the framework, its tasks and its registry ----
    const { frameworkId: fid } = await registerFramework(group, setup, keys, etcdClient);
    const seeded = await emulator.seed(fid, TASKS, executorId);
    const reg = await writeRegistry(etcdClient, keys, taskRecords(seeded, executorId));
    console.log(`framework ${fid}; ${TASKS} tasks seeded in the emulator (${round(seeded.ms, 1)} ms) and written to the registry (${reg.txns} txns, ${reg.bytes} bytes, ${round(reg.ms, 1)} ms)`);

    // ---- two replicas ----
    let seq = 0;
    const replicas: BenchReplica[] = [];
    const spawn = () => {
      const r = spawnReplica(group, setup, `r${seq++}`);
      replicas.push(r);
      return r;
    };
    spawn();
    spawn();
    const leaderStatus = async (): Promise<LeaderStatusRecord | undefined> => parseLeaderStatus(await etcdClient.get(keys.leaderStatus).string());
    /** The leader of a term newer than `after` has reconciled all tasks and the other replica is queued. */
    const settled = (after: bigint) =>
      poll(
        'a reconciled leader with a queued standby',
        async () => {
          const s = await leaderStatus();
          if (!s || BigInt(s.term) <= after || s.mesos !== 'subscribed' || s.reconciliation.phase !== 'complete') return undefined;
          if (s.reconciliation.total !== TASKS || s.reconciliation.remaining !== 0) throw new Error(`term ${s.term} reconciled ${s.reconciliation.total - s.reconciliation.remaining}/${s.reconciliation.total} tasks, expected ${TASKS}`);
          const ids = Object.values(await etcdClient.getAll().prefix(`${keys.electionPrefix}/`).strings()).map((v) => String((JSON.parse(v) as { id?: string }).id));
          const live = replicas.filter((r) => r.running).map((r) => r.name);
          if (ids.length !== 2 || !live.every((n) => ids.includes(n))) return undefined;
          return s;
        },
        60_000,
      ).then(async (s) => {
        // Let the standby set up its watch on the leader's key, and randomize the phase of the next signal
        // against the leader's keepalive so crash samples cover the whole renewal cycle.
        await quiet();
        return s;
      });
    let status = await settled(0n);

    // ---- etcdctl elect, on the same etcd ----
    const goPrefix = `/bench-failover-${process.pid}/etcdctl-election`;
    const spawnGo = etcdctlCandidates(group, etcd!.endpoint, goPrefix);
    const goQueued = () => poll('etcdctl standby queued', async () => (await countKeys(etcdClient, `${goPrefix}/`)) === 2 || undefined, 20_000, 5);
    let goLeader = spawnGo();
    await poll('etcdctl leader', () => goLeader.electedRt, 20_000, 5);
    let goStandby = spawnGo();
    await goQueued();

    const samples: Sample[] = [];
    const goMs: number[] = [];

    const failover = async (kind: 'clean' | 'crash'): Promise<Sample> => {
      const live = replicas.filter((r) => r.running);
      const leader = live.find((r) => r.name === status.identity);
      if (!leader || live.length !== 2) throw new Error(`expected 2 live replicas with leader ${status.identity}, have ${live.map((r) => r.name).join(', ')}`);
      const standby = live.find((r) => r !== leader)!;
      const takeover = standby.find('elected leader') ? 'repeat' : 'first';
      const markS = standby.lines.length;
      const markL = leader.lines.length;
      const t0 = leader.signal(kind === 'clean' ? 'SIGUSR1' : 'SIGKILL');
      if (kind === 'crash') spawn(); // the restarted pod: joins the queue behind the standby
      const sub = await standby.waitLine('its SUBSCRIBE', (l) => l.msg === 'subscribed to Mesos', TTL * 1000 + 30_000, markS);
      const accepted = (await emulator.subscribes(t0)).filter((c) => c.status === 200);
      const first = accepted[0];
      if (!first) throw new Error('no accepted SUBSCRIBE in the emulator history after the signal');
      if (first.newStreamId !== sub.j.streamId) throw new Error(`the first accepted SUBSCRIBE after the signal (stream ${first.newStreamId}) is not the standby's (stream ${String(sub.j.streamId)})`);
      if (first.frameworkId !== fid || sub.j.frameworkId !== fid) throw new Error(`framework id changed: ${first.frameworkId}`);
      const term = String(sub.j.term);
      const elected = standby.find('elected leader', markS)!;
      const loaded = standby.find('task registry loaded', markS)!;
      const subscribedLog = standby.find('SUBSCRIBED', markS) ?? (await standby.waitLine('SUBSCRIBED', (l) => l.msg === 'SUBSCRIBED', 10_000, markS));
      const lost = kind === 'clean' ? leader.find('leadership lost; standing by', markL) : undefined;
      status = await settled(BigInt(status.term));
      if (status.identity !== standby.name || status.term !== term) throw new Error(`expected ${standby.name} in term ${term} to lead, found ${status.identity} in ${status.term}`);
      const reconciled = standby.find('reconciliation complete', markS)!;
      return {
        kind,
        takeover,
        ms: first.time - t0,
        from: leader.name,
        to: standby.name,
        term,
        ...(lost ? { oldLeaderLostMs: lost.at - t0 } : {}),
        electedMs: elected.at - t0,
        registryLoadedMs: loaded.at - t0,
        registryLoadMs: Number(loaded.j.ms),
        subscribedLogMs: subscribedLog.at - t0,
        reconciledMs: reconciled.at - t0,
      };
    };

    const etcdctlHandoff = async (): Promise<number> => {
      // The same quiet as before our failovers, and woken by the line itself (nothing polls while timed).
      await quiet();
      const t1 = wallNow();
      goLeader.proc.signal('SIGINT');
      const next = goStandby;
      const ms = (await withTimeout(next.elected, 20_000, 'etcdctl standby elected')) - t1;
      await goLeader.proc.exited;
      goLeader = next;
      goStandby = spawnGo();
      await goQueued();
      return ms;
    };

    const show = (c: Sample) => `${c.takeover} ${c.from}→${c.to} ${round(c.ms, 1)} ms (elected +${c.electedMs}, registry +${c.registryLoadedMs})`;
    for (let i = 0; i < ROUNDS; i++) {
      const c1 = await failover('clean');
      samples.push(c1);
      const g1 = await etcdctlHandoff();
      goMs.push(g1);
      const c2 = await failover('clean');
      samples.push(c2);
      const g2 = await etcdctlHandoff();
      goMs.push(g2);
      const k = await failover('crash');
      samples.push(k);
      console.log(
        `round ${String(i + 1).padStart(2)}: clean ${show(c1)} | clean ${show(c2)} | etcdctl ${round(g1, 1)}, ${round(g2, 1)} ms | crash ${k.takeover} ${k.from}→${k.to} ${round(k.ms, 0)} ms = ${round(k.ms / (TTL * 1000), 3)}×TTL`,
      );
    }
    goLeader.proc.signal('SIGINT');
    goStandby.proc.signal('SIGINT');

    // ---- report ----
    const clean = samples.filter((s) => s.kind === 'clean');
    const cleanFirst = clean.filter((s) => s.takeover === 'first');
    const cleanRepeat = clean.filter((s) => s.takeover === 'repeat');
    const crash = samples.filter((s) => s.kind === 'crash');
    const ms = (xs: Sample[]) => xs.map((s) => s.ms);
    const sc = summarize(ms(clean));
    const sc1 = summarize(ms(cleanFirst));
    const sc2 = summarize(ms(cleanRepeat));
    const sg = summarize(goMs);
    const sk = summarize(ms(crash));
    const crashOverTtl = crash.map((s) => s.ms / (TTL * 1000));
    const skt = summarize(crashOverTtl);
    const ratio = { p50: sc.p50 / sg.p50, p99: sc.p99 / sg.p99, firstP50: sc1.p50 / sg.p50, repeatP50: sc2.p50 / sg.p50 };
    const phase = (xs: Sample[], f: (s: Sample) => number | undefined) => mapRound(summarize(xs.map(f).filter((v): v is number => v !== undefined)));
    const breakdown = (xs: Sample[]) => ({
      oldLeaderLost: phase(xs, (s) => s.oldLeaderLostMs),
      standbyElected: phase(xs, (s) => s.electedMs),
      registryLoaded: phase(xs, (s) => s.registryLoadedMs),
      registryLoadDuration: phase(xs, (s) => s.registryLoadMs),
      electedToSubscribeAccepted: phase(xs, (s) => s.ms - s.electedMs),
      subscribeAccepted: phase(xs, (s) => s.ms),
      subscribedLogged: phase(xs, (s) => s.subscribedLogMs),
      reconciled: phase(xs, (s) => s.reconciledMs),
    });
    const line = (label: string, xs: Sample[]) => {
      const b = breakdown(xs);
      const st = summarize(ms(xs));
      return `  ${label.padEnd(34)} n=${String(st.n).padStart(2)}  p50 ${round(st.p50, 1)} ms  p99 ${round(st.p99, 1)} ms  (min ${round(st.min, 1)}, max ${round(st.max, 1)}); p50 after the signal: ${xs[0]?.kind === 'clean' ? `old leader lost ${b.oldLeaderLost.p50}, ` : ''}elected ${b.standbyElected.p50}, registry loaded ${b.registryLoaded.p50} (load ${b.registryLoadDuration.p50}), elected→SUBSCRIBE ${b.electedToSubscribeAccepted.p50}, reconciled ${b.reconciled.p50} ms`;
    };
    console.log(`failover: signal → the standby's SUBSCRIBE accepted by the emulator (lease TTL ${TTL}s, ${TASKS} registry tasks):`);
    console.log(line('clean (SIGUSR1), all', clean));
    console.log(line('clean, first takeover (cold)', cleanFirst));
    console.log(line('clean, repeat takeover (warm)', cleanRepeat));
    console.log(`  ${'etcdctl elect (SIGINT → successor)'.padEnd(34)} n=${String(sg.n).padStart(2)}  p50 ${round(sg.p50, 1)} ms  p99 ${round(sg.p99, 1)} ms  (min ${round(sg.min, 1)}, max ${round(sg.max, 1)})`);
    console.log(line('crash (SIGKILL)', crash));
    console.log(`clean ratio ours/etcdctl: p50 ${round(ratio.p50, 3)}  p99 ${round(ratio.p99, 3)}  (first takeovers p50 ${round(ratio.firstP50, 3)}, repeat takeovers p50 ${round(ratio.repeatP50, 3)})`);
    console.log(`crash ÷ TTL: p50 ${round(skt.p50, 3)}  p99 ${round(skt.p99, 3)}  (min ${round(skt.min, 3)}, max ${round(skt.max, 3)})`);
    const file = writeResult('failover', {
      params: { rounds: ROUNDS, leaseTtlSeconds: TTL, keepaliveIntervalMs: timing.keepaliveIntervalMs, renewMarginMs: timing.marginMs, tasks: TASKS, agents: AGENTS, replicas: 2, etcd: '3.4 (Debian etcd-server)', frameworkId: fid },
      method:
        "Clean: SIGUSR1 to the leader replica; crash: SIGKILL of the leader replica (a fresh replica process started right after). Both timed from Date.now() just before kill() to the time the emulator (own process, same clock) decided the standby's SUBSCRIBE 200; verified per sample: the first accepted SUBSCRIBE after the signal opened the stream the standby logged, with the one framework id. etcdctl: after the same random 150–400 ms pause, SIGINT to the leading `etcdctl elect` → this process receives the waiting one's value line (woken by its arrival; nothing polls while either kind is timed). Per round: clean (first takeover of a fresh standby), etcdctl, clean (back to a replica that led before), etcdctl, crash. Before each failover the leader has reconciled all tasks, both replicas' keys are in the election, then a random 150–400 ms pause. Breakdown times come from the replicas' JSON logs (ms resolution).",
      clean: {
        ms: { ...mapRound(sc), samples: ms(clean).map((x) => round(x, 1)) },
        first: { ms: { ...mapRound(sc1), samples: ms(cleanFirst).map((x) => round(x, 1)) }, breakdownMsAfterSignal: breakdown(cleanFirst) },
        repeat: { ms: { ...mapRound(sc2), samples: ms(cleanRepeat).map((x) => round(x, 1)) }, breakdownMsAfterSignal: breakdown(cleanRepeat) },
      },
      etcdctl: { ms: { ...mapRound(sg), samples: goMs.map((x) => round(x, 2)) } },
      cleanRatio: { p50: round(ratio.p50), p99: round(ratio.p99), firstTakeoverP50: round(ratio.firstP50), repeatTakeoverP50: round(ratio.repeatP50), goal: CLEAN_GOAL },
      crash: { ms: { ...mapRound(sk), samples: ms(crash).map((x) => round(x, 1)) }, overTtl: { ...mapRound(skt), samples: crashOverTtl.map((x) => round(x, 4)) }, breakdownMsAfterSignal: breakdown(crash), goal: CRASH_GOAL },
      samples,
    });
    writeSvg(
      'failover',
      cdfChart(
        `Failover: signal → SUBSCRIBE accepted (TTL ${TTL} s)`,
        `ms after the signal (log scale); ${TASKS} registry tasks; etcdctl = SIGINT → successor's line`,
        [
          { name: `USR1 first: p50 ${round(sc1.p50, 0)} ms`, values: ms(cleanFirst) },
          { name: `USR1 repeat: p50 ${round(sc2.p50, 0)} ms`, values: ms(cleanRepeat) },
          { name: `etcdctl: p50 ${round(sg.p50, 1)} ms`, values: goMs },
          { name: `SIGKILL: p50 ${round(sk.p50 / 1000, 2)} s`, values: ms(crash) },
        ],
        { logX: true },
      ),
    );
    console.log(`wrote ${file}`);
    printResult('failover', 'clean_ratio_p50', ratio.p50, CLEAN_GOAL);
    printResult('failover', 'clean_first_takeover_ratio_p50', ratio.firstP50, CLEAN_GOAL);
    printResult('failover', 'clean_repeat_takeover_ratio_p50', ratio.repeatP50, CLEAN_GOAL);
    printResult('failover', 'crash_over_ttl_p50', skt.p50, CRASH_GOAL);
    printResult('failover', 'crash_over_ttl_p99', skt.p99, CRASH_GOAL);
  } finally {
    await group.killAll();
    client?.close();
    await emu?.stop();
    await etcd?.stop();
  }
}

function mapRound(s: ReturnType<typeof summarize>): Record<string, number> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 3)]));
}

await main();
