// The built-in kinds we serve, each with the defaults, validation and strategy rules of its apiserver registry
// (pkg/registry/<group>/<resource>/strategy.go and pkg/apis/<group>/validation), to the depth this project uses.
import { type ResourceDef, Registry } from './registry.js';
import { type KObject, normalizeMicroTime, normalizeTime, nowTime, validateDNS1123Label, validateDNS1123Subdomain, isQualifiedName } from './meta.js';
import { type FieldError, badRequest, forbidden, invalid, notSupported, required } from './status.js';
import { clone, deepEqual, isObject, type JsonObject } from './patch.js';
import { labelSelectorFromObject, matchLabels } from './selectors.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// ---- time fields ----------------------------------------------------------------------------------------

/** Visits every value at a path pattern ("status.conditions[].lastTransitionTime"). */
function visit(obj: unknown, pattern: string, fn: (holder: Obj, key: string, path: string) => void, path = ''): void {
  const [head, ...rest] = pattern.split('.');
  if (!head || typeof obj !== 'object' || obj === null) return;
  const isArr = head.endsWith('[]');
  const key = isArr ? head.slice(0, -2) : head;
  const holder = obj as Obj;
  if (!(key in holder)) return;
  const p = path ? `${path}.${key}` : key;
  if (rest.length === 0 && !isArr) {
    fn(holder, key, p);
    return;
  }
  if (isArr) {
    const arr = holder[key];
    if (!Array.isArray(arr)) return;
    arr.forEach((item, i) => {
      if (rest.length === 0) fn(arr as unknown as Obj, String(i), `${p}[${i}]`);
      else visit(item, rest.join('.'), fn, `${p}[${i}]`);
    });
  } else visit(holder[key], rest.join('.'), fn, p);
}

const META_TIMES = ['metadata.creationTimestamp', 'metadata.deletionTimestamp', 'metadata.managedFields[].time'];
const COND_TIMES = ['status.conditions[].lastTransitionTime', 'status.conditions[].lastProbeTime', 'status.conditions[].lastUpdateTime', 'status.conditions[].lastHeartbeatTime'];

/** Normalises metav1.Time fields (to second precision) and checks MicroTime fields (exactly 6 digits), answering
 * 400 "<Kind> in version "<v>" cannot be handled as a <Kind>: …" as the apiserver's decoder does. */
export function makeDecoder(kind: string, version: string, times: string[], micros: string[]): (obj: KObject) => void {
  return (obj) => {
    const fail = (msg: string) => {
      throw badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${msg}`);
    };
    for (const pat of [...META_TIMES, ...times]) {
      visit(obj, pat, (h, k) => {
        const r = normalizeTime(h[k]);
        if (!r.ok) fail(r.error);
        else if (r.value === null) delete h[k];
        else h[k] = r.value;
      });
    }
    for (const pat of micros) {
      visit(obj, pat, (h, k) => {
        const r = normalizeMicroTime(h[k]);
        if (!r.ok) fail(r.error);
        else if (r.value === null) delete h[k];
        else h[k] = r.value;
      });
    }
  };
}

function checkInt(obj: KObject, kind: string, version: string, paths: string[]): void {
  for (const pat of paths) {
    visit(obj, pat, (h, k, p) => {
      const v = h[k];
      if (v === null) {
        delete h[k];
        return;
      }
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${typeof v === 'number' ? 'number ' + v : typeof v} into Go struct field of type int32 (${p})`);
      }
    });
  }
}

// ---- shared pieces ---------------------------------------------------------------------------------------

const baseVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const metaFields = (o: KObject) => ({ 'metadata.name': o.metadata.name ?? '', 'metadata.namespace': o.metadata.namespace ?? '' });
const clusterMetaFields = (o: KObject) => ({ 'metadata.name': o.metadata.name ?? '' });

function def(partial: Partial<ResourceDef> & Pick<ResourceDef, 'group' | 'version' | 'resource' | 'kind' | 'namespaced'>): ResourceDef {
  const singular = partial.singular ?? partial.kind.toLowerCase();
  return {
    listKind: `${partial.kind}List`,
    singular,
    shortNames: [],
    categories: [],
    verbs: baseVerbs,
    status: false,
    storeKey: `${partial.group}/${partial.resource}`,
    storageVersion: partial.group ? `${partial.group}/${partial.version}` : partial.version,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
    generation: false,
    returnDeletedObject: false,
    custom: false,
    nameValidation: 'subdomain',
    fieldLabels: partial.namespaced ? metaFields : clusterMetaFields,
    ...partial,
  };
}

/** Status-subresource strategy for built-ins: a write to the main resource keeps the old status. */
const keepOldStatus = (obj: KObject, old: KObject) => {
  if (old.status === undefined) delete obj.status;
  else obj.status = clone(old.status);
};

