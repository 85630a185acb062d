// Resource arithmetic for the emulator's agents and allocator: scalars (cpus, mem, disk, gpus, ...) and port
// ranges, each unreserved ("*") or statically reserved for a role. As in Mesos' `Resources`, a reserved resource is
// a different resource from an unreserved one of the same name: a task claiming unreserved cpus is not covered by
// an offer of reserved ones. Bag keys are `name` (unreserved) or `name(role)` (reserved) — Mesos' text form. The
// allocation role is not part of a bag: an offer, and so every resource it holds, is allocated to one role, and the
// master checks a task's allocation role against the offer's separately (validation.ts).
import type { Range, Resource } from '../../mesos/types.js';

export interface ResourceBag {
  scalars: Map<string, number>;
  ranges: Map<string, Range[]>;
}

/** The role a resource is reserved for (the last reservation: refinements stack), or undefined when unreserved. */
export function reservationRole(r: Pick<Resource, 'role' | 'reservations'>): string | undefined {
  const last = r.reservations?.[r.reservations.length - 1];
  if (last) return last.role;
  return r.role !== undefined && r.role !== '*' ? r.role : undefined;
}

function keyOf(r: Resource): string {
  const role = reservationRole(r);
  return role === undefined ? r.name : `${r.name}(${role})`;
}

/** `name` / `name(role)` → its parts. */
export function parseKey(key: string): { name: string; role?: string } {
  const m = /^([^(]+)\((.*)\)$/.exec(key);
  return m ? { name: m[1]!, role: m[2]! } : { name: key };
}

/** The part of `a` an offer for `role` may hold: unreserved resources and those reserved for `role`. */
export function bagForRole(a: ResourceBag, role: string, unreserved = true): ResourceBag {
  const keep = (k: string) => {
    const r = parseKey(k).role;
    return r === undefined ? unreserved : r === role;
  };
  return {
    scalars: new Map([...a.scalars].filter(([k]) => keep(k))),
    ranges: new Map([...a.ranges].filter(([k]) => keep(k)).map(([k, v]) => [k, v.map((x) => ({ ...x }))])),
  };
}

/** The unreserved part of `a`, and the reserved parts by role (`/master/state`'s unreserved / reserved_resources). */
export function splitReservations(a: ResourceBag): { unreserved: ResourceBag; reserved: Map<string, ResourceBag> } {
  const unreserved = emptyBag();
  const reserved = new Map<string, ResourceBag>();
  const target = (k: string): { bag: ResourceBag; name: string } => {
    const { name, role } = parseKey(k);
    if (role === undefined) return { bag: unreserved, name };
    let b = reserved.get(role);
    if (!b) reserved.set(role, (b = emptyBag()));
    return { bag: b, name };
  };
  for (const [k, v] of a.scalars) {
    const t = target(k);
    t.bag.scalars.set(t.name, v);
  }
  for (const [k, v] of a.ranges) {
    const t = target(k);
    t.bag.ranges.set(t.name, v.map((x) => ({ ...x })));
  }
  return { unreserved, reserved };
}

/** Sum of a scalar over every reservation. */
export function scalarTotal(a: ResourceBag, name: string): number {
  let t = 0;
  for (const [k, v] of a.scalars) if (parseKey(k).name === name) t += v;
  return round3(t);
}

const EPS = 1e-9;

export function emptyBag(): ResourceBag {
  return { scalars: new Map(), ranges: new Map() };
}

export function bagFrom(resources: readonly Resource[] | undefined): ResourceBag {
  const b = emptyBag();
  for (const r of resources ?? []) addResource(b, r);
  return b;
}

function addResource(b: ResourceBag, r: Resource): void {
  const k = keyOf(r);
  if (r.type === 'SCALAR' && r.scalar) b.scalars.set(k, round3((b.scalars.get(k) ?? 0) + r.scalar.value));
  else if (r.type === 'RANGES' && r.ranges) b.ranges.set(k, mergeRanges([...(b.ranges.get(k) ?? []), ...r.ranges.range]));
}

/** Mesos keeps 3 decimal digits of precision for scalars. */
function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function mergeRanges(rs: readonly Range[]): Range[] {
  const sorted = [...rs].map((r) => ({ begin: r.begin, end: r.end })).sort((a, b) => a.begin - b.begin);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.begin <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push(r);
  }
  return out;
}

