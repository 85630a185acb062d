import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderView, statusLine, KEYS_HELP, type StackSnapshot } from '../../src/devstack/view.js';

const snap: StackSnapshot = {
  at: new Date('2026-11-25T10:11:12Z'),
  resource: 'SchedulerHA mesos/k8sm',
  mesosLeader: 'http://127.0.0.1:5050',
  masters: 3,
  agents: 5,
  frameworkId: 'M-0000',
  frameworkConnected: true,
  etcd: 'http://127.0.0.1:2379',
  kubeApi: 'http://127.0.0.1:6443',
  kubeconfig: '/tmp/k',
  replicas: [
    { pod: 'k8sm-0', role: 'leader', ready: true, term: '42', pid: 100, restarts: 0 },
    { pod: 'k8sm-1', role: 'standby', ready: true, pid: 101, restarts: 1 },
  ],
  leader: { pod: 'k8sm-0', term: '42', since: '2026-11-25T10:00:00Z' },
  tasks: { TASK_RUNNING: 3, TASK_STAGING: 1 },
  pods: { pending: 1, bound: 3 },
  conditions: [
    { type: 'Ready', status: 'True', reason: 'Ready' },
    { type: 'TasksReconciled', status: 'False', reason: 'Reconciling', message: '1 task not heard from' },
  ],
  lastFailover: { at: '2026-11-25T10:00:00Z', from: 'k8sm-1', to: 'k8sm-0', reason: 'USR1', seconds: 0.312 },
};

test('the live view shows leader and standby, term, framework id, tasks, conditions, last failover, keys', () => {
  const text = renderView(snap).join('\n');
  assert.match(text, /k8sm-0\s+leader\s+yes\s+42\s+100/);
  assert.match(text, /k8sm-1\s+standby/);
  assert.match(text, /Framework\s+M-0000\s+connected/);
  assert.match(text, /Tasks\s+RUNNING 3\s+STAGING 1/);
  assert.match(text, /TasksReconciled: Reconciling — 1 task not heard from/);
  assert.match(text, /k8sm-1 → k8sm-0\s+\(USR1, 0\.31 s\)/);
  assert.ok(text.includes(KEYS_HELP));
});

test('status lines for --no-tty', () => {
  const l = statusLine(snap);
  assert.match(l, /^10:11:12 leader=k8sm-0 term=42 framework=M-0000 replicas=k8sm-0:leader,k8sm-1:standby tasks=running=3,staging=1 ready=True\(Ready\) lastFailover=k8sm-1->k8sm-0:0\.31s$/);
  assert.match(statusLine({ ...snap, replicas: [], leader: undefined, frameworkId: undefined, conditions: [], tasks: {}, lastFailover: undefined }), /leader=- term=- framework=- replicas=- tasks=- ready=-/);
});
