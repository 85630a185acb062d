// `schedulerha gen-manifests`: writes every generated manifest into the source tree (`npm run gen`).
// Tests fail when a committed file differs from what this would write.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { CRD_FILE, renderCrdYaml } from '../api/crd-yaml.js';
import { REFERENCE_FILE, renderReferenceDoc } from '../docs/reference.js';
import { generatedInstallFiles } from '../manifests/render.js';

/** Every generated file: path (relative to the repository root) → content. */
export function generatedManifests(): Map<string, string> {
  return new Map([
    [CRD_FILE, renderCrdYaml()],
    [REFERENCE_FILE, renderReferenceDoc()],
    // manifests/install.yaml, rbac/, operator/, kustomization.yaml, the Helm chart's Chart.yaml and crds/
    ...generatedInstallFiles(),
  ]);
}

export function registerGenManifestsCommand(program: Command): void {
  program
    .command('gen-manifests')
    .description('regenerate the committed generated files (CRD, reference docs, install manifests, Helm chart CRD) from the sources')
    .option('--root <dir>', 'repository root', '.')
    .action((opts: { root: string }) => {
      for (const [rel, content] of generatedManifests()) {
        const file = join(opts.root, rel);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
        console.log(`wrote ${rel}`);
      }
    });
}
