import type { Command } from 'commander';

/** Registers `schedulerha devstack mesos-master`. (Filled in by the Mesos emulator work.) */
export function registerMesosMasterCommand(_devstack: Command): void {}
