// The HTTP layer: routes (/api/v1/…, /apis/<group>/<version>/…, legacy /watch/ paths, discovery, health),
// query parameters, bodies, Status answers, and watch streams (NDJSON, ADDED / MODIFIED / DELETED / BOOKMARK,
// 410 Expired as an ERROR event in a 200 stream, timeoutSeconds, bookmarks, selector transitions), plus the
// fault-injection and request-recording hooks the tests use.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { type ApiCore, type DeleteOptions, type RequestContext, decodeBody } from './api.js';
import type { ResourceDef } from './registry.js';
import type { StoredEvent } from './store.js';
import type { KObject } from './meta.js';
import { ApiError, badRequest, expired, internalError, invalidError, invalid, methodNotAllowed, notSupported, pathNotFound, tooManyRequests, unauthorized, forbidden } from './status.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from './discovery.js';
import { isObject } from './patch.js';
import type { Logger } from '../../util/log.js';
import { forbiddenError, requestInfo, type UserInfo } from './authz.js';
import type { Security } from './security.js';

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  userAgent?: string;
  body?: string;
  status?: number;
  /** The authenticated user's name (absent for unauthenticated requests). */
  user?: string;
}

export interface FaultRule {
  remaining: number;
  code: number;
  retryAfterSeconds?: number;
  method?: string;
  path?: RegExp;
  watch?: boolean;
}

export interface DelayRule {
  ms: number;
  method?: string;
  path?: RegExp;
}

interface WatchConn {
  resource: string;
  /** The server is done with it (timeout, client gone); a stalled one is ended once released. */
  finished: boolean;
  res: ServerResponse;
  stalled: boolean;
  buffer: string[];
  close(): void;
  /** Ends the stream cleanly (what the client sees when the server's timeout closes a watch). */
  end(): void;
}

export interface HttpOptions {
  security: Security;
  bookmarkIntervalMs: number;
  minRequestTimeoutSeconds: number;
  log: Logger;
  serverAddress: () => string;
  recordBodies: boolean;
  maxRecorded: number;
}

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' };

export class HttpLayer {
  readonly requests: RecordedRequest[] = [];
  readonly faults: FaultRule[] = [];
  readonly delays: DelayRule[] = [];
  readonly watches = new Set<WatchConn>();
  /** Active stalls: their resource filter ('' = all) and every watch they hold, including those opened during
   * the stall (which start stalled and must be released by the same resume). */
  private readonly stalls = new Set<{ resource: string; held: Set<WatchConn> }>();

  constructor(
    private readonly api: ApiCore,
    private readonly opts: HttpOptions,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    void this.handleAsync(req, res).catch((err) => {
      this.opts.log.error({ err }, 'devstack kube-apiserver: unhandled error');
      if (!res.headersSent) this.sendError(res, internalError((err as Error).message));
      else res.destroy();
    });
  }