/** Built-in /status strategy: spec comes from the old object; metadata and status from the new one. */
const specFromOld = (obj: KObject, old: KObject): KObject => {
  const out = clone(obj);
  if (old.spec === undefined) delete out.spec;
  else out.spec = clone(old.spec);
  return out;
};

// ---- pods ------------------------------------------------------------------------------------------------

function imagePullPolicyFor(image: string | undefined): string {
  if (!image) return 'IfNotPresent';
  const afterSlash = image.split('/').pop()!;
  if (image.includes('@')) return 'IfNotPresent';
  const tag = afterSlash.includes(':') ? afterSlash.split(':').pop() : undefined;
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: Obj | undefined): void {
  if (!isObject(p)) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (isObject(p.httpGet)) (p.httpGet as Obj).scheme ??= 'HTTP';
}

export function defaultPodSpec(spec: Obj | undefined): void {
  if (!isObject(spec)) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  for (const list of ['containers', 'initContainers']) {
    for (const c of (spec[list] as Obj[] | undefined) ?? []) {
      if (!isObject(c)) continue;
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.imagePullPolicy ??= imagePullPolicyFor(c.image as string | undefined);
      c.resources ??= {};
      for (const p of (c.ports as Obj[] | undefined) ?? []) if (isObject(p)) p.protocol ??= 'TCP';
      for (const e of (c.env as Obj[] | undefined) ?? []) {
        if (isObject(e) && isObject(e.valueFrom) && isObject((e.valueFrom as Obj).fieldRef)) ((e.valueFrom as Obj).fieldRef as Obj).apiVersion ??= 'v1';
      }
      defaultProbe(c.readinessProbe as Obj);
      defaultProbe(c.livenessProbe as Obj);
      defaultProbe(c.startupProbe as Obj);
    }
  }
}

export function validatePodSpec(spec: Obj | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(spec)) return [required(path, '')];
  const containers = spec.containers as Obj[] | undefined;
  if (!Array.isArray(containers) || containers.length === 0) errs.push(required(`${path}.containers`, ''));
  const names = new Set<string>();
  (containers ?? []).forEach((c, i) => {
    const p = `${path}.containers[${i}]`;
    if (!c?.name) errs.push(required(`${p}.name`, ''));
    else {
      errs.push(...validateDNS1123Label(`${p}.name`, c.name as string));
      if (names.has(c.name as string)) errs.push({ type: 'FieldValueDuplicate', field: `${p}.name`, value: c.name, hasValue: true });
      names.add(c.name as string);
    }
    if (!c?.image) errs.push(required(`${p}.image`, ''));
    for (const [j, port] of ((c?.ports as Obj[] | undefined) ?? []).entries()) {
      const cp = port?.containerPort;
      if (typeof cp !== 'number' || cp < 1 || cp > 65535) errs.push(invalid(`${p}.ports[${j}].containerPort`, cp ?? 0, 'must be between 1 and 65535, inclusive'));
    }
  });
  const rp = spec.restartPolicy;
  if (rp !== undefined && !['Always', 'OnFailure', 'Never'].includes(rp as string)) errs.push(notSupported(`${path}.restartPolicy`, rp, ['Always', 'OnFailure', 'Never']));
  const tg = spec.terminationGracePeriodSeconds;
  if (tg !== undefined && (typeof tg !== 'number' || tg < 0)) errs.push(invalid(`${path}.terminationGracePeriodSeconds`, tg, 'must be greater than or equal to 0'));
  return errs;
}

/** Fields of a pod spec a PUT/PATCH may change (ValidatePodUpdate). */
function podSpecMutable(newSpec: Obj, oldSpec: Obj): boolean {
  const a = clone(newSpec);
  const b = clone(oldSpec);
  for (const s of [a, b]) {
    delete s.activeDeadlineSeconds;
    delete s.tolerations;
    delete s.schedulingGates;
    for (const list of ['containers', 'initContainers']) for (const c of (s[list] as Obj[] | undefined) ?? []) delete c.image;
  }
  // terminationGracePeriodSeconds may only be lowered to 1 from negative values; treat as immutable otherwise.
  return deepEqual(a, b);
}

function podFieldLabels(o: KObject): Record<string, string> {
  const spec = (o.spec ?? {}) as Obj;
  const status = (o.status ?? {}) as Obj;
  return {
    ...metaFields(o),
    'spec.nodeName': (spec.nodeName as string) ?? '',
    'spec.restartPolicy': (spec.restartPolicy as string) ?? '',
    'spec.schedulerName': (spec.schedulerName as string) ?? '',
    'spec.serviceAccountName': (spec.serviceAccountName as string) ?? '',
    'spec.hostNetwork': String(spec.hostNetwork ?? false),
    'status.phase': (status.phase as string) ?? '',
    'status.podIP': (status.podIP as string) ?? '',
    'status.nominatedNodeName': (status.nominatedNodeName as string) ?? '',
  };
}

