// CustomResourceDefinitions: the CRD kind itself (validation, names, conditions) and, for an Established CRD,
// one ResourceDef per served version whose strategy applies the structural schema: pruning of unknown fields
// (x-kubernetes-preserve-unknown-fields, x-kubernetes-embedded-resource), nulls dropped where not nullable,
// `default`s, OpenAPI validation through ajv mapped to the apiserver's field errors, and CEL
// x-kubernetes-validations (rule + message; transition rules with oldSelf on update) through a CEL library.
// Not implemented: messageExpression/fieldPath/reason of a rule, CEL cost limits, format validation,
// conversion webhooks (conversion is None).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseCel } from '@marcbachmann/cel-js';
import type { ResourceDef } from './registry.js';
import { getPath } from './registry.js';
import type { KObject } from './meta.js';
import { makeDecoder } from './builtins.js';
import { type FieldError, forbidden, invalid, notSupported, required } from './status.js';
import { clone, deepEqual, isObject, type Json, type JsonObject } from './patch.js';

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

// ---- pruning, nulls, defaults ----------------------------------------------------------------------------

function isPreserve(s: Schema | undefined): boolean {
  return !!s && s['x-kubernetes-preserve-unknown-fields'] === true;
}

/** Drops unknown fields (collecting their paths) and nulls in non-nullable fields. */
export function pruneValue(v: Json, s: Schema | undefined, path: string, unknown: string[]): Json {
  if (!s) return v;
  if (Array.isArray(v)) {
    return v.map((item, i) => pruneValue(item, s.items as Schema | undefined, `${path}[${i}]`, unknown));
  }
  if (!isObject(v)) return v;
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const addl = isObject(s.additionalProperties) ? (s.additionalProperties as Schema) : undefined;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(v)) {
    const sub = props[k] ?? addl;
    const childPath = path ? `${path}.${k}` : k;
    if (embedded && (k === 'apiVersion' || k === 'kind')) {
      out[k] = val;
      continue;
    }
    if (embedded && k === 'metadata' && isObject(val)) {
      out[k] = pruneMeta(val, childPath, unknown);
      continue;
    }
    if (!sub) {
      if (isPreserve(s) || s.additionalProperties === true) out[k] = val;
      else unknown.push(childPath);
      continue;
    }
    if (val === null && sub.nullable !== true) continue;
    out[k] = pruneValue(val, sub, childPath, unknown);
  }
  return out;
}

function pruneMeta(m: JsonObject, path: string, unknown: string[]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(m)) {
    if (OBJECT_META_FIELDS.has(k)) out[k] = v;
    else unknown.push(`${path}.${k}`);
  }
  return out;
}

export function applySchemaDefaults(v: Json, s: Schema | undefined): Json {
  if (!s) return v;
  if (Array.isArray(v)) return v.map((item) => applySchemaDefaults(item, s.items as Schema | undefined));
  if (!isObject(v)) return v;
  const props = (s.properties ?? {}) as Record<string, Schema>;
  for (const [k, sub] of Object.entries(props)) {
    if (v[k] === undefined && sub.default !== undefined) v[k] = clone(sub.default as Json);
  }
  for (const [k, val] of Object.entries(v)) {
    const sub = props[k] ?? (isObject(s.additionalProperties) ? (s.additionalProperties as Schema) : undefined);
    if (sub) v[k] = applySchemaDefaults(val, sub);
  }
  return v;
}

// ---- validation ------------------------------------------------------------------------------------------