function subtractRanges(a: readonly Range[], b: readonly Range[]): Range[] {
  let cur = mergeRanges(a);
  for (const s of b) {
    const next: Range[] = [];
    for (const r of cur) {
      if (s.end < r.begin || s.begin > r.end) next.push(r);
      else {
        if (s.begin > r.begin) next.push({ begin: r.begin, end: s.begin - 1 });
        if (s.end < r.end) next.push({ begin: s.end + 1, end: r.end });
      }
    }
    cur = next;
  }
  return cur;
}

function rangesContain(outer: readonly Range[], inner: readonly Range[]): boolean {
  return subtractRanges(inner, outer).length === 0;
}

export function addBags(a: ResourceBag, b: ResourceBag): ResourceBag {
  const out = cloneBag(a);
  for (const [k, v] of b.scalars) out.scalars.set(k, round3((out.scalars.get(k) ?? 0) + v));
  for (const [k, v] of b.ranges) out.ranges.set(k, mergeRanges([...(out.ranges.get(k) ?? []), ...v]));
  return out;
}

export function subtractBags(a: ResourceBag, b: ResourceBag): ResourceBag {
  const out = cloneBag(a);
  for (const [k, v] of b.scalars) out.scalars.set(k, Math.max(0, round3((out.scalars.get(k) ?? 0) - v)));
  for (const [k, v] of b.ranges) out.ranges.set(k, subtractRanges(out.ranges.get(k) ?? [], v));
  return out;
}

export function cloneBag(a: ResourceBag): ResourceBag {
  return { scalars: new Map(a.scalars), ranges: new Map([...a.ranges].map(([k, v]) => [k, v.map((r) => ({ ...r }))])) };
}

/** `outer ⊇ inner` (Resources::contains). */
export function bagContains(outer: ResourceBag, inner: ResourceBag): boolean {
  for (const [k, v] of inner.scalars) if (v > EPS && (outer.scalars.get(k) ?? 0) + EPS < v) return false;
  for (const [k, v] of inner.ranges) if (!rangesContain(outer.ranges.get(k) ?? [], v)) return false;
  return true;
}

export function bagIsEmpty(a: ResourceBag): boolean {
  for (const v of a.scalars.values()) if (v > EPS) return false;
  for (const v of a.ranges.values()) if (v.length > 0) return false;
  return true;
}

/** Whether an offer is worth making: Mesos' allocator requires some cpus or mem (MIN_CPUS 0.01, MIN_MEM 32 MB). */
export function bagIsAllocatable(a: ResourceBag): boolean {
  return scalarTotal(a, 'cpus') >= 0.01 || scalarTotal(a, 'mem') >= 32;
}

/** Resources as the master sends them: unreserved ones with `role: "*"`; a reserved one with one STATIC
 * `reservations` entry — or, for a framework without the RESERVATION_REFINEMENT capability (`refinement` false),
 * in the format Mesos downgrades offers to: the role in the deprecated `role` field only; `allocation_info` when
 * allocated (in an offer, or a task's). */
export function bagToResources(a: ResourceBag, allocationRole?: string, refinement = true): Resource[] {
  const out: Resource[] = [];
  const order = (k: string): number => ['cpus', 'mem', 'disk', 'gpus', 'ports'].indexOf(parseKey(k).name) >>> 0;
  const keys = [...new Set([...a.scalars.keys(), ...a.ranges.keys()])].sort((x, y) => order(x) - order(y) || x.localeCompare(y));
  const shape = (k: string, r: Omit<Resource, 'name'>): Resource => {
    const { name, role } = parseKey(k);
    const res: Resource = { name, ...r };
    if (role === undefined) res.role = '*';
    else if (refinement) res.reservations = [{ type: 'STATIC', role }];
    else res.role = role;
    if (allocationRole !== undefined) res.allocation_info = { role: allocationRole };
    return res;
  };
  for (const k of keys) {
    const s = a.scalars.get(k);
    if (s !== undefined && s > EPS) out.push(shape(k, { type: 'SCALAR', scalar: { value: s } }));
    const rg = a.ranges.get(k);
    if (rg && rg.length > 0) out.push(shape(k, { type: 'RANGES', ranges: { range: rg.map((x) => ({ ...x })) } }));
  }
  return out;
}

