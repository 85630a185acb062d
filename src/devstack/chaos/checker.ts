// The chaos soak's invariant checker. Pure: it reads what the run recorded — the Mesos emulator's history (every
// call and event), the scheduler replicas' own timelines (elected / lost / subscribed with stream id), the final
// task registry, the final Mesos task states and the final SchedulerHA status — and reports every violation of
// the promise "never absent, never two, nothing lost", each with the timeline around it.
import type { CallRecord, EventRecord } from '../mesos/history.js';
import { isTerminalState, type TaskState } from '../../mesos/types.js';
import type { TaskRecord } from '../../scheduler/task-record.js';
import { parseTaskId } from '../../scheduler/pods/task-id.js';

export interface ReplicaEvent {
  at: number;
  replica: string;
  kind: 'elected' | 'lost' | 'subscribed';
  term: string;
  streamId?: string;
  frameworkId?: string;
  reason?: string;
}

export interface FaultRecord {
  at: number;
  kind: string;
  target?: string;
  /** When the fault's effect was undone (SIGCONT, heal, resume), if it was. */
  endedAt?: number;
}

export interface CheckInput {
  frameworkId: string;
  calls: CallRecord[];
  events: EventRecord[];
  replicaEvents: ReplicaEvent[];
  faults: FaultRecord[];
  /** Final registry content. */
  registry: Map<string, TaskRecord>;
  /** Final Mesos view of every task the framework ever had (live, unreachable and completed). */
  mesosTasks: Map<string, { state: TaskState | string; agentId?: string }>;
  /** Framework ids seen in etcd during the run (sampled), in order. */
  storedFrameworkIds: string[];
  finalConditions: Array<{ type: string; status: string; reason: string; message?: string }>;
  finalReconciliation?: { phase: string; remaining: number };
  /** Two launches of one pod may both run for this long while a healed partition is resolved (default 0). */
  duplicateGraceMs?: number;
}

export interface Violation {
  kind: 'stale-term-call' | 'unattributed-call' | 'framework-id-changed' | 'new-framework' | 'lost-task' | 'registry-mismatch' | 'duplicate-launch' | 'relaunched-same-attempt' | 'not-ready' | 'not-reconciled';
  message: string;
  at?: number;
  timeline: string[];
}

const fmt = (t: number) => new Date(t).toISOString().slice(11, 23);

function timelineAround(input: CheckInput, at: number, windowMs = 5000): string[] {
  const lines: Array<[number, string]> = [];
  for (const e of input.replicaEvents) if (Math.abs(e.at - at) <= windowMs) lines.push([e.at, `${e.replica} ${e.kind} term ${e.term}${e.streamId ? ` stream ${e.streamId.slice(0, 8)}` : ''}${e.reason ? ` (${e.reason})` : ''}`]);
  for (const f of input.faults) if (Math.abs(f.at - at) <= windowMs) lines.push([f.at, `FAULT ${f.kind}${f.target ? ` ${f.target}` : ''}`]);
  for (const c of input.calls) if (Math.abs(c.time - at) <= windowMs && (c.callType === 'SUBSCRIBE' || c.time === at)) lines.push([c.time, `mesos ${c.callType} → ${c.status}${c.streamId ? ` stream ${c.streamId.slice(0, 8)}` : ''}${c.newStreamId ? ` new stream ${c.newStreamId.slice(0, 8)}` : ''}`]);
  return lines.sort((a, b) => a[0] - b[0]).map(([t, l]) => `${fmt(t)}  ${l}`);
}

