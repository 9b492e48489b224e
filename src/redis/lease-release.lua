-- KEYS: lease, log. ARGV: token, fence. Compare-and-delete; records the release time.
return leaseRelease(KEYS[1], KEYS[2], ARGV[1], ARGV[2], false)
