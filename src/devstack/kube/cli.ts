import type { Command } from 'commander';
import { KubeApiServer } from './server.js';
import { createLogger } from '../../util/log.js';

function parseListen(s: string): { host: string; port: number } {
  const m = s.match(/^\[?([^\]]*?)\]?:(\d+)$/);
  if (!m) throw new Error(`--listen must be HOST:PORT (got "${s}")`);
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

/** Registers `schedulerha devstack kube-apiserver`: runs the Kubernetes API emulator alone until SIGINT/SIGTERM. */
export function registerKubeApiServerCommand(devstack: Command): void {
  devstack
    .command('kube-apiserver')
    .description('run the Kubernetes API emulator (plain HTTP, token auth) and write a kubeconfig for it')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:0')
    .option('--kubeconfig <file>', 'write a kubeconfig for the emulator to this file')
    .option('--token <token>', 'bearer token clients must present (default: random)')
    .option('--watch-window <n>', 'watch events kept per resource before 410 Expired', (v) => Number(v), 1000)
    .option('--namespace <name...>', 'extra namespaces to create at start')
    .action(async (o: { listen: string; kubeconfig?: string; token?: string; watchWindow: number; namespace?: string[] }) => {
      const { host, port } = parseListen(o.listen);
      const log = createLogger({ name: 'kube-apiserver' });
      const server = await KubeApiServer.start({ host, port, token: o.token, watchWindow: o.watchWindow, namespaces: o.namespace, logger: log });
      if (o.kubeconfig) server.writeKubeconfig(o.kubeconfig);
      log.info({ url: server.url, kubeconfig: o.kubeconfig }, 'kube-apiserver emulator listening');
      // One machine-readable line for scripts and tests.
      process.stdout.write(`${JSON.stringify({ url: server.url, kubeconfig: o.kubeconfig ?? null })}\n`);
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await server.stop();
      log.info('kube-apiserver emulator stopped');
    });
}
