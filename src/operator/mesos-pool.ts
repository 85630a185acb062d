// Mesos observation for the operator: one master detector + operator API client per master address (and
// principal), shared by every SchedulerHA that names it, reference-counted. GET_FRAMEWORKS and GET_TASKS answers
// are whole-cluster, so concurrent observers share one request (single flight) and a short-lived cache: 1,000
// resources on one master cost one call per `maxAgeMs`, not 1,000.
//
// TEARDOWN (deletionPolicy Teardown): the Mesos scheduler API's TEARDOWN needs a subscribed stream, which only the
// leading scheduler has; the master's operator API has TEARDOWN {framework_id} for operators (reference §4.1), so
// the operator sends that to the leading master.
import type http from 'node:http';
import { parseMesosMaster, withZkAuth } from '../api/addresses.js';
import { createMasterDetector } from '../mesos/detector.js';
import type { MasterDetector } from '../mesos/detector-base.js';
import { basicAuthHeader, createAgent, request, resolveLocation, baseUrlOf, type Credentials, type TlsOptions } from '../mesos/http.js';
import { mesosTlsOptions, type TlsPem } from '../mesos/tls.js';
import { MesosOperatorClient } from '../mesos/operator-client.js';
import type { GetFrameworks, GetTasks, MasterFramework } from '../mesos/types.js';
import { SchedulerHAError, errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';

export interface FrameworkView {
  id: string;
  name: string;
  connected: boolean;
  active: boolean;
  recovered: boolean;
  registeredSeconds?: number;
  reregisteredSeconds?: number;
}

export interface MesosObservation {
  state: 'ok' | 'error';
  error?: string;
  /** The master that answered (the leader). */
  masterUrl?: string;
  /** Our framework, when its id is known and the leading master has it among its frameworks. */
  framework?: FrameworkView;
  /** Our framework id is among the master's completed frameworks (torn down, failover timeout expired). */
  removed?: boolean;
  /** Known to the master only through recovery (after a master failover, not re-registered yet): our framework
   * listed with `recovered: true` (`recovered_frameworks` is deprecated and always empty). */
  recovering?: boolean;
  /** Other frameworks with our framework name, connected or not: a disconnected one is still within its failover
   * timeout and keeps its tasks running (the zombie a lost framework id leaves behind). */
  zombies: FrameworkView[];
  /** Our tasks on the master (active + unreachable), by state; only when the framework id is known. */
  tasks?: { total: number; byState: Record<string, number> };
  /** Epoch ms when the data was fetched. */
  fetchedAt: number;
}

interface Cached<T> {
  at: number;
  value?: T;
  error?: unknown;
  inflight?: Promise<T>;
}

interface Entry {
  key: string;
  detector: MasterDetector;
  client: MesosOperatorClient;
  credentials?: Credentials;
  tls?: TlsOptions;
  owners: Set<string>;
  frameworks: Cached<GetFrameworks>;
  tasks: Cached<GetTasks>;
  /** For the TEARDOWN, by protocol (the leading master's URL decides). */
  agents: { http?: http.Agent; https?: http.Agent };
}

/** How to reach one SchedulerHA's masters, from its spec and Secrets. */
export interface MesosAccess {
  /** HTTP basic auth (spec.mesos.principal + credentialsSecret). */
  credentials?: Credentials;
  /** ZooKeeper digest credentials for a zk:// master (spec.mesos.zkCredentialsSecret). */
  zkAuth?: { user: string; password: string };
  /** spec.mesos.tls: https for ZooKeeper-named and host:port masters, with its CA / client certificate if any (PEM,
   * checked when an entry is made for it; `source` names where each part came from, for the error). */
  tls?: { pem: TlsPem; source: { ca: string; cert: string } };
}

export interface MesosPoolOptions {
  logger?: Logger;
  /** Cache lifetime of GET_FRAMEWORKS / GET_TASKS answers (default 1000 ms). */
  maxAgeMs?: number;
  /** Bound on one operator call, retries included (default 10 s). */
  callTimeoutMs?: number;
  onCall?: (call: string, result: 'ok' | 'error') => void;
  /** How long an observation waits for the master before answering with what it has (default 2 s): the call goes
   * on, and `onLate` names the owners to look again once it is answered. A master that hangs must not hold the
   * reconcile workers every tenant shares. */
  waitMs?: number;
  onLate?: (owners: string[]) => void;
}

function view(f: MasterFramework): FrameworkView {
  const secs = (t?: { nanoseconds: number }) => (t ? t.nanoseconds / 1e9 : undefined);
  const r = secs(f.registered_time);
  const rr = secs(f.reregistered_time);
  return {
    id: f.framework_info.id?.value ?? '',
    name: f.framework_info.name,
    connected: f.connected,
    active: f.active,
    recovered: f.recovered,
    ...(r !== undefined ? { registeredSeconds: r } : {}),
    ...(rr !== undefined ? { reregisteredSeconds: rr } : {}),
  };
}

export class MesosPool {
  private readonly entries = new Map<string, Entry>();
  private readonly byOwner = new Map<string, Entry>();
  private readonly log: Logger;

  constructor(private readonly opts: MesosPoolOptions = {}) {
    this.log = (opts.logger ?? silentLogger).child({ component: 'mesos-pool' });
  }

  /** Registers `owner` as a user of `master` (switching master or access releases the previous entry). */
  acquire(owner: string, master: string, access: MesosAccess = {}): void {
    const { credentials, zkAuth, tls } = access;
    const key = JSON.stringify([master, credentials ?? null, zkAuth ?? null, tls ? [String(tls.pem.ca ?? ''), String(tls.pem.cert ?? ''), String(tls.pem.key ?? '')] : null]);
    const cur = this.byOwner.get(owner);
    if (cur?.key === key) return;
    let e = this.entries.get(key);
    if (!e) {
      const parsed = parseMesosMaster(master, { tls: !!tls });
      if (!parsed.ok) throw new SchedulerHAError('InvalidMesosMaster', parsed.error);
      // Checked once per entry, not on every observation: the entry is keyed by the PEM itself.
      const checked = tls ? mesosTlsOptions(tls.pem, tls.source) : undefined;
      const tlsOptions = checked && Object.keys(checked).length ? checked : undefined;
      const detector = createMasterDetector(withZkAuth(parsed.value, zkAuth), { logger: this.log, scheme: tls ? 'https' : 'http', ...(tlsOptions ? { tls: tlsOptions } : {}) });
      detector.start();
      const client = new MesosOperatorClient({ detector, ...(credentials ? { credentials } : {}), ...(tlsOptions ? { tls: tlsOptions } : {}), timeoutMs: this.opts.callTimeoutMs ?? 10_000, logger: this.log });
      e = { key, detector, client, ...(credentials ? { credentials } : {}), ...(tlsOptions ? { tls: tlsOptions } : {}), owners: new Set(), frameworks: { at: 0 }, tasks: { at: 0 }, agents: {} };
      this.entries.set(key, e);
    }
    if (cur) this.release(owner);
    e.owners.add(owner);
    this.byOwner.set(owner, e);
  }

  release(owner: string): void {
    const e = this.byOwner.get(owner);
    if (!e) return;
    this.byOwner.delete(owner);
    e.owners.delete(owner);
    if (e.owners.size === 0) void this.close(e);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => this.close(e)));
    this.byOwner.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Observes `frameworkId` / `frameworkName` on the leading master of `owner`'s Mesos. Without a framework id
   * (none stored yet) only disconnected frameworks with the name count as zombies: a connected one may be our own
   * leader's, registered a moment before it stored the id. Never throws. */
  async observe(owner: string, q: { frameworkId?: string; frameworkName: string; tasks: boolean; maxAgeMs?: number; signal?: AbortSignal }): Promise<MesosObservation> {
    const e = this.byOwner.get(owner);
    const fetchedAt = Date.now();
    if (!e) return { state: 'error', error: 'no Mesos master configured', zombies: [], fetchedAt };
    try {
      const fw = await this.cached(e, 'frameworks', () => e.client.getFrameworks(q.signal), q.maxAgeMs);
      const out: MesosObservation = { state: 'ok', zombies: [], fetchedAt, ...((e.client.lastAnsweredBy ?? e.detector.leader?.url) ? { masterUrl: e.client.lastAnsweredBy ?? e.detector.leader!.url } : {}) };
      for (const f of fw.frameworks ?? []) {
        const v = view(f);
        if (q.frameworkId && v.id === q.frameworkId) out.framework = v;
        // Case-insensitively: pods choose a scheduler by the lower-cased name, so "kubernetes" competes for the pods
        // of "Kubernetes".
        else if (v.name.toLowerCase() === q.frameworkName.toLowerCase() && (q.frameworkId || !v.connected)) out.zombies.push(v);
      }
      if (out.framework?.recovered) out.recovering = true;
      if (q.frameworkId && !out.framework) {
        if ((fw.completed_frameworks ?? []).some((f) => f.framework_info.id?.value === q.frameworkId)) out.removed = true;
        // Older masters listed recovered frameworks apart.
        else if ((fw.recovered_frameworks ?? []).some((f) => f.id?.value === q.frameworkId)) out.recovering = true;
      }
      if (q.tasks && q.frameworkId && out.framework) {
        const t = await this.cached(e, 'tasks', () => e.client.getTasks(q.signal), q.maxAgeMs);
        const byState: Record<string, number> = {};
        let total = 0;
        for (const list of [t.tasks ?? [], t.unreachable_tasks ?? [], t.pending_tasks ?? []]) {
          for (const task of list) {
            if (task.framework_id?.value !== q.frameworkId) continue;
            total++;
            byState[task.state] = (byState[task.state] ?? 0) + 1;
          }
        }
        out.tasks = { total, byState };
      }
      return out;
    } catch (err) {
      return { state: 'error', error: errorMessage(err), zombies: [], fetchedAt };
    }
  }

  /** Sends the operator API TEARDOWN for `frameworkId` to the leading master. 'not-found': the master does not
   * know the framework (already removed). */
  async teardown(owner: string, frameworkId: string, signal?: AbortSignal): Promise<'torn-down' | 'not-found'> {
    const e = this.byOwner.get(owner);
    if (!e) throw new SchedulerHAError('NoMesosMaster', 'no Mesos master configured');
    const leader = await e.detector.waitForLeader(signal, this.opts.callTimeoutMs ?? 10_000);
    let url = new URL(`${leader.url}/api/v1`);
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (e.credentials) headers.Authorization = basicAuthHeader(e.credentials);
    const body = JSON.stringify({ type: 'TEARDOWN', teardown: { framework_id: { value: frameworkId } } });
    for (let hop = 0; hop < 5; hop++) {
      const tls = url.protocol === 'https:';
      const agent = tls ? (e.agents.https ??= createAgent(true, true, 2, e.tls)) : (e.agents.http ??= createAgent(false, true, 2));
      const res = await request({ method: 'POST', url, headers, body, agent, timeoutMs: this.opts.callTimeoutMs ?? 10_000, ...(signal ? { signal } : {}) });
      if (res.status === 307 && res.headers.location) {
        url = resolveLocation(res.headers.location, url);
        continue;
      }
      const text = res.body.toString('utf8').trim();
      if (res.status === 200) {
        this.opts.onCall?.('TEARDOWN', 'ok');
        e.frameworks.at = 0;
        return 'torn-down';
      }
      if (res.status === 400 && /no framework found/i.test(text)) {
        this.opts.onCall?.('TEARDOWN', 'ok');
        return 'not-found';
      }
      this.opts.onCall?.('TEARDOWN', 'error');
      throw new SchedulerHAError('TeardownFailed', `TEARDOWN of framework ${frameworkId} at ${baseUrlOf(url)} answered ${res.status}: ${text.slice(0, 300)}`);
    }
    throw new SchedulerHAError('TeardownFailed', `TEARDOWN of framework ${frameworkId}: too many redirects`);
  }

  private async cached<K extends 'frameworks' | 'tasks'>(e: Entry, which: K, fetch: () => Promise<K extends 'frameworks' ? GetFrameworks : GetTasks>, maxAgeMs?: number): Promise<K extends 'frameworks' ? GetFrameworks : GetTasks> {
    type T = K extends 'frameworks' ? GetFrameworks : GetTasks;
    const c = e[which] as Cached<T>;
    const age = Date.now() - c.at;
    // 0 asks for an answer from now (a Teardown's judgement): no stale one, however long the call takes.
    const fresh = maxAgeMs === 0;
    if (c.inflight) return await this.bounded(e, c, c.inflight, fresh);
    if (age < (maxAgeMs ?? this.opts.maxAgeMs ?? 1000)) { // 0: never from the cache
      if (c.error) throw c.error;
      if (c.value) return c.value;
    }
    const call = which === 'frameworks' ? 'GET_FRAMEWORKS' : 'GET_TASKS';
    // The call is over for everyone as its answer is stored: a caller right after must start the next one, not be
    // handed this settled promise.
    const inflight: Promise<T> = fetch().then(
      (v) => {
        c.value = v;
        c.error = undefined;
        c.at = Date.now();
        if (c.inflight === inflight) c.inflight = undefined;
        this.opts.onCall?.(call, 'ok');
        return v;
      },
      (err: unknown) => {
        c.error = err;
        c.value = undefined;
        c.at = Date.now();
        if (c.inflight === inflight) c.inflight = undefined;
        this.opts.onCall?.(call, 'error');
        throw err;
      },
    );
    c.inflight = inflight;
    inflight.catch(() => undefined); // awaited by bounded(); a caller that stopped waiting must not leave it unhandled
    return await this.bounded(e, c, inflight, fresh);
  }

  /** `inflight`'s answer if it comes within waitMs — at once, when the last call failed (the master may hang) —
   * else the last answer (a master merely slow under load keeps the status as it was, instead of flipping it to
   * Unknown and back; the resource's own requeue looks again), or the last error or a "not answered yet", and then
   * the owners are told when the answer comes. `fresh`: the answer itself, however long it takes. */
  private async bounded<T>(e: Entry, c: Cached<T>, inflight: Promise<T>, fresh: boolean): Promise<T> {
    if (fresh) return await inflight;
    const waitMs = c.error ? 0 : (this.opts.waitMs ?? 2000);
    let timer: NodeJS.Timeout | undefined;
    const late = Symbol('late');
    const r = await Promise.race([inflight, new Promise<typeof late>((resolve) => (timer = setTimeout(() => resolve(late), waitMs)))]).finally(() => clearTimeout(timer));
    if (r !== late) return r;
    // Waking the owners after a stale answer would have them start the next call at once, every few seconds, on a
    // master already slow.
    if (c.value) return c.value;
    const notify = () => this.opts.onLate?.([...e.owners]);
    inflight.then(notify, notify);
    if (c.error) throw c.error;
    // Without a leader yet, what detection met says why (masters refusing, TLS failing) better than the wait.
    const problem = e.detector.leader ? undefined : e.detector.lastProblem;
    throw new SchedulerHAError('MesosSlow', problem ? `no leading Mesos master found within ${waitMs} ms (${problem}); still trying` : `the Mesos master has not answered within ${waitMs} ms (the call goes on, for up to ${this.opts.callTimeoutMs ?? 10_000} ms)`);
  }

  private async close(e: Entry): Promise<void> {
    this.entries.delete(e.key);
    e.client.close();
    e.agents.http?.destroy();
    e.agents.https?.destroy();
    await e.detector.stop().catch(() => undefined);
  }
}
