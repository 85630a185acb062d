// The "Operator flags" and "Annotations, labels, finalizer" sections of docs/reference.md: the flags are read from
// the commander definition of `schedulerha operator`; the annotation table is typed against ANNOTATIONS.
import { Command, type Option } from 'commander';
import { registerOperatorCommand } from '../operator/command.js';
import { ANNOTATIONS, LABELS, MANAGED_SELECTOR } from '../operator/plan.js';
import { FINALIZER } from '../operator/reconciler.js';
import { cell, code, table } from './markdown.js';

export const ANNOTATION_DOCS: Record<keyof typeof ANNOTATIONS, { on: string; what: string }> = {
  failover: { on: 'SchedulerHA (set by you)', what: 'Set it to any new value (e.g. a date) to ask the leader to resign: manual failover. The operator acts once per value.' },
  appliedHash: { on: 'every child', what: 'Hash of what the operator rendered; a child is rewritten only when this or a rendered field differs.' },
  configHash: { on: 'StatefulSet and its pod template', what: 'Hash of the rendered scheduler command line: any flag change rolls the pods.' },
  executorHash: { on: 'StatefulSet and its pod template', what: 'The executor-config hash the replicas compute from their flags.' },
  frameworkName: { on: 'pod template', what: 'The framework name.' },
  secretsHash: { on: 'pod template', what: 'Hash of the data of the Secrets the pods mount (etcd TLS and credentials, Mesos credentials and TLS). The scheduler reads their files once, at start: a rotated Secret (a renewed etcd client certificate) rolls the pods within about a minute.' },
};

export function operatorFlagRows(): string[][] {
  const program = new Command();
  registerOperatorCommand(program);
  const cmd = program.commands.find((c) => c.name() === 'operator');
  if (!cmd) throw new Error('the operator command is not registered');
  return (cmd.options as Option[]).map((o) => {
    const def = o.defaultValue === undefined || o.negate ? '' : code(String(o.defaultValue));
    return [code(o.flags), def, cell(o.description)];
  });
}

export function renderOperatorSection(): string[] {
  const out: string[] = [];
  out.push('## Operator flags (`schedulerha operator`)');
  out.push('');
  out.push('Names follow controller-runtime / kube-controller-manager where one exists. Durations are Go-style (`15s`, `2m`).');
  out.push('');
  out.push(...table(['Flag', 'Default', 'Description'], operatorFlagRows()));
  out.push('');
  out.push('## Annotations, labels, finalizer');
  out.push('');
  out.push(...table(['Annotation', 'On', 'What'], (Object.entries(ANNOTATION_DOCS) as Array<[keyof typeof ANNOTATIONS, { on: string; what: string }]>).map(([k, d]) => [code(ANNOTATIONS[k]), cell(d.on), cell(d.what)])));
  out.push('');
  out.push(`Every child and scheduler pod carries ${code(`${LABELS.owner}=<name>`)} and ${code(MANAGED_SELECTOR)} (the operator's informers list only objects with the latter). The finalizer ${code(FINALIZER)} is present only while \`spec.deletionPolicy\` is Teardown.`);
  out.push('');
  return out;
}
