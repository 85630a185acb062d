// A stack for pod-scheduler tests: the scheduler stack (real etcd, the Mesos master emulator on the real clock,
// replica processes) plus the Kubernetes API emulator, a kubeconfig file the replicas get through --kubeconfig,
// in-process replicas when a test needs to look inside, a recorder of every task the emulated agents launch, and
// the invariant checks the issue asks for, computed from the emulator's own state and history.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { KubeApiServer } from '../../src/devstack/kube/server.js';
import type { AgentSpec, MesosClusterOptions, TaskScript } from '../../src/devstack/mesos/index.js';
import { bagFrom, addBags, bagContains, emptyBag, type ResourceBag } from '../../src/devstack/mesos/resources.js';
import { isTerminalState, type TaskInfo, type TaskState } from '../../src/mesos/types.js';
import type { Replica } from '../../src/scheduler/replica.js';
import { PodScheduler, type PodSchedulerOptions } from '../../src/scheduler/pods/index.js';
import { schedulerNameOf } from '../../src/scheduler/framework.js';
import { parseTaskId } from '../../src/scheduler/pods/task-id.js';
import { kubeRequestOk } from '../../src/kube/request.js';
import { SchedulerStack, type ReplicaProc } from './scheduler-stack.js';
import { waitFor } from './wait.js';

export interface PodJson {
  metadata: { name: string; namespace: string; uid: string; annotations?: Record<string, string>; deletionTimestamp?: string; resourceVersion?: string };
  spec: { nodeName?: string; schedulerName?: string; restartPolicy?: string; containers: Array<Record<string, unknown>> };
  status?: { phase?: string; reason?: string; message?: string };
}

export interface LaunchRecord {
  taskId: string;
  agentId: string;
  uid?: string;
  attempt?: number;
  /** Sequence number of the last history record before this launch. */
  afterSeq: number;
  at: number;
  executorId?: string;
}

export interface PodsStackOptions {
  agents?: number | AgentSpec[];
  masters?: number;
  mesos?: MesosClusterOptions;
  leaseTtl?: string;
  extraFlags?: string[];
}

export interface PodSpecOptions {
  cpu?: string;
  memory?: string;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  hostPorts?: number[];
  annotations?: Record<string, string>;
}

export class PodsStack {
  readonly launches: LaunchRecord[] = [];
  readonly namespace = 'default';
  readonly kc: k8s.KubeConfig;
  readonly core: k8s.CoreV1Api;
  private readonly dir: string;
  private readonly inProc: Array<{ replica: Replica; ps: PodScheduler }> = [];
  /** A scripted lifecycle for launched tasks (the launch recorder stays in place). */
  taskScript: TaskScript | undefined;

  private constructor(
    readonly stack: SchedulerStack,
    readonly kube: KubeApiServer,
    readonly kubeconfigPath: string,
    dir: string,
  ) {
    this.dir = dir;
    this.kc = new k8s.KubeConfig();
    this.kc.loadFromString(kube.kubeconfig);
    this.core = this.kc.makeApiClient(k8s.CoreV1Api);
    // Every task an agent starts, in order, with the history position it started at.
    stack.mesos.setTaskScript((task: TaskInfo, ctx) => {
      const p = parseTaskId(task.task_id.value);
      this.launches.push({
        taskId: task.task_id.value,
        agentId: ctx.agentId,
        ...(p ? { uid: p.uid, attempt: p.attempt } : {}),
        afterSeq: Math.max(stack.mesos.history.events.at(-1)?.seq ?? 0, stack.mesos.history.calls.at(-1)?.seq ?? 0),
        at: Date.now(),
        ...(task.executor ? { executorId: task.executor.executor_id.value } : {}),
      });
      return this.taskScript?.(task, ctx);
    });
  }

