/** The harness side of the load generator: forks it once, then runs one measurement at a time. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exchange } from '../ipc.js';
import type { FromGenerator, LoadResult, LoadSpec, ToGenerator } from './protocol.js';

const GENERATOR = fileURLToPath(new URL('./generator.ts', import.meta.url));

export class LoadGenerator {
  private constructor(private readonly child: ChildProcess) {}

  static start(): LoadGenerator {
    const child = fork(GENERATOR, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new LoadGenerator(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * One measurement: `onStart` runs once the generator is ready, just before it starts sending (sample the
   * server's CPU there); `onEnd` runs as soon as the result arrives.
   */
  async run<S, E>(spec: LoadSpec, onStart: () => S, onEnd: () => E): Promise<{ result: LoadResult; start: S; end: E }> {
    await this.exchange({ type: 'prepare', spec }, 'ready', 30_000);
    const start = onStart();
    const answer = await this.exchange({ type: 'go' }, 'result', (spec.durationSec + 60) * 1000);
    const end = onEnd();
    return { result: (answer as Extract<FromGenerator, { type: 'result' }>).result, start, end };
  }

  close(): void {
    if (this.child.connected) this.child.send({ type: 'exit' } satisfies ToGenerator);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    timer.unref();
  }

  private exchange(message: ToGenerator, expect: FromGenerator['type'], timeoutMs: number): Promise<FromGenerator> {
    return exchange<ToGenerator, FromGenerator>(this.child, 'load generator', message, expect, timeoutMs);
  }
}
