// The devstack's live view: what `schedulerha devstack` observes (the SchedulerHA, its pods, the etcd election and
// leader status, the Mesos emulator) folded into a snapshot and rendered as text; when the stack counts as ready;
// and how a key action (USR1, SIGKILL, Mesos master failover, failover annotation) is followed to its outcome.
// Pure, so all of it is tested without a terminal or a stack.
import type { LeaderStatusRecord } from '../api/leader-status.js';
import type { SchedulerHA } from '../api/types.js';

export interface ReplicaView {
  pod: string;
  role: string;
  ready: boolean;
  term?: string;
  pid?: number;
  restarts?: number;
}

export interface ConditionView {
  type: string;
  status: string;
  reason: string;
  message?: string;
}

export interface StackSnapshot {
  at: Date;
  resource: string;
  /** False when the resource is missing or its status is for an older generation. */
  statusCurrent?: boolean;
  mesosLeader?: string;
  masters: number;
  agents: number;
  frameworkId?: string;
  frameworkConnected?: boolean;
  etcd: string;
  kubeApi: string;
  kubeconfig: string;
  /** Where the logs are (the working directory). */
  logs?: string;
  replicas: ReplicaView[];
  /** `mesos` is the leader's own report: subscribing, subscribed, disconnected, removed, refused. */
  leader?: { pod?: string; term?: string; since?: string; mesos?: string };
  tasks: Record<string, number>;
  pods: { pending: number; bound: number };
  conditions: ConditionView[];
  lastFailover?: { at: string; from?: string; to?: string; reason: string; seconds?: number };
  /** Shown above the keys; may span lines. */
  message?: string;
}

const pad = (s: string, n: number) => (s.length >= n ? s.slice(0, n) : s + ' '.repeat(n - s.length));
const time = (d: Date | string) => new Date(d).toISOString().slice(11, 19);

export const KEYS_HELP = '[f] USR1 the leader  [k] SIGKILL the leader  [m] Mesos master failover  [a] toggle the failover annotation  [q] quit';

const INDENT = ' '.repeat(12);

/** Splits `text` into pieces of at most `room` columns, breaking at spaces where it can. */
export function wrapText(text: string, room: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > room) {
    let cut = rest.lastIndexOf(' ', room);
    if (cut <= room / 2) cut = room;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^ +/, '');
  }
  out.push(rest);
  return out;
}

/** `text` after a 12-column label, wrapped to `width` columns with continuation lines indented under the text. */
export function wrapLine(label: string, text: string, width: number): string[] {
  return wrapText(text, Math.max(20, width - INDENT.length)).map((l, i) => (i === 0 ? pad(label, 12) : INDENT) + l);
}

/** The live view, `width` columns wide (long lines wrap; the caller cuts rows that do not fit). */
export function renderView(s: StackSnapshot, width = 120): string[] {
  const out: string[] = [];
  const line = (label: string, text: string) => out.push(...wrapLine(label, text, width));
  const title = `schedulerha devstack — ${s.resource}`;
  out.push(title.length + 10 <= width ? title.padEnd(Math.min(70, width - 8)) + time(s.at) : title);
  out.push('');
  line('Mesos', `leading master ${s.mesosLeader ?? '(none)'}  (${s.masters} masters, ${s.agents} agents)`);
  line('Framework', `${s.frameworkId ?? '(not registered yet)'}${s.frameworkId ? (s.frameworkConnected ? '  connected' : '  DISCONNECTED') : ''}`);
  line('etcd', `${s.etcd}      Kubernetes API ${s.kubeApi}`);
  line('kubeconfig', s.kubeconfig);
  if (s.logs) line('logs', s.logs);
  out.push('');
  out.push(`Replicas    ${pad('POD', 22)}${pad('ROLE', 10)}${pad('READY', 7)}${pad('TERM', 8)}${pad('PID', 8)}RESTARTS`);
  for (const r of s.replicas) out.push(`            ${pad(r.pod, 22)}${pad(r.role, 10)}${pad(r.ready ? 'yes' : 'no', 7)}${pad(r.term ?? '', 8)}${pad(r.pid ? String(r.pid) : '', 8)}${r.restarts ?? 0}`);
  if (!s.replicas.length) out.push('            (no scheduler pods yet)');
  line('Leader', `${s.leader?.pod ?? '(none)'}${s.leader?.term ? `  term ${s.leader.term}` : ''}${s.leader?.since ? `  since ${time(s.leader.since)}` : ''}${s.leader?.mesos ? `  ${s.leader.mesos}` : ''}`);
  const states = Object.entries(s.tasks).sort(([a], [b]) => a.localeCompare(b));
  line('Tasks', `${states.length ? states.map(([k, v]) => `${k.replace('TASK_', '')} ${v}`).join('  ') : '(none)'}    pods: ${s.pods.bound} bound, ${s.pods.pending} pending`);
  line('Conditions', s.conditions.length ? s.conditions.map((c) => `${c.type}=${c.status}`).join('  ') : '(none yet)');
  // Degraded=True is the bad state; for every other condition False/Unknown is.
  const bad = s.conditions.filter((c) => (c.type === 'Degraded' ? c.status === 'True' : c.status !== 'True'));
  for (const c of bad.slice(0, 3)) line('', `${c.type}: ${c.reason}${c.message ? ` — ${c.message.slice(0, 160)}` : ''}`);
  const f = s.lastFailover;
  line('Failover', f ? `${time(f.at)}  ${f.from ?? '?'} → ${f.to ?? '?'}  (${f.reason}${f.seconds !== undefined ? `, ${f.seconds.toFixed(2)} s` : ''})` : '(none yet)');
  out.push('');
  if (s.message) for (const m of s.message.split('\n')) out.push(...wrapText(m, Math.max(20, width - 2)).map((l, i) => (i ? `  ${l}` : l)));
  // The keys wrap between keys, never inside one's description.
  let keys = '';
  for (const k of KEYS_HELP.split('  ')) {
    if (keys && keys.length + 2 + k.length > width) {
      out.push(keys);
      keys = k;
    } else keys = keys ? `${keys}  ${k}` : k;
  }
  out.push(keys);
  return out;
}

