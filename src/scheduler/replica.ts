// A scheduler replica: standby → leader → stepped down → standby, driven by the etcd election (--ha), or its own
// leader without it. It owns the process-wide pieces (etcd client, master detector, HTTP probes, metrics) and
// starts one LeaderTerm per term. Loss of leadership, for any reason, stops the term's Mesos client first.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Etcd3 } from 'etcd3';
import { keyLayout, type KeyLayout } from '../api/keys.js';
import type { SchedulerConfig } from '../api/flags.js';
import { parseMesosMaster, withZkAuth } from '../api/addresses.js';
import { parseCandidateIdentity, parseExecutorHashRecord, type CandidateIdentity } from '../api/leader-status.js';
import { createEtcdClient, Candidate, LeaderObserver, cancelWatcher, followKeys, trackWatcher, type Leadership, type Term, type TxnRequest, type TxnResult, type LeaderView } from '../election/index.js';
import { toEtcdCompare, toEtcdOp, fromEtcdResponse } from '../election/txn-ops.js';
import { createMasterDetector } from '../mesos/detector.js';
import type { MasterDetector } from '../mesos/detector-base.js';
import type { Credentials, TlsOptions } from '../mesos/http.js';
import { mesosTlsOptions } from '../mesos/tls.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { monotonicMs } from '../util/time.js';
import { ProbeServer } from '../util/probe-server.js';
import { executorIdentity, replicaIdentity, type ExecutorIdentity } from './framework.js';
import { RegistryMirror } from './registry-mirror.js';
import { LeaderTerm, type LeaderWriter, type TermContext, type TermOutcome } from './leader-term.js';
import { SchedulerMetrics } from './metrics.js';
import { IdleTaskManager, type TaskManagerFactory } from './task-manager.js';
import { decideExecutorHash, failoverRequestApplies } from './takeover.js';

export type Role = 'starting' | 'standby' | 'leader' | 'refused' | 'stopping';

export interface ReplicaOptions {
  config: SchedulerConfig;
  logger: Logger;
  taskManager?: TaskManagerFactory;
  /** Test hooks: faster Mesos backoff etc. */
  mesosClient?: { backoff?: { initialMs?: number; maxMs?: number }; callTimeoutMs?: number };
  statusIntervalMs?: number;
  /** Pause after a term ends before campaigning again (default 1000 ms). */
  rejoinDelayMs?: number;
  /** The replica cannot go on and stopped itself (without --ha: another scheduler took the framework over). The
   * command exits non-zero. */
  onFatal?: (reason: string, message: string) => void;
}

/** Without --ha: leader-only writes go straight to etcd (there is no term to fence by). */
export class PlainWriter implements LeaderWriter {
  constructor(private readonly client: Etcd3) {}

  async txn(req: TxnRequest): Promise<TxnResult> {
    const success = req.success ?? [];
    const failure = req.failure ?? [];
    // 'session' leases belong to an election term; without one, the key simply has no lease.
    const strip = (ops: typeof success) => ops.map((o) => ('put' in o && o.put.lease === 'session' ? { put: { key: o.put.key, value: o.put.value } } : o));
    const s = strip(success);
    const f = strip(failure);
    const res = await this.client.kv.txn(
      { compare: (req.compare ?? []).map(toEtcdCompare), success: s.map((o) => toEtcdOp(o)), failure: f.map((o) => toEtcdOp(o)) },
      { deadline: new Date(Date.now() + 10_000) },
    );
    const branch = res.succeeded ? s : f;
    return { succeeded: res.succeeded, revision: String(res.header.revision), results: branch.map((op, i) => fromEtcdResponse(op, res.responses[i], String(res.header.revision))) };
  }

  async put(key: string, value: string): Promise<unknown> {
    return this.txn({ success: [{ put: { key, value } }] });
  }
}

/** Pause between stepping down and reloading the standby's registry mirror. */
const MIRROR_RESTART_DELAY_MS = 2000;

/** A voluntary hand-off waits at most this long for the Mesos calls already sent to be answered. */
const HANDOVER_DRAIN_MS = 1000;

