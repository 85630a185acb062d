// Cancelling etcd3 watchers safely (etcd3 1.1.2). When etcd cancels a watch itself — its start revision was
// compacted — etcd3's WatchManager drops the watcher and emits 'error' on it (the only 'error' a watcher gets).
// Cancelling that watcher afterwards sends a cancel for an id etcd3 no longer tracks: etcd's answer makes etcd3
// throw 'Failed to find watcher for IWatchResponse' out of the watch stream's data handler — an uncaught exception
// that ends the process whenever another watcher keeps the client's watch stream open (a replica's observer,
// mirror and term watches share one client; so do the operator's framework watches) — and the cancel's promise
// never settles. So every watcher we open is tracked, and one etcd cancelled is never cancelled again.
import type { Etcd3, Watcher } from 'etcd3';
import { errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { sleep } from '../util/time.js';

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

const STRAY = /Failed to find watcher for IWatchResponse/;
let guarded = false;

/** For a process's entry point (the scheduler, the operator): etcd3 still throws 'Failed to find watcher for
 * IWatchResponse' when one of our cancels crosses etcd's own cancel of the same watch (a compaction) — rare since
 * no watcher is cancelled twice, seen once in a loaded test run. It surfaces as an unhandled rejection, which ends
 * the process: a leader would fail over for an answer about a watch nobody holds any more. That one is logged and
 * dropped; every other unhandled rejection still ends the process, as Node's default does. */
export function guardStrayWatchResponses(log: Logger): void {
  if (guarded) return;
  guarded = true;
  let lastLogged = -Infinity;
  process.on('unhandledRejection', (reason) => {
    if (reason instanceof Error && STRAY.test(reason.message)) {
      if (Date.now() - lastLogged >= 60_000) {
        lastLogged = Date.now();
        log.warn({ err: reason.message }, 'etcd answered for a watch the client had already dropped (etcd3); ignored');
      }
      return;
    }
    throw reason;
  });
}
