// Offer matching and accounting (src/scheduler/pods/matching.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchOffers, offerCompatibility, type MatchOptions, type MatchRequest } from '../../src/scheduler/pods/matching.js';
import type { Offer, Resource } from '../../src/mesos/types.js';
import { injectAllocationInfo, validateTask } from '../../src/devstack/mesos/validation.js';
import { bagFrom, subtractBags } from '../../src/devstack/mesos/resources.js';
import { buildTaskInfo } from '../../src/scheduler/pods/task-info.js';

const EXEC = 'h1_k8sm-executor';
const execResources: Resource[] = [
  { name: 'cpus', type: 'SCALAR', scalar: { value: 0.25 } },
  { name: 'mem', type: 'SCALAR', scalar: { value: 128 } },
];
const opts = (o: Partial<MatchOptions> = {}): MatchOptions => ({ executorId: EXEC, executorResources: execResources, frameworkRoles: ['*'], ...o });

let offerSeq = 0;
function offer(agent: string, res: { cpus?: number; mem?: number; ports?: Array<[number, number]> }, o: { role?: string; executors?: string[]; reserved?: { cpus?: number; mem?: number; ports?: Array<[number, number]> }; hostname?: string } = {}): Offer {
  const role = o.role ?? '*';
  const alloc = { allocation_info: { role } };
  const resources: Resource[] = [];
  if (o.reserved?.cpus) resources.push({ name: 'cpus', type: 'SCALAR', scalar: { value: o.reserved.cpus }, reservations: [{ type: 'STATIC', role }], ...alloc });
  if (res.cpus) resources.push({ name: 'cpus', type: 'SCALAR', scalar: { value: res.cpus }, role: '*', ...alloc });
  if (o.reserved?.mem) resources.push({ name: 'mem', type: 'SCALAR', scalar: { value: o.reserved.mem }, reservations: [{ type: 'STATIC', role }], ...alloc });
  if (res.mem) resources.push({ name: 'mem', type: 'SCALAR', scalar: { value: res.mem }, role: '*', ...alloc });
  if (o.reserved?.ports) resources.push({ name: 'ports', type: 'RANGES', ranges: { range: o.reserved.ports.map(([begin, end]) => ({ begin, end })) }, reservations: [{ type: 'STATIC', role }], ...alloc });
  if (res.ports) resources.push({ name: 'ports', type: 'RANGES', ranges: { range: res.ports.map(([begin, end]) => ({ begin, end })) }, role: '*', ...alloc });
  return {
    id: { value: `O${offerSeq++}` },
    framework_id: { value: 'F1' },
    agent_id: { value: agent },
    hostname: o.hostname ?? `host-${agent}`,
    resources,
    executor_ids: (o.executors ?? []).map((value) => ({ value })),
    allocation_info: { role },
  };
}

const req = (key: string, cpus: number, mem: number, extra: Partial<MatchRequest['demand']> & { hostname?: string } = {}): MatchRequest => {
  const { hostname, ...d } = extra;
  return { key, demand: { cpus, mem, ports: [], ...d }, ...(hostname ? { hostname } : {}) };
};

const sum = (rs: Resource[], name: string) => rs.filter((r) => r.name === name).reduce((s, r) => s + (r.scalar?.value ?? 0), 0);

test('offer compatibility is k8sm’s rule: no executors or only ours is compatible; any other id is not', () => {
  assert.deepEqual(offerCompatibility(offer('S1', { cpus: 1 }), EXEC), { compatible: true, runsOurs: false, foreign: [] });
  assert.deepEqual(offerCompatibility(offer('S1', { cpus: 1 }, { executors: [EXEC] }), EXEC), { compatible: true, runsOurs: true, foreign: [] });
  assert.deepEqual(offerCompatibility(offer('S1', { cpus: 1 }, { executors: ['other_k8sm-executor'] }), EXEC), { compatible: false, runsOurs: false, foreign: ['other_k8sm-executor'] });
  assert.deepEqual(offerCompatibility(offer('S1', { cpus: 1 }, { executors: [EXEC, 'old_k8sm-executor'] }), EXEC), { compatible: false, runsOurs: true, foreign: ['old_k8sm-executor'] }, 'more than one executor: incompatible');
});

