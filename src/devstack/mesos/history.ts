// The recorded history of a MesosCluster: every scheduler call (accepted or not) and every event the masters
// sent, with the stream / connection each belongs to, so tests can check invariants such as "no two schedulers
// acted for one framework at once".

export interface CallRecord {
  kind: 'call';
  seq: number;
  /** Clock time (ms) when the response status was decided. */
  time: number;
  /** Index of the master that answered (0-based) and its MasterInfo.id. */
  master: number;
  masterId: string;
  /** `framework_id` of the call (for SUBSCRIBE: `framework_info.id`, or the id assigned on success). */
  frameworkId?: string;
  /** The `Mesos-Stream-Id` header sent with the request, if any. */
  streamId?: string;
  /** For a successful SUBSCRIBE: the new stream id it opened. */
  newStreamId?: string;
  /** Id of the TCP connection the request came on (unique across the cluster). */
  connectionId: number;
  /** Call type, or '' when the body could not be parsed. */
  callType: string;
  status: number;
  /** Error message or short note ("ERROR: Framework has been removed", "202", ...). */
  detail: string;
  /** ACCEPT: the task ids its LAUNCH operations carry; KILL: the task id. */
  taskIds?: string[];
}

export interface EventRecord {
  kind: 'event';
  seq: number;
  time: number;
  master: number;
  masterId: string;
  frameworkId: string;
  /** Stream id of the subscription the event was written to. */
  streamId: string;
  connectionId: number;
  type: string;
  taskId?: string;
  state?: string;
  uuid?: string;
  reason?: string;
  offerIds?: string[];
  message?: string;
  /** Not delivered: 'closed' stream, 'partitioned' stream, or 'fault' (an injected drop). */
  dropped?: 'closed' | 'partitioned' | 'fault';
}

export type HistoryRecord = CallRecord | EventRecord;

export interface HistoryOptions {
  /** Record events at all (default true). Calls are always recorded. */
  recordEvents?: boolean;
  /** Keep at most this many event records (oldest dropped first). Default 200,000. */
  maxEvents?: number;
  /** Keep at most this many call records. Default 200,000. */
  maxCalls?: number;
}

export class History {
  private seq = 0;
  private callList: CallRecord[] = [];
  private eventList: EventRecord[] = [];
  recordEvents: boolean;
  maxEvents: number;
  maxCalls: number;

  constructor(opts: HistoryOptions = {}) {
    this.recordEvents = opts.recordEvents ?? true;
    this.maxEvents = opts.maxEvents ?? 200_000;
    this.maxCalls = opts.maxCalls ?? 200_000;
  }

  addCall(r: Omit<CallRecord, 'kind' | 'seq'>): CallRecord {
    const rec: CallRecord = { kind: 'call', seq: ++this.seq, ...r };
    this.callList.push(rec);
    if (this.callList.length > this.maxCalls) this.callList.splice(0, this.callList.length - this.maxCalls);
    return rec;
  }

  addEvent(r: Omit<EventRecord, 'kind' | 'seq'>): void {
    if (!this.recordEvents) return;
    this.eventList.push({ kind: 'event', seq: ++this.seq, ...r });
    if (this.eventList.length > this.maxEvents * 1.25) this.eventList.splice(0, this.eventList.length - this.maxEvents);
  }

  get calls(): readonly CallRecord[] {
    return this.callList;
  }

  get events(): readonly EventRecord[] {
    return this.eventList.length > this.maxEvents ? this.eventList.slice(-this.maxEvents) : this.eventList;
  }

  /** Calls matching every given field. */
  findCalls(q: Partial<Pick<CallRecord, 'frameworkId' | 'callType' | 'status' | 'master' | 'streamId' | 'connectionId'>> = {}): CallRecord[] {
    return this.callList.filter((c) => matches(c, q));
  }

  /** Events matching every given field (e.g. `{frameworkId, type: 'UPDATE', taskId}`). */
  findEvents(q: Partial<Pick<EventRecord, 'frameworkId' | 'type' | 'taskId' | 'state' | 'streamId' | 'master'>> & { delivered?: boolean } = {}): EventRecord[] {
    const { delivered, ...rest } = q;
    return this.events.filter((e) => matches(e, rest) && (delivered === undefined || delivered === !e.dropped));
  }

  /** Everything in sequence order. */
  all(): HistoryRecord[] {
    return [...this.callList, ...this.events].sort((a, b) => a.seq - b.seq);
  }

  clear(): void {
    this.callList = [];
    this.eventList = [];
  }
}

function matches(rec: object, q: object): boolean {
  for (const [k, v] of Object.entries(q)) if (v !== undefined && (rec as Record<string, unknown>)[k] !== v) return false;
  return true;
}
