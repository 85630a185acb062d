// Pure pieces of the pod scheduler: quantities, pod demands, task ids, TaskInfo and intent records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ceilMilli, parseQuantity } from '../../src/scheduler/pods/quantity.js';
import { ANN_ROLES, DEFAULT_CONTAINER_CPUS, DEFAULT_CONTAINER_MEM_MB, podDemand, restartPolicyOf, type PodLike } from '../../src/scheduler/pods/pod-model.js';
import { parseTaskId, taskIdFor } from '../../src/scheduler/pods/task-id.js';
import { buildTaskInfo, intentRecord, podTaskData, taskName } from '../../src/scheduler/pods/task-info.js';
import type { ExecutorInfo } from '../../src/mesos/types.js';
import { injectAllocationInfo, validateTask } from '../../src/devstack/mesos/validation.js';
import { bagFrom } from '../../src/devstack/mesos/resources.js';

test('Kubernetes quantities', () => {
  const cases: Array<[string, number]> = [
    ['100m', 0.1],
    ['0.5', 0.5],
    ['1', 1],
    ['2k', 2000],
    ['128Mi', 128 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1G', 1e9],
    ['1e3', 1000],
    ['12E-1', 1.2],
    ['.5', 0.5],
    ['5.', 5],
    ['250u', 0.00025],
    ['+3', 3],
  ];
  for (const [q, v] of cases) assert.ok(Math.abs(parseQuantity(q)! - v) < 1e-9 * Math.max(1, v), `${q} → ${v} (got ${parseQuantity(q)})`);
  for (const bad of ['', 'abc', '1.2.3', '10 Mi', 'Mi', '1mi', '1KiB']) assert.equal(parseQuantity(bad), undefined, `${JSON.stringify(bad)} is malformed`);
  assert.equal(parseQuantity(2), 2);
});

test('ceilMilli rounds requests up to Mesos precision, never down', () => {
  assert.equal(ceilMilli(0.1), 0.1);
  assert.equal(ceilMilli(0.1 + 0.2), 0.3);
  assert.equal(ceilMilli(0.0001), 0.001);
  assert.equal(ceilMilli(95.367431640625), 95.368);
  assert.equal(ceilMilli(64), 64);
});

const pod = (spec: PodLike['spec'], annotations?: Record<string, string>): PodLike => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u-1', ...(annotations ? { annotations } : {}) }, spec });

test('pod demand: sum of containers, limits as requests, defaults when absent', () => {
  const d = podDemand(
    pod({
      containers: [
        { name: 'a', resources: { requests: { cpu: '250m', memory: '128Mi' } } },
        { name: 'b', resources: { limits: { cpu: '1', memory: '1Gi' } } },
        { name: 'c' },
      ],
    }),
  ).demand!;
  assert.equal(d.cpus, 0.25 + 1 + DEFAULT_CONTAINER_CPUS);
  assert.equal(d.mem, 128 + 1024 + DEFAULT_CONTAINER_MEM_MB);
  assert.deepEqual(d.ports, []);
  assert.equal(d.roles, undefined);
});

test('pod demand: a request wins over a limit; decimal memory rounds up to 3 decimals of MB', () => {
  const d = podDemand(pod({ containers: [{ resources: { requests: { cpu: '100m', memory: '100M' }, limits: { cpu: '2', memory: '1Gi' } } }] })).demand!;
  assert.equal(d.cpus, 0.1);
  assert.equal(d.mem, 95.368);
});

test('pod demand: init containers count as their maximum, overhead is added', () => {
  const d = podDemand(
    pod({
      initContainers: [{ resources: { requests: { cpu: '3', memory: '64Mi' } } }, { resources: { requests: { cpu: '500m', memory: '2Gi' } } }],
      containers: [{ resources: { requests: { cpu: '1', memory: '1Gi' } } }],
      overhead: { cpu: '100m', memory: '10Mi' },
    }),
  ).demand!;
  assert.equal(d.cpus, 3.1);
  assert.equal(d.mem, 2048 + 10);
});

test('pod demand: host ports (hostNetwork implies containerPort), deduplicated and sorted; roles annotation', () => {
  const d = podDemand(
    pod(
      {
        containers: [
          { resources: { requests: { cpu: '1', memory: '1Mi' } }, ports: [{ containerPort: 80, hostPort: 31080 }, { containerPort: 53, hostPort: 31053, protocol: 'UDP' }, { containerPort: 53, hostPort: 31053, protocol: 'TCP' }, { containerPort: 9000 }] },
        ],
      },
      { [ANN_ROLES]: 'web, *,web' },
    ),
  ).demand!;
  assert.deepEqual(d.ports, [31053, 31080]);
  assert.deepEqual(d.roles, ['web', '*']);
  const hn = podDemand(pod({ hostNetwork: true, containers: [{ resources: { requests: { cpu: '1', memory: '1Mi' } }, ports: [{ containerPort: 8080 }] }] })).demand!;
  assert.deepEqual(hn.ports, [8080]);
});

test('pod demand: a malformed quantity is an error, not a guess', () => {
  const r = podDemand(pod({ containers: [{ name: 'x', resources: { requests: { cpu: 'lots' } } }] }));
  assert.equal(r.demand, undefined);
  assert.match(r.error!, /container x: cpu quantity "lots"/);
});

test('restart policy defaults to Always', () => {
  assert.equal(restartPolicyOf(pod({})), 'Always');
  assert.equal(restartPolicyOf(pod({ restartPolicy: 'Never' })), 'Never');
  assert.equal(restartPolicyOf(pod({ restartPolicy: 'OnFailure' })), 'OnFailure');
});

test('task ids: pod.<uid>.<attempt>, parsed back, invalid inputs refused', () => {
  const uid = '0f5e1a3c-8a6b-4d2e-9c1f-7b3a2d4e5f60';
  assert.equal(taskIdFor(uid, 0), `pod.${uid}.0`);
  assert.deepEqual(parseTaskId(taskIdFor(uid, 12)), { uid, attempt: 12 });
  assert.equal(parseTaskId('seed-1'), undefined);
  assert.equal(parseTaskId(`pod.${uid}.01`), undefined);
  assert.equal(parseTaskId('pod..3'), undefined);
  assert.throws(() => taskIdFor(uid, -1));
  assert.throws(() => taskIdFor(uid, 1.5));
  assert.throws(() => taskIdFor('a/b', 0));
  assert.notEqual(taskIdFor(uid, 0), taskIdFor(uid, 1), 'a new attempt is a new task id');
});

const executor: ExecutorInfo = {
  type: 'CUSTOM',
  executor_id: { value: 'abc_k8sm-executor' },
  framework_id: { value: 'F1' },
  name: 'Kubelet-Executor',
  source: 'kubernetes',
  command: { value: './km', shell: false, arguments: ['./km', 'executor'], uris: [{ value: 'hdfs:///km', executable: true, extract: false }] },
  resources: [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 0.25 } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 128 } },
  ],
};