test('several pods share one offer; the executor is charged once; nothing is over-committed', () => {
  // 2 cpus / 1024 MB: executor 0.25/128 + pods of 0.5/256 → 3 pods fit (1.75 cpus, 896 MB), the 4th does not.
  const o = offer('S1', { cpus: 2, mem: 1024 });
  const m = matchOffers([o], [req('a', 0.5, 256), req('b', 0.5, 256), req('c', 0.5, 256), req('d', 0.5, 256)], opts());
  assert.equal(m.groups.length, 1);
  const g = m.groups[0]!;
  assert.deepEqual(g.offerIds, [o.id.value]);
  assert.deepEqual(g.placements.map((p) => p.key), ['a', 'b', 'c']);
  assert.deepEqual(m.unplaced, ['d']);
  assert.deepEqual(g.placements.map((p) => p.startsExecutor), [true, false, false]);
  for (const p of g.placements) {
    assert.equal(sum(p.resources, 'cpus'), 0.5);
    assert.equal(sum(p.resources, 'mem'), 256);
    for (const r of p.resources) assert.deepEqual(r.allocation_info, { role: '*' }, 'allocation_info copied from the offer');
  }
  assert.deepEqual(m.unused, []);
});

test('no executor charge where ours already runs; 0.1-cpu pods add up exactly (integer accounting)', () => {
  const o = offer('S1', { cpus: 1, mem: 1000 }, { executors: [EXEC] });
  const reqs = Array.from({ length: 12 }, (_, i) => req(`p${i}`, 0.1, 10));
  const m = matchOffers([o], reqs, opts());
  assert.equal(m.groups[0]!.placements.length, 10, 'exactly ten 0.1-cpu pods in 1 cpu');
  assert.equal(m.unplaced.length, 2);
});

test('several offers of one agent are aggregated into one launch group', () => {
  const o1 = offer('S1', { cpus: 1, mem: 512 });
  const o2 = offer('S1', { cpus: 1, mem: 512 });
  const m = matchOffers([o1, o2], [req('big', 1.5, 700)], opts());
  assert.equal(m.groups.length, 1);
  assert.deepEqual(m.groups[0]!.offerIds, [o1.id.value, o2.id.value]);
  const p = m.groups[0]!.placements[0]!;
  assert.equal(sum(p.resources, 'cpus'), 1.5);
  assert.equal(sum(p.resources, 'mem'), 700);
});

test('incompatible offers are never used and are reported; their agent gets no task', () => {
  const bad = offer('S1', { cpus: 8, mem: 8192 }, { executors: ['deadbeef_k8sm-executor'] });
  const good = offer('S2', { cpus: 1, mem: 512 });
  const m = matchOffers([bad, good], [req('a', 0.5, 128), req('b', 0.5, 128)], opts());
  assert.deepEqual(m.incompatible, [{ offerId: bad.id.value, agentId: 'S1', hostname: 'host-S1', foreign: ['deadbeef_k8sm-executor'] }]);
  assert.ok(m.groups.every((g) => g.agentId !== 'S1'));
  assert.deepEqual(m.groups.map((g) => g.placements.map((p) => p.key)), [['a']]);
  assert.deepEqual(m.unplaced, ['b']);
  assert.ok(!m.unused.includes(bad.id.value), 'incompatible offers are listed apart from unused ones');
});

