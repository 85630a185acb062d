// Rewrites the benchmark table in README.md from bench/results/*.json (run by `npm run bench` after the
// benchmarks; by hand: npm run build && node_modules/.bin/node dist/bench/readme-table.js).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readResults, renderBenchTable, withBenchTable } from './lib/readme-table.js';
import { RESULTS_DIR } from './lib/stats.js';

const readme = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'README.md');
writeFileSync(readme, withBenchTable(readFileSync(readme, 'utf8'), renderBenchTable(readResults(RESULTS_DIR))));
console.log(`updated the benchmark table in ${readme}`);
