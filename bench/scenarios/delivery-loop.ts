/** The harness side of the native remote-write loop (load/remote-write-loop.ts): forks it and exchanges IPC messages. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exchange } from '../ipc.js';
import type { FromLoop, LoopResult, ToLoop } from '../load/remote-write-loop.js';

const LOOP = fileURLToPath(new URL('../load/remote-write-loop.ts', import.meta.url));

export class NativeLoop {
  private readonly child = fork(LOOP, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

  exchange(message: ToLoop, expect: FromLoop['type'], timeoutMs: number): Promise<FromLoop> {
    return exchange<ToLoop, FromLoop>(this.child, 'remote-write loop', message, expect, timeoutMs);
  }

  async run(durationSec: number, minCycles = 0): Promise<LoopResult> {
    const reply = await this.exchange({ type: 'go', durationSec, minCycles }, 'result', (durationSec + 60 + minCycles * 60) * 1000);
    return (reply as Extract<FromLoop, { type: 'result' }>).result;
  }

  close(): void {
    if (this.child.connected) this.child.send({ type: 'exit' } satisfies ToLoop);
    setTimeout(() => this.child.kill('SIGKILL'), 5_000).unref();
  }
}
