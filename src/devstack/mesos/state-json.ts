// The legacy read-only JSON endpoints (`/master/state`, `/master/frameworks`, `/master/tasks`) with the field
// names of src/master/readonly_handler.cpp and src/common/http.cpp (reference §4.2): task `id` as a string,
// `state` = task.state, resources as an object, times in seconds, `reregistered_time` only when it differs.
import type { Master } from './master.js';
import type { AgentRec, FrameworkRec, MasterTask } from './model.js';
import { addBags, bagFrom, bagToStateObject, emptyBag, splitReservations } from './resources.js';
import { frameworkRoles, hasCapability } from './validation.js';

function taskJson(t: MasterTask): Record<string, unknown> {
  const v: Record<string, unknown> = {
    id: t.info.task_id.value,
    name: t.info.name,
    framework_id: t.frameworkId,
    executor_id: t.executorId ?? '',
    slave_id: t.agentId,
    state: t.state,
    resources: bagToStateObject(t.resources),
    role: t.role,
    statuses: t.statuses.map((s) => {
      const x: Record<string, unknown> = { state: s.state, timestamp: s.timestamp ?? 0 };
      if (s.labels) x.labels = s.labels.labels;
      if (s.healthy !== undefined) x.healthy = s.healthy;
      const cs = (s as { container_status?: unknown }).container_status;
      if (cs !== undefined) x.container_status = cs;
      return x;
    }),
  };
  if (t.info.command?.user) v.user = t.info.command.user;
  if (t.info.labels) v.labels = t.info.labels.labels;
  return v;
}

function frameworkJson(m: Master, fw: FrameworkRec): Record<string, unknown> {
  const used = [...fw.tasks.values()].filter((t) => t.resourcesHeld).reduce((acc, t) => addBags(acc, t.resources), emptyBag());
  const offered = [...fw.offers.values()].reduce((acc, o) => addBags(acc, o.resources), emptyBag());
  const registered = fw.registeredTime / 1000;
  const v: Record<string, unknown> = {
    id: fw.id,
    name: fw.info.name,
    hostname: fw.info.hostname ?? '',
    webui_url: fw.info.webui_url ?? '',
    used_resources: bagToStateObject(used),
    offered_resources: bagToStateObject(offered),
    resources: bagToStateObject(addBags(used, offered)),
    capabilities: (fw.info.capabilities ?? []).map((c) => c.type),
    active: fw.active,
    connected: fw.connected,
    recovered: fw.recovered,
    user: fw.info.user,
    failover_timeout: fw.info.failover_timeout ?? 0,
    checkpoint: fw.info.checkpoint ?? false,
    registered_time: registered,
    unregistered_time: fw.unregisteredTime !== undefined ? fw.unregisteredTime / 1000 : 0,
    tasks: [...fw.tasks.values()].map(taskJson),
    unreachable_tasks: [...fw.unreachableTasks.values()].map(taskJson),
    completed_tasks: fw.completedTasks.slice(-1000).map(taskJson),
    offers: [...fw.offers.values()].map((o) => ({
      id: o.id,
      framework_id: o.frameworkId,
      slave_id: o.agentId,
      resources: bagToStateObject(o.resources),
      allocation_info: { role: o.role },
    })),
    executors: [...fw.executors].flatMap(([agentId, exs]) =>
      [...exs.values()].map((ex) => ({
        executor_id: ex.executor_id.value,
        name: ex.name ?? '',
        framework_id: fw.id,
        command: ex.command ?? {},
        resources: bagToStateObject(bagFrom(ex.resources)),
        role: frameworkRoles(fw.info)[0] ?? '*',
        slave_id: agentId,
        ...(ex.labels ? { labels: ex.labels.labels } : {}),
      })),
    ),
  };
  if (!fw.recovered && fw.reregisteredTime !== fw.registeredTime) v.reregistered_time = fw.reregisteredTime / 1000;
  if (fw.info.principal !== undefined) v.principal = fw.info.principal;
  if (hasCapability(fw.info, 'MULTI_ROLE')) v.roles = fw.info.roles ?? [];
  else v.role = fw.info.role ?? '*';
  if (fw.info.labels) v.labels = fw.info.labels.labels;
  void m;
  return v;
}

