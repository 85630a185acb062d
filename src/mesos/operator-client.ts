// Mesos v1 operator API client: POST /api/v1 {"type":"GET_FRAMEWORKS"} and friends
// (shared/reference/mesos-scheduler-api.md §4.1). Used by the operator to observe frameworks and tasks.
// Follows 307 (protocol-relative Location resolved against the scheme used), retries 503 / 404 / connection
// failures a few times within one overall deadline, basic auth, typed results.
//
//   const op = new MesosOperatorClient({ detector });           // or { url: 'http://m1:5050' }
//   const { frameworks, completed_frameworks } = await op.getFrameworks();
//   op.close();
import type http from 'node:http';
import { Backoff } from '../util/backoff.js';
import { silentLogger, type Logger } from '../util/log.js';
import { sleep } from '../util/time.js';
import type { MasterDetector } from './detector-base.js';
import { MesosOperatorError } from './errors.js';
import { basicAuthHeader, baseUrlOf, createAgent, HttpRequestError, request, resolveLocation, type Credentials, type TlsOptions } from './http.js';
import type { GetAgents, GetFrameworks, GetState, GetTasks, MasterCallType, MasterInfo, MasterResponse } from './types.js';

export const OPERATOR_API_PATH = '/api/v1';

export interface OperatorClientOptions {
  /** Where the leader is; or `url`, a fixed master to start from (307s are followed either way). */
  detector?: MasterDetector;
  url?: string;
  credentials?: Credentials;
  tls?: TlsOptions;
  /** Overall bound for one call, retries and redirects included (default 15 s). */
  timeoutMs?: number;
  /** Attempts on 503 / 404 / connection failure (default 3). */
  attempts?: number;
  maxRedirects?: number;
  logger?: Logger;
}

export interface GetMasterResult {
  master_info: MasterInfo;
  start_time?: number;
  elected_time?: number;
}

export class MesosOperatorClient {
  private readonly agents = new Map<string, http.Agent>();
  private readonly log: Logger;
  private readonly closeCtl = new AbortController();
  /** Base URL of the master that answered the last successful call — after any redirects, so it names the
   * leading master even before a polling detector has noticed a failover. */
  lastAnsweredBy: string | undefined;

  constructor(private readonly opts: OperatorClientOptions) {
    if (!opts.detector && !opts.url) throw new Error('MesosOperatorClient needs a detector or a url');
    this.log = (opts.logger ?? silentLogger).child({ component: 'mesos-operator-client' });
  }

  async getFrameworks(signal?: AbortSignal): Promise<GetFrameworks> {
    return (await this.call('GET_FRAMEWORKS', 'get_frameworks', signal)) as GetFrameworks;
  }
  async getTasks(signal?: AbortSignal): Promise<GetTasks> {
    return (await this.call('GET_TASKS', 'get_tasks', signal)) as GetTasks;
  }
  async getState(signal?: AbortSignal): Promise<GetState> {
    return (await this.call('GET_STATE', 'get_state', signal)) as GetState;
  }
  async getAgents(signal?: AbortSignal): Promise<GetAgents> {
    return (await this.call('GET_AGENTS', 'get_agents', signal)) as GetAgents;
  }
  async getMaster(signal?: AbortSignal): Promise<GetMasterResult> {
    return (await this.call('GET_MASTER', 'get_master', signal)) as GetMasterResult;
  }

