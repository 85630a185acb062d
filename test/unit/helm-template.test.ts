// The Helm-subset evaluator: each construct renders as Helm renders it; unknown syntax and undefined values fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChartRenderer, TemplateError, type RenderContext } from '../../src/manifests/helm-template.js';

const ctx = (values: Record<string, unknown>): RenderContext => ({ Values: values, Release: { Name: 'rel', Namespace: 'ns' }, Chart: { Name: 'chart', Version: '1.0.0', AppVersion: '0.1.0' } });
const render = (src: string, values: Record<string, unknown> = {}, partials = '') => new ChartRenderer({ 't.yaml': src, '_helpers.tpl': partials }).renderAll(ctx(values))['t.yaml'];

test('values, release, chart, whitespace trimming, comments', () => {
  assert.equal(render('name: {{ .Release.Name }}-{{ .Values.a.b }}', { a: { b: 'x' } }), 'name: rel-x');
  assert.equal(render('a:\n  {{- /* c */ -}}\n  b', {}), 'a:b');
  assert.equal(render('v: {{ .Chart.AppVersion }} ns: {{ .Release.Namespace }}'), 'v: 0.1.0 ns: ns');
});

test('pipelines and functions', () => {
  assert.equal(render('{{ .Values.s | quote }}', { s: 'a"b' }), '"a\\"b"');
  assert.equal(render('{{ .Values.x | default "d" }}', { x: '' }), 'd');
  assert.equal(render('r:{{ toYaml .Values.r | nindent 2 }}', { r: { cpu: '1', mem: '2' } }), 'r:\n  cpu: "1"\n  mem: "2"');
  assert.equal(render('{{ .Values.n | trunc 3 | trimSuffix "-" }}', { n: 'ab-cd' }), 'ab');
  assert.equal(render('{{ (eq .Values.a 1) }}', { a: 1 }), 'true');
});

test('if / else if / else, with, range, variables', () => {
  const src = '{{ if .Values.a }}A{{ else if (eq .Values.b "x") }}B{{ else }}C{{ end }}';
  assert.equal(render(src, { a: true, b: 'x' }), 'A');
  assert.equal(render(src, { a: false, b: 'x' }), 'B');
  assert.equal(render(src, { a: false, b: 'y' }), 'C');
  assert.equal(render('{{ with .Values.m }}{{ .k }}{{ else }}none{{ end }}', { m: { k: 'v' } }), 'v');
  assert.equal(render('{{ with .Values.m }}{{ .k }}{{ else }}none{{ end }}', { m: {} }), 'none');
  assert.equal(render('{{ range .Values.l }}[{{ . }}]{{ end }}', { l: [1, 2] }), '[1][2]');
  assert.equal(render('{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}', { m: { b: 2, a: 1 } }), 'a=1;b=2;');
  assert.equal(render('{{ range .Values.l }}{{ $.Release.Name }}{{ end }}', { l: [1] }), 'rel');
});

test('define / include', () => {
  const partials = '{{- define "chart.name" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}';
  assert.equal(render('n: {{ include "chart.name" . }}', {}, partials), 'n: rel-chart');
  assert.equal(render('n: {{ include "chart.name" . | upper }}', {}, partials), 'n: REL-CHART');
});

test('errors: undefined values and unsupported syntax', () => {
  assert.throws(() => render('{{ .Values.nope }}'), TemplateError);
  assert.throws(() => render('{{ lookup "v1" "Pod" "" "" }}'), /unsupported function "lookup"/);
  assert.throws(() => render('{{ if .Values.a }}x'), /missing \{\{ end \}\}/);
  assert.throws(() => render('{{ include "missing" . }}'), /undefined template/);
});

test('records which .Values paths were read', () => {
  const r = new ChartRenderer({ 't.yaml': '{{ .Values.a.b }}{{ if .Values.c }}{{ end }}' });
  r.renderAll(ctx({ a: { b: 1 }, c: false }));
  assert.deepEqual([...r.valuesRead].sort(), ['a.b', 'c']);
});