function slaveJson(m: Master, a: AgentRec): Record<string, unknown> {
  const total = bagFrom(a.sim.resources);
  const split = splitReservations(total);
  const v: Record<string, unknown> = {
    id: a.id,
    pid: a.sim.pid,
    hostname: a.sim.hostname,
    port: a.sim.port,
    registered_time: a.registeredTime / 1000,
    resources: bagToStateObject(total),
    used_resources: bagToStateObject(a.used),
    offered_resources: bagToStateObject(a.offered),
    reserved_resources: Object.fromEntries([...split.reserved].map(([role, b]) => [role, bagToStateObject(b)])),
    unreserved_resources: bagToStateObject(split.unreserved),
    attributes: {},
    active: a.connected,
    deactivated: false,
    version: m.getMaster().master_info ? (m.info.version ?? '') : '',
    capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT'],
  };
  if (a.reregisteredTime !== undefined) v.reregistered_time = a.reregisteredTime / 1000;
  return v;
}

export function masterStateJson(m: Master, flags: Record<string, string>): Record<string, unknown> {
  const st = m.st!;
  const registered = [...st.agents.values()].filter((a) => a.standing === 'registered');
  return {
    version: m.info.version,
    build_date: '2024-08-23 00:00:00',
    build_time: 1724371200,
    build_user: 'schedulerha-emulator',
    start_time: m.startTime / 1000,
    elected_time: (m.electedTime ?? m.startTime) / 1000,
    id: m.info.id,
    pid: m.info.pid,
    hostname: m.info.hostname,
    capabilities: ['AGENT_UPDATE', 'AGENT_DRAINING', 'QUOTA_V2'],
    activated_slaves: registered.filter((a) => a.connected).length,
    deactivated_slaves: registered.filter((a) => !a.connected).length,
    unreachable_slaves: [...st.agents.values()].filter((a) => a.standing === 'unreachable').length,
    leader: m.leader?.pid ?? '',
    leader_info: m.leader ? { id: m.leader.id, pid: m.leader.pid, port: m.leader.port, hostname: m.leader.hostname } : undefined,
    flags,
    slaves: registered.map((a) => slaveJson(m, a)),
    recovered_slaves: [...st.agents.values()].filter((a) => a.standing === 'recovered').map((a) => ({ id: a.id, hostname: a.sim.hostname, port: a.sim.port, resources: bagToStateObject(bagFrom(a.sim.resources)), attributes: {} })),
    frameworks: [...st.frameworks.values()].map((f) => frameworkJson(m, f)),
    completed_frameworks: st.completed.map((f) => frameworkJson(m, f)),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
}

export function masterFrameworksJson(m: Master, frameworkId?: string): Record<string, unknown> {
  const st = m.st!;
  const keep = (f: FrameworkRec): boolean => frameworkId === undefined || f.id === frameworkId;
  return {
    frameworks: [...st.frameworks.values()].filter(keep).map((f) => frameworkJson(m, f)),
    completed_frameworks: st.completed.filter(keep).map((f) => frameworkJson(m, f)),
    unregistered_frameworks: [],
  };
}

export function masterTasksJson(m: Master, q: URLSearchParams): Record<string, unknown> {
  const st = m.st!;
  const limit = Number(q.get('limit') ?? 100);
  const offset = Number(q.get('offset') ?? 0);
  const order = q.get('order') === 'asc' ? 'asc' : 'des';
  const fwId = q.get('framework_id') ?? undefined;
  const taskId = q.get('task_id') ?? undefined;
  const all: MasterTask[] = [];
  for (const fw of [...st.frameworks.values(), ...st.completed]) {
    if (fwId !== undefined && fw.id !== fwId) continue;
    for (const t of [...fw.tasks.values(), ...fw.unreachableTasks.values(), ...fw.completedTasks]) if (taskId === undefined || t.info.task_id.value === taskId) all.push(t);
  }
  const ts = (t: MasterTask): number => t.statuses[0]?.timestamp ?? 0;
  all.sort((a, b) => (order === 'asc' ? ts(a) - ts(b) : ts(b) - ts(a)));
  return { tasks: all.slice(offset, offset + (Number.isFinite(limit) ? limit : 100)).map(taskJson) };
}
