// Offers → placements. Pure: no I/O, no clock. The leader calls it once per OFFERS event with every pod that may
// be launched now, in priority order.
//
// Rules (reference: mesos-scheduler-api.md §1.7 ACCEPT, §1.8 offers; k8sm-scheduler-ha.md §8):
// - Executor compatibility (k8sm's `Compat`): an offer whose `executor_ids` name any executor of this framework
//   other than ours (k8sm: more than one, or one that is not ours) comes from an agent running an incompatible
//   executor; it is never used, only declined.
// - Accounting is per agent and role: every offer of one agent allocated to one role forms one pool (several
//   offers per agent are aggregated into one ACCEPT, as Mesos allows for one agent), and each placement subtracts
//   what it takes, so several pods sharing an offer never exceed it. All scalars are counted in integer
//   thousandths (Mesos keeps three decimals), so no float drift over hundreds of placements.
// - Roles: a task uses resources of exactly one allocation role (Mesos validates task + executor resources as
//   allocated to a single role); it takes resources reserved for that role first, then unreserved ones, and each
//   task resource copies the offered resource's `role` / `reservations` / `allocation_info`.
// - The executor: on an agent that does not run our executor yet, the first task also pays the executor's own
//   resources (Mesos charges ExecutorInfo.resources when it starts the executor), each from one pool: unreserved
//   when the role's offers hold enough, else reserved for the role (an agent whose resources are all reserved
//   for us still runs pods) — then the launch group says so (`executorResources`) and every later ExecutorInfo for
//   that agent must repeat it, since Mesos refuses a launch whose ExecutorInfo differs from the running one's.
//   Our executor serves one role per agent (its resources are allocated to the role of the task that started it).
// - Host ports: exact ports out of the offered `ports` ranges.
// - Placement spreads pods round-robin over agents (first fit from a rotating start); a pod that must return to
//   its node (a bound pod being restarted) only considers agents with that hostname.
// - Holds: a bound pod waiting to restart on its node (back-off, or not judged yet this term) keeps what it needs
//   there, as the kubelet keeps a restarting pod's resources allocated: holds are taken from their node's pool
//   before any request is placed, so no other pod takes the place it is coming back to. A hold that does not fit
//   keeps the whole node (nothing new lands there until the pod it waits for fits).
import type { Offer, Range, Resource } from '../../mesos/types.js';
import type { Demand } from './pod-model.js';

export interface MatchRequest {
  /** Caller's key (the pod uid). */
  key: string;
  demand: Demand;
  /** Only agents with this hostname: a bound pod is restarted on its node. */
  hostname?: string;
}

export interface MatchOptions {
  /** Our executor id (`<hash>_k8sm-executor`). */
  executorId: string;
  /** The executor's own resources (ExecutorInfo.resources), charged once per agent that does not run it yet. */
  executorResources: Resource[];
  /** The framework's roles; pods without a roles annotation may use any of them. */
  frameworkRoles: string[];
  /** The allocation role of our executor already running on `agentId`, when known. */
  executorRole?: (agentId: string) => string | undefined;
  /** Rotating start for spreading (e.g. a counter the caller keeps across rounds). */
  rotation?: number;
  /** Bound pods waiting to restart on their node (each with `hostname`): their resources there are held back. */
  holds?: readonly MatchRequest[];
}

export interface OfferCompatibility {
  compatible: boolean;
  /** The agent runs our executor already. */
  runsOurs: boolean;
  /** Executors of this framework on the agent with another executor id (hash). */
  foreign: string[];
}

/** k8sm's rule: incompatible when executor_ids has more than one entry or one that is not ours. Every id in
 * `executor_ids` is an executor of this framework (the master only lists the receiving framework's). */
export function offerCompatibility(offer: Offer, executorId: string): OfferCompatibility {
  const ids = (offer.executor_ids ?? []).map((e) => e.value);
  const foreign = [...new Set(ids.filter((id) => id !== executorId))];
  return { compatible: foreign.length === 0, runsOurs: ids.includes(executorId), foreign };
}

export interface Placement {
  key: string;
  agentId: string;
  hostname: string;
  role: string;
  /** The task's resources, copied from the offered resources they come from. */
  resources: Resource[];
  /** This task starts our executor on the agent (the executor's resources were charged to it). */
  startsExecutor: boolean;
  /** cpus/mem/ports the task takes (for the registry record). */
  taken: { cpus: number; mem: number; ports: number[] };
}

