// `soak` as a command: `npm run soak -- --seed 7 --faults 500` (src/devstack/chaos/main.ts), and
// `registerSoakCommand(devstack)` for `schedulerha devstack soak`. Exit 0 with zero violations, 1 otherwise.
import type { Command } from 'commander';
import { parseDurationSeconds } from '../../util/time.js';
import { FAULT_KINDS, type FaultKind } from './faults.js';
import { runSoak, type SoakOptions } from './soak.js';

interface SoakFlags {
  seed: string;
  faults: string;
  pods: string;
  agents: string;
  duration: string;
  quiet: string;
  leaseTtl: string;
  minGap?: string;
  maxGap?: string;
  burst?: string;
  wait?: string;
  kinds?: string;
  out: string;
  name?: string;
  keepStack: boolean;
  replicaLogLevel?: string;
}

function int(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag}: "${v}" is not an integer ≥ ${min}`);
  return n;
}

function prob(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`--${flag}: "${v}" is not a probability in [0, 1]`);
  return n;
}

function ms(flag: string, v: string): number {
  const s = parseDurationSeconds(v);
  if (s === undefined || s <= 0) throw new Error(`--${flag}: "${v}" is not a duration (e.g. 90m, 45s)`);
  return Math.round(s * 1000);
}

export function soakOptionsFromFlags(f: SoakFlags): SoakOptions {
  const kinds = f.kinds ? f.kinds.split(',').map((k) => k.trim()).filter(Boolean) : undefined;
  for (const k of kinds ?? []) if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new Error(`--kinds: unknown fault kind "${k}" (known: ${FAULT_KINDS.join(', ')})`);
  return {
    seed: int('seed', f.seed, 0),
    faults: int('faults', f.faults, 1),
    pods: int('pods', f.pods, 1),
    agents: int('agents', f.agents, 1),
    maxDurationMs: ms('duration', f.duration),
    quietMs: ms('quiet', f.quiet),
    leaseTtlSeconds: int('lease-ttl', f.leaseTtl, 2),
    ...(f.minGap || f.maxGap || f.burst || f.wait
      ? {
          spacing: {
            ...(f.minGap ? { minGapMs: ms('min-gap', f.minGap) } : {}),
            ...(f.maxGap ? { maxGapMs: ms('max-gap', f.maxGap) } : {}),
            ...(f.burst ? { burstProbability: prob('burst', f.burst) } : {}),
            ...(f.wait ? { waitForRecoveryProbability: prob('wait', f.wait) } : {}),
          },
        }
      : {}),
    ...(kinds ? { kinds: kinds as FaultKind[] } : {}),
    outDir: f.out,
    ...(f.name ? { name: f.name } : {}),
    keepStackDir: f.keepStack,
    ...(f.replicaLogLevel ? { replicaLogLevel: f.replicaLogLevel } : {}),
  };
}

export function registerSoakCommand(parent: Command): Command {
  return parent
    .command('soak')
    .description('chaos soak: the whole local stack under seeded faults, then the invariant checker and a report (JSON + SVG)')
    .option('--seed <n>', 'seed for fault kinds, order, spacing, holds, targets and pods', '1')
    .option('--faults <n>', 'faults to inject', '500')
    .option('--pods <n>', 'pods created over the run (60 % up front, the rest in waves; 10 % deleted, 10 % with a task failing once)', '520')
    .option('--agents <n>', 'Mesos agents', '24')
    .option('--duration <d>', 'bound on the whole run (the fault phase ends early to leave room for the quiet period)', '90m')
    .option('--quiet <d>', 'bound on the final quiet period', '3m')
    .option('--lease-ttl <s>', 'lease TTL of the scheduler replicas, seconds', '3')
    .option('--min-gap <d>', 'smallest gap between faults (default 1.5s)')
    .option('--max-gap <d>', 'largest gap between faults (default 6s)')
    .option('--burst <p>', 'probability that a fault follows the previous one within 100–800 ms (default 0.12)')
    .option('--wait <p>', 'probability that the driver first waits for a reconciled leader (default 0.75)')
    .option('--kinds <list>', `only these fault kinds (comma-separated; default all: ${FAULT_KINDS.join(', ')})`)
    .option('--out <dir>', 'report directory', 'soak-results')
    .option('--name <name>', 'report base name (default: the seed)')
    .option('--replica-log-level <level>', 'log level of the scheduler replicas (their logs stay in the stack directory)')
    .option('--keep-stack', 'keep the stack directory (pod, operator and etcd logs) even without violations', false)
    .action(async (f: SoakFlags) => {
      const res = await runSoak(soakOptionsFromFlags(f));
      process.exitCode = res.violations.length ? 1 : 0;
      setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
    });
}
