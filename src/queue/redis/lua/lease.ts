/**
 * lease: the oldest ready jobs of a backend, in line order (seq), as one whole group or a run of ungrouped jobs
 * (which then becomes a group), or alone an ungrouped job whose write may have gone out alone (an earlier holder
 * is still named on it, or it was retried). Expired leases (their holder died or lost Redis for longer than the lease) are
 * taken back first: the jobs never left the line, so they are simply leasable again, at their old place.
 *
 * With `ordered` set, only the head of the line: the scan stops at the first job that is not ready (its retry is
 * pending) or is leased by another holder, so nothing newer overtakes older data of the backend; jobs this holder
 * already leased are passed over (its next write is sent after them).
 *
 * ARGV: backend, now, maxJobs, maxBytes, lease expiry (ms epoch), token, maxItems, ordered ('1' or '0')
 * Reply: {group or '', then per job: id, payload key, items, bytes, enqueuedAt, attempts, lastError or '', resumed}
 * where resumed is '1' when the job still names an earlier holder: that lease ended with no outcome (Job.resumed).
 */
import { COMMON } from './common.js';

export const LEASE = `${COMMON}
local backend, now, maxJobs, maxBytes, expiry, token, maxItems = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6], tonumber(ARGV[7])
local ordered = ARGV[8] == '1'
local live, leased = bk(backend, 'live'), bk(backend, 'leased')
call('ZREMRANGEBYSCORE', leased, '-inf', now)

local chosen, bytes, items, group, pos, stop = {}, 0, 0, false, 0, false
while not stop do
  local chunk = call('ZRANGE', live, pos, pos + 127)
  if #chunk == 0 then break end
  pos = pos + #chunk
  for _, id in ipairs(chunk) do
    if call('ZSCORE', leased, id) then
      if ordered and call('HGET', jk(id), 'k') ~= token then stop = true; break end
    else
      local f = call('HMGET', jk(id), 'r', 'z', 'g', 'n', 'k', 'a')
      if ordered and tonumber(f[1]) > now then stop = true; break end
      if tonumber(f[1]) <= now then
        if f[3] then
          -- A group goes out alone and whole: mixing it with other jobs would change what its batch id stands for.
          if #chosen == 0 then group = f[3] end
          stop = true
          break
        end
        local z, n = tonumber(f[2]), tonumber(f[4])
        if f[5] or (tonumber(f[6]) or 0) > 0 then
          -- Its write may have gone out alone, under its own id as batch id: alone again (see the store contract).
          if #chosen == 0 then chosen[1] = id end
          stop = true
          break
        end
        if #chosen > 0 and (#chosen >= maxJobs or bytes + z > maxBytes or items + n > maxItems) then stop = true; break end
        chosen[#chosen + 1] = id
        bytes = bytes + z
        items = items + n
      end
    end
  end
end

if group then
  chosen = {}
  for _, id in ipairs(call('ZRANGE', gk(backend, group), 0, -1)) do
    if not call('ZSCORE', leased, id) then chosen[#chosen + 1] = id end
  end
elseif #chosen > 1 then
  group = chosen[1] .. '+' .. #chosen
  local g = gk(backend, group)
  for _, id in ipairs(chosen) do
    local j = jk(id)
    call('HSET', j, 'g', group)
    call('ZADD', g, call('HGET', j, 'q'), id)
  end
end

local reply = {group or ''}
for _, id in ipairs(chosen) do
  local j = jk(id)
  call('ZADD', leased, expiry, id)
  local f = call('HMGET', j, 'p', 'n', 'z', 'e', 'a', 'x', 'k')
  call('HSET', j, 'k', token)
  reply[#reply + 1] = id
  for i = 1, 5 do reply[#reply + 1] = f[i] end
  reply[#reply + 1] = f[6] or ''
  reply[#reply + 1] = f[7] and '1' or '0'
end
return reply
`;

/** Keeps this holder's leases alive. ARGV: backend, expiry, token, ids... Reply: how many were extended. */
export const EXTEND = `${COMMON}
local backend, expiry, token = ARGV[1], ARGV[2], ARGV[3]
local leased = bk(backend, 'leased')
local n = 0
for i = 4, #ARGV do
  local id = ARGV[i]
  if call('ZSCORE', leased, id) and call('HGET', jk(id), 'k') == token then
    call('ZADD', leased, expiry, id)
    n = n + 1
  end
end
return n
`;

/**
 * Gives a holder's leases back: the jobs are leasable again at once. ARGV: backend, token, unsent ('1' or '0'), ids...
 * unsent '1' (the holder never sent them) forgets the holder; '0' (the leases of a killed holder, taken back) keeps
 * it named, so the next lease reports the job as resumed.
 */
export const RELEASE = `${COMMON}
local backend, token, unsent = ARGV[1], ARGV[2], ARGV[3] == '1'
local leased = bk(backend, 'leased')
for i = 4, #ARGV do
  local j = jk(ARGV[i])
  if call('HGET', j, 'k') == token then
    call('ZREM', leased, ARGV[i])
    if unsent then call('HDEL', j, 'k') end
  end
end
return 0
`;
