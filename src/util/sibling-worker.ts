import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running the module `name` next to the caller's module (`callerUrl`: its import.meta.url). Under
 * tsx the caller is .ts and so is its sibling; from dist/ both are .js. Node 20 workers do not get tsx's loader hooks
 * (the entry fails with "Unknown file extension .ts"), so in development a tiny bootstrap registers tsx inside the
 * worker first.
 */
export function startSiblingWorker(callerUrl: string, name: string, options: WorkerOptions): Worker {
  const ext = callerUrl.endsWith('.ts') ? '.ts' : '.js';
  const entry = new URL(`./${name}${ext}`, callerUrl);
  if (ext === '.js') return new Worker(entry, options);
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`, {
    ...options,
    eval: true,
  });
}
