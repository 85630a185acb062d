// EventRecorder: events.k8s.io/v1 Events with a required MicroTime `eventTime` (V1MicroTime: six fractional digits,
// or the API server answers 400), reportingController/Instance, and client-go-style series and spam filtering
// (events-core.ts). Recording never throws and never blocks the caller: writes go through one ordered background
// queue (bounded; the oldest pending write is dropped when it overflows) and failures are logged and counted.
import * as k8s from '@kubernetes/client-node';
import { errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { decodeApiError } from './errors.js';
import { EventCorrelator, type CorrelatorAction, type EventBody, type EventInput, type EventType, type ObjectReference } from './events-core.js';
import { mergePatch } from './patch.js';

export type { EventInput, EventType, ObjectReference } from './events-core.js';

/** Where events go; the default writes through client-node's EventsV1Api. */
export interface EventSink {
  create(namespace: string, body: EventBody): Promise<void>;
  patchSeries(namespace: string, name: string, series: { count: number; lastObservedTime: number }): Promise<void>;
}

export function eventsV1Sink(api: k8s.EventsV1Api): EventSink {
  return {
    async create(namespace, b) {
      const body: k8s.EventsV1Event = {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: b.name, namespace },
        eventTime: new k8s.V1MicroTime(b.eventTime),
        reportingController: b.reportingController,
        reportingInstance: b.reportingInstance,
        action: b.action,
        reason: b.reason,
        type: b.type,
        note: b.note,
        regarding: b.regarding,
        ...(b.related ? { related: b.related } : {}),
        ...(b.series ? { series: { count: b.series.count, lastObservedTime: new k8s.V1MicroTime(b.series.lastObservedTime) } } : {}),
      };
      await api.createNamespacedEvent({ namespace, body });
    },
    async patchSeries(namespace, name, s) {
      await api.patchNamespacedEvent({ namespace, name, body: { series: { count: s.count, lastObservedTime: new k8s.V1MicroTime(s.lastObservedTime) } } }, mergePatch());
    },
  };
}

export interface EventRecorderOptions {
  sink: EventSink;
  /** e.g. "k8sm.io/schedulerha-operator". */
  reportingController: string;
  /** This process, e.g. the pod name (≤ 128 chars). */
  reportingInstance: string;
  /** How often pending series increments are written (default 30 s). */
  flushIntervalMs?: number;
  seriesWindowMs?: number;
  spamBurst?: number;
  spamRefillMs?: number;
  /** Pending writes kept at most (default 1000). */
  maxPending?: number;
  now?: () => number;
  logger?: Logger;
  /** Called for every event recorded (after correlation), e.g. for metrics or tests. */
  onRecord?: (e: EventInput, action: CorrelatorAction['kind']) => void;
}

export interface EventRecorderStats {
  recorded: number;
  created: number;
  seriesPatches: number;
  failed: number;
  droppedSpam: number;
  droppedOverflow: number;
  pending: number;
}

export class EventRecorder {
  private readonly correlator: EventCorrelator;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly pending: CorrelatorAction[] = [];
  private draining: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly counters = { recorded: 0, created: 0, seriesPatches: 0, failed: 0, droppedOverflow: 0 };

  constructor(private readonly opts: EventRecorderOptions) {
    this.correlator = new EventCorrelator({
      reportingController: opts.reportingController,
      reportingInstance: opts.reportingInstance.slice(0, 128),
      ...(opts.seriesWindowMs !== undefined ? { seriesWindowMs: opts.seriesWindowMs } : {}),
      ...(opts.spamBurst !== undefined ? { spamBurst: opts.spamBurst } : {}),
      ...(opts.spamRefillMs !== undefined ? { spamRefillMs: opts.spamRefillMs } : {}),
    });
    this.log = (opts.logger ?? silentLogger).child({ component: 'event-recorder' });
    this.now = opts.now ?? Date.now;
    this.timer = setInterval(() => this.flushSeries(), opts.flushIntervalMs ?? 30_000);
    this.timer.unref();
  }

  /** Records an event; returns at once. */
  record(e: EventInput): void {
    if (this.stopped) return;
    this.counters.recorded++;
    const action = this.correlator.observe(e, this.now());
    try {
      this.opts.onRecord?.(e, action.kind);
    } catch {
      // observers must not break recording
    }
    if (action.kind === 'none') return;
    this.enqueue(action);
  }

  normal(regarding: ObjectReference, reason: string, action: string, note: string): void {
    this.record({ regarding, type: 'Normal', reason, action, note });
  }

  warning(regarding: ObjectReference, reason: string, action: string, note: string): void {
    this.record({ regarding, type: 'Warning', reason, action, note });
  }

  stats(): EventRecorderStats {
    return { ...this.counters, droppedSpam: this.correlator.dropped, pending: this.pending.length };
  }

  /** Writes pending series increments and waits for every queued write. */
  async flush(): Promise<void> {
    this.flushSeries();
    while (this.draining) await this.draining;
  }

  /** Flushes and stops recording. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.stopped = true;
  }

  private flushSeries(): void {
    for (const a of this.correlator.flush(this.now())) this.enqueue(a);
  }

  private enqueue(a: CorrelatorAction): void {
    const max = this.opts.maxPending ?? 1000;
    if (this.pending.length >= max) {
      this.pending.shift();
      this.counters.droppedOverflow++;
    }
    this.pending.push(a);
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  private async drain(): Promise<void> {
    for (let a = this.pending.shift(); a; a = this.pending.shift()) {
      try {
        if (a.kind === 'create') {
          await this.opts.sink.create(a.namespace, a.body);
          this.counters.created++;
        } else if (a.kind === 'patch-series') {
          try {
            await this.opts.sink.patchSeries(a.namespace, a.name, a.series);
            this.correlator.seriesSent(a.seriesKey, a.series.count);
            this.counters.seriesPatches++;
          } catch (err) {
            if (decodeApiError(err).code !== 404) throw err;
            const again = this.correlator.recreate(a.seriesKey, this.now());
            if (again.kind === 'create') {
              await this.opts.sink.create(again.namespace, again.body);
              this.counters.created++;
            }
          }
        }
      } catch (err) {
        this.counters.failed++;
        if (a.kind === 'create') this.correlator.createFailed(a.seriesKey);
        const d = decodeApiError(err);
        this.log.warn({ err: errorMessage(err), code: d.code, reason: a.kind === 'create' ? a.body.reason : undefined }, 'could not write an Event');
      }
    }
  }
}
