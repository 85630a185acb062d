// Discovery documents (/api, /api/v1, /apis, /apis/<group>, /apis/<group>/<version>, /version) in the legacy
// (unaggregated) form every client falls back to.
import type { Registry, ResourceDef } from './registry.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '35',
  gitVersion: 'v1.35.0',
  gitCommit: 'schedulerha-devstack',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.25.0',
  compiler: 'gc',
  platform: 'linux/amd64',
  emulationMajor: '1',
  emulationMinor: '35',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '34',
};

const PREFERRED: Record<string, string[]> = {};

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupsOf(reg: Registry): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { group, version } of reg.groupVersions()) {
    if (!group) continue;
    const vs = groups.get(group) ?? [];
    if (!vs.includes(version)) vs.push(version);
    groups.set(group, vs);
  }
  for (const [g, vs] of groups) vs.sort((a, b) => versionPriority(b) - versionPriority(a) || (PREFERRED[g]?.indexOf(a) ?? 0));
  return groups;
}

/** Kube-aware version ordering: GA > beta > alpha, higher numbers first. */
export function versionPriority(v: string): number {
  const m = v.match(/^v(\d+)(?:(alpha|beta)(\d+))?$/);
  if (!m) return -1;
  const major = Number(m[1]);
  const level = m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2;
  return level * 1e6 + major * 1e3 + Number(m[3] ?? 0);
}

function groupDoc(group: string, versions: string[]) {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(reg: Registry) {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groupsOf(reg)].map(([g, vs]) => groupDoc(g, vs)) };
}

export function apiGroup(reg: Registry, group: string) {
  const vs = groupsOf(reg).get(group);
  if (!vs) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(group, vs) };
}

function resourceEntry(d: ResourceDef) {
  const e: Record<string, unknown> = { name: d.resource, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: d.verbs };
  if (d.shortNames.length) e.shortNames = d.shortNames;
  if (d.categories.length) e.categories = d.categories;
  return e;
}

export function apiResourceList(reg: Registry, group: string, version: string) {
  const defs = reg.all().filter((d) => d.group === group && d.version === version);
  if (defs.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const d of defs.sort((a, b) => a.resource.localeCompare(b.resource))) {
    resources.push(resourceEntry(d));
    if (d.status) resources.push({ name: `${d.resource}/status`, singularName: '', namespaced: d.namespaced, kind: d.kind, verbs: ['get', 'patch', 'update'] });
    if (d.scale) resources.push({ name: `${d.resource}/scale`, singularName: '', namespaced: d.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
    if (d.binding) resources.push({ name: `${d.resource}/binding`, singularName: '', namespaced: d.namespaced, kind: 'Binding', verbs: ['create'] });
    if (d.resource === 'serviceaccounts' && !d.group) resources.push({ name: 'serviceaccounts/token', singularName: '', namespaced: true, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] });
    if (d.resource === 'namespaces' && !d.group) resources.push({ name: 'namespaces/finalize', singularName: '', namespaced: false, kind: 'Namespace', verbs: ['update'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
