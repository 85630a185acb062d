// The HTTP surface of one emulated master: `POST /api/v1/scheduler` with the exact check order and status codes
// of `Master::Http::scheduler` (reference §1.6), the operator API `POST /api/v1`, the legacy read-only JSON
// endpoints, `/redirect`, HTTP basic authentication, and the injected call faults.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Call } from '../../mesos/types.js';
import { parseCallBody, parseMasterCallBody, validateCall } from './call-parse.js';
import type { History } from './history.js';
import type { Master } from './master.js';
import { EventStream } from './stream.js';
import { masterFrameworksJson, masterStateJson, masterTasksJson } from './state-json.js';

export const APPLICATION_JSON = 'application/json';
export const APPLICATION_PROTOBUF = 'application/x-protobuf';

export interface Credential {
  principal: string;
  secret: string;
}

export interface CallFaultRule {
  /** Which requests: scheduler call type (e.g. 'ACCEPT', 'SUBSCRIBE'), framework id, master index. */
  callType?: string;
  frameworkId?: string;
  master?: number;
  /**
   * 'fail'  — answer `status` (default 503) with `body` without processing the call;
   * 'drop'  — destroy the connection without an answer, call not processed;
   * 'delay' — wait `delayMs` of clock time, then process normally;
   * 'delay-response' — process at once, hold the response for `delayMs`.
   */
  action: 'fail' | 'drop' | 'delay' | 'delay-response';
  status?: number;
  body?: string;
  delayMs?: number;
  /** Number of matching requests the rule applies to (default unlimited). */
  times?: number;
}

export interface HttpEnv {
  history: History;
  credentials(): Credential[] | undefined;
  authenticateOperator(): boolean;
  nextConnectionId(): number;
  callRule(m: Master, callType: string, frameworkId: string | undefined): CallFaultRule | undefined;
  flags(): Record<string, string>;
  /** Protocol-relative base of the leader as this master knows it, or undefined. */
  leaderBase(m: Master): string | undefined;
}

const connIds = new WeakMap<Socket, number>();

function text(res: ServerResponse, status: number, body = '', headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const h: Record<string, string> = { ...headers };
  if (body) h['Content-Type'] = 'text/plain; charset=utf-8';
  h['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(status, h);
  res.end(body);
}

function json(res: ServerResponse, status: number, obj: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'Content-Type': APPLICATION_JSON, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** libprocess `Request::acceptsMediaType`: a missing Accept accepts everything; the most specific matching
 * media range decides, and q=0 refuses. */
export function acceptsMediaType(accept: string | undefined, mediaType: string): boolean {
  if (accept === undefined) return true;
  const [type, sub] = mediaType.split('/');
  let best = -1;
  let bestQ = 0;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().split(';').map((x) => x.trim());
    if (!range) continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=').map((x) => x.trim());
      if (k === 'q' && v !== undefined) q = Number(v);
    }
    const [rt, rs] = range.toLowerCase().split('/');
    const sp = rt === type && rs === sub ? 2 : rt === type && rs === '*' ? 1 : rt === '*' && rs === '*' ? 0 : -1;
    if (sp > best) {
      best = sp;
      bestQ = q;
    }
  }
  return best >= 0 && bestQ > 0;
}

