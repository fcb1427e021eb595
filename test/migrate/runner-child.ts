/**
 * A migration runner in its own process, for the kill -9 tests: it runs `up`, and after PAUSE_AFTER
 * statements (counted over the whole run) prints "PAUSED" and hangs in the next statement until killed.
 *   node --import tsx test/migrate/runner-child.ts postgres|clickhouse '<config json>' PAUSE_AFTER
 */
import { pino } from 'pino';
import { clickhouseAdapter } from '../../src/adapters/clickhouse/index.js';
import type { SchemaTarget } from '../../src/adapters/contract.js';
import { postgresAdapter } from '../../src/adapters/postgres/index.js';
import { defaultAppliedBy, MigrationRunner } from '../../src/migrate/index.js';

const [kind, json, pauseAfter] = process.argv.slice(2) as [string, string, string];
const context = { name: 'child', logger: pino({ level: 'silent' }), dataDir: '/tmp' };
const target: SchemaTarget =
  kind === 'postgres'
    ? postgresAdapter.schemaTarget!(postgresAdapter.configSchema.parse(JSON.parse(json)), context)
    : clickhouseAdapter.schemaTarget(clickhouseAdapter.configSchema.parse(JSON.parse(json)), context);

let executed = 0;
const exec = target.exec.bind(target);
target.exec = async (statement: string) => {
  if (executed++ === Number(pauseAfter)) {
    process.stdout.write('PAUSED\n');
    await new Promise(() => undefined);
  }
  await exec(statement);
};
await new MigrationRunner(target, { appliedBy: defaultAppliedBy('child (to be killed)') }).up();
process.stdout.write('DONE\n');
await target.close();
