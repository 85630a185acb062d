// Launches a real, standalone ZooKeeper (Debian package `zookeeper`) on a free loopback port with a temporary
// data dir — for master-detection tests and the local stack. Runs the package's jar directly
// (`java -cp /usr/share/java/zookeeper.jar org.apache.zookeeper.server.quorum.QuorumPeerMain <cfg>`; the jar's
// manifest Class-Path brings its dependencies), never the `zookeeperd` system service (which binds *:2181).
// Config per shared/reference/operator-and-etcd-clients.md §8.4: tickTime=500 (1 s minimum session timeout),
// clientPortAddress=127.0.0.1, admin.enableServer=false (else Jetty binds *:8080), 4-letter words for `ruok`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchedulerHAError } from '../util/errors.js';
import { freePort } from '../util/net.js';
import { sleep } from '../util/time.js';
import { ManagedChild } from './managed-child.js';

export const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
/** A logging backend for ZooKeeper's slf4j, when installed, so the log file says why a start failed. */
const SLF4J_SIMPLE_JAR = '/usr/share/java/slf4j-simple.jar';

export interface ZooKeeperOptions {
  /** Java binary; default `java` on PATH. */
  java?: string;
  /** Default /usr/share/java/zookeeper.jar. */
  jar?: string;
  /** Data dir; default a fresh temporary directory (removed on stop unless keepData). */
  dataDir?: string;
  keepData?: boolean;
  /** Default 500 ms (sessions from 2 × tick = 1 s up to 20 × tick = 10 s). */
  tickTimeMs?: number;
  maxSessionTimeoutMs?: number;
  startTimeoutMs?: number;
  /** Max JVM heap (default 256m). */
  heap?: string;
}

export class ZooKeeperMissingError extends SchedulerHAError {
  constructor(what: string) {
    super('ZooKeeperMissing', `${what}: install the Debian package \`zookeeper\` (apt-get install -y --no-install-recommends zookeeper; it brings a Java runtime). Do not install zookeeperd, which starts a system service on *:2181`);
  }
}

export class ZooKeeperServer {
  readonly host = '127.0.0.1';
  readonly dataDir: string;
  readonly logFile: string;
  port = 0;
  private readonly proc = new ManagedChild();
  private readonly ownDataDir: boolean;