test('placements spread round-robin over agents; unused offers are returned for declining', () => {
  const offers = ['S1', 'S2', 'S3'].map((a) => offer(a, { cpus: 4, mem: 4096 }));
  const m = matchOffers(offers, [req('a', 0.5, 64), req('b', 0.5, 64)], opts());
  assert.deepEqual(m.groups.map((g) => g.agentId), ['S1', 'S2']);
  assert.deepEqual(m.unused, [offers[2]!.id.value]);
  const rotated = matchOffers(offers.map((o) => ({ ...o })), [req('a', 0.5, 64)], opts({ rotation: 2 }));
  assert.deepEqual(rotated.groups.map((g) => g.agentId), ['S3']);
});

test('host ports: exact ports from the offered ranges, one pod per port per agent', () => {
  const offers = [offer('S1', { cpus: 4, mem: 4096, ports: [[31000, 31010]] }), offer('S2', { cpus: 4, mem: 4096, ports: [[31000, 31010]] })];
  const m = matchOffers(offers, [req('a', 0.1, 16, { ports: [31000, 31001] }), req('b', 0.1, 16, { ports: [31000] }), req('c', 0.1, 16, { ports: [31000] }), req('d', 0.1, 16, { ports: [40000] })], opts());
  const where = Object.fromEntries(m.groups.flatMap((g) => g.placements.map((p) => [p.key, g.agentId])));
  assert.equal(where.a, 'S1');
  assert.equal(where.b, 'S2');
  assert.equal(where.c, undefined, 'port 31000 is taken on both agents');
  assert.deepEqual(m.unplaced.sort(), ['c', 'd']);
  const a = m.groups[0]!.placements[0]!;
  assert.deepEqual(a.resources.find((r) => r.name === 'ports')!.ranges, { range: [{ begin: 31000, end: 31001 }] });
});

test('roles: reserved resources of the offer role first, then unreserved; reservations copied; pod roles honoured', () => {
  const web = offer('S1', { cpus: 2, mem: 1024 }, { role: 'web', reserved: { cpus: 0.5, mem: 100 } });
  const star = offer('S2', { cpus: 4, mem: 4096 });
  const m = matchOffers([web, star], [req('w', 1, 200, { roles: ['web'] }), req('any', 1, 200, { roles: ['*'] })], opts({ frameworkRoles: ['*', 'web'] }));
  const w = m.groups.find((g) => g.agentId === 'S1')!;
  assert.equal(w.role, 'web');
  const p = w.placements[0]!;
  assert.equal(p.key, 'w');
  const cpus = p.resources.filter((r) => r.name === 'cpus');
  assert.deepEqual(cpus.map((r) => [r.scalar!.value, r.reservations?.[0]?.role ?? 'unreserved']), [
    [0.5, 'web'],
    [0.5, 'unreserved'],
  ]);
  for (const r of p.resources) assert.deepEqual(r.allocation_info, { role: 'web' });
  assert.deepEqual(m.groups.find((g) => g.agentId === 'S2')!.placements.map((x) => x.key), ['any']);
  // A pod restricted to a role nobody offers stays unplaced.
  const none = matchOffers([offer('S3', { cpus: 4, mem: 4096 })], [req('x', 0.1, 10, { roles: ['batch'] })], opts());
  assert.deepEqual(none.unplaced, ['x']);
});

