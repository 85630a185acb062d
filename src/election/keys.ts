// Election key helpers (Go clientv3/concurrency layout). Pure.
//
//   <electionPrefix>/<lease id, lowercase hex>  = candidate identity (opaque string)
//
// Go's NewElection(session, pfx) uses keyPrefix = pfx + "/", and `etcdctl elect [--listen] <pfx>` does the
// same, so our candidates and etcdctl's agree on the leader when they share <electionPrefix>.
import type { IKeyValue } from 'etcd3';
import { ElectionConfigError } from './errors.js';
import type { KeyValue, Term } from './types.js';

/** Strips trailing slashes; rejects empty prefixes (a candidate must never range over the whole keyspace). */
export function normalizeElectionPrefix(prefix: string): string {
  const p = prefix.replace(/\/+$/, '');
  if (p === '') throw new ElectionConfigError(`election prefix "${prefix}" is empty; use keyLayout(prefix, framework).electionPrefix`);
  return p;
}

/** The range prefix all candidate keys share: `<electionPrefix>/`. */
export function candidatePrefix(electionPrefix: string): string {
  return `${normalizeElectionPrefix(electionPrefix)}/`;
}

/** Lowercase hex of an int64 lease id given as a decimal string (Go's %x of a positive int64). */
export function leaseIdHex(leaseId: string): string {
  const n = BigInt(leaseId);
  if (n <= 0n) throw new RangeError(`lease id ${leaseId} is not a positive int64`);
  return n.toString(16);
}

export function candidateKey(electionPrefix: string, leaseId: string): string {
  return `${candidatePrefix(electionPrefix)}${leaseIdHex(leaseId)}`;
}

/** range_end for a prefix: the prefix with its last byte incremented (etcd clientv3.GetPrefixRangeEnd). */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** Compares two int64 decimal strings. */
export function compareRevisions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** rev − 1 / rev + 1 as decimal strings (int64-exact). */
export function revisionPlus(rev: string, delta: number): string {
  return (BigInt(rev) + BigInt(delta)).toString();
}

export function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    createRevision: String(kv.create_revision),
    modRevision: String(kv.mod_revision),
    version: String(kv.version),
    lease: String(kv.lease ?? '0'),
  };
}

/** The term a candidate key stands for. */
export function termOf(kv: Pick<KeyValue, 'key' | 'createRevision' | 'lease'>): Term {
  const leaseId = kv.lease;
  let hex: string;
  try {
    hex = leaseId && leaseId !== '0' ? leaseIdHex(leaseId) : kv.key.slice(kv.key.lastIndexOf('/') + 1);
  } catch {
    hex = kv.key.slice(kv.key.lastIndexOf('/') + 1);
  }
  return { key: kv.key, createRevision: kv.createRevision, leaseId, leaseIdHex: hex };
}

export function sameTerm(a: Term | undefined, b: Term | undefined): boolean {
  return !!a && !!b && a.key === b.key && a.createRevision === b.createRevision;
}