  static async start(opts: PodsStackOptions = {}): Promise<PodsStack> {
    const dir = mkdtempSync(join(tmpdir(), 'pods-stack-'));
    const kube = await KubeApiServer.start({ watchWindow: 5000 });
    const kubeconfigPath = join(dir, 'kubeconfig');
    kube.writeKubeconfig(kubeconfigPath);
    const stack = await SchedulerStack.start({
      ...(opts.leaseTtl ? { leaseTtl: opts.leaseTtl } : {}),
      mesos: { masters: opts.masters ?? 1, agents: opts.agents ?? 3, ...opts.mesos },
      extraFlags: [`--kubeconfig=${kubeconfigPath}`, ...(opts.extraFlags ?? [])],
    });
    return new PodsStack(stack, kube, kubeconfigPath, dir);
  }

  get schedulerName(): string {
    return schedulerNameOf(this.stack.frameworkName);
  }

  get mesos() {
    return this.stack.mesos;
  }

  spawn(name: string, extra: string[] = []): ReplicaProc {
    return this.stack.spawn(name, extra);
  }

  /** A replica in this process (its PodScheduler and task manager are inspectable). */
  async inProcess(name: string, o: { manager?: PodSchedulerOptions['manager']; extra?: string[] } = {}): Promise<{ replica: Replica; ps: PodScheduler }> {
    let ps!: PodScheduler;
    const replica = await this.stack.inProcess(
      name,
      (config, logger) => {
        ps = new PodScheduler({ config, kc: this.kc, logger, ...(o.manager ? { manager: o.manager } : {}) }).start();
        return ps.factory;
      },
      o.extra ? { extra: o.extra } : {},
    );
    const r = { replica, ps };
    this.inProc.push(r);
    return r;
  }

