// A long-running child process of the local stack (etcd, ZooKeeper, ...): output appended to a log file, the
// faults tests inject (pause = SIGSTOP, resume, kill), an orderly halt (SIGTERM, then SIGKILL after a grace), and
// never left behind when the parent exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { Reaper } from './reaper.js';

// Each child leads its own process group, registered with one reaper for this process: killed on exit, and by
// the reaper's watchdog when this process is SIGKILLed (a killed devstack or test leaves no etcd behind).
let reaper: Reaper | undefined;
function sharedReaper(): Reaper {
  if (!reaper) {
    reaper = new Reaper();
    reaper.start();
  }
  return reaper;
}

export class ManagedChild {
  private child: ChildProcess | undefined;
  private exitedP: Promise<void> = Promise.resolve();

  /** Starts `cmd args` with stdout and stderr appended to `logFile`. */
  start(cmd: string, args: string[], logFile: string, opts: { env?: NodeJS.ProcessEnv } = {}): void {
    const fd = openSync(logFile, 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], detached: true, ...(opts.env ? { env: opts.env } : {}) });
    closeSync(fd);
    this.child = child;
    const pgid = child.pid;
    if (pgid !== undefined) sharedReaper().add(pgid);
    this.exitedP = new Promise((resolve) =>
      child.once('exit', () => {
        if (pgid !== undefined) sharedReaper().remove(pgid);
        resolve();
      }),
    );
    child.once('error', () => undefined);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when the current process has exited. */
  get exited(): Promise<void> {
    return this.exitedP;
  }

  /** SIGSTOP: ports stay bound but nothing answers (a long GC pause, a frozen VM). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGKILL without cleanup (continued first, so a paused process dies too). */
  killNow(): void {
    if (this.child && this.running) {
      this.child.kill('SIGCONT');
      this.child.kill('SIGKILL');
    }
  }

  /** `signal` (default SIGTERM), then SIGKILL after `graceMs`; resolves when the process is gone. */
  async halt(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    if (!this.child || !this.running) return;
    this.child.kill('SIGCONT');
    this.child.kill(signal);
    const t = setTimeout(() => this.killNow(), graceMs);
    await this.exitedP;
    clearTimeout(t);
  }
}
