#!/usr/bin/env node
// schedulerha: one binary, several roles. Each subcommand lives in its own module under src/cli/ (or next to
// the piece it runs) and registers itself here.
import { Command } from 'commander';
import { registerApiCommands } from './cli/api-commands.js';
import { registerGenManifestsCommand } from './cli/gen-manifests.js';
import { registerSchedulerCommand } from './scheduler/command.js';
import { registerOperatorCommand } from './operator/command.js';
import './scheduler/pods/index.js'; // registers the "pods" task manager with the scheduler command
import { registerMesosMasterCommand } from './devstack/mesos/cli.js';
import { registerKubeApiServerCommand } from './devstack/kube/cli.js';
import { registerDevstackCommand } from './devstack/command.js';

export function buildProgram(): Command {
  const program = new Command('schedulerha')
    .description('Highly available Kubernetes-on-Mesos scheduler and its SchedulerHA operator')
    .showHelpAfterError()
    .exitOverride()
    // Commander applies a command's positional options only when its parent has them too: without this,
    // `devstack kube-apiserver --kubeconfig F` hands --kubeconfig to `devstack`, not to the subcommand.
    .enablePositionalOptions();
  registerApiCommands(program);
  registerGenManifestsCommand(program);
  registerSchedulerCommand(program);
  registerOperatorCommand(program);
  const devstack = program
    .command('devstack')
    .description('run the whole stack locally with a live view: real etcd, the Mesos emulator (3 masters, 5 agents), the Kubernetes API emulator with the pod runner, the operator, the HA sample and pods; or run one emulator (subcommands)');
  registerDevstackCommand(devstack);
  registerMesosMasterCommand(devstack);
  registerKubeApiServerCommand(devstack);
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      // help / version exit 0; usage errors were already printed by commander.
      process.exitCode = e.exitCode ?? 1;
      return;
    }
    console.error(`schedulerha: ${e.message ?? String(err)}`);
    process.exitCode = 1;
  }
}

await main();
