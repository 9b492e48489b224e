import type { PartitionHistory, PartitionObservation } from './evaluate.ts';

/**
 * The sliding windows of offset observations, one per (group, topic, partition). In memory:
 * after a monitor failover the new leader starts with empty windows, which only delays STALL and
 * WARN by one window (REWIND, STOP by membership and lag thresholds work from the first read).
 */
export class LagWindows {
  private readonly histories = new Map<
    string,
    { observations: PartitionObservation[]; lastOffsetChangeAt: number }
  >();

  constructor(private readonly size: number) {}

  /** Adds an observation and returns the partition's history including it. */
  observe(
    group: string,
    topic: string,
    partition: number,
    observation: PartitionObservation,
  ): PartitionHistory {
    const key = `${group}\u0000${topic}\u0000${partition}`;
    let history = this.histories.get(key);
    if (!history) {
      history = { observations: [], lastOffsetChangeAt: observation.at };
      this.histories.set(key, history);
    }
    const previous = history.observations.at(-1);
    if (previous !== undefined && previous.committed !== observation.committed) {
      history.lastOffsetChangeAt = observation.at;
    }
    history.observations.push(observation);
    if (history.observations.length > this.size)
      history.observations.splice(0, history.observations.length - this.size);
    return history;
  }

  /** Forgets partitions not seen in the latest collection (deleted topics, shrunk groups). */
  retainOnly(group: string, topic: string, partitions: ReadonlySet<number>): void {
    const prefix = `${group}\u0000${topic}\u0000`;
    for (const key of this.histories.keys()) {
      if (key.startsWith(prefix) && !partitions.has(Number(key.slice(prefix.length))))
        this.histories.delete(key);
    }
  }

  clear(): void {
    this.histories.clear();
  }
}
