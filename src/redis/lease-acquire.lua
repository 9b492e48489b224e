-- KEYS: lease, fence, log. ARGV: token, ttlMs, logRetain. Returns {fence, start} or false.
local fence, start = leaseAcquire(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3])
if not fence then return false end
return { fence, start }
