-- KEYS: the runs index, then n `asset:<key>:runs` indexes, then six keys per run to evict (in
-- the order of their ids in ARGV). ARGV: retainPerAsset, n, then the ids of those runs.
-- Finishes what createRun could not: trims the indexes to retainPerAsset runs and deletes the
-- evicted runs no index holds any more. Returns the runs still to evict whose keys were not
-- declared (runs created meanwhile pushed more out), for another call.
local runs, retain, n = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local declared = declaredRuns(3, 2 + n)
local undeclared = {}
for i = 1, n do trimIndex(KEYS[1 + i], retain, declared, runs, undeclared) end
return appendIds({}, undeclared)
