import type { Logger } from '../shared/logger.ts';

export type CommitFn = (
  offsets: { topic: string; partition: number; offset: string }[],
) => Promise<void>;

/**
 * Commits Kafka offsets behind the object store, never ahead of it: a partition is marked only
 * after its object is durable. Marks coalesce (the highest wins) and one commit runs at a time,
 * so a slow coordinator never holds up writing. Kafka's committed offset is a hint for where to
 * start and for lag monitoring; the position log in storage is what decides exactly-once.
 */
export class OffsetCommitter {
  private readonly marked = new Map<number, number>();
  /** Highest offset marked per partition, so a commit never moves a partition backwards. */
  private readonly highest = new Map<number, number>();
  private assigned = new Set<number>();
  private running: Promise<void> | null = null;

  constructor(
    private readonly topic: string,
    private readonly commit: CommitFn,
    private readonly logger: Logger,
  ) {}

  /** Only partitions of the current assignment are committed; marks for others are dropped. */
  setAssigned(partitions: Iterable<number>): void {
    this.assigned = new Set(partitions);
    for (const partition of [...this.highest.keys()]) {
      if (this.assigned.has(partition)) continue;
      this.marked.delete(partition);
      this.highest.delete(partition);
    }
  }

  mark(partition: number, offset: number): void {
    if (!this.assigned.has(partition)) return;
    if (offset <= (this.highest.get(partition) ?? -1)) return;
    this.highest.set(partition, offset);
    this.marked.set(partition, offset);
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  /** Waits for the commit in flight, then commits whatever is still marked. */
  async flush(): Promise<void> {
    if (this.running) await this.running;
    await this.drain();
  }

  private async drain(): Promise<void> {
    while (this.marked.size > 0) {
      const batch = [...this.marked].map(([partition, offset]) => ({
        topic: this.topic,
        partition,
        offset: String(offset),
      }));
      this.marked.clear();
      try {
        await this.commit(batch);
      } catch (error) {
        // A rebalance or a coordinator move; the next mark (or a later owner) commits again.
        this.logger.warn({ err: error, offsets: batch }, 'offset commit failed');
        return;
      }
    }
  }
}
