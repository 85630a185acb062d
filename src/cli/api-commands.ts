// `schedulerha validate | hash | render | crd`: the offline tools over src/api.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { API_VERSION, KIND, type SchedulerHA } from '../api/types.js';
import { formatIssue, validateSchedulerHA, type Issue } from '../api/validate.js';
import { describeObject, parseDocuments } from '../api/documents.js';
import { parseSchedulerArgv, specToArgv } from '../api/flags.js';
import { executorHash, executorHashInputs, executorIdFor } from '../api/hash.js';
import { applyDefaults } from '../api/defaults.js';
import { renderCrdYaml } from '../api/crd-yaml.js';

function readSource(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
}

interface DocReport {
  origin: string;
  object: string;
  errors: Issue[];
  warnings: Issue[];
  note?: string;
}

/** Validates every document of every file. Non-SchedulerHA objects get a shape check only. */
export function validateFiles(files: string[]): DocReport[] {
  const reports: DocReport[] = [];
  for (const file of files) {
    const { docs, errors } = parseDocuments(readSource(file), file);
    for (const e of errors) reports.push({ origin: e.origin, object: 'document', errors: [{ severity: 'error', path: '(document)', message: e.message }], warnings: [] });
    if (!docs.length && !errors.length) reports.push({ origin: file, object: 'file', errors: [{ severity: 'error', path: '(file)', message: 'contains no documents' }], warnings: [] });
    for (const d of docs) {
      const v = d.value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
      const isOurs = v && typeof v === 'object' && (v.kind === KIND || (typeof v.apiVersion === 'string' && v.apiVersion.startsWith('k8sm.io/')));
      if (isOurs) {
        const r = validateSchedulerHA(d.value);
        reports.push({ origin: d.origin, object: describeObject(d.value), ...r });
        continue;
      }
      const errs: Issue[] = [];
      if (!v || typeof v !== 'object' || Array.isArray(v)) errs.push({ severity: 'error', path: '(document)', message: 'is not a Kubernetes object' });
      else {
        if (typeof v.apiVersion !== 'string' || !v.apiVersion) errs.push({ severity: 'error', path: 'apiVersion', message: 'apiVersion is required' });
        if (typeof v.kind !== 'string' || !v.kind) errs.push({ severity: 'error', path: 'kind', message: 'kind is required' });
        if (typeof v.metadata?.name !== 'string' || !v.metadata.name) errs.push({ severity: 'error', path: 'metadata.name', message: 'metadata.name is required' });
      }
      reports.push({ origin: d.origin, object: describeObject(d.value), errors: errs, warnings: [], note: `not a ${KIND}: checked apiVersion, kind and metadata.name only` });
    }
  }
  return reports;
}

export function registerApiCommands(program: Command): void {
  program
    .command('validate')
    .description(`validate ${KIND} manifests (YAML or JSON, several documents per file); exit 1 on any error`)
    .requiredOption('-f, --filename <file...>', 'files to validate ("-" for stdin)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((opts: { filename: string[]; output: string }) => {
      const reports = validateFiles(opts.filename);
      const bad = reports.some((r) => r.errors.length > 0);
      if (opts.output === 'json') console.log(JSON.stringify(reports, null, 2));
      else {
        for (const r of reports) {
          const head = `${r.origin}: ${r.object}`;
          if (!r.errors.length) console.log(`${head}: valid${r.warnings.length ? ` with ${r.warnings.length} warning(s)` : ''}${r.note ? ` (${r.note})` : ''}`);
          else console.log(`${head}: ${r.errors.length} error(s)`);
          for (const i of [...r.errors, ...r.warnings]) console.log(`  ${formatIssue(i)}`);
        }
      }
      if (bad) process.exitCode = 1;
    });

  program
    .command('hash')
    .description('print the executor-config hash of a set of scheduler flags (only --allow-privileged, --api-servers, --auth-path, --cluster-*, --executor-*, --kubelet-*, --km-path, --profiling, --proxy-path count)')
    .argument('[flags...]', 'scheduler flags, e.g. --km-path=hdfs:///km --kubelet-sync-frequency=10s')
    .option('--explain', 'also print the canonical inputs the hash covers')
    .allowUnknownOption()
    .allowExcessArguments()
    .action((flags: string[], opts: { explain?: boolean }) => {
      const { config, errors } = parseSchedulerArgv(flags);
      if (errors.length) {
        for (const e of errors) console.error(`error: ${e.flag}: ${e.message}`);
        process.exitCode = 1;
        return;
      }
      const h = executorHash(config);
      console.log(h);
      if (opts.explain) {
        console.log(`executor id: ${executorIdFor(h)}`);
        for (const l of executorHashInputs(config)) console.log(`  ${l}`);
      }
    });

  program
    .command('render')
    .description(`print the scheduler command line and executor-config hash each ${KIND} in FILE renders to`)
    .requiredOption('-f, --filename <file...>', 'files with SchedulerHA documents ("-" for stdin)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((opts: { filename: string[]; output: string }) => {
      const results: Array<Record<string, unknown>> = [];
      let bad = false;
      for (const file of opts.filename) {
        const { docs, errors } = parseDocuments(readSource(file), file);
        for (const e of errors) {
          console.error(`${e.origin}: ${e.message}`);
          bad = true;
        }
        for (const d of docs) {
          const v = d.value as SchedulerHA;
          if (!v || v.kind !== KIND) continue;
          const r = validateSchedulerHA(v);
          if (r.errors.length) {
            console.error(`${d.origin}: ${describeObject(v)} is invalid:`);
            for (const i of r.errors) console.error(`  ${formatIssue(i)}`);
            bad = true;
            continue;
          }
          const spec = applyDefaults(v.spec);
          const argv = specToArgv(spec);
          const h = executorHash(parseSchedulerArgv(argv).config);
          results.push({ object: describeObject(v), apiVersion: API_VERSION, argv: ['schedulerha', 'scheduler', ...argv], executorHash: h, executorId: executorIdFor(h), warnings: r.warnings.map(formatIssue) });
        }
      }
      if (opts.output === 'json') console.log(JSON.stringify(results, null, 2));
      else
        for (const r of results) {
          console.log(`# ${r.object}`);
          const argv = r.argv as string[];
          console.log([`${argv[0]} ${argv[1]}`, ...argv.slice(2).map((a) => `  ${a}`)].join(' \\\n'));
          console.log(`# executor-config hash: ${r.executorHash} (executor id ${r.executorId})`);
          for (const w of r.warnings as string[]) console.log(`# ${w}`);
        }
      if (!results.length && !bad) {
        console.error(`no ${KIND} documents found`);
        bad = true;
      }
      if (bad) process.exitCode = 1;
    });

  program
    .command('crd')
    .description('print the SchedulerHA CustomResourceDefinition (generated from the schema)')
    .action(() => {
      process.stdout.write(renderCrdYaml());
    });
}
