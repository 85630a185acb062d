// Pure helpers for leading-master detection (shared/reference/mesos-scheduler-api.md §3): which ZooKeeper group
// member leads, and how a MasterInfo becomes a base URL.
import type { MasterInfo } from './types.js';

/** Children a JSON master detector considers: `json.info_<digits>`. Legacy `info_*` (protobuf) and unlabeled
 * members, and siblings such as `log_replicas`, are ignored. */
export const MASTER_MEMBER_RE = /^json\.info_(\d+)$/;

/** The leading member: the lowest sequence among `json.info_*` children, or undefined when there is none. */
export function pickLeaderMember(children: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestSeq: bigint | undefined;
  for (const c of children) {
    const m = MASTER_MEMBER_RE.exec(c);
    if (!m) continue;
    // BigInt: ZooKeeper sequences are signed 32-bit today, but compare digits exactly whatever their length.
    const seq = BigInt(m[1]!);
    if (bestSeq === undefined || seq < bestSeq) {
      best = c;
      bestSeq = seq;
    }
  }
  return best;
}

/** MasterInfo.ip is an IPv4 address packed into a uint32 in network byte order (read as a little-endian number). */
export function ipFromPacked(n: number): string | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) return undefined;
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

export type ParsedMasterInfo = { ok: true; info: MasterInfo } | { ok: false; error: string };

export function parseMasterInfo(data: Buffer | string): ParsedMasterInfo {
  let v: unknown;
  try {
    v = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `MasterInfo is not JSON: ${(err as Error).message}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'MasterInfo is not a JSON object' };
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'string') return { ok: false, error: 'MasterInfo has no string "id"' };
  return { ok: true, info: v as MasterInfo };
}

const validPort = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536;

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** host:port of a master: `address.hostname` / `address.ip` + `address.port` first (hostname unless `preferIp`),
 * then top-level `hostname` (or the packed `ip`) + `port`, then the `pid` ("master@ip:port"). */
export function masterHostPort(info: MasterInfo, preferIp = false): { host: string; port: number } | undefined {
  const a = info.address;
  if (a && validPort(a.port)) {
    const host = preferIp ? (a.ip || a.hostname) : (a.hostname || a.ip);
    if (host) return { host: bracket(host), port: a.port };
  }
  const packed = typeof info.ip === 'number' ? ipFromPacked(info.ip) : undefined;
  if (validPort(info.port)) {
    const host = preferIp ? (packed || info.hostname) : (info.hostname || packed);
    if (host) return { host: bracket(host), port: info.port };
  }
  if (typeof info.pid === 'string') {
    const m = /^[^@]+@(.+):(\d+)$/.exec(info.pid);
    if (m && validPort(Number(m[2]))) return { host: bracket(m[1]!), port: Number(m[2]) };
  }
  return undefined;
}

export function masterUrl(info: MasterInfo, scheme: 'http' | 'https' = 'http', preferIp = false): string | undefined {
  const hp = masterHostPort(info, preferIp);
  return hp ? `${scheme}://${hp.host}:${hp.port}` : undefined;
}