export class Replica {
  readonly keys: KeyLayout;
  readonly metrics: SchedulerMetrics;
  readonly identity: CandidateIdentity;
  readonly executor: ExecutorIdentity;
  private readonly log: Logger;
  private readonly client: Etcd3;
  private readonly detector: MasterDetector;
  private readonly credentials: Credentials | undefined;
  private readonly mesosTls: TlsOptions | undefined;
  private probe: ProbeServer | undefined;
  private candidate: Candidate | undefined;
  private observer: LeaderObserver | undefined;
  private lastOtherLeaderTerm: string | undefined;
  private term: LeaderTerm | undefined;
  /** While standing by: a warm copy of the task registry for the next take-over (HA only). */
  private mirror: RegistryMirror | undefined;
  private leadership: Leadership | undefined;
  private role_: Role = 'starting';
  private refusal: { reason: string; message: string } | undefined;
  private stopping = false;
  private readonly stopAc = new AbortController();
  /** The leadership failover() is handing over (its term quiesced, the resign to follow). */
  private handingOver: Leadership | undefined;
  /** Campaign attempts failing in a row (an etcd outage): for one log line a minute instead of one per attempt. */
  private campaignFailures: { since: number; count: number; loggedAt: number } | undefined;
  private refusedWatch: Promise<void> | undefined;
  private failoverWatchCancel: (() => void) | undefined;
  private singleTerm: Promise<void> | undefined;
  private lastOutcome: TermOutcome | undefined;
  /** Our key is in the election (queued or leading) and the last campaign attempt did not fail. */
  private joined = false;

  constructor(private readonly opts: ReplicaOptions) {
    const c = opts.config;
    this.keys = keyLayout(c.etcdPrefix, c.frameworkName);
    this.executor = executorIdentity(c);
    const id = replicaIdentity(c);
    this.identity = {
      id,
      incarnation: randomUUID(),
      host: hostname(),
      ...(process.env.POD_NAME ? { pod: process.env.POD_NAME } : {}),
      ...(process.env.POD_NAME && process.env.POD_NAMESPACE ? { namespace: process.env.POD_NAMESPACE } : {}),
      executorHash: this.executor.hash,
    };
    this.log = opts.logger.child({ framework: c.frameworkName, identity: id });
    this.metrics = new SchedulerMetrics({ framework: c.frameworkName });
    // The pod informer runs on standbys too, and its cache is what the next term starts from.
    if (opts.taskManager?.informerStats) this.metrics.watchInformers([opts.taskManager.informerStats]);
    if (opts.taskManager?.eventStats) this.metrics.watchEvents(opts.taskManager.eventStats);
    this.client = createEtcdClient({
      endpoints: c.etcdServers,
      ...(c.etcdCaFile || c.etcdCertFile || c.etcdKeyFile ? { tls: { ...(c.etcdCaFile ? { caFile: c.etcdCaFile } : {}), ...(c.etcdCertFile ? { certFile: c.etcdCertFile } : {}), ...(c.etcdKeyFile ? { keyFile: c.etcdKeyFile } : {}) } } : {}),
      ...(c.etcdUsername ? { auth: { username: c.etcdUsername, password: c.etcdPasswordFile ? readFileSync(c.etcdPasswordFile, 'utf8').trim() : '' } } : {}),
    });
    const master = parseMesosMaster(c.mesosMaster, { tls: c.mesosTls });
    if (!master.ok) throw new Error(`--mesos-master: ${master.error}`);
    const zkAuth = c.zkUsername ? { user: c.zkUsername, password: c.zkPasswordFile ? readFileSync(c.zkPasswordFile, 'utf8').trim() : '' } : undefined;
    this.mesosTls = c.mesosCaFile || c.mesosCertFile ? mesosTlsOptions({ ...(c.mesosCaFile ? { ca: readFileSync(c.mesosCaFile) } : {}), ...(c.mesosCertFile ? { cert: readFileSync(c.mesosCertFile) } : {}), ...(c.mesosKeyFile ? { key: readFileSync(c.mesosKeyFile) } : {}) }, { ca: `--mesos-cafile ${c.mesosCaFile}`, cert: `--mesos-certfile ${c.mesosCertFile}` }) : undefined;
    this.detector = createMasterDetector(withZkAuth(master.value, zkAuth), { logger: this.log.child({ component: 'detector' }), scheme: c.mesosTls ? 'https' : 'http', ...(this.mesosTls ? { tls: this.mesosTls } : {}) });
    this.credentials = c.mesosPrincipal && c.mesosSecretFile ? { principal: c.mesosPrincipal, secret: readFileSync(c.mesosSecretFile, 'utf8').trim() } : undefined;
  }

