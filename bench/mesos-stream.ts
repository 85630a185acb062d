// Benchmark (not a test): how much the scheduler client's stream path costs on top of just moving the bytes.
// The Mesos master emulator streams N UPDATE events on a framework's subscription
//   (a) to a raw HTTP reader that only counts and discards bytes — the floor;
//   (b) through SchedulerClient: RecordIO decoding, JSON parsing, shape checks and dispatch to an 'event' listener.
// Runs alternate a, b, a, b, ... (after one warm-up of each) because this 2-core machine is shared and noisy; the
// medians give the events/s of each and the ratio time(b) / time(a) (goal ≤ 1.5).
// Two set-ups, both measured in one run:
//   - separate (the RESULT): the emulator runs in its own Node process, as a master does (on another machine), and
//     streams on command over IPC; the reader / client run here. This is the question that matters: does the
//     client keep up with what a master can send?
//   - in-process (reported for comparison): emulator, reader and client share one thread, so the master's own JSON
//     encoding competes with the client's decoding on the same CPU — a set-up no deployment has.
// The emulator runs on a virtual clock with no agents, so nothing but the N updates is on the wire during a run.
//
//   npm run build && node_modules/.bin/node dist/bench/mesos-stream.js [N] [rounds]
import http from 'node:http';
import { fork, type ChildProcess } from 'node:child_process';
import { MesosCluster } from '../src/devstack/mesos/index.js';
import { subscribeCall } from '../src/mesos/calls.js';
import { FixedMasterDetector } from '../src/mesos/detector.js';
import { SchedulerClient } from '../src/mesos/scheduler-client.js';
import { barChart } from './lib/svg.js';
import { printResult, round, summarize, writeResult, writeSvg } from './lib/stats.js';

const N = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const GOAL = 1.5;

const settings = (name: string) => ({ user: 'bench', name, failoverTimeoutSeconds: 3600, checkpoint: true });

async function waitUntil(what: string, probe: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Where the emulator lives: this process, or a child process driven over IPC. */
interface Emulator {
  leaderUrl: string;
  /** Waits until framework `name` is subscribed, then streams N updates on it; resolves when all are written. */
  stream(name: string, n: number): Promise<{ bytes: number }>;
  stop(): Promise<void>;
}

async function inProcessEmulator(): Promise<Emulator> {
  const mc = await MesosCluster.start({ masters: 1, agents: 0, clock: 'virtual', history: { recordEvents: false } });
  return {
    leaderUrl: mc.leaderUrl!,
    stream: async (name, n) => {
      await waitUntil(`framework ${name}`, () => mc.frameworks().some((f) => f.info.name === name && f.connected));
      const fw = mc.frameworks().find((f) => f.info.name === name && f.connected)!;
      return { bytes: (await mc.streamSyntheticUpdates(fw.id, n)).bytes };
    },
    stop: () => mc.stop(),
  };
}

type ChildMsg = { ready: string } | { id: number; bytes: number } | { id: number; error: string };

async function childEmulator(): Promise<Emulator> {
  const child: ChildProcess = fork(process.argv[1]!, ['--emulator-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (v: { bytes: number }) => void; reject: (e: Error) => void }>();
  let seq = 0;
  const leaderUrl = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`emulator child exited (${code})`)));
    child.on('message', (m: ChildMsg) => {
      if ('ready' in m) return resolve(m.ready);
      const p = pending.get(m.id);
      pending.delete(m.id);
      if ('error' in m) p?.reject(new Error(m.error));
      else p?.resolve({ bytes: m.bytes });
    });
  });
  return {
    leaderUrl,
    stream: (name, n) =>
      new Promise((resolve, reject) => {
        const id = ++seq;
        pending.set(id, { resolve, reject });
        child.send({ id, name, n });
      }),
    stop: async () => {
      child.removeAllListeners('exit');
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    },
  };
}

/** The child side: an emulator that streams on command. */
async function runChild(): Promise<void> {
  const emu = await inProcessEmulator();
  process.on('message', (m: { id: number; name: string; n: number }) => {
    emu.stream(m.name, m.n).then(
      (r) => process.send!({ id: m.id, bytes: r.bytes }),
      (err: Error) => process.send!({ id: m.id, error: err.message }),
    );
  });
  process.once('SIGTERM', () => void emu.stop().then(() => process.exit(0)));
  process.send!({ ready: emu.leaderUrl });
}

/** (a) A raw subscription whose bytes are counted and dropped. Returns ms from the command to the last byte. */
async function floorRun(emu: Emulator, name: string): Promise<{ ms: number; bytes: number }> {
  const url = new URL(`${emu.leaderUrl}/api/v1/scheduler`);
  let received = 0;
  let target = Infinity;
  let doneAt = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, agent: false });
  req.on('response', (res) => {
    res.on('data', (c: Buffer) => {
      received += c.length;
      if (received >= target && !doneAt) {
        doneAt = performance.now();
        resolveDone();
      }
    });
  });
  req.end(JSON.stringify(subscribeCall(settings(name))));
  await waitUntil('SUBSCRIBED and HEARTBEAT read', () => received > 0);
  await new Promise((r) => setTimeout(r, 20));
  const before = received;
  const t0 = performance.now();
  const r = await emu.stream(name, N);
  target = before + r.bytes;
  if (received >= target && !doneAt) {
    doneAt = performance.now();
    resolveDone();
  }
  await done;
  req.destroy();
  return { ms: doneAt - t0, bytes: r.bytes };
}

