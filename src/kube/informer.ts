// An informer with no silent-stop modes (operator-and-etcd-clients.md §1.5, §10.1). client-node's ListWatch stops
// for good on any non-410 error, never requests bookmarks or sets timeoutSeconds, has no resync, no synced flag,
// no staleness signal, and lets a throwing handler kill it. This one is its own list+watch loop over a small
// transport (client-node's `Watch` + raw paginated lists in production, see informer-transport.ts; scripted in
// tests):
//
//   list (paginated) → diff against the cache → add/update/delete → watch from the list's resourceVersion with
//   allowWatchBookmarks=true and a randomised timeoutSeconds → apply events → on a clean close re-watch from the
//   last resourceVersion; on 410 (HTTP or an ERROR event) relist; on any other error retry with jittered
//   exponential back-off; an inactivity watchdog aborts a watch that delivered nothing (not even a bookmark) for
//   too long. It never gives up until stop().
//
// Load on the API server (client-go's reflector does the same):
// - Lists ask for resourceVersion=0, served from the API server's watch cache instead of a quorum read of every
//   object from etcd; the one exception is the relist after a 410, which must be consistent (no resourceVersion):
//   a cache that was behind the expired RV could hand back a snapshot just as old, and the 410 would repeat.
// - A 410 relists at once only when the last list is old (minRelistIntervalMs); otherwise the back-off runs first,
//   so a watch that keeps answering 410 cannot turn into a loop of full LISTs.
// - The back-off resets only after a watch stayed open and delivered for backoff.resetAfterMs (client-go: 2 min),
//   not after a successful list, so list → 410 → list cycles keep growing it.
// - A Retry-After from the server (429, 5xx with details.retryAfterSeconds) stretches the wait to at least that.
//
// Handlers run synchronously, isolated: an exception is logged and counted, never propagated. They should only
// compute a key and enqueue it. Cached objects are plain JSON (timestamps are strings) and shared: never mutate.
// This module has no runtime dependency on client-node, so pure unit tests load it without the 1.5 s import.
import { Backoff } from '../util/backoff.js';
import { errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { monotonicMs, sleep } from '../util/time.js';
import { ApiError, decodeApiError, retryAfterSecondsOf, type KubeStatus } from './errors.js';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
    deletionTimestamp?: string;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface ListQuery {
  /** "0" = any version, from the watch cache; absent = the most recent (a consistent read). Never sent with
   * `continue` (the token carries the snapshot). */
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

export interface WatchQuery {
  resourceVersion: string;
  allowWatchBookmarks: true;
  timeoutSeconds: number;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchHandle {
  abort(): void;
}

/** How the informer talks to the API server. `onDone(null)` = clean close; it must be called at most once. */
export interface InformerTransport<T> {
  list(q: ListQuery, signal: AbortSignal): Promise<ListResult<T>>;
  watch(q: WatchQuery, onEvent: (type: string, obj: unknown) => void, onDone: (err: unknown) => void): Promise<WatchHandle>;
}

export interface InformerOptions<T> {
  transport: InformerTransport<T>;
  /** For logs and metrics, e.g. "pods" or "schedulerhas". */
  name: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** List page size (limit/continue); default 500. 0 = unpaginated. */
  pageSize?: number;
  /** Server-side watch timeout; each watch uses a random value in [t, 2t) (client-go's scheme). Default 300 s. */
  timeoutSeconds?: number;
  /** A watch that delivers nothing — no event, no bookmark — for this long is aborted and re-opened. Default
   * 90 s (the API server sends bookmarks about every minute). 0 disables the watchdog. */
  inactivityTimeoutMs?: number;
  /** Back-off after errors (jittered, exponential). Default 800 ms → 30 s, reset once a watch has stayed open and
   * delivered (events or bookmarks) for `resetAfterMs` (default 120 s, client-go's). A server Retry-After longer
   * than the back-off is honoured, up to `maxMs`. */
  backoff?: { initialMs?: number; maxMs?: number; resetAfterMs?: number; random?: () => number };
  /** After a 410, relist at once only when the last list is at least this old; otherwise back off first.
   * Default 10 s. */
  minRelistIntervalMs?: number;
  /** Re-deliver every cached object as an update this often (0 = never, the default). */
  resyncPeriodMs?: number;
  /** Applied to every object before it is cached (default: drop metadata.managedFields). */
  transform?: (obj: T) => T;
  logger?: Logger;
  /** Added to the log line and `lastError` when a list or watch is refused with 403: what the caller's
   * permissions are meant to be and how to fix them (the informer alone cannot know). */
  forbiddenHint?: string;
}

export interface InformerStats {
  name: string;
  synced: boolean;
  /** Watch open and streaming right now. */
  connected: boolean;
  objects: number;
  resourceVersion: string | undefined;
  /** ms since the last watch event or bookmark (undefined before the first). */
  lastEventAgeMs: number | undefined;
  /** ms since the last successful list. */
  lastListAgeMs: number | undefined;
  /** ms since the informer stopped being connected, when it is not (undefined while connected). */
  disconnectedForMs: number | undefined;
  lists: number;
  relists: number;
  /** What made the informer list again: `goneEvent` / `goneHttp` = the watch answered 410 (an ERROR event or the
   * HTTP status); `continueExpired` = a list's continue token expired part-way (the list started over). */
  relistsByCause: Record<RelistCause, number>;
  reconnects: number;
  watchEvents: number;
  bookmarks: number;
  errors: number;
  handlerErrors: number;
  watchdogTrips: number;
  lastError: string | undefined;
}

export type AddHandler<T> = (obj: T) => void;
export type UpdateHandler<T> = (oldObj: T, newObj: T) => void;
export type DeleteHandler<T> = (obj: T) => void;

export type RelistCause = 'goneEvent' | 'goneHttp' | 'continueExpired';

type WatchEnd =
  | { kind: 'closed'; gotData: boolean; lastedMs: number }
  | { kind: 'gone' }
  | { kind: 'watchdog' }
  | { kind: 'error'; err: unknown }
  | { kind: 'stopped' };

/** `namespace/name`, or `name` for cluster-scoped objects (client-go's MetaNamespaceKeyFunc). */
export function objectKey(obj: KubeObject): string {
  const md = obj.metadata ?? {};
  return md.namespace ? `${md.namespace}/${md.name ?? ''}` : (md.name ?? '');
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

const dropManagedFields = <T>(obj: T): T => {
  const md = (obj as KubeObject).metadata;
  if (md && 'managedFields' in md) {
    const { managedFields: _drop, ...rest } = md;
    void _drop;
    return { ...(obj as object), metadata: rest } as T;
  }
  return obj;
};

// ---- decisions (pure) ---------------------------------------------------------------------------------------

/** After a 410: relist at once only when the last list is old enough that relisting cannot become a loop. */
export function relistAtOnceAfterGone(lastListAgeMs: number | undefined, minRelistIntervalMs: number): boolean {
  return lastListAgeMs === undefined || lastListAgeMs >= minRelistIntervalMs;
}

/** The wait before retrying after an error: the back-off, or the server's Retry-After when that is longer (capped,
 * so a misbehaving proxy cannot park the informer for an hour). */
export function retryWaitMs(backoffMs: number, retryAfterSeconds: number | undefined, capMs: number): number {
  if (retryAfterSeconds === undefined || !(retryAfterSeconds > 0)) return backoffMs;
  return Math.max(backoffMs, Math.min(retryAfterSeconds * 1000, capMs));
}

/** The resourceVersion of a (re)list: the watch cache ("0") unless a 410 asked for a consistent read. */
export function listResourceVersion(consistent: boolean): string | undefined {
  return consistent ? undefined : '0';
}

/** A watch proves the connection healthy — and the back-off may reset — once it has delivered something and
 * stayed open for `resetAfterMs`. */
export function watchProvedHealthy(openForMs: number, gotData: boolean, resetAfterMs: number): boolean {
  return gotData && openForMs >= resetAfterMs;
}

/** A 410 within `windowMs` of the previous one is no longer routine (warn, count as an error). */
export function goneIsRepeated(prevGoneAt: number | undefined, now: number, windowMs: number): boolean {
  return prevGoneAt !== undefined && now - prevGoneAt < windowMs;
}

const GONE_REPEAT_WINDOW_MS = 60_000;

export class Informer<T extends KubeObject = KubeObject> {
  readonly name: string;
  private readonly store = new Map<string, T>();
  private readonly addHandlers = new Set<AddHandler<T>>();
  private readonly updateHandlers = new Set<UpdateHandler<T>>();
  private readonly deleteHandlers = new Set<DeleteHandler<T>>();
  private readonly syncWaiters = new Set<() => void>();
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private readonly transform: (obj: T) => T;
  private rv: string | undefined;
  private synced_ = false;
  private connected = false;
  private started = false;
  private stopped = false;
  private readonly stopAc = new AbortController();
  private endWatch: ((end: WatchEnd) => void) | undefined;
  private running: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private lastEventAt: number | undefined;
  private lastListAt: number | undefined;
  private disconnectedSince = monotonicMs();
  private lastError: string | undefined;
  /** Set by a 410 until a list succeeds: the next list must be a consistent read, not the watch cache. */
  private consistentList = false;
  private lastGoneAt: number | undefined;
  private readonly backoffMaxMs: number;
  private readonly backoffResetMs: number;
  private counters = { lists: 0, relists: 0, reconnects: 0, watchEvents: 0, bookmarks: 0, errors: 0, handlerErrors: 0, watchdogTrips: 0 };
  private relistCauses: Record<RelistCause, number> = { goneEvent: 0, goneHttp: 0, continueExpired: 0 };

  constructor(private readonly opts: InformerOptions<T>) {
    this.name = opts.name;
    this.log = (opts.logger ?? silentLogger).child({ informer: opts.name });
    this.backoffMaxMs = opts.backoff?.maxMs ?? 30_000;
    this.backoffResetMs = opts.backoff?.resetAfterMs ?? 120_000;
    this.backoff = new Backoff({ initialMs: opts.backoff?.initialMs ?? 800, maxMs: this.backoffMaxMs, ...(opts.backoff?.random ? { random: opts.backoff.random } : {}) });
    this.transform = opts.transform ?? dropManagedFields;
  }

  // ---- handlers --------------------------------------------------------------------------------------------

  /** Registers a handler; returns a function that removes it. Handlers registered after objects were cached do
   * not get past adds replayed — register before start(). */
  on(event: 'add', fn: AddHandler<T>): () => void;
  on(event: 'update', fn: UpdateHandler<T>): () => void;
  on(event: 'delete', fn: DeleteHandler<T>): () => void;
  on(event: 'add' | 'update' | 'delete', fn: AddHandler<T> | UpdateHandler<T> | DeleteHandler<T>): () => void {
    const set = (event === 'add' ? this.addHandlers : event === 'update' ? this.updateHandlers : this.deleteHandlers) as Set<typeof fn>;
    set.add(fn);
    return () => void set.delete(fn);
  }

  /** One handler for every change: `(obj, old?)`, with `deleted` set for deletions. Convenient for "enqueue a
   * key" handlers. */
  onChange(fn: (obj: T, info: { type: 'add' | 'update' | 'delete'; old?: T }) => void): () => void {
    const a = this.on('add', (o) => fn(o, { type: 'add' }));
    const u = this.on('update', (old, o) => fn(o, { type: 'update', old }));
    const d = this.on('delete', (o) => fn(o, { type: 'delete' }));
    return () => {
      a();
      u();
      d();
    };
  }

  private dispatch(kind: 'add' | 'update' | 'delete', a: T, b?: T): void {
    const handlers = kind === 'add' ? this.addHandlers : kind === 'update' ? this.updateHandlers : this.deleteHandlers;
    for (const h of handlers) {
      try {
        if (kind === 'update') (h as UpdateHandler<T>)(a, b!);
        else (h as AddHandler<T>)(a);
      } catch (err) {
        this.counters.handlerErrors++;
        this.log.error({ err: errorMessage(err), event: kind, key: objectKey(b ?? a) }, 'informer handler threw; ignored (handlers must only enqueue)');
      }
    }
  }

  // ---- cache -----------------------------------------------------------------------------------------------

  get synced(): boolean {
    return this.synced_;
  }

  /** The cached object `namespace/name` (or `name` when cluster-scoped / namespace omitted). */
  get(name: string, namespace?: string): T | undefined {
    return this.store.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.store.get(key);
  }

  list(namespace?: string): T[] {
    const out: T[] = [];
    for (const o of this.store.values()) if (namespace === undefined || o.metadata?.namespace === namespace) out.push(o);
    return out;
  }

  keys(): string[] {
    return [...this.store.keys()];
  }

  get size(): number {
    return this.store.size;
  }

  get resourceVersion(): string | undefined {
    return this.rv;
  }

  /** Resolves once the first list has been applied (rejects on timeout or stop). */
  waitForSync(timeoutMs?: number): Promise<void> {
    if (this.synced_) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = timeoutMs !== undefined ? setTimeout(() => done(new Error(`informer ${this.name} not synced within ${timeoutMs} ms${this.lastError ? ` (last error: ${this.lastError})` : ''}`)), timeoutMs) : undefined;
      const onStop = () => done(new Error(`informer ${this.name} stopped before it synced`));
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.syncWaiters.delete(ok);
        this.stopAc.signal.removeEventListener('abort', onStop);
        if (err) reject(err);
        else resolve();
      };
      const ok = () => done();
      this.syncWaiters.add(ok);
      this.stopAc.signal.addEventListener('abort', onStop, { once: true });
    });
  }

  stats(): InformerStats {
    const now = monotonicMs();
    return {
      name: this.name,
      synced: this.synced_,
      connected: this.connected,
      objects: this.store.size,
      resourceVersion: this.rv,
      lastEventAgeMs: this.lastEventAt === undefined ? undefined : now - this.lastEventAt,
      lastListAgeMs: this.lastListAt === undefined ? undefined : now - this.lastListAt,
      disconnectedForMs: this.connected ? undefined : now - this.disconnectedSince,
      ...this.counters,
      relistsByCause: { ...this.relistCauses },
      lastError: this.lastError,
    };
  }

  /** Healthy = synced, and not disconnected for longer than `maxDisconnectedMs` (default 60 s). Readiness checks
   * use it: a stale cache must not look ready. */
  healthy(maxDisconnectedMs = 60_000): boolean {
    if (!this.synced_ || this.stopped) return false;
    return this.connected || monotonicMs() - this.disconnectedSince < maxDisconnectedMs;
  }

  // ---- lifecycle -------------------------------------------------------------------------------------------

  /** Starts the list/watch loop (idempotent). */
  start(): this {
    if (this.started || this.stopped) return this;
    this.started = true;
    this.running = this.run().catch((err: unknown) => {
      // run() handles everything; this is a last-resort guard so a bug can never become an unhandled rejection.
      this.log.error({ err: errorMessage(err) }, 'informer loop crashed');
    });
    if (this.opts.resyncPeriodMs && this.opts.resyncPeriodMs > 0) {
      this.resyncTimer = setInterval(() => {
        if (!this.synced_) return;
        for (const o of [...this.store.values()]) this.dispatch('update', o, o);
      }, this.opts.resyncPeriodMs);
      this.resyncTimer.unref();
    }
    return this;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.resyncTimer);
    this.stopAc.abort();
    this.endWatch?.({ kind: 'stopped' });
    await this.running;
    this.connected = false;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.rv === undefined) {
        try {
          await this.relist();
        } catch (err) {
          if (this.stopped) return;
          // A list refused with 410 (an RV the server no longer has): only a consistent read can answer.
          if (decodeApiError(err).code === 410) this.consistentList = true;
          await sleep(this.noteError(err, 'list failed'), this.stopAc.signal);
          continue;
        }
      }
      const end = await this.watchOnce();
      this.connected = false;
      this.disconnectedSince = monotonicMs();
      switch (end.kind) {
        case 'stopped':
          return;
        case 'closed':
          this.counters.reconnects++;
          // A watch the server closed after a while is routine (timeoutSeconds): re-watch at once. One that closed
          // immediately without data is a failure in disguise: back off, or we would hammer the server. (The
          // back-off itself resets only after a long healthy watch, see watchOnce.)
          if (!end.gotData && end.lastedMs < 1000) await sleep(this.backoff.next(), this.stopAc.signal);
          break;
        case 'gone':
          await this.relistAfterGone('goneEvent');
          break;
        case 'watchdog':
          this.counters.reconnects++;
          this.counters.watchdogTrips++;
          this.log.warn({ idleMs: this.opts.inactivityTimeoutMs ?? 90_000 }, 'watch delivered nothing for too long; re-opening it');
          break;
        case 'error': {
          if (decodeApiError(end.err).code === 410) {
            await this.relistAfterGone('goneHttp');
            break;
          }
          this.counters.reconnects++;
          await sleep(this.noteError(end.err, 'watch failed'), this.stopAc.signal);
          break;
        }
      }
    }
  }

  /** Counts and logs a list/watch error; returns how long to wait before retrying (back-off or Retry-After). */
  private noteError(err: unknown, what: string): number {
    this.counters.errors++;
    const d = decodeApiError(err);
    const hint = d.code === 403 ? this.opts.forbiddenHint : undefined;
    const retryAfterSeconds = retryAfterSecondsOf(err);
    const wait = retryWaitMs(this.backoff.next(), retryAfterSeconds, this.backoffMaxMs);
    this.lastError = `${what}: ${d.code ? `${d.code} ${d.reason}: ` : ''}${d.message}${hint ? ` (${hint})` : ''}`;
    this.log.warn({ code: d.code, reason: d.reason, err: d.message, retryInMs: Math.round(wait), ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}), ...(hint ? { hint } : {}) }, `${what}; retrying with back-off`);
    return wait;
  }

  /** The watch answered 410: the next list is a consistent read; it runs at once unless the last list is recent
   * (then the back-off first: a watch that keeps answering 410 must not become a LIST loop). */
  private async relistAfterGone(cause: 'goneEvent' | 'goneHttp'): Promise<void> {
    const now = monotonicMs();
    const repeated = goneIsRepeated(this.lastGoneAt, now, GONE_REPEAT_WINDOW_MS);
    this.lastGoneAt = now;
    this.relistCauses[cause]++;
    const lastListAgeMs = this.lastListAt === undefined ? undefined : now - this.lastListAt;
    const wait = relistAtOnceAfterGone(lastListAgeMs, this.opts.minRelistIntervalMs ?? 10_000) ? 0 : this.backoff.next();
    const fields = { resourceVersion: this.rv, via: cause === 'goneEvent' ? 'ERROR event' : 'HTTP status', lastListAgeMs: lastListAgeMs === undefined ? undefined : Math.round(lastListAgeMs), relistInMs: Math.round(wait) };
    if (repeated) {
      // Once is routine (the watch cache moved past our RV); again within a minute is something to look at.
      this.counters.errors++;
      this.lastError = `watch answered 410 Gone again within ${GONE_REPEAT_WINDOW_MS / 1000} s (resourceVersion ${this.rv ?? '?'}); relisting`;
      this.log.warn(fields, 'resourceVersion expired (410) again within a minute; relisting');
    } else this.log.info(fields, 'resourceVersion expired (410); relisting');
    this.rv = undefined;
    this.consistentList = true;
    if (wait > 0) await sleep(wait, this.stopAc.signal);
  }

  /** Lists everything (paginated), replaces the cache and emits the differences. */
  private async relist(): Promise<void> {
    const pageSize = this.opts.pageSize ?? 500;
    const resourceVersion = listResourceVersion(this.consistentList);
    const items = new Map<string, T>();
    let rv: string | undefined;
    let cont: string | undefined;
    for (;;) {
      const q: ListQuery = {
        ...(this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {}),
        ...(this.opts.fieldSelector ? { fieldSelector: this.opts.fieldSelector } : {}),
        ...(pageSize > 0 ? { limit: pageSize } : {}),
        // A watch cache that ignores limit (resourceVersion=0 on servers before snapshot pagination) answers with
        // everything and no continue token: the loop below simply ends after one page.
        ...(cont ? { continue: cont } : resourceVersion !== undefined ? { resourceVersion } : {}),
      };
      let page: ListResult<T>;
      try {
        page = await this.opts.transport.list(q, this.stopAc.signal);
      } catch (err) {
        // An expired continue token: start the list over (from the watch cache again, or consistently after a 410).
        if (cont && decodeApiError(err).code === 410) {
          this.relistCauses.continueExpired++;
          this.log.info({ objectsSoFar: items.size }, 'list continue token expired (410); starting the list over');
          items.clear();
          cont = undefined;
          continue;
        }
        throw err;
      }
      if (this.stopped) return;
      for (const raw of page.items) {
        const o = this.transform(raw);
        items.set(objectKey(o), o);
      }
      rv = page.resourceVersion;
      cont = page.continue || undefined;
      if (!cont) break;
    }
    this.counters.lists++;
    if (this.counters.lists > 1) this.counters.relists++;
    this.lastListAt = monotonicMs();
    this.rv = rv;
    const old = new Map(this.store);
    this.store.clear();
    for (const [k, o] of items) this.store.set(k, o);
    // Emit after the whole cache is replaced, so handlers that read the cache see the new snapshot.
    for (const [k, o] of items) {
      const prev = old.get(k);
      if (!prev) this.dispatch('add', o);
      else if (prev.metadata?.resourceVersion !== o.metadata?.resourceVersion) this.dispatch('update', prev, o);
    }
    for (const [k, o] of old) if (!items.has(k)) this.dispatch('delete', o);
    this.consistentList = false;
    if (!this.synced_) {
      this.synced_ = true;
      this.log.debug({ objects: items.size, resourceVersion: rv }, 'informer synced');
      for (const w of [...this.syncWaiters]) w();
    }
  }

  private watchOnce(): Promise<WatchEnd> {
    const inactivity = this.opts.inactivityTimeoutMs ?? 90_000;
    const base = this.opts.timeoutSeconds ?? 300;
    const timeoutSeconds = Math.max(1, Math.floor(base * (1 + Math.random())));
    const startedAt = monotonicMs();
    return new Promise<WatchEnd>((resolve) => {
      let ended = false;
      let gotData = false;
      let provedHealthy = false;
      let handle: WatchHandle | undefined;
      let timer: NodeJS.Timeout | undefined;
      const finish = (end: WatchEnd) => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        this.endWatch = undefined;
        if (!provedHealthy && watchProvedHealthy(monotonicMs() - startedAt, gotData, this.backoffResetMs)) this.backoff.reset();
        try {
          handle?.abort();
        } catch {
          // already closed
        }
        resolve(end);
      };
      const arm = () => {
        if (inactivity <= 0) return;
        clearTimeout(timer);
        timer = setTimeout(() => finish({ kind: 'watchdog' }), inactivity);
        timer.unref();
      };
      this.endWatch = finish;
      if (this.stopped) return finish({ kind: 'stopped' });
      arm();
      const q: WatchQuery = {
        resourceVersion: this.rv!,
        allowWatchBookmarks: true,
        timeoutSeconds,
        ...(this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {}),
        ...(this.opts.fieldSelector ? { fieldSelector: this.opts.fieldSelector } : {}),
      };
      const onEvent = (type: string, obj: unknown) => {
        if (ended) return;
        arm();
        gotData = true;
        if (!provedHealthy && watchProvedHealthy(monotonicMs() - startedAt, gotData, this.backoffResetMs)) {
          provedHealthy = true;
          this.backoff.reset();
        }
        this.lastEventAt = monotonicMs();
        this.connected = true;
        const end = this.apply(type, obj);
        if (end) finish(end);
      };
      const onDone = (err: unknown) => {
        if (err === null || err === undefined) finish({ kind: 'closed', gotData, lastedMs: monotonicMs() - startedAt });
        else finish({ kind: 'error', err });
      };
      this.opts.transport.watch(q, onEvent, onDone).then(
        (h) => {
          handle = h;
          if (ended) {
            try {
              h.abort();
            } catch {
              // ignore
            }
          } else this.connected = true;
        },
        (err: unknown) => finish({ kind: 'error', err }),
      );
    });
  }

  /** Applies one watch event; returns how the watch ends if this event ends it. */
  private apply(type: string, obj: unknown): WatchEnd | undefined {
    if (type === 'ERROR') {
      const st = (obj ?? {}) as KubeStatus;
      if (st.code === 410) return { kind: 'gone' };
      return { kind: 'error', err: ApiError.fromStatus(st, `watch ${this.name}`) };
    }
    const raw = obj as T;
    const rv = raw?.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      this.counters.bookmarks++;
      if (rv) this.rv = rv;
      return undefined;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return undefined;
    this.counters.watchEvents++;
    const o = this.transform(raw);
    const key = objectKey(o);
    if (rv) this.rv = rv;
    const prev = this.store.get(key);
    if (type === 'DELETED') {
      this.store.delete(key);
      this.dispatch('delete', o);
    } else {
      this.store.set(key, o);
      if (prev) this.dispatch('update', prev, o);
      else this.dispatch('add', o);
    }
    return undefined;
  }
}
