// Optional registration of emulated masters in a real ZooKeeper, the way Mesos masters contend
// (src/master/contender/zookeeper.cpp, src/zookeeper/group.cpp): each master creates an EPHEMERAL_SEQUENTIAL
// child `<path>/json.info_<10-digit seq>` holding its MasterInfo as JSON; the member with the lowest sequence
// leads. A master's session closing deletes its node, and leadership passes to the next member.
// Sessions are made and ended through the product's zk-client.ts, which contains node-zookeeper-client's defects:
// a close that races a reconnect would otherwise leave a client retrying forever (and the test process alive).
import zookeeper from 'node-zookeeper-client';
import type { MasterInfo } from '../../mesos/types.js';
import { closeZkClient, createZkClient } from '../../mesos/zk-client.js';

export const MASTER_INFO_JSON_LABEL = 'json.info';

function connect(connectionString: string, timeoutMs: number): Promise<zookeeper.Client> {
  return new Promise((resolve, reject) => {
    const client = createZkClient(connectionString, { sessionTimeout: 10_000, retries: 3 });
    const t = setTimeout(() => {
      void closeZkClient(client);
      reject(new Error(`could not connect to ZooKeeper at ${connectionString} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.once('connected', () => {
      clearTimeout(t);
      resolve(client);
    });
    client.connect();
  });
}

function mkdirp(client: zookeeper.Client, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (path === '/' || path === '') return resolve();
    client.mkdirp(path, (err) => (err ? reject(err) : resolve()));
  });
}

/** One master's membership (its own ZooKeeper session). */
export class ZkMembership {
  private constructor(
    private readonly client: zookeeper.Client,
    readonly nodePath: string,
  ) {}

  static async join(connectionString: string, path: string, info: MasterInfo, timeoutMs = 15_000): Promise<ZkMembership> {
    const client = await connect(connectionString, timeoutMs);
    try {
      await mkdirp(client, path);
      const base = `${path === '/' ? '' : path}/${MASTER_INFO_JSON_LABEL}_`;
      const created = await new Promise<string>((resolve, reject) => {
        client.create(base, Buffer.from(JSON.stringify(info)), zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL, (err, p) => (err ? reject(err) : resolve(p)));
      });
      return new ZkMembership(client, created);
    } catch (err) {
      await closeZkClient(client);
      throw err;
    }
  }

  get sequence(): number {
    return Number(this.nodePath.slice(this.nodePath.lastIndexOf('_') + 1));
  }

  /** Ends the session: ZooKeeper deletes the ephemeral node. Resolves once the client is closed. */
  close(): Promise<void> {
    return closeZkClient(this.client);
  }
}

/** Watches the group and reports the leading member's node path (lowest sequence), or undefined. */
export class ZkLeaderWatch {
  private closed = false;
  private constructor(
    private readonly client: zookeeper.Client,
    private readonly path: string,
    private readonly onLeader: (nodePath: string | undefined, info: MasterInfo | undefined) => void,
  ) {}

  static async start(connectionString: string, path: string, onLeader: (nodePath: string | undefined, info: MasterInfo | undefined) => void): Promise<ZkLeaderWatch> {
    const client = await connect(connectionString, 15_000);
    await mkdirp(client, path).catch(async (err: unknown) => {
      await closeZkClient(client);
      throw err;
    });
    const w = new ZkLeaderWatch(client, path, onLeader);
    w.list();
    return w;
  }

  private list(): void {
    if (this.closed) return;
    this.client.getChildren(
      this.path,
      () => this.list(),
      (err, children) => {
        if (this.closed) return;
        if (err) {
          setTimeout(() => this.list(), 200).unref();
          return;
        }
        let best: { seq: number; name: string } | undefined;
        for (const name of children) {
          const i = name.lastIndexOf('_');
          if (i < 0) continue;
          const seq = Number(name.slice(i + 1));
          if (!Number.isInteger(seq)) continue;
          if (!best || seq < best.seq) best = { seq, name };
        }
        if (!best) return this.onLeader(undefined, undefined);
        const full = `${this.path === '/' ? '' : this.path}/${best.name}`;
        this.client.getData(full, (e, data) => {
          if (this.closed) return;
          if (e || !data) return this.onLeader(undefined, undefined);
          let info: MasterInfo | undefined;
          try {
            info = JSON.parse(data.toString('utf8')) as MasterInfo;
          } catch {
            info = undefined;
          }
          this.onLeader(full, info);
        });
      },
    );
  }

  close(): Promise<void> {
    this.closed = true;
    return closeZkClient(this.client);
  }
}