test('the executor is paid from unreserved resources when the offer has enough, else from resources reserved for the role', () => {
  const web = opts({ frameworkRoles: ['web'] });
  // Unreserved cpus and mem enough for the executor: it takes those (the default ExecutorInfo), the pod reserved.
  const mixed = matchOffers([offer('S1', { cpus: 1, mem: 512 }, { role: 'web', reserved: { cpus: 4, mem: 1024 } })], [req('a', 0.5, 64, { roles: ['web'] })], web);
  const pm = mixed.groups[0]!.placements[0]!;
  assert.equal(mixed.groups[0]!.executorResources, undefined, 'the default executor resources');
  assert.equal(pm.startsExecutor, true);
  assert.ok(pm.resources.every((r) => r.reservations?.[0]?.role === 'web'), 'the pod on reserved resources first');
  // Only reserved cpus (and unreserved mem): the executor's cpus come from the reservation, its mem stays unreserved.
  const o = offer('S1', { mem: 2048 }, { role: 'web', reserved: { cpus: 4 } });
  const m = matchOffers([o], [req('a', 0.5, 64, { roles: ['web'] }), req('b', 0.5, 64, { roles: ['web'] })], web);
  const [p1, p2] = m.groups[0]!.placements;
  assert.equal(p1!.startsExecutor, true);
  assert.deepEqual(m.groups[0]!.executorResources, [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 0.25 }, reservations: [{ type: 'STATIC', role: 'web' }] },
    { name: 'mem', type: 'SCALAR', scalar: { value: 128 } },
  ]);
  assert.equal(p2!.startsExecutor, false);
  // The master takes it: both tasks, the executor charged once, from what the offer holds.
  let remaining = bagFrom(o.resources);
  let running: ReturnType<typeof buildTaskInfo>['executor'];
  for (const p of [p1!, p2!]) {
    const task = buildTaskInfo({ ref: { namespace: 'n', name: p.key, uid: p.key }, taskId: `pod.${p.key}.0`, attempt: 0, agentId: 'S1', resources: p.resources, executor: { type: 'CUSTOM', executor_id: { value: EXEC }, framework_id: { value: 'F1' }, command: { value: './km' }, resources: (m.groups[0]!.executorResources ?? execResources).map((r) => ({ ...r })) } });
    injectAllocationInfo(task, 'web');
    const v = validateTask(task, { frameworkId: 'F1', agentId: 'S1', hasTask: () => false, existingExecutor: () => running, offered: remaining, offerRole: 'web' });
    assert.equal(v.error, undefined, v.error);
    remaining = subtractBags(remaining, v.consumes);
    running ??= task.executor;
  }
  assert.equal(m.groups[0]!.startsExecutor, true);
  // A restart hold on the agent charges the executor first: the pod placed there after it starts the executor, and
  // its group carries the executor resources the hold chose (from the reservation).
  const held = matchOffers([offer('S1', { mem: 2048 }, { role: 'web', reserved: { cpus: 4 }, hostname: 'n1' })], [req('c', 0.5, 64, { roles: ['web'] })], opts({ frameworkRoles: ['web'], holds: [req('h', 0.5, 64, { roles: ['web'], hostname: 'n1' })] }));
  assert.equal(held.groups[0]!.placements[0]!.startsExecutor, false, 'the hold paid for it');
  assert.equal(held.groups[0]!.startsExecutor, true, 'but the launch starts it');
  assert.deepEqual(held.groups[0]!.executorResources?.map((r) => [r.name, r.reservations?.[0]?.role]), [['cpus', 'web'], ['mem', undefined]]);
  // Nothing the executor could take whole: no placement.
  const none = matchOffers([offer('S1', { cpus: 0.1, mem: 2048 }, { role: 'web', reserved: { cpus: 0.2 } })], [req('a', 0.01, 64, { roles: ['web'] })], web);
  assert.deepEqual(none.unplaced, ['a']);
  const withExec = matchOffers([offer('S1', { mem: 2048 }, { role: 'web', reserved: { cpus: 4 }, executors: [EXEC] })], [req('a', 0.5, 64, { roles: ['web'] })], web);
  assert.equal(withExec.groups[0]!.placements[0]!.startsExecutor, false, 'where our executor runs, nothing is charged for it');
});

