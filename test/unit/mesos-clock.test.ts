// The emulator's real clock keeps the ordering contract of the virtual one — timers run in (due time, creation
// order) order — even when the event loop was blocked, which Node's own timers do not promise across durations.
// Found by the chaos soak: an agent launching many tasks while the process was busy sent TASK_RUNNING before
// TASK_STARTING, and the task stayed STARTING forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RealClock } from '../../src/devstack/mesos/clock.js';
import { SimAgent, type AgentSink } from '../../src/devstack/mesos/agent.js';
import { parseResourceString } from '../../src/devstack/mesos/resources.js';
import type { FrameworkInfo, TaskInfo, TaskState } from '../../src/mesos/types.js';

function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // a blocked event loop, like an emulator process busy serving a burst of launches
  }
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('timers of different durations run in due-time order although the loop was blocked', async () => {
  const c = new RealClock();
  const order: string[] = [];
  let inversions = 0;
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 200; i++) {
      let first = false;
      c.setTimeout(() => (first = true), 30);
      c.setTimeout(() => {
        if (!first) inversions++;
      }, 90);
      if (i % 10 === 0) busy(3);
    }
    busy(40 + round * 8);
    await settle(5);
  }
  c.setTimeout(() => order.push('b'), 20);
  c.setTimeout(() => order.push('a'), 10);
  c.setTimeout(() => order.push('c'), 20);
  await settle(300);
  assert.equal(inversions, 0, 'a 30 ms timer always runs before the 90 ms timer created with it');
  assert.deepEqual(order, ['a', 'b', 'c'], 'equal due times run in creation order');
  assert.equal(c.pending, 0);
});

test('cancelled timers never run; a timer set from a callback runs on a later turn', async () => {
  const c = new RealClock();
  const ran: string[] = [];
  const h = c.setTimeout(() => ran.push('cancelled'), 5);
  c.clearTimeout(h);
  c.clearTimeout(undefined);
  c.setTimeout(() => {
    ran.push('outer');
    c.setTimeout(() => ran.push('inner'), 0);
  }, 5);
  c.setTimeout(() => ran.push('later'), 7);
  await settle(100);
  assert.deepEqual([...ran].sort(), ['inner', 'later', 'outer'], 'every live timer ran, the cancelled one did not');
  assert.ok(ran.indexOf('outer') < ran.indexOf('inner'), 'the inner timer runs after the callback that set it');
  assert.equal(c.pending, 0);
});

test('an agent reports STARTING before RUNNING for every task launched while the process is busy', async () => {
  const clock = new RealClock();
  const seen = new Map<string, TaskState[]>();
  const sink: AgentSink = {
    statusUpdate: (_a, _fw, status) => seen.set(status.task_id.value, [...(seen.get(status.task_id.value) ?? []), status.state]),
    executorExited: () => undefined,
  };
  const timing = { startingDelayMs: 30, runningDelayMs: 60, killDelayMs: 30, retryInitialMs: 60_000, retryMaxMs: 60_000 };
  const agent = new SimAgent('S0', 'agent-0', 5051, parseResourceString('cpus:400;mem:100000'), clock, () => timing, () => undefined);
  agent.sink = sink;
  const fw: FrameworkInfo = { id: { value: 'F' }, name: 'f', user: 'root' } as FrameworkInfo;
  const ids: string[] = [];
  for (let round = 0; round < 8; round++) {
    for (let i = 0; i < 100; i++) {
      const id = `t${round}-${i}`;
      ids.push(id);
      agent.launch(fw, { name: id, task_id: { value: id }, agent_id: { value: 'S0' }, resources: [], command: { value: 'true' } } as TaskInfo);
      if (i % 10 === 0) busy(3);
    }
    busy(40 + round * 10);
    await settle(5);
  }
  await settle(400);
  for (const id of ids) {
    // Only the head update is in flight until acknowledged: what the master heard first must be STARTING.
    assert.deepEqual(seen.get(id), ['TASK_STARTING'], `${id}: STARTING is sent first`);
    assert.deepEqual(agent.framework('F')!.tasks.get(id)!.statuses.map((s) => s.state), ['TASK_STARTING', 'TASK_RUNNING'], `${id}: the lifecycle in order`);
  }
  agent.stopTimers();
});