  private async handleAsync(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const method = (req.method ?? 'GET').toUpperCase();
    const body = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    const rec: RecordedRequest = { at: Date.now(), method, path: url.pathname, query, contentType: req.headers['content-type'], userAgent: req.headers['user-agent'] };
    if (this.opts.recordBodies && body) rec.body = body;
    this.requests.push(rec);
    if (this.requests.length > this.opts.maxRecorded) this.requests.splice(0, this.requests.length - this.opts.maxRecorded);
    res.on('finish', () => (rec.status = res.statusCode));
    res.setHeader('Audit-Id', randomUUID());

    const isWatch = query.watch === 'true' || query.watch === '1' || url.pathname.includes('/watch/');
    let delayed = false;
    for (const d of this.delays) {
      if ((d.method && d.method !== method) || (d.path && !d.path.test(url.pathname))) continue;
      await new Promise((r) => setTimeout(r, d.ms));
      delayed = true;
    }
    // A request whose client gave up while it waited is dropped, as the API server's priority-and-fairness queue
    // drops a queued request whose context was cancelled: it is never executed.
    if (delayed && (res.destroyed || req.socket.destroyed)) {
      rec.status = 0;
      return;
    }
    const fault = this.faults.find((f) => f.remaining > 0 && (!f.method || f.method === method) && (!f.path || f.path.test(url.pathname)) && (f.watch === undefined || f.watch === isWatch));
    if (fault) {
      fault.remaining--;
      if (fault.remaining === 0) this.faults.splice(this.faults.indexOf(fault), 1);
      this.sendError(res, injectedFault(fault));
      return;
    }

    const open = ['/healthz', '/livez', '/readyz', '/version'].includes(url.pathname);
    const user = this.opts.security.authenticate(req.headers.authorization);
    if (user) rec.user = user.name;
    if (!open && !user) {
      this.sendError(res, unauthorized());
      return;
    }
    if (!open && user) {
      // The authorization filter runs before routing: a forbidden request learns nothing about what exists.
      const attrs = { ...requestInfo(method, url.pathname, query), user };
      const decision = this.opts.security.authorize(attrs);
      if (!decision.allowed) {
        this.sendError(res, forbiddenError(attrs, decision.reason));
        return;
      }
    }
    try {
      this.route(method, url.pathname, query, body, req, res, user);
    } catch (err) {
      if (err instanceof ApiError) this.sendError(res, err);
      else throw err;
    }
  }

  private sendJSON(res: ServerResponse, code: number, body: unknown, warnings?: string[]): void {
    const headers: Record<string, string | string[]> = { ...JSON_HEADERS };
    if (warnings?.length) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
    res.writeHead(code, headers);
    res.end(JSON.stringify(body));
  }

