-- Fenced leases: the shared Lua functions. A lease is a string key holding the holder's token,
-- set with NX and an expiry; each grant increments a fence counter; every grant is logged in a
-- hash so tests and operators can prove no two holders overlapped. The log keeps per fence
-- `<fence>` = "token start", `<fence>:x` = expiry (moved by renewals), `<fence>:e` = release
-- time, so no update needs to read an entry back.
--
-- This file holds functions only. Scripts that use them (lease-*.lua, the run-state scripts)
-- are this text followed by their own body; every key a function touches is passed in by the
-- caller, who takes it from KEYS.

-- Times are Redis's own clock (PEXPIRETIME, TIME), the clock that enforces the expiry.
local function leaseNow()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function leaseAcquire(lease, fenceKey, log, token, ttl, retain)
  if not redis.call('SET', lease, token, 'NX', 'PX', ttl) then return nil end
  local fence = redis.call('INCR', fenceKey)
  local expires = redis.call('PEXPIRETIME', lease)
  local start = expires - tonumber(ttl)
  redis.call('HSET', log, fence, token .. ' ' .. start, fence .. ':x', expires)
  -- Trim a batch every 100 grants rather than one entry on every grant.
  if fence % 100 == 0 then
    for old = fence - tonumber(retain) - 99, fence - tonumber(retain) do
      if old > 0 then redis.call('HDEL', log, old, old .. ':x', old .. ':e') end
    end
  end
  return fence, start
end

local function leaseRenew(lease, log, token, ttl, fence)
  if redis.call('GET', lease) ~= token then return 0 end
  redis.call('PEXPIRE', lease, ttl)
  redis.call('HSET', log, fence .. ':x', redis.call('PEXPIRETIME', lease))
  return 1
end

-- verified: the caller has just checked that token holds the lease.
local function leaseRelease(lease, log, token, fence, verified)
  if not verified and redis.call('GET', lease) ~= token then return 0 end
  redis.call('DEL', lease)
  redis.call('HSET', log, fence .. ':e', leaseNow())
  return 1
end
