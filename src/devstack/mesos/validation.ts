// Framework and task validation as in apache/mesos src/master/validation.cpp (`validation::framework`,
// `validation::task`, `validation::offer`). Pure: each returns the master's error message or undefined.
import type { ExecutorInfo, FrameworkInfo, TaskInfo } from '../../mesos/types.js';
import { bagContains, bagFrom, addBags, bagToResources, type ResourceBag, stringifyResources } from './resources.js';
import type { Resource } from '../../mesos/types.js';

export function hasCapability(info: FrameworkInfo, cap: string): boolean {
  return (info.capabilities ?? []).some((c) => c.type === cap);
}

export function isPartitionAware(info: FrameworkInfo): boolean {
  return hasCapability(info, 'PARTITION_AWARE');
}

/** The framework's roles: `roles` for MULTI_ROLE frameworks, else the deprecated `role` (default "*"). */
export function frameworkRoles(info: FrameworkInfo): string[] {
  if (hasCapability(info, 'MULTI_ROLE')) return [...(info.roles ?? [])];
  return [info.role ?? '*'];
}

function validateRoleName(role: string): string | undefined {
  // roles::validate: non-empty, not "." / "..", no leading '-', no whitespace/'/'/'\\' or control chars
  if (role === '') return 'Empty role name is invalid';
  if (role === '.' || role === '..') return `Role name '${role}' cannot be '.' or '..'`;
  if (role.startsWith('-')) return `Role name '${role}' cannot start with '-'`;
  if (/[\s\\\x00-\x1f\x7f]/.test(role)) return `Role name '${role}' cannot include whitespace, control characters, or backslash`;
  if (role !== '*' && role.split('/').some((p) => p === '' || p === '.' || p === '..' || p === '*')) return `Role '${role}' cannot contain empty, '.', '..' or '*' path components`;
  return undefined;
}

/** `validation::framework::validate`: roles, framework id, failover timeout. */
export function validateFrameworkInfo(info: FrameworkInfo): string | undefined {
  const multiRole = hasCapability(info, 'MULTI_ROLE');
  if (multiRole) {
    if (info.role !== undefined) return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable";
  } else if ((info.roles ?? []).length > 0) {
    return "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable";
  }
  if (multiRole) {
    const seen = new Set<string>();
    const dups = new Set<string>();
    for (const r of info.roles ?? []) (seen.has(r) ? dups : seen).add(r);
    if (dups.size) return `'FrameworkInfo.roles' contains duplicate items: { ${[...dups].join(', ')} }`;
    for (const r of info.roles ?? []) {
      const e = validateRoleName(r);
      if (e) return `'FrameworkInfo.roles' contains invalid role: ${e}`;
    }
  } else {
    const e = validateRoleName(info.role ?? '*');
    if (e) return `'FrameworkInfo.role' is not a valid role: ${e}`;
  }
  const id = info.id?.value;
  if (id) {
    if (/[\x00-\x1f\x7f/\\]/.test(id) || id === '.' || id === '..') return `'${id}' contains invalid characters`;
  }
  // Duration::create(seconds) fails when seconds * 1e9 overflows int64 (|value| > ~9.22e9 s).
  const ft = info.failover_timeout ?? 0;
  if (!Number.isFinite(ft) || Math.abs(ft * 1e9) > 9223372036854775807) return `The framework failover_timeout (${stringifyDouble(ft)}) is invalid`;
  return undefined;
}

