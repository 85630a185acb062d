// Defaults come from the schema's `default` keywords, applied the way the API server applies structural-schema
// defaults: a property with a default is filled in when absent, recursively inside objects that exist (an object
// default such as flags: {} makes its children's defaults apply too). So the operator, `schedulerha render` and
// a cluster with the CRD installed all see the same defaulted spec.
import { specSchema } from './schema.js';
import type { SchedulerHASpec } from './types.js';

type Schema = Record<string, unknown>;

export function applySchemaDefaults(schema: Schema, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const props = schema.properties as Record<string, Schema> | undefined;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (props) {
    for (const [k, s] of Object.entries(props)) {
      if (out[k] === undefined && s.default !== undefined) out[k] = structuredClone(s.default);
      if (out[k] !== undefined) out[k] = applySchemaDefaults(s, out[k]);
    }
  }
  const ap = schema.additionalProperties;
  if (ap && typeof ap === 'object') {
    for (const k of Object.keys(out)) if (!props || !(k in props)) out[k] = applySchemaDefaults(ap as Schema, out[k]);
  }
  return out;
}

/** The spec with every schema default applied (does not validate). */
export function applyDefaults(spec: SchedulerHASpec): SchedulerHASpec {
  return applySchemaDefaults(specSchema, spec) as SchedulerHASpec;
}

/** Every default of the spec, flattened to dotted paths — for the README reference and `schedulerha defaults`. */
export function listDefaults(schema: Schema = specSchema, prefix = 'spec'): Array<{ path: string; default: unknown; description: string }> {
  const out: Array<{ path: string; default: unknown; description: string }> = [];
  const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
  for (const [k, s] of Object.entries(props)) {
    const path = `${prefix}.${k}`;
    if (s.default !== undefined && !(typeof s.default === 'object' && s.default !== null && !Array.isArray(s.default) && Object.keys(s.default).length === 0)) {
      out.push({ path, default: s.default, description: String(s.description ?? '') });
    }
    if (s.properties) out.push(...listDefaults(s, path));
  }
  return out;
}