export interface LaunchGroup {
  agentId: string;
  hostname: string;
  role: string;
  /** Every offer of this agent and role: accepted together, the rest of them declined by the ACCEPT. */
  offerIds: string[];
  placements: Placement[];
  /** Our executor does not run on the agent: this launch starts it (its resources were charged this round, by a
   * placement or by a restart hold). */
  startsExecutor: boolean;
  /** With startsExecutor: its ExecutorInfo resources when taken from reserved resources (`executorResources` with
   * the reservation of the pool each came from), to be used on this agent from now on; else the default ones. */
  executorResources?: Resource[];
}

export interface IncompatibleOffer {
  offerId: string;
  agentId: string;
  hostname: string;
  foreign: string[];
}

export interface MatchResult {
  groups: LaunchGroup[];
  /** Compatible offers nothing was placed on (to decline). */
  unused: string[];
  incompatible: IncompatibleOffer[];
  /** Keys of requests that did not fit anywhere. */
  unplaced: string[];
  /** Why, per unplaced key, in kube-scheduler's words: "0/3 offered agents fit the pod (cpus 64, mem 128 MB):
   * 3 too little cpus". Only when at least one agent was offered. */
  unplacedWhy: Map<string, string>;
  /** Keys of holds that held resources on an offered node (those that kept a whole node included). */
  held: string[];
}

// ---- pools -------------------------------------------------------------------------------------------------

interface ScalarPool {
  template: Resource;
  reserved: boolean;
  /** Thousandths. */
  left: number;
}

interface PortPool {
  template: Resource;
  reserved: boolean;
  ranges: Range[];
}

interface RolePool {
  role: string;
  offerIds: string[];
  scalars: Map<string, ScalarPool[]>;
  ports: PortPool[];
  placements: Placement[];
}

interface AgentPool {
  agentId: string;
  hostname: string;
  runsOurs: boolean;
  /** Role our executor runs (or will run, once a placement starts it) under, if known. */
  executorRole: string | undefined;
  /** The executor's resources were charged this round (it does not run yet): with these resources when reserved. */
  execPlan?: { resources?: Resource[] };
  roles: Map<string, RolePool>;
}

const milli = (x: number): number => Math.round(x * 1000);

export function isReserved(r: Resource): boolean {
  if (r.reservations && r.reservations.length > 0) return true;
  return r.role !== undefined && r.role !== '*';
}

/** Resources the matcher will not hand out: revocable, shared, persistent/mount disks, provider resources. */
function isPlain(r: Resource): boolean {
  const x = r as unknown as Record<string, unknown>;
  return x.revocable === undefined && x.shared === undefined && x.disk === undefined && x.provider_id === undefined;
}

function copyTemplate(t: Resource): Resource {
  const out: Resource = { name: t.name, type: t.type };
  if (t.role !== undefined) out.role = t.role;
  if (t.reservations !== undefined) out.reservations = t.reservations.map((x) => ({ ...x }));
  if (t.reservation !== undefined) out.reservation = { ...t.reservation };
  if (t.allocation_info !== undefined) out.allocation_info = { ...t.allocation_info };
  return out;
}

function rangeContains(ranges: readonly Range[], p: number): boolean {
  for (const r of ranges) if (p >= r.begin && p <= r.end) return true;
  return false;
}

function removePort(ranges: Range[], p: number): Range[] {
  const out: Range[] = [];
  for (const r of ranges) {
    if (p < r.begin || p > r.end) out.push(r);
    else {
      if (p > r.begin) out.push({ begin: r.begin, end: p - 1 });
      if (p < r.end) out.push({ begin: p + 1, end: r.end });
    }
  }
  return out;
}

function sumScalar(resources: readonly Resource[], name: string): number {
  let s = 0;
  for (const r of resources) if (r.name === name && r.type === 'SCALAR' && r.scalar) s += milli(r.scalar.value);
  return s;
}

