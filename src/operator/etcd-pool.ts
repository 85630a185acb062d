// etcd clients for the frameworks the operator observes, shared by every SchedulerHA that names the same etcd
// (endpoints + the contents of its TLS / credentials Secrets), reference-counted, closed when the last user goes.
// TLS material from a Secret is written to a private temporary directory (0700, files 0600) because the client
// factory (src/election/client.ts) reads files, exactly as a scheduler replica reads its mounted Secret.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import type { EtcdSpec } from '../api/types.js';
import { createEtcdClient } from '../election/client.js';
import { SchedulerHAError, errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { shortHash } from './plan.js';

/** Reads a Secret's data (decoded). Undefined when missing. */
/** `lastKnown`: a Secret that is gone answers with the last data read (a resource being deleted). */
export type SecretReader = (namespace: string, name: string, opts?: { lastKnown?: boolean }) => Promise<Record<string, string> | undefined>;

interface Entry {
  key: string;
  client: Etcd3;
  owners: Set<string>;
  dir?: string;
}

export class EtcdPool {
  private readonly entries = new Map<string, Entry>();
  private readonly byOwner = new Map<string, Entry>();
  private readonly log: Logger;

  constructor(private readonly opts: { readSecret: SecretReader; callTimeoutMs?: number; logger?: Logger }) {
    this.log = (opts.logger ?? silentLogger).child({ component: 'etcd-pool' });
  }

  /** The client `owner` (a resource key) should use for `spec`; switching config releases the previous one.
   * `deleting`: the resource's namespace may be going, its Secrets first; the last data read still serves. */
  async acquire(owner: string, namespace: string, spec: EtcdSpec, opts: { deleting?: boolean } = {}): Promise<Etcd3> {
    const read = { lastKnown: opts.deleting === true };
    let tls: Record<string, string> | undefined;
    let creds: Record<string, string> | undefined;
    if (spec.tlsSecret) {
      tls = await this.opts.readSecret(namespace, spec.tlsSecret, read);
      if (!tls) throw new SchedulerHAError('EtcdSecretMissing', `Secret ${namespace}/${spec.tlsSecret} (spec.etcd.tlsSecret) does not exist`);
    }
    if (spec.credentialsSecret) {
      creds = await this.opts.readSecret(namespace, spec.credentialsSecret, read);
      if (!creds) throw new SchedulerHAError('EtcdSecretMissing', `Secret ${namespace}/${spec.credentialsSecret} (spec.etcd.credentialsSecret) does not exist`);
      if (!creds.username || creds.password === undefined) throw new SchedulerHAError('EtcdSecretInvalid', `Secret ${namespace}/${spec.credentialsSecret} needs the keys "username" and "password"`);
    }
    const key = shortHash(JSON.stringify({ endpoints: [...spec.endpoints].sort(), tls: tls ?? null, creds: creds ?? null }));
    const current = this.byOwner.get(owner);
    if (current?.key === key) return current.client;
    let e = this.entries.get(key);
    if (!e) {
      let dir: string | undefined;
      const tlsFiles: { caFile?: string; certFile?: string; keyFile?: string } = {};
      if (tls) {
        dir = mkdtempSync(join(tmpdir(), 'schedulerha-operator-etcd-'));
        for (const [f, prop] of [
          ['ca.crt', 'caFile'],
          ['tls.crt', 'certFile'],
          ['tls.key', 'keyFile'],
        ] as const) {
          if (tls[f] === undefined) continue;
          const p = join(dir, f);
          writeFileSync(p, tls[f]!, { mode: 0o600 });
          tlsFiles[prop] = p;
        }
      }
      const client = createEtcdClient({
        endpoints: spec.endpoints,
        ...(tls ? { tls: tlsFiles } : {}),
        ...(creds ? { auth: { username: creds.username!, password: creds.password! } } : {}),
        ...(this.opts.callTimeoutMs ? { callTimeoutMs: this.opts.callTimeoutMs } : {}),
      });
      e = { key, client, owners: new Set(), ...(dir ? { dir } : {}) };
      this.entries.set(key, e);
      this.log.debug({ endpoints: spec.endpoints }, 'etcd client created');
    }
    if (current) this.release(owner);
    e.owners.add(owner);
    this.byOwner.set(owner, e);
    return e.client;
  }

  /** The client `owner` currently holds, if any. */
  current(owner: string): Etcd3 | undefined {
    return this.byOwner.get(owner)?.client;
  }

  release(owner: string): void {
    const e = this.byOwner.get(owner);
    if (!e) return;
    this.byOwner.delete(owner);
    e.owners.delete(owner);
    if (e.owners.size === 0) this.close(e);
  }

  get size(): number {
    return this.entries.size;
  }

  closeAll(): void {
    for (const e of [...this.entries.values()]) this.close(e);
    this.byOwner.clear();
  }

  private close(e: Entry): void {
    this.entries.delete(e.key);
    try {
      e.client.close();
    } catch (err) {
      this.log.debug({ err: errorMessage(err) }, 'closing an etcd client failed');
    }
    if (e.dir) rmSync(e.dir, { recursive: true, force: true });
  }
}
