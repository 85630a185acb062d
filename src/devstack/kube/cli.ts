import type { Command } from 'commander';
import { KubeApiServer } from './server.js';
import { PodRunner } from './runner/runner.js';
import { createLogger } from '../../util/log.js';

function parseListen(s: string): { host: string; port: number } {
  const m = s.match(/^\[?([^\]]*?)\]?:(\d+)$/);
  if (!m) throw new Error(`--listen must be HOST:PORT (got "${s}")`);
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

/** NAME=ARGV (ARGV split on spaces), e.g. `schedulerha=/usr/bin/node /opt/schedulerha/dist/src/cli.js`. */
function parseMapping(v: string, prev: Record<string, string[]>): Record<string, string[]> {
  const i = v.indexOf('=');
  if (i <= 0) throw new Error(`a mapping must be NAME=COMMAND... (got "${v}")`);
  return { ...prev, [v.slice(0, i)]: v.slice(i + 1).split(' ').filter(Boolean) };
}

interface Opts {
  listen: string;
  kubeconfig?: string;
  token?: string;
  watchWindow: number;
  namespace?: string[];
  runPods?: boolean;
  nodeName: string;
  commandMap: Record<string, string[]>;
  imageMap: Record<string, string[]>;
  podLogDir?: string;
  rbac?: boolean;
}

/** Registers `schedulerha devstack kube-apiserver`: runs the Kubernetes API emulator (and, with --run-pods, the
 * pod runner against it) until SIGINT/SIGTERM. */
export function registerKubeApiServerCommand(devstack: Command): void {
  devstack
    .command('kube-apiserver')
    .description('run the Kubernetes API emulator (plain HTTP, token auth, optional RBAC) and write a kubeconfig for it')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:0')
    .option('--kubeconfig <file>', 'write a kubeconfig for the emulator to this file')
    .option('--token <token>', 'bearer token clients must present (default: random)')
    .option('--watch-window <n>', 'watch events kept per resource before 410 Expired', (v) => Number(v), 1000)
    .option('--namespace <name...>', 'extra namespaces to create at start')
    .option('--run-pods', 'also run the pod runner (StatefulSet controller, default scheduler, process kubelet)')
    .option('--node-name <name>', 'node name of the pod runner', 'devstack-node')
    .option('--command-map <NAME=ARGV>', 'run containers whose command is NAME as ARGV (repeatable); `schedulerha` maps to this CLI by default', parseMapping, {})
    .option('--image-map <IMAGE=ARGV>', 'entrypoint for containers of IMAGE without a command (repeatable)', parseMapping, {})
    .option('--pod-log-dir <dir>', 'directory for container logs (default: a temporary directory)')
    .option('--rbac', 'authorize ServiceAccount tokens with RBAC (the admin token stays all-powerful); with --run-pods every pod gets a token of its own ServiceAccount instead of the admin kubeconfig')
    .action(async (o: Opts) => {
      const { host, port } = parseListen(o.listen);
      const log = createLogger({ name: 'kube-apiserver' });
      const server = await KubeApiServer.start({ host, port, token: o.token, watchWindow: o.watchWindow, namespaces: o.namespace, rbac: !!o.rbac, logger: log });
      if (o.kubeconfig) server.writeKubeconfig(o.kubeconfig);
      let runner: PodRunner | undefined;
      if (o.runPods) {
        runner = await PodRunner.start({
          kubeconfig: server.kubeconfig,
          nodeName: o.nodeName,
          commandMap: { schedulerha: [process.execPath, process.argv[1]!], ...o.commandMap },
          imageMap: o.imageMap,
          logDir: o.podLogDir,
          keepLogs: !!o.podLogDir,
          env: o.kubeconfig && !o.rbac ? { KUBECONFIG: o.kubeconfig } : {},
          ...(o.rbac ? { serviceAccountTokens: true } : {}),
          logger: log.child({ component: 'pod-runner' }),
        });
      }
      log.info({ url: server.url, kubeconfig: o.kubeconfig, podLogs: runner?.logDir }, 'kube-apiserver emulator listening');
      // One machine-readable line for scripts and tests.
      process.stdout.write(`${JSON.stringify({ url: server.url, kubeconfig: o.kubeconfig ?? null, podLogDir: runner?.logDir ?? null })}\n`);
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await runner?.stop();
      await server.stop();
      log.info('kube-apiserver emulator stopped');
    });
}
