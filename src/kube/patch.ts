// Writes with the right content types. client-node's generated patch methods send the FIRST content type of
// their list — application/json-patch+json — so a merge-style body is rejected unless the Content-Type is
// overridden per call with setHeaderOptions (operator-and-etcd-clients.md §1.6). These helpers make the choice
// explicit, plus resource paths and server-side apply / CRD installation over raw requests (bodies untouched by
// the typed models).
import * as k8s from '@kubernetes/client-node';
import { isAlreadyExists, isNotFound } from './errors.js';
import { kubeRequestOk } from './request.js';

export const mergePatch = (): k8s.ConfigurationOptions<k8s.ObservableMiddleware> => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
export const jsonPatch = (): k8s.ConfigurationOptions<k8s.ObservableMiddleware> => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
export const strategicMergePatch = (): k8s.ConfigurationOptions<k8s.ObservableMiddleware> => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
export const serverSideApply = (): k8s.ConfigurationOptions<k8s.ObservableMiddleware> => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);

export interface CustomObjectRef {
  group: string;
  version: string;
  plural: string;
  namespace: string;
  name: string;
}

/** One merge patch (RFC 7386) on the /status subresource of a custom object; resolves with the updated object.
 * A `null` in `status` deletes that field. Include `metadata.resourceVersion` in `extra` for a 409 on races.
 * Given the KubeConfig rather than a typed client, it is a raw request: the answer is plain JSON, without the
 * typed client's ObjectSerializer round trip (a controller writing status on every reconcile pays that each time). */
export async function mergePatchCustomStatus<T = Record<string, unknown>>(client: k8s.CustomObjectsApi | k8s.KubeConfig, ref: CustomObjectRef, status: Record<string, unknown>, extra: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
  if (client instanceof k8s.KubeConfig) {
    const path = `/apis/${ref.group}/${ref.version}/namespaces/${encodeURIComponent(ref.namespace)}/${ref.plural}/${encodeURIComponent(ref.name)}/status`;
    return await kubeRequestOk<T>(client, { method: 'PATCH', path, body: { ...extra, status }, contentType: k8s.PatchStrategy.MergePatch, ...(signal ? { signal } : {}) });
  }
  return (await client.patchNamespacedCustomObjectStatus({ ...ref, body: { ...extra, status } }, mergePatch())) as T;
}

/** Merge patch on the main resource of a custom object (metadata, spec). */
export async function mergePatchCustom<T = Record<string, unknown>>(custom: k8s.CustomObjectsApi, ref: CustomObjectRef, body: Record<string, unknown>): Promise<T> {
  return (await custom.patchNamespacedCustomObject({ ...ref, body }, mergePatch())) as T;
}

// ---- paths ---------------------------------------------------------------------------------------------------

/** Plurals of the built-in kinds the project writes (no discovery round trip needed). */
const BUILTIN_PLURALS: Record<string, string> = {
  Pod: 'pods',
  ConfigMap: 'configmaps',
  Secret: 'secrets',
  Service: 'services',
  ServiceAccount: 'serviceaccounts',
  Event: 'events',
  Namespace: 'namespaces',
  StatefulSet: 'statefulsets',
  Deployment: 'deployments',
  PodDisruptionBudget: 'poddisruptionbudgets',
  Lease: 'leases',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  CustomResourceDefinition: 'customresourcedefinitions',
};

