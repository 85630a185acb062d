// Typed errors. Every error a user can meet carries a machine `reason` (CamelCase, as a condition reason) and a
// message that says what is wrong and how to fix it.
export class SchedulerHAError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.reason = reason;
  }
}

/** An error that retrying will not fix (bad config, removed framework...). */
export class TerminalError extends SchedulerHAError {}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
