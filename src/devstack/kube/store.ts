// The object store: one global, monotonically increasing resourceVersion (etcd's revision, as a decimal string),
// current objects per resource, and a bounded per-resource event window (the watch cache) that watches replay
// from. A watch or an exact-RV read older than a resource's window answers 410 Expired, as the real server does.
import type { KObject } from './meta.js';
import { clone } from './patch.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  rv: number;
  type: EventType;
  /** The object after the change (for DELETED: the last state, carrying the deletion's resourceVersion). */
  object: KObject;
  /** The object before the change (undefined for ADDED). */
  prev: KObject | undefined;
}

export type Listener = (ev: StoredEvent) => void;

interface Table {
  objects: Map<string, KObject>;
  events: StoredEvent[];
  /** Every change after this RV is still in `events`. */
  floor: number;
  listeners: Set<Listener>;
}

export const objKey = (ns: string | undefined, name: string): string => `${ns ?? ''}/${name}`;

export class Store {
  private revision = 1;
  private readonly tables = new Map<string, Table>();
  /** Any-resource listeners (controllers inside the emulator: GC, namespace lifecycle). */
  private readonly globalListeners = new Set<(resource: string, ev: StoredEvent) => void>();

  constructor(private windowSize: number) {}

  get currentRV(): number {
    return this.revision;
  }

  setWindowSize(n: number): void {
    this.windowSize = Math.max(1, n);
    for (const t of this.tables.values()) this.trim(t);
  }

  private table(resource: string): Table {
    let t = this.tables.get(resource);
    if (!t) {
      t = { objects: new Map(), events: [], floor: 0, listeners: new Set() };
      this.tables.set(resource, t);
    }
    return t;
  }

  get(resource: string, ns: string | undefined, name: string): KObject | undefined {
    return this.tables.get(resource)?.objects.get(objKey(ns, name));
  }

  /** Current objects of a resource (optionally one namespace), in key order (etcd key order). */
  list(resource: string, ns?: string): KObject[] {
    const t = this.tables.get(resource);
    if (!t) return [];
    const out: [string, KObject][] = [];
    for (const [k, o] of t.objects) if (ns === undefined || o.metadata.namespace === ns) out.push([k, o]);
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return out.map(([, o]) => o);
  }

  /** The state of a resource as it was at `rv`, rebuilt by undoing the window's later events; undefined when
   * `rv` is older than the window. */
  snapshotAt(resource: string, rv: number): Map<string, KObject> | undefined {
    const t = this.table(resource);
    if (rv < t.floor) return undefined;
    const snap = new Map(t.objects);
    for (let i = t.events.length - 1; i >= 0; i--) {
      const e = t.events[i]!;
      if (e.rv <= rv) break;
      const k = objKey(e.object.metadata.namespace, e.object.metadata.name!);
      if (e.type === 'ADDED') snap.delete(k);
      else snap.set(k, e.prev!);
    }
    return snap;
  }

  /** Stores a new or changed object: assigns the next resourceVersion and records the event. */
  put(resource: string, obj: KObject): KObject {
    const t = this.table(resource);
    const k = objKey(obj.metadata.namespace, obj.metadata.name!);
    const prev = t.objects.get(k);
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(++this.revision);
    t.objects.set(k, stored);
    this.record(resource, t, { rv: this.revision, type: prev ? 'MODIFIED' : 'ADDED', object: stored, prev });
    return stored;
  }

  remove(resource: string, obj: KObject): KObject | undefined {
    const t = this.table(resource);
    const k = objKey(obj.metadata.namespace, obj.metadata.name!);
    const prev = t.objects.get(k);
    if (!prev) return undefined;
    t.objects.delete(k);
    const last = clone(prev);
    last.metadata.resourceVersion = String(++this.revision);
    this.record(resource, t, { rv: this.revision, type: 'DELETED', object: last, prev });
    return last;
  }

  private record(resource: string, t: Table, ev: StoredEvent): void {
    t.events.push(ev);
    this.trim(t);
    for (const l of [...t.listeners]) l(ev);
    for (const g of [...this.globalListeners]) g(resource, ev);
  }

  private trim(t: Table): void {
    while (t.events.length > this.windowSize) {
      const dropped = t.events.shift()!;
      t.floor = dropped.rv;
    }
  }

  /** Events after `rv` still in the window, or undefined when `rv` is older than the window (410 Expired). */
  eventsSince(resource: string, rv: number): StoredEvent[] | undefined {
    const t = this.table(resource);
    if (rv < t.floor) return undefined;
    return t.events.filter((e) => e.rv > rv);
  }

  /** The oldest resourceVersion a watch can still start from (for the "too old" message). */
  floor(resource: string): number {
    return this.table(resource).floor;
  }

  subscribe(resource: string, l: Listener): () => void {
    const t = this.table(resource);
    t.listeners.add(l);
    return () => t.listeners.delete(l);
  }

  subscribeAll(l: (resource: string, ev: StoredEvent) => void): () => void {
    this.globalListeners.add(l);
    return () => this.globalListeners.delete(l);
  }

  /** Test hook: forget the event window (of one resource, or all), so watches from any earlier RV get 410. */
  compact(resource?: string): void {
    const ts = resource ? [this.table(resource)] : [...this.tables.values()];
    for (const t of ts) {
      t.events = [];
      t.floor = this.revision;
    }
  }

  /** Drops a whole resource's objects silently (a CRD's storage going away after its instances were deleted). */
  resources(): string[] {
    return [...this.tables.keys()];
  }
}
