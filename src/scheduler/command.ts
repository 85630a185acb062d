// `schedulerha scheduler [flags]`: one HA scheduler replica. Flags keep the original km scheduler names and are
// validated by the same rules as the SchedulerHA resource; bad flags exit 1 with the validator's message.
// Signals: USR1 → failover (resign with --ha; restart the Mesos connection in place without); TERM/INT → resign,
// stop, exit 0 within the grace period. Never tears the framework down.
import type { Command } from 'commander';
import { parseSchedulerArgv, schedulerFlagsHelp, type SchedulerConfig } from '../api/flags.js';
import { formatIssue, validateSchedulerConfig } from '../api/validate.js';
import { createLogger, type Logger } from '../util/log.js';
import { errorMessage } from '../util/errors.js';
import { Replica } from './replica.js';
import type { TaskManagerFactory } from './task-manager.js';

/** Exit within Kubernetes' default 30 s grace period even if etcd or Mesos hang. */
export const SHUTDOWN_GRACE_MS = 25_000;

export interface ParsedSchedulerFlags {
  config?: SchedulerConfig;
  errors: string[];
  warnings: string[];
}

export function parseAndValidate(argv: string[]): ParsedSchedulerFlags {
  const { config, errors } = parseSchedulerArgv(argv);
  if (errors.length) return { errors: errors.map((e) => `error: ${e.flag}: ${e.message}`), warnings: [] };
  const v = validateSchedulerConfig(config);
  return { config, errors: v.errors.map(formatIssue), warnings: v.warnings.map(formatIssue) };
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** --log-level when given; else $SCHEDULERHA_LOG_LEVEL (how every process of a local stack or test is switched to
 * debug without touching its command line); else the flag's default. */
export function logLevelFor(argv: readonly string[], configured: string, env: NodeJS.ProcessEnv = process.env): string {
  if (argv.some((a) => a === '--log-level' || a.startsWith('--log-level='))) return configured;
  const fromEnv = env.SCHEDULERHA_LOG_LEVEL?.trim().toLowerCase();
  return fromEnv && LEVELS.has(fromEnv) ? fromEnv : configured;
}

/** Task managers by name, registered by the modules that provide them (the pod scheduler adds "pods"). */
const taskManagers = new Map<string, (config: SchedulerConfig, log: Logger) => TaskManagerFactory | undefined>();
export function registerTaskManager(name: string, f: (config: SchedulerConfig, log: Logger) => TaskManagerFactory | undefined): void {
  taskManagers.set(name, f);
}

export async function runScheduler(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('Usage: schedulerha scheduler [flags]\n\nOne scheduler replica. Flags use the original km scheduler names.\n');
    console.log(schedulerFlagsHelp());
    return 0;
  }
  const parsed = parseAndValidate(argv);
  if (parsed.errors.length || !parsed.config) {
    for (const e of parsed.errors) console.error(e);
    console.error('schedulerha scheduler: invalid flags (see --help)');
    return 1;
  }
  const config = parsed.config;
  const log = createLogger({ name: 'scheduler', level: logLevelFor(argv, config.logLevel) });
  for (const w of parsed.warnings) log.warn(w);
  let factory: TaskManagerFactory | undefined;
  for (const [, f] of taskManagers) factory ??= f(config, log);
  let replica: Replica;
  let fatal: (() => void) | undefined;
  try {
    replica = new Replica({ config, logger: log, ...(factory ? { taskManager: factory } : {}), onFatal: () => fatal?.() });
    await replica.start();
  } catch (err) {
    log.fatal({ err: errorMessage(err) }, 'scheduler failed to start');
    return 1;
  }
  return await new Promise<number>((resolve) => {
    let exiting = false;
    let code = 0;
    fatal = () => {
      code = 1;
      shutdown('fatal');
    };
    const shutdown = (signal: string) => {
      if (exiting) return;
      exiting = true;
      log.info({ signal }, 'shutting down: resigning and stopping (the framework stays registered)');
      const hard = setTimeout(() => {
        log.error('shutdown grace period exceeded; exiting');
        resolve(code);
      }, SHUTDOWN_GRACE_MS);
      hard.unref();
      replica.stop().then(
        () => {
          clearTimeout(hard);
          log.info('stopped');
          resolve(code);
        },
        (err: unknown) => {
          clearTimeout(hard);
          log.error({ err: errorMessage(err) }, 'error while stopping');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGUSR1', () => {
      log.warn({ signal: 'SIGUSR1' }, 'failover requested');
      void replica.failover('USR1').catch((err: unknown) => log.error({ err: errorMessage(err) }, 'failover failed'));
    });
  });
}

export function registerSchedulerCommand(program: Command): void {
  program
    .command('scheduler')
    .description('run one highly available scheduler replica (flags: schedulerha scheduler --help)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[flags...]')
    .action(async (flags: string[]) => {
      process.exitCode = await runScheduler(flags);
      // Exit promptly: lingering gRPC/HTTP handles must not keep a stopped replica alive.
      setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
    });
}
