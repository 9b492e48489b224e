/**
 * The scheduler's Redis keys, under the orchestrator's prefix (the same one src/jobs/keys.ts uses,
 * so a pipeline's state stays together):
 *
 *   <p>scheduler:leader        fenced lease of the leading scheduler (src/redis/lease.ts)
 *   <p>scheduler:cursor        string: the last asset-event stream id the leader evaluated
 *   <p>scheduler:requested     hash: asset -> time of its last automated request (ms)
 *   <p>scheduler:inflight      hash: asset -> id of the automated run that includes it
 *   <p>scheduler:decision      hash: asset -> JSON of its latest decision
 *   <p>scheduler:decisions     list: JSON decisions, newest first, capped
 *   <p>scheduler:config        hash: the leader's applied config (hash, file, appliedAt, holder)
 *                              and the leader's config error (error, errorAt)
 */
export class SchedulerKeys {
  constructor(readonly prefix: string) {}

  private key(name: string): string {
    return `${this.prefix}scheduler:${name}`;
  }
  leader(): string {
    return this.key('leader');
  }
  cursor(): string {
    return this.key('cursor');
  }
  requested(): string {
    return this.key('requested');
  }
  inflight(): string {
    return this.key('inflight');
  }
  decision(): string {
    return this.key('decision');
  }
  decisions(): string {
    return this.key('decisions');
  }
  config(): string {
    return this.key('config');
  }
}
