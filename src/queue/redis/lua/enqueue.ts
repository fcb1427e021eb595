/**
 * enqueue, atomically: bound checks for every backend first (a `refuse` bound answers before anything is
 * written: all or none), then `drop_oldest` drops, then the payloads (each stored once, refcounted) and the jobs.
 *
 * ARGV: now, nPayloads, nEntries, nBounds,
 *       payload blobs (nPayloads),
 *       entries: id, backend, payload index (1-based), items, bytes  (x nEntries),
 *       bounds: backend, maxBytes, maxAgeMs, policy, incoming bytes (x nBounds)
 * Reply: {'ok', backend, jobs, items, ...dropped}  |  {'refuse', backend, 'bytes'|'age', backlogBytes, incoming, ageMs}  |  {'dup'}
 */
import { COMMON } from './common.js';

export const ENQUEUE = `${COMMON}
local now = tonumber(ARGV[1])
local np, ne, nb = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local e0 = 5 + np
local b0 = e0 + 5 * ne

-- A resent command (the reply was lost) must not enqueue twice: the ids were made by the caller.
if call('EXISTS', jk(ARGV[e0])) == 1 then return {'dup'} end

local function oldest_age(backend)
  local first = call('ZRANGE', bk(backend, 'live'), 0, 0)
  if #first == 0 then return 0 end
  return now - tonumber(call('HGET', jk(first[1]), 'l'))
end

-- 1. Bounds: refuse answers before any write.
local over = {}
for i = 0, nb - 1 do
  local o = b0 + 5 * i
  local backend, maxBytes, maxAge, policy, incoming = ARGV[o], tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2]), ARGV[o + 3], tonumber(ARGV[o + 4])
  local bytes = tonumber(call('HGET', bk(backend, 'n'), 'bytes') or '0')
  local age = oldest_age(backend)
  local overBytes = bytes + incoming > maxBytes
  if overBytes or age > maxAge then
    if policy == 'refuse' then
      return {'refuse', backend, overBytes and 'bytes' or 'age', tostring(bytes), tostring(incoming), tostring(age)}
    end
    over[#over + 1] = {backend, maxBytes, maxAge, incoming, bytes}
  end
end

-- 2. drop_oldest: walk the line from the front, skipping leased jobs (their write is in flight), dropping
--    until both bounds hold. New data bigger than max_bytes alone is still taken: this policy never refuses.
local reply = {'ok'}
for _, b in ipairs(over) do
  local backend, maxBytes, maxAge, incoming, bytes = b[1], b[2], b[3], b[4], b[5]
  local live = bk(backend, 'live')
  local jobs, items, pos, done = 0, 0, 0, false
  while not done do
    local chunk = call('ZRANGE', live, pos, pos + 99)
    if #chunk == 0 then break end
    for _, id in ipairs(chunk) do
      if is_leased(backend, id, now) then
        pos = pos + 1
      else
        local j = jk(id)
        local f = call('HMGET', j, 'l', 'z')
        if now - tonumber(f[1]) <= maxAge and bytes + incoming <= maxBytes then done = true; break end
        local n, z = remove_live(backend, id, j)
        bytes = bytes - z
        jobs = jobs + 1
        items = items + n
      end
    end
  end
  if jobs > 0 then
    reply[#reply + 1] = backend; reply[#reply + 1] = jobs; reply[#reply + 1] = items
  end
end

-- 3. Payloads once each, then the jobs at the back of their backend's line.
local pkeys, refs = {}, {}
for i = 0, ne - 1 do
  local o = e0 + 5 * i
  local p = tonumber(ARGV[o + 2])
  if not pkeys[p] then pkeys[p] = B .. ':p:' .. ARGV[o]; refs[p] = 0 end
  refs[p] = refs[p] + 1
end
for p, key in pairs(pkeys) do call('HSET', key, 'd', ARGV[4 + p], 'r', refs[p]) end
for i = 0, ne - 1 do
  local o = e0 + 5 * i
  local id, backend, items, bytes = ARGV[o], ARGV[o + 1], ARGV[o + 3], ARGV[o + 4]
  local seq = call('INCR', B .. ':seq')
  call('HSET', jk(id), 'b', backend, 's', 'L', 'q', seq, 'p', pkeys[tonumber(ARGV[o + 2])], 'n', items, 'z', bytes,
    'e', ARGV[1], 'l', ARGV[1], 'r', 0, 'a', 0)
  call('ZADD', bk(backend, 'live'), seq, id)
  count(backend, 1, tonumber(items), tonumber(bytes), 0)
  call('SADD', B .. ':backends', backend)
end
return reply
`;
