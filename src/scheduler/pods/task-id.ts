// Task ids derived from the pod: `pod.<uid>.<attempt>`. Pure.
// k8sm used `pod.<random uuid>`; deriving the id from the pod uid and the launch attempt makes every launch of a
// pod identifiable from the id alone, and makes a duplicate launch of one attempt impossible (Mesos refuses a
// second task with a live task's id, and the registry holds one record per id). A relaunch is a new attempt, so a
// new id. A Kubernetes uid is a UUID ([0-9a-f-]), so the id never contains characters Mesos rejects.

export const TASK_ID_PREFIX = 'pod.';

export function taskIdFor(uid: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`);
  if (!uid || /[\s/\\\x00-\x1f\x7f]/.test(uid)) throw new RangeError(`pod uid ${JSON.stringify(uid)} cannot form a Mesos task id`);
  return `${TASK_ID_PREFIX}${uid}.${attempt}`;
}

/** `{uid, attempt}` of a task id made by taskIdFor; undefined for any other id. */
export function parseTaskId(id: string): { uid: string; attempt: number } | undefined {
  if (!id.startsWith(TASK_ID_PREFIX)) return undefined;
  const dot = id.lastIndexOf('.');
  if (dot <= TASK_ID_PREFIX.length) return undefined;
  const uid = id.slice(TASK_ID_PREFIX.length, dot);
  const a = id.slice(dot + 1);
  if (!/^(0|[1-9]\d*)$/.test(a)) return undefined;
  return { uid, attempt: Number(a) };
}
