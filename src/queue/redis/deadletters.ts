/** Reading dead letters (list, show): plain reads, no script needed. */
import type { Redis } from 'ioredis';
import type { DeadLetter } from '../contract.js';
import { backendKey, backendsKey, F, jobKey } from './keys.js';

export async function listDeadLetters(client: Redis, base: string, backend?: string): Promise<DeadLetter[]> {
  const backends = backend !== undefined ? [backend] : await client.smembers(backendsKey(base));
  const ranges = await pipelined(
    client,
    backends.map((b) => ['zrange', backendKey(base, b, 'dead'), 0, -1]),
  );
  const ids = ranges.flatMap((r) => r as string[]);
  const rows = (await pipelined(
    client,
    ids.map((id) => ['hgetall', jobKey(base, id)]),
  )) as Record<string, string>[];
  const dead = ids.map((id, i) => ({ id, row: rows[i]! })).filter(({ row }) => row[F.state] === 'D');
  dead.sort((x, y) => Number(x.row[F.seq]) - Number(y.row[F.seq]));
  return dead.map(({ id, row }) => toDeadLetter(id, row));
}

export async function showDeadLetter(client: Redis, base: string, id: string): Promise<(DeadLetter & { payload: Uint8Array }) | null> {
  const row = await client.hgetall(jobKey(base, id));
  if (row[F.state] !== 'D') return null;
  const payload = await client.hgetBuffer(row[F.payloadKey]!, 'd');
  if (!payload) return null;
  return { ...toDeadLetter(id, row), payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength) };
}

function toDeadLetter(id: string, row: Record<string, string>): DeadLetter {
  return {
    id,
    backend: row[F.backend]!,
    items: Number(row[F.items]),
    bytes: Number(row[F.bytes]),
    attempts: Number(row[F.attempts]),
    enqueuedAt: Number(row[F.enqueuedAt]),
    deadAt: Number(row[F.deadAt]),
    reason: row[F.reason] ?? '',
    firstError: row[F.firstError] ?? '',
    lastError: row[F.lastError] ?? '',
  };
}

async function pipelined(client: Redis, commands: (string | number)[][]): Promise<unknown[]> {
  if (commands.length === 0) return [];
  const results = (await client.pipeline(commands as [string, ...(string | number)[]][]).exec()) ?? [];
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
