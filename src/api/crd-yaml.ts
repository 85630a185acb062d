// The CRD as committed under manifests/crd/: YAML rendered from src/api/schema.ts with a stable layout.
import { stringify } from 'yaml';
import { buildCrd } from './schema.js';

export const CRD_FILE = 'manifests/crd/k8sm.io_schedulerhas.yaml';

export function renderCrdYaml(): string {
  return `# Generated from src/api/schema.ts by \`npm run gen\` — do not edit by hand.\n${stringify(buildCrd(), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