/** OpenAPI v3 (Kubernetes dialect) -> JSON Schema for ajv. */
function toJsonSchema(s: Schema | undefined, isRoot = false): Schema {
  if (!isObject(s)) return {};
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith('x-kubernetes-') || ['nullable', 'description', 'example', 'externalDocs', 'default', 'format', 'title'].includes(k)) continue;
    if (k === 'properties') {
      out.properties = {};
      for (const [pk, pv] of Object.entries(v as Record<string, Schema>)) {
        if (isRoot && (pk === 'metadata' || pk === 'apiVersion' || pk === 'kind')) continue;
        out.properties[pk] = toJsonSchema(pv);
      }
    } else if (k === 'items' || k === 'not') out[k] = toJsonSchema(v as Schema);
    else if (k === 'additionalProperties') out[k] = isObject(v) ? toJsonSchema(v as Schema) : v;
    else if (k === 'allOf' || k === 'anyOf' || k === 'oneOf') out[k] = (v as Schema[]).map((x) => toJsonSchema(x));
    else out[k] = v;
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    const alt = { anyOf: [{ type: 'integer' }, { type: 'string' }] };
    if (out.anyOf) out.allOf = [...(out.allOf ?? []), alt];
    else Object.assign(out, alt);
  }
  if (s.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (isRoot && Array.isArray(out.required)) out.required = out.required.filter((r: string) => !['metadata', 'apiVersion', 'kind'].includes(r));
  return out;
}