const podTimes = [
  'status.startTime',
  ...COND_TIMES,
  ...['containerStatuses', 'initContainerStatuses'].flatMap((l) =>
    ['state', 'lastState'].flatMap((s) => [`status.${l}[].${s}.running.startedAt`, `status.${l}[].${s}.terminated.startedAt`, `status.${l}[].${s}.terminated.finishedAt`]),
  ),
];

function podQOS(spec: Obj): string {
  let any = false;
  let guaranteed = true;
  for (const c of (spec.containers as Obj[] | undefined) ?? []) {
    const r = (c.resources ?? {}) as Obj;
    const req = (r.requests ?? {}) as Obj;
    const lim = (r.limits ?? {}) as Obj;
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const res of ['cpu', 'memory']) if (!lim[res] || (req[res] && req[res] !== lim[res])) guaranteed = false;
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

const pods = def({
  group: '',
  version: 'v1',
  resource: 'pods',
  kind: 'Pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  status: true,
  binding: true,
  generation: true,
  returnDeletedObject: true,
  fieldLabels: podFieldLabels,
  decode(o) {
    makeDecoder('Pod', 'v1', podTimes, [])(o);
    checkInt(o, 'Pod', 'v1', ['spec.terminationGracePeriodSeconds', 'spec.containers[].ports[].containerPort']);
  },
  applyDefaults(o) {
    defaultPodSpec(o.spec as Obj);
  },
  prepareForCreate(o) {
    const spec = (o.spec ?? {}) as Obj;
    o.status = { phase: 'Pending', qosClass: podQOS(spec) };
  },
  prepareForUpdate: keepOldStatus,
  prepareForStatusUpdate(o, old) {
    const out = specFromOld(o, old);
    // pods/status may not touch deletionTimestamp or ownerReferences (old kubelets corrupted them).
    if (old.metadata.deletionTimestamp) out.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
    else delete out.metadata.deletionTimestamp;
    if (old.metadata.ownerReferences) out.metadata.ownerReferences = clone(old.metadata.ownerReferences);
    else delete out.metadata.ownerReferences;
    return out;
  },
  validate: (o) => validatePodSpec(o.spec as Obj, 'spec'),
  validateUpdate(o, old) {
    const errs = validatePodSpec(o.spec as Obj, 'spec');
    if (!podSpecMutable((o.spec ?? {}) as Obj, (old.spec ?? {}) as Obj)) {
      errs.push(
        forbidden(
          'spec',
          'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
        ),
      );
    }
    return errs;
  },
  gracefulDelete(o, requested) {
    const spec = (o.spec ?? {}) as Obj;
    const status = (o.status ?? {}) as Obj;
    // An unscheduled pod, or one whose containers have all terminated, goes at once (pod strategy CheckGracefulDelete).
    if (!spec.nodeName) return 0;
    if (status.phase === 'Failed' || status.phase === 'Succeeded') return 0;
    let g = requested ?? (spec.terminationGracePeriodSeconds as number | undefined) ?? 30;
    if (g < 0) g = 1;
    return g;
  },
});

// ---- core/v1 others --------------------------------------------------------------------------------------

const namespaces = def({
  group: '',
  version: 'v1',
  resource: 'namespaces',
  kind: 'Namespace',
  namespaced: false,
  shortNames: ['ns'],
  status: true,
  nameValidation: 'label',
  returnDeletedObject: true,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  fieldLabels: (o) => ({ ...clusterMetaFields(o), 'status.phase': ((o.status as Obj | undefined)?.phase as string) ?? '' }),
  decode: makeDecoder('Namespace', 'v1', COND_TIMES, []),
  applyDefaults(o) {
    o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name! };
  },
  prepareForCreate(o) {
    o.spec = { finalizers: ['kubernetes'] };
    o.status = { phase: 'Active' };
  },
  prepareForUpdate(o, old) {
    // spec.finalizers only change through /finalize; status only through /status.
    o.spec = clone(old.spec);
    keepOldStatus(o, old);
  },
  prepareForStatusUpdate: (o, old) => {
    const out = specFromOld(o, old);
    return out;
  },
});

