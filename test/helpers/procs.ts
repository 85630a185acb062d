// Child processes started by tests: every one is tracked and killed (SIGCONT then SIGKILL) when the test ends,
// so no test leaves a process behind even when it fails half-way.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/** Absolute path of the compiled CLI (dist/src/cli.js). */
export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cli.js');

export interface Proc {
  child: ChildProcess;
  pid: number;
  /** All stdout+stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when gone. */
  stop(graceMs?: number): Promise<void>;
}

export class ProcGroup {
  private readonly procs = new Set<Proc>();

  spawn(cmd: string, args: string[], opts: SpawnOptions = {}): Proc {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | string>((res) => child.once('exit', (code, sig) => res(code ?? sig ?? -1)));
    const p: Proc = {
      child,
      pid: child.pid!,
      output: () => out,
      exited,
      signal: (sig) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(sig);
      },
      stop: async (graceMs = 5000) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(t);
      },
    };
    this.procs.add(p);
    void exited.then(() => this.procs.delete(p));
    return p;
  }

  /** `node dist/src/cli.js <args>` with the same Node binary the tests run on. */
  cli(args: string[], opts: SpawnOptions = {}): Proc {
    return this.spawn(process.execPath, [CLI, ...args], opts);
  }

  async killAll(): Promise<void> {
    const all = [...this.procs];
    for (const p of all) {
      p.child.kill('SIGCONT');
      p.child.kill('SIGKILL');
    }
    await Promise.all(all.map((p) => p.exited));
  }
}

export async function exitOf(p: Proc, timeoutMs = 30_000): Promise<number | string> {
  const t = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  try {
    return await p.exited;
  } finally {
    clearTimeout(t);
  }
}

export { once };
