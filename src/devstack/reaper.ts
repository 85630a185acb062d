// Process groups the local stack starts (the pod runner's pods, ManagedChild's etcd / ZooKeeper / operator) are
// registered here. On stop() or this process exiting, every group gets SIGKILL; a small watchdog child (connected
// by IPC) does the same if this process dies without running its exit handlers (SIGKILL), so nothing the stack
// started outlives it.
import { spawn, type ChildProcess } from 'node:child_process';

const WATCHDOG = `
const groups = new Set();
process.on('message', (m) => { if (m && m.add) groups.add(m.add); if (m && m.del) groups.delete(m.del); });
process.on('disconnect', () => { for (const g of groups) { try { process.kill(-g, 'SIGKILL'); } catch {} } process.exit(0); });
`;

export class Reaper {
  private readonly groups = new Set<number>();
  private watchdog: ChildProcess | undefined;
  private readonly onExit = () => this.killAllSync();

  start(): void {
    process.once('exit', this.onExit);
    try {
      this.watchdog = spawn(process.execPath, ['-e', WATCHDOG], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], detached: true });
      this.watchdog.on('error', () => {});
      this.watchdog.unref();
      (this.watchdog as unknown as { channel?: { unref(): void } }).channel?.unref();
    } catch {
      this.watchdog = undefined;
    }
  }

  add(pgid: number): void {
    this.groups.add(pgid);
    this.watchdog?.send?.({ add: pgid }, () => {});
  }

  remove(pgid: number): void {
    this.groups.delete(pgid);
    this.watchdog?.send?.({ del: pgid }, () => {});
  }

  killAllSync(): void {
    for (const g of this.groups) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  stop(): void {
    this.killAllSync();
    process.off('exit', this.onExit);
    if (this.watchdog && this.watchdog.connected) this.watchdog.disconnect();
    this.watchdog = undefined;
  }
}
