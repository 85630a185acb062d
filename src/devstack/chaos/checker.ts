// The chaos soak's invariant checker. Pure: it reads what the run recorded — the Mesos emulator's history (every
// call and event), the scheduler replicas' own timelines (elected / lost / subscribed with stream id), the leader
// changes an etcd watch saw, what the emulated agents actually ran (their own status log, which outlives master
// failovers), the final task registry, the final Mesos task states, the final pods and the final SchedulerHA
// status — and reports every violation of the promise "never absent, never two, nothing lost", each with the
// timeline around it.
import type { CallRecord, EventRecord } from '../mesos/history.js';
import { isTerminalState, type TaskState } from '../../mesos/types.js';
import type { TaskRecord } from '../../scheduler/task-record.js';
import { parseTaskId } from '../../scheduler/pods/task-id.js';

export interface ReplicaEvent {
  at: number;
  /** One process incarnation (e.g. `k8sm-1#3`). */
  replica: string;
  /** 'exited': the incarnation's last log line (it is gone by the end of the run); rules ignore it. */
  kind: 'elected' | 'lost' | 'subscribed' | 'reconciled' | 'exited';
  term: string;
  streamId?: string;
  frameworkId?: string;
  reason?: string;
  /** The pod (replica row in the timeline) and the process id. */
  pod?: string;
  pid?: number;
}

export interface FaultRecord {
  at: number;
  kind: string;
  target?: string;
  /** When the fault's effect was undone (SIGCONT, heal, resume), if it was. */
  endedAt?: number;
  /** What the injection did ("SIGKILL pid 123 (leader, term 456)") or why it was skipped. */
  outcome?: string;
}

/** A change of the leading election key as an etcd watch saw it (`term` null: no candidate key left). The watch
 * sees a change no earlier than it happened, so these times are upper bounds, like the replicas' own logs. */
export interface LeaderObservation {
  at: number;
  term: string | null;
  pod?: string;
}

/** What one emulated agent actually did with one task: when it received it and every status it generated (exact
 * generation times, whether or not a master or scheduler ever heard of them). */
export interface AgentTaskTruth {
  taskId: string;
  agentId: string;
  launchedAt: number;
  statuses: Array<{ state: string; at: number }>;
  /** Still held by the agent, non-terminal, at the end of the run. */
  live: boolean;
  /** Final state on the agent. */
  state: string;
}

/** The final state of a pod the soak created, and whether the soak deleted it. */
export interface PodTruth {
  uid: string;
  name: string;
  /** The soak deleted it: it must be gone, and none of its tasks may run. */
  deleted: boolean;
  /** Still in the API at the end. */
  present: boolean;
  nodeName?: string;
  phase?: string;
  deleting?: boolean;
  /** When the soak deleted it. */
  deletedAt?: number;
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
  /** Leader changes seen by an etcd watch on the election prefix (tightens the stale-term rule). */
  leaderObservations?: LeaderObservation[];
  /** Ground truth from the agents; when given, duplicate launches are judged on it and every task still running
   * on an agent must be live in the registry. */
  agentTasks?: AgentTaskTruth[];
  /** Agent id → hostname (the node a pod must be bound to). */
  agentHostnames?: Record<string, string>;
  /** The pods the soak created: each kept pod runs exactly one task, bound where it runs; each deleted pod is gone
   * with none of its tasks running. */
  pods?: PodTruth[];
  /** Records the emulator's bounded history dropped: the checker cannot vouch for a run it did not see whole. */
  historyDropped?: { calls: number; events: number };
}

export interface Violation {
  kind:
    | 'stale-term-call'
    | 'unattributed-call'
    | 'framework-id-changed'
    | 'new-framework'
    | 'lost-task'
    | 'orphan-task'
    | 'registry-mismatch'
    | 'duplicate-launch'
    | 'relaunched-same-attempt'
    | 'pod-not-running'
    | 'deleted-pod-present'
    | 'deleted-pod-task-alive'
    | 'history-incomplete'
    | 'not-ready'
    | 'not-reconciled';
  message: string;
  at?: number;
  timeline: string[];
}

const fmt = (t: number) => new Date(t).toISOString().slice(11, 23);
const terminal = (s: string) => isTerminalState(s as TaskState);
const MAX_TIMELINE_LINES = 60;

