// The soak's fault vocabulary and its plan. Pure: a seed, a count and the stack's timing give the same sequence
// of fault kinds, gaps and hold times every time; the soak driver (soak.ts) turns each planned fault into signals,
// restarts and partitions against the live stack and records what happened.
import type { Rng } from './prng.js';

/** Every fault the soak injects (issue 10: SIGKILL / SIGTERM / USR1 of the leader or a standby, SIGSTOP then
 * SIGCONT past the renew deadline, etcd restart, Mesos master failover, agent partition and heal, operator
 * restart, failover annotation). */
export const FAULT_KINDS = [
  'sigkill-leader',
  'sigkill-standby',
  'sigterm-leader',
  'sigterm-standby',
  'usr1-leader',
  'usr1-standby',
  'sigstop-leader',
  'sigstop-standby',
  'etcd-restart',
  'master-failover',
  'agent-partition',
  'operator-restart',
  'failover-annotation',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultKindInfo {
  title: string;
  /** The leader's term is meant to end (a new leader subscribes). */
  endsTerm: boolean;
  /** The leader's Mesos subscription is cut, so a (re-)SUBSCRIBE follows. */
  interrupts: boolean;
  /** Short label for plots. */
  short: string;
}

export const FAULT_INFO: Record<FaultKind, FaultKindInfo> = {
  'sigkill-leader': { title: 'SIGKILL the leader', endsTerm: true, interrupts: true, short: 'KILL L' },
  'sigkill-standby': { title: 'SIGKILL a standby', endsTerm: false, interrupts: false, short: 'KILL S' },
  'sigterm-leader': { title: 'SIGTERM the leader', endsTerm: true, interrupts: true, short: 'TERM L' },
  'sigterm-standby': { title: 'SIGTERM a standby', endsTerm: false, interrupts: false, short: 'TERM S' },
  'usr1-leader': { title: 'USR1 the leader', endsTerm: true, interrupts: true, short: 'USR1 L' },
  'usr1-standby': { title: 'USR1 a standby', endsTerm: false, interrupts: false, short: 'USR1 S' },
  'sigstop-leader': { title: 'SIGSTOP the leader past its renew deadline, then SIGCONT', endsTerm: true, interrupts: true, short: 'STOP L' },
  'sigstop-standby': { title: 'SIGSTOP a standby past its renew deadline, then SIGCONT', endsTerm: false, interrupts: false, short: 'STOP S' },
  'etcd-restart': { title: 'restart etcd', endsTerm: false, interrupts: false, short: 'etcd' },
  'master-failover': { title: 'Mesos master failover', endsTerm: false, interrupts: true, short: 'master' },
  'agent-partition': { title: 'partition an agent, then heal it', endsTerm: false, interrupts: false, short: 'agent' },
  'operator-restart': { title: 'restart the operator', endsTerm: false, interrupts: false, short: 'operator' },
  'failover-annotation': { title: 'k8sm.io/failover annotation', endsTerm: true, interrupts: true, short: 'annot' },
};

export interface PlanTiming {
  /** Lease TTL of the scheduler replicas. */
  ttlMs: number;
  /** Renew window (TTL − margin): a SIGSTOP longer than this passes the renew deadline. */
  renewWindowMs: number;
  /** Mesos agent ping timeout: a partition longer than this makes the agent unreachable. */
  agentPingTimeoutMs: number;
}

export interface PlanSpacing {
  /** Gap before a fault, uniform in [min, max] ms. */
  minGapMs: number;
  maxGapMs: number;
  /** Probability that a fault follows the previous one after only 100–800 ms (overlapping faults). */
  burstProbability: number;
  /** Probability that the driver first waits (bounded) for a subscribed, reconciled leader. */
  waitForRecoveryProbability: number;
}

export const DEFAULT_SPACING: PlanSpacing = { minGapMs: 1500, maxGapMs: 6000, burstProbability: 0.12, waitForRecoveryProbability: 0.75 };

export interface PlannedFault {
  index: number;
  kind: FaultKind;
  /** Wait this long after the previous fault was injected (or after recovery, when waitForRecovery). */
  gapMs: number;
  waitForRecovery: boolean;
  /** SIGSTOP / partition: how long until SIGCONT / heal. */
  holdMs?: number;
  /** operator-restart: the signal; master-failover: agents re-register after reregisterDelayMs. */
  signal?: 'SIGTERM' | 'SIGKILL';
  reregisterDelayMs?: number;
  /** Index into the sorted candidate targets at injection time (a fraction, so the choice is seeded whatever the
   * number of candidates then). */
  targetFraction: number;
}

/** `count` faults, every kind in `kinds` equally often (±1), in a seeded order with seeded gaps and holds. */
export function planFaults(rng: Rng, count: number, timing: PlanTiming, spacing: PlanSpacing = DEFAULT_SPACING, kinds: readonly FaultKind[] = FAULT_KINDS): PlannedFault[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`fault count must be a non-negative integer, got ${count}`);
  if (!kinds.length) throw new RangeError('no fault kinds to plan');
  // Blocks of every kind once, each block in its own seeded order (the last block a seeded subset): every kind
  // equally often (±1), and any run stopped early by the time bound has still seen every kind about as often.
  const seq: FaultKind[] = [];
  while (seq.length < count) {
    let order = rng.shuffle(kinds);
    // The same kind never twice in a row across a block boundary.
    if (order.length > 1 && order[0] === seq.at(-1)) order = [...order.slice(1), order[0]!];
    seq.push(...order.slice(0, count - seq.length));
  }
  return seq.map((kind, index) => {
    const burst = index > 0 && rng.chance(spacing.burstProbability);
    const f: PlannedFault = {
      index,
      kind,
      gapMs: Math.round(burst ? rng.between(100, 800) : rng.between(spacing.minGapMs, spacing.maxGapMs)),
      waitForRecovery: !burst && rng.chance(spacing.waitForRecoveryProbability),
      targetFraction: rng.next(),
    };
    if (kind === 'sigstop-leader' || kind === 'sigstop-standby') {
      // Past the renew deadline always; past the lease expiry (a successor elected while it is frozen) mostly.
      f.holdMs = Math.round(rng.chance(0.25) ? rng.between(timing.renewWindowMs + 200, timing.ttlMs) : rng.between(timing.ttlMs + 300, timing.ttlMs + 3000));
    }
    if (kind === 'agent-partition') {
      // Shorter than the ping timeout (nothing visible) or longer (the agent becomes unreachable, then returns).
      f.holdMs = Math.round(rng.chance(0.35) ? rng.between(500, Math.max(600, timing.agentPingTimeoutMs - 500)) : rng.between(timing.agentPingTimeoutMs + 500, timing.agentPingTimeoutMs + 5000));
    }
    if (kind === 'operator-restart') f.signal = rng.chance(0.5) ? 'SIGTERM' : 'SIGKILL';
    if (kind === 'master-failover') f.reregisterDelayMs = rng.chance(0.5) ? 0 : Math.round(rng.between(200, 3000));
    return f;
  });
}

/** Picks the target the plan chose among the candidates available at injection time (sorted for determinism). */
export function chooseTarget<T>(candidates: readonly T[], fraction: number, key: (t: T) => string): T | undefined {
  if (!candidates.length) return undefined;
  const sorted = [...candidates].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}
