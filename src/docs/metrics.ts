// The "Metrics" section of docs/reference.md, read from the real Prometheus registries of a scheduler replica and
// of the operator (instantiated without the default process metrics, which prom-client adds to both).
import type { Registry } from 'prom-client';
import { SchedulerMetrics } from '../scheduler/metrics.js';
import { PodMetrics } from '../scheduler/pods/metrics.js';
import { OperatorMetrics } from '../operator/metrics.js';
import { cell, code, table } from './markdown.js';

export interface MetricDoc {
  name: string;
  type: string;
  labels: string[];
  help: string;
  buckets?: number[];
}

function metricsOf(r: Registry): MetricDoc[] {
  return r
    .getMetricsAsArray()
    .map((m) => {
      const x = m as unknown as { name: string; help: string; type: string; labelNames?: string[]; upperBounds?: number[] };
      return { name: x.name, type: String(x.type), labels: [...(x.labelNames ?? [])], help: x.help, ...(x.upperBounds ? { buckets: [...x.upperBounds] } : {}) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Every metric a scheduler replica exports (its own and the pod scheduler's). */
export function schedulerMetricDocs(): MetricDoc[] {
  const m = new SchedulerMetrics({ framework: 'Kubernetes' }, { defaultMetrics: false });
  PodMetrics.for(m.registry);
  return metricsOf(m.registry);
}

export function operatorMetricDocs(): MetricDoc[] {
  return metricsOf(new OperatorMetrics({ defaultMetrics: false }).registry);
}

function typeCell(m: MetricDoc): string {
  if (!m.buckets?.length) return m.type;
  const b = m.buckets;
  return `${m.type} (${b.length} buckets, ${b[0]}–${b[b.length - 1]})`;
}

function rows(ms: MetricDoc[]): string[][] {
  return ms.map((m) => [code(m.name), typeCell(m), m.labels.map((l) => code(l)).join(', '), cell(m.help)]);
}

export function renderMetricsSection(): string[] {
  const out: string[] = [];
  out.push('## Metrics');
  out.push('');
  out.push('Both processes also export prom-client\'s default `process_*` and `nodejs_*` metrics.');
  out.push('');
  out.push('### Scheduler replica');
  out.push('');
  out.push(
    '`GET /metrics` on the replica\'s HTTP port (10251; the operator\'s headless Service `<name>` carries `prometheus.io/scrape` annotations and publishes standbys too). ' +
      'Every series carries the label `framework` (the framework name). Standbys export them too (`schedulerha_leader` 0); the pod scheduler\'s metrics (`schedulerha_pod_*`, `schedulerha_pods`, `schedulerha_offers_declined_total`, `schedulerha_task_records_pruned_total`) appear once the replica has led; its pod informer\'s health (`schedulerha_informer_*`, label `informer="pods"`; `/status` shows it as `podInformer`) on every replica, since a standby\'s cache is what its next term starts from. ' +
      'Alert on `sum by (framework) (schedulerha_framework_registered) != 1` (both zero and two are incidents), and on `schedulerha_leader == 1` with `schedulerha_framework_registered == 0` for long.',
  );
  out.push('');
  out.push(...table(['Metric', 'Type', 'Labels', 'Help'], rows(schedulerMetricDocs())));
  out.push('');
  out.push('### Operator');
  out.push('');
  out.push(
    '`GET /metrics` on `--metrics-bind-address` (default :8080; Service `schedulerha-operator-metrics`). controller-runtime\'s names (`controller_runtime_*`, `workqueue_*`, `leader_election_*`, label `controller="schedulerha"`) so existing dashboards work, plus `schedulerha_*` per resource (`namespace`, `name`). ' +
      'Only the active operator replica reconciles, so per-resource series come from it.',
  );
  out.push('');
  out.push(...table(['Metric', 'Type', 'Labels', 'Help'], rows(operatorMetricDocs())));
  out.push('');
  return out;
}