test('our executor serves one role per agent', () => {
  const offers = [offer('S1', { cpus: 4, mem: 4096 }, { role: 'a' }), offer('S1', { cpus: 4, mem: 4096 }, { role: 'b' })];
  const m = matchOffers(offers, [req('x', 0.5, 64, { roles: ['a'] }), req('y', 0.5, 64, { roles: ['b'] })], opts({ frameworkRoles: ['a', 'b'] }));
  assert.deepEqual(m.groups.map((g) => [g.role, g.placements.map((p) => p.key)]), [['a', ['x']]]);
  assert.deepEqual(m.unplaced, ['y']);
  const known = matchOffers([offer('S1', { cpus: 4, mem: 4096 }, { role: 'a', executors: [EXEC] }), offer('S1', { cpus: 4, mem: 4096 }, { role: 'b', executors: [EXEC] })], [req('y', 0.5, 64, { roles: ['b'] })], opts({ frameworkRoles: ['a', 'b'], executorRole: () => 'a' }));
  assert.deepEqual(known.unplaced, ['y'], 'an executor known to run under role a takes no role-b task');
});

test('a pod that must return to its node only goes to the agent with that hostname', () => {
  const offers = [offer('S1', { cpus: 4, mem: 4096 }, { hostname: 'n1' }), offer('S2', { cpus: 4, mem: 4096 }, { hostname: 'n2' })];
  const m = matchOffers(offers, [req('r', 0.5, 64, { hostname: 'n2' })], opts());
  assert.deepEqual(m.groups.map((g) => g.agentId), ['S2']);
  const gone = matchOffers([offers[0]!], [req('r', 0.5, 64, { hostname: 'n9' })], opts());
  assert.deepEqual(gone.unplaced, ['r']);
});

test('a bound pod waiting to restart holds its place on its node; other pods go elsewhere or wait', () => {
  // n1 has room for exactly one 1-cpu pod besides our executor; the bound pod returning there holds it.
  const offers = () => [offer('S1', { cpus: 1.0, mem: 1024 }, { hostname: 'n1', executors: [EXEC] }), offer('S2', { cpus: 4, mem: 4096 }, { hostname: 'n2', executors: [EXEC] })];
  const hold = req('bound', 1, 256, { hostname: 'n1' });
  const o = offers();
  const m = matchOffers(o, [req('new', 1, 256)], opts({ rotation: 0, holds: [hold] }));
  assert.deepEqual(m.held, ['bound']);
  assert.deepEqual(m.groups.map((g) => [g.agentId, g.placements.map((p) => p.key)]), [['S2', ['new']]], 'the new pod does not take the held place');
  assert.deepEqual(m.unused, [o[0]!.id.value], 'the held node’s offer is declined');
  // Without the hold the new pod would have taken n1 (first fit from rotation 0).
  const free = matchOffers(offers(), [req('new', 1, 256)], opts({ rotation: 0 }));
  assert.deepEqual(free.groups.map((g) => g.agentId), ['S1']);
  // Only n1 offered: the new pod waits.
  const only = matchOffers([offers()[0]!], [req('new', 0.5, 128)], opts({ holds: [hold] }));
  assert.deepEqual(only.unplaced, ['new']);
  assert.deepEqual(only.groups, []);
  // A hold on a node not offered now holds nothing here.
  const elsewhere = matchOffers(offers(), [req('new', 1, 256)], opts({ rotation: 0, holds: [req('b2', 1, 256, { hostname: 'n9' })] }));
  assert.deepEqual(elsewhere.held, []);
  assert.deepEqual(elsewhere.groups.map((g) => g.agentId), ['S1']);
  // What is left beside the hold is still usable.
  const rest = matchOffers([offer('S1', { cpus: 2, mem: 2048 }, { hostname: 'n1', executors: [EXEC] })], [req('new', 0.5, 128)], opts({ holds: [hold] }));
  assert.deepEqual(rest.groups.map((g) => g.placements.map((p) => p.key)), [['new']]);
});

