/**
 * Lua shared by the scripts (prepended to each). KEYS[1] is the store's base key `{prefix}`: declared so the
 * script runs on the slot that holds all the store's keys (see keys.ts); the other keys are derived from it.
 */
export const COMMON = `
local B = KEYS[1]
local call = redis.call
local function jk(id) return B .. ':j:' .. id end
local function bk(backend, what) return B .. ':b:' .. backend .. ':' .. what end
local function gk(backend, grp) return B .. ':b:' .. backend .. ':g:' .. grp end

-- One job fewer holds this payload; the last one deletes it.
local function release_payload(pk)
  if call('HINCRBY', pk, 'r', -1) <= 0 then call('DEL', pk) end
end

local function count(backend, jobs, items, bytes, dead)
  local n = bk(backend, 'n')
  if jobs ~= 0 then call('HINCRBY', n, 'jobs', jobs) end
  if items ~= 0 then call('HINCRBY', n, 'items', items) end
  if bytes ~= 0 then call('HINCRBY', n, 'bytes', bytes) end
  if dead ~= 0 then call('HINCRBY', n, 'dead', dead) end
end

-- The job hash if it is a live job of this backend, else nil.
local function live_job(backend, id)
  local j = jk(id)
  local f = call('HMGET', j, 'b', 's')
  if f[1] == backend and f[2] == 'L' then return j end
  return nil
end

-- Removes a live job for good (completed or dropped); returns its items and bytes.
local function remove_live(backend, id, j)
  local f = call('HMGET', j, 'p', 'n', 'z', 'g')
  call('ZREM', bk(backend, 'live'), id)
  call('ZREM', bk(backend, 'leased'), id)
  if f[4] then call('ZREM', gk(backend, f[4]), id) end
  local items, bytes = tonumber(f[2]), tonumber(f[3])
  count(backend, -1, -items, -bytes, 0)
  release_payload(f[1])
  call('DEL', j)
  return items, bytes
end

-- The job hash if it is a live job of this backend that no other holder has leased (and still holds), else nil.
local function settleable(backend, id, token, now)
  local j = live_job(backend, id)
  if not j then return nil end
  local holder = call('HGET', j, 'k')
  if holder and holder ~= token then
    local exp = call('ZSCORE', bk(backend, 'leased'), id)
    if exp and tonumber(exp) > now then return nil end
  end
  return j
end

-- Is the job under a lease that has not expired?
local function is_leased(backend, id, now)
  local exp = call('ZSCORE', bk(backend, 'leased'), id)
  return exp ~= false and tonumber(exp) > now
end
`;