function validateDataKeys(o: KObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of Object.keys((o[field] as Obj | undefined) ?? {})) {
    if (!/^[-._a-zA-Z0-9]+$/.test(k) || k.length > 253) {
      errs.push(invalid(`${field}`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
    }
  }
  return errs;
}

function immutableData(o: KObject, old: KObject): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (o.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  if (!deepEqual(o.data ?? {}, old.data ?? {}) || !deepEqual(o.binaryData ?? {}, old.binaryData ?? {})) {
    errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
  }
  return errs;
}

const configmaps = def({
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
  shortNames: ['cm'],
  decode: makeDecoder('ConfigMap', 'v1', [], []),
  validate: (o) => validateDataKeys(o, 'data'),
  validateUpdate: (o, old) => [...validateDataKeys(o, 'data'), ...immutableData(o, old)],
});

function secretStringData(o: KObject): void {
  const sd = o.stringData as Obj | undefined;
  if (isObject(sd)) {
    const data = { ...((o.data as Obj | undefined) ?? {}) };
    for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v)).toString('base64');
    o.data = data;
  }
  delete o.stringData;
}

const secrets = def({
  group: '',
  version: 'v1',
  resource: 'secrets',
  kind: 'Secret',
  namespaced: true,
  fieldLabels: (o) => ({ ...metaFields(o), type: (o.type as string) ?? '' }),
  decode(o) {
    makeDecoder('Secret', 'v1', [], [])(o);
    for (const [k, v] of Object.entries((o.data as Obj | undefined) ?? {})) {
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
        throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0 (data[${k}])`);
      }
    }
  },
  applyDefaults(o) {
    secretStringData(o);
    o.type ??= 'Opaque';
  },
  validate: (o) => validateDataKeys(o, 'data'),
  validateUpdate(o, old) {
    const errs = [...validateDataKeys(o, 'data'), ...immutableData(o, old)];
    if (o.type !== old.type) errs.push(invalid('type', o.type, 'field is immutable'));
    return errs;
  },
});

let nextClusterIP = 1;
const services = def({
  group: '',
  version: 'v1',
  resource: 'services',
  kind: 'Service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  status: true,
  nameValidation: 'label',
  decode: makeDecoder('Service', 'v1', COND_TIMES, []),
  applyDefaults(o) {
    const spec = (o.spec ??= {}) as Obj;
    spec.type ??= 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    for (const p of (spec.ports as Obj[] | undefined) ?? []) {
      if (!isObject(p)) continue;
      p.protocol ??= 'TCP';
      if (p.targetPort === undefined && p.port !== undefined) p.targetPort = p.port;
    }
    if (spec.type !== 'ExternalName') {
      spec.internalTrafficPolicy ??= 'Cluster';
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
    }
  },
  prepareForCreate(o) {
    const spec = o.spec as Obj;
    if (spec.type !== 'ExternalName' && !spec.clusterIP) {
      const n = nextClusterIP++;
      spec.clusterIP = `10.96.${Math.floor(n / 250) % 256}.${(n % 250) + 1}`;
    }
    if (spec.clusterIP && !spec.clusterIPs) spec.clusterIPs = [spec.clusterIP];
    o.status = { loadBalancer: {} };
  },
  prepareForUpdate(o, old) {
    keepOldStatus(o, old);
    const spec = (o.spec ?? {}) as Obj;
    const oldSpec = (old.spec ?? {}) as Obj;
    if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if (!spec.clusterIPs && oldSpec.clusterIPs) spec.clusterIPs = clone(oldSpec.clusterIPs);
  },
  prepareForStatusUpdate: specFromOld,
  validate(o) {
    const spec = (o.spec ?? {}) as Obj;
    const errs: FieldError[] = [];
    if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(spec.type as string)) errs.push(notSupported('spec.type', spec.type, ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']));
    const ports = (spec.ports as Obj[] | undefined) ?? [];
    if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None' && ports.length === 0) errs.push(required('spec.ports', ''));
    ports.forEach((p, i) => {
      if (typeof p.port !== 'number' || p.port < 1 || p.port > 65535) errs.push(invalid(`spec.ports[${i}].port`, p.port ?? 0, 'must be between 1 and 65535, inclusive'));
      if (ports.length > 1 && !p.name) errs.push(required(`spec.ports[${i}].name`, ''));
    });
    return errs;
  },
  validateUpdate(o, old) {
    const errs = services.validate!(o);
    const a = (o.spec as Obj | undefined)?.clusterIP;
    const b = (old.spec as Obj | undefined)?.clusterIP;
    if (b && a !== b) errs.push(invalid('spec.clusterIPs[0]', a ?? '', 'may not change once set'));
    return errs;
  },
});

const eventFieldLabels = (o: KObject): Record<string, string> => {
  const io = (o.involvedObject ?? {}) as Obj;
  const src = (o.source ?? {}) as Obj;
  return {
    ...metaFields(o),
    'involvedObject.kind': io.kind ?? '',
    'involvedObject.namespace': io.namespace ?? '',
    'involvedObject.name': io.name ?? '',
    'involvedObject.uid': io.uid ?? '',
    'involvedObject.apiVersion': io.apiVersion ?? '',
    'involvedObject.resourceVersion': io.resourceVersion ?? '',
    'involvedObject.fieldPath': io.fieldPath ?? '',
    reason: (o.reason as string) ?? '',
    reportingComponent: (o.reportingComponent as string) ?? '',
    source: src.component ?? '',
    type: (o.type as string) ?? '',
  };
};

const coreEvents = def({
  group: '',
  version: 'v1',
  resource: 'events',
  kind: 'Event',
  namespaced: true,
  shortNames: ['ev'],
  storeKey: 'events/events',
  allowCreateOnUpdate: true,
  nameValidation: 'path',
  fieldLabels: eventFieldLabels,
  decode: makeDecoder('Event', 'v1', ['firstTimestamp', 'lastTimestamp'], ['eventTime', 'series.lastObservedTime']),
  validate(o) {
    const errs: FieldError[] = [];
    const io = (o.involvedObject ?? {}) as Obj;
    if (io.namespace && o.metadata.namespace && io.namespace !== o.metadata.namespace) errs.push(invalid('involvedObject.namespace', io.namespace, 'does not match event.namespace'));
    if (o.type !== undefined && o.type !== '' && !['Normal', 'Warning'].includes(o.type as string)) errs.push(notSupported('type', o.type, ['Normal', 'Warning']));
    if (o.eventTime && !o.reportingComponent) errs.push(required('reportingController', ''));
    return errs;
  },
});

// events.k8s.io/v1 is another view of the same storage: regarding = involvedObject, note = message...
function eventsV1ToCore(o: KObject): KObject {
  const out: KObject = { metadata: o.metadata };
  const map: [string, string][] = [
    ['regarding', 'involvedObject'],
    ['note', 'message'],
    ['reportingController', 'reportingComponent'],
    ['deprecatedSource', 'source'],
    ['deprecatedFirstTimestamp', 'firstTimestamp'],
    ['deprecatedLastTimestamp', 'lastTimestamp'],
    ['deprecatedCount', 'count'],
  ];
  for (const [k, v] of Object.entries(o)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
    const m = map.find(([a]) => a === k);
    out[m ? m[1] : k] = v;
  }
  out.apiVersion = 'v1';
  out.kind = 'Event';
  return out;
}

export function coreEventToV1(o: KObject): KObject {
  const out: KObject = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: o.metadata };
  const map: [string, string][] = [
    ['involvedObject', 'regarding'],
    ['message', 'note'],
    ['reportingComponent', 'reportingController'],
    ['source', 'deprecatedSource'],
    ['firstTimestamp', 'deprecatedFirstTimestamp'],
    ['lastTimestamp', 'deprecatedLastTimestamp'],
    ['count', 'deprecatedCount'],
  ];
  for (const [k, v] of Object.entries(o)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
    if (v === '' || (isObject(v) && Object.keys(v).length === 0) || v === 0) continue;
    const m = map.find(([a]) => a === k);
    out[m ? m[1] : k] = v;
  }
  return out;
}
export { eventsV1ToCore };

const eventsV1 = def({
  group: 'events.k8s.io',
  version: 'v1',
  resource: 'events',
  kind: 'Event',
  namespaced: true,
  shortNames: ['ev'],
  storeKey: 'events/events',
  storageVersion: 'v1',
  toStorage: eventsV1ToCore,
  fromStorage: coreEventToV1,
  allowCreateOnUpdate: true,
  nameValidation: 'path',
  fieldLabels: eventFieldLabels,
  decode: makeDecoder('Event', 'v1', ['deprecatedFirstTimestamp', 'deprecatedLastTimestamp'], ['eventTime', 'series.lastObservedTime']),
  validate(o) {
    // ValidateEventCreate for events.k8s.io/v1: these are required (the core/v1 view is lenient).
    const errs: FieldError[] = [];
    if (!o.eventTime) errs.push(required('eventTime', ''));
    if (!o.reportingController) errs.push(required('reportingController', ''));
    if (!o.reportingInstance) errs.push(required('reportingInstance', ''));
    if (!o.action) errs.push(required('action', ''));
    if (!o.reason) errs.push(required('reason', ''));
    if (!['Normal', 'Warning'].includes(o.type as string)) errs.push(notSupported('type', o.type ?? '', ['Normal', 'Warning']));
    // Go's len(): bytes, not characters.
    const tooLong = (field: string, max: number) => typeof o[field] === 'string' && Buffer.byteLength(o[field] as string) > max && errs.push(invalid(field, '', `can have at most ${max} characters`));
    tooLong('note', 1024);
    tooLong('reason', 128);
    tooLong('action', 128);
    tooLong('reportingInstance', 128);
    if (typeof o.reportingController === 'string' && o.reportingController && !isQualifiedName(o.reportingController)) {
      errs.push(invalid('reportingController', o.reportingController, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
    }
    // Strict validation of events.k8s.io/v1: the deprecated core fields must stay unset.
    for (const f of ['deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'deprecatedCount', 'deprecatedSource'] as const) {
      if (o[f] !== undefined && o[f] !== null && o[f] !== 0 && !(typeof o[f] === 'object' && Object.keys(o[f] as object).length === 0)) errs.push(invalid(f, '', 'needs to be unset'));
    }
    const reg = (o.regarding ?? {}) as Obj;
    if (reg.namespace && reg.namespace !== o.metadata.namespace) errs.push(invalid('regarding.namespace', reg.namespace, 'does not match event.namespace'));
    return errs;
  },
});

const nodes = def({
  group: '',
  version: 'v1',
  resource: 'nodes',
  kind: 'Node',
  namespaced: false,
  shortNames: ['no'],
  status: true,
  decode: makeDecoder('Node', 'v1', COND_TIMES, []),
  prepareForUpdate: keepOldStatus,
  prepareForStatusUpdate: specFromOld,
  fieldLabels: (o) => ({ ...clusterMetaFields(o), 'spec.unschedulable': String(((o.spec as Obj | undefined)?.unschedulable as boolean | undefined) ?? false) }),
});

// ---- apps/v1 StatefulSet ---------------------------------------------------------------------------------

function validateSelectorMatches(o: KObject, selPath: string, labelsPath: string, sel: Obj | undefined, labels: Record<string, string> | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(sel)) return [required(selPath, '')];
  const parsed = labelSelectorFromObject(sel as never);
  if (!parsed || parsed.length === 0) errs.push(invalid(selPath, sel, 'empty selector is invalid for statefulset'));
  else if (!matchLabels(parsed, labels)) errs.push(invalid(labelsPath, labels ?? {}, '`selector` does not match template `labels`'));
  void o;
  return errs;
}

function validateStatefulSet(o: KObject): FieldError[] {
  const spec = (o.spec ?? {}) as Obj;
  const errs: FieldError[] = [];
  const tmpl = (spec.template ?? {}) as Obj;
  errs.push(...validateSelectorMatches(o, 'spec.selector', 'spec.template.metadata.labels', spec.selector as Obj, (tmpl.metadata as Obj | undefined)?.labels as Record<string, string>));
  if (typeof spec.replicas === 'number' && spec.replicas < 0) errs.push(invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  if (!['OrderedReady', 'Parallel'].includes(spec.podManagementPolicy as string)) errs.push(notSupported('spec.podManagementPolicy', spec.podManagementPolicy, ['OrderedReady', 'Parallel']));
  const us = (spec.updateStrategy ?? {}) as Obj;
  if (!['RollingUpdate', 'OnDelete'].includes(us.type as string)) errs.push(notSupported('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']));
  const part = (us.rollingUpdate as Obj | undefined)?.partition;
  if (typeof part === 'number' && part < 0) errs.push(invalid('spec.updateStrategy.rollingUpdate.partition', part, 'must be greater than or equal to 0'));
  if ((tmpl.spec as Obj | undefined)?.restartPolicy !== undefined && (tmpl.spec as Obj).restartPolicy !== 'Always') {
    errs.push(notSupported('spec.template.spec.restartPolicy', (tmpl.spec as Obj).restartPolicy, ['Always']));
  }
  errs.push(...validatePodSpec(tmpl.spec as Obj, 'spec.template.spec'));
  return errs;
}

const statefulsets = def({
  group: 'apps',
  version: 'v1',
  resource: 'statefulsets',
  kind: 'StatefulSet',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  status: true,
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '' },
  generation: true,
  decode(o) {
    makeDecoder('StatefulSet', 'v1', [...COND_TIMES, 'spec.template.metadata.creationTimestamp'], [])(o);
    checkInt(o, 'StatefulSet', 'v1', ['spec.replicas', 'spec.minReadySeconds', 'spec.revisionHistoryLimit']);
  },
  applyDefaults(o) {
    const spec = (o.spec ??= {}) as Obj;
    spec.replicas ??= 1;
    spec.podManagementPolicy ??= 'OrderedReady';
    spec.updateStrategy ??= { type: 'RollingUpdate' };
    const us = spec.updateStrategy as Obj;
    if (us.type === 'RollingUpdate') {
      us.rollingUpdate ??= {};
      (us.rollingUpdate as Obj).partition ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
    spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
    const tmpl = (spec.template ??= {}) as Obj;
    tmpl.metadata ??= {};
    if ((tmpl.metadata as Obj).creationTimestamp === undefined) (tmpl.metadata as Obj).creationTimestamp = null;
    defaultPodSpec(tmpl.spec as Obj);
  },
  prepareForCreate(o) {
    o.status = { replicas: 0, availableReplicas: 0 };
  },
  prepareForUpdate: keepOldStatus,
  prepareForStatusUpdate: specFromOld,
  validate: validateStatefulSet,
  validateUpdate(o, old) {
    const errs = validateStatefulSet(o);
    const a = clone((o.spec ?? {}) as Obj);
    const b = clone((old.spec ?? {}) as Obj);
    for (const s of [a, b]) for (const k of ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']) delete s[k];
    if (!deepEqual(a, b)) {
      errs.push(forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
    }
    return errs;
  },
});

// apps/v1 Deployments: stored, defaulted and validated as the apiserver does (no Deployment controller runs here;
// the operator's own install manifests are applied to the emulator in tests).
function validateDeployment(o: KObject): FieldError[] {
  const spec = (o.spec ?? {}) as Obj;
  const errs: FieldError[] = [];
  const tmpl = (spec.template ?? {}) as Obj;
  errs.push(...validateSelectorMatches(o, 'spec.selector', 'spec.template.metadata.labels', spec.selector as Obj, (tmpl.metadata as Obj | undefined)?.labels as Record<string, string>));
  if (typeof spec.replicas === 'number' && spec.replicas < 0) errs.push(invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  const st = (spec.strategy ?? {}) as Obj;
  if (!['RollingUpdate', 'Recreate'].includes(st.type as string)) errs.push(notSupported('spec.strategy.type', st.type, ['Recreate', 'RollingUpdate']));
  if (st.type === 'Recreate' && st.rollingUpdate !== undefined) errs.push(forbidden('spec.strategy.rollingUpdate', 'may not be specified when strategy `type` is \'Recreate\''));
  const ru = (st.rollingUpdate ?? {}) as Obj;
  const zero = (v: unknown) => v === 0 || v === '0%' || v === '0';
  if (st.type === 'RollingUpdate' && zero(ru.maxUnavailable) && zero(ru.maxSurge)) errs.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  if ((tmpl.spec as Obj | undefined)?.restartPolicy !== undefined && (tmpl.spec as Obj).restartPolicy !== 'Always') {
    errs.push(notSupported('spec.template.spec.restartPolicy', (tmpl.spec as Obj).restartPolicy, ['Always']));
  }
  errs.push(...validatePodSpec(tmpl.spec as Obj, 'spec.template.spec'));
  return errs;
}

const deployments = def({
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  kind: 'Deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  status: true,
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '' },
  generation: true,
  decode(o) {
    makeDecoder('Deployment', 'v1', [...COND_TIMES, 'spec.template.metadata.creationTimestamp'], [])(o);
    checkInt(o, 'Deployment', 'v1', ['spec.replicas', 'spec.minReadySeconds', 'spec.revisionHistoryLimit', 'spec.progressDeadlineSeconds']);
  },
  applyDefaults(o) {
    const spec = (o.spec ??= {}) as Obj;
    spec.replicas ??= 1;
    spec.strategy ??= { type: 'RollingUpdate' };
    const st = spec.strategy as Obj;
    if (st.type === 'RollingUpdate') {
      st.rollingUpdate ??= {};
      (st.rollingUpdate as Obj).maxUnavailable ??= '25%';
      (st.rollingUpdate as Obj).maxSurge ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    const tmpl = (spec.template ??= {}) as Obj;
    tmpl.metadata ??= {};
    if ((tmpl.metadata as Obj).creationTimestamp === undefined) (tmpl.metadata as Obj).creationTimestamp = null;
    defaultPodSpec(tmpl.spec as Obj);
  },
  prepareForCreate(o) {
    delete o.status;
  },
  prepareForUpdate: keepOldStatus,
  prepareForStatusUpdate: specFromOld,
  validate: validateDeployment,
  validateUpdate(o, old) {
    const errs = validateDeployment(o);
    if (!deepEqual((o.spec as Obj | undefined)?.selector, (old.spec as Obj | undefined)?.selector)) errs.push(invalid('spec.selector', (o.spec as Obj | undefined)?.selector, 'field is immutable'));
    return errs;
  },
});

const controllerrevisions = def({
  group: 'apps',
  version: 'v1',
  resource: 'controllerrevisions',
  kind: 'ControllerRevision',
  namespaced: true,
  decode: makeDecoder('ControllerRevision', 'v1', [], []),
  validate: (o) => (typeof o.revision !== 'number' || o.revision < 0 ? [invalid('revision', o.revision ?? 0, 'must be greater than or equal to 0')] : []),
  validateUpdate: (o, old) => (deepEqual(o.data, old.data) ? [] : [forbidden('data', 'field is immutable')]),
});

// ---- coordination.k8s.io/v1 Lease ------------------------------------------------------------------------

const leases = def({
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  kind: 'Lease',
  namespaced: true,
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: false,
  decode(o) {
    makeDecoder('Lease', 'v1', [], ['spec.acquireTime', 'spec.renewTime'])(o);
    checkInt(o, 'Lease', 'v1', ['spec.leaseDurationSeconds', 'spec.leaseTransitions']);
  },
  validate(o) {
    const spec = (o.spec ?? {}) as Obj;
    const errs: FieldError[] = [];
    if (spec.leaseDurationSeconds !== undefined && (spec.leaseDurationSeconds as number) <= 0) errs.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
    if (spec.leaseTransitions !== undefined && (spec.leaseTransitions as number) < 0) errs.push(invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
    return errs;
  },
});

// ---- policy/v1 PodDisruptionBudget -----------------------------------------------------------------------

const pdbs = def({
  group: 'policy',
  version: 'v1',
  resource: 'poddisruptionbudgets',
  kind: 'PodDisruptionBudget',
  namespaced: true,
  shortNames: ['pdb'],
  status: true,
  generation: true,
  decode: makeDecoder('PodDisruptionBudget', 'v1', COND_TIMES, []),
  prepareForCreate(o) {
    o.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
  prepareForUpdate: keepOldStatus,
  prepareForStatusUpdate: specFromOld,
  validate(o) {
    const spec = (o.spec ?? {}) as Obj;
    const errs: FieldError[] = [];
    if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) errs.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
    for (const f of ['minAvailable', 'maxUnavailable']) {
      const v = spec[f];
      if (v === undefined) continue;
      if (typeof v === 'number' && v < 0) errs.push(invalid(`spec.${f}`, v, 'must be greater than or equal to 0'));
      if (typeof v === 'string' && !/^\d+%$/.test(v)) errs.push(invalid(`spec.${f}`, v, 'a valid percent string must be a numeric string followed by an ending \'%\' (e.g. \'1%\',  or \'93%\', regex used for validation is \'[0-9]+%\')'));
    }
    const policy = spec.unhealthyPodEvictionPolicy;
    if (policy !== undefined && policy !== 'IfHealthyBudget' && policy !== 'AlwaysAllow') errs.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, ['AlwaysAllow', 'IfHealthyBudget']));
    return errs;
  },
});

// ---- identity and RBAC (stored and validated lightly; security.ts authorizes with them when rbac is on) ------

const serviceaccounts = def({ group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'], decode: makeDecoder('ServiceAccount', 'v1', [], []) });

function validateRules(o: KObject): FieldError[] {
  const errs: FieldError[] = [];
  ((o.rules as Obj[] | undefined) ?? []).forEach((r, i) => {
    if (!Array.isArray(r.verbs) || r.verbs.length === 0) errs.push(required(`rules[${i}].verbs`, 'verbs must contain at least one value'));
  });
  return errs;
}

function validateBinding(o: KObject): FieldError[] {
  const ref = (o.roleRef ?? {}) as Obj;
  const errs: FieldError[] = [];
  if (!ref.kind) errs.push(required('roleRef.kind', ''));
  else if (!['Role', 'ClusterRole'].includes(ref.kind)) errs.push(notSupported('roleRef.kind', ref.kind, ['Role', 'ClusterRole']));
  if (!ref.name) errs.push(required('roleRef.name', ''));
  return errs;
}

const roleRefImmutable = (o: KObject, old: KObject): FieldError[] => [...validateBinding(o), ...(deepEqual(o.roleRef, old.roleRef) ? [] : [invalid('roleRef', o.roleRef, 'cannot change roleRef')])];

const rbac = [
  def({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', namespaced: true, nameValidation: 'path', validate: validateRules }),
  def({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false, nameValidation: 'path', validate: validateRules }),
  def({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true, nameValidation: 'path', validate: validateBinding, validateUpdate: roleRefImmutable }),
  def({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false, nameValidation: 'path', validate: validateBinding, validateUpdate: roleRefImmutable }),
];

export const builtinDefs: ResourceDef[] = [namespaces, pods, configmaps, secrets, services, serviceaccounts, coreEvents, nodes, statefulsets, deployments, controllerrevisions, eventsV1, leases, pdbs, ...rbac];

export function builtinRegistry(): Registry {
  const r = new Registry();
  for (const d of builtinDefs) r.add(d);
  return r;
}

/** Timestamp for newly created objects. */
export const creationTime = (): string => nowTime();
export type { JsonObject };
