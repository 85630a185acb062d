// `schedulerha devstack` as users run it — the built CLI as a child process:
//  - `devstack --no-tty --exit-after-ready` (the README's command) reaches Ready, prints status lines, exits 0, and
//    leaves no process behind: every descendant seen in /proc while it ran is gone afterwards; the same under --rbac;
//  - the key actions through the no-TTY command channel (one command per stdin line): f (USR1), a (failover
//    annotation), k (SIGKILL), m (Mesos master failover), each with its effect checked through the emulator's
//    kubeconfig (--kubeconfig) and the Mesos master's HTTP API; q stops everything; --keep keeps the logs;
//  - SIGINT during start-up and SIGTERM once running stop everything with exit 0;
//  - errors before anything starts (no etcd on PATH, an invalid SchedulerHA, a used --dir, a bad --pods) and a
//    --timeout that expires exit 1 with a message saying what is wrong.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcGroup, type Proc } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';
import { kubeConfigFromString, kubeRequestOk } from '../../src/kube/index.js';
import type { SchedulerHA } from '../../src/api/types.js';

const ENV = { ...process.env, SCHEDULERHA_LOG_PRETTY: '0' };

// ---- processes: every descendant of the devstack, identified by pid + start time (pids get reused) --------------

interface ProcId {
  pid: number;
  start: string;
  cmd: string;
}

function stat(pid: number): { ppid: number; start: string; state: string } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0]!, ppid: Number(f[1]), start: f[19]! };
  } catch {
    return undefined;
  }
}

function descendants(root: number): ProcId[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = stat(Number(d));
    if (!st) continue;
    children.set(st.ppid, [...(children.get(st.ppid) ?? []), Number(d)]);
  }
  const out: ProcId[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length) {
    const pid = queue.shift()!;
    const st = stat(pid);
    if (!st) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 160);
    } catch {
      // gone
    }
    out.push({ pid, start: st.start, cmd });
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Watches the process tree under `root` until stopped; `seen` holds every process that ever was in it. */
function watchTree(root: number): { seen: Map<string, ProcId>; stop(): void } {
  const seen = new Map<string, ProcId>();
  const scan = () => {
    // Re-read each time: right after fork a child still shows its parent's command line until it execs.
    for (const p of descendants(root)) if (p.cmd || !seen.has(`${p.pid}/${p.start}`)) seen.set(`${p.pid}/${p.start}`, p);
  };
  scan();
  const timer = setInterval(scan, 100);
  return { seen, stop: () => clearInterval(timer) };
}

/** The same process (pid and start time) still exists and is not a zombie. */
function running(p: { pid: number; start?: string }): boolean {
  const st = stat(p.pid);
  return !!st && st.state !== 'Z' && (p.start === undefined || st.start === p.start);
}

/** pids the devstack reported ("devstack: processes etcd=1 operator=2 k8sm-0=3 …"), by name. */
function reportedPids(out: string): Array<{ name: string; pid: number }> {
  const all = new Map<number, string>();
  for (const m of out.matchAll(/^devstack: processes (.*)$/gm)) for (const kv of m[1]!.split(' ')) all.set(Number(kv.split('=')[1]), kv.split('=')[0]!);
  return [...all].map(([pid, name]) => ({ pid, name }));
}

async function assertNothingLeft(out: string, seen: Map<string, ProcId>): Promise<void> {
  const reported = reportedPids(out);
  for (const name of ['etcd', 'operator', 'k8sm-0', 'k8sm-1']) assert.ok(reported.some((p) => p.name === name), `the devstack reported the pid of ${name}: ${JSON.stringify(reported)}`);
  for (const r of reported) assert.ok([...seen.values()].some((p) => p.pid === r.pid), `reported pid ${r.name}=${r.pid} was seen under the devstack`);
  assert.ok([...seen.values()].some((p) => /\betcd\b/.test(p.cmd)), 'etcd was seen in the tree');
  assert.ok([...seen.values()].some((p) => / operator /.test(p.cmd)), `the operator was seen in the tree: ${[...seen.values()].map((p) => p.cmd).join(' | ')}`);
  assert.ok([...seen.values()].filter((p) => / scheduler /.test(p.cmd)).length >= 2, 'the scheduler replicas were seen in the tree');
  // Give init a moment to reap what the devstack's exit orphaned; a process still running after that was left behind.
  const left = await waitFor('no process of the devstack left running', () => {
    const l = [...seen.values()].filter(running);
    return l.length === 0 ? [] : undefined;
  }, { timeoutMs: 5000, intervalMs: 100 }).catch(() => [...seen.values()].filter(running));
  assert.deepEqual(left.map((p) => `${p.pid} ${p.cmd}`), [], 'processes left running');
}