test('a bound pod that does not fit on its node yet keeps the node: nothing smaller lands there meanwhile', () => {
  const n1 = () => offer('S1', { cpus: 0.6, mem: 1024 }, { hostname: 'n1', executors: [EXEC] });
  const held = matchOffers([n1()], [req('small', 0.25, 64)], opts({ holds: [req('big', 1, 256, { hostname: 'n1' })] }));
  assert.deepEqual(held.unplaced, ['small'], 'the held node takes nothing new');
  assert.deepEqual(held.held, ['big']);
  // The same when the returning pod is itself a request this round (the manager puts those first).
  const asReq = matchOffers([n1()], [req('big', 1, 256, { hostname: 'n1' }), req('small', 0.25, 64)], opts());
  assert.deepEqual(asReq.unplaced.sort(), ['big', 'small']);
  // Another node still takes the small pod.
  const two = matchOffers([n1(), offer('S2', { cpus: 1, mem: 1024 }, { hostname: 'n2', executors: [EXEC] })], [req('big', 1, 256, { hostname: 'n1' }), req('small', 0.25, 64)], opts());
  assert.deepEqual(two.groups.map((g) => [g.agentId, g.placements.map((p) => p.key)]), [['S2', ['small']]]);
  assert.deepEqual(two.unplaced, ['big']);
});

test('property: random offers (two roles, some reserved) and pods never over-commit, and the master accepts every task in order', () => {
  let seed = 12345;
  let totalPlaced = 0;
  let totalUnplaced = 0;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let round = 0; round < 200; round++) {
    const offers: Offer[] = [];
    const nAgents = 1 + Math.floor(rnd() * 4);
    // The master's view of our executor per agent, as it stored it (allocation info injected at its launch).
    const executors = new Map<string, NonNullable<ReturnType<typeof buildTaskInfo>['executor']>>();
    for (let a = 0; a < nAgents; a++) {
      const n = 1 + Math.floor(rnd() * 3);
      const runsOurs = rnd() < 0.3;
      const execRole = rnd() < 0.5 ? 'web' : '*';
      if (runsOurs) executors.set(`S${a}`, { type: 'CUSTOM', executor_id: { value: EXEC }, framework_id: { value: 'F1' }, command: { value: './km' }, resources: execResources.map((r) => ({ ...r, allocation_info: { role: execRole } })) });
      for (let k = 0; k < n; k++) {
        // Offers for the framework's two roles; a "web" offer may hold resources reserved for web.
        const role = rnd() < 0.4 ? 'web' : '*';
        const reserved = role === 'web' && rnd() < 0.6 ? { cpus: Math.round(rnd() * 1500) / 1000, mem: Math.round(rnd() * 1024), ports: [[32000 + k * 5, 32004 + k * 5]] as Array<[number, number]> } : undefined;
        offers.push(offer(`S${a}`, { cpus: Math.round(rnd() * 3000) / 1000, mem: Math.round(rnd() * 2048), ports: [[31000 + k * 5, 31004 + k * 5]] }, { role, executors: runsOurs ? [EXEC] : [], ...(reserved ? { reserved } : {}) }));
      }
    }
    const reqs = Array.from({ length: Math.floor(rnd() * 20) }, (_, i) => req(`p${i}`, Math.round(rnd() * 1000) / 1000, Math.round(rnd() * 512), { ports: rnd() < 0.3 ? [31000 + Math.floor(rnd() * 15)] : [] }));
    const m = matchOffers(offers, reqs, opts({ frameworkRoles: ['*', 'web'], executorRole: (agentId) => executors.get(agentId)?.resources?.[0]?.allocation_info?.role }));
    const placed = new Set<string>();
    for (const g of m.groups) {
      const groupOffers = offers.filter((o) => g.offerIds.includes(o.id.value));
      assert.ok(groupOffers.every((o) => o.agent_id.value === g.agentId && o.allocation_info?.role === g.role), 'one agent and one allocation role per ACCEPT');
      let remaining = bagFrom(groupOffers.flatMap((o) => o.resources));
      assert.equal(g.startsExecutor, !executors.has(g.agentId));
      for (const p of g.placements) {
        assert.ok(!placed.has(p.key), 'each pod placed once');
        placed.add(p.key);
        const r = reqs.find((x) => x.key === p.key)!;
        assert.ok(Math.abs(sum(p.resources, 'cpus') - r.demand.cpus) < 1e-9 && Math.abs(sum(p.resources, 'mem') - r.demand.mem) < 1e-9);
        assert.equal(p.startsExecutor, !executors.has(g.agentId));
        // The ExecutorInfo of the agent: the running one's resources, or those this placement starts it with.
        const exRes = executors.get(g.agentId)?.resources?.map(({ allocation_info: _a, ...r }) => r) ?? g.executorResources ?? execResources;
        const task = buildTaskInfo({ ref: { namespace: 'n', name: p.key, uid: p.key }, taskId: `pod.${p.key}.0`, attempt: 0, agentId: g.agentId, resources: p.resources, executor: { type: 'CUSTOM', executor_id: { value: EXEC }, framework_id: { value: 'F1' }, command: { value: './km' }, resources: exRes.map((r) => ({ ...r })) } });
        // What the master does with the LAUNCH: inject the offer's allocation role, then validate against what the
        // offers still hold and the executor it already runs there.
        injectAllocationInfo(task, g.role);
        const v = validateTask(task, { frameworkId: 'F1', agentId: g.agentId, hasTask: () => false, existingExecutor: () => executors.get(g.agentId), offered: remaining, offerRole: g.role });
        assert.equal(v.error, undefined, `round ${round}: the master would refuse ${p.key}: ${v.error}`);
        remaining = subtractBags(remaining, v.consumes);
        if (!executors.has(g.agentId)) executors.set(g.agentId, task.executor!);
      }
    }
    for (const k of m.unplaced) assert.ok(!placed.has(k));
    assert.equal(placed.size + m.unplaced.length, reqs.length);
    totalPlaced += placed.size;
    totalUnplaced += m.unplaced.length;
  }
  assert.ok(totalPlaced > 300 && totalUnplaced > 100, `the rounds exercise both outcomes (${totalPlaced} placed, ${totalUnplaced} not)`);
});

