// The executor-config hash: replicas that would launch differently configured executors must not take over from
// each other (k8sm's validateLeadershipTransition; kubernetes-mesos#15). It is computed from exactly the seed's
// list of flags — --allow-privileged, --api-servers, --auth-path, --cluster_*, --executor_*, --kubelet_*,
// --km-path, --profiling, --proxy_path — and nothing else.
//
// Algorithm (v1; never change it in place — add v2 alongside, old leaders' records carry the version):
//   1. Take the effective value of every hash flag: booleans always (defaults included, so `--profiling=false`
//      and an absent --profiling hash alike), strings when non-empty, lists when non-empty (comma-joined, order
//      kept: the executor receives them in that order), family flags as given.
//   2. Canonical names: lowercase, `_` → `-` (so `--cluster_dns` and `--cluster-dns` are one flag).
//   3. One line per flag, `name=value`; sort the lines (byte order), so flag order on the command line does not
//      matter.
//   4. SHA-256 over "schedulerha/executor-hash/v1\n" + lines joined with "\n"; the hash is the first 16 hex
//      digits (64 bits).
// The ExecutorID embeds it: `<hash>_k8sm-executor` (k8sm's `<hex>_k8sm-executor` format).
import { createHash } from 'node:crypto';
import { canonicalFlagName, FLAG_FAMILIES, type SchedulerConfig } from './flags.js';

export const EXECUTOR_HASH_VERSION = 'v1';
const DOMAIN = `schedulerha/executor-hash/${EXECUTOR_HASH_VERSION}\n`;
export const EXECUTOR_ID_SUFFIX = '_k8sm-executor';

/** The canonical `name=value` lines the hash covers, sorted. Useful to explain why two hashes differ. */
export function executorHashInputs(c: Pick<SchedulerConfig, 'allowPrivileged' | 'apiServers' | 'authPath' | 'kmPath' | 'executorPath' | 'proxyPath' | 'profiling' | 'cluster' | 'executor' | 'kubelet'>): string[] {
  const lines: string[] = [];
  lines.push(`allow-privileged=${c.allowPrivileged}`);
  lines.push(`profiling=${c.profiling}`);
  if (c.apiServers.length) lines.push(`api-servers=${c.apiServers.join(',')}`);
  if (c.authPath) lines.push(`auth-path=${c.authPath}`);
  if (c.kmPath) lines.push(`km-path=${c.kmPath}`);
  if (c.executorPath) lines.push(`executor-path=${c.executorPath}`);
  if (c.proxyPath) lines.push(`proxy-path=${c.proxyPath}`);
  for (const fam of FLAG_FAMILIES) {
    for (const [k, v] of Object.entries(c[fam])) lines.push(`${fam}-${canonicalFlagName(k)}=${v}`);
  }
  return lines.sort();
}

export function executorHash(c: Parameters<typeof executorHashInputs>[0]): string {
  return createHash('sha256').update(DOMAIN + executorHashInputs(c).join('\n')).digest('hex').slice(0, 16);
}

export function executorIdFor(hash: string): string {
  return `${hash}${EXECUTOR_ID_SUFFIX}`;
}

/** The hash embedded in an ExecutorID we generated, or undefined for foreign ids. */
export function hashOfExecutorId(id: string): string | undefined {
  if (!id.endsWith(EXECUTOR_ID_SUFFIX)) return undefined;
  const h = id.slice(0, -EXECUTOR_ID_SUFFIX.length);
  return /^[0-9a-f]{16}$/.test(h) ? h : undefined;
}

/** Lines present in one input set but not the other: a human-readable diff for "hash mismatch" messages. */
export function diffHashInputs(a: string[], b: string[]): { onlyA: string[]; onlyB: string[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return { onlyA: a.filter((x) => !sb.has(x)), onlyB: b.filter((x) => !sa.has(x)) };
}
