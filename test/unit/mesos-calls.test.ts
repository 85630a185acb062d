// Scheduler call builders: exact wire shapes from shared/reference/mesos-scheduler-api.md §1.3 and §1.7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  acceptCall,
  acknowledgeCall,
  declineCall,
  frameworkInfo,
  killCall,
  launchCall,
  messageCall,
  needsAcknowledgement,
  reconcileCall,
  reviveCall,
  shutdownCall,
  subscribeCall,
  suppressCall,
  teardownCall,
  validateFrameworkSettings,
  type FrameworkSettings,
} from '../../src/mesos/calls.js';
import { MesosUsageError } from '../../src/mesos/errors.js';
import { classifySubscriptionGone } from '../../src/mesos/scheduler-client.js';
import type { TaskStatus } from '../../src/mesos/types.js';

const settings: FrameworkSettings = { user: 'root', name: 'Kubernetes', failoverTimeoutSeconds: 604800, checkpoint: true, roles: ['*'] };

test('SUBSCRIBE for a new framework has no id anywhere', () => {
  const c = subscribeCall(settings);
  assert.deepEqual(c, {
    type: 'SUBSCRIBE',
    subscribe: {
      framework_info: {
        user: 'root',
        name: 'Kubernetes',
        failover_timeout: 604800,
        checkpoint: true,
        roles: ['*'],
        capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }],
      },
    },
  });
  assert.equal('framework_id' in c, false);
  assert.equal('id' in c.subscribe!.framework_info, false);
});

test('re-SUBSCRIBE sets the framework id in both places', () => {
  const c = subscribeCall(settings, 'M-0001');
  assert.deepEqual(c.framework_id, { value: 'M-0001' });
  assert.deepEqual(c.subscribe!.framework_info.id, { value: 'M-0001' });
});

test('SUBSCRIBE keeps the required capabilities and adds the caller\'s without duplicates; optional fields pass through', () => {
  const info = frameworkInfo({ ...settings, capabilities: ['TASK_KILLING_STATE', 'PARTITION_AWARE'], principal: 'k8sm', hostname: 'h', webuiUrl: 'http://ui', labels: { labels: [{ key: 'a', value: 'b' }] } });
  assert.deepEqual(info.capabilities, [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }, { type: 'TASK_KILLING_STATE' }]);
  assert.equal(info.principal, 'k8sm');
  assert.equal(info.hostname, 'h');
  assert.equal(info.webui_url, 'http://ui');
  assert.deepEqual(info.labels, { labels: [{ key: 'a', value: 'b' }] });
  assert.equal(info.role, undefined, 'MULTI_ROLE frameworks must not use the deprecated role field');
  const sr = subscribeCall({ ...settings, roles: ['a', 'b'] }, undefined, ['b']);
  assert.deepEqual(sr.subscribe!.suppressed_roles, ['b']);
});

test('framework settings are validated: empty user/name, bad failover timeout, duplicate or no roles', () => {
  assert.deepEqual(validateFrameworkSettings(settings), []);
  assert.match(validateFrameworkSettings({ ...settings, user: '' }).join(), /user/);
  assert.match(validateFrameworkSettings({ ...settings, name: '' }).join(), /name/);
  assert.match(validateFrameworkSettings({ ...settings, failoverTimeoutSeconds: -1 }).join(), /failover timeout/);
  assert.match(validateFrameworkSettings({ ...settings, failoverTimeoutSeconds: 1e10 }).join(), /failover timeout/);
  assert.match(validateFrameworkSettings({ ...settings, failoverTimeoutSeconds: NaN }).join(), /failover timeout/);
  assert.match(validateFrameworkSettings({ ...settings, roles: ['a', 'a'] }).join(), /twice/);
  assert.match(validateFrameworkSettings({ ...settings, roles: [] }).join(), /roles is empty/);
  assert.throws(() => subscribeCall({ ...settings, user: '' }), MesosUsageError);
});

test('ACCEPT with LAUNCH, and DECLINE with filters', () => {
  const task = { name: 't', task_id: { value: 't1' }, agent_id: { value: 'S1' }, resources: [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 1 } }] };
  assert.deepEqual(launchCall('F', ['O1'], [task], { refuse_seconds: 5 }), {
    type: 'ACCEPT',
    framework_id: { value: 'F' },
    accept: { offer_ids: [{ value: 'O1' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }], filters: { refuse_seconds: 5 } },
  });
  assert.deepEqual(acceptCall('F', [{ value: 'O2' }], []).accept, { offer_ids: [{ value: 'O2' }], operations: [] });
  assert.deepEqual(declineCall('F', ['O1', 'O2'], { refuse_seconds: 30 }), {
    type: 'DECLINE',
    framework_id: { value: 'F' },
    decline: { offer_ids: [{ value: 'O1' }, { value: 'O2' }], filters: { refuse_seconds: 30 } },
  });
  assert.throws(() => declineCall('F', []), MesosUsageError);
  assert.throws(() => acceptCall('F', [], []), MesosUsageError);
});