  get role(): Role {
    return this.role_;
  }

  get url(): string | undefined {
    return this.probe?.url;
  }

  async start(): Promise<void> {
    const c = this.opts.config;
    const host = c.address ?? process.env.POD_IP ?? '127.0.0.1';
    this.probe = await ProbeServer.start({
      host,
      port: c.port,
      logger: this.log,
      live: () => ({ ok: !this.stopping || this.role_ === 'stopping' }),
      ready: () => this.readiness(),
      metrics: async () => ({ contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() }),
      routes: { '/status': () => this.status() },
    });
    this.identity.url = this.probe.url;
    this.log.info({ url: this.probe.url, executorHash: this.executor.hash, executorId: this.executor.executorId, ha: c.ha }, 'http listening');
    this.detector.start();
    if (!c.ha) {
      this.role_ = 'leader';
      this.singleTerm = this.runSingle();
      return;
    }
    this.observer = new LeaderObserver(this.client, this.keys.electionPrefix, { logger: this.log }).start(this.stopAc.signal);
    // The last leader seen that was not us: a term we win after it is a take-over (failovers_total). At our own
    // election the observer usually shows us already, so it is remembered as it goes by, not read then.
    this.observer.on('change', (view) => {
      if (view.state === 'leader' && view.value !== JSON.stringify(this.identity)) this.lastOtherLeaderTerm = view.term.createRevision;
    });
    this.mirror = new RegistryMirror(this.client, this.keys.tasksPrefix, { logger: this.log });
    this.mirror.start();
    await this.campaignWhenCompatible();
  }

  // ---- HA --------------------------------------------------------------------------------------------------

  /** Campaigns unless the last leader's executor hash is incompatible with ours (then waits, without blocking the
   * election for compatible replicas, until the hash keys change). */
  private async campaignWhenCompatible(): Promise<void> {
    if (this.stopping) return;
    const check = await this.hashCheck().catch((err: unknown) => {
      this.log.warn({ err: errorMessage(err) }, 'could not read the executor-hash keys; campaigning anyway (the leader re-checks)');
      return { ok: true } as const;
    });
    if (!check.ok) {
      this.enterRefused(check);
      return;
    }
    this.refusal = undefined;
    this.startCandidate();
  }

  private async hashCheck(): Promise<ReturnType<typeof decideExecutorHash>> {
    const [stored, desired] = await Promise.all([this.client.get(this.keys.executorHash).string(), this.client.get(this.keys.desiredExecutorHash).string()]);
    return decideExecutorHash(this.executor, parseExecutorHashRecord(stored), parseExecutorHashRecord(desired), this.keys);
  }

  private startCandidate(): void {
    const c = this.opts.config;
    const cand = new Candidate({
      client: this.client,
      electionPrefix: this.keys.electionPrefix,
      ttlSeconds: c.leaseTtlSeconds,
      value: () => JSON.stringify(this.identity),
      logger: this.log,
      ...(this.opts.rejoinDelayMs !== undefined ? { rejoinDelayMs: this.opts.rejoinDelayMs } : {}),
    });
    this.candidate = cand;
    this.role_ = 'standby';
    cand.on('elected', (term, leadership) => this.onElected(term, leadership));
    cand.on('lost', (term, reason) => this.onLost(term, reason));
    cand.on('queued', () => {
      this.joined = true;
      if (this.campaignFailures) this.log.info({ attempts: this.campaignFailures.count, failingSeconds: Math.round((Date.now() - this.campaignFailures.since) / 1000) }, 'campaigning again after failed attempts');
      this.campaignFailures = undefined;
    });
    cand.on('campaign-error', (err) => {
      this.joined = false;
      // An etcd outage fails an attempt every few seconds: the first failure, then one line a minute with the count.
      const now = Date.now();
      const f = (this.campaignFailures ??= { since: now, count: 0, loggedAt: 0 });
      f.count++;
      this.metrics.campaignFailures.inc();
      if (now - f.loggedAt < 60_000) return;
      f.loggedAt = now;
      this.log.warn({ err: errorMessage(err), attempts: f.count, failingSeconds: Math.round((now - f.since) / 1000) }, 'campaign attempt failed; retrying');
    });
    cand.start(this.stopAc.signal);
  }