/** One line for --no-tty mode. */
export function statusLine(s: StackSnapshot): string {
  const ready = s.conditions.find((c) => c.type === 'Ready');
  const tasks = Object.entries(s.tasks)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k.replace('TASK_', '').toLowerCase()}=${v}`)
    .join(',');
  return [
    time(s.at),
    `leader=${s.leader?.pod ?? '-'}`,
    `term=${s.leader?.term ?? '-'}`,
    `framework=${s.frameworkId ?? '-'}${s.frameworkId && !s.frameworkConnected ? '(disconnected)' : ''}`,
    `master=${s.mesosLeader ?? '-'}`,
    `replicas=${s.replicas.map((r) => `${r.pod}:${r.role}${r.ready ? '' : '(not-ready)'}`).join(',') || '-'}`,
    `tasks=${tasks || '-'}`,
    `pods=${s.pods.bound}/${s.pods.bound + s.pods.pending}`,
    `ready=${ready ? `${ready.status}(${ready.reason})` : '-'}`,
    ...(s.lastFailover ? [`lastFailover=${s.lastFailover.from ?? '?'}->${s.lastFailover.to ?? '?'}:${s.lastFailover.seconds?.toFixed(2) ?? '?'}s(${s.lastFailover.reason})`] : []),
  ].join(' ');
}

/** The status line without its time stamp: a new line is printed when this changes. */
export function statusKey(s: StackSnapshot): string {
  return statusLine(s).slice(9);
}

// ---- observation → snapshot ---------------------------------------------------------------------------------------

/** One candidate key in the etcd election (`<root>/election/<lease>`). */
export interface CandidateObservation {
  /** The key's create revision: the lowest leads, and it is the leader's term. */
  createRevision: string;
  /** From the key's value (CandidateIdentity JSON). */
  id?: string;
  pod?: string;
}

export interface PodObservation {
  name: string;
  ready: boolean;
  restarts: number;
  phase?: string;
  deleting?: boolean;
  nodeName?: string;
}

/** Everything the devstack reads on one poll, as plain data. */
export interface Observation {
  at: Date;
  namespace: string;
  name: string;
  resource?: SchedulerHA;
  /** The scheduler replicas (pods of the StatefulSet), and the container pids the pod runner reports for each. */
  schedulerPods: PodObservation[];
  pids: Record<string, number[]>;
  /** The election candidates, or undefined when etcd could not be read. */
  candidates?: CandidateObservation[];
  leaderStatus?: LeaderStatusRecord;
  mesos: {
    leaderUrl?: string;
    masters: number;
    agents: number;
    framework?: { id: string; connected: boolean; active: boolean };
    tasks: Record<string, number>;
  };
  /** The pods the devstack created for the scheduler. */
  workloadPods: PodObservation[];
  etcd: string;
  kubeApi: string;
  kubeconfig: string;
  logs?: string;
}

const byRevision = (a: CandidateObservation, b: CandidateObservation) => (BigInt(a.createRevision) < BigInt(b.createRevision) ? -1 : BigInt(a.createRevision) > BigInt(b.createRevision) ? 1 : 0);
const ordinal = (pod: string) => Number(pod.match(/-(\d+)$/)?.[1] ?? Number.MAX_SAFE_INTEGER);

/** Folds one poll into the snapshot the view renders. The leader is the election's lowest create revision (what
 * etcd decides), its pod from the candidate key's identity; the leader status record adds since/subscription. */
export function buildSnapshot(o: Observation): StackSnapshot {
  const r = o.resource;
  const candidates = [...(o.candidates ?? [])].sort(byRevision);
  const lead = candidates[0];
  const ls = o.leaderStatus && lead && o.leaderStatus.term === lead.createRevision ? o.leaderStatus : undefined;
  const leaderPod = lead ? (lead.pod ?? ls?.pod ?? lead.id) : undefined;
  const candidateOf = (pod: string) => candidates.find((c) => (c.pod ?? c.id) === pod);
  const replicas: ReplicaView[] = [...o.schedulerPods]
    .sort((a, b) => ordinal(a.name) - ordinal(b.name) || a.name.localeCompare(b.name))
    .map((p) => {
      const c = candidateOf(p.name);
      const role = p.deleting ? 'stopping' : !c ? (o.candidates ? 'starting' : '?') : c === lead ? 'leader' : 'standby';
      const pid = o.pids[p.name]?.[0];
      return { pod: p.name, role, ready: p.ready, ...(c === lead && lead ? { term: lead.createRevision } : {}), ...(pid ? { pid } : {}), restarts: p.restarts };
    });
  const generation = r?.metadata.generation ?? 0;
  const st = r?.status;
  const statusCurrent = !!r && (st?.observedGeneration ?? -1) >= generation;
  const frameworkId = o.mesos.framework?.id ?? ls?.frameworkId ?? st?.frameworkID;
  const bound = o.workloadPods.filter((p) => !!p.nodeName).length;
  return {
    at: o.at,
    resource: `SchedulerHA ${o.namespace}/${o.name}${r ? '' : ' (not found)'}`,
    statusCurrent,
    ...(o.mesos.leaderUrl ? { mesosLeader: o.mesos.leaderUrl } : {}),
    masters: o.mesos.masters,
    agents: o.mesos.agents,
    ...(frameworkId ? { frameworkId } : {}),
    frameworkConnected: !!o.mesos.framework && o.mesos.framework.id === frameworkId && o.mesos.framework.connected && o.mesos.framework.active,
    etcd: o.etcd,
    kubeApi: o.kubeApi,
    kubeconfig: o.kubeconfig,
    ...(o.logs ? { logs: o.logs } : {}),
    replicas,
    ...(lead
      ? { leader: { ...(leaderPod ? { pod: leaderPod } : {}), term: lead.createRevision, ...(ls?.since ? { since: ls.since } : {}), ...(ls ? { mesos: ls.mesos } : {}) } }
      : {}),
    tasks: o.mesos.tasks,
    pods: { bound, pending: o.workloadPods.length - bound },
    conditions: (st?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, ...(c.message ? { message: c.message } : {}) })),
    ...(st?.lastFailover ? { lastFailover: st.lastFailover } : {}),
  };
}

// ---- readiness ------------------------------------------------------------------------------------------------------

export interface Readiness {
  ready: boolean;
  /** What is still missing, first the most fundamental; empty when ready. */
  missing: string[];
}

/** Ready = the resource's Ready=True (for its current generation), its framework registered and connected on the
 * leading Mesos master, and every pod created for the scheduler bound (`expectedPods` of them). */
export function readiness(s: StackSnapshot, expectedPods: number): Readiness {
  const missing: string[] = [];
  const cond = (t: string) => s.conditions.find((c) => c.type === t);
  const say = (t: string) => {
    const c = cond(t);
    return c ? `${t}=${c.status} (${c.reason}${c.message ? `: ${c.message}` : ''})` : `no ${t} condition yet`;
  };
  if (/\(not found\)$/.test(s.resource)) missing.push(`${s.resource.replace(/ \(not found\)$/, '')} does not exist`);
  else if (!s.statusCurrent) missing.push('the operator has not reported status for the current generation yet');
  if (cond('Ready')?.status !== 'True') missing.push(say('Ready'));
  if (cond('FrameworkRegistered')?.status !== 'True' && cond('Ready')?.status === 'True') missing.push(say('FrameworkRegistered'));
  if (!s.frameworkId) missing.push('no framework registered with Mesos yet');
  else if (!s.frameworkConnected) missing.push(`framework ${s.frameworkId} is not connected to the leading Mesos master`);
  const total = s.pods.bound + s.pods.pending;
  if (total < expectedPods) missing.push(`${expectedPods - total} of ${expectedPods} pods for the scheduler do not exist`);
  if (s.pods.pending > 0) missing.push(`${s.pods.pending} of ${total} pods for the scheduler not bound yet`);
  return { ready: missing.length === 0, missing };
}

/** The progress line while the scheduler side comes up (after the processes started). */
export function startupMessage(s: StackSnapshot, expectedPods: number, elapsedMs: number): string | undefined {
  const r = readiness(s, expectedPods);
  if (r.ready) return undefined;
  const secs = Math.floor(elapsedMs / 1000);
  const replicasReady = s.replicas.filter((x) => x.ready).length;
  let step: string;
  if (!s.replicas.length) step = 'waiting for the operator to create the scheduler StatefulSet';
  else if (!s.leader) step = `waiting for a scheduler leader (${replicasReady}/${s.replicas.length} replicas ready)`;
  else if (!s.frameworkId || !s.frameworkConnected || s.leader.mesos !== 'subscribed') step = `waiting for ${s.leader.pod ?? 'the leader'} to register the framework with Mesos`;
  else if (s.pods.pending > 0) step = `waiting for the scheduler to launch the pods (${s.pods.bound}/${s.pods.bound + s.pods.pending} bound)`;
  else step = `waiting for Ready: ${r.missing[0]}`;
  return `starting (${secs} s): ${step}…`;
}

// ---- key actions ----------------------------------------------------------------------------------------------------

export type ActionKey = 'f' | 'k' | 'm' | 'a';

export const ACTION_NAMES: Record<ActionKey, string> = {
  f: 'USR1 the leader',
  k: 'SIGKILL the leader',
  m: 'fail over the Mesos master',
  a: 'failover annotation',
};

/** A key action taken, with what was true when it was taken (to recognise its outcome). */
export interface PendingAction {
  key: ActionKey;
  /** ms since the epoch. */
  at: number;
  /** What was done, e.g. "sent USR1 to leader k8sm-0 (pid 123, term 45)". */
  detail: string;
  fromPod?: string;
  fromTerm?: string;
  frameworkId?: string;
  fromMaster?: string;
}

export interface ActionProgress {
  done: boolean;
  ok: boolean;
  message: string;
}

export const ACTION_TIMEOUT_MS = 90_000;

/** Follows an action to its outcome: f, k, a end when another term leads and has subscribed; m ends when a new
 * master leads and the framework is connected to it again. Either way the framework id must be unchanged. */
export function actionProgress(a: PendingAction, s: StackSnapshot, nowMs: number, timeoutMs = ACTION_TIMEOUT_MS): ActionProgress {
  const secs = ((nowMs - a.at) / 1000).toFixed(1);
  const fw = () => (a.frameworkId === undefined ? `framework ${s.frameworkId ?? '-'}` : s.frameworkId === a.frameworkId ? `framework ${s.frameworkId} unchanged` : `framework CHANGED ${a.frameworkId} → ${s.frameworkId ?? '-'}`);
  const fwOk = a.frameworkId === undefined || s.frameworkId === a.frameworkId;
  if (a.key === 'm') {
    if (s.mesosLeader && s.mesosLeader !== a.fromMaster && s.frameworkConnected && s.leader?.mesos === 'subscribed') {
      return { done: true, ok: fwOk, message: `${a.key}: Mesos master ${a.fromMaster ?? '?'} → ${s.mesosLeader}; the scheduler re-subscribed after ${secs} s; ${fw()}` };
    }
  } else if (s.leader?.term && s.leader.term !== a.fromTerm && s.leader.mesos === 'subscribed' && s.frameworkConnected) {
    return { done: true, ok: fwOk, message: `${a.key}: leader ${a.fromPod ?? '?'} (term ${a.fromTerm ?? '?'}) → ${s.leader.pod ?? '?'} (term ${s.leader.term}), subscribed after ${secs} s; ${fw()}` };
  }
  if (nowMs - a.at >= timeoutMs) {
    const what = a.key === 'm' ? 'the scheduler has not re-subscribed to a new leading master' : 'no new leader has subscribed';
    return { done: true, ok: false, message: `${a.key}: ${what} ${Math.round(timeoutMs / 1000)} s after it (${a.detail}); see the logs` };
  }
  return { done: false, ok: false, message: `${a.key}: ${a.detail}; waiting… (${secs} s)` };
}

// ---- commands -------------------------------------------------------------------------------------------------------

export type DevstackCommand = ActionKey | 'q';

/** A key press (raw mode) or a line on stdin (no-TTY mode) → a command; Ctrl-C and Ctrl-D quit. */
export function parseCommand(input: string): DevstackCommand | undefined {
  const s = input.trim().toLowerCase();
  if (input === '\u0003' || input === '\u0004') return 'q';
  const word: Record<string, DevstackCommand> = { f: 'f', usr1: 'f', k: 'k', kill: 'k', m: 'm', master: 'm', a: 'a', annotate: 'a', q: 'q', quit: 'q', exit: 'q' };
  return word[s];
}
