// Leader-only writes, fenced by the term: every operation is an etcd txn whose first compare is
// create_revision(leaderKey) == term.createRevision. A stale leader's write cannot commit, and the failed
// fence ends its term ('fence-failed'). Writes are refused locally — no round trip — once the term ended or
// the session's renew deadline passed.
import { CompareResult, CompareTarget, type ICompare, type IRequestOp } from 'etcd3';
import type { Leadership } from './campaign.js';
import { FenceLostError } from './errors.js';
import { fromEtcdResponse, toEtcdCompare, toEtcdOp, type TxnOp, type TxnRequest, type TxnResult } from './txn-ops.js';

export class FencedStore {
  constructor(private readonly leadership: Leadership) {}

  /** The compare every fenced txn starts with. */
  fence(): ICompare {
    const t = this.leadership.term;
    return { key: Buffer.from(t.key), target: CompareTarget.Create, result: CompareResult.Equal, create_revision: t.createRevision };
  }

  /** put(key, value) while our term holds. `lease: 'session'` attaches the leader's lease. */
  async put(key: string, value: string, opts: { lease?: string } = {}): Promise<{ revision: string }> {
    const op: TxnOp = { put: { key, value, ...(opts.lease ? { lease: opts.lease } : {}) } };
    const res = await this.commit([toEtcdOp(op, this.leadership.term.leaseId)]);
    return { revision: res.revision };
  }

  /** delete(key) (or every key under the prefix) while our term holds. */
  async delete(key: string, opts: { prefix?: boolean } = {}): Promise<{ revision: string; deleted: number }> {
    const op: TxnOp = { delete: { key, ...(opts.prefix ? { prefix: true } : {}) } };
    const res = await this.commit([toEtcdOp(op)]);
    const r = fromEtcdResponse(op, res.responses[0], res.revision);
    return { revision: res.revision, deleted: 'delete' in r ? r.delete.deleted : 0 };
  }

  /**
   * A txn with the caller's compares and ops, committed only while our term holds. `succeeded` reports the
   * caller's compares; a failed fence throws FenceLostError instead (and ends the term).
   */
  async txn(req: TxnRequest): Promise<TxnResult> {
    const success = req.success ?? [];
    const failure = req.failure ?? [];
    const lease = this.leadership.term.leaseId;
    const inner = {
      compare: (req.compare ?? []).map(toEtcdCompare),
      success: success.map((o) => toEtcdOp(o, lease)),
      failure: failure.map((o) => toEtcdOp(o, lease)),
    };
    const outer = await this.commit([{ request_txn: inner }]);
    const innerRes = outer.responses[0]?.response_txn;
    const succeeded = !!innerRes?.succeeded;
    const branch = succeeded ? success : failure;
    return {
      succeeded,
      revision: outer.revision,
      results: branch.map((op, i) => fromEtcdResponse(op, innerRes?.responses?.[i], outer.revision)),
    };
  }

  private async commit(ops: IRequestOp[]) {
    const l = this.leadership;
    l.assertLeading();
    const res = await l.election.client.kv.txn({ compare: [this.fence()], success: ops, failure: [] }, l.election.deadline());
    if (!res.succeeded) throw l.fenceFailed();
    return { revision: String(res.header.revision), responses: res.responses };
  }
}

export { FenceLostError };