  /** Closes idle keep-alive connections and aborts calls in flight. */
  close(): void {
    this.closeCtl.abort();
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  /** One operator call; resolves with the response's `member` object. */
  async call(type: MasterCallType, member: keyof MasterResponse, signal?: AbortSignal): Promise<unknown> {
    const timeoutMs = this.opts.timeoutMs ?? 15_000;
    const deadline = performance.now() + timeoutMs;
    const sig = AbortSignal.any([this.closeCtl.signal, ...(signal ? [signal] : [])]);
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000 });
    const attempts = this.opts.attempts ?? 3;
    let last: MesosOperatorError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const remaining = deadline - performance.now();
      if (remaining <= 0 || sig.aborted) break;
      const base = await this.startUrl(sig, remaining);
      try {
        return await this.once(type, member, base, deadline, sig);
      } catch (err) {
        if (!(err instanceof MesosOperatorError)) throw err;
        last = err;
        const retryable = err.reason === 'OperatorUnavailable' || err.reason === 'OperatorFailed';
        if (!retryable || sig.aborted) throw err;
        this.opts.detector?.reportFailure(base, err.message);
        if (attempt < attempts) await sleep(Math.min(backoff.next(), Math.max(0, deadline - performance.now())), sig);
      }
    }
    if (sig.aborted && !last) throw new MesosOperatorError('OperatorFailed', `${type} aborted`);
    throw last ?? new MesosOperatorError('OperatorTimeout', `${type} did not complete within ${timeoutMs} ms`);
  }

  private async startUrl(signal: AbortSignal, remainingMs: number): Promise<string> {
    if (this.opts.detector) {
      try {
        return (await this.opts.detector.waitForLeader(signal, remainingMs)).url;
      } catch (err) {
        throw new MesosOperatorError('NoLeader', `no leading Mesos master: ${(err as Error).message}`, undefined, { cause: err });
      }
    }
    return this.opts.url!.replace(/\/+$/, '');
  }

  private async once(type: MasterCallType, member: keyof MasterResponse, base: string, deadline: number, signal: AbortSignal): Promise<unknown> {
    let url = new URL(`${base}${OPERATOR_API_PATH}`);
    const maxRedirects = this.opts.maxRedirects ?? 5;
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (this.opts.credentials) headers.Authorization = basicAuthHeader(this.opts.credentials);
    for (let hop = 0; hop <= maxRedirects; hop++) {
      const remaining = Math.max(1, deadline - performance.now());
      let res;
      try {
        res = await request({
          method: 'POST',
          url,
          headers,
          body: JSON.stringify({ type }),
          agent: this.agentFor(url),
          timeoutMs: remaining,
          signal,
          ...(this.opts.tls ? { tls: this.opts.tls } : {}),
        });
      } catch (err) {
        const e = err as HttpRequestError;
        if (e instanceof HttpRequestError && e.kind === 'timeout') throw new MesosOperatorError('OperatorTimeout', `${type} to ${baseUrlOf(url)} timed out`, undefined, { cause: err });
        throw new MesosOperatorError('OperatorFailed', `${type} to ${baseUrlOf(url)} failed: ${e.message}`, undefined, { cause: err });
      }
      const s = res.status;
      if (s === 307 || s === 301 || s === 302 || s === 308) {
        const loc = res.headers.location;
        if (!loc) throw new MesosOperatorError('OperatorBadResponse', `${type}: ${s} from ${baseUrlOf(url)} without Location`, s);
        url = resolveLocation(loc, url);
        this.log.debug({ to: url.href }, 'operator call redirected');
        continue;
      }
      const text = res.body.toString('utf8');
      if (s === 503 || s === 404) throw new MesosOperatorError('OperatorUnavailable', `${type}: ${baseUrlOf(url)} answered ${s}: ${text.trim().slice(0, 300)}`, s);
      if (s !== 200) throw new MesosOperatorError('OperatorRejected', `${type}: ${baseUrlOf(url)} answered ${s}: ${text.trim().slice(0, 300)}${s === 401 ? ' (check the principal and secret)' : ''}`, s);
      let parsed: MasterResponse;
      try {
        parsed = JSON.parse(text) as MasterResponse;
      } catch (err) {
        throw new MesosOperatorError('OperatorBadResponse', `${type}: response from ${baseUrlOf(url)} is not JSON: ${(err as Error).message}`, s);
      }
      const value = parsed && typeof parsed === 'object' ? (parsed as unknown as Record<string, unknown>)[member] : undefined;
      if (parsed?.type !== type || typeof value !== 'object' || value === null) {
        throw new MesosOperatorError('OperatorBadResponse', `${type}: response from ${baseUrlOf(url)} has type ${JSON.stringify(parsed?.type)} and no "${member}" object`, s);
      }
      this.lastAnsweredBy = baseUrlOf(url);
      return value;
    }
    throw new MesosOperatorError('OperatorUnavailable', `${type}: more than ${maxRedirects} redirects (last ${url.href})`);
  }

  private agentFor(url: URL): http.Agent {
    let a = this.agents.get(url.protocol);
    if (!a) {
      a = createAgent(url.protocol === 'https:', true, 4, this.opts.tls);
      this.agents.set(url.protocol, a);
    }
    return a;
  }
}
