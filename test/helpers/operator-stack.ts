// The operator's end-to-end stack: LocalStack (real etcd, the Mesos master emulator on the real clock, the
// Kubernetes API emulator with the pod runner mapping `schedulerha` to this very CLI, the SchedulerHA CRD) plus
// operator processes started and killed by the test. Everything the tests do goes through the kubeconfig.
// RBAC is on by default: the operator runs with its ServiceAccount's token and the scheduler pods with theirs,
// authorized by the generated manifests (src/manifests), so a call the code makes that the manifests do not
// grant fails the test with 403 Forbidden. `namespace()` sets a namespace up as install.yaml does for `mesos`.
import { Etcd3 } from 'etcd3';
import { LocalStack, type LocalStackOptions } from '../../src/devstack/stack.js';
import type { Denial } from '../../src/devstack/kube/index.js';
import { GROUP, PLURAL, VERSION, type Condition, type SchedulerHA } from '../../src/api/types.js';
import { kubeRequest, kubeRequestOk, makeClients, type KubeClients } from '../../src/kube/index.js';
import { keyLayout, type KeyLayout } from '../../src/api/keys.js';
import { parseLeaderStatus, type LeaderStatusRecord } from '../../src/api/leader-status.js';
import { ProcGroup, type Proc } from './procs.js';
import { uniqueName, waitFor } from './wait.js';

export interface OperatorProc {
  name: string;
  proc: Proc;
  /** Parsed JSON log lines. */
  lines: Array<Record<string, unknown>>;
  url(): Promise<string>;
  metrics(): Promise<string>;
  status(): Promise<Record<string, unknown>>;
  running(): boolean;
}

/** A unique, valid namespace name (a DNS label) starting with `base`. */
export function namespaceName(base: string): string {
  return uniqueName(base).toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 50).replace(/-+$/, '');
}

export class OperatorStack {
  readonly procs = new ProcGroup();
  readonly clients: KubeClients;
  readonly etcdClient: Etcd3;
  private readonly ops: OperatorProc[] = [];

