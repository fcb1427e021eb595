/**
 * What happens to leased jobs after the write: complete, retryLater, deadLetter. ARGV[1] is the backend, ARGV[2]
 * the settling holder's token and ARGV[3] now: a job another holder has leased since is left to that holder.
 */
import { COMMON } from './common.js';

/** ARGV: backend, token, now, ids... */
export const COMPLETE = `${COMMON}
local backend, token, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local n = 0
for i = 4, #ARGV do
  local j = settleable(backend, ARGV[i], token, now)
  if j then remove_live(backend, ARGV[i], j); n = n + 1 end
end
return n
`;

/**
 * Back in line at its old place (seq unchanged, so it comes before later jobs) but not ready before retryAt;
 * several jobs form (or keep) one group, leased again together and alone.
 * ARGV: backend, token, now, retryAt, error, ids...
 */
export const RETRY = `${COMMON}
local backend, token, now, retryAt, err = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local ids = {}
for i = 6, #ARGV do
  if settleable(backend, ARGV[i], token, now) then ids[#ids + 1] = ARGV[i] end
end
if #ids == 0 then return 0 end
local group = false
if #ids > 1 then
  group = call('HGET', jk(ids[1]), 'g')
  for _, id in ipairs(ids) do
    if call('HGET', jk(id), 'g') ~= group then group = false; break end
  end
  -- A group keeps its name; jobs that were not one group together become one.
  if not group then group = ids[1] .. '+' .. #ids end
end
for _, id in ipairs(ids) do
  local j = jk(id)
  local f = call('HMGET', j, 'g', 'q', 'f')
  if f[1] and f[1] ~= group then call('ZREM', gk(backend, f[1]), id) end
  if group then
    call('HSET', j, 'g', group)
    call('ZADD', gk(backend, group), f[2], id)
  else
    call('HDEL', j, 'g')
  end
  if not f[3] then call('HSET', j, 'f', err) end
  call('HSET', j, 'x', err, 'r', retryAt)
  call('HINCRBY', j, 'a', 1)
  call('HDEL', j, 'k')
  call('ZREM', bk(backend, 'leased'), id)
end
return #ids
`;

/** ARGV: backend, token, now, reason, error, ids... The payload stays with the dead letter. */
export const DEAD_LETTER = `${COMMON}
local backend, token, now, reason, err = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local n = 0
for i = 6, #ARGV do
  local id = ARGV[i]
  local j = settleable(backend, id, token, now)
  if j then
    local f = call('HMGET', j, 'g', 'q', 'f', 'n', 'z')
    call('ZREM', bk(backend, 'live'), id)
    call('ZREM', bk(backend, 'leased'), id)
    if f[1] then call('ZREM', gk(backend, f[1]), id) end
    call('HDEL', j, 'g', 'k')
    if not f[3] then call('HSET', j, 'f', err) end
    call('HSET', j, 's', 'D', 'why', reason, 'd', ARGV[3], 'x', err)
    call('HINCRBY', j, 'a', 1)
    call('ZADD', bk(backend, 'dead'), f[2], id)
    count(backend, -1, -tonumber(f[4]), -tonumber(f[5]), 1)
    n = n + 1
  end
end
return n
`;
