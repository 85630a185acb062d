// May a change of spec.etcd.endpoints be rolled out? Pure.
//
// New addresses of the same etcd cluster are an ordinary rolling update. Another etcd cluster is not: while the
// StatefulSet rolls, the replicas still on the old cluster keep their election and their leader, the updated ones
// start an election of their own on the new cluster — two leaders for one framework (the same framework id, if
// it was copied: Mesos then fails them over to each other in turn; none, if not: a second framework while the
// first still runs). The operator tells the two apart by the cluster id etcd puts in every response header.

/** What the operator read from one side: the cluster id, and `<root>/frameworkid` there. */
export interface EtcdSide {
  endpoints: readonly string[];
  clusterId?: string;
  frameworkId?: string;
  /** Why it could not be read. */
  error?: string;
}

export interface EtcdMoveInput {
  /** The endpoints the StatefulSet's replicas run with. */
  deployed: EtcdSide;
  /** The endpoints the spec asks for. */
  desired: EtcdSide;
  /** Pods of the StatefulSet that exist (any of them may be the leader). */
  podsRunning: number;
  /** `<prefix>/<frameworkName>`. */
  root: string;
}

export type EtcdMoveJudgement =
  | { action: 'proceed' }
  /** One side could not be read: the two cannot be compared. Replicas that cannot reach a cluster cannot lead
   * on it either, so the rollout goes on, with a warning. */
  | { action: 'unverified'; why: string }
  | { action: 'hold'; message: string };

/** The same endpoints, in any order. */
export function sameEndpoints(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a.map(normalize));
  const y = new Set(b.map(normalize));
  return x.size === y.size && [...x].every((e) => y.has(e));
}

function normalize(endpoint: string): string {
  return endpoint.trim().replace(/\/+$/, '');
}

export function judgeEtcdMove(i: EtcdMoveInput): EtcdMoveJudgement {
  if (sameEndpoints(i.deployed.endpoints, i.desired.endpoints)) return { action: 'proceed' };
  const from = i.deployed.endpoints.join(',');
  const to = i.desired.endpoints.join(',');
  const unread = [i.deployed.error && `the deployed ${from}: ${i.deployed.error}`, i.desired.error && `the new ${to}: ${i.desired.error}`].filter(Boolean);
  if (unread.length || !i.deployed.clusterId || !i.desired.clusterId) {
    return { action: 'unverified', why: `cannot tell whether spec.etcd.endpoints (${to}) name the etcd cluster the replicas run with (${from}): ${unread.join('; ') || 'no cluster id in the answers'}` };
  }
  if (i.deployed.clusterId === i.desired.clusterId) return { action: 'proceed' };

  const what = `spec.etcd.endpoints (${to}) name another etcd cluster (cluster id ${i.desired.clusterId}) than the replicas run with (${from}, cluster id ${i.deployed.clusterId})`;
  const procedure = `Move stopped: set spec.replicas: 0 with the old endpoints and wait for ReplicasReady=ScaledToZero; copy ${i.root}/frameworkid, executor-hash and tasks/ to the new cluster; then change the endpoints and scale back up (docs/operations.md, changing etcd endpoints). Until then the replicas keep the old endpoints.`;
  if (i.podsRunning > 0) {
    return { action: 'hold', message: `${what}; rolling the StatefulSet over would run an election on each cluster and two leaders at once while ${i.podsRunning === 1 ? 'its pod runs' : `its ${i.podsRunning} pods run`}. ${procedure}` };
  }
  // Stopped, the move itself is safe; but without the framework id the first leader there registers a new
  // framework and the old one's tasks are orphaned until its failover timeout.
  if (i.deployed.frameworkId && i.desired.frameworkId !== i.deployed.frameworkId) {
    const there = i.desired.frameworkId ? `holds another framework id (${i.desired.frameworkId})` : 'holds no framework id';
    return {
      action: 'hold',
      message: `${what}; the new cluster ${there} at ${i.root}/frameworkid while the old one holds ${i.deployed.frameworkId}: the first leader there would register a new framework and orphan the running one's tasks. Copy ${i.root}/frameworkid, executor-hash and tasks/ from the old cluster first (docs/operations.md, changing etcd endpoints); the change then goes ahead by itself.`,
    };
  }
  return { action: 'proceed' };
}
