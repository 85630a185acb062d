// Records everything a SchedulerClient emits, for assertions.
import type { SchedulerClient, SubscribedInfo, DisconnectInfo, HeartbeatMissedInfo, CallResult } from '../../src/mesos/scheduler-client.js';
import type { MesosFatalError } from '../../src/mesos/errors.js';
import type { Event } from '../../src/mesos/types.js';

export interface Recorded {
  order: string[];
  subscribed: SubscribedInfo[];
  events: Event[];
  disconnected: DisconnectInfo[];
  missed: HeartbeatMissedInfo[];
  fatal: MesosFatalError[];
  calls: CallResult[];
}

export function record(client: SchedulerClient): Recorded {
  const r: Recorded = { order: [], subscribed: [], events: [], disconnected: [], missed: [], fatal: [], calls: [] };
  client.on('subscribed', (s) => {
    r.order.push('subscribed');
    r.subscribed.push(s);
  });
  client.on('event', (e) => {
    r.order.push(`event:${e.type}`);
    r.events.push(e);
  });
  client.on('disconnected', (d) => {
    r.order.push(`disconnected:${d.reason}`);
    r.disconnected.push(d);
  });
  client.on('heartbeatMissed', (h) => {
    r.order.push('heartbeatMissed');
    r.missed.push(h);
  });
  client.on('fatal', (f) => {
    r.order.push(`fatal:${f.reason}`);
    r.fatal.push(f);
  });
  client.on('call', (c) => r.calls.push(c));
  return r;
}
