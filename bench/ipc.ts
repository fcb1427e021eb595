/** One request-and-reply over a forked helper's IPC channel (the load generator, the native remote-write loop). */
import type { ChildProcess } from 'node:child_process';

/**
 * Sends `message` to `child` and resolves with its first reply of type `expect`; rejects on a reply of type
 * 'error' (its `message`), on the child's exit, or after timeoutMs. `what` names the child in errors.
 */
export function exchange<To, From extends { type: string }>(
  child: ChildProcess,
  what: string,
  message: To,
  expect: From['type'],
  timeoutMs: number,
): Promise<From> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${what}: no "${expect}" within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (reply: From) => {
      if (reply.type === 'error') finish(new Error(`${what} failed: ${(reply as unknown as { message: string }).message}`));
      else if (reply.type === expect) finish(undefined, reply);
    };
    const onExit = (code: number | null) => finish(new Error(`${what} exited (${code}) before "${expect}"`));
    const finish = (error?: Error, reply?: From) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(reply!);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send(message as object);
  });
}