function principalOf(req: IncomingMessage, creds: Credential[]): string | undefined | null {
  const h = req.headers.authorization;
  if (!h || !h.startsWith('Basic ')) return null;
  const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return null;
  const principal = decoded.slice(0, i);
  const secret = decoded.slice(i + 1);
  return creds.some((c) => c.principal === principal && c.secret === secret) ? principal : null;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A master's TLS (libprocess SSL): its certificate and key; `ca` + `requestCert` require client certificates
 * signed by that CA (LIBPROCESS_SSL_REQUIRE_CERT). */
export interface MasterTls {
  cert: string | Buffer;
  key: string | Buffer;
  ca?: string | Buffer;
  requestCert?: boolean;
}

export function createMasterServer(m: Master, env: HttpEnv, tls?: MasterTls): http.Server {
  const opts = { keepAlive: true, requestTimeout: 0, headersTimeout: 60_000 };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void handle(m, env, req, res).catch((err: unknown) => {
      text(res, 500, String((err as Error)?.stack ?? err));
    });
  };
  const server: http.Server = tls
    ? https.createServer({ ...opts, cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca } : {}), requestCert: !!tls.requestCert, rejectUnauthorized: !!tls.requestCert }, handler)
    : http.createServer(opts, handler);
  server.keepAliveTimeout = 75_000;
  // Requests carry the TLS socket, not the TCP one under it.
  server.on(tls ? 'secureConnection' : 'connection', (sock: Socket) => {
    connIds.set(sock, env.nextConnectionId());
    sock.setNoDelay(true);
  });
  return server;
}