test('an unplaced request is explained across the offered agents, reasons counted (kube-scheduler style), once per shape', () => {
  const offers = [offer('S1', { cpus: 4, mem: 8192, ports: [[31000, 31100]] }), offer('S2', { cpus: 4, mem: 8192, ports: [[31000, 31100]] }), offer('S3', { cpus: 1, mem: 256, ports: [[31000, 31100]] })];
  const m = matchOffers(offers, [req('huge', 64, 128), req('huge2', 64, 128), req('port', 0.1, 64, { ports: [32500] }), req('fits', 0.1, 64), req('home', 0.1, 64, { hostname: 'host-nowhere' })], opts());
  assert.deepEqual(m.unplaced.sort(), ['home', 'huge', 'huge2', 'port']);
  assert.equal(m.unplacedWhy.get('huge'), '0/3 offered agents fit the pod (cpus 64, mem 128 MB): 3 too little cpus');
  assert.equal(m.unplacedWhy.get('huge2'), m.unplacedWhy.get('huge'));
  assert.equal(m.unplacedWhy.get('port'), '0/3 offered agents fit the pod (cpus 0.1, mem 64 MB, host ports 32500): 3 port 32500 not offered');
  assert.equal(m.unplacedWhy.get('home'), '0/3 offered agents fit the pod (cpus 0.1, mem 64 MB): 3 not its node host-nowhere');
  assert.equal(m.unplacedWhy.has('fits'), false);
  const roles = matchOffers(offers, [req('web', 0.1, 64, { roles: ['web'] })], opts());
  assert.equal(roles.unplacedWhy.get('web'), '0/3 offered agents fit the pod (cpus 0.1, mem 64 MB, roles web): 3 no offer for role web');
  assert.equal(matchOffers([], [req('x', 1, 1)], opts()).unplacedWhy.size, 0, 'no offer: nothing to explain');
});
