// The informers' health as Prometheus series, read at scrape time, for the operator and the scheduler alike.
// `synced` alone says little — it stays 1 while the watch is dead —; `connected` and the last event's age show a
// stale cache, the counters how it got there.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { InformerStats } from './informer.js';

/** Registers the informer series on `registry`; `stats` is read at every scrape (a source that throws — a stopped
 * informer — is skipped: a scrape must not fail for it). */
export function registerInformerMetrics(registry: Registry, stats: () => Array<() => InformerStats>): void {
  const read = (): InformerStats[] => {
    const out: InformerStats[] = [];
    for (const f of stats()) {
      try {
        out.push(f());
      } catch {
        // no stats to give
      }
    }
    return out;
  };
  const gauge = (name: string, help: string, pick: (s: InformerStats) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['informer'],
      registers: [registry],
      collect: function (this: Gauge<'informer'>) {
        this.reset();
        for (const s of read()) {
          const v = pick(s);
          if (v !== undefined) this.set({ informer: s.name }, v);
        }
      },
    });
  // The informer counts monotonically; the counter shows its count (reset + inc: prom-client counters have no set).
  const counter = (name: string, help: string, pick: (s: InformerStats) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['informer'],
      registers: [registry],
      collect: function (this: Counter<'informer'>) {
        this.reset();
        for (const s of read()) this.inc({ informer: s.name }, pick(s));
      },
    });
  gauge('schedulerha_informer_synced', 'Whether the informer has completed its initial list (it stays 1 while the watch is down: see connected)', (s) => (s.synced ? 1 : 0));
  gauge('schedulerha_informer_connected', "1 while the informer's watch is open and streaming", (s) => (s.connected ? 1 : 0));
  gauge('schedulerha_informer_objects', 'Objects in the informer cache', (s) => s.objects);
  gauge('schedulerha_informer_last_event_age_seconds', 'Seconds since the last watch event or bookmark', (s) => (s.lastEventAgeMs === undefined ? undefined : s.lastEventAgeMs / 1000));
  counter('schedulerha_informer_relists_total', 'Relists after the initial list (410 Gone, resumed after errors)', (s) => s.relists);
  counter('schedulerha_informer_reconnects_total', 'Watch re-opens (server timeouts, errors, watchdog)', (s) => s.reconnects);
  counter('schedulerha_informer_errors_total', 'List/watch errors (a repeated 410 included)', (s) => s.errors);
}