function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function mapAjvErrors(errors: ErrorObject[], obj: unknown): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  const valueAt = (p: string) => {
    let cur: unknown = obj;
    for (const seg of p.split('/').slice(1)) cur = (cur as Record<string, unknown> | undefined)?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
    return cur;
  };
  for (const e of errors) {
    const f = fieldPath(e.instancePath);
    const v = valueAt(e.instancePath);
    const body = `${f} in body`;
    let fe: FieldError | undefined;
    const p = e.params as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    switch (e.keyword) {
      case 'required':
        fe = required(f ? `${f}.${p.missingProperty}` : String(p.missingProperty), '');
        break;
      case 'type':
        fe = invalid(f, jsonTypeName(v), `${body} must be of type ${String(p.type).replace(',null', '')}: "${jsonTypeName(v)}"`);
        break;
      case 'minimum':
        fe = invalid(f, v, `${body} should be greater than or equal to ${p.limit}`);
        break;
      case 'maximum':
        fe = invalid(f, v, `${body} should be less than or equal to ${p.limit}`);
        break;
      case 'exclusiveMinimum':
        fe = invalid(f, v, `${body} should be greater than ${p.limit}`);
        break;
      case 'exclusiveMaximum':
        fe = invalid(f, v, `${body} should be less than ${p.limit}`);
        break;
      case 'minLength':
        fe = invalid(f, v, `${body} should be at least ${p.limit} chars long`);
        break;
      case 'maxLength':
        fe = { type: 'FieldValueTooLong', field: f, detail: `may not be more than ${p.limit} bytes` };
        break;
      case 'minItems':
        fe = invalid(f, Array.isArray(v) ? v.length : v, `${body} should have at least ${p.limit} items`);
        break;
      case 'maxItems':
        fe = { type: 'FieldValueTooMany', field: f, value: Array.isArray(v) ? v.length : 0, hasValue: true, detail: `must have at most ${p.limit} items` };
        break;
      case 'minProperties':
        fe = invalid(f, v, `${body} should have at least ${p.limit} properties`);
        break;
      case 'maxProperties':
        fe = { type: 'FieldValueTooMany', field: f, value: isObject(v) ? Object.keys(v).length : 0, hasValue: true, detail: `must have at most ${p.limit} items` };
        break;
      case 'pattern':
        fe = invalid(f, v, `${body} should match '${p.pattern}'`);
        break;
      case 'enum':
        fe = notSupported(f, v, (p.allowedValues as unknown[]).map((x) => (typeof x === 'string' ? x : JSON.stringify(x))));
        break;
      case 'uniqueItems':
        fe = { type: 'FieldValueDuplicate', field: `${f}[${p.i}]`, value: (v as unknown[])?.[p.i], hasValue: true };
        break;
      case 'multipleOf':
        fe = invalid(f, v, `${body} should be a multiple of ${p.multipleOf}`);
        break;
      case 'anyOf':
      case 'oneOf':
      case 'allOf':
      case 'not':
        // ajv reports the branch errors too; a summary is enough when nothing more precise was found.
        fe = invalid(f, v, `${body} must validate ${e.keyword === 'not' ? 'not' : e.keyword === 'oneOf' ? 'one and only one' : e.keyword === 'allOf' ? 'all the' : 'at least one'} schema${e.keyword === 'not' ? '' : 's'} (${e.keyword})`);
        break;
      default:
        fe = invalid(f, v, e.message ?? e.keyword);
    }
    const key = `${fe.type}|${fe.field}|${fe.detail}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(fe);
    }
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });

export interface CompiledVersion {
  schema: Schema;
  validate: ValidateFunction;
}

export function compileSchema(schema: Schema): CompiledVersion {
  return { schema, validate: ajv.compile(toJsonSchema(schema, true)) };
}

// ---- the CRD kind ----------------------------------------------------------------------------------------

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// ---- CEL x-kubernetes-validations --------------------------------------------------------------------------

type CelProgram = (vars: Record<string, unknown>) => unknown;
const celCache = new Map<string, CelProgram | Error>();

function compileCel(rule: string): CelProgram | Error {
  let p = celCache.get(rule);
  if (!p) {
    try {
      p = parseCel(rule) as unknown as CelProgram;
    } catch (err) {
      p = err instanceof Error ? err : new Error(String(err));
    }
    celCache.set(rule, p);
  }
  return p;
}

const celTypeName = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v);

/**
 * Evaluates every rule on the value it is attached to (a node whose value is absent is skipped, like the API
 * server). A transition rule (one that reads oldSelf) runs only on update, and only where the old object had a
 * value there. A rule that is false or fails to evaluate is `<path>: Invalid value: "<type>": <message>`.
 */
export function celErrors(schema: Schema | undefined, value: unknown, old: unknown, path: string, errs: FieldError[] = []): FieldError[] {
  if (!schema || value === undefined) return errs;
  for (const v of (schema['x-kubernetes-validations'] ?? []) as Array<{ rule?: string; message?: string }>) {
    if (!v.rule) continue;
    const transition = /\boldSelf\b/.test(v.rule);
    if (transition && old === undefined) continue;
    const prog = compileCel(v.rule);
    let ok: unknown;
    let why = '';
    if (prog instanceof Error) why = `compilation failed: ${prog.message}`;
    else {
      try {
        ok = prog(transition ? { self: value, oldSelf: old } : { self: value });
      } catch (err) {
        why = `evaluation error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      }
    }
    if (ok !== true) errs.push({ ...invalid(path || '<root>', celTypeName(value), why || v.message || `failed rule: ${v.rule}`) });
  }
  const child = (p: string, k: string) => (p ? `${p}.${k}` : k);
  if (isObject(value as Json)) {
    const o = value as Obj;
    const props = isObject(schema.properties) ? (schema.properties as Schema) : undefined;
    for (const [k, sub] of Object.entries(props ?? {})) celErrors(sub as Schema, o[k], isObject(old as Json) ? (old as Obj)[k] : undefined, child(path, k), errs);
    if (!props && isObject(schema.additionalProperties)) {
      for (const k of Object.keys(o)) celErrors(schema.additionalProperties as Schema, o[k], isObject(old as Json) ? (old as Obj)[k] : undefined, `${path}[${k}]`, errs);
    }
  } else if (Array.isArray(value) && isObject(schema.items)) {
    value.forEach((item, i) => celErrors(schema.items as Schema, item, undefined, `${path}[${i}]`, errs));
  }
  return errs;
}

/** apiextensions' ValidateCustomResourceDefinitionOpenAPISchema rules the emulator enforces on every node: properties
 * and additionalProperties (false, or a schema) are mutually exclusive; every CEL rule compiles. */
