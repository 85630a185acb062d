// The LeaseStore of LeaseElector over client-node's CoordinationV1Api. acquireTime/renewTime are sent as
// V1MicroTime (toISOString pads to six fractional digits; a plain Date has three and the API server rejects the
// write with 400). Reads return MicroTime fields as raw strings even though they are typed Date; Date.parse
// handles either.
import * as k8s from '@kubernetes/client-node';
import { isNotFound } from './errors.js';
import type { LeaseRecord, LeaseStore, StoredLease } from './leader-election.js';

function toMs(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  const t = v instanceof Date ? v.getTime() : Date.parse(String(v));
  return Number.isFinite(t) ? t : undefined;
}

function fromLease(l: k8s.V1Lease): StoredLease {
  const s = l.spec ?? {};
  const acquire = toMs(s.acquireTime);
  const renew = toMs(s.renewTime);
  return {
    resourceVersion: l.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: s.holderIdentity ?? '',
      leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
      ...(acquire !== undefined ? { acquireTime: acquire } : {}),
      ...(renew !== undefined ? { renewTime: renew } : {}),
      leaseTransitions: s.leaseTransitions ?? 0,
    },
  };
}

function toSpec(r: LeaseRecord): k8s.V1LeaseSpec {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    ...(r.acquireTime !== undefined ? { acquireTime: new k8s.V1MicroTime(r.acquireTime) } : {}),
    ...(r.renewTime !== undefined ? { renewTime: new k8s.V1MicroTime(r.renewTime) } : {}),
    leaseTransitions: r.leaseTransitions,
  };
}

export function coordinationLeaseStore(api: k8s.CoordinationV1Api, namespace: string, name: string): LeaseStore {
  const opts = (signal: AbortSignal): k8s.ConfigurationOptions<k8s.ObservableMiddleware> => ({
    middleware: [
      {
        pre: (ctx: k8s.RequestContext) => {
          ctx.setSignal(signal);
          return new k8s.Observable(Promise.resolve(ctx));
        },
        post: (res: k8s.ResponseContext) => new k8s.Observable(Promise.resolve(res)),
      },
    ],
    middlewareMergeStrategy: 'append',
  });
  return {
    description: `${namespace}/${name}`,
    async get(signal) {
      try {
        return fromLease(await api.readNamespacedLease({ namespace, name }, opts(signal)));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async create(record, signal) {
      return fromLease(await api.createNamespacedLease({ namespace, body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: toSpec(record) } }, opts(signal)));
    },
    async update(record, resourceVersion, signal) {
      return fromLease(
        await api.replaceNamespacedLease({ namespace, name, body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace, resourceVersion }, spec: toSpec(record) } }, opts(signal)),
      );
    },
  };
}