  private onElected(term: Term, leadership: Leadership): void {
    if (this.stopping) {
      void leadership.resign();
      return;
    }
    this.leadership = leadership;
    this.joined = true;
    this.role_ = 'leader';
    this.metrics.leader.set(1);
    this.metrics.leadershipTransitions.inc();
    if (this.lastOtherLeaderTerm !== undefined && this.lastOtherLeaderTerm !== term.createRevision) this.metrics.failovers.inc();
    this.lastOtherLeaderTerm = undefined;
    this.log.info({ term: term.createRevision, lease: term.leaseIdHex }, 'elected leader');
    const ctx: TermContext = {
      term: term.createRevision,
      leaseId: term.leaseId,
      writer: leadership.store,
      isLeader: () => leadership.isLeader && !this.stopping,
      stepDown: (reason) => {
        this.log.warn({ reason }, 'stepping down');
        void leadership.resign();
      },
      startedAt: leadership.electedAt,
    };
    const lt = new LeaderTerm(this.termDeps(), ctx);
    this.term = lt;
    this.watchFailoverRequests(leadership);
    void lt.start().then((outcome) => this.onTermOutcome(lt, leadership, outcome));
  }

  private onTermOutcome(lt: LeaderTerm, leadership: Leadership, outcome: TermOutcome): void {
    this.lastOutcome = outcome;
    if (outcome.kind === 'refused') {
      // Another replica may be compatible: step aside and wait for the hash keys to change.
      void leadership.resign();
      this.enterRefused({ ok: false, reason: outcome.reason, message: outcome.message });
      return;
    }
    // A term that ended on its own (it failed, or hit a conflict) while we still hold the election key would
    // leave the framework without a scheduler: a leader that does not act. Resign, so a standby (or this
    // replica, campaigning again) starts a fresh term.
    if (this.term === lt && this.leadership === leadership && leadership.isLeader && !this.stopping && this.handingOver !== leadership) {
      this.log.warn({ outcome: outcome.kind }, 'the leader term ended while this replica still leads; resigning so a fresh term takes over');
      void leadership.resign();
    }
  }

  private onLost(term: Term, reason: string): void {
    // Stop acting first: the Mesos client stops synchronously inside halt.
    const lt = this.term;
    this.term = undefined;
    this.leadership = undefined;
    this.failoverWatchCancel?.();
    this.failoverWatchCancel = undefined;
    if (lt) void lt.stop();
    this.metrics.standDown();
    this.metrics.leadershipLosses.inc({ reason });
    if (this.role_ === 'leader') this.role_ = this.stopping ? 'stopping' : 'standby';
    // Warm again for the next take-over — after a pause, so the reload does not compete with the successor's
    // own take-over reads in etcd.
    if (!this.stopping && this.mirror) {
      const m = this.mirror;
      setTimeout(() => !this.stopping && !this.leadership && m.start(), MIRROR_RESTART_DELAY_MS).unref();
    }
    this.log.warn({ term: term.createRevision, reason }, 'leadership lost; standing by');
  }

  private enterRefused(r: { ok: false; reason: string; message: string }): void {
    this.refusal = { reason: r.reason, message: r.message };
    this.role_ = 'refused';
    this.log.error({ reason: r.reason }, r.message);
    const cand = this.candidate;
    this.candidate = undefined;
    this.joined = false;
    if (cand) void cand.stop({ resign: true });
    this.refusedWatch ??= this.waitForHashKeys().finally(() => {
      this.refusedWatch = undefined;
    });
  }

