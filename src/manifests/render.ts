// Renders the install manifests (install.ts) into the committed files under manifests/: one file per concern
// (rbac/, operator/), install.yaml (namespace + CRD + everything), kustomization.yaml (the same objects for
// `kubectl apply -k`), and the Helm chart's generated parts (Chart.yaml versions, crds/). RBAC rules carry their
// reason as a comment.
import { existsSync, readFileSync } from 'node:fs';
import { Document, isMap, isSeq, parseAllDocuments } from 'yaml';
import { buildCrd } from '../api/schema.js';
import { renderCrdYaml } from '../api/crd-yaml.js';
import { DEFAULT_RELEASE, appVersion, defaultValues, installManifests, leaseName, operatorNamespace, type Manifest } from './install.js';
import { OPERATOR_RULES, SCHEDULER_RULES, operatorElectionRules, type RuleSpec } from './rbac.js';

export const MANIFESTS_DIR = 'manifests';
export const CHART_DIR = 'manifests/helm/schedulerha-operator';
export const INSTALL_FILE = 'manifests/install.yaml';
export const KUSTOMIZATION_FILE = 'manifests/kustomization.yaml';
export const CRD_REL = 'crd/k8sm.io_schedulerhas.yaml';

const GENERATED = '# Generated from src/manifests (install.ts, rbac.ts) by `npm run gen` — do not edit by hand.';

function commentLines(text: string): string {
  return text
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');
}

/** One YAML document, with the manifest's comment above it and each rule's reason above the rule. */
export function renderManifest(m: Manifest): string {
  const doc = new Document(m.obj, { aliasDuplicateObjects: false });
  if (m.comment) doc.commentBefore = commentLines(m.comment);
  if (m.ruleComments) {
    const rules = doc.get('rules', true);
    if (isSeq(rules)) {
      rules.items.forEach((item, i) => {
        const why = m.ruleComments![i];
        if (why && isMap(item)) item.commentBefore = commentLines(wrap(why, 110));
      });
    }
  }
  return doc.toString({ lineWidth: 0 });
}

function wrap(text: string, width: number): string {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/)) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out.join('\n');
}

export function renderDocuments(ms: Manifest[], header: string): string {
  return `${header}\n${ms.map((m) => `---\n${renderManifest(m)}`).join('')}`;
}

function crdManifest(): Manifest {
  return { file: CRD_REL, comment: 'The SchedulerHA CustomResourceDefinition (manifests/crd/k8sm.io_schedulerhas.yaml).', obj: buildCrd() as Manifest['obj'] };
}

/** The objects of install.yaml, in apply order. */
export function installYamlManifests(): Manifest[] {
  const v = defaultValues();
  const rest = installManifests(v, DEFAULT_RELEASE);
  return [operatorNamespace(v, DEFAULT_RELEASE), crdManifest(), ...rest];
}

/** Parses a multi-document YAML file into its objects (empty documents skipped). */
export function parseObjects(text: string): Array<Record<string, unknown>> {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('; '));
      return d.toJS() as Record<string, unknown> | null;
    })
    .filter((o): o is Record<string, unknown> => !!o && typeof o === 'object');
}

function chartYaml(): string {
  const v = appVersion();
  return `${GENERATED}
# (version and appVersion follow package.json; everything else here is the chart's own.)
apiVersion: v2
name: schedulerha-operator
description: The SchedulerHA operator — runs the Kubernetes-on-Mesos scheduler highly available (etcd-elected replicas, one registered framework, hot failover).
type: application
version: ${v}
appVersion: "${v}"
kubeVersion: ">=1.25.0-0"
keywords:
  - mesos
  - scheduler
  - high-availability
  - operator
`;
}