/** The object form `/master/state` uses: `{"cpus":1,"mem":128,"disk":0,"gpus":0,"ports":"[31000-32000]"}`, every
 * reservation summed (as Mesos' `resources` / `used_resources`). */
export function bagToStateObject(a: ResourceBag): Record<string, number | string> {
  const out: Record<string, number | string> = { cpus: 0, disk: 0, gpus: 0, mem: 0 };
  for (const [k, v] of a.scalars) {
    const n = parseKey(k).name;
    out[n] = round3(Number(out[n] ?? 0) + v);
  }
  const ranges = new Map<string, Range[]>();
  for (const [k, v] of a.ranges) {
    const n = parseKey(k).name;
    ranges.set(n, mergeRanges([...(ranges.get(n) ?? []), ...v]));
  }
  for (const [n, v] of ranges) if (v.length) out[n] = `[${v.map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
  return out;
}

/** Mesos' text form of resources (`operator<<(ostream&, const Resource&)`), used in validation messages:
 * "cpus(allocated: web):1; mem(allocated: web)(reservations: [(STATIC,web)]):128". The master has upgraded
 * resources to the post-refinement format before it validates, so a `role`-only reserved resource prints its
 * reservation too. */
export function stringifyResources(rs: readonly Resource[]): string {
  return rs
    .map((r) => {
      const reservations = r.reservations?.length
        ? r.reservations.map((x) => [x.type, x.role, ...(x.principal !== undefined ? [x.principal] : [])].join(','))
        : r.role !== undefined && r.role !== '*'
          ? [[r.reservation ? 'DYNAMIC' : 'STATIC', r.role, ...(r.reservation?.principal !== undefined ? [r.reservation.principal] : [])].join(',')]
          : [];
      const reserved = reservations.length ? `(reservations: [${reservations.map((x) => `(${x})`).join(',')}])` : '';
      const allocated = r.allocation_info ? `(allocated: ${r.allocation_info.role})` : '';
      const v = r.type === 'SCALAR' ? String(r.scalar?.value ?? 0) : r.type === 'RANGES' ? `[${(r.ranges?.range ?? []).map((x) => `${x.begin}-${x.end}`).join(', ')}]` : '';
      return `${r.name}${allocated}${reserved}:${v}`;
    })
    .join('; ');
}

/** Parses an agent `--resources` string like "cpus:4;mem:8192;disk:10000;ports:[31000-32000]"; `cpus(web):2` is
 * statically reserved for the role web, `cpus(*):2` unreserved. */
export function parseResourceString(s: string): Resource[] {
  const out: Resource[] = [];
  for (const part of s.split(';').map((x) => x.trim()).filter(Boolean)) {
    const idx = part.indexOf(':');
    if (idx < 0) throw new Error(`bad resource "${part}": expected name:value`);
    const head = part.slice(0, idx).trim();
    const m = /^([^()]+)(?:\(([^()]*)\))?$/.exec(head);
    if (!m || m[2] === '') throw new Error(`bad resource name "${head}": expected name or name(role)`);
    const name = m[1]!;
    const role = m[2] !== undefined && m[2] !== '*' ? m[2] : undefined;
    const reserve = (r: Resource): Resource => (role === undefined ? r : { ...r, role, reservations: [{ type: 'STATIC', role }] });
    const value = part.slice(idx + 1).trim();
    if (value.startsWith('[')) {
      const ranges = value
        .slice(1, -1)
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
        .map((x) => {
          const [b, e] = x.split('-').map(Number);
          if (!Number.isInteger(b) || !Number.isInteger(e)) throw new Error(`bad range "${x}" in resource ${name}`);
          return { begin: b!, end: e! };
        });
      out.push(reserve({ name, type: 'RANGES', ranges: { range: ranges }, role: '*' }));
    } else {
      const v = Number(value);
      if (!Number.isFinite(v)) throw new Error(`bad scalar "${value}" for resource ${name}`);
      out.push(reserve({ name, type: 'SCALAR', scalar: { value: v }, role: '*' }));
    }
  }
  return out;
}
