// The scheduler replicas' own account of their terms, read from their JSON logs (one file per process
// incarnation, as the pod runner writes them: <logDir>/<namespace>_<pod>_<uid>/<container>/<restartCount>.log).
// `parseReplicaLog` is pure; `readReplicaEvents` reads the files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReplicaEvent } from './checker.js';

/** Timeline events from one incarnation's log text. `exitedAt(pid, lastLineAt)` says when the process ended
 * (undefined: it still runs); an `exited` event is added then. */
export function parseReplicaLog(text: string, replica: string, pod: string, opts: { exitedAt?: (pid: number | undefined, lastLineAt: number) => number | undefined } = {}): ReplicaEvent[] {
  const out: ReplicaEvent[] = [];
  let last: { at: number; pid?: number } | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const at = typeof j.time === 'number' ? j.time : Date.parse(String(j.time));
    if (!Number.isFinite(at)) continue;
    const pid = typeof j.pid === 'number' ? j.pid : undefined;
    last = { at, ...(pid !== undefined ? { pid } : {}) };
    const base = { at, replica, pod, ...(pid !== undefined ? { pid } : {}) };
    const msg = String(j.msg ?? '');
    if (msg === 'elected leader') out.push({ ...base, kind: 'elected', term: String(j.term) });
    else if (msg === 'leadership lost; standing by') out.push({ ...base, kind: 'lost', term: String(j.term), reason: String(j.reason) });
    else if (msg === 'subscribed to Mesos') out.push({ ...base, kind: 'subscribed', term: String(j.term), streamId: String(j.streamId), frameworkId: String(j.frameworkId) });
    else if (/^reconciliation (complete|timed-out)$/.test(msg)) out.push({ ...base, kind: 'reconciled', term: String(j.term), reason: msg.slice('reconciliation '.length) });
  }
  const exit = last && opts.exitedAt ? opts.exitedAt(last.pid, last.at) : undefined;
  if (last && exit !== undefined) out.push({ at: Math.max(exit, last.at), replica, pod, ...(last.pid !== undefined ? { pid: last.pid } : {}), kind: 'exited', term: '' });
  return out;
}

export interface ReplicaLogFile {
  pod: string;
  uid: string;
  container: string;
  restartCount: number;
  path: string;
}

/** Log files of the pods in `namespace` whose names match `podName`, oldest incarnation first. */
export function replicaLogFiles(logDir: string, namespace: string, podName: (name: string) => boolean): ReplicaLogFile[] {
  if (!existsSync(logDir)) return [];
  const out: ReplicaLogFile[] = [];
  for (const d of readdirSync(logDir)) {
    const m = /^(.+?)_(.+)_([0-9a-f-]{36})$/.exec(d);
    if (!m || m[1] !== namespace || !podName(m[2]!)) continue;
    const podDir = join(logDir, d);
    for (const c of readdirSync(podDir, { withFileTypes: true })) {
      if (!c.isDirectory() || c.name === 'sandbox') continue;
      const container = c.name;
      for (const f of readdirSync(join(podDir, container))) {
        const r = /^(\d+)\.log$/.exec(f);
        if (r) out.push({ pod: m[2]!, uid: m[3]!, container, restartCount: Number(r[1]), path: join(podDir, container, f) });
      }
    }
  }
  return out.sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : a.restartCount - b.restartCount));
}

/**
 * Every replica incarnation's timeline, by time. An incarnation is `<pod>#<restartCount>` (with the pod uid's
 * first 5 characters when the pod was ever replaced). `exitedAt` says when an incarnation's process ended
 * (undefined: still running); by default, at its last log line.
 */
export function readReplicaEvents(
  logDir: string,
  namespace: string,
  podName: (name: string) => boolean,
  exitedAt: (f: ReplicaLogFile, pid: number | undefined, lastLineAt: number) => number | undefined = (_f, _p, last) => last,
): ReplicaEvent[] {
  const files = replicaLogFiles(logDir, namespace, podName);
  const uidsOf = new Map<string, Set<string>>();
  for (const f of files) uidsOf.set(f.pod, (uidsOf.get(f.pod) ?? new Set()).add(f.uid));
  const events: ReplicaEvent[] = [];
  for (const f of files) {
    const replica = `${f.pod}${(uidsOf.get(f.pod)?.size ?? 0) > 1 ? `/${f.uid.slice(0, 5)}` : ''}#${f.restartCount}`;
    for (const e of parseReplicaLog(readFileSync(f.path, 'utf8'), replica, f.pod, { exitedAt: (pid, last) => exitedAt(f, pid, last) })) events.push(e);
  }
  return events.sort((a, b) => a.at - b.at);
}
