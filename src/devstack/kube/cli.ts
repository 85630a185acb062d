import type { Command } from 'commander';

/** Registers `schedulerha devstack kube-apiserver`. (Filled in by the Kubernetes API emulator work.) */
export function registerKubeApiServerCommand(_devstack: Command): void {}
