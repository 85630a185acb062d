#!/usr/bin/env node
// `npm run soak -- [flags]`: the chaos soak as a script (see cli.ts for the flags).
import { Command } from 'commander';
import { registerSoakCommand } from './cli.js';

const program = new Command('schedulerha-soak').exitOverride();
registerSoakCommand(program);
try {
  await program.parseAsync(['node', 'soak', 'soak', ...process.argv.slice(2)]);
} catch (err) {
  const e = err as { code?: string; exitCode?: number; message?: string };
  if (typeof e.code === 'string' && e.code.startsWith('commander.')) process.exitCode = e.exitCode ?? 1;
  else {
    console.error(`soak: ${e.message ?? String(err)}`);
    process.exitCode = 1;
  }
}
