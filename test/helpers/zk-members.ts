// Fake Mesos masters in a ZooKeeper group: each joins `<path>` as an EPHEMERAL_SEQUENTIAL `json.info_` node holding
// MasterInfo JSON, like src/master/contender/zookeeper.cpp. In-process members leave with a clean session close;
// `spawnMember` runs one in a child process, so SIGKILL makes it leave by session expiry (a crashed master).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zookeeper from 'node-zookeeper-client';
import type { ACL, Client } from 'node-zookeeper-client';
import type { MasterInfo } from '../../src/mesos/types.js';
import { closeZkClient, createZkClient } from '../../src/mesos/zk-client.js';
import type { ProcGroup, Proc } from './procs.js';
import { waitFor } from './wait.js';

const { CreateMode } = zookeeper;

export function masterInfo(id: string, port: number, host = '127.0.0.1'): MasterInfo {
  return { id, ip: 16777343, port, pid: `master@${host}:${port}`, hostname: host, version: '1.11.0', address: { hostname: host, ip: host, port } };
}

export { closeZkClient };

export async function connectZk(connectionString: string, opts: { sessionTimeoutMs?: number; auth?: string } = {}): Promise<Client> {
  const c = createZkClient(connectionString, { sessionTimeout: opts.sessionTimeoutMs ?? 4000, spinDelay: 200, retries: 1 });
  if (opts.auth) c.addAuthInfo('digest', Buffer.from(opts.auth));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ZooKeeper connection to ${connectionString}`)), 20_000);
    c.once('connected', () => {
      clearTimeout(t);
      resolve();
    });
    c.connect();
  });
  return c;
}

export function mkdirp(c: Client, path: string, acls?: ACL[]): Promise<void> {
  return new Promise((resolve, reject) =>
    acls ? c.mkdirp(path, acls, (err) => (err ? reject(err) : resolve())) : c.mkdirp(path, (err) => (err ? reject(err) : resolve())),
  );
}

export function create(c: Client, path: string, data: Buffer, mode: number, acls?: ACL[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const cb = (err: unknown, p: string) => (err ? reject(err) : resolve(p));
    if (acls) c.create(path, data, acls, mode, cb);
    else c.create(path, data, mode, cb);
  });
}

export interface Member {
  /** Full znode path, e.g. /mesos/json.info_0000000003 */
  path: string;
  name: string;
  close(): Promise<void>;
}

/** Joins the group from this process; `close()` ends the session cleanly (the node disappears at once). */
export async function joinGroup(connectionString: string, groupPath: string, info: MasterInfo, opts: { acls?: ACL[]; auth?: string; label?: string } = {}): Promise<Member> {
  const c = await connectZk(connectionString, opts.auth ? { auth: opts.auth } : {});
  await mkdirp(c, groupPath);
  const path = await create(c, `${groupPath}/${opts.label ?? 'json.info_'}`, Buffer.from(JSON.stringify(info)), CreateMode.EPHEMERAL_SEQUENTIAL, opts.acls);
  return {
    path,
    name: path.slice(path.lastIndexOf('/') + 1),
    close: () => closeZkClient(c),
  };
}

const MEMBER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'zk-member-proc.js');

/** A member in a child process (session timeout `sessionTimeoutMs`); SIGKILL it to lose the session. */
export async function spawnMember(group: ProcGroup, connectionString: string, groupPath: string, info: MasterInfo, sessionTimeoutMs: number): Promise<{ proc: Proc; path: string; name: string }> {
  const proc = group.spawn(process.execPath, [MEMBER_SCRIPT, connectionString, groupPath, JSON.stringify(info), String(sessionTimeoutMs)]);
  const line = await waitFor('child member created its node', () => /CREATED (\S+)/.exec(proc.output())?.[1], { timeoutMs: 30_000 });
  return { proc, path: line, name: line.slice(line.lastIndexOf('/') + 1) };
}