test('TaskInfo: id, name, resources, executor, labels naming the pod, pod as data; valid for the master', () => {
  const ref = { namespace: 'ns', name: 'web-0', uid: 'u-1' };
  const resources = [
    { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.5 }, role: '*', allocation_info: { role: '*' } },
    { name: 'mem', type: 'SCALAR' as const, scalar: { value: 64 }, role: '*', allocation_info: { role: '*' } },
  ];
  const p: PodLike = { metadata: { name: 'web-0', namespace: 'ns', uid: 'u-1', labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Pending' } };
  const t = buildTaskInfo({ ref, taskId: taskIdFor('u-1', 2), attempt: 2, agentId: 'S1', resources, executor, data: podTaskData(p) });
  assert.equal(t.task_id.value, 'pod.u-1.2');
  assert.equal(t.name, taskName(ref));
  assert.equal(t.name, 'web-0.ns.pod');
  assert.equal(t.executor, executor);
  assert.deepEqual(
    t.labels!.labels.map((l) => [l.key, l.value]),
    [
      ['k8s.mesosphere.io/namespace', 'ns'],
      ['k8s.mesosphere.io/name', 'web-0'],
      ['k8s.mesosphere.io/uid', 'u-1'],
      ['k8s.mesosphere.io/attempt', '2'],
    ],
  );
  const data = JSON.parse(Buffer.from(t.data!, 'base64').toString('utf8'));
  assert.equal(data.kind, 'Pod');
  assert.equal(data.metadata.uid, 'u-1');
  assert.equal(data.status, undefined, 'status is not sent');
  // The emulator's master validation (validation::task::validate) accepts it against an offer with room — after
  // the master's injection of the offer's allocation role, as in Master::accept.
  injectAllocationInfo(t, '*');
  const v = validateTask(t, { frameworkId: 'F1', agentId: 'S1', hasTask: () => false, existingExecutor: () => undefined, offered: bagFrom([{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 512 } }]) });
  assert.equal(v.error, undefined);
  const tooSmall = validateTask(t, { frameworkId: 'F1', agentId: 'S1', hasTask: () => false, existingExecutor: () => undefined, offered: bagFrom(resources) });
  assert.match(tooSmall.error!, /more than available/, 'without room for the executor the master refuses it');
});

test('intent record: TASK_INTENT with agent, hostname, executor, pod ref, attempt, resources and role', () => {
  const r = intentRecord({ ref: { namespace: 'ns', name: 'p', uid: 'u' }, taskId: 'pod.u.0', attempt: 0, agentId: 'S1', hostname: 'h1', executorId: 'x_k8sm-executor', role: '*', offerIds: ['O1', 'O2'], taken: { cpus: 0.5, mem: 64, ports: [31000] }, now: new Date('2026-01-01T00:00:00Z'), term: '42' });
  assert.deepEqual(r, {
    id: 'pod.u.0',
    agentId: 'S1',
    executorId: 'x_k8sm-executor',
    hostname: 'h1',
    state: 'TASK_INTENT',
    pod: { namespace: 'ns', name: 'p', uid: 'u' },
    attempt: 0,
    resources: { cpus: 0.5, mem: 64, ports: [31000] },
    role: '*',
    offerIds: ['O1', 'O2'],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    term: '42',
  });
});