  private constructor(readonly stack: LocalStack) {
    this.clients = makeClients(stack.kc);
    this.etcdClient = new Etcd3({ hosts: stack.etcd.endpoint, defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 5000 }) });
  }

  static async start(opts: LocalStackOptions = {}): Promise<OperatorStack> {
    const stack = await LocalStack.start({ rbac: true, ...opts, mesos: { masters: 2, agents: 2, heartbeatSeconds: 1, ...opts.mesos } });
    return new OperatorStack(stack);
  }

  /** The operator's namespace (its ServiceAccount and its Lease). */
  get operatorNamespace(): string {
    return this.stack.operatorNamespace;
  }

  get kc() {
    return this.stack.kc;
  }

  /** `schedulerha operator` as a child process; defaults: HTTP on a free loopback port, fast re-observation. */
  startOperator(name: string, args: string[] = [], env: Record<string, string> = {}): OperatorProc {
    const proc = this.procs.cli(
      ['operator', `--kubeconfig=${this.stack.operatorKubeconfigPath}`, '--metrics-bind-address=127.0.0.1:0', '--health-probe-bind-address=0', '--unready-poll-interval=1s', '--poll-interval=5s', `--identity=${name}`, ...args],
      { env: { ...process.env, SCHEDULERHA_LOG_PRETTY: '0', SCHEDULERHA_LOG_LEVEL: 'info', ...env } },
    );
    const lines: Array<Record<string, unknown>> = [];
    let buf = '';
    proc.child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line.startsWith('{')) continue;
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not JSON
        }
      }
    });
    const url = async () => waitFor(`operator ${name} listening`, () => lines.find((l) => l.msg === 'http listening')?.url as string | undefined, { timeoutMs: 30_000 });
    const op: OperatorProc = {
      name,
      proc,
      lines,
      url,
      metrics: async () => (await fetch(`${await url()}/metrics`, { signal: AbortSignal.timeout(5000) })).text(),
      status: async () => (await (await fetch(`${await url()}/status`, { signal: AbortSignal.timeout(5000) })).json()) as Record<string, unknown>,
      running: () => proc.child.exitCode === null && proc.child.signalCode === null,
    };
    this.ops.push(op);
    return op;
  }

  async namespace(base = 'op'): Promise<string> {
    const name = namespaceName(base);
    await this.clients.core.createNamespace({ body: { metadata: { name } } });
    await this.stack.setUpSchedulerNamespace(name);
    return name;
  }

  /** A SchedulerHA against this stack's etcd and Mesos, with a unique framework name. */
  resource(ns: string, name: string, spec: Record<string, unknown> = {}, flags: Record<string, unknown> = {}): Record<string, unknown> {
    const fw = uniqueName('fw').replace(/[^A-Za-z0-9-]/g, '').slice(0, 40);
    return {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'SchedulerHA',
      metadata: { name, namespace: ns },
      spec: {
        replicas: 2,
        mesos: { master: this.stack.mesos.masterAddress },
        etcd: { endpoints: [this.stack.etcd.endpoint], leaseTTLSeconds: 3 },
        flags: { kmPath: 'hdfs:///km', frameworkName: fw, reconcileInterval: '0', ...flags },
        ...spec,
      },
    };
  }

  async create(obj: Record<string, unknown>): Promise<SchedulerHA> {
    const md = obj.metadata as { namespace: string };
    return await kubeRequestOk<SchedulerHA>(this.kc, { method: 'POST', path: `/apis/${GROUP}/${VERSION}/namespaces/${md.namespace}/${PLURAL}`, body: obj });
  }

  async get(ns: string, name: string): Promise<SchedulerHA | undefined> {
    const r = await kubeRequest<SchedulerHA>(this.kc, { method: 'GET', path: `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}/${name}` });
    return r.status === 200 ? r.body : undefined;
  }

  async patch(ns: string, name: string, body: unknown): Promise<SchedulerHA> {
    return await kubeRequestOk<SchedulerHA>(this.kc, { method: 'PATCH', path: `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}/${name}`, body, contentType: 'application/merge-patch+json' });
  }

  async delete(ns: string, name: string): Promise<void> {
    await kubeRequestOk(this.kc, { method: 'DELETE', path: `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}/${name}` });
  }

  condition(o: SchedulerHA | undefined, type: string): Condition | undefined {
    return o?.status?.conditions?.find((c) => c.type === type);
  }

  /** Waits for condition `type` to have `status` (and `reason`, when given) for the current generation. */
  async waitForCondition(ns: string, name: string, type: string, status: string, opts: { reason?: string | RegExp; timeoutMs?: number; generation?: number } = {}): Promise<SchedulerHA> {
    return await this.explainDenials(() => waitFor(
      `${ns}/${name} ${type}=${status}${opts.reason ? ` (${String(opts.reason)})` : ''}`,
      async () => {
        const o = await this.get(ns, name);
        const c = this.condition(o, type);
        if (!o || !c || c.status !== status) return undefined;
        if (opts.reason && !(typeof opts.reason === 'string' ? c.reason === opts.reason : opts.reason.test(c.reason))) return undefined;
        const gen = opts.generation ?? o.metadata.generation;
        if ((o.status?.observedGeneration ?? -1) < (gen ?? 0) || (c.observedGeneration ?? -1) < (gen ?? 0)) return undefined;
        return o;
      },
      { timeoutMs: opts.timeoutMs ?? 90_000, intervalMs: 200 },
    ));
  }

  /** A failing wait names the calls RBAC refused meanwhile (the usual reason under RBAC). */
  private async explainDenials<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const denied = this.denials();
      if (denied.length && err instanceof Error) {
        err.message += `\n(RBAC refused ${denied.length} call(s) meanwhile, e.g. ${[...new Set(denied.map((d) => `${d.user} ${d.verb} ${d.resource}`))].slice(0, 5).join('; ')})`;
      }
      throw err;
    }
  }

  async events(ns: string, name: string): Promise<Array<{ reason: string; type: string; note: string; series?: { count: number }; reportingController?: string; eventTime?: string; action?: string }>> {
    const r = await kubeRequestOk<{ items: Array<Record<string, any>> }>(this.kc, { method: 'GET', path: `/apis/events.k8s.io/v1/namespaces/${ns}/events` }); // eslint-disable-line @typescript-eslint/no-explicit-any
    return r.items.filter((e) => e.regarding?.name === name && e.regarding?.kind === 'SchedulerHA') as never;
  }

  keys(o: SchedulerHA): KeyLayout {
    return keyLayout('/k8sm', String(o.spec.flags?.frameworkName));
  }

  async leaderStatus(o: SchedulerHA): Promise<LeaderStatusRecord | undefined> {
    return parseLeaderStatus(await this.etcdClient.get(this.keys(o).leaderStatus).string());
  }

  async etcdGet(key: string): Promise<string | null> {
    return await this.etcdClient.get(key).string();
  }

  async list<T = Record<string, any>>(path: string): Promise<T[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
    return (await kubeRequestOk<{ items: T[] }>(this.kc, { method: 'GET', path })).items;
  }

  /** Calls of the operator or a scheduler (ServiceAccount users) refused for lack of permission so far. */
  denials(): Denial[] {
    return this.stack.kube.hooks.authorizationDenials().filter((d) => d.user.startsWith('system:serviceaccount:'));
  }

  /** stop() fails the test when the code was refused a call (a permission the manifests lack); a test that takes
   * permissions away on purpose turns this off. */
  checkDenials = true;

  async stop(): Promise<void> {
    await this.procs.killAll();
    const denied = this.checkDenials ? this.denials() : [];
    this.etcdClient.close();
    await this.stack.stop();
    if (denied.length) {
      const lines = [...new Set(denied.map((d) => `${d.user} ${d.verb} ${d.resource}${d.namespace ? ` in ${d.namespace}` : ''}${d.reason ? ` (${d.reason})` : ''}`))];
      throw new Error(`the code made ${denied.length} call(s) the RBAC manifests (src/manifests/rbac.ts) do not allow:\n  ${lines.join('\n  ')}`);
    }
  }
}

/** Last value of a Prometheus sample line `name{labels} value` (labels matched as a substring). */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  let v: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!(rest.startsWith('{') || rest.startsWith(' '))) continue;
    if (labels && !rest.includes(labels)) continue;
    v = Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return v;
}