  private sendError(res: ServerResponse, err: ApiError): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(err.code, { ...JSON_HEADERS, ...err.headers });
    res.end(JSON.stringify(err.status));
  }

  private route(method: string, path: string, q: Record<string, string>, body: string, req: IncomingMessage, res: ServerResponse, user: UserInfo | undefined): void {
    const segs = path.split('/').filter(Boolean);
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    if (path === '/version' || path === '/version/') return this.sendJSON(res, 200, SERVER_VERSION);
    if (segs[0] === 'api') {
      if (segs.length === 1) return this.sendJSON(res, 200, apiVersions(this.opts.serverAddress()));
      return this.resourceRoute(method, '', segs[1]!, segs.slice(2), q, body, req, res, user);
    }
    if (segs[0] === 'apis') {
      if (segs.length === 1) return this.sendJSON(res, 200, apiGroupList(this.api.registry));
      if (segs.length === 2) {
        const g = apiGroup(this.api.registry, segs[1]!);
        if (!g) throw pathNotFound();
        return this.sendJSON(res, 200, g);
      }
      return this.resourceRoute(method, segs[1]!, segs[2]!, segs.slice(3), q, body, req, res, user);
    }
    throw pathNotFound();
  }

  private resourceRoute(method: string, group: string, version: string, rest: string[], q: Record<string, string>, body: string, req: IncomingMessage, res: ServerResponse, user: UserInfo | undefined): void {
    if (!this.api.registry.hasGroupVersion(group, version)) throw pathNotFound();
    if (rest.length === 0) {
      if (method !== 'GET') throw methodNotAllowed();
      return this.sendJSON(res, 200, apiResourceList(this.api.registry, group, version));
    }
    let watchPath = false;
    if (rest[0] === 'watch') {
      watchPath = true;
      rest = rest.slice(1);
    }
    let ns: string | undefined;
    let resource: string;
    let name: string | undefined;
    let sub: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && ['status', 'finalize'].includes(rest[2]!) && !group)) {
      ns = decodeURIComponent(rest[1]!);
      resource = rest[2]!;
      name = rest[3] !== undefined ? decodeURIComponent(rest[3]) : undefined;
      sub = rest[4];
      if (rest.length > 5) throw pathNotFound();
    } else {
      resource = rest[0]!;
      name = rest[1] !== undefined ? decodeURIComponent(rest[1]) : undefined;
      sub = rest[2];
      if (rest.length > 3) throw pathNotFound();
    }
    const def = this.api.registry.get(group, version, resource);
    if (!def) throw pathNotFound();
    if (ns !== undefined && !def.namespaced) throw pathNotFound();
    if (name === '') name = undefined;

    const ctx = this.context(q, req, user);
    const isWatch = watchPath || q.watch === 'true' || q.watch === '1';

    if (sub !== undefined) {
      if (!name) throw pathNotFound();
      return this.subresourceRoute(def, method, ns, name, sub, q, body, req, res, ctx);
    }
    if (name === undefined) {
      // collection
      if (method === 'GET') {
        if (isWatch) return this.watch(def, ns, q, res, req);
        return this.sendJSON(res, 200, this.api.list(def, ns, listOpts(q)));
      }
      if (method === 'POST') {
        if (def.namespaced && ns === undefined) throw methodNotAllowed();
        const r = this.api.create(def, ns, decodeBody(body, req.headers['content-type']), ctx);
        return this.sendJSON(res, r.code, r.body, ctx.warnings);
      }
      if (method === 'DELETE') {
        if (def.storeKey === '/namespaces' || !def.verbs.includes('deletecollection') || (def.namespaced && ns === undefined)) throw methodNotAllowed();
        const r = this.api.deleteCollection(def, ns, listOpts(q), deleteOpts(q, body), ctx);
        return this.sendJSON(res, 200, r);
      }
      throw methodNotAllowed();
    }
    if (def.namespaced && ns === undefined) throw pathNotFound();
    switch (method) {
      case 'GET':
        if (isWatch) return this.watch(def, ns, { ...q, fieldSelector: [q.fieldSelector, `metadata.name=${name}`].filter(Boolean).join(',') }, res, req);
        return this.sendJSON(res, 200, this.api.get(def, ns, name));
      case 'PUT': {
        const r = this.api.update(def, ns, name, decodeBody(body, req.headers['content-type']), ctx, undefined);
        return this.sendJSON(res, r.code, r.body, ctx.warnings);
      }
      case 'PATCH': {
        const r = this.api.patch(def, ns, name, body, req.headers['content-type'], { ...ctx, force: parseBool(q.force) }, undefined);
        return this.sendJSON(res, r.code, r.body, ctx.warnings);
      }
      case 'DELETE': {
        const r = this.api.delete(def, ns, name, deleteOpts(q, body), ctx);
        return this.sendJSON(res, r.code, r.body);
      }
      default:
        throw methodNotAllowed();
    }
  }

  private subresourceRoute(def: ResourceDef, method: string, ns: string | undefined, name: string, sub: string, q: Record<string, string>, body: string, req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void {
    if (sub === 'status' && def.status) {
      if (method === 'GET') return this.sendJSON(res, 200, this.api.get(def, ns, name));
      if (method === 'PUT') {
        const r = this.api.update(def, ns, name, decodeBody(body, req.headers['content-type']), ctx, 'status');
        return this.sendJSON(res, r.code, r.body, ctx.warnings);
      }
      if (method === 'PATCH') {
        const r = this.api.patch(def, ns, name, body, req.headers['content-type'], { ...ctx, force: parseBool(q.force) }, 'status');
        return this.sendJSON(res, r.code, r.body, ctx.warnings);
      }
      throw methodNotAllowed();
    }
    if (sub === 'scale' && def.scale) {
      if (method === 'GET') return this.sendJSON(res, 200, this.api.getScale(def, ns, name));
      if (method === 'PUT') {
        const r = this.api.updateScale(def, ns, name, decodeBody(body, req.headers['content-type']), ctx);
        return this.sendJSON(res, r.code, r.body);
      }
      if (method === 'PATCH') {
        const r = this.api.patchScale(def, ns, name, body, req.headers['content-type'], ctx);
        return this.sendJSON(res, r.code, r.body);
      }
      throw methodNotAllowed();
    }
    if (sub === 'binding' && def.binding) {
      if (method !== 'POST') throw methodNotAllowed();
      const r = this.api.bind(def, ns, name, decodeBody(body, req.headers['content-type']), ctx);
      return this.sendJSON(res, r.code, r.body);
    }
    if (sub === 'token' && def.storeKey === '/serviceaccounts') {
      if (method !== 'POST') throw methodNotAllowed();
      const r = this.opts.security.tokens.tokenRequest(ns!, name, decodeBody(body, req.headers['content-type']));
      return this.sendJSON(res, r.code, r.body);
    }
    if (sub === 'finalize' && def.storeKey === '/namespaces') {
      if (method !== 'PUT') throw methodNotAllowed();
      const r = this.api.finalizeNamespace(def, name, decodeBody(body, req.headers['content-type']), ctx);
      return this.sendJSON(res, r.code, r.body);
    }
    if (sub === 'status' && def.storeKey === '/namespaces') {
      if (method === 'GET') return this.sendJSON(res, 200, this.api.get(def, ns, name));
    }
    throw pathNotFound();
  }

  private context(q: Record<string, string>, req: IncomingMessage, user: UserInfo | undefined): RequestContext {
    const ctx: RequestContext = { userAgent: req.headers['user-agent'], warnings: [] };
    if (user) {
      const sec = this.opts.security;
      ctx.user = user;
      ctx.authorizeCreate = (def, ns, name) => sec.authorizeCreate(user, def, ns, name);
      ctx.admit = (op, def, obj, old, sub) => sec.admit(user, op, def, obj, old, sub);
    }
    if (q.fieldManager !== undefined) {
      if (q.fieldManager.length > 128) throw invalidError({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [{ type: 'FieldValueTooLong', field: 'fieldManager', detail: 'may not be more than 128 bytes' }]);
      ctx.fieldManager = q.fieldManager;
    }
    if (q.dryRun !== undefined) {
      if (q.dryRun !== 'All') throw invalidError({ group: 'meta.k8s.io', kind: 'CreateOptions' }, '', [notSupported('dryRun', [q.dryRun], ['All'])]);
      ctx.dryRun = true;
    }
    if (q.fieldValidation !== undefined) {
      if (!['Strict', 'Warn', 'Ignore'].includes(q.fieldValidation)) throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${q.fieldValidation}"`);
      ctx.fieldValidation = q.fieldValidation as RequestContext['fieldValidation'];
    }
    return ctx;
  }

  // ---- watch -------------------------------------------------------------------------------------------

  private watch(def: ResourceDef, ns: string | undefined, q: Record<string, string>, res: ServerResponse, req: IncomingMessage): void {
    const match = this.api.matcher(def, { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector }, def.namespaced ? ns : undefined);
    const bookmarks = parseBool(q.allowWatchBookmarks) === true;
    const sendInitial = parseBool(q.sendInitialEvents);
    if (sendInitial !== undefined) {
      if (q.resourceVersionMatch !== 'NotOlderThan') throw invalidError({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [forbidden('resourceVersionMatch', "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")]);
      if (sendInitial && !bookmarks) throw invalidError({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [forbidden('allowWatchBookmarks', 'sendInitialEvents requires setting allowWatchBookmarks=true')]);
    } else if (q.resourceVersionMatch) {
      throw invalidError({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided')]);
    }
    const rvParam = q.resourceVersion;
    let startRV: number | undefined;
    if (rvParam !== undefined && rvParam !== '' && rvParam !== '0') {
      startRV = Number(rvParam);
      if (!Number.isInteger(startRV) || startRV < 0) throw invalidError({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [invalid('resourceVersion', rvParam, 'must be a valid resource version')]);
    }
    let timeoutSec = q.timeoutSeconds !== undefined ? Number(q.timeoutSeconds) : undefined;
    if (timeoutSec !== undefined && (!Number.isFinite(timeoutSec) || timeoutSec < 0)) throw badRequest(`invalid timeoutSeconds: ${q.timeoutSeconds}`);
    if (!timeoutSec) timeoutSec = this.opts.minRequestTimeoutSeconds * (1 + Math.random());

    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const conn: WatchConn = {
      resource: def.storeKey,
      finished: false,
      res,
      stalled: false,
      buffer: [],
      close: () => {},
      end: () => {},
    };
    const write = (line: string) => {
      if (res.writableEnded || res.destroyed) return;
      if (conn.stalled) conn.buffer.push(line);
      else res.write(line);
    };
    const send = (type: string, obj: unknown) => write(JSON.stringify({ type, object: obj }) + '\n');
    const bookmark = (extra?: Record<string, string>) => {
      const meta: Record<string, unknown> = { resourceVersion: String(this.api.store.currentRV) };
      if (extra) meta.annotations = extra;
      send('BOOKMARK', { kind: def.kind, apiVersion: def.group ? `${def.group}/${def.version}` : def.version, metadata: meta });
    };

    let unsub: () => void = () => {};
    let timer: NodeJS.Timeout | undefined;
    let bm: NodeJS.Timeout | undefined;
    let closed = false;
    const finish = (destroy: boolean) => {
      if (closed) return;
      closed = true;
      conn.finished = true;
      unsub();
      clearTimeout(timer);
      clearTimeout(bm);
      this.watches.delete(conn);
      if (destroy) res.destroy();
      else if (!res.writableEnded) {
        if (conn.stalled) {
          // A stalled stream stays silent until released or dropped.
          return;
        }
        res.end();
      }
    };
    for (const st of this.stalls) {
      if (st.resource !== '' && st.resource !== def.storeKey) continue;
      conn.stalled = true;
      st.held.add(conn);
    }
    conn.close = () => finish(true);
    conn.end = () => {
      conn.buffer = [];
      conn.stalled = false;
      finish(false);
    };

    // Replay, then follow (single-threaded: nothing can slip between the two).
    if (startRV === undefined || sendInitial) {
      for (const o of this.api.store.list(def.storeKey)) if (match(o)) send('ADDED', this.api.external(def, o));
      if (sendInitial) bookmark({ 'k8s.io/initial-events-end': 'true' });
    } else {
      const events = this.api.store.eventsSince(def.storeKey, startRV);
      if (!events) {
        const e = expired(`too old resource version: ${startRV} (${this.api.store.floor(def.storeKey)})`);
        send('ERROR', e.status);
        conn.finished = true;
        // A stalled one keeps the answer (and the stream) until released.
        if (!conn.stalled) res.end();
        return;
      }
      for (const ev of events) this.deliver(def, ev, match, send);
    }
    unsub = this.api.store.subscribe(def.storeKey, (ev) => this.deliver(def, ev, match, send));
    this.watches.add(conn);
    timer = setTimeout(() => finish(false), timeoutSec * 1000);
    if (bookmarks) {
      // As the watch cache's cacheWatcher.nextBookmarkTime: roughly every bookmark interval, and once 2 s before
      // the watch's deadline (none when the deadline is less than 2 s away).
      const deadline = Date.now() + timeoutSec * 1000;
      const schedule = () => {
        const now = Date.now();
        let next = now + this.opts.bookmarkIntervalMs;
        const pre = deadline - 2000;
        if (pre < next) next = pre;
        if (next <= now) return;
        bm = setTimeout(() => {
          bookmark();
          schedule();
        }, next - now);
      };
      schedule();
    }
    req.on('close', () => finish(false));
    res.on('close', () => finish(false));
  }

  private deliver(def: ResourceDef, ev: StoredEvent, match: (o: KObject) => boolean, send: (type: string, obj: unknown) => void): void {
    const now = match(ev.object);
    const before = ev.prev ? match(ev.prev) : false;
    let type: string | undefined;
    if (ev.type === 'ADDED') type = now ? 'ADDED' : undefined;
    else if (ev.type === 'DELETED') type = before || now ? 'DELETED' : undefined;
    else if (now && before) type = 'MODIFIED';
    else if (now) type = 'ADDED';
    else if (before) type = 'DELETED';
    if (!type) return;
    if (ev.type === 'MODIFIED' && type === 'DELETED' && ev.prev) {
      // Left the selector: the watcher gets the object as it last matched, at this event's resourceVersion
      // (the cacher's convertToWatchEvent), not the new one it never selected.
      const last = { ...ev.prev, metadata: { ...ev.prev.metadata, resourceVersion: ev.object.metadata.resourceVersion } } as KObject;
      send(type, this.api.external(def, last));
    } else send(type, this.api.external(def, ev.object));
  }

  // ---- hooks -------------------------------------------------------------------------------------------

  dropWatches(resource?: string): number {
    let n = 0;
    for (const w of [...this.watches]) {
      if (resource && w.resource !== resource) continue;
      w.close();
      n++;
    }
    return n;
  }

  closeWatches(resource?: string): number {
    let n = 0;
    for (const w of [...this.watches]) {
      if (resource && w.resource !== resource) continue;
      w.end();
      n++;
    }
    return n;
  }

  stallWatches(resource?: string): () => void {
    const stall = { resource: resource ?? '', held: new Set([...this.watches].filter((w) => !resource || w.resource === resource)) };
    for (const w of stall.held) w.stalled = true;
    this.stalls.add(stall);
    return () => {
      if (!this.stalls.delete(stall)) return;
      for (const w of stall.held) {
        // Still held by another active stall: that one releases it.
        if ([...this.stalls].some((o) => o.held.has(w))) continue;
        w.stalled = false;
        if (w.res.destroyed || w.res.writableEnded) continue;
        for (const line of w.buffer.splice(0)) w.res.write(line);
        // Its timeout passed while it was held: the server ends it now, after what it owed.
        if (w.finished) w.res.end();
      }
    };
  }
}

/** The Status a failNext rule answers with. */
function injectedFault(fault: FaultRule): ApiError {
  if (fault.code === 429) return tooManyRequests(fault.retryAfterSeconds ?? 1);
  const retry = fault.retryAfterSeconds;
  const [reason, message] =
    fault.code === 503 ? ['ServiceUnavailable', 'the server is currently unable to handle the request'] : fault.code === 410 ? ['Expired', 'too old resource version (injected fault)'] : ['InternalError', 'Internal error occurred: injected fault'];
  return new ApiError({ message, reason, details: retry !== undefined ? { retryAfterSeconds: retry } : {}, code: fault.code }, retry !== undefined ? { 'Retry-After': String(retry) } : {});
}

function parseBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  return v === 'true' || v === '1';
}

function listOpts(q: Record<string, string>) {
  const limit = q.limit !== undefined ? Number(q.limit) : undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw badRequest(`invalid limit: ${q.limit}`);
  return { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector, limit, continue: q.continue, resourceVersion: q.resourceVersion, resourceVersionMatch: q.resourceVersionMatch };
}

function deleteOpts(q: Record<string, string>, body: string): DeleteOptions {
  let o: DeleteOptions = {};
  if (body.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      throw badRequest(`error decoding DeleteOptions: ${(err as Error).message}`);
    }
    if (isObject(parsed)) o = parsed as DeleteOptions;
  }
  if (q.gracePeriodSeconds !== undefined) o.gracePeriodSeconds = Number(q.gracePeriodSeconds);
  if (q.propagationPolicy !== undefined) o.propagationPolicy = q.propagationPolicy;
  if (q.orphanDependents !== undefined) o.orphanDependents = q.orphanDependents === 'true';
  if (o.gracePeriodSeconds !== undefined && !Number.isInteger(o.gracePeriodSeconds)) throw badRequest(`invalid gracePeriodSeconds`);
  if (o.orphanDependents !== undefined && o.propagationPolicy !== undefined) {
    throw invalidError({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [invalid('propagationPolicy', o.propagationPolicy, 'orphanDependents and deletionPropagation cannot be both set')]);
  }
  return o;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
