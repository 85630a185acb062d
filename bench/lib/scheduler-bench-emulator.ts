// Child-process side of the scheduler benchmarks' Mesos master emulator (bench/lib/scheduler-bench.ts forks this
// file). The emulator runs alone on its own event loop, as a master does on its own machine, so neither the
// benchmark driver's bookkeeping nor a byte-discarding reader competes with it for the same thread. Commands arrive
// over IPC; every answer carries the request id.
import { randomUUID } from 'node:crypto';
import { MesosCluster, type MesosClusterOptions, type SeedTaskSpec } from '../../src/devstack/mesos/index.js';
import type { ExecutorInfo } from '../../src/mesos/types.js';

export type EmulatorRequest =
  | { id: number; cmd: 'seed'; frameworkId: string; n: number; executorId: string }
  | { id: number; cmd: 'stream'; frameworkName: string; n: number }
  | { id: number; cmd: 'subscribes'; since: number }
  | { id: number; cmd: 'framework'; frameworkId: string }
  | { id: number; cmd: 'tasks'; frameworkId: string }
  | { id: number; cmd: 'errors'; frameworkId: string }
  | { id: number; cmd: 'runningTimes'; frameworkId: string };

/** A framework's tasks as the leading master knows them: [task id, state, agent id]. */
export type TaskRow = [string, string, string];

export interface SeededTasks {
  ids: string[];
  agentIds: string[];
  hostnames: string[];
}

let cluster: MesosCluster | undefined;

async function waitUntil(what: string, probe: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function handle(m: EmulatorRequest): Promise<unknown> {
  const mc = cluster!;
  switch (m.cmd) {
    case 'seed': {
      // k8sm-style task ids (pod.<uuid>), round-robin over the agents, one custom executor per agent with the
      // replica's executor id — what a registry written by a real leader would hold.
      const agents = mc.agents;
      const executors = new Map<string, ExecutorInfo>(
        agents.map((a) => [a.id, { executor_id: { value: m.executorId }, name: 'Executor (k8sm)', command: { value: './executor', shell: true } } as ExecutorInfo]),
      );
      const specs: SeedTaskSpec[] = new Array(m.n);
      const out: SeededTasks = { ids: new Array(m.n), agentIds: new Array(m.n), hostnames: new Array(m.n) };
      for (let i = 0; i < m.n; i++) {
        const a = agents[i % agents.length]!;
        const taskId = `pod.${randomUUID()}`;
        specs[i] = { taskId, agentId: a.id, executor: executors.get(a.id) };
        out.ids[i] = taskId;
        out.agentIds[i] = a.id;
        out.hostnames[i] = a.hostname;
      }
      const t0 = performance.now();
      mc.seedTasks(m.frameworkId, specs);
      return { ...out, ms: performance.now() - t0 };
    }
    case 'stream': {
      await waitUntil(`framework ${m.frameworkName}`, () => mc.frameworks().some((f) => f.info.name === m.frameworkName && f.connected));
      const fw = mc.frameworks().find((f) => f.info.name === m.frameworkName && f.connected)!;
      return await mc.streamSyntheticUpdates(fw.id, m.n);
    }
    case 'subscribes':
      return mc.history.calls.filter((c) => c.callType === 'SUBSCRIBE' && c.time >= m.since);
    case 'framework': {
      const f = mc.framework(m.frameworkId);
      return f ? { connected: f.connected, tasks: f.tasks.size } : undefined;
    }
    case 'tasks':
      return mc.tasks(m.frameworkId).map((t): TaskRow => [t.info.task_id.value, t.state, t.agentId]);
    case 'runningTimes':
      // When each task's agent produced TASK_RUNNING (ms since the epoch; the status timestamp, real clock).
      return mc
        .tasks(m.frameworkId)
        .map((t) => t.statuses.find((x) => x.state === 'TASK_RUNNING')?.timestamp)
        .filter((x): x is number => typeof x === 'number')
        .map((x) => x * 1000);
    case 'errors':
      // Tasks the master refused (TASK_ERROR: an over-committed offer, an invalid TaskInfo) or lost, from the
      // master's own state (the history may be switched off).
      return [...mc.tasks(m.frameworkId), ...(mc.framework(m.frameworkId)?.completedTasks ?? [])]
        .filter((t) => t.state === 'TASK_ERROR' || t.state === 'TASK_LOST' || t.state === 'TASK_FAILED' || t.state === 'TASK_DROPPED')
        .map((t) => `${t.info.task_id.value}: ${t.state} ${t.statuses.at(-1)?.message ?? ''}`);
  }
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as MesosClusterOptions;
  cluster = await MesosCluster.start({ ...opts, clock: 'real' });
  process.on('message', (m: EmulatorRequest) => {
    handle(m).then(
      (result) => process.send!({ id: m.id, result }),
      (err: Error) => process.send!({ id: m.id, error: err.message }),
    );
  });
  const stop = () => void cluster!.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('disconnect', stop); // the parent died: never outlive it
  process.send!({ ready: { leaderUrl: cluster.leaderUrl, masterAddress: cluster.masterAddress, agents: cluster.agents.map((a) => a.id), hostnames: cluster.agents.map((a) => a.hostname) } });
}

await main();
