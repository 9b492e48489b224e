-- Run state: the functions the run scripts share. This file holds functions only; each script is
-- lease.lua, this file and the script's body (see run-scripts.ts). Every key is taken from KEYS:
-- a run's six keys sit side by side there (runKeysAt), in the order of runKeyList in
-- run-scripts.ts; no key name is built here, so the scripts run on a Redis Cluster.

local TERMINAL = { succeeded = true, failed = true, cancelled = true }

-- The keys of one run, from KEYS[i] on: hash, state, remaining, dependents, info, events.
local function runKeysAt(i)
  return {
    hash = KEYS[i], state = KEYS[i + 1], remaining = KEYS[i + 2],
    dependents = KEYS[i + 3], info = KEYS[i + 4], events = KEYS[i + 5],
  }
end

local function emit(run, kind, asset, detail, at)
  redis.call('XADD', run.events, 'MAXLEN', '~', 10000, '*',
    'type', kind, 'asset', asset, 'detail', detail, 'at', at)
end

-- A run's keys go when no asset's retention window holds it any more and it has ended.
local function dropRunIfUnreferenced(run, runs, id)
  local refs = tonumber(redis.call('HGET', run.hash, 'refs') or '0')
  local status = redis.call('HGET', run.hash, 'status')
  if refs <= 0 and (not status or TERMINAL[status]) then
    redis.call('DEL', run.hash, run.state, run.remaining, run.dependents, run.info, run.events)
    redis.call('ZREM', runs, id)
  end
end

-- Counts assets that reached a terminal state; ends the run when none is left.
local function settle(run, runs, id, count, now)
  local left = redis.call('HINCRBY', run.hash, 'unfinished', -count)
  if left > 0 then return '' end
  local status = 'succeeded'
  if tonumber(redis.call('HGET', run.hash, 'failed') or '0') > 0 then
    status = 'failed'
  elseif redis.call('HGET', run.hash, 'cancelRequested') == '1' then
    status = 'cancelled'
  end
  redis.call('HSET', run.hash, 'status', status, 'endedAt', now)
  emit(run, 'run_' .. status, '', '{}', now)
  dropRunIfUnreferenced(run, runs, id)
  return status
end

-- Trims a per-asset run index to `retain` runs, oldest first; a run that leaves its last index
-- is deleted once it has ended. `declared` maps run id -> its keys (runKeysAt). A run to evict
-- whose keys were not declared stays in the index, which stays over-full until a later call
-- declares it, and is added to the set `undeclared`.
local function trimIndex(index, retain, declared, runs, undeclared)
  local excess = redis.call('ZCARD', index) - retain
  if excess <= 0 then return end
  for _, victim in ipairs(redis.call('ZRANGE', index, 0, excess - 1)) do
    local keys = declared[victim]
    if keys then
      redis.call('ZREM', index, victim)
      if redis.call('EXISTS', keys.hash) == 1 then
        redis.call('HINCRBY', keys.hash, 'refs', -1)
        dropRunIfUnreferenced(keys, runs, victim)
      end
    else
      undeclared[victim] = true
    end
  end
end

-- The ids of ARGV[first..] mapped to their keys, which follow in KEYS from `keysFrom` on.
local function declaredRuns(first, keysFrom)
  local declared = {}
  for i = first, #ARGV do declared[ARGV[i]] = runKeysAt(keysFrom + 6 * (i - first)) end
  return declared
end

-- Appends the ids of the set `undeclared` to the list `reply`.
local function appendIds(reply, undeclared)
  for id in pairs(undeclared) do reply[#reply + 1] = id end
  return reply
end