function buildPools(offers: readonly Offer[], opts: MatchOptions, incompatible: IncompatibleOffer[]): AgentPool[] {
  const agents = new Map<string, AgentPool>();
  for (const offer of offers) {
    const agentId = offer.agent_id.value;
    const compat = offerCompatibility(offer, opts.executorId);
    if (!compat.compatible) {
      incompatible.push({ offerId: offer.id.value, agentId, hostname: offer.hostname, foreign: compat.foreign });
      continue;
    }
    let a = agents.get(agentId);
    if (!a) {
      a = { agentId, hostname: offer.hostname, runsOurs: false, executorRole: undefined, roles: new Map() };
      agents.set(agentId, a);
    }
    if (compat.runsOurs && !a.runsOurs) {
      a.runsOurs = true;
      a.executorRole = opts.executorRole?.(agentId);
    }
    const role = offer.allocation_info?.role ?? offer.resources.find((r) => r.allocation_info)?.allocation_info?.role ?? opts.frameworkRoles[0] ?? '*';
    let rp = a.roles.get(role);
    if (!rp) {
      rp = { role, offerIds: [], scalars: new Map(), ports: [], placements: [] };
      a.roles.set(role, rp);
    }
    rp.offerIds.push(offer.id.value);
    for (const r of offer.resources) {
      if (!isPlain(r)) continue;
      if (r.type === 'SCALAR' && r.scalar && (r.name === 'cpus' || r.name === 'mem')) {
        const left = milli(r.scalar.value);
        if (left <= 0) continue;
        const list = rp.scalars.get(r.name) ?? [];
        list.push({ template: r, reserved: isReserved(r), left });
        rp.scalars.set(r.name, list);
      } else if (r.type === 'RANGES' && r.name === 'ports' && r.ranges) {
        rp.ports.push({ template: r, reserved: isReserved(r), ranges: r.ranges.range.map((x) => ({ begin: x.begin, end: x.end })) });
      }
    }
  }
  return [...agents.values()];
}

// ---- fit and take ------------------------------------------------------------------------------------------

interface Need {
  cpus: number;
  mem: number;
  ports: number[];
  execCpus: number;
  execMem: number;
}

/** The one pool the executor's `exec` comes from: unreserved if one can hold it all, else a reserved one. */
function execPool(pools: readonly ScalarPool[] | undefined, exec: number): ScalarPool | undefined {
  return pools?.find((p) => !p.reserved && p.left >= exec) ?? pools?.find((p) => p.reserved && p.left >= exec);
}

function scalarFits(pools: readonly ScalarPool[] | undefined, need: number, exec: number): boolean {
  let total = 0;
  for (const p of pools ?? []) total += p.left;
  if (exec > 0 && !execPool(pools, exec)) return false;
  return total - exec >= need;
}

function fits(rp: RolePool, n: Need): boolean {
  if (!scalarFits(rp.scalars.get('cpus'), n.cpus, n.execCpus)) return false;
  if (!scalarFits(rp.scalars.get('mem'), n.mem, n.execMem)) return false;
  for (const p of n.ports) if (!rp.ports.some((pp) => rangeContains(pp.ranges, p))) return false;
  return true;
}

/** Takes `exec` from its pool (execPool), then `need` (reserved pools first). `reservedExec` is set to the pool's
 * template when the executor's part came from a reserved pool. */
function takeScalar(pools: ScalarPool[], need: number, exec: number, reservedExec?: (template: Resource) => void): Resource[] {
  if (exec > 0) {
    const p = execPool(pools, exec)!;
    p.left -= exec;
    if (p.reserved) reservedExec?.(p.template);
  }
  const out: Resource[] = [];
  let left = need;
  for (const pass of [true, false]) {
    for (const p of pools) {
      if (left <= 0) break;
      if (p.reserved !== pass || p.left <= 0) continue;
      const d = Math.min(left, p.left);
      p.left -= d;
      left -= d;
      out.push({ ...copyTemplate(p.template), scalar: { value: d / 1000 } });
    }
  }
  return out;
}

function takePorts(rp: RolePool, ports: readonly number[]): Resource[] {
  const byPool = new Map<PortPool, number[]>();
  for (const port of ports) {
    // Reserved ranges first, as for scalars.
    const pool = rp.ports.find((pp) => pp.reserved && rangeContains(pp.ranges, port)) ?? rp.ports.find((pp) => rangeContains(pp.ranges, port))!;
    pool.ranges = removePort(pool.ranges, port);
    const l = byPool.get(pool) ?? [];
    l.push(port);
    byPool.set(pool, l);
  }
  const out: Resource[] = [];
  for (const [pool, ps] of byPool) {
    const ranges: Range[] = [];
    for (const p of [...ps].sort((a, b) => a - b)) {
      const last = ranges[ranges.length - 1];
      if (last && last.end + 1 === p) last.end = p;
      else ranges.push({ begin: p, end: p });
    }
    out.push({ ...copyTemplate(pool.template), ranges: { range: ranges } });
  }
  return out;
}

/** Nothing more of the agent's pools for these roles goes to anyone in this round. */
function drain(a: AgentPool, roles: readonly string[]): void {
  for (const role of roles) {
    const rp = a.roles.get(role);
    if (!rp) continue;
    for (const pools of rp.scalars.values()) for (const p of pools) p.left = 0;
    for (const pp of rp.ports) pp.ranges = [];
  }
}

/** The executor's resources with the reservation (not the allocation info: the master injects the offer's) of
 * the pools they were taken from. */
