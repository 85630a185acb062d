// Which SchedulerHA may run its framework when several overlap. Pure.
//
// Pods choose their scheduler by spec.schedulerName, the lower-cased framework name, and every scheduler watches
// that name in all namespaces: two resources whose framework names differ only by case — or are equal, on another
// Mesos cluster or under another etcd prefix — both launch every such pod. Two resources whose etcd roots are equal
// or nested on a shared etcd mix their keys: each rewrites the other's sanctioned executor hash, and a Teardown of
// the outer deletes the inner's framework id and registry. The oldest resource keeps its framework; the others are
// held (ConfigValid=False FrameworkInUse: nothing deployed or changed) until it is gone or they are renamed.
import { DEFAULT_ETCD_PREFIX, keyLayout } from '../api/keys.js';
import { DEFAULT_FRAMEWORK_NAME } from '../api/flags.js';

export interface FrameworkClaim {
  /** namespace/name */
  key: string;
  uid: string;
  /** metadata.creationTimestamp (RFC 3339; seconds). */
  createdAt: string;
  frameworkName: string;
  etcdEndpoints: string[];
  /** <prefix>/<frameworkName> */
  root: string;
}

interface ClaimSource {
  metadata: { namespace?: string; name?: string; uid?: string; creationTimestamp?: string };
  spec?: { flags?: { frameworkName?: unknown }; etcd?: { prefix?: unknown; endpoints?: unknown } };
}

/** The claim a resource makes, read leniently from its spec (defaults applied); undefined when the fields that
 * make it are unusable (the validator reports those). */
export function claimOf(o: ClaimSource): FrameworkClaim | undefined {
  const { namespace, name, uid, creationTimestamp } = o.metadata;
  if (!namespace || !name || !uid) return undefined;
  const fw = o.spec?.flags?.frameworkName ?? DEFAULT_FRAMEWORK_NAME;
  const prefix = o.spec?.etcd?.prefix ?? DEFAULT_ETCD_PREFIX;
  const eps = o.spec?.etcd?.endpoints;
  if (typeof fw !== 'string' || fw === '' || typeof prefix !== 'string' || !Array.isArray(eps)) return undefined;
  return {
    key: `${namespace}/${name}`,
    uid,
    createdAt: creationTimestamp ?? '',
    frameworkName: fw,
    etcdEndpoints: eps.filter((e): e is string => typeof e === 'string').map(normalizeEndpoint),
    root: keyLayout(prefix, fw).root,
  };
}

function normalizeEndpoint(e: string): string {
  return e.trim().toLowerCase().replace(/\/+$/, '');
}

/** Older first: creation time, then uid (creation times have one-second resolution). */
function older(a: FrameworkClaim, b: FrameworkClaim): boolean {
  if (a.createdAt !== b.createdAt) return a.createdAt !== '' && (b.createdAt === '' || a.createdAt < b.createdAt);
  return a.uid < b.uid;
}

function nested(inner: string, outer: string): boolean {
  return inner.startsWith(`${outer}/`);
}

/** Why `self` must be held, or undefined: it overlaps an older claim. */
export function judgeClaim(self: FrameworkClaim, all: Iterable<FrameworkClaim>): string | undefined {
  const schedulerName = self.frameworkName.toLowerCase();
  for (const o of all) {
    if (o.uid === self.uid || !older(o, self)) continue;
    if (o.frameworkName.toLowerCase() === schedulerName) {
      return `SchedulerHA ${o.key} (older) already runs framework "${o.frameworkName}", whose schedulers take every pod with spec.schedulerName "${schedulerName}" in all namespaces — as this one's would: both would launch those pods. Give this resource its own spec.flags.frameworkName (the etcd prefix does not separate them); it is held until then, or until ${o.key} is gone`;
    }
    if (!self.etcdEndpoints.some((e) => o.etcdEndpoints.includes(e))) continue;
    if (nested(self.root, o.root) || nested(o.root, self.root)) {
      const [inner, outer] = nested(self.root, o.root) ? ['this resource\'s', `that of SchedulerHA ${o.key} (older)`] : [`that of SchedulerHA ${o.key} (older)`, 'this resource\'s'];
      return `the etcd root ${self.root} and ${o.root} (spec.etcd.prefix/frameworkName) of SchedulerHA ${o.key} (older) nest on the same etcd: ${inner} lies inside ${outer}, so their keys would mix and a Teardown of the outer would delete the inner's framework id and tasks. Choose a spec.etcd.prefix outside it; this resource is held until then, or until ${o.key} is gone`;
    }
  }
  return undefined;
}