/** C++ `stringify(double)` (ostream default precision 6, %g-like). */
export function stringifyDouble(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  let s = x.toPrecision(6);
  if (s.includes('e')) {
    let [m, e] = s.split('e') as [string, string];
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const sign = e.startsWith('-') ? '-' : '+';
    const digits = e.replace(/^[+-]/, '').padStart(2, '0');
    return `${m}e${sign}${digits}`;
  }
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

export function validateSuppressedRoles(roles: readonly string[], suppressed: readonly string[] | undefined): string | undefined {
  const invalid = [...new Set(suppressed ?? [])].filter((r) => !roles.includes(r)).sort();
  if (invalid.length) return `Suppressed roles { ${invalid.join(', ')} } are not contained in the set of roles`;
  return undefined;
}

export function validateOfferConstraintRoles(roles: readonly string[], constraints: unknown): string | undefined {
  const rc = (constraints as { role_constraints?: Record<string, unknown> } | undefined)?.role_constraints;
  for (const role of Object.keys(rc ?? {})) {
    if (!roles.includes(role)) return `Offer constraints specify \`role_constraints\` for a role '${role}'not contained in the set of roles`;
  }
  return undefined;
}

/** Re-subscription: a changed principal is an error (user/checkpoint changes are preserved silently). */
export function validatePrincipalUnchanged(oldInfo: FrameworkInfo, newInfo: FrameworkInfo): string | undefined {
  if ((oldInfo.principal ?? null) !== (newInfo.principal ?? null)) return "Changing framework's principal is not allowed.";
  return undefined;
}

/** UPDATE_FRAMEWORK: `validateUpdate` (principal, user, checkpoint). */
export function validateFrameworkUpdate(oldInfo: FrameworkInfo, newInfo: FrameworkInfo): string | undefined {
  const p = validatePrincipalUnchanged(oldInfo, newInfo);
  if (p) return p;
  if (newInfo.user !== oldInfo.user) return `Updating 'FrameworkInfo.user' is unsupported; attempted to update from '${oldInfo.user}' to '${newInfo.user}'`;
  if ((newInfo.checkpoint ?? false) !== (oldInfo.checkpoint ?? false)) {
    return `Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from '${String(oldInfo.checkpoint ?? false)}' to '${String(newInfo.checkpoint ?? false)}'`;
  }
  return undefined;
}

/** `preserveImmutableFields`: SUBSCRIBE keeps the old user and checkpoint. */
export function preserveImmutableFields(oldInfo: FrameworkInfo, newInfo: FrameworkInfo): FrameworkInfo {
  return { ...newInfo, user: oldInfo.user, checkpoint: oldInfo.checkpoint ?? false };
}

/** Deep equality for ExecutorInfo comparison (protobuf `==` on the serialised message). */
export function executorInfoEquals(a: ExecutorInfo, b: ExecutorInfo): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v as object)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export interface TaskValidationContext {
  frameworkId: string;
  agentId: string;
  /** Task ids present in `framework.tasks`. */
  hasTask(taskId: string): boolean;
  /** The ExecutorInfo of a running executor with this id on the agent (this framework), if any. */
  existingExecutor(executorId: string): ExecutorInfo | undefined;
  /** Resources still available in the accepted offers (after earlier tasks of the same ACCEPT). */
  offered: ResourceBag;
  /** The role the accepted offers are allocated to (default "*"). */
  offerRole?: string;
}

/** `resource::validateAllocatedToSingleRole`. The master injects the offer's allocation info into operation
 * resources that lack it (`injectAllocationInfo`) before validating, so only a scheduler that set it wrongly fails. */
export function validateAllocatedToSingleRole(resources: readonly Resource[]): string | undefined {
  let role: string | undefined;
  for (const r of resources) {
    if (r.allocation_info?.role === undefined) return 'The resources are not allocated to a role';
    const own = r.allocation_info.role;
    if (role === undefined) role = own;
    else if (own !== role) return `The resources have multiple allocation roles ('${own}' and '${role}') but only one allocation role is allowed`;
  }
  return undefined;
}

/** `protobuf::injectAllocationInfo` for a LAUNCH: task and executor resources without allocation info get the
 * offer's. Mutates `task`, as the master does before validating and storing it. */
export function injectAllocationInfo(task: TaskInfo, role: string): void {
  for (const r of task.resources ?? []) r.allocation_info ??= { role };
  for (const r of task.executor?.resources ?? []) r.allocation_info ??= { role };
}

