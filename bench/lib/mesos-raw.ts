// A raw v1 scheduler-API framework for benchmark floors: one streaming SUBSCRIBE (RecordIO → JSON events handed to
// a callback) and calls on a kept-alive connection pool with the stream id. No retries, no bookkeeping beyond what
// the caller does: the cheapest correct client, so a floor measures the master (emulator) and little else.
import http from 'node:http';
import { subscribeCall, type FrameworkSettings } from '../../src/mesos/calls.js';
import { RecordIODecoder } from '../../src/mesos/recordio.js';
import type { Event } from '../../src/mesos/types.js';

export class RawFramework {
  private readonly agent: http.Agent;
  private sub: http.ClientRequest | undefined;
  streamId = '';
  frameworkId = '';
  /** When SUBSCRIBED was parsed (ms, performance.timeOrigin + performance.now()). */
  subscribedAt = 0;
  private closed = false;

  constructor(
    private readonly leaderUrl: string,
    /** Concurrent call connections (ACCEPTs and ACKNOWLEDGEs in flight at once). */
    maxSockets = 8,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /** Subscribes; resolves once SUBSCRIBED is read (later events go to `onEvent`). */
  subscribe(settings: FrameworkSettings, onEvent: (e: Event) => void, onEnd: (why: string) => void = () => undefined, suppressedRoles?: string[]): Promise<Event> {
    return new Promise<Event>((resolve, reject) => {
      const decoder = new RecordIODecoder();
      let subscribed = false;
      const req = http.request(`${this.leaderUrl}/api/v1/scheduler`, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', Accept: 'application/json' } }, (res) => {
        if (res.statusCode !== 200) {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => reject(new Error(`SUBSCRIBE answered ${res.statusCode}: ${body}`)));
          return;
        }
        this.streamId = String(res.headers['mesos-stream-id'] ?? '');
        res.on('data', (c: Buffer) => {
          for (const rec of decoder.push(c)) {
            const e = JSON.parse(rec.toString('utf8')) as Event;
            if (!subscribed && e.type === 'SUBSCRIBED') {
              subscribed = true;
              this.subscribedAt = performance.timeOrigin + performance.now();
              this.frameworkId = e.subscribed!.framework_id.value;
              resolve(e);
              continue;
            }
            if (e.type === 'ERROR' && !subscribed) reject(new Error(`SUBSCRIBE failed: ${e.error?.message}`));
            onEvent(e);
          }
        });
        res.on('end', () => {
          if (!this.closed) onEnd('the subscription stream ended');
        });
        res.on('error', () => undefined);
      });
      req.on('error', (err) => {
        if (!subscribed) reject(err);
        else if (!this.closed) onEnd(`subscription: ${err.message}`);
      });
      req.end(JSON.stringify(subscribeCall(settings, undefined, suppressedRoles)));
      this.sub = req;
    });
  }

  /** One call; resolves with the HTTP status (202 for most calls). */
  call(body: unknown): Promise<number> {
    const payload = JSON.stringify(body);
    return new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${this.leaderUrl}/api/v1/scheduler`,
        { method: 'POST', agent: this.agent, headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Mesos-Stream-Id': this.streamId, 'Content-Length': Buffer.byteLength(payload) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.closed = true;
    this.sub?.destroy();
    this.agent.destroy();
  }
}
