// An EventRecorder's outcome counts as Prometheus series, read at scrape time: Events that could not be written
// (API errors, the spam filter, a full queue) are otherwise only visible in /status.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventRecorderStats } from './events.js';

export function registerEventRecorderMetrics(registry: Registry, stats: () => EventRecorderStats | undefined): void {
  new Counter({
    name: 'schedulerha_events_total',
    help: 'Kubernetes Events by outcome: created, series (a repeat patched into its series), failed (the write failed), dropped_spam (over the per-object budget), dropped_overflow (the write queue was full)',
    labelNames: ['result'],
    registers: [registry],
    // The recorder counts monotonically; the counter shows its count (reset + inc: prom-client counters have no set).
    collect: function (this: Counter<'result'>) {
      const s = stats();
      if (!s) return;
      this.reset();
      for (const [result, n] of [
        ['created', s.created],
        ['series', s.seriesPatches],
        ['failed', s.failed],
        ['dropped_spam', s.droppedSpam],
        ['dropped_overflow', s.droppedOverflow],
      ] as const) this.inc({ result }, n);
    },
  });
  new Gauge({
    name: 'schedulerha_events_pending',
    help: 'Event writes queued, not sent yet',
    registers: [registry],
    collect: function (this: Gauge) {
      this.set(stats()?.pending ?? 0);
    },
  });
}
