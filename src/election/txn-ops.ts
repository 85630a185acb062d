// Plain-data transaction operations and their mapping to etcd's gRPC request/response shapes. Pure.
import { CompareResult, CompareTarget, type ICompare, type IRequestOp, type IResponseOp } from 'etcd3';
import { ElectionConfigError } from './errors.js';
import { prefixRangeEnd, toKeyValue } from './keys.js';
import type { KeyValue } from './types.js';

export type CompareTargetName = 'value' | 'version' | 'create' | 'mod' | 'lease';
export type CompareOp = '==' | '!=' | '<' | '>';

/** A txn condition. `value` is the value for target 'value', else an int64 (decimal string or safe number). */
export interface Compare {
  key: string;
  target: CompareTargetName;
  op: CompareOp;
  value: string | number;
}

export type TxnOp =
  /** `lease`: a lease id (decimal string), or 'session' for the leader's own lease (the key then vanishes
   * with the leader). */
  | { put: { key: string; value: string; lease?: string } }
  | { delete: { key: string; prefix?: boolean } }
  | { get: { key: string; prefix?: boolean; limit?: number } };

export type TxnOpResult =
  | { put: { revision: string } }
  | { delete: { deleted: number } }
  | { get: { kvs: KeyValue[]; count: number; more: boolean } };

export interface TxnRequest {
  compare?: Compare[];
  success?: TxnOp[];
  failure?: TxnOp[];
}

export interface TxnResult {
  /** Whether the caller's compares held (the fence itself held, or a FenceLostError would have been thrown). */
  succeeded: boolean;
  /** The store revision the txn was evaluated at (its commit revision if it wrote). */
  revision: string;
  /** One result per op of the branch that ran. */
  results: TxnOpResult[];
}

const targets: Record<CompareTargetName, CompareTarget> = {
  value: CompareTarget.Value,
  version: CompareTarget.Version,
  create: CompareTarget.Create,
  mod: CompareTarget.Mod,
  lease: CompareTarget.Lease,
};
const ops: Record<CompareOp, CompareResult> = {
  '==': CompareResult.Equal,
  '!=': CompareResult.NotEqual,
  '<': CompareResult.Less,
  '>': CompareResult.Greater,
};

function int64(what: string, v: string | number): string {
  const s = typeof v === 'number' ? (Number.isSafeInteger(v) ? String(v) : 'x') : v;
  if (!/^-?\d+$/.test(s)) throw new ElectionConfigError(`${what} must be an int64 (decimal string); got ${String(v)}`);
  return s;
}

export function toEtcdCompare(c: Compare): ICompare {
  const target = targets[c.target];
  const result = ops[c.op];
  if (target === undefined) throw new ElectionConfigError(`unknown compare target "${String(c.target)}"; use value, version, create, mod or lease`);
  if (result === undefined) throw new ElectionConfigError(`unknown compare operator "${String(c.op)}"; use ==, !=, < or >`);
  const base: ICompare = { key: Buffer.from(c.key), target, result };
  switch (c.target) {
    case 'value':
      return { ...base, value: Buffer.from(String(c.value)) };
    case 'version':
      return { ...base, version: int64('compare version', c.value) };
    case 'create':
      return { ...base, create_revision: int64('compare create revision', c.value) };
    case 'mod':
      return { ...base, mod_revision: int64('compare mod revision', c.value) };
    case 'lease':
      return { ...base, lease: int64('compare lease', c.value) } as ICompare;
  }
}

/** `sessionLease` replaces the 'session' placeholder in put ops. */
export function toEtcdOp(op: TxnOp, sessionLease?: string): IRequestOp {
  if ('put' in op) {
    const lease = op.put.lease === 'session' ? sessionLease : op.put.lease;
    if (op.put.lease === 'session' && !lease) throw new ElectionConfigError('put with lease "session" needs a leader session');
    return { request_put: { key: Buffer.from(op.put.key), value: Buffer.from(op.put.value), ...(lease ? { lease: int64('put lease', lease) } : {}) } };
  }
  if ('delete' in op) {
    const key = Buffer.from(op.delete.key);
    return { request_delete_range: { key, ...(op.delete.prefix ? { range_end: prefixRangeEnd(key) } : {}) } };
  }
  if ('get' in op) {
    const key = Buffer.from(op.get.key);
    return { request_range: { key, ...(op.get.prefix ? { range_end: prefixRangeEnd(key) } : {}), ...(op.get.limit ? { limit: op.get.limit } : {}) } };
  }
  throw new ElectionConfigError(`unknown txn op ${JSON.stringify(op)}; use {put}, {delete} or {get}`);
}

export function fromEtcdResponse(op: TxnOp, res: IResponseOp | undefined, txnRevision: string): TxnOpResult {
  if ('put' in op) return { put: { revision: String(res?.response_put?.header?.revision ?? txnRevision) } };
  if ('delete' in op) return { delete: { deleted: Number(res?.response_delete_range?.deleted ?? 0) } };
  const r = res?.response_range;
  return { get: { kvs: (r?.kvs ?? []).map(toKeyValue), count: Number(r?.count ?? 0), more: !!r?.more } };
}
