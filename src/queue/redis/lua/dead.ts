/** Dead letters: replay and drop, by id, by backend, or all. ARGV: id or '', backend or ''. */
import { COMMON } from './common.js';

const SELECT = `
local fid, fbackend = ARGV[#ARGV - 1], ARGV[#ARGV]
-- {backend, id} pairs of the dead letters the filter names, each backend's in line order.
local function selected()
  local out = {}
  if fid ~= '' then
    local f = call('HMGET', jk(fid), 'b', 's')
    if f[2] == 'D' and (fbackend == '' or f[1] == fbackend) then out[1] = {f[1], fid} end
    return out
  end
  local backends = fbackend ~= '' and {fbackend} or call('SMEMBERS', B .. ':backends')
  for _, backend in ipairs(backends) do
    for _, id in ipairs(call('ZRANGE', bk(backend, 'dead'), 0, -1)) do out[#out + 1] = {backend, id} end
  end
  return out
end
`;

/** Back to the live queue, at the back of the line, attempts reset, same ids. ARGV: now, id, backend. */
export const REPLAY = `${COMMON}${SELECT}
local now = ARGV[1]
local rows = selected()
for _, row in ipairs(rows) do
  local backend, id = row[1], row[2]
  local j = jk(id)
  local seq = call('INCR', B .. ':seq')
  call('ZREM', bk(backend, 'dead'), id)
  call('ZADD', bk(backend, 'live'), seq, id)
  call('HDEL', j, 'f', 'x', 'why', 'd', 'g', 'k')
  call('HSET', j, 's', 'L', 'q', seq, 'l', now, 'r', 0, 'a', 0)
  local f = call('HMGET', j, 'n', 'z')
  count(backend, 1, tonumber(f[1]), tonumber(f[2]), -1)
end
return #rows
`;

/** Deleted for good, payload released. ARGV: id, backend. */
export const DROP_DEAD = `${COMMON}${SELECT}
local rows = selected()
for _, row in ipairs(rows) do
  local backend, id = row[1], row[2]
  local j = jk(id)
  call('ZREM', bk(backend, 'dead'), id)
  release_payload(call('HGET', j, 'p'))
  call('DEL', j)
  count(backend, 0, 0, 0, -1)
end
return #rows
`;

/** One round trip for the scraped gauges. ARGV: backend, now. Reply: {jobs, items, bytes, dead, oldest lineAt or '', leased}. */
export const STATS = `${COMMON}
local backend, now = ARGV[1], ARGV[2]
local n = call('HMGET', bk(backend, 'n'), 'jobs', 'items', 'bytes', 'dead')
local first = call('ZRANGE', bk(backend, 'live'), 0, 0)
local oldest = ''
if #first > 0 then oldest = call('HGET', jk(first[1]), 'l') end
local leased = call('ZCOUNT', bk(backend, 'leased'), '(' .. now, '+inf')
return {n[1] or '0', n[2] or '0', n[3] or '0', n[4] or '0', oldest, leased}
`;