test('KILL, SHUTDOWN, MESSAGE, TEARDOWN shapes', () => {
  assert.deepEqual(killCall('F', 't1', 'S3'), { type: 'KILL', framework_id: { value: 'F' }, kill: { task_id: { value: 't1' }, agent_id: { value: 'S3' } } });
  assert.deepEqual(killCall('F', { value: 't1' }), { type: 'KILL', framework_id: { value: 'F' }, kill: { task_id: { value: 't1' } } });
  assert.deepEqual(shutdownCall('F', 'e1', 'S1'), { type: 'SHUTDOWN', framework_id: { value: 'F' }, shutdown: { executor_id: { value: 'e1' }, agent_id: { value: 'S1' } } });
  assert.deepEqual(messageCall('F', 'S1', 'e1', 'hi'), { type: 'MESSAGE', framework_id: { value: 'F' }, message: { agent_id: { value: 'S1' }, executor_id: { value: 'e1' }, data: 'aGk=' } });
  assert.deepEqual(teardownCall('F'), { type: 'TEARDOWN', framework_id: { value: 'F' } });
});

test('RECONCILE always carries `reconcile`: explicit with agent ids, implicit empty', () => {
  assert.deepEqual(reconcileCall('F', [{ task_id: 't1', agent_id: 'S3' }, { task_id: { value: 't2' } }]), {
    type: 'RECONCILE',
    framework_id: { value: 'F' },
    reconcile: { tasks: [{ task_id: { value: 't1' }, agent_id: { value: 'S3' } }, { task_id: { value: 't2' } }] },
  });
  const implicit = reconcileCall('F');
  assert.deepEqual(implicit, { type: 'RECONCILE', framework_id: { value: 'F' }, reconcile: { tasks: [] } });
  assert.ok('reconcile' in JSON.parse(JSON.stringify(reconcileCall('F', []))));
});

test('REVIVE / SUPPRESS use `roles` (never `role`); empty means all roles', () => {
  assert.deepEqual(reviveCall('F', ['web']), { type: 'REVIVE', framework_id: { value: 'F' }, revive: { roles: ['web'] } });
  assert.deepEqual(reviveCall('F'), { type: 'REVIVE', framework_id: { value: 'F' }, revive: {} });
  assert.deepEqual(suppressCall('F', ['*']), { type: 'SUPPRESS', framework_id: { value: 'F' }, suppress: { roles: ['*'] } });
  assert.equal(JSON.stringify(reviveCall('F', ['x'])).includes('"role"'), false);
});

test('ACKNOWLEDGE only for updates with a uuid (and an agent id)', () => {
  const reliable: TaskStatus = { task_id: { value: 't1' }, state: 'TASK_RUNNING', agent_id: { value: 'S3' }, uuid: Buffer.alloc(16, 7).toString('base64'), source: 'SOURCE_EXECUTOR' };
  assert.equal(needsAcknowledgement(reliable), true);
  assert.deepEqual(acknowledgeCall('F', reliable), {
    type: 'ACKNOWLEDGE',
    framework_id: { value: 'F' },
    acknowledge: { agent_id: { value: 'S3' }, task_id: { value: 't1' }, uuid: reliable.uuid },
  });
  const reconciliation: TaskStatus = { task_id: { value: 't1' }, state: 'TASK_LOST', source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' };
  assert.equal(needsAcknowledgement(reconciliation), false);
  assert.throws(() => acknowledgeCall('F', reconciliation), (e: unknown) => e instanceof MesosUsageError && e.reason === 'NotAcknowledgeable');
  assert.throws(() => acknowledgeCall('F', { ...reconciliation, uuid: '' }), MesosUsageError);
  assert.throws(() => acknowledgeCall('F', { task_id: { value: 't' }, state: 'TASK_RUNNING', uuid: 'AAAA' }), /no agent_id/);
});

test('the master\'s "subscription gone" answers are recognised, other rejections are not', () => {
  assert.equal(
    classifySubscriptionGone(400, "The stream ID 'abc' included in this request didn't match the stream ID currently associated with framework ID F"),
    'StreamIdMismatch',
  );
  assert.equal(classifySubscriptionGone(400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header"), 'StreamIdMismatch');
  assert.equal(classifySubscriptionGone(400, 'Framework cannot be found'), 'FrameworkNotFound');
  assert.equal(classifySubscriptionGone(403, 'Framework is not subscribed'), 'NotSubscribed');
  assert.equal(classifySubscriptionGone(400, 'Failed to validate scheduler::Call: Expecting \'reconcile\' to be present'), undefined);
  assert.equal(classifySubscriptionGone(403, 'Framework is not connected via HTTP'), undefined);
  assert.equal(classifySubscriptionGone(500, 'Framework is not subscribed'), undefined);
});