function schemaNodeErrors(node: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  ((node['x-kubernetes-validations'] ?? []) as Array<{ rule?: string }>).forEach((v, i) => {
    const prog = v.rule ? compileCel(v.rule) : new Error('rule is required');
    if (prog instanceof Error) errs.push(invalid(`${path}.x-kubernetes-validations[${i}].rule`, v.rule ?? '', `compilation failed: ${prog.message.split('\n')[0]}`));
  });
  const props = isObject(node.properties) ? (node.properties as Obj) : undefined;
  const ap = node.additionalProperties;
  if (props && Object.keys(props).length > 0 && ap !== undefined && ap !== true) {
    errs.push(forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  for (const [k, sub] of Object.entries(props ?? {})) if (isObject(sub)) errs.push(...schemaNodeErrors(sub as Obj, `${path}.properties[${k}]`));
  if (isObject(ap)) errs.push(...schemaNodeErrors(ap as Obj, `${path}.additionalProperties`));
  if (isObject(node.items)) errs.push(...schemaNodeErrors(node.items as Obj, `${path}.items`));
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) if (Array.isArray(node[k])) (node[k] as Obj[]).forEach((sub, i) => isObject(sub) && errs.push(...schemaNodeErrors(sub, `${path}.${k}[${i}]`)));
  if (isObject(node.not)) errs.push(...schemaNodeErrors(node.not as Obj, `${path}.not`));
  return errs;
}

function validateCRD(o: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = (o.spec ?? {}) as Obj;
  const names = (spec.names ?? {}) as Obj;
  const group = spec.group as string | undefined;
  if (!group) errs.push(required('spec.group', ''));
  else if (!group.includes('.')) errs.push(invalid('spec.group', group, 'should be a domain with at least one dot'));
  if (!names.plural) errs.push(required('spec.names.plural', ''));
  else if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(names.plural)) errs.push(invalid('spec.names.plural', names.plural, 'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character'));
  if (!names.kind) errs.push(required('spec.names.kind', ''));
  if (group && names.plural && o.metadata.name !== `${names.plural}.${group}`) errs.push(invalid('metadata.name', o.metadata.name, 'must be spec.names.plural+"."+spec.group'));
  if (!['Namespaced', 'Cluster'].includes(spec.scope)) errs.push(notSupported('spec.scope', spec.scope ?? '', ['Cluster', 'Namespaced']));
  const versions = (spec.versions ?? []) as Obj[];
  if (versions.length === 0) errs.push(required('spec.versions', 'must have exactly one version marked as storage version'));
  const storage = versions.filter((v) => v.storage === true).length;
  if (versions.length > 0 && storage !== 1) errs.push(invalid('spec.versions', versions.map((v) => v.name), 'must have exactly one version marked as storage version'));
  versions.forEach((v, i) => {
    const p = `spec.versions[${i}]`;
    if (!v.name) errs.push(required(`${p}.name`, ''));
    const s = (v.schema as Obj | undefined)?.openAPIV3Schema as Obj | undefined;
    if (!s) errs.push(required(`${p}.schema.openAPIV3Schema`, 'schemas are required'));
    else if (s.type !== 'object') errs.push(s.type ? invalid(`${p}.schema.openAPIV3Schema.type`, s.type, 'must be object at the root') : required(`${p}.schema.openAPIV3Schema.type`, 'must not be empty at the root'));
    if (s) errs.push(...schemaNodeErrors(s, `${p}.schema.openAPIV3Schema`));
    const scale = (v.subresources as Obj | undefined)?.scale as Obj | undefined;
    if (scale) {
      if (!scale.specReplicasPath) errs.push(required(`${p}.subresources.scale.specReplicasPath`, ''));
      else if (!String(scale.specReplicasPath).startsWith('.spec.')) errs.push(invalid(`${p}.subresources.scale.specReplicasPath`, scale.specReplicasPath, 'should be a json path under .spec'));
      if (!scale.statusReplicasPath) errs.push(required(`${p}.subresources.scale.statusReplicasPath`, ''));
      else if (!String(scale.statusReplicasPath).startsWith('.status.')) errs.push(invalid(`${p}.subresources.scale.statusReplicasPath`, scale.statusReplicasPath, 'should be a json path under .status'));
    }
  });
  return errs;
}

