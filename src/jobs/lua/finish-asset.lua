-- KEYS: the run's six keys, the runs index, the asset's lease and lease log, the asset's
-- summary hash and materialization list, the asset event stream.
-- ARGV: runId, asset, now, outcome (succeeded|failed|cancelled), leaseToken ('' = no fencing:
-- the job is gone, e.g. failed by BullMQ after too many stalls), infoJson ('' = the record is
-- the info), recordJson ('' = none), retainPerAsset, dataTime ('' = unknown), blockedReason,
-- leaseFence.
-- Records the materialization and releases the lease, then either queues the dependents whose
-- upstream assets have all succeeded, or skips every transitive dependent. A cancelled asset (its
-- run was cancelled while it ran) records no materialization and touches no dependent: the
-- cancel already cancelled every asset not started. Returns
-- {'ok', runStatus or '', readyCount, ready..., skipped...} or {'stale'|'lease_lost', state}.
local run, runs, lease, leaseLog = runKeysAt(1), KEYS[7], KEYS[8], KEYS[9]
local summary, mat, assetEvents = KEYS[10], KEYS[11], KEYS[12]
local id, asset, now, outcome, token = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local info, record, retain, dataTime, blockedReason = ARGV[6], ARGV[7], tonumber(ARGV[8]), ARGV[9], ARGV[10]
local fence = ARGV[11]
if info == '' then info = record end
local state = redis.call('HGET', run.state, asset)
local held = token ~= '' and redis.call('GET', lease) == token
if held then leaseRelease(lease, leaseLog, token, fence, true) end
if state ~= 'queued' and state ~= 'running' then return { 'stale', state or 'missing' } end
if token ~= '' and not held then return { 'lease_lost', state } end

redis.call('HSET', run.state, asset, outcome)
redis.call('HSET', run.info, asset, info)
if record ~= '' then
  redis.call('LPUSH', mat, record)
  redis.call('LTRIM', mat, 0, retain - 1)
end
if outcome == 'succeeded' then
  redis.call('HSET', summary, 'lastRunId', id, 'lastStatus', outcome, 'lastMaterializedAt', now,
    'lastSuccessAt', now, 'blocked', '0', 'blockedReason', '', 'blockedRunId', '', 'dataTime', dataTime)
elseif outcome == 'failed' then
  redis.call('HSET', summary, 'lastRunId', id, 'lastStatus', outcome, 'lastMaterializedAt', now,
    'blocked', '1', 'blockedReason', blockedReason, 'blockedRunId', id)
end
emit(run, 'asset_' .. outcome, asset, info, now)
-- The scheduler reacts to this stream instead of polling the graph (src/jobs/asset-events.ts).
redis.call('XADD', assetEvents, 'MAXLEN', '~', 10000, '*', 'type', 'materialization',
  'asset', asset, 'partition', '', 'status', outcome, 'runId', id, 'dataTime', dataTime, 'at', now)

local ready, skipped, finished = {}, {}, 1
local dependents = redis.call('HGET', run.dependents, asset)
if outcome == 'succeeded' then
  if dependents then
    for d in string.gmatch(dependents, '%S+') do
      local left = redis.call('HINCRBY', run.remaining, d, -1)
      if left == 0 and redis.call('HGET', run.state, d) == 'pending' then
        redis.call('HSET', run.state, d, 'queued')
        ready[#ready + 1] = d
      end
    end
  end
elseif outcome == 'failed' then
  redis.call('HINCRBY', run.hash, 'failed', 1)
  local stack = {}
  if dependents then for d in string.gmatch(dependents, '%S+') do stack[#stack + 1] = d end end
  while #stack > 0 do
    local d = table.remove(stack)
    if redis.call('HGET', run.state, d) == 'pending' then
      redis.call('HSET', run.state, d, 'skipped')
      -- asset keys match ^[a-z][a-z0-9_]*$, so they need no JSON escaping
      local why = '{"reason":"upstream asset ' .. asset .. ' failed"}'
      redis.call('HSET', run.info, d, why)
      emit(run, 'asset_skipped', d, why, now)
      skipped[#skipped + 1] = d
      finished = finished + 1
      local more = redis.call('HGET', run.dependents, d)
      if more then for m in string.gmatch(more, '%S+') do stack[#stack + 1] = m end end
    end
  end
end

local result = { 'ok', settle(run, runs, id, finished, now), #ready }
for _, d in ipairs(ready) do result[#result + 1] = d end
for _, d in ipairs(skipped) do result[#result + 1] = d end
return result
