// Election benchmark (not a test), on one real etcd:
//  1. clean hand-offs, interleaved: our election (leader process told to resign on stdin → the standby
//     process prints `elected`) vs Go's concurrency.Election via `etcdctl elect` (leader etcdctl gets SIGINT,
//     which resigns → the waiting etcdctl prints its key). Both are timed by this process from the moment it
//     sends the command/signal to the moment it receives the successor's line. Goal: p50 ratio ≤ 1.5.
//  2. crash hand-offs: SIGKILL of our leader process → the standby's `elected`, divided by the TTL. Goal ≤ 1.1.
// Run: npm run build && node_modules/.bin/node dist/bench/election.js [--handoffs N] [--crashes N] [--ttl S]
import { EtcdServer } from '../src/devstack/etcd.js';
import { createEtcdClient, resolveSessionTiming } from '../src/election/index.js';
import { keyLayout } from '../src/api/keys.js';
import { ProcGroup } from '../test/helpers/procs.js';
import { etcdctlCandidates } from './lib/etcdctl-elect.js';
import { waitFor, withTimeout } from '../test/helpers/wait.js';
import { CandidateProc, assertNoGhosts, assertSingleLeader, wallNow } from '../test/helpers/election-harness.js';
import { printResult, round, summarize, writeResult, writeSvg } from './lib/stats.js';
import { barChart, cdfChart } from './lib/svg.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Quiet time before each timed hand-off: the previous one's loser re-queues (ours) or a fresh etcdctl process starts
 * (Go runtime start-up, its own campaign) right before the next measurement; on 2 cores that start-up competed with
 * the next hand-off and showed up as ~50 ms outliers in ~10 % of ours. Each hand-off now starts from a settled
 * state, for both sides alike. */
const SETTLE_MS = 150;

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const HANDOFFS = arg('handoffs', 60);
const CRASHES = arg('crashes', 12);
const HANDOFF_TTL = 5;
// etcd 3.4 revokes expired leases on a 500 ms tick, so a crash hand-off is TTL − (time since the last renewal)
// + up to 500 ms: at most ≈ (TTL + 0.5 s)/TTL. 5 s keeps that near the goal; production TTLs are 10–15 s.
const CRASH_TTL = arg('ttl', 5);