export const crdDef: ResourceDef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  resource: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  status: true,
  storeKey: 'apiextensions.k8s.io/customresourcedefinitions',
  storageVersion: 'apiextensions.k8s.io/v1',
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: false,
  generation: true,
  returnDeletedObject: true,
  custom: false,
  nameValidation: 'subdomain',
  fieldLabels: (o) => ({ 'metadata.name': o.metadata.name ?? '' }),
  decode: makeDecoder('CustomResourceDefinition', 'v1', ['status.conditions[].lastTransitionTime'], []),
  applyDefaults(o) {
    const spec = (o.spec ??= {}) as Obj;
    const names = (spec.names ??= {}) as Obj;
    if (names.kind) {
      names.listKind ??= `${names.kind}List`;
      names.singular ??= String(names.kind).toLowerCase();
    }
    spec.conversion ??= { strategy: 'None' };
    for (const v of (spec.versions ?? []) as Obj[]) v.served ??= true;
  },
  prepareForCreate(o) {
    o.status = { conditions: [], acceptedNames: { kind: '', plural: '' }, storedVersions: [] };
  },
  prepareForUpdate(o, old) {
    if (old.status === undefined) delete o.status;
    else o.status = clone(old.status);
  },
  prepareForStatusUpdate(o, old) {
    const out = clone(o);
    out.spec = clone(old.spec);
    return out;
  },
  validate: validateCRD,
  validateUpdate(o, old) {
    const errs = validateCRD(o);
    const a = (o.spec ?? {}) as Obj;
    const b = (old.spec ?? {}) as Obj;
    if (a.scope !== b.scope) errs.push(invalid('spec.scope', a.scope, 'field is immutable'));
    if (a.group !== b.group) errs.push(invalid('spec.group', a.group, 'field is immutable'));
    if ((a.names as Obj | undefined)?.plural !== (b.names as Obj | undefined)?.plural) errs.push(forbidden('spec.names.plural', 'field is immutable'));
    return errs;
  },
};

