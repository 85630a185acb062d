// The spec and scheduler-flag sections of docs/reference.md, generated from the schema and the flag table so the
// reference can never drift from the code. src/docs/reference.ts assembles the whole file.
import { specSchema } from './schema.js';
import { FLAGS } from './flags.js';

type Schema = Record<string, unknown>;

function typeOf(s: Schema): string {
  if (s['x-kubernetes-int-or-string']) return 'int or string';
  if (s.type === 'array') return `list of ${typeOf((s.items as Schema) ?? {})}`;
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') return `map of ${typeOf(s.additionalProperties as Schema)}`;
  if (s.enum) return (s.enum as string[]).map((v) => `\`${v}\``).join(' \\| ');
  return String(s.type ?? 'any');
}

function rows(schema: Schema, prefix: string, required: string[], out: string[]): void {
  const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
  for (const [k, s] of Object.entries(props)) {
    const path = `${prefix}.${k}`;
    const def = s.default === undefined || (typeof s.default === 'object' && s.default !== null && !Array.isArray(s.default)) ? '' : `\`${JSON.stringify(s.default)}\``;
    const bounds = [s.minimum !== undefined ? `≥ ${s.minimum}` : '', s.maximum !== undefined ? `≤ ${s.maximum}` : '', s.minItems ? `≥ ${s.minItems} item` : '', s.maxLength ? `≤ ${s.maxLength} chars` : ''].filter(Boolean).join(', ');
    const desc = String(s.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    out.push(`| \`${path}\` | ${typeOf(s)} | ${required.includes(k) ? 'yes' : ''} | ${def} | ${bounds} | ${desc} |`);
    if (s.type === 'object' && s.properties) rows(s, path, (s.required as string[]) ?? [], out);
  }
}

export function renderSpecSection(): string[] {
  const out: string[] = [];
  out.push('## SchedulerHA spec (`k8sm.io/v1alpha1`)');
  out.push('');
  out.push('Defaults are applied as the API server applies structural-schema defaults (also by `schedulerha render` and the operator).');
  out.push('');
  out.push('| Field | Type | Required | Default | Bounds | Description |');
  out.push('|---|---|---|---|---|---|');
  rows(specSchema, 'spec', (specSchema.required as string[]) ?? [], out);
  out.push('');
  out.push('Cross-field rules (CRD `x-kubernetes-validations`, also enforced by the operator and `schedulerha validate`):');
  out.push('');
  for (const r of (specSchema['x-kubernetes-validations'] as Array<{ message: string }>) ?? []) out.push(`- ${r.message}`);
  out.push('- flags.frameworkName and etcd.prefix are immutable (transition rules): either names the framework\'s etcd root.');
  out.push('');
  return out;
}

export function renderSchedulerFlagsSection(): string[] {
  const out: string[] = [];
  out.push('## Scheduler flags (`schedulerha scheduler`)');
  out.push('');
  out.push('Names follow the original `km scheduler`. `--name=value`, `--name value`, `-name`, bare `--bool`; `_` and `-` are the same (`--cluster_dns` = `--cluster-dns`); list flags are comma-separated and may repeat. `--cluster-*`, `--executor-*` and `--kubelet-*` take any suffix and are passed to the executor.');
  out.push('');
  out.push('| Flag | Default | From the spec | Executor hash | Description |');
  out.push('|---|---|---|---|---|');
  for (const f of FLAGS) {
    out.push(`| \`--${f.name}\`${f.aliases?.length ? ` (alias ${f.aliases.map((a) => `\`--${a}\``).join(', ')})` : ''} | ${f.default !== undefined ? `\`${f.default}\`` : ''} | ${f.specPath ? `\`${f.specPath}\`` : ''} | ${f.group === 'executor' ? 'yes' : ''} | ${f.help.replace(/\|/g, '\\|')} |`);
  }
  out.push('| `--cluster-*`, `--executor-*`, `--kubelet-*` |  | `spec.flags.cluster`, `.executor`, `.kubelet` | yes | Passed to the executor/kubelet. |');
  out.push('');
  return out;
}
