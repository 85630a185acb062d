// A test CRD (Widget) exercising structural-schema features: defaults, validation, pruning, preserve-unknown,
// int-or-string, status + scale subresources, list-type map conditions. Unique group per call.
import type { TestCluster } from './kube-cluster.js';
import { waitFor } from './wait.js';

export interface WidgetCRD {
  group: string;
  version: string;
  plural: string;
  kind: string;
  name: string;
}

/** The CRD in wire form (JSON names: `default`, `enum`, `x-kubernetes-*`). Note: client-node's typed
 * V1JSONSchemaProps uses `_default` / `_enum` / `x_kubernetes_*` and silently drops the wire names, so this body is
 * POSTed raw, as kubectl would. */
export function widgetCRDBody(group: string, scope: 'Namespaced' | 'Cluster' = 'Namespaced'): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope,
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wdg'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['size'],
                  properties: {
                    size: { type: 'string', enum: ['small', 'large'] },
                    replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
                    color: { type: 'string', default: 'blue', maxLength: 10 },
                    port: { 'x-kubernetes-int-or-string': true },
                    name: { type: 'string', pattern: '^[a-z]+$' },
                    tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
                    extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                    nested: { type: 'object', properties: { flag: { type: 'boolean', default: false } }, default: {} },
                    optional: { type: 'string', nullable: true },
                  },
                },
                status: {
                  type: 'object',
                  properties: {
                    replicas: { type: 'integer' },
                    selector: { type: 'string' },
                    observedGeneration: { type: 'integer' },
                    phase: { type: 'string' },
                    conditions: {
                      type: 'array',
                      'x-kubernetes-list-type': 'map',
                      'x-kubernetes-list-map-keys': ['type'],
                      items: { type: 'object', required: ['type', 'status'], properties: { type: { type: 'string' }, status: { type: 'string' }, reason: { type: 'string' } } },
                    },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

/** Creates the CRD and waits until it is Established and served. */
export async function createWidgetCRD(c: TestCluster, group: string, scope: 'Namespaced' | 'Cluster' = 'Namespaced'): Promise<WidgetCRD> {
  const r = await c.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: widgetCRDBody(group, scope) });
  if (r.status !== 201) throw new Error(`creating the CRD failed: ${r.status} ${r.text}`);
  const name = `widgets.${group}`;
  c.onStop(() => c.ext.deleteCustomResourceDefinition({ name }));
  await waitFor(`CRD ${name} established`, async () => {
    const crd = await c.ext.readCustomResourceDefinition({ name });
    return crd.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
  });
  await waitFor(`widgets.${group} served`, async () => (await c.raw('GET', `/apis/${group}/v1`)).status === 200);
  return { group, version: 'v1', plural: 'widgets', kind: 'Widget', name };
}

export function uniqueGroup(base = 'test'): string {
  return `${base}${process.pid}${Math.random().toString(36).slice(2, 7)}.example.com`;
}
