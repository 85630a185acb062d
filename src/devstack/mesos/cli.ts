// `schedulerha devstack mesos-master`: runs the Mesos master emulator alone on real time, prints the URLs it
// serves, and stops cleanly on SIGINT/SIGTERM.
import type { Command } from 'commander';
import { parseZkUrl } from '../../api/addresses.js';
import { MesosCluster } from './cluster.js';

interface Opts {
  listen: string;
  masters: string;
  agents: string;
  zk?: string;
  heartbeatSeconds: string;
  agentResources?: string;
  recoveryMs: string;
  offerTimeoutSeconds?: string;
  taskStartingMs: string;
  taskRunningMs: string;
}

function positiveInt(name: string, v: string, min = 0): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

/** Registers `schedulerha devstack mesos-master`. */
export function registerMesosMasterCommand(devstack: Command): void {
  devstack
    .command('mesos-master')
    .description('run the Mesos master emulator (v1 scheduler + operator HTTP API) on loopback')
    .option('--listen <host:port>', 'address of the first master; the others take free ports', '127.0.0.1:5050')
    .option('--masters <n>', 'number of masters (one leads, the others redirect)', '1')
    .option('--agents <n>', 'number of simulated agents', '3')
    .option('--agent-resources <spec>', 'resources of each agent, e.g. "cpus:4;mem:8192;disk:20000;ports:[31000-32000]"')
    .option('--zk <url>', 'register the masters in ZooKeeper (zk://host:port/path); leadership follows the group')
    .option('--heartbeat-seconds <n>', 'scheduler heartbeat interval', '15')
    .option('--recovery-ms <n>', 'a new leader answers 503 "Master has not finished recovery" this long', '0')
    .option('--offer-timeout-seconds <n>', 'rescind offers after this many seconds')
    .option('--task-starting-ms <n>', 'delay before TASK_STARTING', '100')
    .option('--task-running-ms <n>', 'delay from TASK_STARTING to TASK_RUNNING', '200')
    .action(async (o: Opts) => {
      // Port 0 is allowed here (any free port), unlike in the shared address parser.
      const colon = o.listen.lastIndexOf(':');
      const lhost = colon > 0 ? o.listen.slice(0, colon) : '';
      const lport = Number(o.listen.slice(colon + 1));
      if (!lhost || !Number.isInteger(lport) || lport < 0 || lport > 65535) throw new Error(`--listen: "${o.listen}" is not HOST:PORT (e.g. 127.0.0.1:5050; port 0 = any free port)`);
      const hp = { value: { host: lhost, port: lport } };
      const masters = positiveInt('masters', o.masters, 1);
      const agents = positiveInt('agents', o.agents, 0);
      const heartbeatSeconds = Number(o.heartbeatSeconds);
      if (!(heartbeatSeconds > 0)) throw new Error(`--heartbeat-seconds must be > 0, got "${o.heartbeatSeconds}"`);
      let zk: { connectionString: string; path: string } | undefined;
      if (o.zk) {
        const z = parseZkUrl(o.zk);
        if (!z.ok) throw new Error(`--zk: ${z.error}`);
        zk = { connectionString: z.value.connectionString, path: z.value.path };
      }
      const ports = [hp.value.port, ...Array.from({ length: masters - 1 }, () => 0)];
      const cluster = await MesosCluster.start({
        masters,
        agents: Array.from({ length: agents }, () => (o.agentResources ? { resources: o.agentResources } : {})),
        host: hp.value.host,
        ports,
        clock: 'real',
        heartbeatSeconds,
        recoveryMs: positiveInt('recovery-ms', o.recoveryMs),
        offerTimeoutMs: o.offerTimeoutSeconds !== undefined ? Number(o.offerTimeoutSeconds) * 1000 : undefined,
        taskTiming: { startingDelayMs: positiveInt('task-starting-ms', o.taskStartingMs), runningDelayMs: positiveInt('task-running-ms', o.taskRunningMs) },
        ...(zk ? { zk } : {}),
      });
      cluster.masterUrls.forEach((u, i) => console.log(`mesos master ${i}: ${u}${i === cluster.leaderIndex ? ' (leader)' : ''}`));
      console.log(`mesos master address: ${cluster.masterAddress}`);
      if (cluster.zkUrl) console.log(`mesos zk: ${cluster.zkUrl}`);
      console.log(`agents: ${cluster.agents.map((a) => a.id).join(', ')}`);
      console.log('ready');
      await new Promise<void>((resolve) => {
        const done = (): void => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await cluster.stop();
      console.log('stopped');
    });
}