  podBody(name: string, o: PodSpecOptions = {}): Record<string, unknown> {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: this.namespace, labels: { app: 'pods-test' }, ...(o.annotations ? { annotations: o.annotations } : {}) },
      spec: {
        schedulerName: this.schedulerName,
        restartPolicy: o.restartPolicy ?? 'Always',
        containers: [
          {
            name: 'main',
            image: 'example/app:1',
            resources: { requests: { cpu: o.cpu ?? '100m', memory: o.memory ?? '64Mi' } },
            ...(o.hostPorts ? { ports: o.hostPorts.map((p) => ({ containerPort: p, hostPort: p })) } : {}),
          },
        ],
      },
    };
  }

  async createPod(name: string, o: PodSpecOptions = {}): Promise<PodJson> {
    return await kubeRequestOk<PodJson>(this.kc, { method: 'POST', path: `/api/v1/namespaces/${this.namespace}/pods`, body: this.podBody(name, o) });
  }

  async createPods(prefix: string, n: number, o: PodSpecOptions = {}, concurrency = 16): Promise<PodJson[]> {
    const out: PodJson[] = new Array(n);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, n) }, async () => {
        while (next < n) {
          const i = next++;
          out[i] = await this.createPod(`${prefix}-${String(i).padStart(4, '0')}`, o);
        }
      }),
    );
    return out;
  }

  async pods(): Promise<PodJson[]> {
    const l = await kubeRequestOk<{ items: PodJson[] }>(this.kc, { method: 'GET', path: `/api/v1/namespaces/${this.namespace}/pods` });
    return l.items;
  }

  async pod(name: string): Promise<PodJson | undefined> {
    return (await this.pods()).find((p) => p.metadata.name === name);
  }

  async deletePod(name: string): Promise<void> {
    await kubeRequestOk(this.kc, { method: 'DELETE', path: `/api/v1/namespaces/${this.namespace}/pods/${name}` });
  }

  async frameworkId(): Promise<string> {
    return await waitFor('the framework id in etcd', () => this.stack.frameworkId(), { timeoutMs: 60_000 });
  }

  /** Master-side state of a task (undefined when the master does not know it, or only as completed). */
  taskState(fwid: string, taskId: string): TaskState | undefined {
    return this.mesos.task(fwid, taskId)?.state ?? this.mesos.framework(fwid)?.completedTasks.find((t) => t.info.task_id.value === taskId)?.state;
  }

  hostnameOf(agentId: string): string {
    return this.mesos.agents.find((a) => a.id === agentId)!.hostname;
  }

  /** Waits until `names` are all bound to the hostname of the agent running their RUNNING task. */
  async waitAllRunningAndBound(fwid: string, names: string[], timeoutMs = 120_000): Promise<PodJson[]> {
    const want = new Set(names);
    return await waitFor(
      `${names.length} pods RUNNING on Mesos and bound`,
      async () => {
        const pods = (await this.pods()).filter((p) => want.has(p.metadata.name));
        if (pods.length !== want.size) return undefined;
        for (const p of pods) {
          const id = p.metadata.annotations?.['k8s.mesosphere.io/taskId'];
          if (!p.spec.nodeName || !id) return undefined;
          const t = this.mesos.task(fwid, id);
          if (!t || t.state !== 'TASK_RUNNING' || this.hostnameOf(t.agentId) !== p.spec.nodeName) return undefined;
        }
        return pods;
      },
      { timeoutMs, intervalMs: 200 },
    );
  }

  /**
   * The invariants on the emulator's state and history:
   * - no task id launched twice (no second launch of one attempt);
   * - per pod, a launch only after every earlier task of that pod reached a terminal state in the history (at
   *   most one non-terminal launch per pod at any time);
   * - no TASK_ERROR (the master refused a task: an over-committed offer or an incompatible ExecutorInfo);
   * - per agent, live tasks plus executors never exceed the agent's resources.
   */
  checkInvariants(fwid: string): { launches: number; pods: number } {
    const byTask = new Map<string, number>();
    for (const l of this.launches) byTask.set(l.taskId, (byTask.get(l.taskId) ?? 0) + 1);
    for (const [id, n] of byTask) assert.equal(n, 1, `task ${id} was launched ${n} times`);
    const terminalSeq = new Map<string, number>();
    for (const e of this.mesos.history.findEvents({ frameworkId: fwid, type: 'UPDATE' })) {
      if (e.taskId && e.state && isTerminalState(e.state as TaskState) && !terminalSeq.has(e.taskId)) terminalSeq.set(e.taskId, e.seq);
    }
    const byPod = new Map<string, LaunchRecord[]>();
    for (const l of this.launches) {
      if (!l.uid) continue;
      const list = byPod.get(l.uid) ?? [];
      list.push(l);
      byPod.set(l.uid, list);
    }
    for (const [uid, ls] of byPod) {
      for (let i = 1; i < ls.length; i++) {
        for (let j = 0; j < i; j++) {
          const end = terminalSeq.get(ls[j]!.taskId);
          assert.ok(end !== undefined && end <= ls[i]!.afterSeq, `pod ${uid}: ${ls[i]!.taskId} launched while ${ls[j]!.taskId} was not terminal`);
        }
      }
    }
    const errors = this.mesos.history.findEvents({ frameworkId: fwid, type: 'UPDATE', state: 'TASK_ERROR' });
    assert.deepEqual(errors.map((e) => `${e.taskId}: ${e.message}`), [], 'no task was refused by the master');
    this.checkNotOvercommitted(fwid);
    return { launches: this.launches.length, pods: byPod.size };
  }

  /** Live tasks and executors of the framework on each agent fit in that agent's resources. */
  checkNotOvercommitted(fwid: string): void {
    const fw = this.mesos.framework(fwid);
    if (!fw) return;
    const used = new Map<string, ResourceBag>();
    for (const t of fw.tasks.values()) {
      if (isTerminalState(t.state)) continue;
      used.set(t.agentId, addBags(used.get(t.agentId) ?? emptyBag(), bagFrom(t.info.resources)));
    }
    for (const [agentId, exs] of fw.executors) for (const ex of exs.values()) used.set(agentId, addBags(used.get(agentId) ?? emptyBag(), bagFrom(ex.resources)));
    for (const [agentId, bag] of used) {
      const agent = this.mesos.agents.find((a) => a.id === agentId)!;
      assert.ok(bagContains(bagFrom(agent.resources), bag), `agent ${agentId} is over-committed: uses ${JSON.stringify([...bag.scalars])} of ${JSON.stringify(agent.resources.map((r) => [r.name, r.scalar?.value]))}`);
    }
  }

  async stop(): Promise<void> {
    for (const { replica, ps } of this.inProc.splice(0)) {
      await replica.stop().catch(() => undefined);
      await ps.stop().catch(() => undefined);
    }
    await this.stack.stop();
    await this.kube.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
