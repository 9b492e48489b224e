-- KEYS: the run's six keys, the runs index, then one `asset:<key>:runs` index per asset (in ARGV
-- order), then six keys per run this creation may evict (in the order of the evictable ids).
-- ARGV: runId, now, retainPerAsset, metaJson, n, then per asset (graph order): key, number of
-- its upstream assets in the run, its dependents in the run (space separated); then the ids of
-- the evictable runs.
--
-- Returns {'created', roots...}: the root assets (no upstream in the run), already marked
-- queued. A run id that exists already (a deterministic id given twice: a re-delivered schedule
-- tick) creates nothing and returns {'existing', its assets still queued...}, so the caller can
-- enqueue them again. Creating a run pushes the oldest runs out of full per-asset indexes, and a
-- run no index holds any more is deleted: those runs are only known here, so when one of them
-- is not among the declared evictable runs nothing is written and {'evicts', ids...} asks the
-- caller to call again with them declared.
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

local declared = { [id] = run }
for i = 6 + 3 * n, #ARGV do declared[ARGV[i]] = runKeysAt(8 + n + 6 * (i - 6 - 3 * n)) end
-- Check before writing anything: a script's writes are not rolled back when it returns.
local undeclared = { 'evicts' }
for i = 0, n - 1 do
  local index = KEYS[8 + i]
  local excess = redis.call('ZCARD', index) + 1 - retain
  if excess > 0 then
    for _, old in ipairs(redis.call('ZRANGE', index, 0, excess - 1)) do
      if not declared[old] then undeclared[#undeclared + 1] = old end
    end
  end
end
if #undeclared > 1 then return undeclared end

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
  local index = KEYS[8 + i]
  redis.call('ZADD', index, now, id)
  local excess = redis.call('ZCARD', index) - retain
  if excess > 0 then
    local old = redis.call('ZRANGE', index, 0, excess - 1)
    redis.call('ZREMRANGEBYRANK', index, 0, excess - 1)
    for _, victim in ipairs(old) do
      local keys = declared[victim]
      if redis.call('EXISTS', keys.hash) == 1 then
        redis.call('HINCRBY', keys.hash, 'refs', -1)
        dropRunIfUnreferenced(keys, runs, victim)
      end
    end
  end
end
redis.call('ZADD', runs, now, id)
emit(run, 'run_queued', '', meta, now)
table.insert(roots, 1, 'created')
return roots
