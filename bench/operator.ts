// Operator benchmark (not a test), issue 8. R SchedulerHA resources (default 1,000; replicas 0) and one
// `schedulerha operator` process; four measurements:
//
//   cold start   operator process spawned → every resource's status written for its generation
//                (status.observedGeneration == metadata.generation, seen on this process's watch), against the
//                floor: the same number of bare status merge patches sent from here (a status like the operator's,
//                with the operator's default parallelism, --max-concurrent-reconciles=4), first send → the last one
//                seen on the same watch. Goal: ratio ≤ 3 (medians of alternating rounds). Also reported, not a goal:
//                the protocol floor — the writes a cold start has to make (per resource the ConfigMap and Service
//                applies together, then the StatefulSet apply, then the status patch; the operator's bodies and
//                parallelism; no Events, no etcd) sent from here — and the cold start's ratio to it.
//   peak RSS     the operator's VmHWM (/proc/<pid>/status) at the end of a round (after the cold start, the idle
//                minute and the spec changes). Goal ≤ 200 MB.
//   idle CPU     utime+stime (/proc/<pid>/stat) over 60 s once every status is written and nothing changes.
//                Goal ≤ 0.6 s.
//   spec change  a merge patch of one resource's spec (spec.flags.reconcileInterval, which re-renders the
//                ConfigMap and the StatefulSet) → its status.observedGeneration reaches the new generation on the
//                watch; sequential samples over different resources, each next to a GET of the same resource (one
//                API round trip). Goal: p99 ÷ median GET ≤ 5.
//
// Set-up: the Kubernetes API emulator in its own process (`schedulerha devstack kube-apiserver`, so the operator's
// CPU and the emulator's are separable), the CRD installed, real etcd (each resource names it, so the operator's
// framework watches are live and answered), and the Mesos master emulator in its own process as every resource's
// master. With replicas 0 no scheduler registers a framework, so the operator finds no framework id and makes no
// Mesos call; the master is reachable all the same, and etcd is too, so nothing measured here is a timeout.
// The operator runs with its production defaults (concurrency 4, poll intervals, Lease election on a fresh Lease per
// round, events on, log level info, and the Deployment's NODE_OPTIONS — `--node-options` replaces them). Resources
// spread over 20 namespaces; each round uses fresh namespaces and framework names and deletes the previous round's
// (and its etcd keys) before the next cold start.
//
//   npm run build && node_modules/.bin/node dist/bench/operator.js [--n 1000] [--rounds 3] [--idle 60] [--samples 200]
//       [--profile DIR] [--operator-node-args "--trace-gc …"] [--operator-args "--log-level=debug …"] [--log-dir DIR]
//       [--heap-snapshot --log-dir DIR] [--timeout MS]
// --profile: the operator and the API emulator run under `node --cpu-prof` (profiles in DIR/<process>/);
// --operator-node-args: extra Node flags for the operator; --node-options "…": its NODE_OPTIONS instead of the
// Deployment's (src/manifests/install.ts OPERATOR_NODE_OPTIONS; "" for none); --log-dir: each operator's output to
// DIR/operator-<round>.log.
import { EtcdServer } from '../src/devstack/etcd.js';
import { createEtcdClient } from '../src/election/index.js';
import { installCrd } from '../src/kube/index.js';
import { buildCrd } from '../src/api/schema.js';
import { GROUP, PLURAL, VERSION } from '../src/api/types.js';
import { CLI, ProcGroup, type Proc } from '../test/helpers/procs.js';
import { KubeEmulatorProc, wallNow } from './lib/kube-bench.js';
import { EmulatorProc, cpuMs, poll } from './lib/scheduler-bench.js';
import { printResult, round, summarize, writeResult, writeSvg } from './lib/stats.js';
import { barChart, cdfChart } from './lib/svg.js';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATOR_NODE_OPTIONS } from '../src/manifests/install.js';
import { planChildren } from '../src/operator/plan.js';
import { applyDefaults } from '../src/api/defaults.js';
import { DEFAULT_SCHEDULER_IMAGE } from '../src/operator/command.js';
import type { SchedulerHA, SchedulerHASpec } from '../src/api/types.js';

