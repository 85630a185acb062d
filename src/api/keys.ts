// The etcd key layout, in one place. Everything for one framework lives under `<prefix>/<frameworkName>/`
// (k8sm used /k8sm/<frameworkName>/...). Leader-only keys are written fenced by the leader's term.
//
//   <root>/election/<lease id, hex>   one key per candidate, value = candidate identity JSON (Go concurrency
//                                     layout, so `etcdctl elect --listen <root>/election` shows the leader)
//   <root>/frameworkid                the Mesos framework id (fenced, compare-and-set, never overwritten blindly)
//   <root>/executor-hash              the executor-config hash of the last leader that subscribed (fenced)
//   <root>/desired-executor-hash      the hash the operator (or a human) sanctions for the next leader, so an
//                                     intended executor config change can take over
//   <root>/tasks/<task id>            task registry: one JSON record per task (fenced)
//   <root>/leader-status              the leader's status record the operator reads (fenced, rate-limited)
//   <root>/failover-request           written by the operator/user: the leader resigns when it sees a new value
//   <root>/reset-framework            written by a human: permits registering a new framework after removal
export interface KeyLayout {
  root: string;
  electionPrefix: string;
  frameworkId: string;
  executorHash: string;
  desiredExecutorHash: string;
  tasksPrefix: string;
  task(taskId: string): string;
  leaderStatus: string;
  failoverRequest: string;
  resetFramework: string;
}

export const DEFAULT_ETCD_PREFIX = '/k8sm';

export function keyLayout(prefix: string, frameworkName: string): KeyLayout {
  const p = prefix.replace(/\/+$/, '');
  const root = `${p}/${frameworkName}`;
  return {
    root,
    electionPrefix: `${root}/election`,
    frameworkId: `${root}/frameworkid`,
    executorHash: `${root}/executor-hash`,
    desiredExecutorHash: `${root}/desired-executor-hash`,
    tasksPrefix: `${root}/tasks/`,
    task: (taskId: string) => `${root}/tasks/${taskId}`,
    leaderStatus: `${root}/leader-status`,
    failoverRequest: `${root}/failover-request`,
    resetFramework: `${root}/reset-framework`,
  };
}