async function handle(m: Master, env: HttpEnv, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  if (m.paused) await new Promise<void>((resolve) => m.pausedWork.push(resolve));
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname;
  const connectionId = connIds.get(req.socket) ?? 0;

  const isScheduler = path === '/api/v1/scheduler' || path === '/master/api/v1/scheduler';
  const isOperator = path === '/api/v1' || path === '/master/api/v1';

  // 401 comes from libprocess authentication, before any handler runs.
  const creds = env.credentials();
  let principal: string | undefined;
  if (creds && (isScheduler || (env.authenticateOperator() && !path.startsWith('/redirect') && !path.startsWith('/master/redirect')))) {
    const p = principalOf(req, creds);
    if (p === null) {
      const realm = isScheduler ? 'mesos-master-scheduler' : 'mesos-master-readonly';
      if (isScheduler) env.history.addCall({ time: m.clock.now(), master: m.index, masterId: m.info.id, connectionId, callType: peekType(peekCall(body)), frameworkId: peekFramework(peekCall(body)), streamId: header(req, 'mesos-stream-id'), status: 401, detail: 'Unauthorized' });
      text(res, 401, '', { 'WWW-Authenticate': `Basic realm="${realm}"` });
      return;
    }
    principal = p;
  }

  if (path === '/redirect' || path === '/master/redirect' || path.startsWith('/redirect/') || path.startsWith('/master/redirect/')) {
    redirect(m, env, req, res, path, url);
    return;
  }
  if (isScheduler) return await scheduler(m, env, req, res, body, connectionId, principal, url);
  if (isOperator) return await operator(m, env, req, res, body, connectionId, url);
  if (['/master/state', '/state', '/master/state.json', '/state.json'].includes(path)) {
    if (!m.leading) return redirect(m, env, req, res, path, url);
    return json(res, 200, masterStateJson(m, env.flags()));
  }
  if (path === '/master/frameworks' || path === '/frameworks') {
    if (!m.leading) return redirect(m, env, req, res, path, url);
    return json(res, 200, masterFrameworksJson(m, url.searchParams.get('framework_id') ?? undefined));
  }
  if (path === '/master/tasks' || path === '/tasks' || path === '/master/tasks.json') {
    if (!m.leading) return redirect(m, env, req, res, path, url);
    return json(res, 200, masterTasksJson(m, url.searchParams));
  }
  if (path === '/master/health' || path === '/health') return text(res, 200);
  text(res, 404);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `Master::Http::redirect`. */
function redirect(m: Master, env: HttpEnv, req: IncomingMessage, res: ServerResponse, path: string, url: URL): void {
  const base = env.leaderBase(m);
  if (base === undefined) return text(res, 503, 'No leader elected');
  if (path === '/redirect' || path === '/master/redirect') return text(res, 307, '', { Location: base });
  if (path.startsWith('/redirect/') || path.startsWith('/master/redirect/')) return text(res, 404);
  void req;
  text(res, 307, '', { Location: base + path + url.search });
}

/** The body as JSON for the history (type, framework, task ids), parsed once per call; undefined when it is not
 * a JSON object — the handler's own conversion (step 5) reports that. */
function peekCall(body: string): Call | undefined {
  try {
    const c = JSON.parse(body) as unknown;
    return c !== null && typeof c === 'object' && !Array.isArray(c) ? (c as Call) : undefined;
  } catch {
    return undefined;
  }
}

function peekType(c: Call | undefined): string {
  const t = (c as { type?: unknown } | undefined)?.type;
  return typeof t === 'string' ? t : '';
}

/** Task ids a call names: launched by ACCEPT (LAUNCH operations), or killed by KILL — for invariant checkers. */
function peekTaskIds(c: Call | undefined): string[] | undefined {
  try {
    if (c?.type === 'ACCEPT') return (c.accept?.operations ?? []).flatMap((o) => (o.launch?.task_infos ?? []).map((t) => t.task_id?.value)).filter((x): x is string => typeof x === 'string');
    if (c?.type === 'KILL' && c.kill?.task_id?.value) return [c.kill.task_id.value];
  } catch {
    // not shaped like a call: no task ids
  }
  return undefined;
}

function peekFramework(c: Call | undefined): string | undefined {
  const id = c?.framework_id?.value ?? c?.subscribe?.framework_info?.id?.value;
  return typeof id === 'string' ? id : undefined;
}

async function scheduler(m: Master, env: HttpEnv, req: IncomingMessage, res: ServerResponse, body: string, connectionId: number, principal: string | undefined, url: URL): Promise<void> {
  const streamHeader = header(req, 'mesos-stream-id');
  const peeked = peekCall(body);
  let callType = peekType(peeked);
  let frameworkId = peekFramework(peeked);
  const taskIds = peekTaskIds(peeked);
  const record = (status: number, detail: string, extra: { newStreamId?: string; frameworkId?: string } = {}): void => {
    env.history.addCall({
      time: m.clock.now(),
      master: m.index,
      masterId: m.info.id,
      frameworkId: extra.frameworkId ?? frameworkId,
      streamId: streamHeader,
      connectionId,
      callType,
      status,
      detail,
      ...(extra.newStreamId ? { newStreamId: extra.newStreamId } : {}),
      ...(taskIds?.length ? { taskIds } : {}),
    });
  };
  const answer = (status: number, msg = '', headers: Record<string, string> = {}): void => {
    record(status, msg || String(status));
    text(res, status, msg, headers);
  };

  // Injected faults (emulator-only).
  const rule = env.callRule(m, callType, frameworkId);
  let delayResponseMs = 0;
  if (rule) {
    if (rule.action === 'drop') {
      record(0, 'dropped (fault)');
      req.socket.destroy();
      return;
    }
    if (rule.action === 'fail') return answer(rule.status ?? 503, rule.body ?? 'Injected failure');
    if (rule.action === 'delay') await new Promise<void>((r) => m.clock.setTimeout(r, rule.delayMs ?? 0));
    if (rule.action === 'delay-response') delayResponseMs = rule.delayMs ?? 0;
  }

  // 2. Leadership.
  if (!m.leading) {
    const base = env.leaderBase(m);
    if (base === undefined) return answer(503, 'No leader elected');
    record(307, `redirect to ${base}`);
    return text(res, 307, '', { Location: base + url.pathname + url.search });
  }
  // 3. Recovery.
  if (m.recovering) return answer(503, 'Master has not finished recovery');
  // 4. Method.
  if (req.method !== 'POST') return answer(405, `Expecting one of { 'POST' }, but received '${req.method}'`, { Allow: 'POST' });
  // 5. Content type and body.
  const ct = header(req, 'content-type');
  if (ct === undefined) return answer(400, "Expecting 'Content-Type' to be present");
  if (ct === APPLICATION_PROTOBUF) return answer(415, 'The emulator speaks JSON only: send Content-Type application/json');
  if (ct !== APPLICATION_JSON) return answer(415, `Expecting 'Content-Type' of ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}`);
  const parsed = parseCallBody(body, peeked);
  if (!parsed.ok) return answer(400, parsed.message);
  const call = parsed.call;
  callType = call.type ?? '';
  frameworkId = call.framework_id?.value ?? call.subscribe?.framework_info?.id?.value;
  // 6. Validation.
  const verr = validateCall(call, principal);
  if (verr) return answer(400, `Failed to validate scheduler::Call: ${verr}`);
  // 7. Accept (SUBSCRIBE / RECONCILE_OPERATIONS only).
  if (call.type === 'SUBSCRIBE' || call.type === 'RECONCILE_OPERATIONS') {
    const accept = header(req, 'accept');
    if (!acceptsMediaType(accept, APPLICATION_JSON) && !acceptsMediaType(accept, APPLICATION_PROTOBUF)) {
      return answer(406, `Expecting 'Accept' to allow '${APPLICATION_PROTOBUF}' or '${APPLICATION_JSON}'`);
    }
    if (!acceptsMediaType(accept, APPLICATION_JSON)) return answer(406, 'The emulator streams JSON only: accept application/json');
  }
  // 8. SUBSCRIBE.
  if (call.type === 'SUBSCRIBE') {
    if (streamHeader !== undefined) return answer(400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
    const sub = call.subscribe!;
    if (principal !== undefined && sub.framework_info.principal === undefined) sub.framework_info.principal = principal;
    const streamId = randomUUID();
    res.writeHead(200, { 'Content-Type': APPLICATION_JSON, 'Mesos-Stream-Id': streamId, 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    const stream = new EventStream(res, streamId, connectionId, m.streamEnv(), 'scheduler');
    stream.frameworkId = frameworkId ?? '';
    const r = m.subscribe(stream, sub);
    if (r.error) record(200, `ERROR: ${r.error}`, { newStreamId: streamId });
    else record(200, 'SUBSCRIBED', { newStreamId: streamId, frameworkId: r.frameworkId });
    return;
  }
  // 9. Framework lookup, principal, connected, stream id.
  const fw = m.st!.frameworks.get(call.framework_id!.value);
  if (!fw) return answer(400, 'Framework cannot be found');
  if (principal !== undefined && principal !== fw.info.principal) {
    return answer(400, `Authenticated principal '${principal}' does not match principal '${fw.info.principal ?? ''}' set in \`FrameworkInfo\``);
  }
  if (!fw.connected) return answer(403, 'Framework is not subscribed');
  if (streamHeader === undefined) return answer(400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
  if (streamHeader !== fw.stream?.streamId) {
    return answer(400, `The stream ID '${streamHeader}' included in this request didn't match the stream ID currently associated with framework ID ${fw.id}`);
  }
  // 10. Dispatch.
  const out = m.dispatch(fw, call);
  const finish = (): void => {
    record(out.status, out.body ?? String(out.status));
    text(res, out.status, out.body ?? '');
  };
  if (delayResponseMs > 0) m.clock.setTimeout(finish, delayResponseMs);
  else finish();
}

async function operator(m: Master, env: HttpEnv, req: IncomingMessage, res: ServerResponse, body: string, connectionId: number, url: URL): Promise<void> {
  if (!m.leading) return redirect(m, env, req, res, url.pathname, url);
  if (m.recovering) return text(res, 503, 'Master has not finished recovery');
  if (req.method !== 'POST') return text(res, 405, `Expecting one of { 'POST' }, but received '${req.method}'`, { Allow: 'POST' });
  const ct = header(req, 'content-type');
  if (ct === undefined) return text(res, 400, "Expecting 'Content-Type' to be present");
  if (ct === APPLICATION_PROTOBUF) return text(res, 415, 'The emulator speaks JSON only: send Content-Type application/json');
  if (ct !== APPLICATION_JSON) return text(res, 415, `Expecting 'Content-Type' of ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}`);
  const parsed = parseMasterCallBody(body);
  if (!parsed.ok) return text(res, 400, parsed.message);
  const accept = header(req, 'accept');
  if (!acceptsMediaType(accept, APPLICATION_JSON)) {
    if (acceptsMediaType(accept, APPLICATION_PROTOBUF)) return text(res, 406, 'The emulator answers JSON only: accept application/json');
    return text(res, 406, `Expecting 'Accept' to allow '${APPLICATION_PROTOBUF}' or '${APPLICATION_JSON}'`);
  }
  const c = parsed.call as Record<string, Record<string, { value?: string }> | undefined>;
  switch (parsed.type) {
    case 'GET_HEALTH':
      return json(res, 200, { type: 'GET_HEALTH', get_health: { healthy: true } });
    case 'GET_VERSION':
      return json(res, 200, { type: 'GET_VERSION', get_version: { version_info: { version: m.info.version } } });
    case 'GET_FLAGS':
      return json(res, 200, { type: 'GET_FLAGS', get_flags: { flags: Object.entries(env.flags()).map(([name, value]) => ({ name, value })) } });
    case 'GET_FRAMEWORKS':
      return json(res, 200, { type: 'GET_FRAMEWORKS', get_frameworks: m.getFrameworks() });
    case 'GET_TASKS':
      return json(res, 200, { type: 'GET_TASKS', get_tasks: m.getTasks() });
    case 'GET_EXECUTORS':
      return json(res, 200, { type: 'GET_EXECUTORS', get_executors: m.getExecutors() });
    case 'GET_AGENTS':
      return json(res, 200, { type: 'GET_AGENTS', get_agents: m.getAgents() });
    case 'GET_STATE':
      return json(res, 200, { type: 'GET_STATE', get_state: m.getState() });
    case 'GET_MASTER':
      return json(res, 200, { type: 'GET_MASTER', get_master: m.getMaster() });
    case 'TEARDOWN': {
      const id = c.teardown?.framework_id?.value;
      if (!id) return text(res, 400, "Failed to validate v1::master::Call: Expecting 'teardown' to be present");
      const fw = m.st!.frameworks.get(id);
      if (!fw) return text(res, 400, `No framework found with specified ID`);
      m.removeFramework(fw);
      return text(res, 200);
    }
    case 'MARK_AGENT_GONE': {
      const id = c.mark_agent_gone?.agent_id?.value;
      if (!id) return text(res, 400, "Failed to validate v1::master::Call: Expecting 'mark_agent_gone' to be present");
      const a = m.st!.agents.get(id);
      if (!a) return text(res, 404, `Agent '${id}' not found`);
      if (a.standing !== 'gone') m.markGone(a);
      return text(res, 200);
    }
    case 'SUBSCRIBE': {
      res.writeHead(200, { 'Content-Type': APPLICATION_JSON, 'Cache-Control': 'no-cache' });
      res.flushHeaders();
      const stream = new EventStream(res, randomUUID(), connectionId, m.streamEnv(), 'operator');
      m.operatorStreams.add(stream);
      stream.onClose(() => m.operatorStreams.delete(stream));
      stream.send({ type: 'SUBSCRIBED', subscribed: { get_state: m.getState(), heartbeat_interval_seconds: 15 } } as never);
      const beat = (): void => {
        if (stream.closed || !m.operatorStreams.has(stream)) return;
        stream.send({ type: 'HEARTBEAT' });
        m.clock.setTimeout(beat, 15_000);
      };
      m.clock.setTimeout(beat, 15_000); // the first operator heartbeat comes after 15 s
      return;
    }
    case 'UNKNOWN':
      return text(res, 501);
    default:
      return text(res, 501, `The emulator does not implement ${parsed.type}`);
  }
}
