// The "Validation messages" section of docs/reference.md: every message the validator produces, as produced for
// the examples in src/api/validation-examples.ts.
import {
  BASE_ARGV,
  commandLineExampleIssue,
  COMMAND_LINE_ERROR_EXAMPLES,
  COMMAND_LINE_WARNING_EXAMPLES,
  REMOVE,
  specExampleIssue,
  SPEC_ERROR_EXAMPLES,
  SPEC_WARNING_EXAMPLES,
  type CommandLineExample,
  type SpecExample,
} from '../api/validation-examples.js';
import { cell, code, table } from './markdown.js';

function describeChange(set: Record<string, unknown>): string {
  const parts = Object.entries(set).map(([path, v]) => {
    if (path === '') return `the whole document is ${code(JSON.stringify(v))}`;
    if (v === REMOVE) return `${code(path)} removed`;
    return code(`${path}: ${JSON.stringify(v)}`);
  });
  return parts.length ? parts.join(', ') : '(none)';
}

function describeArgs(ex: CommandLineExample): string {
  const parts = [...(ex.drop ?? []).map((f) => `without ${code(`--${f}`)}`), ...ex.args.map((a) => code(a))];
  return parts.join(', ') || '(none)';
}

function specRows(examples: SpecExample[], severity: 'error' | 'warning'): string[][] {
  return examples.map((ex) => {
    const issue = specExampleIssue(ex, severity);
    if (!issue) throw new Error(`validation example "${ex.name}" produces no ${severity} on ${ex.path} matching ${ex.message}`);
    return [code(issue.path), cell(issue.message), describeChange(ex.set)];
  });
}

function commandLineRows(examples: CommandLineExample[], severity: 'error' | 'warning'): string[][] {
  return examples.map((ex) => {
    const issue = commandLineExampleIssue(ex, severity);
    if (!issue) throw new Error(`command-line example "${ex.name}" produces no ${severity} on ${ex.path} matching ${ex.message}`);
    return [code(issue.path), cell(issue.message), describeArgs(ex)];
  });
}

export function renderValidationSection(): string[] {
  const out: string[] = [];
  out.push('## Validation messages');
  out.push('');
  out.push(
    'One validator (`src/api/validate.ts`) serves `schedulerha validate`, the operator (condition `ConfigValid=False`, reason `InvalidSpec`, with these messages joined by "; ") and `schedulerha scheduler` (exit 1, one `error: <flag>: <message>` line each). ' +
      'Each row below is the message the validator produces for the example, a change to this valid resource:',
  );
  out.push('');
  out.push('```yaml');
  out.push('apiVersion: k8sm.io/v1alpha1');
  out.push('kind: SchedulerHA');
  out.push('metadata: {name: k8sm, namespace: mesos}');
  out.push('spec:');
  out.push('  replicas: 2');
  out.push('  mesos: {master: "zk://zk1:2181,zk2:2181/mesos"}');
  out.push('  etcd: {endpoints: ["http://etcd-0:2379"]}');
  out.push('  flags: {ha: true, kmPath: "hdfs:///km"}');
  out.push('```');
  out.push('');
  out.push('Unknown fields are reported by `schedulerha validate` with a "did you mean"; the API server prunes unknown fields of a custom resource, so the operator never sees them. A Mesos master or etcd endpoint can be wrong in more ways than shown; the message says which part and shows a correct form.');
  out.push('');
  out.push('### Errors');
  out.push('');
  out.push(...table(['Field', 'Message', 'Example'], specRows(SPEC_ERROR_EXAMPLES, 'error')));
  out.push('');
  out.push('### Warnings');
  out.push('');
  out.push('The resource is accepted (`ConfigValid=True`, the warnings follow "warnings:" in its message; `schedulerha validate` prints them and exits 0).');
  out.push('');
  out.push(...table(['Field', 'Message', 'Example'], specRows(SPEC_WARNING_EXAMPLES, 'warning')));
  out.push('');
  out.push('### On the command line');
  out.push('');
  out.push(
    `The rules above apply to \`schedulerha scheduler\` flags too, naming the flag instead of the field (the mapping is the "From the spec" column of the flag table). ` +
      `These are the messages only a command line can produce, and two shared ones to show the naming. Examples are changes to ${code(`schedulerha scheduler ${BASE_ARGV.join(' ')}`)}.`,
  );
  out.push('');
  out.push(...table(['Flag', 'Message', 'Example'], [...commandLineRows(COMMAND_LINE_ERROR_EXAMPLES, 'error'), ...commandLineRows(COMMAND_LINE_WARNING_EXAMPLES, 'warning').map((r) => [r[0]!, `warning: ${r[1]}`, r[2]!])]));
  out.push('');
  return out;
}