async function main(): Promise<void> {
  const etcd = await EtcdServer.start();
  const group = new ProcGroup();
  const client = createEtcdClient({ endpoints: etcd.endpoint });
  const run = `/bench-election-${process.pid}`;
  const ours = keyLayout(run, 'ours').electionPrefix;
  const goPrefix = keyLayout(run, 'etcdctl').electionPrefix;
  const crashPrefix = keyLayout(run, 'crash').electionPrefix;
  try {
    // ---- 1. clean hand-offs, interleaved ----
    const base = { endpoints: [etcd.endpoint], electionPrefix: ours, ttlSeconds: HANDOFF_TTL, rejoinDelayMs: 50 };
    const procs = [new CandidateProc(group, { ...base, id: 'a' }), new CandidateProc(group, { ...base, id: 'b' })];
    await waitFor('our first leader', () => procs.find((p) => p.believesLeader()), { timeoutMs: 20_000 });
    for (const p of procs) await p.waitCount('queued', 1);

    const spawnGo = etcdctlCandidates(group, etcd.endpoint, goPrefix);
    const goCount = async (): Promise<number> => (await client.getAll().prefix(`${goPrefix}/`).keys()).length;
    let goLeader = spawnGo();
    await waitFor('etcdctl leader', () => goLeader.electedRt, { timeoutMs: 20_000 });
    let goStandby = spawnGo();
    await waitFor('etcdctl standby queued', async () => (await goCount()) === 2, { timeoutMs: 20_000 });

    const oursMs: number[] = [];
    const goMs: number[] = [];
    for (let i = 0; i < HANDOFFS; i++) {
      // ours
      const leader = procs.find((p) => p.believesLeader())!;
      const standby = procs.find((p) => p !== leader)!;
      const n = standby.count('elected');
      await sleep(SETTLE_MS);
      const t0 = wallNow();
      leader.send('resign');
      const e = await standby.whenCount('elected', n + 1, 20_000);
      oursMs.push(e.rt - t0);
      await leader.waitCount('queued', leader.count('elected') + 1, 20_000);

      // etcdctl
      await sleep(SETTLE_MS);
      const t1 = wallNow();
      goLeader.proc.signal('SIGINT');
      const next = goStandby;
      goMs.push((await withTimeout(next.elected, 20_000, 'etcdctl standby elected')) - t1);
      await goLeader.proc.exited;
      goLeader = next;
      goStandby = spawnGo();
      await waitFor('new etcdctl standby queued', async () => (await goCount()) === 2, { timeoutMs: 20_000 });
      if ((i + 1) % 10 === 0) console.log(`hand-offs ${i + 1}/${HANDOFFS}: ours p50 ${summarize(oursMs).p50.toFixed(1)} ms, etcdctl p50 ${summarize(goMs).p50.toFixed(1)} ms`);
    }
    assertSingleLeader(procs);
    const ghostsChecked = await assertNoGhosts(client, ours, procs);
    for (const p of procs) p.send('exit');
    goLeader.proc.signal('SIGINT');
    goStandby.proc.signal('SIGINT');
    await Promise.all([...procs.map((p) => p.proc.exited), goLeader.proc.exited, goStandby.proc.exited]);

    // ---- 2. crash hand-offs ----
    const timing = resolveSessionTiming({ ttlSeconds: CRASH_TTL });
    const cbase = { endpoints: [etcd.endpoint], electionPrefix: crashPrefix, ttlSeconds: CRASH_TTL, rejoinDelayMs: 50 };
    let seq = 0;
    const crashProcs: CandidateProc[] = [new CandidateProc(group, { ...cbase, id: `c${seq++}` }), new CandidateProc(group, { ...cbase, id: `c${seq++}` })];
    await waitFor('crash leader', () => crashProcs.find((p) => p.believesLeader()), { timeoutMs: 20_000 });
    for (const p of crashProcs) await p.waitCount('queued', 1);
    const crashMs: number[] = [];
    for (let i = 0; i < CRASHES; i++) {
      const alive = crashProcs.filter((p) => p.killedAt === undefined);
      const leader = alive.find((p) => p.believesLeader())!;
      const standby = alive.find((p) => p !== leader)!;
      const n = standby.count('elected');
      leader.kill('SIGKILL');
      const e = await standby.waitCount('elected', n + 1, 30_000);
      crashMs.push(e.rt - leader.killedAt!);
      const fresh = new CandidateProc(group, { ...cbase, id: `c${seq++}` });
      crashProcs.push(fresh);
      await fresh.waitCount('queued', 1, 20_000);
      console.log(`crash ${i + 1}/${CRASHES}: ${crashMs.at(-1)!.toFixed(0)} ms (${(crashMs.at(-1)! / (CRASH_TTL * 1000)).toFixed(3)} × TTL)`);
    }
    assertSingleLeader(crashProcs);
    const crashGhosts = await assertNoGhosts(client, crashPrefix, crashProcs);

    // ---- report ----
    const so = summarize(oursMs);
    const sg = summarize(goMs);
    const ratioP50 = so.p50 / sg.p50;
    const ratioP99 = so.p99 / sg.p99;
    const crashRatio = crashMs.map((ms) => ms / (CRASH_TTL * 1000));
    const sc = summarize(crashRatio);
    console.log(`clean hand-off (resign → next elected), n=${so.n} each, interleaved:`);
    console.log(`  ours    p50 ${so.p50.toFixed(1)} ms  p99 ${so.p99.toFixed(1)} ms  (min ${so.min.toFixed(1)}, max ${so.max.toFixed(1)})`);
    console.log(`  etcdctl p50 ${sg.p50.toFixed(1)} ms  p99 ${sg.p99.toFixed(1)} ms  (min ${sg.min.toFixed(1)}, max ${sg.max.toFixed(1)})`);
    console.log(`  ratio ours/etcdctl: p50 ${ratioP50.toFixed(3)}  p99 ${ratioP99.toFixed(3)}`);
    console.log(
      `crash hand-off (SIGKILL → next elected), TTL ${CRASH_TTL}s, keepalive ${timing.keepaliveIntervalMs} ms, n=${sc.n}: p50 ${sc.p50.toFixed(3)}×TTL  p99 ${sc.p99.toFixed(3)}×TTL  (min ${sc.min.toFixed(3)}, max ${sc.max.toFixed(3)})`,
    );
    console.log(`invariants: single leader throughout, no ghosts (${ghostsChecked + crashGhosts} terms verified at their election revision)`);

    const file = writeResult('election', {
      params: { handoffs: HANDOFFS, settleMs: SETTLE_MS, crashes: CRASHES, handoffTtlSeconds: HANDOFF_TTL, crashTtlSeconds: CRASH_TTL, keepaliveIntervalMs: timing.keepaliveIntervalMs, etcd: '3.4 (Debian etcd-server)' },
      method:
        `Both hand-offs timed by the benchmark process: from writing "resign" to our leader (or SIGINT to the leader etcdctl) until it receives the successor's output line. Interleaved one-for-one on the same etcd, each after ${SETTLE_MS} ms of quiet (the previous hand-off's loser re-queued, the fresh etcdctl standby queued). Crash: from SIGKILL of our leader process to receipt of the standby's elected line.`,
      handoff: {
        oursMs: { ...mapRound(so), samples: oursMs.map((x) => round(x, 2)) },
        etcdctlMs: { ...mapRound(sg), samples: goMs.map((x) => round(x, 2)) },
        ratioP50: round(ratioP50),
        ratioP99: round(ratioP99),
        goal: 1.5,
      },
      crash: {
        overTtl: { ...mapRound(sc), samples: crashRatio.map((x) => round(x, 4)) },
        ms: crashMs.map((x) => round(x, 1)),
        goal: 1.1,
        note: 'kill → successor = lease expiry (last renewal + TTL, renewals every keepalive interval) + etcd 3.4 expiry tick (≤ 500 ms) + one watch event and one read; bounded by about (TTL + 0.5 s)/TTL',
      },
      invariants: { singleLeader: true, ghostChecksPassed: ghostsChecked + crashGhosts },
    });
    writeSvg('election', cdfChart('Clean election hand-off: resign → next leader (ms)', 'ms', [
      { name: `ours (p50 ${so.p50.toFixed(1)} ms)`, values: oursMs },
      { name: `etcdctl elect / Go concurrency (p50 ${sg.p50.toFixed(1)} ms)`, values: goMs },
    ]));
    writeSvg('election-crash', barChart(`Crash hand-off ÷ TTL (${CRASH_TTL}s), n=${sc.n}`, '× TTL', [
      { label: 'p50', value: round(sc.p50) },
      { label: 'p99', value: round(sc.p99) },
      { label: 'max', value: round(sc.max) },
      { label: 'goal', value: 1.1 },
    ]));
    console.log(`wrote ${file}`);
    printResult('election', 'handoff_ratio_p50', ratioP50, 1.5);
    printResult('election', 'handoff_ratio_p99', ratioP99, 1.5);
    printResult('election', 'crash_handoff_over_ttl_p50', sc.p50, 1.1);
    printResult('election', 'crash_handoff_over_ttl_p99', sc.p99, 1.1);
  } finally {
    await group.killAll();
    client.close();
    await etcd.stop();
  }
}

function mapRound(s: ReturnType<typeof summarize>): Record<string, number> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 3)]));
}

await main();
