/**
 * `npm run bench`: what Gatehouse costs and how fast it reacts, each figure beside a baseline
 * measured in the same run on the same machine (the machine is shared and noisy, so ratios are
 * what to compare). Writes bench/results/latest.md and latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { ackPath } from './ack-path.js';
import { callsPerAction } from './calls-per-action.js';
import { fanOut } from './fan-out.js';
import { governanceEconomy } from './governance-economy.js';
import { productionMemory } from './memory.js';
import { mondayMorning } from './monday.js';
import type { Row } from './report.js';
import { markdown } from './report.js';
import { roundTrip } from './round-trip.js';
import { slowGovernance } from './slow-governance.js';
import { timeToNotify } from './time-to-notify.js';
import { tracingCost } from './tracing-cost.js';
import { typeAhead } from './type-ahead.js';

const only = process.argv.slice(2);
const suites: [string, () => Promise<Row[]>][] = [
  ['ack', ackPath],
  ['tracing', tracingCost],
  ['slow-governance', slowGovernance],
  ['economy', governanceEconomy],
  ['calls', callsPerAction],
  ['type-ahead', typeAhead],
  ['round-trip', roundTrip],
  ['notify', timeToNotify],
  ['fan-out', fanOut],
  ['memory', productionMemory],
  ['monday', mondayMorning],
];

const rows: Row[] = [];
const started = Date.now();
for (const [name, run] of suites) {
  if (only.length > 0 && !only.includes(name)) continue;
  process.stdout.write(`running ${name}…\n`);
  rows.push(...(await run()));
}

const machine = {
  node: process.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  date: new Date().toISOString(),
  seconds: Math.round((Date.now() - started) / 1000),
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.json', import.meta.url), `${JSON.stringify({ machine, rows }, null, 2)}\n`);
const table = markdown(rows, machine);
writeFileSync(new URL('./results/latest.md', import.meta.url), table);
process.stdout.write(`\n${table}`);
process.exit(0);
