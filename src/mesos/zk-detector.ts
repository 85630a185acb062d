// Leading-master detection through ZooKeeper (shared/reference/mesos-scheduler-api.md §3.2; verified recipe in
// operator-and-etcd-clients.md §8.4): list the children of the group path with a watch, keep `json.info_<seq>`,
// take the lowest sequence, read its MasterInfo JSON (with a watch), and re-detect on every change.
//   - the leader node vanishing between the listing and the read → "no leader" (the child watch re-detects);
//   - no members, or no group node at all (watched with `exists`) → no leader;
//   - a ZooKeeper disconnection longer than the session timeout → no leader (our view may be stale), and an
//     expired session → a fresh client (watches died with the session);
//   - a read that fails otherwise (connection loss, a timeout) set no watch → detect again after 500 ms.
import zookeeper from 'node-zookeeper-client';
import type { Client, Event as ZkEvent } from 'node-zookeeper-client';
import { closeZkClient, createZkClient } from './zk-client.js';
import type { ZkMasterAddress } from '../api/addresses.js';
import { silentLogger, type Logger } from '../util/log.js';
import { DetectorBase, type CreateDetectorOptions } from './detector-base.js';
import { masterUrl, parseMasterInfo, pickLeaderMember } from './master-info.js';

const { Exception } = zookeeper;

export class ZkMasterDetector extends DetectorBase {
  private client: Client | undefined;
  private started = false;
  /** Bumped on every detection run and client change, so late callbacks of an older run are ignored. */
  private generation = 0;
  private staleTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly sessionTimeoutMs: number;

  constructor(
    readonly address: ZkMasterAddress,
    private readonly opts: CreateDetectorOptions = {},
  ) {
    super();
    this.log = (opts.logger ?? silentLogger).child({ component: 'zk-detector', zk: address.connectionString, path: address.path });
    this.sessionTimeoutMs = opts.zkSessionTimeoutMs ?? 10_000;
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.connect();
  }

  /** ZooKeeper watches tell us about changes; a client's failure report adds nothing. */
  reportFailure(url: string, reason: string): void {
    this.log.debug({ url, reason }, 'master failure reported; ZooKeeper watches drive re-detection');
  }

  protected async close(): Promise<void> {
    if (this.staleTimer) clearTimeout(this.staleTimer);
    clearTimeout(this.retryTimer);
    this.generation++;
    const c = this.client;
    this.client = undefined;
    if (c) {
      c.removeAllListeners();
      await closeZkClient(c);
    }
  }

  private connect(): void {
    const client = createZkClient(this.address.connectionString, { sessionTimeout: this.sessionTimeoutMs, spinDelay: 500, retries: 0 }, (err) =>
      this.log.debug({ err: String(err) }, 'dropped a ZooKeeper connection the client library could not parse'),
    );
    this.client = client;
    if (this.address.auth) client.addAuthInfo('digest', Buffer.from(`${this.address.auth.user}:${this.address.auth.password}`, 'utf8'));
    client.on('connected', () => {
      if (this.client !== client) return;
      if (this.staleTimer) clearTimeout(this.staleTimer);
      this.staleTimer = undefined;
      this.log.debug('connected to ZooKeeper');
      this.detect();
    });
    client.on('disconnected', () => {
      if (this.client !== client || this.stopped) return;
      this.log.debug('disconnected from ZooKeeper');
      // Keep the last leader while the session may still be alive; once it cannot be, our view is stale.
      if (!this.staleTimer) {
        this.staleTimer = setTimeout(() => {
          this.staleTimer = undefined;
          if (this.client === client && !this.stopped) {
            this.warn(`ZooKeeper ${this.address.connectionString} unreachable for a session timeout (${this.sessionTimeoutMs} ms); leader unknown`);
            this.setLeader(undefined);
          }
        }, this.sessionTimeoutMs);
      }
    });
    client.on('expired', () => {
      if (this.client !== client || this.stopped) return;
      this.warn('ZooKeeper session expired; reconnecting with a new session');
      this.setLeader(undefined);
      this.generation++;
      client.removeAllListeners();
      void closeZkClient(client);
      this.connect();
    });
    client.on('authenticationFailed', () => {
      if (this.client !== client || this.stopped) return;
      this.warn(`ZooKeeper authentication failed for ${this.address.connectionString} (check the ZooKeeper credentials: --zk-username, or user:password in the zk:// URL)`);
      this.setLeader(undefined);
    });
    client.connect();
  }