export function check(input: CheckInput): Violation[] {
  const out: Violation[] = [];
  const elected = input.replicaEvents.filter((e) => e.kind === 'elected').map((e) => ({ ...e, rev: BigInt(e.term) })).sort((a, b) => (a.rev < b.rev ? -1 : a.rev > b.rev ? 1 : 0));
  const electedOf = new Map(elected.map((e) => [e.term, e]));
  const streamTerm = new Map(input.replicaEvents.filter((e) => e.kind === 'subscribed' && e.streamId).map((e) => [e.streamId!, e]));

  // 1. No call accepted from a replica whose term had ended: an accepted call of term T must precede the election
  //    of the next term (the leader stops at its renew deadline, before etcd can elect a successor).
  for (const c of input.calls) {
    if (c.callType === 'SUBSCRIBE' || c.status < 200 || c.status > 299 || !c.streamId) continue;
    const sub = streamTerm.get(c.streamId);
    if (!sub) {
      out.push({ kind: 'unattributed-call', message: `${c.callType} accepted at ${fmt(c.time)} on stream ${c.streamId}, which no replica logged opening`, at: c.time, timeline: timelineAround(input, c.time) });
      continue;
    }
    const rev = BigInt(sub.term);
    const next = elected.find((e) => e.rev > rev);
    if (next && c.time >= next.at) {
      out.push({
        kind: 'stale-term-call',
        message: `${c.callType} from ${sub.replica} (term ${sub.term}) accepted at ${fmt(c.time)}, after ${next.replica} was elected for term ${next.term} at ${fmt(next.at)}`,
        at: c.time,
        timeline: timelineAround(input, c.time),
      });
    }
    const mine = electedOf.get(sub.term);
    if (mine && c.time < mine.at - 5) {
      out.push({ kind: 'stale-term-call', message: `${c.callType} of term ${sub.term} accepted at ${fmt(c.time)} before that term was elected (${fmt(mine.at)})`, at: c.time, timeline: timelineAround(input, c.time) });
    }
  }

  // 2. The framework id never changes, and no new framework is registered.
  for (const c of input.calls) {
    if (c.callType !== 'SUBSCRIBE' || c.status !== 200 || c.detail.startsWith('ERROR')) continue;
    if (c.frameworkId !== input.frameworkId) {
      out.push({ kind: c.frameworkId ? 'framework-id-changed' : 'new-framework', message: `SUBSCRIBE at ${fmt(c.time)} registered framework ${c.frameworkId ?? '(new)'} instead of ${input.frameworkId}`, at: c.time, timeline: timelineAround(input, c.time) });
    }
  }
  for (const id of new Set(input.storedFrameworkIds)) {
    if (id !== input.frameworkId) out.push({ kind: 'framework-id-changed', message: `etcd held framework id ${id} during the run instead of ${input.frameworkId}`, timeline: [] });
  }

  // 3. Every task ever launched is accounted for: in the registry, and consistent with Mesos's final view.
  const launches = new Map<string, CallRecord[]>();
  for (const c of input.calls) {
    if (c.callType !== 'ACCEPT' || c.status !== 202) continue;
    for (const id of c.taskIds ?? []) launches.set(id, [...(launches.get(id) ?? []), c]);
  }
  for (const [id, cs] of launches) {
    if (cs.length > 1) out.push({ kind: 'relaunched-same-attempt', message: `task ${id} was launched ${cs.length} times (${cs.map((c) => fmt(c.time)).join(', ')})`, at: cs[1]!.time, timeline: timelineAround(input, cs[1]!.time) });
    const rec = input.registry.get(id);
    if (!rec) {
      out.push({ kind: 'lost-task', message: `task ${id} launched at ${fmt(cs[0]!.time)} is not in the registry`, at: cs[0]!.time, timeline: timelineAround(input, cs[0]!.time) });
      continue;
    }
  }
  for (const [id, m] of input.mesosTasks) {
    const rec = input.registry.get(id);
    const mesosLive = !isTerminalState(m.state as TaskState);
    if (!rec) {
      if (mesosLive) out.push({ kind: 'lost-task', message: `task ${id} is ${m.state} on Mesos but unknown to the registry`, timeline: [] });
      continue;
    }
    const regLive = rec.state === 'TASK_INTENT' || !isTerminalState(rec.state);
    if (mesosLive !== regLive) out.push({ kind: 'registry-mismatch', message: `task ${id}: registry says ${rec.state}, Mesos says ${m.state}`, timeline: [] });
  }
  for (const [id, rec] of input.registry) {
    const live = rec.state !== 'TASK_INTENT' && !isTerminalState(rec.state);
    if (live && !input.mesosTasks.has(id)) out.push({ kind: 'registry-mismatch', message: `task ${id} is ${rec.state} in the registry but Mesos does not know it`, timeline: [] });
  }

  // 4. No pod runs twice at once: RUNNING windows of one pod's tasks do not overlap (beyond the grace).
  const grace = input.duplicateGraceMs ?? 0;
  const windows = new Map<string, Array<{ task: string; from: number; to: number }>>();
  const running = new Map<string, number>();
  const byTime = [...input.events].filter((e) => e.type === 'UPDATE' && e.taskId && !e.dropped).sort((a, b) => a.time - b.time);
  const end = Math.max(0, ...input.calls.map((c) => c.time), ...byTime.map((e) => e.time));
  const close = (task: string, at: number) => {
    const from = running.get(task);
    if (from === undefined) return;
    running.delete(task);
    const p = parseTaskId(task);
    if (p) windows.set(p.uid, [...(windows.get(p.uid) ?? []), { task, from, to: at }]);
  };
  for (const e of byTime) {
    if (e.state === 'TASK_RUNNING') {
      if (!running.has(e.taskId!)) running.set(e.taskId!, e.time);
    } else if (e.state && isTerminalState(e.state as TaskState)) close(e.taskId!, e.time);
  }
  for (const t of [...running.keys()]) close(t, end);
  for (const [uid, ws] of windows) {
    ws.sort((a, b) => a.from - b.from);
    for (let i = 0; i < ws.length; i++) {
      for (let j = i + 1; j < ws.length; j++) {
        const a = ws[i]!;
        const b = ws[j]!;
        if (a.task === b.task) continue;
        const overlap = Math.min(a.to, b.to) - Math.max(a.from, b.from);
        if (overlap > grace) {
          out.push({ kind: 'duplicate-launch', message: `pod ${uid} ran twice at once: ${a.task} and ${b.task} were both RUNNING for ${overlap} ms from ${fmt(Math.max(a.from, b.from))}`, at: Math.max(a.from, b.from), timeline: timelineAround(input, Math.max(a.from, b.from)) });
        }
      }
    }
  }

  // 5. After the final quiet period: Ready, and reconciliation complete.
  const ready = input.finalConditions.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') out.push({ kind: 'not-ready', message: `final Ready condition is ${ready ? `${ready.status} (${ready.reason}: ${ready.message ?? ''})` : 'missing'}`, timeline: [] });
  for (const c of input.finalConditions) {
    if (c.type === 'Degraded' || c.type === 'Ready') continue;
    if (c.status !== 'True') out.push({ kind: 'not-ready', message: `final ${c.type} condition is ${c.status} (${c.reason}: ${c.message ?? ''})`, timeline: [] });
  }
  const rc = input.finalReconciliation;
  if (!rc || rc.phase !== 'complete' || rc.remaining !== 0) out.push({ kind: 'not-reconciled', message: `final reconciliation ${rc ? `${rc.phase}, ${rc.remaining} remaining` : 'unknown'}`, timeline: [] });
  return out;
}

export function formatViolations(vs: Violation[]): string {
  return vs.map((v, i) => [`${i + 1}. [${v.kind}] ${v.message}`, ...v.timeline.map((l) => `     ${l}`)].join('\n')).join('\n');
}
