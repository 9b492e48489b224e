import type { Admin } from 'kafkajs';
import { retryKafka } from '../../ingest/kafka.ts';
import { errorMessage } from '../../shared/errors.ts';
import type { LagMetrics } from '../metrics/lag.ts';
import { collectOffsets } from './collect.ts';
import { evaluatePartition, worstStatus, type EvaluationOptions } from './evaluate.ts';
import type { GroupLagReport, PartitionLagReport } from './report.ts';
import { LagWindows } from './windows.ts';

export interface LagMonitorOptions extends EvaluationOptions {
  groups: ReadonlyArray<{ group: string; topic: string }>;
  metrics?: LagMetrics;
  now?: () => number;
  /**
   * How long one pass keeps retrying a group whose offsets meet a transient Kafka error (a
   * coordinator moving or loading) before it reports UNKNOWN; default 5 s, so a pass stays short.
   */
  retryDeadlineMs?: number;
}

/**
 * Reads offsets for each watched group, feeds the sliding windows and evaluates them. A group
 * whose offsets cannot be read is reported with its error instead of failing the whole pass.
 */
export class LagMonitor {
  private readonly windows: LagWindows;
  private readonly now: () => number;

  constructor(
    private readonly admin: Admin,
    private readonly options: LagMonitorOptions,
  ) {
    this.windows = new LagWindows(options.window);
    this.now = options.now ?? Date.now;
  }

  async collect(): Promise<GroupLagReport[]> {
    const reports = await Promise.all(
      this.options.groups.map(({ group, topic }) => this.collectGroup(group, topic)),
    );
    for (const report of reports) this.options.metrics?.record(report);
    return reports;
  }

  /** Forgets the windows, e.g. when this monitor loses leadership. */
  reset(): void {
    this.windows.clear();
    this.options.metrics?.clear();
  }

  private async collectGroup(group: string, topic: string): Promise<GroupLagReport> {
    let snapshot;
    try {
      snapshot = await retryKafka(
        'reading consumer lag',
        () => collectOffsets(this.admin, group, topic, this.now),
        { deadlineMs: this.options.retryDeadlineMs ?? 5_000 },
      );
    } catch (error) {
      return {
        group,
        topic,
        at: this.now(),
        status: 'UNKNOWN',
        totalLag: 0,
        members: 0,
        groupState: 'Unknown',
        partitions: [],
        error: errorMessage(error),
      };
    }
    const partitions: PartitionLagReport[] = [];
    for (const [partition, observation] of [...snapshot.partitions].sort(([a], [b]) => a - b)) {
      const history = this.windows.observe(group, topic, partition, observation);
      const verdict = evaluatePartition(history, snapshot.members > 0, snapshot.at, this.options);
      partitions.push({
        partition,
        committed: observation.committed,
        logEnd: observation.logEnd,
        ...verdict,
      });
    }
    this.windows.retainOnly(group, topic, new Set(snapshot.partitions.keys()));
    return {
      group,
      topic,
      at: snapshot.at,
      status: worstStatus(partitions.map((p) => p.status)),
      totalLag: partitions.reduce((sum, p) => sum + p.lag, 0),
      members: snapshot.members,
      groupState: snapshot.groupState,
      partitions,
    };
  }
}
