// What the replica tells Mesos about itself, derived purely from its flags: FrameworkInfo settings and the
// ExecutorInfo of the kubelet-executor. The ExecutorInfo depends only on the executor-config hash inputs, so two
// replicas with one hash produce byte-identical ExecutorInfos (Mesos rejects a launch whose ExecutorInfo differs
// from a running executor with the same ExecutorID: TASK_ERROR / REASON_TASK_INVALID).
import { hostname } from 'node:os';
import type { FrameworkSettings } from '../mesos/calls.js';
import type { CommandInfo, ExecutorInfo, Resource } from '../mesos/types.js';
import type { SchedulerConfig } from '../api/flags.js';
import { executorHash, executorHashInputs, executorIdFor } from '../api/hash.js';

export const EXECUTOR_NAME = 'Kubelet-Executor';
export const EXECUTOR_SOURCE = 'kubernetes';
/** Executor overhead per agent (not part of the hash, like k8sm's --mesos-executor-cpus/mem). */
export const EXECUTOR_CPUS = 0.25;
export const EXECUTOR_MEM = 128;

export function frameworkSettings(c: SchedulerConfig): FrameworkSettings {
  return {
    user: c.mesosUser,
    name: c.frameworkName,
    failoverTimeoutSeconds: c.failoverTimeoutSeconds,
    checkpoint: c.checkpoint,
    roles: c.mesosRoles,
    ...(c.mesosPrincipal ? { principal: c.mesosPrincipal } : {}),
  };
}

/** This replica's name — in the election, its logs, and the Events it reports: --identity, else the pod's name,
 * else the host name. */
export function replicaIdentity(c: Pick<SchedulerConfig, 'identity'>): string {
  return c.identity ?? process.env.POD_NAME ?? hostname();
}

/** The scheduler name pods use to choose this framework: the framework name lowercased (the API server requires a
 * DNS subdomain in spec.schedulerName, and the k8sm default framework name is "Kubernetes"). */
export function schedulerNameOf(frameworkName: string): string {
  return frameworkName.toLowerCase();
}

export interface ExecutorIdentity {
  hash: string;
  inputs: string[];
  executorId: string;
}

export function executorIdentity(c: SchedulerConfig): ExecutorIdentity {
  const hash = executorHash(c);
  return { hash, inputs: executorHashInputs(c), executorId: executorIdFor(hash) };
}

function basename(uri: string): string {
  const p = uri.replace(/[?#].*$/, '');
  return p.slice(p.lastIndexOf('/') + 1) || 'executor';
}

/** The kubelet-executor's ExecutorInfo: fetch km (or executor + proxy) and run it with the executor flags. */
export function executorInfo(c: SchedulerConfig, frameworkId: string | undefined): ExecutorInfo {
  const id = executorIdentity(c);
  const args: string[] = [];
  if (c.apiServers.length) args.push(`--api-servers=${c.apiServers.join(',')}`);
  args.push(`--allow-privileged=${c.allowPrivileged}`);
  if (c.authPath) args.push(`--auth-path=${c.authPath}`);
  if (c.profiling) args.push('--profiling=true');
  for (const fam of ['cluster', 'executor', 'kubelet'] as const) {
    for (const k of Object.keys(c[fam]).sort()) args.push(`--${fam}-${k}=${c[fam][k]}`);
  }
  let command: CommandInfo;
  if (c.executorPath) {
    const uris = [{ value: c.executorPath, executable: true, extract: false }];
    if (c.proxyPath) uris.push({ value: c.proxyPath, executable: true, extract: false });
    command = { uris, shell: false, value: `./${basename(c.executorPath)}`, arguments: [`./${basename(c.executorPath)}`, ...args] };
  } else {
    const km = c.kmPath ?? '';
    command = { uris: [{ value: km, executable: true, extract: false }], shell: false, value: './km', arguments: ['./km', 'executor', ...args] };
  }
  const resources: Resource[] = [
    { name: 'cpus', type: 'SCALAR', scalar: { value: EXECUTOR_CPUS } },
    { name: 'mem', type: 'SCALAR', scalar: { value: EXECUTOR_MEM } },
  ];
  return {
    type: 'CUSTOM',
    executor_id: { value: id.executorId },
    ...(frameworkId ? { framework_id: { value: frameworkId } } : {}),
    name: EXECUTOR_NAME,
    source: EXECUTOR_SOURCE,
    command,
    resources,
  };
}