/**
 * `validation::task::validate`: the task's own fields, then its executor, then resources against the offer.
 * `task.executor.framework_id` is expected to be filled in by the master before this runs.
 * Returns the error and the resources the task (plus a new executor) consumes.
 */
export function validateTask(task: TaskInfo, ctx: TaskValidationContext): { error?: string; consumes: ResourceBag } {
  const consumes = bagFrom(task.resources);
  const id = task.task_id.value;
  if (/[\x00-\x1f\x7f/\\]/.test(id)) return { error: `TaskID '${id}' contains invalid characters`, consumes };
  if (ctx.hasTask(id)) return { error: `Task has duplicate ID: ${id}`, consumes };
  if (task.agent_id.value !== ctx.agentId) return { error: `Task uses invalid agent ${task.agent_id.value} while agent ${ctx.agentId} is expected`, consumes };
  if (!task.resources || task.resources.length === 0) return { error: 'Task uses no resources', consumes };
  for (const r of task.resources) {
    if (r.type === 'SCALAR' && (!r.scalar || !(r.scalar.value >= 0))) return { error: `Task uses invalid resources: Invalid scalar resource ${r.name}`, consumes };
  }
  const single = validateAllocatedToSingleRole(task.resources);
  if (single) return { error: `Invalid task resources: ${single}`, consumes };
  if (!!task.executor === !!task.command) return { error: 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present', consumes };
  let total = consumes;
  if (task.executor) {
    const ex = task.executor;
    if (ex.type === 'DEFAULT' && ex.command) return { error: "'ExecutorInfo.command' must not be set for 'DEFAULT' executor", consumes };
    if (ex.type === 'CUSTOM' && !ex.command) return { error: "'ExecutorInfo.command' must be set for 'CUSTOM' executor", consumes };
    if (!ex.framework_id) return { error: "'ExecutorInfo.framework_id' must be set", consumes };
    if (ex.framework_id.value !== ctx.frameworkId) return { error: `ExecutorInfo has an invalid FrameworkID (Actual: ${ex.framework_id.value} vs Expected: ${ctx.frameworkId})`, consumes };
    const exSingle = validateAllocatedToSingleRole(ex.resources ?? []);
    if (exSingle) return { error: `Invalid executor resources: ${exSingle}`, consumes };
    const existing = ctx.existingExecutor(ex.executor_id.value);
    if (existing && !executorInfoEquals(existing, ex)) {
      return {
        error:
          'ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID).\n' +
          '------------------------------------------------------------\n' +
          `Existing ExecutorInfo:\n${JSON.stringify(existing)}\n` +
          '------------------------------------------------------------\n' +
          `ExecutorInfo:\n${JSON.stringify(ex)}\n` +
          '------------------------------------------------------------\n',
        consumes,
      };
    }
    if (ex.type !== undefined && ex.type !== 'CUSTOM') return { error: "'ExecutorInfo.type' must be 'CUSTOM'", consumes };
    if (!ex.command) return { error: "'ExecutorInfo.command' must be set", consumes };
    if (!existing) total = addBags(total, bagFrom(ex.resources));
  }
  // Resources compare with their reservation and allocation role (`Resources::contains`): everything offered is
  // allocated to the offer's role, so a resource allocated to another role is never covered.
  const offerRole = ctx.offerRole ?? '*';
  const totalRs = [...(task.resources ?? []), ...(task.executor && !ctx.existingExecutor(task.executor.executor_id.value) ? (task.executor.resources ?? []) : [])];
  if (!bagContains(ctx.offered, total) || totalRs.some((r) => (r.allocation_info?.role ?? offerRole) !== offerRole)) {
    return { error: `Total resources ${stringifyResources(totalRs)} required by task and its executor is more than available ${stringifyResources(bagToResources(ctx.offered, offerRole))}`, consumes: total };
  }
  return { consumes: total };
}