function argStr(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const N = Number(argStr('n') ?? 1000);
const ROUNDS = Number(argStr('rounds') ?? 3);
const IDLE_S = Number(argStr('idle') ?? 60);
const SAMPLES = Number(argStr('samples') ?? 200);
const PROFILE_DIR = argStr('profile');
/** Diagnosis: extra Node flags for the operator (e.g. "--trace-gc"), and where to write its whole output. */
const OPERATOR_NODE_ARGS = (argStr('operator-node-args') ?? '').split(' ').filter(Boolean);
// What the shipped Deployment sets (the bench measures the operator as installed).
const NODE_OPTIONS = argStr('node-options') ?? OPERATOR_NODE_OPTIONS;
/** Extra operator flags (e.g. "--log-level=debug"); the floor's parallelism follows --max-concurrent-reconciles. */
const OPERATOR_ARGS = (argStr('operator-args') ?? '').split(' ').filter(Boolean);
const LOG_DIR = argStr('log-dir');
/** Diagnosis: a heap snapshot of the operator after the idle minute of the last round, into --log-dir. */
const HEAP_SNAPSHOT = process.argv.includes('--heap-snapshot');
const NAMESPACES = 20;
// The floor sends with the operator's parallelism: --max-concurrent-reconciles (default 4).
const CONCURRENCY = Number(/^--max-concurrent-reconciles=(\d+)$/.exec((argStr('operator-args') ?? '').split(' ').find((a) => a.startsWith('--max-concurrent-reconciles=')) ?? '')?.[1] ?? 4);
const GOALS = { coldStartRatio: 3, peakRssMb: 200, idleCpuSeconds: 0.6, specP99Ratio: 5 };
const COLD_TIMEOUT_MS = Number(argStr('timeout') ?? 600_000);
const BASE = `/apis/${GROUP}/${VERSION}`;

interface Sha {
  metadata: { name: string; namespace: string; generation?: number; resourceVersion?: string; uid?: string };
  spec?: Record<string, unknown>;
  status?: { observedGeneration?: number; conditions?: Array<Record<string, unknown>> } & Record<string, unknown>;
}

interface ColdRun {
  ms: number;
  /** Spawn → the operator's "http listening" / leading log lines, and → the first status written. */
  listeningMs: number;
  leadingMs: number;
  firstStatusMs: number;
  halfMs: number;
  cpuMs: { operator: number; kube: number; etcd: number };
  peakRssMb: number | undefined;
  metrics: Record<string, number>;
  /** Heap / external / RSS (MB) from the operator's own metrics at the end of the round. */
  memoryAtEnd?: Record<string, number>;
}

interface FloorRun {
  ms: number;
  kubeCpuMs: number;
}

const key = (ns: string, name: string) => `${ns}/${name}`;

/** Paths of the leaves that differ between two JSON values (arrays of objects matched by `type`, e.g. conditions). */
function diffPaths(a: unknown, b: unknown, path: string, out: string[] = []): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diffPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.every((x) => x && typeof x === 'object' && 'type' in x)) {
    const byType = (xs: unknown[]) => new Map(xs.map((x) => [String((x as { type: unknown }).type), x]));
    const ma = byType(a);
    const mb = byType(b);
    for (const t of new Set([...ma.keys(), ...mb.keys()])) diffPaths(ma.get(t), mb.get(t), `${path}[${t}]`, out);
    return out;
  }
  out.push(path);
  return out;
}
const PROFILE = (what: string) => (PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', `${PROFILE_DIR}/${what}`] : []);

function peakRssKb(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Sums of selected counters from a Prometheus text page. */
function scrape(text: string): Record<string, number> {
  const want = ['controller_runtime_reconcile_total', 'schedulerha_status_patches_total', 'schedulerha_child_writes_total', 'schedulerha_mesos_operator_calls_total', 'workqueue_adds_total', 'controller_runtime_reconcile_errors_total', 'nodejs_heap_size_total_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_external_memory_bytes', 'process_resident_memory_bytes', 'nodejs_heap_space_size_total_bytes'];
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-z_]+)(\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line);
    if (!m || !want.includes(m[1]!)) continue;
    const label =
      m[1] === 'schedulerha_status_patches_total' || m[1] === 'controller_runtime_reconcile_total'
        ? (/(?:result)="([^"]+)"/.exec(m[2] ?? '')?.[1] ?? '')
        : m[1] === 'schedulerha_child_writes_total'
          ? (/kind="([^"]+)",action="([^"]+)"/.exec(m[2] ?? '')?.slice(1).join('/') ?? '')
          : m[1] === 'nodejs_heap_space_size_total_bytes'
            ? (/space="([^"]+)"/.exec(m[2] ?? '')?.[1] ?? '')
            : '';
    const k = label ? `${m[1]}{${label}}` : m[1]!;
    // Memory in MB, rounded; counters as they are.
    const v = m[1]!.endsWith('_bytes') ? Math.round(Number(m[3]) / 1e5) / 10 : Number(m[3]);
    out[k] = (out[k] ?? 0) + v;
  }
  return out;
}