/** Served versions of a CRD as resource definitions with the schema strategy. */
export function crdToDefs(crd: KObject): ResourceDef[] {
  const spec = crd.spec as Obj;
  const names = spec.names as Obj;
  const group = spec.group as string;
  const namespaced = spec.scope === 'Namespaced';
  const storageVersion = ((spec.versions as Obj[]).find((v) => v.storage)?.name as string) ?? '';
  const defs: ResourceDef[] = [];
  for (const v of spec.versions as Obj[]) {
    if (v.served === false) continue;
    const version = v.name as string;
    const schema = ((v.schema as Obj | undefined)?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as Schema;
    const compiled = compileSchema(schema);
    const sub = (v.subresources ?? {}) as Obj;
    const hasStatus = isObject(sub.status);
    const scale = isObject(sub.scale) ? (sub.scale as Obj) : undefined;
    const selectable = ((v.selectableFields ?? []) as { jsonPath: string }[]).map((f) => f.jsonPath.replace(/^\./, ''));
    const kind = names.kind as string;
    // The object as its schema describes it: without metadata, apiVersion and kind.
    const bodyOf = (x: KObject): Obj => {
      const b = clone(x) as Obj;
      delete b.metadata;
      delete b.apiVersion;
      delete b.kind;
      return b;
    };
    // CEL rules at the root also see metadata.name and metadata.generateName, and nothing else of the metadata.
    const celBodyOf = (x: KObject): Obj => {
      const meta: Obj = {};
      if (x.metadata?.name !== undefined) meta.name = x.metadata.name;
      if (x.metadata?.generateName !== undefined) meta.generateName = x.metadata.generateName;
      return { ...bodyOf(x), metadata: meta };
    };
    const validateObject = (o: KObject, old: KObject | undefined): FieldError[] => {
      const body = bodyOf(o);
      const errs: FieldError[] = [];
      if (!compiled.validate(body)) errs.push(...mapAjvErrors(compiled.validate.errors ?? [], body));
      else celErrors(schema, celBodyOf(o), old ? celBodyOf(old) : undefined, '', errs);
      if (scale) {
        const r = getPath(o, scale.specReplicasPath);
        if (r !== undefined && (typeof r !== 'number' || !Number.isInteger(r) || r < 0)) errs.push(invalid(String(scale.specReplicasPath).slice(1), r, 'should be a non-negative integer'));
      }
      return errs;
    };
    const d: ResourceDef = {
      group,
      version,
      resource: names.plural,
      kind,
      listKind: names.listKind ?? `${kind}List`,
      singular: names.singular ?? kind.toLowerCase(),
      namespaced,
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
      status: hasStatus,
      scale: scale ? { specReplicasPath: scale.specReplicasPath, statusReplicasPath: scale.statusReplicasPath, labelSelectorPath: scale.labelSelectorPath } : undefined,
      storeKey: `${group}/${names.plural}`,
      storageVersion: `${group}/${storageVersion}`,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: false,
      generation: true,
      returnDeletedObject: true,
      custom: true,
      // customResourceStrategy validates names with NameIsDNSSubdomain.
      nameValidation: 'subdomain',
      crdName: crd.metadata.name,
      fieldLabels(o) {
        const out: Record<string, string> = { 'metadata.name': o.metadata.name ?? '' };
        if (namespaced) out['metadata.namespace'] = o.metadata.namespace ?? '';
        for (const f of selectable) {
          const val = getPath(o, f);
          out[f] = val === undefined || val === null ? '' : String(val);
        }
        return out;
      },
      prune(o) {
        const unknown: string[] = [];
        const meta = isObject(o.metadata) ? pruneMeta(o.metadata, 'metadata', unknown) : undefined;
        const pruned = pruneValue(o, schema, '', unknown) as JsonObject;
        for (const k of Object.keys(o)) delete o[k];
        Object.assign(o, pruned);
        if (meta) o.metadata = meta;
        applySchemaDefaults(o, schema);
        return unknown.filter((u) => u !== 'apiVersion' && u !== 'kind' && !u.startsWith('metadata'));
      },
      validate(o) {
        return validateObject(o, undefined);
      },
      // On update the transition rules (oldSelf), e.g. an immutable field, see the old object too.
      validateUpdate(o, old) {
        return validateObject(o, old);
      },
      // customresource statusStrategy.ValidateUpdate checks the object against the schema too; spec and metadata
      // come from the stored object there, so what can fail is the status.
      validateStatusUpdate(o) {
        return validateObject(o, undefined).filter((e) => e.field === 'status' || e.field.startsWith('status.') || e.field.startsWith('status['));
      },
      prepareForCreate(o) {
        if (hasStatus) delete o.status;
      },
      prepareForUpdate(o, old) {
        if (!hasStatus) return;
        if (old.status === undefined) delete o.status;
        else o.status = clone(old.status);
      },
      prepareForStatusUpdate(o, old) {
        // customresource statusStrategy: everything but status (and managedFields) comes from the old object.
        const out = clone(old);
        out.metadata.managedFields = o.metadata.managedFields;
        if (o.metadata.managedFields === undefined) delete out.metadata.managedFields;
        if (o.status === undefined) delete out.status;
        else out.status = clone(o.status);
        return out;
      },
      toStorage: (o) => ({ ...o, apiVersion: `${group}/${storageVersion}` }),
      fromStorage: (o) => ({ ...o, apiVersion: `${group}/${version}` }),
    };
    defs.push(d);
  }
  return defs;
}

/** True when two CRD specs would serve the same thing (no need to rebuild the defs). */
export function sameServing(a: KObject | undefined, b: KObject): boolean {
  return !!a && deepEqual(a.spec, b.spec);
}
