// Launches the real etcd binary (Debian `etcd-server`) on free loopback ports with a temporary data dir.
// Used by the tests, the benchmarks and `schedulerha devstack`. Supports the faults the tests inject:
// pause (SIGSTOP) / resume, kill, and restart on the same ports and data.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../util/net.js';
import { sleep } from '../util/time.js';

export interface EtcdOptions {
  /** Binary to run; default `etcd` on PATH. */
  bin?: string;
  /** Keep the data dir after stop (default false). */
  keepData?: boolean;
  /** Data dir; default a fresh temporary directory. */
  dataDir?: string;
  /** Extra etcd flags. */
  args?: string[];
  startTimeoutMs?: number;
}

const live = new Set<EtcdServer>();
process.once('exit', () => {
  for (const e of live) e.killNow();
});

export class EtcdServer {
  readonly dataDir: string;
  readonly logFile: string;
  clientPort = 0;
  peerPort = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly ownDataDir: boolean;

  private constructor(private readonly opts: EtcdOptions) {
    this.ownDataDir = !opts.dataDir;
    this.dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'schedulerha-etcd-'));
    this.logFile = join(this.dataDir, 'etcd.log');
  }

  static async start(opts: EtcdOptions = {}): Promise<EtcdServer> {
    const e = new EtcdServer(opts);
    live.add(e);
    try {
      await e.launch(true);
    } catch (err) {
      await e.stop();
      throw err;
    }
    return e;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  private async launch(pickPorts: boolean): Promise<void> {
    const timeout = this.opts.startTimeoutMs ?? 20_000;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (pickPorts || !this.clientPort) {
        this.clientPort = await freePort();
        this.peerPort = await freePort();
      }
      const client = `http://127.0.0.1:${this.clientPort}`;
      const peer = `http://127.0.0.1:${this.peerPort}`;
      const fd = openSync(this.logFile, 'a');
      const child = spawn(
        this.opts.bin ?? 'etcd',
        [
          '--name', 'schedulerha',
          '--data-dir', join(this.dataDir, 'data'),
          '--listen-client-urls', client,
          '--advertise-client-urls', client,
          '--listen-peer-urls', peer,
          '--initial-advertise-peer-urls', peer,
          '--initial-cluster', `schedulerha=${peer}`,
          '--initial-cluster-state', 'new',
          '--log-outputs', 'stderr',
          ...(this.opts.args ?? []),
        ],
        { stdio: ['ignore', fd, fd] },
      );
      closeSync(fd);
      this.child = child;
      this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
      child.once('error', () => undefined);
      if (await this.waitHealthy(timeout)) return;
      const log = existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
      this.killNow();
      await this.exited;
      if (/address already in use/.test(log) && pickPorts) continue;
      if (/address already in use/.test(log) && attempt < 4) {
        await sleep(300);
        continue;
      }
      throw new Error(`etcd did not become healthy on ${client} within ${timeout} ms; log ${this.logFile}:\n${log.slice(-2000)}`);
    }
    throw new Error('etcd could not bind free loopback ports after 5 attempts');
  }

  private async waitHealthy(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) return false;
      try {
        const r = await fetch(`${this.endpoint}/health`, { signal: AbortSignal.timeout(1000) });
        const body = (await r.json()) as { health?: string };
        if (r.ok && body.health === 'true') return true;
      } catch {
        // not up yet
      }
      await sleep(50);
    }
    return false;
  }

  /** SIGSTOP: etcd stays bound but answers nothing (a pause, like a long GC or a frozen VM). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGKILL without cleanup. */
  killNow(): void {
    if (this.child && this.running) {
      this.child.kill('SIGCONT');
      this.child.kill('SIGKILL');
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s). Keeps the data dir for `restart`. */
  async halt(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.child || !this.running) return;
    this.child.kill('SIGCONT');
    this.child.kill(signal);
    const t = setTimeout(() => this.killNow(), 5000);
    await this.exited;
    clearTimeout(t);
  }

  /** Starts etcd again on the same ports with the same data (leases are restored by etcd with full TTL). */
  async restart(): Promise<void> {
    await this.halt();
    await this.launch(false);
  }

  async stop(): Promise<void> {
    await this.halt();
    live.delete(this);
    if (this.ownDataDir && !this.opts.keepData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