/** Every generated file of the install manifests: path (relative to the repository root) → content. */
export function generatedInstallFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const all = installYamlManifests();
  const byFile = new Map<string, Manifest[]>();
  for (const m of all) {
    if (m.file === CRD_REL) continue; // committed by the CRD generator (src/api/crd-yaml.ts)
    byFile.set(m.file, [...(byFile.get(m.file) ?? []), m]);
  }
  for (const [file, ms] of byFile) files.set(`${MANIFESTS_DIR}/${file}`, renderDocuments(ms, GENERATED));
  files.set(
    INSTALL_FILE,
    renderDocuments(
      all,
      `${GENERATED}
# Everything in one file: kubectl apply -f manifests/install.yaml
# (the same objects as kubectl apply -k manifests/ and as the Helm chart with its default values).`,
    ),
  );
  const resources = [...new Set(all.map((m) => m.file))];
  files.set(
    KUSTOMIZATION_FILE,
    `${GENERATED}
# kubectl apply -k manifests/ installs exactly what install.yaml does. Overlays can change the image
# (images:), replicas (replicas:) or add scheduler namespaces (copy rbac/scheduler-namespace-mesos.yaml).
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
${resources.map((f) => `  - ${f}`).join('\n')}
`,
  );
  files.set(`${CHART_DIR}/Chart.yaml`, chartYaml());
  files.set(`${CHART_DIR}/crds/k8sm.io_schedulerhas.yaml`, renderCrdYaml());
  // The hand-written install guide carries generated RBAC tables (relative to the working directory, the
  // repository root for `npm run gen` and the tests).
  if (!existsSync(INSTALL_DOC)) throw new Error(`${INSTALL_DOC} not found (run from the repository root)`);
  files.set(INSTALL_DOC, installDoc(readFileSync(INSTALL_DOC, 'utf8')));
  return files;
}

// ---- docs/install.md: the RBAC tables -----------------------------------------------------------------------

export const INSTALL_DOC = 'docs/install.md';
const TABLE_BEGIN = '<!-- BEGIN generated RBAC tables (npm run gen, from src/manifests/rbac.ts) -->';
const TABLE_END = '<!-- END generated RBAC tables -->';

function ruleRows(specs: RuleSpec[]): string {
  const rows = specs.map((r) => {
    const groups = (r.apiGroups ?? []).map((g) => (g === '' ? 'core' : g)).join(', ');
    const res = (r.resources ?? []).map((x) => `\`${x}\``).join(', ') + (r.resourceNames?.length ? ` (only ${r.resourceNames.map((n) => `\`${n}\``).join(', ')})` : '');
    const code = r.usedBy.map((u) => `\`${u.split(' ')[0]}\``).join(', ');
    return `| ${groups} | ${res} | ${r.verbs.join(', ')} | ${r.why.replace(/\|/g, '\\|')} | ${code} |`;
  });
  return ['| API group | Resources | Verbs | Why | Code |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The RBAC tables of docs/install.md, rendered from the rule lists. */
export function rbacTables(): string {
  const v = defaultValues();
  return [
    TABLE_BEGIN,
    '',
    `**Operator — ClusterRole \`schedulerha-operator\`** (a Role in the watched namespace with \`operator.watchNamespace\`), bound to ServiceAccount \`schedulerha-system/schedulerha-operator\`:`,
    '',
    ruleRows(OPERATOR_RULES),
    '',
    `**Operator — Role \`schedulerha-operator-leader-election\`** in \`schedulerha-system\` (its own namespace):`,
    '',
    ruleRows(operatorElectionRules(leaseName(v, DEFAULT_RELEASE))),
    '',
    '**Scheduler — ClusterRole `schedulerha-scheduler`**, bound per namespace to its ServiceAccount (`schedulerha-scheduler:<namespace>`):',
    '',
    ruleRows(SCHEDULER_RULES),
    '',
    TABLE_END,
  ].join('\n');
}

/** docs/install.md with its generated region replaced (the rest of the file is prose written by hand). */
export function installDoc(current: string): string {
  const a = current.indexOf(TABLE_BEGIN);
  const b = current.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error(`${INSTALL_DOC} lacks the markers ${TABLE_BEGIN} … ${TABLE_END}`);
  return current.slice(0, a) + rbacTables() + current.slice(b + TABLE_END.length);
}
