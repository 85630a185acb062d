// One open RecordIO event stream (a scheduler subscription or an operator SUBSCRIBE): writes records to the
// chunked HTTP response, honours the emulator's stream faults (partition = keep TCP open and send nothing,
// injected drops/delays, chunk splitting), records each event in the history, and reports when the client
// closed the connection.
import type { ServerResponse } from 'node:http';
import { encodeRecord } from '../../mesos/recordio.js';
import type { Event } from '../../mesos/types.js';
import type { Clock, TimerHandle } from './clock.js';
import type { History } from './history.js';

export type ChunkMode = 'record' | 'split' | 'coalesce';

export interface EventFaultRule {
  /** Match on event type and/or framework id; all given fields must match. */
  type?: string;
  frameworkId?: string;
  /** Only UPDATE events for this task id. */
  taskId?: string;
  /** 'drop' = never delivered; 'delay' = held for `delayMs` (later events wait behind it: order is kept). */
  action: 'drop' | 'delay';
  delayMs?: number;
  /** How many matching events the rule applies to (default: unlimited). */
  times?: number;
}

export interface StreamEnv {
  clock: Clock;
  history: History;
  masterIndex: number;
  masterId: string;
  chunkMode(): ChunkMode;
  eventRule(frameworkId: string, ev: Event): EventFaultRule | undefined;
}

let nextStreamSerial = 0;

export class EventStream {
  readonly serial = ++nextStreamSerial;
  closed = false;
  /** Partitioned: the TCP stream stays open but nothing is written. */
  silenced = false;
  /** Paused with the whole master: events queue until resumed. */
  private held = false;
  private queue: Array<{ buf: Buffer; releaseAt: number }> = [];
  private releaseTimer: TimerHandle | undefined;
  private readonly closeHandlers: Array<() => void> = [];
  frameworkId = '';

  constructor(
    readonly res: ServerResponse,
    readonly streamId: string,
    readonly connectionId: number,
    private readonly env: StreamEnv,
    readonly kind: 'scheduler' | 'operator',
  ) {
    const onGone = (): void => this.markClosed();
    res.on('close', onGone);
    res.socket?.on('close', onGone);
  }

  onClose(fn: () => void): void {
    if (this.closed) queueMicrotask(fn);
    else this.closeHandlers.push(fn);
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.env.clock.clearTimeout(this.releaseTimer);
    for (const fn of this.closeHandlers.splice(0)) fn();
  }

  /** Sends one event; returns false when it was not written (closed, partitioned, dropped by a fault). */
  send(ev: Event): boolean {
    const rec = this.kind === 'scheduler' ? this.recordBase(ev) : undefined;
    if (this.closed) {
      if (rec) this.env.history.addEvent({ ...rec, dropped: 'closed' });
      return false;
    }
    if (this.silenced) {
      if (rec) this.env.history.addEvent({ ...rec, dropped: 'partitioned' });
      return false;
    }
    const rule = this.kind === 'scheduler' ? this.env.eventRule(this.frameworkId, ev) : undefined;
    if (rule?.action === 'drop') {
      if (rec) this.env.history.addEvent({ ...rec, dropped: 'fault' });
      return false;
    }
    if (rec) this.env.history.addEvent(rec);
    const buf = encodeRecord(JSON.stringify(ev));
    const releaseAt = rule?.action === 'delay' ? this.env.clock.now() + (rule.delayMs ?? 0) : 0;
    if (this.queue.length > 0 || this.held || releaseAt > this.env.clock.now()) {
      this.queue.push({ buf, releaseAt });
      this.pump();
    } else {
      this.write(buf);
    }
    return true;
  }

  /** Writes pre-encoded bytes (benchmarks) through the same write path as `send`, so a benchmark's floor is
   * never slower than the events it is compared with. Returns the `write()` result for backpressure. */
  writeRaw(buf: Buffer): boolean {
    if (this.closed || this.silenced) return true;
    return this.write(buf);
  }

  /** Returns the last `write()` result (false: wait for 'drain'). */
  private write(buf: Buffer): boolean {
    const mode = this.env.chunkMode();
    if (mode === 'split' && buf.length > 2) {
      // Split inside the length prefix and inside the payload, each piece its own HTTP chunk.
      const a = 1;
      const b = Math.max(a + 1, Math.floor(buf.length / 2));
      this.res.write(buf.subarray(0, a));
      this.res.write(buf.subarray(a, b));
      return this.res.write(buf.subarray(b));
    } else if (mode === 'coalesce') {
      this.res.cork();
      const ok = this.res.write(buf);
      process.nextTick(() => this.res.uncork());
      return ok;
    } else {
      // Every record stays its own HTTP chunk; records written in one tick leave in one writev (a burst of
      // reconciliation answers is one syscall, not one per event, as libprocess batches its socket writes).
      // The socket is corked, not the response: a corked ServerResponse merges the chunks into one and (Node
      // 24) never emits 'drain' for writes it buffered that way.
      const sock = this.res.socket;
      if (!this.corked && sock) {
        this.corked = sock;
        sock.cork();
        process.nextTick(() => this.flush());
      }
      return this.res.write(buf);
    }
  }

  private corked: import('node:net').Socket | undefined;

  private flush(): void {
    const sock = this.corked;
    if (!sock) return;
    this.corked = undefined;
    sock.uncork();
  }

  private pump(): void {
    if (this.held || this.closed) return;
    const now = this.env.clock.now();
    while (this.queue.length > 0 && this.queue[0]!.releaseAt <= now) this.write(this.queue.shift()!.buf);
    this.env.clock.clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
    const head = this.queue[0];
    if (head) this.releaseTimer = this.env.clock.setTimeout(() => this.pump(), head.releaseAt - now);
  }

  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    this.pump();
  }

  /** A partitioned stream reaches nobody: when the master ends it (failover to a new subscriber, teardown, a
   * master crash) it is closed on the master's side only, and the client learns it from its heartbeat watchdog
   * (reference §1.9), not from a clean end it could never have received. */
  private closedUnseen(): boolean {
    if (!this.silenced) return false;
    this.queue.length = 0;
    this.markClosed();
    return true;
  }

  /** Ends the response cleanly (chunked terminator). */
  end(): void {
    if (this.closed || this.closedUnseen()) return;
    // Deliver whatever is queued first: an ERROR written just before closing must reach the client.
    for (const q of this.queue.splice(0)) this.res.write(q.buf);
    this.flush();
    this.res.end();
    this.markClosed();
  }

  /** Drops the TCP connection without a clean end. */
  destroy(): void {
    if (this.closed || this.closedUnseen()) return;
    this.flush();
    this.res.socket?.destroy();
    this.res.destroy();
    this.markClosed();
  }

  private recordBase(ev: Event): Parameters<History['addEvent']>[0] {
    const r: Parameters<History['addEvent']>[0] = {
      time: this.env.clock.now(),
      master: this.env.masterIndex,
      masterId: this.env.masterId,
      frameworkId: this.frameworkId,
      streamId: this.streamId,
      connectionId: this.connectionId,
      type: ev.type,
    };
    if (ev.update) {
      r.taskId = ev.update.status.task_id.value;
      r.state = ev.update.status.state;
      if (ev.update.status.uuid) r.uuid = ev.update.status.uuid;
      if (ev.update.status.reason) r.reason = ev.update.status.reason;
    } else if (ev.offers) r.offerIds = ev.offers.offers.map((o) => o.id.value);
    else if (ev.rescind) r.offerIds = [ev.rescind.offer_id.value];
    else if (ev.error) r.message = ev.error.message;
    return r;
  }
}
