// The Helm chart under manifests/helm/schedulerha-operator, rendered by the Helm-subset evaluator
// (src/manifests/helm-template.ts) as `helm template` would, and object-set comparison helpers.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ChartRenderer } from '../../src/manifests/helm-template.js';
import { CHART_DIR, parseObjects } from '../../src/manifests/render.js';
import type { Release } from '../../src/manifests/install.js';

export type K8sObject = Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };

export interface Chart {
  templates: Record<string, string>;
  values: Record<string, unknown>;
  chart: { name: string; version: string; appVersion: string };
  crds: K8sObject[];
}

export function loadChart(dir = CHART_DIR): Chart {
  const templates: Record<string, string> = {};
  for (const f of readdirSync(join(dir, 'templates'))) templates[`templates/${f}`] = readFileSync(join(dir, 'templates', f), 'utf8');
  const meta = parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as { name: string; version: string; appVersion: string };
  const crds = readdirSync(join(dir, 'crds')).flatMap((f) => parseObjects(readFileSync(join(dir, 'crds', f), 'utf8'))) as K8sObject[];
  return { templates, values: parse(readFileSync(join(dir, 'values.yaml'), 'utf8')) as Record<string, unknown>, chart: { name: meta.name, version: String(meta.version), appVersion: String(meta.appVersion) }, crds };
}

/** `helm template <release.name> <chart> -n <release.namespace> [-f values]`: the objects of the rendered
 * templates (NOTES.txt excluded) plus the chart's crds/, and the renderer (for the .Values paths it read). */
export function renderChart(chart: Chart, values: Record<string, unknown>, release: Release): { objects: K8sObject[]; files: Record<string, string>; renderer: ChartRenderer } {
  const renderer = new ChartRenderer(chart.templates);
  const files = renderer.renderAll({
    Values: values,
    Release: { Name: release.name, Namespace: release.namespace, Service: 'Helm' },
    Chart: { Name: chart.chart.name, Version: chart.chart.version, AppVersion: chart.chart.appVersion },
  });
  const objects: K8sObject[] = [...chart.crds];
  for (const [file, text] of Object.entries(files)) {
    if (!file.endsWith('.yaml')) continue;
    objects.push(...(parseObjects(text) as K8sObject[]));
  }
  return { objects, files, renderer };
}

export const objectKey = (o: K8sObject): string => `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** Objects keyed and sorted, for order-insensitive comparison (duplicates are an error). */
export function byKey(objs: K8sObject[]): Map<string, K8sObject> {
  const m = new Map<string, K8sObject>();
  for (const o of objs) {
    const k = objectKey(o);
    if (m.has(k)) throw new Error(`duplicate object ${k}`);
    m.set(k, o);
  }
  return new Map([...m.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
