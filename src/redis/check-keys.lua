-- Key check (STRATA_LUA_CHECK_KEYS=1, set by the test suites): prepended to every script, it
-- shadows `redis` so that each command fails unless the keys it names were passed in KEYS.
-- Redis Cluster only refuses keys of another slot; this catches any undeclared key, on a
-- single server too, so a script that builds a key name fails its tests, not a deployment.
local strataDeclared = {}
for _, key in ipairs(KEYS) do strataDeclared[key] = true end
-- Commands whose every argument is a key; TIME names none; all others name one, first.
local strataAllKeys = { DEL = true, EXISTS = true, UNLINK = true, MGET = true, TOUCH = true }
local strataNoKeys = { TIME = true, PING = true }
local strataRedis = redis
local function strataCheck(command, ...)
  local name = string.upper(command)
  if strataNoKeys[name] then return end
  local args = { ... }
  local last = 1
  if strataAllKeys[name] then last = #args end
  for i = 1, last do
    if not strataDeclared[args[i]] then
      error('script touches a key not in KEYS: ' .. name .. ' ' .. tostring(args[i]))
    end
  end
end
local redis = setmetatable({
  call = function(command, ...)
    strataCheck(command, ...)
    return strataRedis.call(command, ...)
  end,
  pcall = function(command, ...)
    strataCheck(command, ...)
    return strataRedis.pcall(command, ...)
  end,
}, { __index = strataRedis })
