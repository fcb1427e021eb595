/** Shared by the migration tests: runners on fresh targets, a tampered copy of the migrations, a killable child runner. */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationsRoot } from '../../src/migrate/files.js';
import { REPO } from '../support/process.js';

/** A copy of the shipped migrations with one file edited (a comment appended): its checksum changes, its SQL does not. */
export function tamperedMigrations(dialect: string, file: string): string {
  const root = mkdtempSync(join(tmpdir(), 'manifold-migrations-'));
  cpSync(migrationsRoot(), root, { recursive: true });
  const path = join(root, dialect, file);
  writeFileSync(path, `${readFileSync(path, 'utf8')}\n-- edited after it was applied\n`);
  return root;
}

/** Starts runner-child.ts, resolves once it has paused mid-run, and kills it with SIGKILL. */
export async function killRunnerMidway(kind: 'postgres' | 'clickhouse', config: object, pauseAfter: number): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'test/migrate/runner-child.ts'), kind, JSON.stringify(config), String(pauseAfter)],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner child never paused:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('PAUSED')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`runner child exited before pausing:\n${output}`)));
  });
  child.kill('SIGKILL');
  const { signal } = await exited;
  if (signal !== 'SIGKILL') throw new Error(`runner child ended with ${signal}, not SIGKILL`);
}

/** Collects the progress reporter's lines, for assertions on what a run said. */
export function captureStream(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const stream = {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  return { stream, text: () => text };
}
