// One place that builds pino loggers: JSON lines by default (what log shippers want), readable output when
// stdout is a terminal or SCHEDULERHA_LOG_PRETTY=1. Children carry the context fields (key, term, framework id).
import { pino, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export interface LogOptions {
  name: string;
  level?: string;
  /** Force pretty (true) or JSON (false); default: pretty only on a TTY. */
  pretty?: boolean;
  /** Where to write; default stdout (fd 1). Tests pass a stream to capture lines. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LogOptions): Logger {
  const level = opts.level ?? process.env.SCHEDULERHA_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info';
  const base: LoggerOptions = {
    name: opts.name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const wantPretty = opts.pretty ?? (process.env.SCHEDULERHA_LOG_PRETTY === '1' || (process.stdout.isTTY === true && process.env.SCHEDULERHA_LOG_PRETTY !== '0'));
  if (wantPretty) {
    return pino(base, pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', destination: opts.destination ?? 1, sync: true }));
  }
  if (opts.destination) return pino(base, opts.destination);
  return pino(base, pino.destination({ dest: 1, sync: true }));
}

/** A logger that discards everything, for library code used without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