  /** One watch callback for every path, so repeated registrations are de-duplicated by the client library. */
  private readonly onWatch = (event: ZkEvent): void => {
    if (this.stopped) return;
    this.log.debug({ event: event.toString() }, 'ZooKeeper watch fired');
    this.detect();
  };

  /** A failed read (connection loss, a timeout) left no watch behind: without one no change would ever reach us,
   * so detect again shortly — unless a reconnect ('connected') or a watch has started a newer run meanwhile. */
  private retrySoon(gen: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (gen === this.generation && !this.stopped) this.detect();
    }, DETECT_RETRY_MS);
    this.retryTimer.unref?.();
  }

  private detect(): void {
    const client = this.client;
    if (!client || this.stopped) return;
    const gen = ++this.generation;
    const path = this.address.path;
    client.getChildren(path, this.onWatch, (err, children) => {
      if (gen !== this.generation || this.stopped) return;
      if (err) {
        if (isCode(err, Exception.NO_NODE)) {
          // No group yet: no leader; tell us when it appears.
          this.setLeader(undefined);
          client.exists(path, this.onWatch, (e2, stat) => {
            if (gen !== this.generation || this.stopped) return;
            if (e2) this.retrySoon(gen);
            else if (stat) this.detect(); // created between the two calls
          });
          return;
        }
        if (isCode(err, Exception.NO_AUTH)) {
          this.warn(`not allowed to list ${path} in ZooKeeper (NO_AUTH): check the ZooKeeper credentials (--zk-username, or user:password in the zk:// URL)`);
          this.setLeader(undefined);
          return;
        }
        this.log.debug({ err: String(err) }, 'getChildren failed');
        this.retrySoon(gen);
        return;
      }
      const member = pickLeaderMember(children);
      if (!member) {
        this.setLeader(undefined);
        return;
      }
      client.getData(`${path === '/' ? '' : path}/${member}`, this.onWatch, (e3, data) => {
        if (gen !== this.generation || this.stopped) return;
        if (e3) {
          if (isCode(e3, Exception.NO_NODE)) {
            // The leader left between listing and reading: no leader until the child watch fires.
            this.setLeader(undefined);
          } else if (isCode(e3, Exception.NO_AUTH)) {
            this.warn(`not allowed to read leading member ${member} (NO_AUTH): check the ZooKeeper credentials (--zk-username, or user:password in the zk:// URL)`);
            this.setLeader(undefined);
          } else {
            this.log.debug({ err: String(e3) }, 'getData failed');
            this.retrySoon(gen);
          }
          return;
        }
        const parsed = parseMasterInfo(data ?? Buffer.alloc(0));
        if (!parsed.ok) {
          this.warn(`leading member ${member} holds unusable MasterInfo: ${parsed.error}`);
          this.setLeader(undefined);
          return;
        }
        const url = masterUrl(parsed.info, this.opts.scheme ?? 'http', this.opts.preferIp ?? false);
        if (!url) {
          this.warn(`leading member ${member}'s MasterInfo has no usable address, hostname or pid`);
          this.setLeader(undefined);
          return;
        }
        this.log.debug({ member, url }, 'leading master detected');
        this.setLeader({ url, info: parsed.info, member });
      });
    });
  }
}

const DETECT_RETRY_MS = 500;

function isCode(err: unknown, code: number): boolean {
  return typeof err === 'object' && err !== null && (err as { getCode?: () => number }).getCode?.() === code;
}