  /** While refused: watch the executor-hash keys and campaign once the decision allows it. */
  private async waitForHashKeys(): Promise<void> {
    while (!this.stopping) {
      const head = await this.client.get(this.keys.executorHash).exec().catch(() => undefined);
      const rev = head ? String(BigInt(head.header.revision) + 1n) : undefined;
      const check = await this.hashCheck().catch(() => undefined);
      if (this.stopping) return;
      if (check?.ok) {
        this.log.info('executor-config hash now compatible; joining the election');
        this.refusal = undefined;
        this.startCandidate();
        return;
      }
      // The two hash keys only (not the root prefix, which carries every registry write of a busy leader).
      // A watch etcd cancels (compacted below `rev`) wakes the loop, which reads again and watches anew.
      const watchers = await Promise.all(
        [this.keys.executorHash, this.keys.desiredExecutorHash].map((k) => this.client.watch().key(k).startRevision(rev ?? '0').create().then(trackWatcher, () => undefined)),
      );
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => done(), 30_000);
        t.unref();
        // The stop signal lives as long as the process: each wait takes its listener off again (a replica may stay
        // refused for weeks, one wait every 30 s).
        const done = () => {
          clearTimeout(t);
          this.stopAc.signal.removeEventListener('abort', done);
          resolve();
        };
        for (const w of watchers) {
          w?.on('put', done);
          w?.on('delete', done);
          w?.on('error', done);
        }
        if (this.stopAc.signal.aborted) done();
        else this.stopAc.signal.addEventListener('abort', done, { once: true });
      });
      await Promise.all(watchers.map((w) => cancelWatcher(w)));
    }
  }

  /** A new value at <root>/failover-request after we were elected asks us to resign (manual failover), unless it
   * names another term as the leader to move (the operator saw an older leader). A compaction that cancels the
   * watch loses no request (followKeys). */
  private watchFailoverRequests(leadership: Leadership): void {
    const ac = new AbortController();
    this.failoverWatchCancel = () => ac.abort();
    const term = leadership.term.createRevision;
    const onRequest = (value: string): void => {
      if (!leadership.isLeader || ac.signal.aborted) return;
      if (!failoverRequestApplies(value, term)) {
        this.log.info({ request: value, term }, 'failover request names another leader term; ignored');
        return;
      }
      this.log.warn({ request: value }, 'failover requested through etcd; resigning');
      void this.failover('failover-request');
    };
    void followKeys(this.client, [this.keys.failoverRequest], String(BigInt(leadership.electedRevision) + 1n), (p) => onRequest(p.value), ac.signal, this.log);
  }

  // ---- non-HA ----------------------------------------------------------------------------------------------

  private async runSingle(): Promise<void> {
    let restarts = 0;
    while (!this.stopping) {
      const ctx: TermContext = {
        term: 'single',
        writer: new PlainWriter(this.client),
        isLeader: () => !this.stopping,
        stepDown: (reason) => {
          this.log.warn({ reason }, 'restarting the framework connection');
          void this.term?.stop();
        },
        startedAt: monotonicMs(),
      };
      // Without the election there is nobody to hand over to: a hash change is only a warning.
      const lt = new LeaderTerm({ ...this.termDeps(), allowHashChange: true }, ctx);
      this.term = lt;
      this.metrics.leader.set(1);
      const outcome = await lt.start();
      this.lastOutcome = outcome;
      this.metrics.leader.set(0);
      if (this.stopping) break;
      if (outcome.kind === 'failed-over' && outcome.reason === 'FrameworkFailedOver') {
        // Another scheduler subscribed with our framework id. Without an election nothing decides between us:
        // taking the framework back would start a tug-of-war (each subscription failing the other over, both
        // writing the registry unfenced). Exit instead, as k8sm and its peers do; the pod's restart back-off
        // then spaces out any retry, and the log says what to fix.
        const message = `${outcome.message}. Without --ha there is no election to decide between two schedulers, so this one exits instead of taking the framework back: run the replicas with --ha, or stop the other scheduler`;
        this.log.fatal({ reason: outcome.reason }, message);
        this.opts.onFatal?.(outcome.reason, message);
        break;
      }
      restarts++;
      this.log.info({ restarts, outcome: outcome.kind }, 're-establishing the framework connection in place');
      await new Promise((r) => setTimeout(r, Math.min(5000, 200 * restarts)));
    }
  }

  // ---- actions ---------------------------------------------------------------------------------------------

  /** USR1: with --ha, resign so a standby takes over (then stand by); without, restart the Mesos connection in
   * place without unregistering — the cluster is never left without a scheduler. */
  async failover(reason = 'USR1'): Promise<void> {
    if (!this.opts.config.ha) {
      this.log.warn({ reason }, 'restarting the framework connection in place (no --ha)');
      await this.term?.stop();
      return;
    }
    const l = this.leadership;
    if (!l) {
      this.log.info({ reason }, 'failover requested but this replica is not the leader; nothing to do');
      return;
    }
    this.log.warn({ reason }, 'resigning leadership so a standby takes over');
    this.handingOver = l;
    try {
      await this.term?.quiesce(HANDOVER_DRAIN_MS);
      await this.candidate?.resign();
    } finally {
      if (this.handingOver === l) this.handingOver = undefined;
    }
  }

  /** TERM: resign (if leading) and stop everything. Never tears the framework down. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.role_ = 'stopping';
    // Before the stop signal resigns the candidate (the successor is elected on that delete).
    await this.term?.quiesce(HANDOVER_DRAIN_MS);
    this.stopAc.abort();
    const t = this.term;
    if (t) await t.stop();
    await this.candidate?.stop({ resign: true }).catch(() => undefined);
    await this.singleTerm;
    await this.observer?.stop().catch(() => undefined);
    this.mirror?.stop();
    await this.detector.stop().catch(() => undefined);
    await this.probe?.close();
    this.client.close();
  }

  // ---- status ----------------------------------------------------------------------------------------------

  private termDeps() {
    return {
      config: this.opts.config,
      client: this.client,
      keys: this.keys,
      detector: this.detector,
      identity: this.identity,
      executor: this.executor,
      metrics: this.metrics,
      logger: this.log,
      taskManager: this.opts.taskManager ?? ((svc) => new IdleTaskManager(svc)),
      ...(this.credentials ? { credentials: this.credentials } : {}),
      ...(this.mesosTls ? { tls: this.mesosTls } : {}),
      ...(this.opts.statusIntervalMs !== undefined ? { statusIntervalMs: this.opts.statusIntervalMs } : {}),
      ...(this.opts.mesosClient ? { mesosClient: this.opts.mesosClient } : {}),
      ...(this.mirror ? { mirror: () => this.mirror?.snapshot() } : {}),
    };
  }

  private readiness(): { ok: boolean; detail: unknown } {
    const c = this.opts.config;
    if (this.stopping) return { ok: false, detail: { role: this.role_ } };
    if (this.role_ === 'refused') return { ok: false, detail: { role: this.role_, ...this.refusal } };
    if (!c.ha) return { ok: !!this.term, detail: { role: this.role_, mesos: this.term?.mesosState } };
    // Ready while joined: queued behind the leader, leading, or pausing briefly before rejoining after a term —
    // not while campaign attempts fail (etcd unreachable).
    const state = this.candidate?.state;
    const ok = !!this.candidate && state !== 'stopped' && this.joined;
    return { ok, detail: { role: this.role_, election: state, joined: this.joined, mesos: this.term?.mesosState } };
  }

  status(): Record<string, unknown> {
    // The pod informer runs on standbys too, and its cache is what the next term starts from: its health (synced,
    // connected, last error, relists and reconnects) is shown whatever the role.
    const podInformer = this.opts.taskManager?.informerStats?.();
    const view: LeaderView | undefined = this.observer?.current;
    const leader = view?.state === 'leader' ? { ...(parseCandidateIdentity(view.value) ?? { raw: view.value }), term: view.term.createRevision } : view?.state === 'none' ? null : undefined;
    const rec = this.term?.statusRecord();
    return {
      role: this.role_,
      identity: this.identity.id,
      incarnation: this.identity.incarnation,
      ha: this.opts.config.ha,
      frameworkName: this.opts.config.frameworkName,
      executorHash: this.executor.hash,
      executorId: this.executor.executorId,
      election: this.candidate?.state ?? (this.opts.config.ha ? 'stopped' : 'disabled'),
      leader: leader ?? (view ? { state: view.state } : undefined),
      ...(this.refusal ? { problem: this.refusal } : {}),
      ...(rec
        ? {
            term: rec.term,
            frameworkId: rec.frameworkId,
            mesos: rec.mesos,
            masterUrl: rec.masterUrl,
            subscribedAt: rec.subscribedAt,
            reconciliation: rec.reconciliation,
            tasks: rec.tasks,
            ...(rec.problem ? { problem: rec.problem } : {}),
            taskManager: this.term?.taskManagerStatus,
          }
        : {}),
      lastTermOutcome: this.lastOutcome,
      ...(podInformer ? { podInformer } : {}),
      ...(this.mirror && !rec ? { registryMirror: { synced: this.mirror.synced, keys: this.mirror.size, rebuilds: this.mirror.rebuilds } } : {}),
    };
  }
}
