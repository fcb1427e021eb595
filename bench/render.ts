/**
 * Re-renders RESULTS.md from results.json without measuring again (after editing NOTES.md or the report
 * layout); the pending-scenario list and notes are refreshed, the measurements are kept as they are.
 *
 *   node --import tsx bench/render.ts [DIR, default bench/]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderReport, type BenchReport } from './report.js';
import { deliveryLabels, pendingScenarios } from './scenarios/later.js';
import { ROOT } from './servers.js';

const dir = path.resolve(process.argv[2] ?? path.join(ROOT, 'bench'));
const report = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as BenchReport;
const notes = path.join(ROOT, 'bench', 'NOTES.md');
report.notes = existsSync(notes) ? readFileSync(notes, 'utf8') : undefined;
report.pending = pendingScenarios(undefined, { delivery: deliveryLabels(report.delivery ?? []), outage: (report.outage ?? []).length > 0 });
writeFileSync(path.join(dir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(path.join(dir, 'RESULTS.md'), renderReport(report));
console.log(`re-rendered ${path.join(dir, 'RESULTS.md')}`);
