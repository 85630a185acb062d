// Leading-master detection over HTTP for `host:port`, `http(s)://host:port` and comma lists
// (shared/reference/mesos-scheduler-api.md §3.3): ask each candidate in turn for `GET /redirect`, which every
// master answers with 307 to the leader's `//host:port` (the leader included), or 503 when it knows no leader.
// A refused connection, a timeout or any other answer moves on to the next candidate. Detection re-runs when a
// user reports a failure, every `refreshIntervalMs`, and with backoff while no leader is known.
import { silentLogger, type Logger } from '../util/log.js';
import { Backoff } from '../util/backoff.js';
import { sleep } from '../util/time.js';
import { DetectorBase, type CreateDetectorOptions, type DetectedMaster } from './detector-base.js';
import { basicAuthHeader, baseUrlOf, drain, HttpRequestError, resolveLocation, startRequest } from './http.js';

export type ProbeResult =
  | { kind: 'leader'; url: string }
  | { kind: 'no-leader'; detail: string }
  | { kind: 'unreachable'; detail: string }
  | { kind: 'unexpected'; detail: string };

export class HttpMasterDetector extends DetectorBase {
  private readonly log: Logger;
  private readonly candidates: string[];
  private started = false;
  private readonly stopCtl = new AbortController();
  private wake: AbortController | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(
    urls: string[],
    private readonly opts: CreateDetectorOptions = {},
  ) {
    super();
    if (urls.length === 0) throw new Error('HttpMasterDetector needs at least one candidate master URL');
    this.candidates = urls.map((u) => u.replace(/\/+$/, ''));
    this.log = (opts.logger ?? silentLogger).child({ component: 'http-detector', candidates: this.candidates });
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.loopDone = this.loop();
  }

  reportFailure(url: string, reason: string): void {
    if (this.stopped) return;
    this.log.debug({ url, reason }, 'master failure reported; re-detecting');
    this.dirty = true;
    this.wake?.abort();
  }

  protected async close(): Promise<void> {
    this.stopCtl.abort();
    this.wake?.abort();
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    const backoff = new Backoff({ initialMs: 250, maxMs: 5000 });
    const refresh = this.opts.refreshIntervalMs ?? 30_000;
    while (!this.stopped) {
      this.dirty = false;
      const found = await this.detectOnce();
      if (this.stopped) return;
      this.setLeader(found);
      if (this.dirty) continue; // a failure was reported while we probed: look again at once
      this.wake = new AbortController();
      const signal = AbortSignal.any([this.wake.signal, this.stopCtl.signal]);
      if (found) {
        backoff.reset();
        if (refresh > 0) await sleep(refresh, signal);
        else await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
      } else {
        await sleep(backoff.next(), signal);
      }
    }
  }

  /** Asks the candidates in turn; the first that names a leader wins. */
  async detectOnce(): Promise<DetectedMaster | undefined> {
    const problems: string[] = [];
    let broken = false;
    for (const c of this.candidates) {
      if (this.stopped) return undefined;
      const r = await this.probe(c);
      if (r.kind === 'leader') return { url: r.url };
      problems.push(`${c}: ${r.detail}`);
      broken ||= r.kind !== 'no-leader';
    }
    // Masters answering 503 are electing (a normal moment of a master failover); unreachable ones, TLS failures
    // and strange answers are worth a warning.
    const problem = problems.join('; ');
    if (broken) this.warn(`cannot find the leading Mesos master: ${problem}`);
    this.noteProblem(problem);
    return undefined;
  }

  async probe(candidate: string): Promise<ProbeResult> {
    const url = new URL(`${candidate}/redirect`);
    const headers: Record<string, string> = {};
    if (this.opts.credentials) headers.Authorization = basicAuthHeader(this.opts.credentials);
    try {
      const { res } = await startRequest({
        method: 'GET',
        url,
        headers,
        agent: false,
        headersTimeoutMs: this.opts.probeTimeoutMs ?? 5000,
        signal: this.stopCtl.signal,
        ...(this.opts.tls ? { tls: this.opts.tls } : {}),
      });
      drain(res);
      const status = res.statusCode ?? 0;
      if (status === 307 || status === 302 || status === 301 || status === 308) {
        const loc = res.headers.location;
        if (!loc) return { kind: 'unexpected', detail: `${status} without Location` };
        return { kind: 'leader', url: baseUrlOf(resolveLocation(loc, url)) };
      }
      if (status === 503) return { kind: 'no-leader', detail: '503 (no leader elected, or not recovered)' };
      return { kind: 'unexpected', detail: `answered ${status} to GET /redirect` };
    } catch (err) {
      const e = err as HttpRequestError;
      // The cause says what a code alone does not (which TLS check failed); the candidate is named already.
      const cause = (e.cause as Error | undefined)?.message;
      return { kind: 'unreachable', detail: e.code ? (cause && !cause.includes(e.code) ? `${e.code} (${cause})` : cause ?? e.code) : e.message };
    }
  }
}
