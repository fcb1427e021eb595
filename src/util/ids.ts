/**
 * Job ids: 26-character ULIDs (Crockford base32: 48-bit ms timestamp, then 80 random bits), monotonic
 * within the process: in the same millisecond (or when the clock steps back) the random part is
 * incremented instead of redrawn, so ids sort in creation order. Unique across restarts and processes by
 * the random part; sortable by time, readable in logs, usable as a backend's dedup token.
 */
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const FORTY_BITS = 2 ** 40;
/** Random bytes drawn 4 KB at a time: one call to the CSPRNG per ~400 ids, not per id (one per enqueue under load). */
const RANDOM_POOL_BYTES = 4096;
const RANDOM_DRAW_BYTES = 10;
const randomPool = Buffer.alloc(RANDOM_POOL_BYTES);
let randomAt = RANDOM_POOL_BYTES;

function base32(value: number, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) {
    out = ALPHABET[value % 32]! + out;
    value = Math.floor(value / 32);
  }
  return out;
}

export class MonotonicUlid {
  private lastTime = -1;
  // The 80 random bits as two exact 40-bit halves (safe integers), incremented with carry.
  private hi = 0;
  private lo = 0;

  next(now = Date.now()): string {
    if (now > this.lastTime) {
      this.lastTime = now;
      if (randomAt + RANDOM_DRAW_BYTES > RANDOM_POOL_BYTES) {
        randomFillSync(randomPool);
        randomAt = 0;
      }
      this.hi = randomPool.readUIntBE(randomAt, 5);
      this.lo = randomPool.readUIntBE(randomAt + 5, 5);
      randomAt += RANDOM_DRAW_BYTES;
    } else if (++this.lo === FORTY_BITS) {
      this.lo = 0;
      if (++this.hi === FORTY_BITS) {
        // 2^80 ids in one millisecond cannot happen; move to the next millisecond rather than wrap.
        this.lastTime++;
        this.hi = 0;
      }
    }
    return base32(this.lastTime, 10) + base32(this.hi, 8) + base32(this.lo, 8);
  }
}
