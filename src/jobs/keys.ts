/**
 * Every Redis key Strata writes, in one place. Lua scripts build no key names: callers pass every
 * key a script touches in KEYS, named here. The prefix carries a hash tag (`{strata}:` by
 * default), so on a Redis Cluster all keys of one pipeline share one slot, which multi-key
 * scripts, MULTI and multi-stream XREAD need there (see src/jobs/settings.ts).
 *
 *   <p>run:<id>               hash: id, meta (JSON), status, createdAt, startedAt, endedAt,
 *                             total, unfinished, failed, refs, cancelRequested
 *   <p>run:<id>:state         hash: asset -> pending|queued|running|succeeded|failed|skipped|cancelled
 *   <p>run:<id>:remaining     hash: asset -> upstream assets of the run not yet succeeded
 *   <p>run:<id>:dependents    hash: asset -> its dependents within the run, space separated
 *   <p>run:<id>:info          hash: asset -> JSON details (timings, worker, error, checks)
 *   <p>run:<id>:events        stream of progress events
 *   <p>runs                   zset: run id by creation time
 *   <p>asset:<key>            hash: last materialization summary, data time, blocked flag
 *   <p>asset:<key>:runs       zset: runs that included the asset (retention reference)
 *   <p>asset:<key>:mat        list: materialization records, newest first, trimmed
 *   <p>lease:<key>            string: token of the lease holder (PX expiry)
 *   <p>lease:<key>:fence      counter: fencing number of the latest lease
 *   <p>lease:<key>:log        hash: fence -> "token start expiresAt end" (lease intervals)
 *   <p>pool:<name>            zset: holder token scored by expiry
 *   <p>workers                zset: worker id scored by heartbeat expiry
 *   <p>asset-events           stream: materializations and observations (type, asset, partition,
 *                             status, runId, dataTime, at), capped near 10,000 entries
 *   <p>sweep:failed:<queue>   string: "score jobId" of the last failed job swept
 *   <p>sweep:created          string: "createdAt runId" of the last run checked for recovery
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  run(id: string): string {
    return `${this.prefix}run:${id}`;
  }
  runState(id: string): string {
    return `${this.run(id)}:state`;
  }
  runRemaining(id: string): string {
    return `${this.run(id)}:remaining`;
  }
  runDependents(id: string): string {
    return `${this.run(id)}:dependents`;
  }
  runInfo(id: string): string {
    return `${this.run(id)}:info`;
  }
  runEvents(id: string): string {
    return `${this.run(id)}:events`;
  }
  runs(): string {
    return `${this.prefix}runs`;
  }
  asset(key: string): string {
    return `${this.prefix}asset:${key}`;
  }
  /** Runs that included the asset: the retention window that keeps a run's keys alive. */
  assetRuns(key: string): string {
    return `${this.asset(key)}:runs`;
  }
  materializations(key: string): string {
    return `${this.asset(key)}:mat`;
  }
  lease(key: string): string {
    return `${this.prefix}lease:${key}`;
  }
  leaseFence(key: string): string {
    return `${this.lease(key)}:fence`;
  }
  leaseLog(key: string): string {
    return `${this.lease(key)}:log`;
  }
  pool(name: string): string {
    return `${this.prefix}pool:${name}`;
  }
  workers(): string {
    return `${this.prefix}workers`;
  }
  /** Stream of every materialization and observation, newest last; read by the scheduler. */
  assetEvents(): string {
    return `${this.prefix}asset-events`;
  }
  failedSweepCursor(queueName: string): string {
    return `${this.prefix}sweep:failed:${queueName}`;
  }
  createdRunsCursor(): string {
    return `${this.prefix}sweep:created`;
  }
}
