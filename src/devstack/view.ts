// The devstack's live view: a snapshot of the stack rendered as text. Pure, so it is tested without a terminal.
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
  mesosLeader?: string;
  masters: number;
  agents: number;
  frameworkId?: string;
  frameworkConnected?: boolean;
  etcd: string;
  kubeApi: string;
  kubeconfig: string;
  replicas: ReplicaView[];
  leader?: { pod?: string; term?: string; since?: string };
  tasks: Record<string, number>;
  pods: { pending: number; bound: number };
  conditions: ConditionView[];
  lastFailover?: { at: string; from?: string; to?: string; reason: string; seconds?: number };
  message?: string;
}

const pad = (s: string, n: number) => (s.length >= n ? s.slice(0, n) : s + ' '.repeat(n - s.length));
const time = (d: Date | string) => new Date(d).toISOString().slice(11, 19);

export const KEYS_HELP = '[f] USR1 the leader  [k] SIGKILL the leader  [m] fail over the Mesos master  [a] toggle the failover annotation  [q] quit';

export function renderView(s: StackSnapshot): string[] {
  const out: string[] = [];
  out.push(`schedulerha devstack — ${s.resource}`.padEnd(70) + time(s.at));
  out.push('');
  out.push(`Mesos       leading master ${s.mesosLeader ?? '(none)'}  (${s.masters} masters, ${s.agents} agents)`);
  out.push(`Framework   ${s.frameworkId ?? '(not registered yet)'}${s.frameworkId ? (s.frameworkConnected ? '  connected' : '  DISCONNECTED') : ''}`);
  out.push(`etcd        ${s.etcd}      Kubernetes API ${s.kubeApi}`);
  out.push(`kubeconfig  ${s.kubeconfig}`);
  out.push('');
  out.push(`Replicas    ${pad('POD', 22)}${pad('ROLE', 10)}${pad('READY', 7)}${pad('TERM', 8)}${pad('PID', 8)}RESTARTS`);
  for (const r of s.replicas) out.push(`            ${pad(r.pod, 22)}${pad(r.role, 10)}${pad(r.ready ? 'yes' : 'no', 7)}${pad(r.term ?? '', 8)}${pad(r.pid ? String(r.pid) : '', 8)}${r.restarts ?? 0}`);
  if (!s.replicas.length) out.push('            (no scheduler pods yet)');
  out.push(`Leader      ${s.leader?.pod ?? '(none)'}${s.leader?.term ? `  term ${s.leader.term}` : ''}${s.leader?.since ? `  since ${time(s.leader.since)}` : ''}`);
  const states = Object.entries(s.tasks).sort(([a], [b]) => a.localeCompare(b));
  out.push(`Tasks       ${states.length ? states.map(([k, v]) => `${k.replace('TASK_', '')} ${v}`).join('  ') : '(none)'}    pods: ${s.pods.bound} bound, ${s.pods.pending} pending`);
  out.push('Conditions  ' + (s.conditions.length ? s.conditions.map((c) => `${c.type}=${c.status}`).join('  ') : '(none yet)'));
  const notTrue = s.conditions.filter((c) => c.status !== 'True' && c.type !== 'Degraded');
  for (const c of notTrue.slice(0, 3)) out.push(`            ${c.type}: ${c.reason}${c.message ? ` — ${c.message.slice(0, 100)}` : ''}`);
  const f = s.lastFailover;
  out.push(`Failover    ${f ? `${time(f.at)}  ${f.from ?? '?'} → ${f.to ?? '?'}  (${f.reason}${f.seconds !== undefined ? `, ${f.seconds.toFixed(2)} s` : ''})` : '(none yet)'}`);
  out.push('');
  if (s.message) out.push(s.message);
  out.push(KEYS_HELP);
  return out;
}

/** One line for --no-tty mode. */
export function statusLine(s: StackSnapshot): string {
  const ready = s.conditions.find((c) => c.type === 'Ready');
  const tasks = Object.entries(s.tasks).map(([k, v]) => `${k.replace('TASK_', '').toLowerCase()}=${v}`).join(',');
  return [
    time(s.at),
    `leader=${s.leader?.pod ?? '-'}`,
    `term=${s.leader?.term ?? '-'}`,
    `framework=${s.frameworkId ?? '-'}`,
    `replicas=${s.replicas.map((r) => `${r.pod}:${r.role}${r.ready ? '' : '(not-ready)'}`).join(',') || '-'}`,
    `tasks=${tasks || '-'}`,
    `ready=${ready ? `${ready.status}(${ready.reason})` : '-'}`,
    ...(s.lastFailover ? [`lastFailover=${s.lastFailover.from ?? '?'}->${s.lastFailover.to ?? '?'}:${s.lastFailover.seconds?.toFixed(2) ?? '?'}s`] : []),
  ].join(' ');
}
