// Cancelling etcd3 watchers safely (etcd3 1.1.2). When etcd cancels a watch itself — its start revision was
// compacted — etcd3's WatchManager drops the watcher and emits 'error' on it (the only 'error' a watcher gets).
// Cancelling that watcher afterwards sends a cancel for an id etcd3 no longer tracks: etcd's answer makes etcd3
// throw 'Failed to find watcher for IWatchResponse' out of the watch stream's data handler — an uncaught exception
// that ends the process whenever another watcher keeps the client's watch stream open (a replica's observer,
// mirror and term watches share one client; so do the operator's framework watches) — and the cancel's promise
// never settles. So every watcher we open is tracked, and one etcd cancelled is never cancelled again.
import type { Watcher } from 'etcd3';

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

/** Whether etcd cancelled `w` itself (compaction): it delivers nothing more and must not be cancelled again. */
export function watcherCancelledByEtcd(w: Watcher): boolean {
  return cancelledByEtcd.has(w);
}

/** Cancels `w` unless etcd already did. Never rejects. */
export async function cancelWatcher(w: Watcher | undefined): Promise<void> {
  if (!w || cancelledByEtcd.has(w)) return;
  await w.cancel().catch(() => undefined);
}