/** One operator process with its parsed JSON log. */
class OperatorProc {
  readonly lines: Array<{ at: number; msg: string; j: Record<string, unknown> }> = [];
  private buf = '';
  constructor(readonly proc: Proc) {
    const feed = (d: Buffer) => {
      this.buf += d.toString();
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        if (!line.startsWith('{')) continue;
        try {
          const j = JSON.parse(line) as Record<string, unknown>;
          this.lines.push({ at: Date.parse(String(j.time)), msg: String(j.msg ?? ''), j });
        } catch {
          // not JSON
        }
      }
    };
    proc.child.stdout?.on('data', feed);
    proc.child.stderr?.on('data', feed);
  }
  get pid(): number {
    return this.proc.pid;
  }
  find(msg: string): { at: number; j: Record<string, unknown> } | undefined {
    return this.lines.find((l) => l.msg === msg);
  }
  async metrics(): Promise<Record<string, number>> {
    const url = this.find('http listening')?.j.url;
    if (!url) return {};
    const r = await fetch(`${String(url)}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return scrape(await r.text());
  }
  problems(): string[] {
    return this.lines.filter((l) => l.j.level === 'error' || l.j.level === 'fatal' || (l.j.level === 'warn' && /reconcile failed/.test(l.msg))).map((l) => `${l.msg}: ${String(l.j.err ?? '')}`);
  }
}

async function main(): Promise<void> {
  console.log(`operator: ${N} SchedulerHA resources (replicas 0) in ${NAMESPACES} namespaces; ${ROUNDS} alternating cold-start / floor rounds; idle ${IDLE_S} s; ${SAMPLES} spec changes`);
  const group = new ProcGroup();
  let etcd: EtcdServer | undefined;
  let mesos: EmulatorProc | undefined;
  let kube: KubeEmulatorProc | undefined;
  let client: ReturnType<typeof createEtcdClient> | undefined;
  let op: OperatorProc | undefined;
  try {
    etcd = await EtcdServer.start();
    mesos = await EmulatorProc.start({ masters: 1, agents: 1, heartbeatSeconds: 15, history: { recordEvents: false } });
    // The watch window holds every event of a round per resource type (creates, status writes, spec changes).
    kube = await KubeEmulatorProc.start(group, { watchWindow: 4 * N + 2 * SAMPLES + 1000, nodeArgs: PROFILE('kube') });
    client = createEtcdClient({ endpoints: etcd.endpoint });
    await installCrd(kube.kc, buildCrd());
    const k = kube;
    const etcdPid = etcd.pid!;
    const etcdEndpoint = etcd.endpoint;
    const mesosAddress = mesos.masterAddress;
    const etcdClient = client;

    // ---- this process's view: every SchedulerHA, from one cluster-wide watch --------------------------------------
    const objs = new Map<string, Sha>();
    let listeners: Array<(o: Sha, rt: number) => void> = [];
    const list = await k.ok<{ metadata: { resourceVersion: string } }>('GET', `${BASE}/${PLURAL}`);
    let watchErr: string | undefined;
    const watch = k.watch<Sha>(
      `${BASE}/${PLURAL}`,
      { resourceVersion: list.body.metadata.resourceVersion, allowWatchBookmarks: 'true' },
      (e) => {
        if (e.type === 'ERROR') {
          watchErr = JSON.stringify(e.object);
          return;
        }
        if (e.type === 'BOOKMARK') return;
        const kk = key(e.object.metadata.namespace, e.object.metadata.name);
        if (e.type === 'DELETED') objs.delete(kk);
        else objs.set(kk, e.object);
        for (const l of listeners) l(e.object, e.rt);
      },
      (why) => (watchErr = why),
    );
    const observed = (o: Sha | undefined) => !!o && (o.status?.observedGeneration ?? -1) >= (o.metadata.generation ?? 0);

    const makeRound = async (r: number): Promise<{ namespaces: string[]; keys: string[]; fwPrefix: string }> => {
      const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `op-${process.pid}-r${r}-${i}`);
      for (const ns of namespaces) await k.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      const fwPrefix = `bop${process.pid}r${r}n`;
      const keys: string[] = [];
      await KubeEmulatorProc.pool(N, 16, async (i) => {
        const ns = namespaces[i % NAMESPACES]!;
        const name = `sha-${String(i).padStart(5, '0')}`;
        keys.push(key(ns, name));
        await k.ok('POST', `${BASE}/namespaces/${ns}/${PLURAL}`, {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'SchedulerHA',
          metadata: { name, namespace: ns },
          spec: {
            replicas: 0,
            mesos: { master: mesosAddress },
            etcd: { endpoints: [etcdEndpoint] },
            flags: { kmPath: 'hdfs:///k8sm/km', frameworkName: `${fwPrefix}${i}`, reconcileInterval: '5m' },
          },
        });
      });
      await poll(`${N} resources on the watch`, () => keys.every((kk) => objs.has(kk)) || undefined, 60_000, 20);
      return { namespaces, keys, fwPrefix };
    };

    const dropRound = async (round: { namespaces: string[]; fwPrefix: string }) => {
      for (const ns of round.namespaces) await k.request('DELETE', `/api/v1/namespaces/${ns}`);
      for (const ns of round.namespaces) await poll(`namespace ${ns} gone`, async () => ((await k.request('GET', `/api/v1/namespaces/${ns}`)).status === 404 || undefined), 180_000, 100);
      await etcdClient.delete().prefix(`/k8sm/${round.fwPrefix}`).exec();
    };

    const startOperator = (r: number): OperatorProc => {
      const p = group.spawn(
        process.execPath,
        [...PROFILE('operator'), ...OPERATOR_NODE_ARGS, ...(HEAP_SNAPSHOT && LOG_DIR ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${LOG_DIR}`] : []), CLI, 'operator', `--kubeconfig=${k.kubeconfigPath}`, '--metrics-bind-address=127.0.0.1:0', '--health-probe-bind-address=0', '--leader-election-namespace=default', `--leader-election-id=bench-operator-${process.pid}-${r}`, `--identity=bench-${r}`, ...OPERATOR_ARGS],
        { env: { ...process.env, SCHEDULERHA_LOG_PRETTY: '0', SCHEDULERHA_LOG_LEVEL: 'info', NODE_OPTIONS } },
      );
      return new OperatorProc(p);
    };

    /** Waits until every key satisfies `done` on the watch; resolves with the time of the completing event. */
    const waitAll = (keys: string[], done: (o: Sha | undefined) => boolean, what: string, timeoutMs: number, onProgress?: (n: number, rt: number) => void): Promise<number> => {
      const pending = new Set(keys.filter((kk) => !done(objs.get(kk))));
      if (!pending.size) return Promise.resolve(wallNow());
      return new Promise<number>((resolve, reject) => {
        const l = (o: Sha, rt: number) => {
          const kk = key(o.metadata.namespace, o.metadata.name);
          if (pending.has(kk) && done(o)) {
            pending.delete(kk);
            onProgress?.(keys.length - pending.size, rt);
            if (!pending.size) {
              cleanup();
              resolve(rt);
            }
          }
        };
        const t = setTimeout(() => {
          cleanup();
          reject(new Error(`${what}: ${pending.size}/${keys.length} still pending after ${timeoutMs} ms${watchErr ? ` (watch: ${watchErr})` : ''}; e.g. ${[...pending].slice(0, 3).join(', ')}${op ? `; operator problems: ${op.problems().slice(-5).join(' | ')}` : ''}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(t);
          listeners = listeners.filter((x) => x !== l);
        };
        listeners.push(l);
      });
    };

    // ---- cold start --------------------------------------------------------------------------------------------------
    const coldStart = async (r: number, keys: string[]): Promise<{ run: ColdRun; op: OperatorProc }> => {
      const c0 = { kube: cpuMs(k.pid)!, etcd: cpuMs(etcdPid)! };
      const t0 = wallNow();
      const o = startOperator(r);
      op = o;
      let first = 0;
      let half = 0;
      const exited = o.proc.exited.then((code) => Promise.reject(new Error(`the operator exited (${code}) during the cold start; output tail:\n${o.proc.output().slice(-3000)}`)));
      const t1 = await Promise.race([
        waitAll(keys, observed, 'cold start: statuses written', COLD_TIMEOUT_MS, (n, rt) => {
          if (n === 1) first = rt;
          if (n === Math.ceil(keys.length / 2)) half = rt;
        }),
        exited,
      ]);
      const cpuOp = cpuMs(o.pid)!;
      const listening = o.find('http listening');
      const leading = o.find('leading: waiting for the caches to sync, then reconciling');
      const run: ColdRun = {
        ms: t1 - t0,
        listeningMs: listening ? listening.at - t0 : NaN,
        leadingMs: leading ? leading.at - t0 : NaN,
        firstStatusMs: first - t0,
        halfMs: half - t0,
        cpuMs: { operator: cpuOp, kube: cpuMs(k.pid)! - c0.kube, etcd: cpuMs(etcdPid)! - c0.etcd },
        peakRssMb: undefined,
        metrics: Object.fromEntries(Object.entries(await o.metrics()).filter(([kk]) => !kk.includes('_bytes'))),
      };
      return { run, op: o };
    };

    // ---- floors: status patches, alone or after the writes a cold start has to make ---------------------------------
    /** Sends, 4 resources in flight, `before(i)` (if any) and then a status merge patch like the operator's whose
     * conditions all carry `marker`; first send → the last marked status seen on the watch. Bodies are built before
     * the clock starts. */
    const statusRound = async (keys: string[], marker: string, what: string, before?: (i: number) => Promise<unknown>): Promise<FloorRun> => {
      const bodies = keys.map((kk) => {
        const o = objs.get(kk)!;
        const st = o.status ?? {};
        return { ns: o.metadata.namespace, name: o.metadata.name, body: { status: { ...st, conditions: (st.conditions ?? [{ type: 'Ready', status: 'False', reason: 'Bench', message: 'bench' }]).map((c) => ({ ...c, lastTransitionTime: marker })) } } };
      });
      const isMarked = (o: Sha | undefined) => !!o && (o.status?.conditions ?? []).length > 0 && o.status!.conditions!.every((c) => c.lastTransitionTime === marker);
      const c0 = cpuMs(k.pid)!;
      const t0 = wallNow();
      const done = waitAll(keys, isMarked, `${what}: status patches seen`, 300_000);
      await KubeEmulatorProc.pool(bodies.length, CONCURRENCY, async (i) => {
        await before?.(i);
        const b = bodies[i]!;
        await k.ok('PATCH', `${BASE}/namespaces/${b.ns}/${PLURAL}/${b.name}/status`, b.body, 'application/merge-patch+json');
      });
      const t1 = await done;
      return { ms: t1 - t0, kubeCpuMs: cpuMs(k.pid)! - c0 };
    };

    // The floor: bare status patches.
    const floorRun = (r: number, keys: string[]): Promise<FloorRun> => statusRound(keys, `2001-01-01T00:${String(r % 60).padStart(2, '0')}:00Z`, 'floor');

    // The protocol floor: what the operator must write per resource, in its order, with its bodies (planChildren) and
    // parallelism: the ConfigMap and the Service applied together, then the StatefulSet, then the status patch. Not
    // sent: Events, etcd, reads. The children get a suffix so they are new objects, as at a cold start; owned by their
    // resource, they go with its namespace.
    const protocolFloorRun = (r: number, keys: string[]): Promise<FloorRun> => {
      const children = keys.map((kk) => {
        const o = objs.get(kk)!;
        const sha = { apiVersion: `${GROUP}/${VERSION}`, kind: 'SchedulerHA', metadata: o.metadata, spec: o.spec } as unknown as SchedulerHA;
        const plan = planChildren(sha, applyDefaults(o.spec as unknown as SchedulerHASpec), { schedulerImage: DEFAULT_SCHEDULER_IMAGE });
        const renamed = (c: Record<string, unknown> & { metadata: { name: string } }) => ({ ...c, metadata: { ...c.metadata, name: `${c.metadata.name}-pf${r}` } });
        return { ns: o.metadata.namespace, cm: renamed(plan.configMap), svc: renamed(plan.service), sts: renamed(plan.statefulSet) };
      });
      const apply = (ns: string, plural: string, group: string, body: { metadata: { name: string } }) =>
        k.ok('PATCH', `${group}/namespaces/${ns}/${plural}/${body.metadata.name}?fieldManager=bench-protocol-floor&force=true`, body, 'application/apply-patch+yaml');
      return statusRound(keys, `2001-01-01T01:${String(r % 60).padStart(2, '0')}:00Z`, 'protocol floor', async (i) => {
        const w = children[i]!;
        await Promise.all([apply(w.ns, 'configmaps', '/api/v1', w.cm), apply(w.ns, 'services', '/api/v1', w.svc)]);
        await apply(w.ns, 'statefulsets', '/apis/apps/v1', w.sts);
      });
    };

    // ---- idle CPU ------------------------------------------------------------------------------------------------------
    const idleCpu = async (o: OperatorProc): Promise<{ seconds: number; kubeSeconds: number; windowS: number; reconcilesDuring: number; statusPatchesDuring: number; statusFieldsChanged: Record<string, number> }> => {
      // Settle: the work queue drains, the last Events go out.
      await new Promise((r) => setTimeout(r, 5000));
      const m0 = await o.metrics();
      // Which status fields the operator rewrites while nothing changes (there should be none).
      const changed = new Map<string, number>();
      const idleListener = (x: Sha) => {
        const before = idleSeen.get(key(x.metadata.namespace, x.metadata.name));
        idleSeen.set(key(x.metadata.namespace, x.metadata.name), x);
        if (!before) return;
        for (const f of diffPaths(before.status, x.status, 'status')) changed.set(f, (changed.get(f) ?? 0) + 1);
      };
      const idleSeen = new Map<string, Sha>(objs);
      listeners.push(idleListener);
      const c0 = cpuMs(o.pid)!;
      const k0 = cpuMs(k.pid)!;
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, IDLE_S * 1000));
      const c1 = cpuMs(o.pid)!;
      const k1 = cpuMs(k.pid)!;
      const windowS = (performance.now() - t0) / 1000;
      const m1 = await o.metrics();
      listeners = listeners.filter((x) => x !== idleListener);
      const sum = (m: Record<string, number>, prefix: string) => Object.entries(m).filter(([kk]) => kk.startsWith(prefix)).reduce((a, [, v]) => a + v, 0);
      return {
        seconds: (c1 - c0) / 1000,
        kubeSeconds: (k1 - k0) / 1000,
        windowS,
        reconcilesDuring: sum(m1, 'controller_runtime_reconcile_total') - sum(m0, 'controller_runtime_reconcile_total'),
        statusPatchesDuring: sum(m1, 'schedulerha_status_patches_total{written') - sum(m0, 'schedulerha_status_patches_total{written'),
        statusFieldsChanged: Object.fromEntries([...changed].sort((a, b) => b[1] - a[1]).slice(0, 10)),
      };
    };

    // ---- spec change → observedGeneration -----------------------------------------------------------------------
    const specChanges = async (keys: string[]): Promise<{ specMs: number[]; getMs: number[]; patchMs: number[] }> => {
      const specMs: number[] = [];
      const getMs: number[] = [];
      const patchMs: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const kk = keys[(i * 7919) % keys.length]!;
        const [ns, name] = kk.split('/') as [string, string];
        const path = `${BASE}/namespaces/${ns}/${PLURAL}/${name}`;
        const g = await k.ok<Sha>('GET', path);
        getMs.push(g.ms);
        const cur = (g.body.spec?.flags as { reconcileInterval?: string } | undefined)?.reconcileInterval;
        const next = cur === '5m' ? '6m' : '5m';
        let gen = Infinity;
        let seenAt = 0;
        const reached = new Promise<void>((resolve) => {
          const l = (o: Sha, rt: number) => {
            if (key(o.metadata.namespace, o.metadata.name) !== kk) return;
            if ((o.status?.observedGeneration ?? -1) >= gen && (o.metadata.generation ?? 0) >= gen) {
              seenAt = rt;
              listeners = listeners.filter((x) => x !== l);
              resolve();
            }
          };
          listeners.push(l);
        });
        const t0 = wallNow();
        const p = await k.ok<Sha>('PATCH', path, { spec: { flags: { reconcileInterval: next } } }, 'application/merge-patch+json');
        patchMs.push(p.ms);
        gen = p.body.metadata.generation ?? 0;
        const o = objs.get(kk);
        if (o && (o.status?.observedGeneration ?? -1) >= gen) seenAt = seenAt || wallNow();
        else
          await Promise.race([
            reached,
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`spec change of ${kk} (generation ${gen}) not observed within 60 s${op ? `; operator problems: ${op.problems().slice(-5).join(' | ')}` : ''}`)), 60_000).unref()),
          ]);
        specMs.push(seenAt - t0);
        // Let the operator finish what the change set off (Events, its own writes' echoes) before the next sample.
        await new Promise((r) => setTimeout(r, 20));
      }
      return { specMs, getMs, patchMs };
    };

    // ---- rounds ----------------------------------------------------------------------------------------------------
    const colds: ColdRun[] = [];
    const floors: FloorRun[] = [];
    const protocolFloors: FloorRun[] = [];
    let idle: Awaited<ReturnType<typeof idleCpu>> | undefined;
    let spec: Awaited<ReturnType<typeof specChanges>> | undefined;
    let peakRssMb = 0;
    let prev = await makeRound(0);
    {
      // Warm-up: one cold start (not counted), which also leaves statuses for the first floor.
      const { run, op: o } = await coldStart(0, prev.keys);
      await o.proc.stop(30_000);
      op = undefined;
      console.log(`warm-up cold start: ${round(run.ms, 0)} ms`);
    }
    for (let r = 1; r <= ROUNDS; r++) {
      const f = await floorRun(r, prev.keys);
      floors.push(f);
      const pf = await protocolFloorRun(r, prev.keys);
      protocolFloors.push(pf);
      await dropRound(prev);
      prev = await makeRound(r);
      const { run, op: o } = await coldStart(r, prev.keys);
      colds.push(run);
      const last = r === ROUNDS;
      if (last) {
        idle = await idleCpu(o);
        if (HEAP_SNAPSHOT && LOG_DIR) {
          mkdirSync(LOG_DIR, { recursive: true });
          const before = new Set(readdirSync(LOG_DIR));
          o.proc.signal('SIGUSR2');
          await poll('the heap snapshot', () => readdirSync(LOG_DIR).some((f) => !before.has(f) && f.endsWith('.heapsnapshot')) || undefined, 120_000, 500);
          await new Promise((r) => setTimeout(r, 3000));
        }
        spec = await specChanges(prev.keys);
      }
      run.peakRssMb = (peakRssKb(o.pid) ?? NaN) / 1024;
      run.memoryAtEnd = Object.fromEntries(Object.entries(await o.metrics()).filter(([kk]) => kk.includes('_bytes')).map(([kk, v]) => [kk.replace('_bytes', '_mb'), v]));
      peakRssMb = Math.max(peakRssMb, run.peakRssMb);
      const problems = o.problems();
      await o.proc.stop(30_000);
      if (LOG_DIR) {
        mkdirSync(LOG_DIR, { recursive: true });
        writeFileSync(join(LOG_DIR, `operator-${r}.log`), o.proc.output());
      }
      op = undefined;
      console.log(
        `round ${r}: floor ${round(f.ms, 0)} ms (emulator CPU ${f.kubeCpuMs} ms), protocol floor ${round(pf.ms, 0)} ms (emulator CPU ${pf.kubeCpuMs} ms) | cold start ${round(run.ms, 0)} ms = ${round(run.ms / f.ms, 2)}× (listening +${round(run.listeningMs, 0)}, leading +${round(run.leadingMs, 0)}, first status +${round(run.firstStatusMs, 0)}, half +${round(run.halfMs, 0)}; CPU operator ${run.cpuMs.operator} kube ${run.cpuMs.kube} etcd ${run.cpuMs.etcd} ms; peak RSS ${round(run.peakRssMb, 0)} MB)${problems.length ? `; ${problems.length} problem lines, e.g. ${problems[0]}` : ''}`,
      );
      console.log(`         operator metrics: ${JSON.stringify(run.metrics)}`);
      console.log(`         operator memory at the end (MB): ${JSON.stringify(run.memoryAtEnd)}`);
      if (last && idle) console.log(`         idle ${round(idle.windowS, 1)} s: operator CPU ${round(idle.seconds, 3)} s (API emulator ${round(idle.kubeSeconds, 3)} s); reconciles ${idle.reconcilesDuring}, status patches ${idle.statusPatchesDuring}${Object.keys(idle.statusFieldsChanged).length ? `, status fields rewritten: ${JSON.stringify(idle.statusFieldsChanged)}` : ''}`);
    }
    await dropRound(prev);
    watch.stop();

    // ---- report ----------------------------------------------------------------------------------------------------
    const med = (xs: number[]) => summarize(xs).p50;
    const coldMs = med(colds.map((c) => c.ms));
    const floorMs = med(floors.map((f) => f.ms));
    const coldRatio = coldMs / floorMs;
    const protocolFloorMs = med(protocolFloors.map((f) => f.ms));
    const ss = summarize(spec!.specMs);
    const gs = summarize(spec!.getMs);
    const ps = summarize(spec!.patchMs);
    const specRatio = ss.p99 / gs.p50;
    console.log('summary:');
    console.log(`  cold start (spawn → ${N} statuses)   median ${round(coldMs, 0)} ms; floor (${N} status patches, ${CONCURRENCY} in flight) ${round(floorMs, 0)} ms → ${round(coldRatio, 2)}× (goal ≤ ${GOALS.coldStartRatio}); per round ${colds.map((c, i) => round(c.ms / floors[i]!.ms, 2)).join(', ')}`);
    console.log(`  protocol floor (the cold start's ${3 * N} applies and ${N} status patches, sent directly) ${round(protocolFloorMs, 0)} ms = ${round(protocolFloorMs / floorMs, 2)}× the floor; cold start ÷ protocol floor ${round(coldMs / protocolFloorMs, 2)}×`);
    console.log(`  peak RSS                             ${round(peakRssMb, 1)} MB (goal ≤ ${GOALS.peakRssMb})`);
    console.log(`  idle CPU over ${round(idle!.windowS, 0)} s                  ${round(idle!.seconds, 3)} s (goal ≤ ${GOALS.idleCpuSeconds})`);
    console.log(`  spec change → observedGeneration     p50 ${round(ss.p50, 1)} ms, p99 ${round(ss.p99, 1)} ms, max ${round(ss.max, 1)} ms; GET p50 ${round(gs.p50, 2)} ms (p99 ${round(gs.p99, 2)}); the spec PATCH itself p50 ${round(ps.p50, 2)} ms → p99 ÷ GET ${round(specRatio, 2)}× (goal ≤ ${GOALS.specP99Ratio}); p50 ÷ GET ${round(ss.p50 / gs.p50, 2)}×`);
    const mapRound = (s: ReturnType<typeof summarize>) => Object.fromEntries(Object.entries(s).map(([kk, v]) => [kk, round(v, 3)]));
    const file = writeResult('operator', {
      params: { n: N, namespaces: NAMESPACES, rounds: ROUNDS, idleSeconds: IDLE_S, samples: SAMPLES, replicas: 0, floorConcurrency: CONCURRENCY, operatorFlags: 'production defaults; fresh Lease per round; log level info', nodeOptions: NODE_OPTIONS, etcd: '3.4 (Debian etcd-server)', profiled: !!PROFILE_DIR },
      method:
        'API emulator and Mesos emulator in their own processes, real etcd; resources created before the operator starts. Cold start: operator spawn → this process\'s cluster-wide watch has seen status.observedGeneration == metadata.generation for every resource. Floor (alternating): the same number of status merge patches (the operator\'s status with new condition times), 4 in flight, first send → the last seen on the watch. Protocol floor (same rounds, not a goal): per resource the operator\'s ConfigMap and Service applies together, then its StatefulSet apply, then a status merge patch, 4 resources in flight, first send → the last status seen on the watch. Idle: /proc/<pid>/stat utime+stime over the window after a 5 s settle. Spec change: merge patch of spec.flags.reconcileInterval on one resource at a time → its new generation observed on the watch; each next to a GET of the resource. Peak RSS: VmHWM at the end of the round.',
      goals: GOALS,
      coldStart: { ratio: round(coldRatio, 3), msMedian: round(coldMs, 1), floorMsMedian: round(floorMs, 1), perRoundRatios: colds.map((c, i) => round(c.ms / floors[i]!.ms, 3)), runs: colds.map((c) => ({ ...c, ms: round(c.ms, 1), listeningMs: round(c.listeningMs, 1), leadingMs: round(c.leadingMs, 1), firstStatusMs: round(c.firstStatusMs, 1), halfMs: round(c.halfMs, 1), peakRssMb: round(c.peakRssMb ?? NaN, 1) })), floors: floors.map((f) => ({ ms: round(f.ms, 1), kubeCpuMs: f.kubeCpuMs })), protocolFloorMsMedian: round(protocolFloorMs, 1), ratioToProtocolFloor: round(coldMs / protocolFloorMs, 3), protocolFloors: protocolFloors.map((f) => ({ ms: round(f.ms, 1), kubeCpuMs: f.kubeCpuMs })) },
      peakRssMb: round(peakRssMb, 1),
      idle: idle ? { ...idle, seconds: round(idle.seconds, 3), kubeSeconds: round(idle.kubeSeconds, 3), windowS: round(idle.windowS, 2) } : null,
      specChange: { p99OverGetP50: round(specRatio, 3), p50OverGetP50: round(ss.p50 / gs.p50, 3), ms: mapRound(ss), getMs: mapRound(gs), specPatchMs: mapRound(ps), samples: spec!.specMs.map((x) => round(x, 2)) },
    });
    writeSvg(
      'operator',
      cdfChart(`Operator: spec change → observedGeneration vs GET (${SAMPLES} samples, ${N} resources)`, 'ms (log scale)', [
        { name: `spec → status: p99 ${round(ss.p99, 1)} ms`, values: spec!.specMs },
        { name: `GET: p50 ${round(gs.p50, 2)} ms`, values: spec!.getMs },
        { name: `spec PATCH: p50 ${round(ps.p50, 2)} ms`, values: spec!.patchMs },
      ], { logX: true }),
    );
    writeSvg(
      'operator-cold-start',
      barChart(`Operator cold start, ${N} resources: ${round(coldRatio, 2)}× floor (goal ≤ ${GOALS.coldStartRatio})`, 'ms', [
        { label: `floor: ${N} status patches`, value: Math.round(floorMs) },
        { label: `protocol floor: ${3 * N} applies + ${N} patches`, value: Math.round(protocolFloorMs) },
        { label: 'cold: first status', value: Math.round(med(colds.map((c) => c.firstStatusMs))) },
        { label: 'cold: half the statuses', value: Math.round(med(colds.map((c) => c.halfMs))) },
        { label: 'cold: every status', value: Math.round(coldMs) },
      ]),
    );
    console.log(`wrote ${file}`);
    printResult('operator', 'cold_start_ratio', coldRatio, GOALS.coldStartRatio);
    printResult('operator', 'peak_rss_mb', peakRssMb, GOALS.peakRssMb);
    printResult('operator', 'idle_cpu_seconds', idle!.seconds, GOALS.idleCpuSeconds);
    printResult('operator', 'spec_change_p99_ratio', specRatio, GOALS.specP99Ratio);
  } finally {
    await op?.proc.stop(10_000).catch(() => undefined);
    await kube?.stop().catch(() => undefined);
    await group.killAll();
    client?.close();
    await mesos?.stop();
    await etcd?.stop();
  }
}

await main();