interface TimelineOpts {
  windowMs?: number;
  /** Tasks whose calls, updates and agent statuses belong in the timeline whenever they happened. */
  taskIds?: Iterable<string>;
}

/** The history around `at`: replica events, faults (and faults still in effect), etcd leader changes, SUBSCRIBEs,
 * the call at `at`, and everything about the given tasks. At most MAX_TIMELINE_LINES, nearest to `at` first. */
function timelineAround(input: CheckInput, at: number, opts: TimelineOpts = {}): string[] {
  const w = opts.windowMs ?? 5000;
  const near = (t: number) => Math.abs(t - at) <= w;
  const tasks = new Set(opts.taskIds ?? []);
  const lines: Array<[number, string]> = [];
  for (const e of input.replicaEvents) {
    if (!near(e.at)) continue;
    lines.push([e.at, `${e.replica} ${e.kind}${e.term ? ` term ${e.term}` : ''}${e.streamId ? ` stream ${e.streamId.slice(0, 8)}` : ''}${e.reason ? ` (${e.reason})` : ''}`]);
  }
  for (const f of input.faults) {
    const ongoing = f.endedAt !== undefined && f.at <= at && at <= f.endedAt;
    if (near(f.at) || ongoing) lines.push([f.at, `FAULT ${f.kind}${f.target ? ` ${f.target}` : ''}${f.outcome ? `: ${f.outcome}` : ''}`]);
    if (f.endedAt !== undefined && (near(f.endedAt) || ongoing)) lines.push([f.endedAt, `FAULT END ${f.kind}${f.target ? ` ${f.target}` : ''}`]);
  }
  for (const o of input.leaderObservations ?? []) if (near(o.at)) lines.push([o.at, o.term ? `etcd: term ${o.term}${o.pod ? ` (${o.pod})` : ''} leads` : 'etcd: no candidate key']);
  for (const c of input.calls) {
    const mine = c.taskIds?.some((id) => tasks.has(id));
    if (mine || (near(c.time) && (c.callType === 'SUBSCRIBE' || c.time === at))) {
      lines.push([c.time, `mesos ${c.callType} → ${c.status}${c.streamId ? ` stream ${c.streamId.slice(0, 8)}` : ''}${c.newStreamId ? ` new stream ${c.newStreamId.slice(0, 8)}` : ''}${mine ? ` ${c.taskIds!.filter((id) => tasks.has(id)).join(',')}` : ''}${c.detail && c.detail !== String(c.status) && c.detail !== '202' ? ` (${c.detail.slice(0, 80)})` : ''}`]);
    }
  }
  if (tasks.size) {
    for (const e of input.events) {
      if (e.type !== 'UPDATE' || !e.taskId || !tasks.has(e.taskId)) continue;
      lines.push([e.time, `mesos UPDATE ${e.taskId} ${e.state}${e.reason ? ` ${e.reason}` : ''}${e.dropped ? ` (not delivered: ${e.dropped})` : ''}`]);
    }
    for (const t of input.agentTasks ?? []) {
      if (!tasks.has(t.taskId)) continue;
      lines.push([t.launchedAt, `agent ${t.agentId}: launch ${t.taskId}`]);
      for (const st of t.statuses) lines.push([st.at, `agent ${t.agentId}: ${t.taskId} ${st.state}`]);
    }
  }
  // Runs of one repeated line (a re-sent update, reconciliation answers) become one line with a count.
  lines.sort((a, b) => a[0] - b[0]);
  const runs: Array<{ t: number; last: number; text: string; n: number }> = [];
  for (const [t, text] of lines) {
    const prev = runs.at(-1);
    if (prev && prev.text === text) {
      prev.n++;
      prev.last = t;
    } else runs.push({ t, last: t, text, n: 1 });
  }
  const out = runs.map((r) => ({ t: r.t, line: `${fmt(r.t)}${r.t === at ? ' >' : '  '} ${r.text}${r.n > 1 ? ` (×${r.n} until ${fmt(r.last)})` : ''}` }));
  if (out.length <= MAX_TIMELINE_LINES) return out.map((x) => x.line);
  // Too long: the beginning (how it started) and the lines nearest to `at`.
  const head = out.slice(0, MAX_TIMELINE_LINES / 3);
  const rest = out.slice(head.length).sort((a, b) => Math.abs(a.t - at) - Math.abs(b.t - at)).slice(0, MAX_TIMELINE_LINES - head.length).sort((a, b) => a.t - b.t);
  return [...head.map((x) => x.line), `  … ${out.length - head.length - rest.length} lines omitted`, ...rest.map((x) => x.line)];
}