  private constructor(private readonly opts: ZooKeeperOptions) {
    this.ownDataDir = !opts.dataDir;
    this.dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'schedulerha-zk-'));
    this.logFile = join(this.dataDir, 'zookeeper.log');
  }

  /** Checks that java and the ZooKeeper jar are installed; throws ZooKeeperMissingError otherwise. */
  static async checkInstalled(opts: Pick<ZooKeeperOptions, 'java' | 'jar'> = {}): Promise<void> {
    const jar = opts.jar ?? ZOOKEEPER_JAR;
    if (!existsSync(jar)) throw new ZooKeeperMissingError(`ZooKeeper jar ${jar} not found`);
    const java = opts.java ?? 'java';
    const ok = await new Promise<boolean>((resolve) => {
      const c = spawn(java, ['-version'], { stdio: 'ignore' });
      c.once('error', () => resolve(false));
      c.once('exit', (code) => resolve(code === 0));
    });
    if (!ok) throw new ZooKeeperMissingError(`no working Java runtime ("${java} -version" failed)`);
  }

  static async start(opts: ZooKeeperOptions = {}): Promise<ZooKeeperServer> {
    await ZooKeeperServer.checkInstalled(opts);
    const z = new ZooKeeperServer(opts);
    try {
      await z.launch(true);
    } catch (err) {
      await z.stop();
      throw err;
    }
    return z;
  }

  /** `127.0.0.1:<port>`, what ZooKeeper clients take. */
  get connectionString(): string {
    return `${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc.running;
  }

  private writeConfig(): string {
    const cfg = join(this.dataDir, 'zoo.cfg');
    const tick = this.opts.tickTimeMs ?? 500;
    mkdirSync(join(this.dataDir, 'data'), { recursive: true });
    writeFileSync(
      cfg,
      [
        `tickTime=${tick}`,
        `dataDir=${join(this.dataDir, 'data')}`,
        `clientPort=${this.port}`,
        `clientPortAddress=${this.host}`,
        'admin.enableServer=false',
        '4lw.commands.whitelist=ruok,srvr,mntr,stat',
        'maxClientCnxns=0',
        ...(this.opts.maxSessionTimeoutMs ? [`maxSessionTimeout=${this.opts.maxSessionTimeoutMs}`] : []),
        '',
      ].join('\n'),
    );
    return cfg;
  }

  private async launch(pickPort: boolean): Promise<void> {
    const timeout = this.opts.startTimeoutMs ?? 30_000;
    const jar = this.opts.jar ?? ZOOKEEPER_JAR;
    const cp = existsSync(SLF4J_SIMPLE_JAR) ? `${jar}:${SLF4J_SIMPLE_JAR}` : jar;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (pickPort || !this.port) this.port = await freePort(this.host);
      const cfg = this.writeConfig();
      this.proc.start(
        this.opts.java ?? 'java',
        [
          `-Xmx${this.opts.heap ?? '256m'}`,
          '-XX:+UseSerialGC',
          '-Dzookeeper.admin.enableServer=false',
          '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
          '-Dorg.slf4j.simpleLogger.showDateTime=true',
          '-cp',
          cp,
          'org.apache.zookeeper.server.quorum.QuorumPeerMain',
          cfg,
        ],
        this.logFile,
      );
      if (await this.waitReady(timeout)) return;
      const log = existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
      this.proc.killNow();
      await this.proc.exited;
      if (/Address already in use|BindException/.test(log)) {
        if (!pickPort) await sleep(300);
        continue;
      }
      throw new Error(`ZooKeeper did not answer ruok on ${this.connectionString} within ${timeout} ms; log ${this.logFile}:\n${log.slice(-2000)}`);
    }
    throw new Error(`ZooKeeper could not bind a loopback port after 5 attempts (last ${this.connectionString}); log ${this.logFile}`);
  }

  private async waitReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) return false;
      // `imok` only means the JVM is up; `srvr` says whether it serves requests yet.
      if ((await this.fourLetter('ruok', 1000).catch(() => '')) === 'imok' && /Mode: /.test(await this.fourLetter('srvr', 1000).catch(() => ''))) return true;
      await sleep(100);
    }
    return false;
  }

  /** Sends a four-letter word (ruok, srvr, mntr, stat) and returns the answer. */
  fourLetter(cmd: 'ruok' | 'srvr' | 'mntr' | 'stat', timeoutMs = 2000): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: this.host, port: this.port });
      let out = '';
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error(`ZooKeeper ${cmd} timed out`));
      }, timeoutMs);
      s.once('connect', () => s.write(cmd));
      s.on('data', (d) => (out += d.toString('utf8')));
      s.once('error', (err) => {
        clearTimeout(t);
        reject(err);
      });
      s.once('close', () => {
        clearTimeout(t);
        resolve(out.trim());
      });
    });
  }

  /** True when ZooKeeper answers `ruok` with `imok` (the process is up; see `serving` for readiness). */
  async ruok(): Promise<boolean> {
    return (await this.fourLetter('ruok').catch(() => '')) === 'imok';
  }

  /** True when ZooKeeper serves client requests (`srvr` reports a mode). */
  async serving(): Promise<boolean> {
    return /Mode: /.test(await this.fourLetter('srvr').catch(() => ''));
  }

  /** SIGSTOP: the port stays bound but nothing answers (sessions expire from the clients' point of view). */
  pause(): void {
    this.proc.pause();
  }

  resume(): void {
    this.proc.resume();
  }

  killNow(): void {
    this.proc.killNow();
  }

  /** Stops the process (SIGTERM, SIGKILL after 5 s); keeps the data for `restart`. */
  async halt(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.proc.halt(signal);
  }

  /** Starts ZooKeeper again on the same port with the same data (sessions survive if clients reconnect in time). */
  async restart(): Promise<void> {
    await this.halt();
    await this.launch(false);
  }

  async stop(): Promise<void> {
    await this.halt();
    if (this.ownDataDir && !this.opts.keepData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
