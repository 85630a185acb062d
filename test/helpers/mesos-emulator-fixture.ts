// Shared set-up for the Mesos emulator conformance suite: a cluster on a virtual clock plus raw-HTTP shortcuts.
import type { TestContext } from 'node:test';
import { MesosCluster, type MesosClusterOptions } from '../../src/devstack/mesos/index.js';
import type { Event, Offer, TaskInfo } from '../../src/mesos/types.js';
import { call, subscribe, frameworkInfo, type EventReader } from './mesos-emulator-http.js';

export async function startCluster(t: TestContext, opts: MesosClusterOptions = {}): Promise<MesosCluster> {
  const c = await MesosCluster.start({ agents: 2, ...opts });
  t.after(() => c.stop());
  return c;
}

export interface Sub {
  reader: EventReader;
  frameworkId: string;
  streamId: string;
  base: string;
  call(type: string, body?: Record<string, unknown>): ReturnType<typeof call>;
}

export async function sub(t: TestContext, c: MesosCluster, info = frameworkInfo(), extra: Record<string, unknown> = {}): Promise<Sub> {
  const base = c.leaderUrl!;
  const s = await subscribe(base, info, extra);
  t.after(() => s.reader.close());
  return {
    ...s,
    base,
    call: (type, body = {}) => call(base, { type, framework_id: { value: s.frameworkId }, ...body }, s.streamId),
  };
}

export async function nextOffer(s: Sub, from = 0): Promise<Offer> {
  await s.reader.until('an offer', (e) => e.slice(from).some((x) => x.type === 'OFFERS'));
  return s.reader.ofType('OFFERS', from)[0]!.offers!.offers[0]!;
}

export function task(id: string, agentId: string, over: Partial<TaskInfo> = {}): TaskInfo {
  return { name: id, task_id: { value: id }, agent_id: { value: agentId }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }], command: { value: 'sleep 1000' }, ...over };
}

export async function launch(s: Sub, offer: Offer, tasks: TaskInfo[], filters?: Record<string, unknown>): Promise<void> {
  const r = await s.call('ACCEPT', { accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], ...(filters ? { filters } : {}) } });
  if (r.status !== 202) throw new Error(`ACCEPT answered ${r.status} ${r.body}`);
}

export function updates(s: Sub, taskId?: string): Array<NonNullable<Event['update']>['status']> {
  return s.reader.ofType('UPDATE').map((e) => e.update!.status).filter((st) => taskId === undefined || st.task_id.value === taskId);
}

export async function waitUpdate(s: Sub, taskId: string, state: string, timeoutMs = 10_000): Promise<NonNullable<Event['update']>['status']> {
  await s.reader.until(`${taskId} ${state}`, () => updates(s, taskId).some((u) => u.state === state), timeoutMs);
  return updates(s, taskId).find((u) => u.state === state)!;
}

export async function ack(s: Sub, status: NonNullable<Event['update']>['status']): Promise<number> {
  const r = await s.call('ACKNOWLEDGE', { acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } });
  return r.status;
}

/** Launches one task and acks until it is RUNNING. */
export async function runTask(s: Sub, id: string, over: Partial<TaskInfo> = {}, from = 0): Promise<string> {
  const offer = await nextOffer(s, from);
  await launch(s, offer, [task(id, offer.agent_id.value, over)]);
  const starting = await waitUpdate(s, id, 'TASK_STARTING');
  await ack(s, starting);
  const running = await waitUpdate(s, id, 'TASK_RUNNING');
  await ack(s, running);
  return offer.agent_id.value;
}

export async function settle(c: MesosCluster): Promise<void> {
  await c.virtualClock.settle();
  await new Promise((r) => setTimeout(r, 20));
}
