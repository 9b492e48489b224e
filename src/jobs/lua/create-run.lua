-- KEYS: the run's six keys, the runs index, then one `asset:<key>:runs` index per asset (in ARGV
-- order).
-- ARGV: runId, now, retainPerAsset, metaJson, n, then per asset (graph order): key, number of
-- its upstream assets in the run, its dependents in the run (space separated).
--
-- Returns {'created', rootCount, roots..., undeclared...}: the root assets (no upstream in the
-- run), already marked queued, then the runs this creation pushed out of a full per-asset index
-- but could not delete because their keys were not declared (they are only known here): they
-- stay in the index until the caller trims it with their keys (trim-run-indexes.lua). A run id
-- that exists already (a deterministic id given twice: a re-delivered schedule tick) creates
-- nothing and returns {'existing', its assets still queued...}, so the caller can enqueue them
-- again.
local run, runs = runKeysAt(1), KEYS[7]
local id, now, retain, meta, n = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
if redis.call('EXISTS', run.hash) == 1 then
  local queued = { 'existing' }
  local states = redis.call('HGETALL', run.state)
  for i = 1, #states, 2 do
    if states[i + 1] == 'queued' then queued[#queued + 1] = states[i] end
  end
  return queued
end

-- Only this run's keys are declared: in the rare case (clocks apart) that it is the oldest in a
-- full index, it is evicted at once.
local declared = { [id] = run }
local undeclared = {}
redis.call('HSET', run.hash, 'id', id, 'meta', meta, 'status', 'queued', 'createdAt', now,
  'total', n, 'unfinished', n, 'failed', 0, 'refs', n)
local roots = {}
for i = 0, n - 1 do
  local asset, up, dependents = ARGV[6 + i * 3], tonumber(ARGV[7 + i * 3]), ARGV[8 + i * 3]
  redis.call('HSET', run.remaining, asset, up)
  if dependents ~= '' then redis.call('HSET', run.dependents, asset, dependents) end
  local state = 'pending'
  if up == 0 then
    state = 'queued'
    roots[#roots + 1] = asset
  end
  redis.call('HSET', run.state, asset, state)
  redis.call('ZADD', KEYS[8 + i], now, id)
  trimIndex(KEYS[8 + i], retain, declared, runs, undeclared)
end
redis.call('ZADD', runs, now, id)
emit(run, 'run_queued', '', meta, now)
local reply = { 'created', #roots }
for _, asset in ipairs(roots) do reply[#reply + 1] = asset end
return appendIds(reply, undeclared)