function reservedExecutorResources(base: readonly Resource[], templates: ReadonlyMap<string, Resource>): Resource[] {
  return base.map((r) => {
    const t = templates.get(r.name);
    if (!t) return { ...r };
    const out: Resource = { ...r };
    if (t.role !== undefined) out.role = t.role;
    if (t.reservations !== undefined) out.reservations = t.reservations.map((x) => ({ ...x }));
    if (t.reservation !== undefined) out.reservation = { ...t.reservation };
    return out;
  });
}

/** Takes `need` out of the role pool `rp` of agent `a` and returns the task's resources; with `needsExecutor`
 * the executor's share too, recording on the agent the role and the resources it will start with. */
function take(a: AgentPool, rp: RolePool, need: Need, needsExecutor: boolean, executorResources: readonly Resource[]): Resource[] {
  const reservedExec = new Map<string, Resource>();
  const resources = [
    ...takeScalar(rp.scalars.get('cpus') ?? [], need.cpus, need.execCpus, (t) => reservedExec.set('cpus', t)),
    ...takeScalar(rp.scalars.get('mem') ?? [], need.mem, need.execMem, (t) => reservedExec.set('mem', t)),
    ...takePorts(rp, need.ports),
  ];
  if (needsExecutor) {
    a.executorRole = rp.role;
    a.execPlan = reservedExec.size ? { resources: reservedExecutorResources(executorResources, reservedExec) } : {};
  }
  return resources;
}

// ---- the match ---------------------------------------------------------------------------------------------

interface FailedShape {
  cpus: number;
  mem: number;
  ports: number[];
}

/** What an agent lacks for `need` under the best of `roles` (empty: it fits). */
function shortfall(a: AgentPool, roles: readonly string[], need: Need): string[] {
  let best: string[] | undefined;
  for (const role of roles) {
    if (a.executorRole !== undefined && a.executorRole !== role) continue;
    const rp = a.roles.get(role);
    if (!rp) continue;
    const miss: string[] = [];
    if (!scalarFits(rp.scalars.get('cpus'), need.cpus, need.execCpus)) miss.push('too little cpus');
    if (!scalarFits(rp.scalars.get('mem'), need.mem, need.execMem)) miss.push('too little mem');
    for (const p of need.ports) if (!rp.ports.some((pp) => rangeContains(pp.ranges, p))) miss.push(`port ${p} not offered`);
    if (!best || miss.length < best.length) best = miss;
  }
  return best ?? [`no offer for role${roles.length === 1 ? '' : 's'} ${roles.join(', ')}`];
}

/** The unplaced request's explanation across the offered agents, reasons counted as kube-scheduler does. */
function explainUnplaced(agents: readonly AgentPool[], req: MatchRequest, roles: readonly string[], exec: { cpus: number; mem: number }): string {
  const d = req.demand;
  const counts = new Map<string, number>();
  for (const a of agents) {
    const needsExecutor = !a.runsOurs && a.executorRole === undefined;
    const reasons = req.hostname !== undefined && a.hostname !== req.hostname ? [`not its node ${req.hostname}`] : shortfall(a, roles, { cpus: milli(d.cpus), mem: milli(d.mem), ports: d.ports, execCpus: needsExecutor ? exec.cpus : 0, execMem: needsExecutor ? exec.mem : 0 });
    for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  const wants = `cpus ${d.cpus}, mem ${d.mem} MB${d.ports.length ? `, host ports ${d.ports.join(', ')}` : ''}${d.roles ? `, roles ${d.roles.join(', ')}` : ''}`;
  const why = [...counts].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).map(([r, n]) => `${n} ${r}`).join(', ');
  return `0/${agents.length} offered agent${agents.length === 1 ? '' : 's'} fit the pod (${wants}): ${why || 'it fits nowhere this round'}`;
}

function dominates(n: Need, f: FailedShape): boolean {
  return n.cpus >= f.cpus && n.mem >= f.mem && f.ports.every((p) => n.ports.includes(p));
}