/** Devstack children of one test. When the test ends (failed half-way or not) each still running gets SIGTERM and
 * stops what it started, in order; SIGKILL only after a grace — a SIGKILLed devstack cannot stop its etcd. */
class Devstacks {
  private readonly group = new ProcGroup();
  private readonly procs: Proc[] = [];
  constructor(t: TestContext) {
    t.after(async () => {
      await Promise.all(this.procs.map((p) => p.stop(60_000)));
      await this.group.killAll();
    });
  }
  spawn(args: string[], stdin: 'pipe' | 'ignore' = 'ignore'): Proc {
    const p = this.group.cli(['devstack', ...args], { env: ENV, stdio: [stdin, 'pipe', 'pipe'] });
    this.procs.push(p);
    return p;
  }
  /** `schedulerha <args>` with another environment. */
  cli(args: string[], env: NodeJS.ProcessEnv): Proc {
    const p = this.group.cli(args, { env });
    this.procs.push(p);
    return p;
  }
}

/** The exit code; a devstack still running after `ms` is stopped (SIGTERM, so it stops its children) and fails. */
async function exitWithin(p: Proc, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  const code = await Promise.race([p.exited, late]);
  clearTimeout(timer);
  if (code !== 'late') return code;
  await p.stop(60_000);
  return assert.fail(`the devstack did not exit within ${ms} ms; output:\n${p.output().slice(-4000)}`);
}