export interface ResourceRef {
  apiVersion: string;
  /** Kind (plural looked up for built-ins) or an explicit plural. */
  kind?: string;
  plural?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** /api/v1/namespaces/ns/pods/name, /apis/apps/v1/namespaces/ns/statefulsets/name/status, … */
export function resourcePath(r: ResourceRef): string {
  const plural = r.plural ?? (r.kind ? BUILTIN_PLURALS[r.kind] : undefined);
  if (!plural) throw new Error(`no plural known for kind ${r.kind ?? '?'} (pass plural)`);
  const base = r.apiVersion.includes('/') ? `/apis/${r.apiVersion}` : `/api/${r.apiVersion}`;
  const ns = r.namespace ? `/namespaces/${encodeURIComponent(r.namespace)}` : '';
  const name = r.name ? `/${encodeURIComponent(r.name)}` : '';
  const sub = r.name && r.subresource ? `/${r.subresource}` : '';
  return `${base}${ns}/${plural}${name}${sub}`;
}

export interface KubeObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

const discovered = new WeakMap<k8s.KubeConfig, Map<string, string>>();

/** The plural of `kind` in `apiVersion`: built-ins from a table, anything else (custom resources) through API
 * discovery (`GET /apis/<group>/<version>`), cached per KubeConfig. */
export async function resolvePlural(kc: k8s.KubeConfig, apiVersion: string, kind: string): Promise<string> {
  const known = BUILTIN_PLURALS[kind];
  if (known && (!apiVersion.includes('/') || /^(apps|policy|coordination\.k8s\.io|events\.k8s\.io|rbac\.authorization\.k8s\.io|apiextensions\.k8s\.io)\//.test(apiVersion))) return known;
  let cache = discovered.get(kc);
  if (!cache) {
    cache = new Map();
    discovered.set(kc, cache);
  }
  const key = `${apiVersion}/${kind}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const list = await kubeRequestOk<{ resources?: Array<{ name: string; kind: string }> }>(kc, { method: 'GET', path: base });
  const r = list.resources?.find((x) => x.kind === kind && !x.name.includes('/'));
  if (!r) throw new Error(`the API server does not serve kind ${kind} in ${apiVersion}`);
  cache.set(key, r.name);
  return r.name;
}

/** Server-side apply of a complete object (creates it when missing). `force` takes ownership of conflicting
 * fields; fields this manager stops sending are removed unless another manager owns them. Custom resources are
 * found through discovery unless `plural` is given. */
export async function applyObject<T = KubeObjectLike>(kc: k8s.KubeConfig, obj: KubeObjectLike, opts: { fieldManager: string; force?: boolean; plural?: string; signal?: AbortSignal }): Promise<T> {
  const md = obj.metadata ?? {};
  if (!obj.apiVersion || !obj.kind || !md.name) throw new Error('applyObject needs apiVersion, kind and metadata.name');
  const plural = opts.plural ?? (await resolvePlural(kc, obj.apiVersion, obj.kind));
  const path = resourcePath({ apiVersion: obj.apiVersion, plural, ...(md.namespace ? { namespace: md.namespace } : {}), name: md.name });
  return await kubeRequestOk<T>(kc, {
    method: 'PATCH',
    path,
    query: { fieldManager: opts.fieldManager, force: opts.force ? 'true' : undefined },
    body: obj,
    contentType: k8s.PatchStrategy.ServerSideApply,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/** Merge patch of any object by reference. */
export async function mergePatchObject<T = KubeObjectLike>(kc: k8s.KubeConfig, ref: ResourceRef, body: unknown, signal?: AbortSignal): Promise<T> {
  return await kubeRequestOk<T>(kc, { method: 'PATCH', path: resourcePath(ref), body, contentType: k8s.PatchStrategy.MergePatch, ...(signal ? { signal } : {}) });
}

/** Installs (or updates) a CustomResourceDefinition from its wire form with raw requests — never through the typed
 * V1CustomResourceDefinition model, which drops `default`, `enum` and `x-kubernetes-*` — and waits until the API
 * server reports it Established. */
export async function installCrd(kc: k8s.KubeConfig, crd: KubeObjectLike, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<'created' | 'updated' | 'unchanged'> {
  const name = crd.metadata?.name;
  if (!name) throw new Error('the CRD has no metadata.name');
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  let outcome: 'created' | 'updated' | 'unchanged';
  try {
    await kubeRequestOk(kc, { method: 'POST', path: base, body: crd, ...(opts.signal ? { signal: opts.signal } : {}) });
    outcome = 'created';
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const current = await kubeRequestOk<KubeObjectLike>(kc, { method: 'GET', path: `${base}/${name}` });
    if (JSON.stringify(current.spec) === JSON.stringify(normalizeCrdSpec(crd.spec, current.spec))) outcome = 'unchanged';
    else {
      await kubeRequestOk(kc, { method: 'PUT', path: `${base}/${name}`, body: { ...crd, metadata: { ...crd.metadata, resourceVersion: current.metadata?.resourceVersion } } });
      outcome = 'updated';
    }
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    try {
      const cur = await kubeRequestOk<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(kc, { method: 'GET', path: `${base}/${name}` });
      if (cur.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return outcome;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established within ${opts.timeoutMs ?? 30_000} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The server adds defaults (conversion, preserveUnknownFields…) to a stored CRD spec; compare only what we send. */
function normalizeCrdSpec(mine: unknown, theirs: unknown): unknown {
  if (mine && typeof mine === 'object' && !Array.isArray(mine) && theirs && typeof theirs === 'object' && !Array.isArray(theirs)) {
    const out: Record<string, unknown> = { ...(theirs as Record<string, unknown>) };
    for (const [k, v] of Object.entries(mine as Record<string, unknown>)) out[k] = normalizeCrdSpec(v, (theirs as Record<string, unknown>)[k]);
    return out;
  }
  if (Array.isArray(mine) && Array.isArray(theirs) && mine.length === theirs.length) return mine.map((v, i) => normalizeCrdSpec(v, theirs[i]));
  return mine;
}