export function matchOffers(offers: readonly Offer[], requests: readonly MatchRequest[], opts: MatchOptions): MatchResult {
  const incompatible: IncompatibleOffer[] = [];
  const agents = buildPools(offers, opts, incompatible);
  const execCpus = sumScalar(opts.executorResources, 'cpus');
  const execMem = sumScalar(opts.executorResources, 'mem');
  const unplaced: string[] = [];
  // Requests that did not fit stay unfit while resources only shrink: a request at least as large (same roles
  // and node constraint) is skipped without scanning every agent again.
  const failed = new Map<string, FailedShape[]>();
  let cursor = agents.length ? Math.abs(opts.rotation ?? 0) % agents.length : 0;
  const held: string[] = [];

  for (const h of opts.holds ?? []) {
    if (h.hostname === undefined) continue;
    const d = h.demand;
    const allowed = d.roles ?? opts.frameworkRoles;
    for (const a of agents) {
      if (a.hostname !== h.hostname) continue;
      const needsExecutor = !a.runsOurs && a.executorRole === undefined;
      const need: Need = { cpus: milli(d.cpus), mem: milli(d.mem), ports: d.ports, execCpus: needsExecutor ? execCpus : 0, execMem: needsExecutor ? execMem : 0 };
      let done = false;
      for (const role of allowed) {
        if (a.executorRole !== undefined && a.executorRole !== role) continue;
        const rp = a.roles.get(role);
        if (!rp || !fits(rp, need)) continue;
        // With the executor: its place is kept, and the pod launched here next (this round or the held one) starts it.
        take(a, rp, need, needsExecutor, opts.executorResources);
        done = true;
        break;
      }
      // It does not fit yet: keep the whole node for it, or smaller pods would keep taking what frees up.
      if (!done) drain(a, allowed);
      held.push(h.key);
    }
  }

  for (const req of requests) {
    const d = req.demand;
    const allowed = d.roles ?? opts.frameworkRoles;
    const shapeKey = `${[...allowed].sort().join(',')}|${req.hostname ?? ''}`;
    const base: Need = { cpus: milli(d.cpus), mem: milli(d.mem), ports: d.ports, execCpus: 0, execMem: 0 };
    if ((failed.get(shapeKey) ?? []).some((f) => dominates(base, f))) {
      unplaced.push(req.key);
      continue;
    }
    let placed = false;
    for (let i = 0; i < agents.length && !placed; i++) {
      const idx = (cursor + i) % agents.length;
      const a = agents[idx]!;
      if (req.hostname !== undefined && a.hostname !== req.hostname) continue;
      const needsExecutor = !a.runsOurs && a.executorRole === undefined;
      const need: Need = needsExecutor ? { ...base, execCpus, execMem } : base;
      for (const role of allowed) {
        if (a.executorRole !== undefined && a.executorRole !== role) continue;
        const rp = a.roles.get(role);
        if (!rp || !fits(rp, need)) continue;
        rp.placements.push({
          key: req.key,
          agentId: a.agentId,
          hostname: a.hostname,
          role,
          resources: take(a, rp, need, needsExecutor, opts.executorResources),
          startsExecutor: needsExecutor,
          taken: { cpus: d.cpus, mem: d.mem, ports: [...d.ports] },
        });
        placed = true;
        cursor = (idx + 1) % agents.length;
        break;
      }
    }
    if (!placed && req.hostname !== undefined) {
      // A pod returning to its node that does not fit yet keeps the node, as a hold does.
      for (const a of agents) if (a.hostname === req.hostname) drain(a, allowed);
    }
    if (!placed) {
      unplaced.push(req.key);
      const l = failed.get(shapeKey) ?? [];
      l.push({ cpus: base.cpus, mem: base.mem, ports: base.ports });
      failed.set(shapeKey, l);
    }
  }

  const groups: LaunchGroup[] = [];
  const unused: string[] = [];
  for (const a of agents) {
    for (const rp of a.roles.values()) {
      if (rp.placements.length) {
        groups.push({
          agentId: a.agentId,
          hostname: a.hostname,
          role: rp.role,
          offerIds: rp.offerIds,
          placements: rp.placements,
          startsExecutor: !a.runsOurs && a.execPlan !== undefined,
          ...(a.execPlan?.resources ? { executorResources: a.execPlan.resources } : {}),
        });
      }
      else unused.push(...rp.offerIds);
    }
  }
  // Explained once per shape: a thousand pending pods of one size cost one scan of the agents.
  const unplacedWhy = new Map<string, string>();
  if (agents.length) {
    const byShape = new Map<string, string>();
    const byKey = new Map(requests.map((r) => [r.key, r]));
    for (const key of unplaced) {
      const req = byKey.get(key)!;
      const roles = req.demand.roles ?? opts.frameworkRoles;
      const shape = `${roles.join(',')}|${req.hostname ?? ''}|${req.demand.cpus}|${req.demand.mem}|${req.demand.ports.join(',')}`;
      let why = byShape.get(shape);
      if (why === undefined) byShape.set(shape, (why = explainUnplaced(agents, req, roles, { cpus: execCpus, mem: execMem })));
      unplacedWhy.set(key, why);
    }
  }
  return { groups, unused, incompatible, unplaced, unplacedWhy, held };
}
