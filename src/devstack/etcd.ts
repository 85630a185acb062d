// Launches the real etcd binary (Debian `etcd-server`) on free loopback ports with a temporary data dir.
// Used by the tests, the benchmarks and `schedulerha devstack`. Supports the faults the tests inject:
// pause (SIGSTOP) / resume, kill, and restart on the same ports and data.
import { mkdtempSync, mkdirSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../util/net.js';
import { sleep } from '../util/time.js';
import { ManagedChild } from './managed-child.js';

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

export class EtcdServer {
  readonly dataDir: string;
  readonly logFile: string;
  clientPort = 0;
  peerPort = 0;
  private readonly proc = new ManagedChild();
  private readonly ownDataDir: boolean;

  private constructor(private readonly opts: EtcdOptions) {
    this.ownDataDir = !opts.dataDir;
    this.dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'schedulerha-etcd-'));
    mkdirSync(this.dataDir, { recursive: true });
    this.logFile = join(this.dataDir, 'etcd.log');
  }

  static async start(opts: EtcdOptions = {}): Promise<EtcdServer> {
    const e = new EtcdServer(opts);
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
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc.running;
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
      this.proc.start(
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
        this.logFile,
      );
      if (await this.waitHealthy(timeout)) return;
      const log = existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
      this.proc.killNow();
      await this.proc.exited;
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
    this.proc.pause();
  }

  resume(): void {
    this.proc.resume();
  }

  /** SIGKILL without cleanup. */
  killNow(): void {
    this.proc.killNow();
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s). Keeps the data dir for `restart`. */
  async halt(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.proc.halt(signal);
  }

  /** Starts etcd again on the same ports with the same data (leases are restored by etcd with full TTL). */
  async restart(): Promise<void> {
    await this.halt();
    await this.launch(false);
  }

  async stop(): Promise<void> {
    await this.halt();
    if (this.ownDataDir && !this.opts.keepData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
