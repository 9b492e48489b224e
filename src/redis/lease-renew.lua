-- KEYS: lease, log. ARGV: token, ttlMs, fence. Extends a lease still held by token: 1, else 0.
return leaseRenew(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
