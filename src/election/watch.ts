// Cancelling etcd3 watchers safely (etcd3 1.1.2). When etcd cancels a watch itself — its start revision was
// compacted — etcd3's WatchManager drops the watcher and emits 'error' on it (the only 'error' a watcher gets).
// Cancelling that watcher afterwards sends a cancel for an id etcd3 no longer tracks: etcd's answer makes etcd3
// throw 'Failed to find watcher for IWatchResponse' out of the watch stream's data handler — an uncaught exception
// that ends the process whenever another watcher keeps the client's watch stream open (a replica's observer,
// mirror and term watches share one client; so do the operator's framework watches) — and the cancel's promise
// never settles. So every watcher we open is tracked, and one etcd cancelled is never cancelled again.
import type { Etcd3, Watcher } from 'etcd3';
import { WatchManager } from 'etcd3/lib/watch.js';
import { errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { sleep } from '../util/time.js';

// Even so, one of our cancels can cross etcd's own cancel of the same (compacted) watch, and etcd3 gets an answer for
// a watch it has already dropped. It throws from the stream's data handler, which ends the processing of that
// stream: every watch of the client then goes deaf, with no error (a standby missed a hand-off for 10 s under load
// in election-compaction; the throw also surfaced as an unhandled rejection, which ends a process). Such an answer
// concerns no watch anyone holds: it is dropped here, once, for the whole process.
let strays = 0;
{
  type Manager = { watchers: Array<{ id: unknown }> };
  const proto = WatchManager.prototype as unknown as { handleResponse(this: Manager, res: { watch_id: unknown }): void };
  const original = proto.handleResponse;
  proto.handleResponse = function (this: Manager, res: { watch_id: unknown }): void {
    if (!this.watchers.some((w) => w.id === res.watch_id)) {
      strays++;
      return;
    }
    original.call(this, res);
  };
}

/** Answers etcd sent for watches the client had already dropped (dropped, see above). */
export function strayWatchResponses(): number {
  return strays;
}

const cancelledByEtcd = new WeakSet<Watcher>();

/** Tracks `w` (call it as soon as the watcher exists, before any I/O turn). Returns `w`. */
export function trackWatcher<W extends Watcher>(w: W): W {
  w.prependListener('error', () => cancelledByEtcd.add(w));
  return w;
}

/** Drops every listener of `w` (its owner is done with it) but keeps it tracked, and its errors swallowed, until
 * it is cancelled: etcd may still cancel it in between. */
export function silenceWatcher(w: Watcher): void {
  w.removeAllListeners();
  trackWatcher(w);
}

/** Done with `w`: silences it and cancels it (unless etcd did). */
export function discardWatcher(w: Watcher): void {
  silenceWatcher(w);
  void cancelWatcher(w);
}

/** Whether etcd cancelled `w` itself (compaction): it delivers nothing more and must not be cancelled again. */
export function watcherCancelledByEtcd(w: Watcher): boolean {
  return cancelledByEtcd.has(w);
}

/** Cancels `w` unless etcd already did. Never rejects. */
export async function cancelWatcher(w: Watcher | undefined): Promise<void> {
  if (!w || cancelledByEtcd.has(w)) return;
  await w.cancel().catch(() => undefined);
}

/**
 * Calls `onPut` for every put to any of `keys` from revision `from` on, until `signal` aborts or `onPut` returns
 * true. Survives etcd cancelling the watch (resumed below a compaction): the keys are read — a put at or after the
 * next revision the watch would have delivered still counts — and watched again from the read's revision. A watch
 * that cannot be created, or a read that fails, is retried after a pause.
 */
export async function followKeys(client: Etcd3, keys: string[], from: string, onPut: (put: { key: string; value: string }) => boolean | void, signal: AbortSignal, log: Logger = silentLogger): Promise<void> {
  let next = from;
  let done = false;
  const put = (key: string, value: string, modRevision: unknown): void => {
    if (done || signal.aborted) return;
    next = String(BigInt(String(modRevision)) + 1n);
    if (onPut({ key, value }) === true) done = true;
  };
  while (!done && !signal.aborted) {
    const watchers = await Promise.all(keys.map((k) => client.watch().key(k).startRevision(next).create().then(trackWatcher, () => undefined)));
    const created = watchers.every((w) => w !== undefined);
    if (created) {
      await new Promise<void>((resolve) => {
        const end = (): void => {
          signal.removeEventListener('abort', end);
          resolve();
        };
        for (const w of watchers) {
          w!.on('put', (kv) => {
            put(kv.key.toString(), kv.value.toString(), kv.mod_revision);
            if (done) end();
          });
          w!.on('error', end);
        }
        if (signal.aborted) return end(); // aborted while the watches were being created
        signal.addEventListener('abort', end, { once: true });
      });
    }
    await Promise.all(watchers.map((w) => cancelWatcher(w)));
    if (done || signal.aborted) return;
    try {
      const res = await client.kv.txn({ compare: [], success: keys.map((k) => ({ request_range: { key: Buffer.from(k) } })) });
      for (const [i, key] of keys.entries()) {
        const kv = res.responses[i]?.response_range?.kvs?.[0];
        if (kv && BigInt(String(kv.mod_revision)) >= BigInt(next)) put(key, kv.value.toString(), kv.mod_revision);
        if (done) return;
      }
      next = String(BigInt(String(res.header.revision)) + 1n);
      if (!created && !(await sleep(1000, signal))) return;
    } catch (err) {
      log.warn({ err: errorMessage(err), keys }, 'cannot read keys whose watch ended; retrying');
      if (!(await sleep(1000, signal))) return;
    }
  }
}