/** (b) The same stream through SchedulerClient, up to the N-th UPDATE delivered to a listener. */
async function clientRun(emu: Emulator, name: string): Promise<{ ms: number }> {
  const client = new SchedulerClient({ detector: new FixedMasterDetector(emu.leaderUrl), framework: settings(name) });
  let updates = 0;
  let doneAt = 0;
  let lastTask = '';
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  client.on('event', (e) => {
    if (e.type !== 'UPDATE') return;
    lastTask = e.update!.status.task_id.value; // touch the decoded event, as a consumer would
    if (++updates === N) {
      doneAt = performance.now();
      resolveDone();
    }
  });
  client.on('fatal', (err) => {
    throw err;
  });
  client.start();
  await client.waitForSubscribed(undefined, 30_000);
  await new Promise((r) => setTimeout(r, 20));
  const t0 = performance.now();
  await emu.stream(name, N);
  await done;
  await client.stop();
  if (lastTask !== `synthetic-${N - 1}`) throw new Error(`last update was ${lastTask}`);
  return { ms: doneAt - t0 };
}

interface ModeResult {
  floorMs: number[];
  clientMs: number[];
  ratios: number[];
  bytes: number;
  floorRate: number;
  clientRate: number;
  ratio: number;
}

async function measure(mode: 'separate' | 'in-process'): Promise<ModeResult> {
  const emu = mode === 'separate' ? await childEmulator() : await inProcessEmulator();
  try {
    await floorRun(emu, `${mode}-warmup-a`);
    await clientRun(emu, `${mode}-warmup-b`);
    const floorMs: number[] = [];
    const clientMs: number[] = [];
    const ratios: number[] = [];
    let bytes = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const a = await floorRun(emu, `${mode}-floor-${i}`);
      const b = await clientRun(emu, `${mode}-client-${i}`);
      bytes = a.bytes;
      floorMs.push(a.ms);
      clientMs.push(b.ms);
      ratios.push(b.ms / a.ms);
      console.log(`[${mode}] round ${i + 1}: floor ${round(a.ms, 1)} ms (${Math.round((N / a.ms) * 1000)} ev/s), client ${round(b.ms, 1)} ms (${Math.round((N / b.ms) * 1000)} ev/s), ratio ${round(b.ms / a.ms, 3)}`);
    }
    const fa = summarize(floorMs).p50;
    const fb = summarize(clientMs).p50;
    const r: ModeResult = { floorMs, clientMs, ratios, bytes, floorRate: (N / fa) * 1000, clientRate: (N / fb) * 1000, ratio: fb / fa };
    console.log(`[${mode}] floor (discard bytes):      median ${round(fa, 1)} ms = ${Math.round(r.floorRate)} events/s (${round((bytes / 1e6 / fa) * 1000, 1)} MB/s)`);
    console.log(`[${mode}] client (decode + dispatch): median ${round(fb, 1)} ms = ${Math.round(r.clientRate)} events/s`);
    console.log(`[${mode}] ratio client/floor (medians): ${round(r.ratio, 3)} (per-round median ${round(summarize(ratios).p50, 3)})`);
    return r;
  } finally {
    await emu.stop();
  }
}

function modeJson(r: ModeResult): Record<string, unknown> {
  return {
    floor: { msPerRun: r.floorMs.map((x) => round(x, 2)), medianMs: round(summarize(r.floorMs).p50, 2), eventsPerSecond: Math.round(r.floorRate) },
    client: { msPerRun: r.clientMs.map((x) => round(x, 2)), medianMs: round(summarize(r.clientMs).p50, 2), eventsPerSecond: Math.round(r.clientRate) },
    ratio: round(r.ratio, 4),
    perRoundRatios: r.ratios.map((x) => round(x, 4)),
  };
}

async function main(): Promise<void> {
  console.log(`mesos-stream: N=${N} UPDATE events per run, ${ROUNDS} alternating rounds after a warm-up, two set-ups`);
  const separate = await measure('separate');
  const inProcess = await measure('in-process');
  writeResult('mesos-stream', {
    n: N,
    rounds: ROUNDS,
    bytesPerRun: separate.bytes,
    avgEventBytes: round(separate.bytes / N, 1),
    goal: `<=${GOAL}`,
    result: 'separate',
    separate: { setup: 'emulator in its own Node process (streamSyntheticUpdates on IPC command); raw reader / SchedulerClient in this process', ...modeJson(separate) },
    inProcess: { setup: 'emulator, raw reader and SchedulerClient in one Node thread (master encoding competes with client decoding)', ...modeJson(inProcess) },
  });
  writeSvg(
    'mesos-stream',
    barChart(`Mesos stream: ${N.toLocaleString('en')} UPDATEs, median of ${ROUNDS}; ratio ${round(separate.ratio, 2)} (goal ≤ ${GOAL})`, 'events/s', [
      { label: 'separate: floor (discard)', value: Math.round(separate.floorRate) },
      { label: 'separate: client', value: Math.round(separate.clientRate) },
      { label: 'in-process: floor (discard)', value: Math.round(inProcess.floorRate) },
      { label: 'in-process: client', value: Math.round(inProcess.clientRate) },
    ]),
  );
  console.log(`in-process ratio (for comparison): ${round(inProcess.ratio, 3)}`);
  printResult('mesos-stream', 'ratio', separate.ratio, GOAL);
}

if (process.argv.includes('--emulator-child')) await runChild();
else await main();
