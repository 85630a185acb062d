// Task reconciliation, as the Mesos docs prescribe (docs/reconciliation.md; reference §2.3) and as k8sm and
// Marathon did not: after every SUBSCRIBED, explicit reconciliation of every live registry task (with its agent
// id), truncated exponential back-off, and a RE-SEND for tasks not heard from since the run started; one run at a
// time (a new run cancels the old one); then implicit reconciliation. Every run is bounded by a timeout so the
// scheduler never stays "reconciling" forever (Mesos may stay silent for tasks on agents that have not
// re-registered after a master failover, up to 10 minutes); stragglers are reported and asked again on the next
// periodic tick. A RECONCILE call that fails (timeout, connection, 5xx) is a silent round, not the end of the run:
// its tasks are still pending and are re-sent after the back-off. Stragglers are kept until each is heard from —
// a later run over other tasks does not forget them.
//
// The algorithm only decides *what to send when*. Sending is injected (`send`), updates are reported with
// `heard(taskId)`, and time is injected, so tests drive it without a master.
import type { ReconcileProgress } from '../api/leader-status.js';
import { silentLogger, type Logger } from '../util/log.js';
import { timerMs } from '../util/time.js';

export interface ReconcileTarget {
  taskId: string;
  agentId?: string;
}

export interface ReconcilerOptions {
  /** Sends one RECONCILE call: explicit for `tasks`, implicit when `tasks` is undefined. */
  send: (tasks: ReconcileTarget[] | undefined, signal: AbortSignal) => Promise<void>;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Bound on the explicit phase of one run. */
  timeoutMs: number;
  /** Tasks per RECONCILE call (the master handles large calls, but bounded bodies keep latency flat). */
  batchSize?: number;
  now?: () => number;
  onProgress?: (p: ReconcileProgress) => void;
  logger?: Logger;
}

const target = (taskId: string, agentId: string | undefined): ReconcileTarget => (agentId ? { taskId, agentId } : { taskId });

interface Run {
  n: number;
  abort: AbortController;
  pending: Set<string>;
  targets: Map<string, string | undefined>;
  /** The explicit phase is over (tasks included after this are asked once and left to the periodic tick). */
  explicitDone: boolean;
  wake: () => void;
  done: Promise<ReconcileProgress>;
}

export class Reconciler {
  private readonly now: () => number;
  private readonly batchSize: number;
  private readonly log: Logger;
  private run_: Run | undefined;
  private runs = 0;
  /** Tasks a timed-out run never heard from (task id → agent id), until an update for each arrives. */
  private readonly stragglers = new Map<string, string | undefined>();
  private last: ReconcileProgress = { phase: 'idle', run: 0, total: 0, remaining: 0, requests: 0 };
  private stopped = false;

  constructor(private readonly opts: ReconcilerOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.batchSize = opts.batchSize ?? 5000;
    this.log = opts.logger ?? silentLogger;
  }

  /** Every UPDATE for a task (agent update or reconciliation answer) counts as hearing from it. */
  heard(taskId: string): void {
    this.stragglers.delete(taskId);
    const r = this.run_;
    if (r && r.pending.delete(taskId) && r.pending.size === 0) r.wake();
  }

  progress(): ReconcileProgress {
    const r = this.run_;
    if (r) return { ...this.last, remaining: r.pending.size };
    return { ...this.last };
  }

  get running(): boolean {
    return this.run_ !== undefined;
  }

  /** Starts a run over `targets` (cancelling any run in progress) and resolves when it ends. */
  start(targets: ReconcileTarget[]): Promise<ReconcileProgress> {
    if (this.stopped) return Promise.resolve(this.progress());
    this.cancel();
    const n = ++this.runs;
    const abort = new AbortController();
    let wake: () => void = () => undefined;
    const run: Run = {
      n,
      abort,
      pending: new Set(targets.map((t) => t.taskId)),
      targets: new Map(targets.map((t) => [t.taskId, t.agentId])),
      explicitDone: false,
      wake: () => wake(),
      done: Promise.resolve(undefined as unknown as ReconcileProgress),
    };
    const setWake = (f: () => void) => {
      wake = f;
    };
    this.run_ = run;
    run.done = this.execute(run, setWake).finally(() => {
      if (this.run_ === run) this.run_ = undefined;
    });
    return run.done;
  }

  /**
   * Reconciles `targets` now without cancelling the run in progress (after a master failover that run can take
   * minutes, and a launch stuck before RUNNING must not wait for it): they join the run — asked at once, then
   * re-sent with its other pending tasks until heard. With no run going, a run over them starts.
   */
  include(targets: ReconcileTarget[]): void {
    if (this.stopped) return;
    const r = this.run_;
    if (!r) {
      void this.start(targets);
      return;
    }
    const fresh = targets.filter((t) => !r.pending.has(t.taskId));
    if (!fresh.length) return;
    for (const t of fresh) {
      this.stragglers.delete(t.taskId);
      if (r.explicitDone) this.stragglers.set(t.taskId, t.agentId);
      else {
        r.pending.add(t.taskId);
        r.targets.set(t.taskId, t.agentId);
      }
    }
    this.opts.send(fresh, r.abort.signal).catch((err: unknown) => {
      if (!r.abort.signal.aborted) this.log.warn({ err, run: r.n, tasks: fresh.length }, 'RECONCILE for tasks added to the run failed; re-sent with its next round');
    });
  }

