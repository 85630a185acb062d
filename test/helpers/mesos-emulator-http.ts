// Raw HTTP helpers for the Mesos emulator conformance suite: POST a call, open a SUBSCRIBE stream and decode its
// RecordIO events (buffering across chunks), all with node:http and no client library.
import http from 'node:http';
import { RecordIODecoder } from '../../src/mesos/recordio.js';
import type { Call, Event, FrameworkInfo } from '../../src/mesos/types.js';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(url: string, opts: { method?: string; body?: string; headers?: Record<string, string | undefined> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = v;
    const req = http.request(url, { method: opts.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

/** POST a scheduler call (JSON) to `<base>/api/v1/scheduler`. */
export function call(base: string, c: Call | Record<string, unknown>, streamId?: string, extra: Record<string, string | undefined> = {}): Promise<RawResponse> {
  return request(`${base}/api/v1/scheduler`, { body: JSON.stringify(c), headers: { ...JSON_HEADERS, ...(streamId ? { 'Mesos-Stream-Id': streamId } : {}), ...extra } });
}

export function operatorCall(base: string, type: string, extra: Record<string, unknown> = {}): Promise<RawResponse> {
  return request(`${base}/api/v1`, { body: JSON.stringify({ type, ...extra }), headers: JSON_HEADERS });
}

export class EventReader {
  readonly events: Event[] = [];
  readonly chunks: Buffer[] = [];
  ended = false;
  error: Error | undefined;
  private waiters: Array<() => void> = [];
  private readonly decoder = new RecordIODecoder();

  constructor(
    readonly res: http.IncomingMessage,
    private readonly req: http.ClientRequest,
  ) {
    res.on('data', (c: Buffer) => {
      this.chunks.push(c);
      try {
        for (const rec of this.decoder.push(c)) this.events.push(JSON.parse(rec.toString('utf8')) as Event);
      } catch (err) {
        this.error = err as Error;
      }
      this.wake();
    });
    const end = (): void => {
      this.ended = true;
      this.wake();
    };
    res.on('end', end);
    res.on('close', end);
    res.on('error', end);
  }

  get status(): number {
    return this.res.statusCode ?? 0;
  }

  get streamId(): string {
    return String(this.res.headers['mesos-stream-id'] ?? '');
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits (real time, bounded) until `pred` holds over the events so far. */
  async until(what: string, pred: (events: Event[]) => boolean, timeoutMs = 10_000): Promise<Event[]> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.events)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events so far: ${this.events.map((e) => e.type).join(',')}${this.ended ? ' (stream ended)' : ''}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.events;
  }

  async waitEnded(timeoutMs = 10_000): Promise<void> {
    await this.until('the stream to end', () => this.ended, timeoutMs);
  }

  /** Events of a type (optionally after index `from`). */
  ofType(type: string, from = 0): Event[] {
    return this.events.slice(from).filter((e) => e.type === type);
  }

  close(): void {
    this.req.destroy();
    this.res.destroy();
  }
}

/** Opens a SUBSCRIBE stream. Resolves once the response headers arrived. */
export function openStream(base: string, c: Call | Record<string, unknown>, headers: Record<string, string | undefined> = JSON_HEADERS, path = '/api/v1/scheduler'): Promise<EventReader> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (v !== undefined) h[k] = v;
    const req = http.request(`${base}${path}`, { method: 'POST', headers: h, agent: false }, (res) => resolve(new EventReader(res, req)));
    req.on('error', reject);
    req.end(JSON.stringify(c));
  });
}

export function frameworkInfo(over: Partial<FrameworkInfo> = {}): FrameworkInfo {
  return {
    user: 'root',
    name: 'conformance',
    failover_timeout: 3600,
    checkpoint: true,
    roles: ['*'],
    capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }],
    ...over,
  };
}

export function subscribeCall(info: FrameworkInfo, extra: Record<string, unknown> = {}): Call {
  const c: Call = { type: 'SUBSCRIBE', subscribe: { framework_info: info, ...extra } };
  if (info.id) c.framework_id = info.id;
  return c;
}

/** Subscribes and waits for SUBSCRIBED; returns the reader and the framework id. */
export async function subscribe(base: string, info: FrameworkInfo = frameworkInfo(), extra: Record<string, unknown> = {}): Promise<{ reader: EventReader; frameworkId: string; streamId: string }> {
  const reader = await openStream(base, subscribeCall(info, extra));
  if (reader.status !== 200) throw new Error(`SUBSCRIBE answered ${reader.status}`);
  await reader.until('SUBSCRIBED', (e) => e.length > 0);
  const first = reader.events[0]!;
  if (first.type !== 'SUBSCRIBED') throw new Error(`first event was ${JSON.stringify(first)}`);
  return { reader, frameworkId: first.subscribed!.framework_id.value, streamId: reader.streamId };
}
