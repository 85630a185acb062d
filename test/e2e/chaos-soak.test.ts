// Issue 10, the short soak: the whole stack (real etcd, the Mesos emulator with 3 masters and 20 agents, the
// Kubernetes API emulator with the pod runner, the operator, a 3-replica SchedulerHA, a few hundred pods) under
// about 50 seeded faults of every kind, then the invariant checker: zero violations, and every fault kind ran.
// The full soak (≥ 500 faults, ≥ 500 pods) is `npm run soak`; its published run is bench/results/soak.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSoak } from '../../src/devstack/chaos/soak.js';
import { formatViolations } from '../../src/devstack/chaos/checker.js';
import { FAULT_KINDS } from '../../src/devstack/chaos/faults.js';
import { formatKindTable } from '../../src/devstack/chaos/report.js';

const SEED = Number(process.env.SOAK_SEED ?? 10);

test(`chaos soak (short, seed ${SEED}): ~50 faults of every kind, zero violations`, { timeout: 240_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'chaos-soak-test-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const lines: string[] = [];
  const started = Date.now();
  const res = await runSoak({
    seed: SEED,
    faults: 52,
    pods: 200,
    agents: 20,
    masters: 3,
    replicas: 3,
    maxDurationMs: 170_000,
    quietMs: 45_000,
    recoveryWaitMs: 15_000,
    spacing: { minGapMs: 600, maxGapMs: 2000, burstProbability: 0.15, waitForRecoveryProbability: 0.5 },
    outDir: out,
    log: (l) => lines.push(l),
  });
  const took = Date.now() - started;
  t.diagnostic(`${res.report.summary.faultsInjected} faults in ${(took / 1000).toFixed(1)} s; ${res.report.summary.podsCreated} pods, ${res.report.summary.tasksLaunched} tasks\n${formatKindTable(res.report.faultsByKind)}`);
  if (res.stackDir) t.after(() => rmSync(res.stackDir!, { recursive: true, force: true }));
  assert.deepEqual(res.violations.map((v) => v.kind), [], `violations:\n${formatViolations(res.violations)}\n--- last soak lines:\n${lines.slice(-40).join('\n')}`);
  for (const k of FAULT_KINDS) assert.ok(res.report.faultsByKind[k]!.injected >= 2, `fault kind ${k} ran (${JSON.stringify(res.report.faultsByKind[k])})`);
  // All 52 unless a very slow machine hit the time bound (the plan covers every kind in each block of 13).
  if (res.report.summary.stoppedEarly) t.diagnostic(`time bound: ${res.report.summary.stoppedEarly}`);
  else assert.equal(res.report.summary.faultsInjected + res.report.summary.faultsSkipped, 52);
  assert.ok(res.report.summary.faultsInjected >= 26, `${res.report.summary.faultsInjected} faults injected`);
  assert.equal(res.report.summary.ok, true);
  // Failovers happened and were measured: every leader kill, USR1 and SIGSTOP produced a new SUBSCRIBED term.
  for (const k of ['sigkill-leader', 'usr1-leader', 'sigstop-leader'] as const) {
    const s = res.report.faultsByKind[k]!;
    assert.equal(s.failovers, s.injected, `${k}: each one led to a new subscribed leader`);
  }
  // The report files: JSON with the same verdict, and the SVG timeline.
  const json = JSON.parse(readFileSync(res.jsonPath, 'utf8')) as { summary: { ok: boolean; faultsInjected: number }; faults: unknown[] };
  assert.equal(json.summary.ok, true);
  assert.equal(json.faults.length, res.report.faults.length);
  assert.equal(json.summary.faultsInjected, res.report.summary.faultsInjected);
  assert.ok(existsSync(res.svgPath) && readFileSync(res.svgPath, 'utf8').startsWith('<svg'));
});