  /** The periodic tick: explicit for last run's stragglers if any, else implicit. Skipped while a run is going
   * (the run ends with an implicit pass anyway). */
  async tick(): Promise<void> {
    if (this.stopped || this.run_) return;
    if (this.stragglers.size) {
      await this.start([...this.stragglers].map(([taskId, agentId]) => target(taskId, agentId)));
      return;
    }
    const abort = new AbortController();
    try {
      await this.opts.send(undefined, abort.signal);
      this.emit({ ...this.last, phase: this.last.phase === 'idle' ? 'idle' : this.last.phase, requests: this.last.requests + 1 });
    } catch (err) {
      this.log.warn({ err }, 'periodic implicit reconciliation failed');
    }
  }

  cancel(): void {
    const r = this.run_;
    if (r) {
      r.abort.abort();
      r.wake();
      this.run_ = undefined;
    }
  }

  /** Ends this reconciler for good (loss of leadership). */
  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  private emit(p: ReconcileProgress): void {
    this.last = p;
    this.opts.onProgress?.(p);
  }

  /** One round of explicit calls. A failed call ends the round (its tasks and the rest stay pending, so the next
   * round re-sends them after the back-off); it does not end the run. */
  private async sendExplicit(run: Run, ids: string[]): Promise<number> {
    let calls = 0;
    for (let i = 0; i < ids.length; i += this.batchSize) {
      if (run.abort.signal.aborted) break;
      const batch = ids.slice(i, i + this.batchSize).map((id) => target(id, run.targets.get(id)));
      calls++;
      try {
        await this.opts.send(batch, run.abort.signal);
      } catch (err) {
        if (!run.abort.signal.aborted) this.log.warn({ err, run: run.n, tasks: batch.length, remaining: run.pending.size }, 'explicit RECONCILE call failed; re-sending after the back-off');
        break;
      }
    }
    return calls;
  }

  private async execute(run: Run, setWake: (f: () => void) => void): Promise<ReconcileProgress> {
    const startedAt = new Date();
    const t0 = this.now();
    let requests = 0;
    // `total` grows when tasks are included into the run.
    const base = () => ({ run: run.n, startedAt: startedAt.toISOString(), total: run.targets.size });
    const finish = (phase: ReconcileProgress['phase']): ReconcileProgress => {
      const p: ReconcileProgress = { ...base(), phase, remaining: run.pending.size, requests, completedAt: new Date().toISOString(), durationSeconds: (this.now() - t0) / 1000 };
      if (!run.abort.signal.aborted || phase === 'cancelled') this.emit(p);
      return p;
    };
    try {
      this.emit({ ...base(), phase: 'explicit', remaining: run.pending.size, requests });
      let backoff = this.opts.initialBackoffMs;
      const deadline = t0 + this.opts.timeoutMs;
      while (run.pending.size > 0) {
        if (run.abort.signal.aborted) return finish('cancelled');
        // Re-send for every task not heard from since the run started (the first round sends all of them).
        requests += await this.sendExplicit(run, [...run.pending]);
        this.emit({ ...base(), phase: 'explicit', remaining: run.pending.size, requests });
        const left = deadline - this.now();
        if (left <= 0) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timerMs(Math.min(backoff, left)));
          setWake(() => {
            clearTimeout(timer);
            resolve();
          });
          if (run.pending.size === 0 || run.abort.signal.aborted) {
            clearTimeout(timer);
            resolve();
          }
        });
        backoff = Math.min(backoff * 2, this.opts.maxBackoffMs);
        if (this.now() >= deadline && run.pending.size > 0) break;
      }
      if (run.abort.signal.aborted) return finish('cancelled');
      run.explicitDone = true;
      const timedOut = run.pending.size > 0;
      for (const id of run.pending) this.stragglers.set(id, run.targets.get(id));
      if (timedOut) this.log.warn({ remaining: run.pending.size, total: run.targets.size }, 'explicit reconciliation timed out; the silent tasks are asked again on the next periodic tick');
      this.emit({ ...base(), phase: 'implicit', remaining: run.pending.size, requests });
      requests++;
      try {
        await this.opts.send(undefined, run.abort.signal);
      } catch (err) {
        if (run.abort.signal.aborted) return finish('cancelled');
        // The explicit phase is settled; the periodic tick sends the implicit call again.
        this.log.warn({ err, run: run.n }, 'implicit RECONCILE call failed; the periodic tick sends it again');
      }
      return finish(timedOut ? 'timed-out' : 'complete');
    } catch (err) {
      if (run.abort.signal.aborted) return finish('cancelled');
      this.log.warn({ err }, 'reconciliation run failed');
      throw err;
    }
  }
}
