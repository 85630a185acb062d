// Resource arithmetic for the emulator's agents and allocator: scalars (cpus, mem, disk, gpus, ...) and port
// ranges. Offers carry the unreserved "*" resources of an agent that are neither used nor offered.
import type { Range, Resource } from '../../mesos/types.js';

export interface ResourceBag {
  scalars: Map<string, number>;
  ranges: Map<string, Range[]>;
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
  if (r.type === 'SCALAR' && r.scalar) b.scalars.set(r.name, round3((b.scalars.get(r.name) ?? 0) + r.scalar.value));
  else if (r.type === 'RANGES' && r.ranges) b.ranges.set(r.name, mergeRanges([...(b.ranges.get(r.name) ?? []), ...r.ranges.range]));
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
  return (a.scalars.get('cpus') ?? 0) >= 0.01 || (a.scalars.get('mem') ?? 0) >= 32;
}

export function bagToResources(a: ResourceBag, allocationRole?: string): Resource[] {
  const out: Resource[] = [];
  const order = (k: string): number => ['cpus', 'mem', 'disk', 'gpus', 'ports'].indexOf(k) >>> 0;
  const names = [...new Set([...a.scalars.keys(), ...a.ranges.keys()])].sort((x, y) => order(x) - order(y) || x.localeCompare(y));
  for (const name of names) {
    const s = a.scalars.get(name);
    if (s !== undefined && s > EPS) {
      const r: Resource = { name, type: 'SCALAR', scalar: { value: s }, role: '*' };
      if (allocationRole !== undefined) r.allocation_info = { role: allocationRole };
      out.push(r);
    }
    const rg = a.ranges.get(name);
    if (rg && rg.length > 0) {
      const r: Resource = { name, type: 'RANGES', ranges: { range: rg.map((x) => ({ ...x })) }, role: '*' };
      if (allocationRole !== undefined) r.allocation_info = { role: allocationRole };
      out.push(r);
    }
  }
  return out;
}

/** The object form `/master/state` uses: `{"cpus":1,"mem":128,"disk":0,"gpus":0,"ports":"[31000-32000]"}`. */
export function bagToStateObject(a: ResourceBag): Record<string, number | string> {
  const out: Record<string, number | string> = { cpus: 0, disk: 0, gpus: 0, mem: 0 };
  for (const [k, v] of a.scalars) out[k] = v;
  for (const [k, v] of a.ranges) if (v.length) out[k] = `[${v.map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
  return out;
}

/** Mesos' text form of resources, used in validation messages ("cpus(allocated: *):1; mem(...):128"). */
export function stringifyResources(rs: readonly Resource[]): string {
  return rs
    .map((r) => {
      const role = r.allocation_info?.role ?? r.role ?? '*';
      const v = r.type === 'SCALAR' ? String(r.scalar?.value ?? 0) : r.type === 'RANGES' ? `[${(r.ranges?.range ?? []).map((x) => `${x.begin}-${x.end}`).join(', ')}]` : '';
      return `${r.name}(allocated: ${role}):${v}`;
    })
    .join('; ');
}

/** Parses an agent resource string like "cpus:4;mem:8192;disk:10000;ports:[31000-32000]". */
export function parseResourceString(s: string): Resource[] {
  const out: Resource[] = [];
  for (const part of s.split(';').map((x) => x.trim()).filter(Boolean)) {
    const idx = part.indexOf(':');
    if (idx < 0) throw new Error(`bad resource "${part}": expected name:value`);
    const name = part.slice(0, idx).trim();
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
      out.push({ name, type: 'RANGES', ranges: { range: ranges }, role: '*' });
    } else {
      const v = Number(value);
      if (!Number.isFinite(v)) throw new Error(`bad scalar "${value}" for resource ${name}`);
      out.push({ name, type: 'SCALAR', scalar: { value: v }, role: '*' });
    }
  }
  return out;
}