/** Waits for "devstack: ready after N s"; on failure the devstack's output says why. */
async function waitForReady(p: Proc): Promise<RegExpMatchArray> {
  try {
    return await waitFor(
      'the devstack ready',
      () => {
        if (p.child.exitCode !== null) assert.fail(`exited ${p.child.exitCode}`);
        if (/^devstack: the operator exited unexpectedly/m.test(p.output())) assert.fail('the operator exited');
        return p.output().match(/^devstack: ready after ([\d.]+) s/m);
      },
      { timeoutMs: 240_000, intervalMs: 200 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; devstack output:\n${p.output().slice(-4000)}`);
  }
}

test('devstack --no-tty --exit-after-ready: Ready, status lines, exit 0, nothing left running', { timeout: 420_000 }, async (t) => {
  const ds = new Devstacks(t);
  const t0 = Date.now();
  const p = ds.spawn(['--no-tty', '--exit-after-ready', '--timeout', '240s']);
  const tree = watchTree(p.pid);
  t.after(() => tree.stop());
  const code = await exitWithin(p, 300_000);
  tree.stop();
  const out = p.output();
  t.diagnostic(`exited ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s; ${out.match(/ready after [\d.]+ s/)?.[0] ?? 'not ready'}; ${tree.seen.size} processes seen`);
  assert.equal(code, 0, out);
  for (const step of ['starting etcd', 'starting the Mesos masters and agents', 'starting the Kubernetes API emulator', 'installing the SchedulerHA CRD', 'starting the pod runner', 'starting the operator', 'applying SchedulerHA mesos/k8sm and 3 pods']) {
    assert.ok(out.includes(`devstack: ${step}…\n`), `progress line "${step}"`);
  }
  assert.match(out, /^devstack: Mesos masters http:\S+ http:\S+ http:\S+ \(leading http:\S+\), 5 agents$/m, '3 masters, 5 agents');
  const status = out.split('\n').filter((l) => /^\d\d:\d\d:\d\d leader=/.test(l));
  assert.ok(status.length >= 2, `status lines: ${status.length}`);
  const last = status.at(-1)!;
  assert.match(last, /^\d\d:\d\d:\d\d leader=k8sm-[01] term=\d+ framework=[\w-]+-0000 master=http:\/\/127\.0\.0\.1:\d+ replicas=k8sm-0:(leader|standby),k8sm-1:(leader|standby) tasks=running=3 pods=3\/3 ready=True\(Ready\)$/);
  assert.match(out, /^devstack: ready after [\d.]+ s: framework \S+ registered with http:\/\/127\.0\.0\.1:\d+ by k8sm-[01] \(term \d+\); 3 pods bound$/m);
  assert.match(out, /^devstack: stopped: \d+ processes started, none left running$/m);
  const dir = out.match(/^devstack: working directory (\S+) \(removed on exit/m)?.[1];
  assert.ok(dir, 'the working directory is printed');
  assert.equal(existsSync(dir), false, 'the working directory is removed');
  await assertNothingLeft(out, tree.seen);
});

test('devstack --rbac: the same main job under RBAC (operator and schedulers as their ServiceAccounts) reaches Ready', { timeout: 420_000 }, async (t) => {
  const ds = new Devstacks(t);
  const p = ds.spawn(['--no-tty', '--exit-after-ready', '--rbac', '--timeout', '240s']);
  const tree = watchTree(p.pid);
  t.after(() => tree.stop());
  const code = await exitWithin(p, 300_000);
  tree.stop();
  const out = p.output();
  t.diagnostic(out.match(/ready after [\d.]+ s/)?.[0] ?? 'not ready');
  assert.equal(code, 0, out);
  assert.match(out, /^devstack: Kubernetes API http:\S+ \(RBAC: the operator and the scheduler pods act as their ServiceAccounts\)/m);
  assert.match(out, /^devstack: ready after [\d.]+ s: framework \S+ registered/m);
  await assertNothingLeft(out, tree.seen);
});

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('devstack keys through stdin: f, a, k, m each fail over as they should; q stops everything; --keep keeps the logs', { timeout: 600_000 }, async (t) => {
  const ds = new Devstacks(t);
  const tmp = mkdtempSync(join(tmpdir(), 'devstack-cli-'));
  const kubeconfig = join(tmp, 'kubeconfig');
  let keptDir: string | undefined;
  t.after(() => {
    rmSync(tmp, { recursive: true, force: true });
    if (keptDir) rmSync(keptDir, { recursive: true, force: true });
  });
  const p = ds.spawn(['--no-tty', '--kubeconfig', kubeconfig, '--keep', '--status-interval', '2s'], 'pipe');
  const tree = watchTree(p.pid);
  t.after(() => tree.stop());
  const readyLine = await waitForReady(p);
  t.diagnostic(`ready after ${readyLine[1]} s`);
  keptDir = p.output().match(/^devstack: working directory (\S+) \(kept on exit\)$/m)?.[1];
  assert.ok(keptDir, 'the kept working directory is printed');
  assert.ok(existsSync(kubeconfig), '--kubeconfig wrote the file');
  const kc = kubeConfigFromString(readFileSync(kubeconfig, 'utf8'));
  const get = async () => kubeRequestOk<SchedulerHA>(kc, { method: 'GET', path: '/apis/k8sm.io/v1alpha1/namespaces/mesos/schedulerhas/k8sm' });
  const steady = async (what: string) =>
    await waitFor(`${what}: Ready with 2 ready replicas`, async () => {
      const o = await get();
      const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'True' && o.status?.readyReplicas === 2 && o.status.observedGeneration === o.metadata.generation ? o : undefined;
    }, { timeoutMs: 120_000, intervalMs: 250 });
  const o0 = await steady('start');
  const fid = o0.status!.frameworkID!;
  assert.match(fid, /-0000$/);

  /** Sends a command line and waits for the devstack to report the action's outcome. */
  const press = async (key: string): Promise<{ started: string; done: string }> => {
    const mark = p.output().length;
    p.child.stdin!.write(`${key}\n`);
    const started = await waitFor(`action ${key} started`, () => p.output().slice(mark).match(new RegExp(`^devstack: action ${key}: (.*)$`, 'm'))?.[1], { timeoutMs: 30_000 });
    const done = await waitFor(`action ${key} finished`, () => {
      const rest = p.output().slice(mark);
      const failed = rest.match(new RegExp(`^devstack: action ${key} FAILED: (.*)$`, 'm'));
      if (failed) assert.fail(`action ${key} failed: ${failed[1]}`);
      return rest.match(new RegExp(`^devstack: action ${key} done: (.*)$`, 'm'))?.[1];
    }, { timeoutMs: 120_000, intervalMs: 100 });
    t.diagnostic(`${key}: ${started} → ${done}`);
    return { started, done };
  };
  /** The operator's record of the failover after `before`, away from its leader. */
  const failedOver = async (before: SchedulerHA, reason?: string) =>
    await waitFor(`lastFailover away from ${before.status!.leader!.pod}`, async () => {
      const o = await get();
      const lf = o.status?.lastFailover;
      const newer = lf && (!before.status?.lastFailover || Date.parse(lf.at) > Date.parse(before.status.lastFailover.at));
      return newer && o.status!.leader?.term !== before.status!.leader!.term && (!reason || lf.reason === reason) ? o : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });

  await t.test('f: USR1 → the standby leads, same framework, lastFailover', async () => {
    const before = await steady('before f');
    const from = before.status!.leader!.pod!;
    const r = await press('f');
    assert.match(r.started, new RegExp(`^sent USR1 to leader ${from} \\(pid \\d+, term ${before.status!.leader!.term}\\)$`));
    assert.match(r.done, new RegExp(`^leader ${from} \\(term \\d+\\) → k8sm-[01] \\(term \\d+\\), subscribed after [\\d.]+ s; framework ${fid} unchanged$`));
    const o = await failedOver(before);
    assert.equal(o.status!.lastFailover!.from, from);
    assert.notEqual(o.status!.leader!.pod, from, 'the other replica leads');
    assert.equal(o.status!.frameworkID, fid);
    assert.equal(typeof o.status!.lastFailover!.seconds, 'number');
    const pid = Number(r.started.match(/pid (\d+)/)![1]);
    assert.ok(running({ pid }), 'USR1 makes the leader resign, not exit');
  });

  await t.test('a: the failover annotation → FailoverRequested, same framework', async () => {
    const before = await steady('before a');
    const r = await press('a');
    const value = r.started.match(/^set k8sm\.io\/failover=(\S+) on mesos\/k8sm/)?.[1];
    assert.ok(value, r.started);
    const o = await failedOver(before, 'FailoverRequested');
    assert.equal(o.metadata.annotations?.['k8sm.io/failover'], value);
    assert.equal(o.status!.lastFailover!.from, before.status!.leader!.pod);
    assert.equal(o.status!.frameworkID, fid);
    assert.match(r.done, new RegExp(`framework ${fid} unchanged$`));
  });

  await t.test('k: SIGKILL → the process is gone, the standby leads, the killed replica restarts', async () => {
    const before = await steady('before k');
    const from = before.status!.leader!.pod!;
    const r = await press('k');
    const pid = Number(r.started.match(new RegExp(`^sent KILL to leader ${from} \\(pid (\\d+)`))?.[1]);
    assert.ok(pid > 0, r.started);
    await waitFor(`the killed leader process ${pid} gone`, () => !running({ pid }), { timeoutMs: 5000 });
    const o = await failedOver(before);
    assert.equal(o.status!.lastFailover!.from, from);
    assert.notEqual(o.status!.leader!.pod, from);
    assert.equal(o.status!.frameworkID, fid);
    const pod = await waitFor(`${from} restarted`, async () => {
      const x = await kubeRequestOk<Obj>(kc, { method: 'GET', path: `/api/v1/namespaces/mesos/pods/${from}` });
      return (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? x : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    assert.ok(pod);
  });

  await t.test('m: Mesos master failover → another master leads, the same framework re-subscribed to it', async () => {
    await steady('before m');
    const r = await press('m');
    const [, from, to] = r.started.match(/^failed over the leading Mesos master (\S+) → (\S+)$/) ?? [];
    assert.ok(from && to && from !== to, r.started);
    assert.match(r.done, new RegExp(`^Mesos master ${from} → ${to}; the scheduler re-subscribed after [\\d.]+ s; framework ${fid} unchanged$`));
    const state = (await (await fetch(`${to}/master/state`, { signal: AbortSignal.timeout(10_000) })).json()) as Obj;
    const fw = (state.frameworks as Obj[]).find((f) => f.id === fid);
    assert.ok(fw, `the new leading master ${to} knows framework ${fid}`);
    assert.equal(fw.active, true);
    assert.equal((state.frameworks as Obj[]).filter((f) => f.name === 'Kubernetes').length, 1, 'one framework');
    const o = await waitFor('the operator reports the framework on the new master', async () => {
      const x = await get();
      const c = x.status?.conditions?.find((c) => c.type === 'FrameworkRegistered');
      return c?.status === 'True' && c.message.includes(to) ? x : undefined;
    }, { timeoutMs: 90_000, intervalMs: 250 }); // the operator re-detects the leading master within ~30 s
    assert.equal(o.status!.frameworkID, fid);
    await waitFor('a status line with the new master', () => p.output().split('\n').some((l) => l.includes(` master=${to} `) && l.includes(`framework=${fid} `)));
  });

  await t.test('q: everything stopped, exit 0, nothing left running, the working directory kept with every log', async () => {
    p.child.stdin!.write('q\n');
    const code = await exitWithin(p, 120_000);
    tree.stop();
    const out = p.output();
    assert.equal(code, 0, out.slice(-3000));
    assert.match(out, /^devstack: stopped: \d+ processes started, none left running$/m);
    assert.match(out, new RegExp(`^devstack: working directory kept: ${keptDir}`, 'm'));
    await assertNothingLeft(out, tree.seen);
    assert.ok(reportedPids(out).filter((x) => /^k8sm-/.test(x.name)).length >= 3, 'the restarted replica was reported too');
    const state = JSON.parse(readFileSync(join(keptDir!, 'devstack.json'), 'utf8')) as { processes: Array<{ name: string; pid: number }>; kubeconfig: string };
    assert.equal(state.kubeconfig, kubeconfig);
    assert.deepEqual(new Set(state.processes.map((x) => x.pid)), new Set(reportedPids(out).map((x) => x.pid)), 'devstack.json lists the reported processes');
    const files = readdirSync(keptDir!);
    assert.ok(files.some((f) => /^operator-\d+\.log$/.test(f)), `an operator log in ${files.join(', ')}`);
    const pods = readdirSync(join(keptDir!, 'pods'));
    for (const pod of ['k8sm-0', 'k8sm-1']) assert.ok(pods.some((d) => d.startsWith(`mesos_${pod}_`)), `logs of ${pod} in ${pods.join(', ')}`);
  });
});

test('devstack stops everything on SIGINT during start-up and on SIGTERM once running', { timeout: 360_000 }, async (t) => {
  const ds = new Devstacks(t);

  await t.test('SIGINT while starting: it stops once the start-up step returns, exit 0', async () => {
    const p = ds.spawn(['--no-tty']);
    const tree = watchTree(p.pid);
    t.after(() => tree.stop());
    await waitFor('start-up under way', () => p.output().includes('devstack: starting etcd…'), { timeoutMs: 60_000, intervalMs: 10 });
    p.signal('SIGINT');
    const code = await exitWithin(p, 120_000);
    tree.stop();
    const out = p.output();
    assert.equal(code, 0, out);
    assert.match(out, /^devstack: SIGINT: stopping once the current start-up step finishes$/m);
    assert.match(out, /^devstack: stopped: \d+ processes started, none left running$/m);
    assert.doesNotMatch(out, /starting the operator/, 'nothing more is started');
    const left = await waitFor('nothing left', () => ([...tree.seen.values()].some(running) ? undefined : true), { timeoutMs: 5000, intervalMs: 100 }).catch(() => false);
    assert.ok(left, `left running: ${[...tree.seen.values()].filter(running).map((x) => x.cmd).join(' | ')}`);
    assert.ok([...tree.seen.values()].some((x) => /\betcd\b/.test(x.cmd)), 'etcd had been started');
  });

  await t.test('SIGTERM once ready: everything stopped in order, exit 0, nothing left running', async () => {
    const p = ds.spawn(['--no-tty']);
    const tree = watchTree(p.pid);
    t.after(() => tree.stop());
    await waitForReady(p);
    p.signal('SIGTERM');
    const code = await exitWithin(p, 120_000);
    tree.stop();
    const out = p.output();
    assert.equal(code, 0, out);
    assert.match(out, /^devstack: SIGTERM: stopping everything…$/m);
    assert.match(out, /^devstack: stopped: \d+ processes started, none left running$/m);
    await assertNothingLeft(out, tree.seen);
  });
});

test('devstack errors before anything starts: no etcd on PATH, an invalid SchedulerHA — exit 1, what to do', { timeout: 60_000 }, async (t) => {
  const ds = new Devstacks(t);
  const tmp = mkdtempSync(join(tmpdir(), 'devstack-err-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const noEtcd = ds.cli(['devstack', '--no-tty', '--exit-after-ready'], { ...ENV, PATH: tmp });
  assert.equal(await exitWithin(noEtcd, 60_000), 1);
  assert.match(noEtcd.output(), /schedulerha devstack: etcd is not installed \(no `etcd` on PATH\)\. .*sudo apt-get install -y etcd-server.*npm start/);
  assert.doesNotMatch(noEtcd.output(), /starting etcd/);

  const bad = join(tmp, 'bad.yaml');
  writeFileSync(bad, readFileSync(new URL('../../../manifests/samples/schedulerha-ha.yaml', import.meta.url), 'utf8').replace('kmPath: hdfs:///km', 'kmPath: /opt/km'));
  const invalid = ds.spawn(['--no-tty', '--exit-after-ready', '-f', bad]);
  assert.equal(await exitWithin(invalid, 60_000), 1);
  assert.match(invalid.output(), new RegExp(`schedulerha devstack: ${bad.replace(/[.]/g, '\\.')} is not a valid SchedulerHA for the devstack:\\n {2}error: spec\\.flags\\.kmPath`));
  assert.doesNotMatch(invalid.output(), /starting etcd/);

  const used = ds.spawn(['--no-tty', '--dir', tmp]);
  assert.equal(await exitWithin(used, 60_000), 1);
  assert.match(used.output(), /--dir \S+ is not empty: every devstack starts from scratch/);

  const pods = ds.spawn(['--no-tty', '--pods', 'many']);
  assert.equal(await exitWithin(pods, 60_000), 1);
  assert.match(pods.output(), /--pods must be an integer from 0 to 50/);
});

test('devstack --exit-after-ready not ready within --timeout: exit 1 with what is missing, everything stopped', { timeout: 120_000 }, async (t) => {
  const ds = new Devstacks(t);
  // Nothing can be ready at the first look, right after the pods are applied (no StatefulSet yet), and a 1 ms
  // timeout has expired by then.
  const p = ds.spawn(['--no-tty', '--exit-after-ready', '--timeout', '1ms']);
  const tree = watchTree(p.pid);
  t.after(() => tree.stop());
  const code = await exitWithin(p, 90_000);
  tree.stop();
  const out = p.output();
  assert.equal(code, 1, out);
  assert.match(out, /^schedulerha devstack: not ready after 0\.001 s: .*no framework registered with Mesos yet; 3 of 3 pods for the scheduler not bound yet$/m);
  assert.match(out, /^the (last lines of \S+\/operator-\d+\.log:|operator log \S+\/operator-\d+\.log is empty so far)$/m, 'the operator log (tail) helps to see why');
  assert.match(out, /^devstack: stopped: \d+ processes started, none left running$/m);
  const left = await waitFor('nothing left', () => ([...tree.seen.values()].some(running) ? undefined : true), { timeoutMs: 5000, intervalMs: 100 }).catch(() => false);
  assert.ok(left, `left running: ${[...tree.seen.values()].filter(running).map((x) => x.cmd).join(' | ')}`);
});
