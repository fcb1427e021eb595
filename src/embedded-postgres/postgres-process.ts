/**
 * The embedded PostgreSQL's server process (postgres-child.ts): at most one at a time, started when the front
 * (postgres.ts) needs it, stopped when told (idle, or close). A process that dies on its own is logged and counted;
 * the next connection starts another. Nothing queued is lost that way: a write in flight fails on the dropped
 * connection and the queue retries it.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { ChildInput, ChildMessage } from './postgres-child.js';

interface RunningChild {
  /** The loopback port the child's socket server listens on. */
  readonly port: number;
  /** Asks it to close the database and exit; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface ServerProcessStatus {
  readonly running: boolean;
  /** The running server process's pid. */
  readonly pid: number | undefined;
  readonly starts: number;
  readonly crashes: number;
}

export class PostgresProcess {
  private current: Promise<RunningChild> | undefined;
  private stopping: Promise<void> | undefined;
  private closed = false;
  private runningPid: number | undefined;
  private starts = 0;
  private crashes = 0;

  constructor(
    private readonly input: ChildInput,
    private readonly logger: Logger,
  ) {}

  status(): ServerProcessStatus {
    return { running: this.runningPid !== undefined, pid: this.runningPid, starts: this.starts, crashes: this.crashes };
  }

  /** The internal port of the running server process; starts one (after a stop under way has ended) if none runs. */
  async port(): Promise<number> {
    while (this.stopping) await this.stopping;
    if (this.closed) throw new Error('embedded postgres: closed');
    this.current ??= this.spawn();
    return (await this.current).port;
  }

  /** Stops the server process if one runs or is starting; resolves once it has exited. */
  stop(): Promise<void> {
    const current = this.current;
    if (!current) return this.stopping ?? Promise.resolve();
    this.current = undefined;
    const stopping: Promise<void> = current
      .then(
        (child) => child.stop(),
        () => undefined,
      )
      .finally(() => {
        if (this.stopping === stopping) this.stopping = undefined;
      });
    this.stopping = stopping;
    return stopping;
  }

  /** No more starts; the running process (if any) closes the database and exits. */
  close(): Promise<void> {
    this.closed = true;
    return this.stop();
  }

  private spawn(): Promise<RunningChild> {
    const started = Date.now();
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const child = fork(fileURLToPath(new URL(`./postgres-child${ext}`, import.meta.url)), [JSON.stringify(this.input)], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    let failure: string | undefined;
    let listening = false;
    let stopRequested = false;
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`));
      // A process that could not be spawned at all emits 'error' and no 'exit'.
      child.once('error', (error) => resolve(error.message));
    });
    const running = new Promise<RunningChild>((resolve, reject) => {
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'listening') {
          listening = true;
          this.runningPid = child.pid;
          this.starts++;
          this.logger.info({ pid: child.pid, ms: Date.now() - started }, 'embedded postgres: server process started');
          resolve({ port: message.port, stop });
        } else if (message.type === 'failed') failure = message.message;
        else this.logger.warn({ err: message.message }, 'embedded postgres: connection error');
      });
      // Rejected on exit, not on the failure message: the next start must not find this one still on the folder.
      void exited.then((how) =>
        reject(new Error(`embedded postgres: the server process exited (${how}) before listening: ${failure ?? stderr.trim()}`)),
      );
    });
    const stop = async (): Promise<void> => {
      stopRequested = true;
      if (child.connected) child.send({ type: 'close' });
      await exited;
    };
    void exited.then((how) => {
      if (this.current === running) this.current = undefined;
      if (!listening) return;
      this.runningPid = undefined;
      if (stopRequested) this.logger.info({ pid: child.pid }, 'embedded postgres: server process stopped');
      else {
        this.crashes++;
        this.logger.error(
          { pid: child.pid, exit: how, stderr: stderr.trim() || undefined },
          'embedded postgres: the server process died; the next connection starts it again',
        );
      }
    });
    return running;
  }
}