/** Lifetime of one task on its agent: from the launch to its first terminal status (or the end of the run). */
function liveWindow(t: AgentTaskTruth, end: number): { from: number; to: number } {
  const fin = t.statuses.find((s) => terminal(s.state));
  return { from: t.launchedAt, to: fin ? fin.at : t.live ? end : Math.max(t.launchedAt, ...t.statuses.map((s) => s.at)) };
}

/** `f`, computed once per term: the checks ask about the same few hundred terms for each of 100k+ records. */
function memoByTerm<T>(f: (rev: bigint) => T): (rev: bigint) => T {
  const memo = new Map<bigint, T>();
  return (rev) => {
    if (!memo.has(rev)) memo.set(rev, f(rev));
    return memo.get(rev) as T;
  };
}

export function check(input: CheckInput): Violation[] {
  const out: Violation[] = [];
  const flagged = new Set<string>();
  const push = (v: Violation, key?: string) => {
    if (key) {
      if (flagged.has(`${v.kind}:${key}`)) return;
      flagged.add(`${v.kind}:${key}`);
    }
    out.push(v);
  };
  const elected = input.replicaEvents.filter((e) => e.kind === 'elected').map((e) => ({ ...e, rev: BigInt(e.term) })).sort((a, b) => (a.rev < b.rev ? -1 : a.rev > b.rev ? 1 : 0));
  const electedOf = new Map(elected.map((e) => [e.term, e]));
  const streamTerm = new Map(input.replicaEvents.filter((e) => e.kind === 'subscribed' && e.streamId).map((e) => [e.streamId!, e]));
  const observed = (input.leaderObservations ?? []).filter((o) => o.term !== null).map((o) => ({ ...o, rev: BigInt(o.term!) }));
  // A loop, not Math.max(...): a long soak records hundreds of thousands of events (too many call arguments).
  let end = 0;
  for (const c of input.calls) if (c.time > end) end = c.time;
  for (const e of input.events) if (e.time > end) end = e.time;
  for (const t of input.agentTasks ?? []) for (const at of [t.launchedAt, ...t.statuses.map((x) => x.at)]) if (at > end) end = at;

  // 0. The checker can only vouch for what it saw.
  const dropped = input.historyDropped;
  if (dropped && (dropped.calls > 0 || dropped.events > 0)) {
    push({ kind: 'history-incomplete', message: `the Mesos emulator's bounded history dropped ${dropped.calls} call and ${dropped.events} event records; raise its maxCalls / maxEvents`, timeline: [] });
  }

  // The earliest evidence that a term newer than `rev` began: a replica's "elected" log line, or the etcd watch
  // seeing a newer key lead. Both come no earlier than the election itself, so the minimum is still safe to judge by.
  const nextTermStart = memoByTerm((rev: bigint): { at: number; who: string; term: string } | undefined => {
    let best: { at: number; who: string; term: string } | undefined;
    const logged = elected.find((e) => e.rev > rev);
    if (logged) best = { at: logged.at, who: logged.replica, term: logged.term };
    for (const o of observed) {
      if (o.rev > rev && (!best || o.at < best.at)) best = { at: o.at, who: `${o.pod ?? 'a candidate'} (etcd watch)`, term: o.term! };
    }
    return best;
  });

  // When term `rev`'s key stopped leading, as the etcd watch saw it (an upper bound, like the watch's other times):
  // the first observation after the term was seen leading that names no leader or a newer term; for a term the
  // watch never saw leading, the first observation of a newer term.
  const termEnd = memoByTerm((rev: bigint): { at: number; what: string } | undefined => {
    const all = input.leaderObservations ?? [];
    const seenAt = all.find((o) => o.term !== null && BigInt(o.term) === rev)?.at;
    for (const o of all) {
      if (seenAt === undefined ? o.term !== null && BigInt(o.term) > rev : o.at > seenAt && (o.term === null || BigInt(o.term) !== rev)) {
        return { at: o.at, what: o.term === null ? 'its key was gone with no other candidate (etcd watch)' : `term ${o.term} led (etcd watch)` };
      }
    }
    return undefined;
  });

  // 1. No call accepted from a replica whose term had ended: an accepted call of term T — including the
  //    SUBSCRIBE that opened its stream — must precede the start of the next term (the leader stops at its renew
  //    deadline, before etcd can elect a successor) and the end of T's key in etcd.
  for (const c of input.calls) {
    if (c.status < 200 || c.status > 299) continue;
    const subscribe = c.callType === 'SUBSCRIBE';
    const stream = subscribe ? c.newStreamId : c.streamId;
    if (!stream || (subscribe && c.detail.startsWith('ERROR'))) continue;
    const sub = streamTerm.get(stream);
    if (!sub) {
      // A SUBSCRIBE whose replica died before logging it cannot be judged; calls on its stream can.
      if (!subscribe) push({ kind: 'unattributed-call', message: `${c.callType} accepted at ${fmt(c.time)} on stream ${c.streamId}, which no replica logged opening`, at: c.time, timeline: timelineAround(input, c.time) }, c.streamId);
      continue;
    }
    const rev = BigInt(sub.term);
    const next = nextTermStart(rev);
    const ended = termEnd(rev);
    if (next && c.time >= next.at) {
      push({
        kind: 'stale-term-call',
        message: `${c.callType} from ${sub.replica} (term ${sub.term}) accepted at ${fmt(c.time)}, after ${next.who} was elected for term ${next.term} at ${fmt(next.at)}`,
        at: c.time,
        timeline: timelineAround(input, c.time, { taskIds: c.taskIds ?? [] }),
      });
    } else if (ended && c.time >= ended.at) {
      push({
        kind: 'stale-term-call',
        message: `${c.callType} from ${sub.replica} (term ${sub.term}) accepted at ${fmt(c.time)}, after that term had ended at ${fmt(ended.at)}: ${ended.what}`,
        at: c.time,
        timeline: timelineAround(input, c.time, { taskIds: c.taskIds ?? [] }),
      });
    }
    const mine = electedOf.get(sub.term);
    if (mine && c.time < mine.at - 5) {
      push({ kind: 'stale-term-call', message: `${c.callType} of term ${sub.term} accepted at ${fmt(c.time)} before that term was elected (${fmt(mine.at)})`, at: c.time, timeline: timelineAround(input, c.time) });
    }
  }

  // 2. The framework id never changes, and no new framework is registered.
  for (const c of input.calls) {
    if (c.callType !== 'SUBSCRIBE' || c.status !== 200 || c.detail.startsWith('ERROR')) continue;
    if (c.frameworkId !== input.frameworkId) {
      push({ kind: c.frameworkId ? 'framework-id-changed' : 'new-framework', message: `SUBSCRIBE at ${fmt(c.time)} registered framework ${c.frameworkId ?? '(new)'} instead of ${input.frameworkId}`, at: c.time, timeline: timelineAround(input, c.time) });
    }
  }
  for (const id of new Set(input.storedFrameworkIds)) {
    if (id !== input.frameworkId) push({ kind: 'framework-id-changed', message: `etcd held framework id ${id} during the run instead of ${input.frameworkId}`, timeline: [] });
  }

  // 3. Every task ever launched is accounted for: in the registry, and consistent with Mesos's final view and with
  //    what the agents actually run.
  const launches = new Map<string, CallRecord[]>();
  for (const c of input.calls) {
    if (c.callType !== 'ACCEPT' || c.status !== 202) continue;
    for (const id of c.taskIds ?? []) launches.set(id, [...(launches.get(id) ?? []), c]);
  }
  for (const [id, cs] of launches) {
    if (cs.length > 1) push({ kind: 'relaunched-same-attempt', message: `task ${id} was launched ${cs.length} times (${cs.map((c) => fmt(c.time)).join(', ')})`, at: cs[1]!.time, timeline: timelineAround(input, cs[1]!.time, { taskIds: [id] }) }, id);
    const rec = input.registry.get(id);
    if (!rec) push({ kind: 'lost-task', message: `task ${id} launched at ${fmt(cs[0]!.time)} is not in the registry`, at: cs[0]!.time, timeline: timelineAround(input, cs[0]!.time, { taskIds: [id] }) }, `launch:${id}`);
  }
  for (const [id, m] of input.mesosTasks) {
    const rec = input.registry.get(id);
    const mesosLive = !terminal(m.state);
    if (!rec) {
      if (mesosLive) push({ kind: 'lost-task', message: `task ${id} is ${m.state} on Mesos but unknown to the registry`, timeline: timelineAround(input, end, { taskIds: [id], windowMs: 0 }) }, `mesos:${id}`);
      continue;
    }
    const regLive = rec.state === 'TASK_INTENT' || !terminal(rec.state);
    if (mesosLive !== regLive) push({ kind: 'registry-mismatch', message: `task ${id}: registry says ${rec.state}, Mesos says ${m.state}`, timeline: timelineAround(input, end, { taskIds: [id], windowMs: 0 }) }, id);
  }
  for (const [id, rec] of input.registry) {
    const live = rec.state !== 'TASK_INTENT' && !terminal(rec.state);
    if (live && !input.mesosTasks.has(id)) push({ kind: 'registry-mismatch', message: `task ${id} is ${rec.state} in the registry but Mesos does not know it`, timeline: timelineAround(input, end, { taskIds: [id], windowMs: 0 }) }, id);
  }
  if (input.agentTasks) {
    const onAgents = new Set<string>();
    for (const t of input.agentTasks) {
      if (!t.live) continue;
      onAgents.add(t.taskId);
      const rec = input.registry.get(t.taskId);
      if (!rec || !(rec.state === 'TASK_INTENT' || !terminal(rec.state))) {
        push({ kind: 'orphan-task', message: `task ${t.taskId} is ${t.state} on agent ${t.agentId} but the registry ${rec ? `says ${rec.state}` : 'does not know it'}: nobody will ever kill or account for it`, timeline: timelineAround(input, end, { taskIds: [t.taskId], windowMs: 0 }) }, t.taskId);
      }
    }
    for (const [id, rec] of input.registry) {
      if (rec.state === 'TASK_INTENT' || terminal(rec.state) || onAgents.has(id)) continue;
      push({ kind: 'registry-mismatch', message: `task ${id} is ${rec.state} in the registry but no agent runs it`, timeline: timelineAround(input, end, { taskIds: [id], windowMs: 0 }) }, id);
    }
  }

  // 4. No pod runs twice at once. With the agents' own record: no two tasks of one pod live on agents at once
  //    (launch to terminal status). Without it: RUNNING windows from the updates the masters sent.
  const grace = input.duplicateGraceMs ?? 0;
  const windows = new Map<string, Array<{ task: string; from: number; to: number }>>();
  const addWindow = (task: string, from: number, to: number) => {
    const p = parseTaskId(task);
    if (p) windows.set(p.uid, [...(windows.get(p.uid) ?? []), { task, from, to }]);
  };
  if (input.agentTasks) {
    for (const t of input.agentTasks) {
      const w = liveWindow(t, end);
      addWindow(t.taskId, w.from, w.to);
    }
  } else {
    const running = new Map<string, number>();
    const byTime = [...input.events].filter((e) => e.type === 'UPDATE' && e.taskId && !e.dropped).sort((a, b) => a.time - b.time);
    const close = (task: string, at: number) => {
      const from = running.get(task);
      if (from === undefined) return;
      running.delete(task);
      addWindow(task, from, at);
    };
    for (const e of byTime) {
      if (e.state === 'TASK_RUNNING') {
        if (!running.has(e.taskId!)) running.set(e.taskId!, e.time);
      } else if (e.state && terminal(e.state)) close(e.taskId!, e.time);
    }
    for (const t of [...running.keys()]) close(t, end);
  }
  for (const [uid, ws] of windows) {
    ws.sort((a, b) => a.from - b.from);
    for (let i = 0; i < ws.length; i++) {
      for (let j = i + 1; j < ws.length; j++) {
        const a = ws[i]!;
        const b = ws[j]!;
        if (a.task === b.task) continue;
        const overlap = Math.min(a.to, b.to) - Math.max(a.from, b.from);
        if (overlap > grace) {
          const from = Math.max(a.from, b.from);
          push({ kind: 'duplicate-launch', message: `pod ${uid} ran twice at once: ${a.task} and ${b.task} were both ${input.agentTasks ? 'live on agents' : 'RUNNING'} for ${overlap} ms from ${fmt(from)}`, at: from, timeline: timelineAround(input, from, { taskIds: [a.task, b.task] }) });
        }
      }
    }
  }

  // 5. Pods: every pod the soak kept runs exactly one task, RUNNING, bound to the node of the agent it runs on;
  //    every pod it deleted is gone and none of its tasks runs.
  if (input.pods) {
    const liveByUid = new Map<string, Array<{ taskId: string; agentId?: string; state: string }>>();
    const add = (taskId: string, agentId: string | undefined, state: string) => {
      const p = parseTaskId(taskId);
      if (p) liveByUid.set(p.uid, [...(liveByUid.get(p.uid) ?? []), { taskId, ...(agentId ? { agentId } : {}), state }]);
    };
    if (input.agentTasks) for (const t of input.agentTasks) { if (t.live) add(t.taskId, t.agentId, t.state); }
    else for (const [id, m] of input.mesosTasks) if (!terminal(m.state)) add(id, m.agentId, m.state);
    const taskIdsOf = (uid: string) => [...new Set([...[...input.registry.keys()].filter((id) => parseTaskId(id)?.uid === uid), ...(input.agentTasks ?? []).filter((t) => parseTaskId(t.taskId)?.uid === uid).map((t) => t.taskId)])];
    for (const p of input.pods) {
      const tasks = liveByUid.get(p.uid) ?? [];
      const tl = () => timelineAround(input, p.deletedAt ?? end, { taskIds: taskIdsOf(p.uid), windowMs: 0 });
      const desc = tasks.map((t) => `${t.taskId} ${t.state}${t.agentId ? ` on ${t.agentId}` : ''}`).join(', ');
      if (p.deleted) {
        if (p.present) push({ kind: 'deleted-pod-present', message: `pod ${p.name} (${p.uid}) was deleted${p.deletedAt ? ` at ${fmt(p.deletedAt)}` : ''} but is still in the API${p.deleting ? ' (terminating)' : ''}${p.nodeName ? `, bound to ${p.nodeName}` : ''}`, ...(p.deletedAt ? { at: p.deletedAt } : {}), timeline: tl() });
        if (tasks.length) push({ kind: 'deleted-pod-task-alive', message: `pod ${p.name} (${p.uid}) was deleted${p.deletedAt ? ` at ${fmt(p.deletedAt)}` : ''} but its task still runs: ${desc}`, ...(p.deletedAt ? { at: p.deletedAt } : {}), timeline: tl() });
        continue;
      }
      let problem: string | undefined;
      if (!p.present) problem = 'is gone from the API although nobody deleted it';
      else if (p.phase === 'Failed' || p.phase === 'Succeeded') problem = `ended ${p.phase}`;
      else if (tasks.length !== 1) problem = `has ${tasks.length} live tasks${desc ? `: ${desc}` : ''}`;
      else {
        const t = tasks[0]!;
        const host = t.agentId ? input.agentHostnames?.[t.agentId] : undefined;
        if (t.state !== 'TASK_RUNNING') problem = `task ${t.taskId} is ${t.state}, not RUNNING`;
        else if (!p.nodeName) problem = `is not bound although ${t.taskId} runs${host ? ` on ${host}` : ''}`;
        else if (host && p.nodeName !== host) problem = `is bound to ${p.nodeName} but ${t.taskId} runs on ${host}`;
      }
      if (problem) push({ kind: 'pod-not-running', message: `pod ${p.name} (${p.uid}) ${problem}`, timeline: tl() });
    }
  }

  // 6. After the final quiet period: Ready, and reconciliation complete.
  const ready = input.finalConditions.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') push({ kind: 'not-ready', message: `final Ready condition is ${ready ? `${ready.status} (${ready.reason}: ${ready.message ?? ''})` : 'missing'}`, timeline: [] });
  for (const c of input.finalConditions) {
    if (c.type === 'Degraded' || c.type === 'Ready') continue;
    if (c.status !== 'True') push({ kind: 'not-ready', message: `final ${c.type} condition is ${c.status} (${c.reason}: ${c.message ?? ''})`, timeline: [] });
  }
  const rc = input.finalReconciliation;
  if (!rc || rc.phase !== 'complete' || rc.remaining !== 0) push({ kind: 'not-reconciled', message: `final reconciliation ${rc ? `${rc.phase}, ${rc.remaining} remaining` : 'unknown'}`, timeline: [] });
  return out;
}

export function formatViolations(vs: Violation[]): string {
  return vs.map((v, i) => [`${i + 1}. [${v.kind}] ${v.message}`, ...v.timeline.map((l) => `     ${l}`)].join('\n')).join('\n');
}
