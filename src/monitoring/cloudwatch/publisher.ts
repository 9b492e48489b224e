import {
  PutMetricDataCommand,
  type CloudWatchClient,
  type MetricDatum,
} from '@aws-sdk/client-cloudwatch';
import type { BackoffOptions } from '../../shared/backoff.ts';
import { withDeadline } from '../../shared/deadline.ts';
import { errorMessage, isTransient } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { withRetry } from '../../shared/retry.ts';
import type { MonitorMetrics } from '../metrics/monitor-self.ts';
import { batchDatums } from './batch.ts';
import { CLOUDWATCH_CALL_TIMEOUT_MS, isCredentialsError } from './client.ts';

export interface CloudWatchPublisherOptions {
  client: Pick<CloudWatchClient, 'send'>;
  namespace: string;
  /** Datums held while CloudWatch is unreachable; beyond it the oldest are dropped. */
  maxBuffer: number;
  /** How often buffered datums are sent. */
  flushIntervalMs: number;
  /** Tries per batch within one flush before it waits for the next interval. */
  attempts?: number;
  backoff?: BackoffOptions;
  logger: Logger;
  metrics?: MonitorMetrics;
  /** Wrong credentials are logged at most this often (they do not fix themselves). */
  credentialsLogEveryMs?: number;
  /** One PutMetricData call; past it the call is aborted and retried later. */
  callTimeoutMs?: number;
}

export interface PublisherStats {
  buffered: number;
  sent: number;
  dropped: number;
}

/**
 * Sends metric datums to CloudWatch in the background. `enqueue` never blocks and never throws:
 * the pipeline's work must not wait on, or fail because of, its telemetry. Batches follow the
 * PutMetricData limits; transient failures are retried with backoff, then the data waits in a
 * bounded buffer for the next flush; rejected batches are dropped and counted.
 */
export class CloudWatchPublisher {
  private buffer: MetricDatum[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private lastCredentialsLog = -Infinity;
  private readonly counts = { sent: 0, dropped: 0 };

  private readonly callTimeoutMs: number;

  constructor(private readonly options: CloudWatchPublisherOptions) {
    this.callTimeoutMs = options.callTimeoutMs ?? CLOUDWATCH_CALL_TIMEOUT_MS;
  }

  start(): void {
    if (this.timer || this.closing) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  enqueue(datums: readonly MetricDatum[]): void {
    if (this.closing) return;
    this.buffer.push(...datums);
    this.trim();
  }

  stats(): PublisherStats {
    return { buffered: this.buffer.length, ...this.counts };
  }

  /** Sends what is buffered. Never rejects; concurrent calls share one flush. */
  flush(): Promise<void> {
    return (this.flushing ??= this.drain().finally(() => (this.flushing = undefined)));
  }

  /** Stops the timer and makes one last attempt to send; safe to call twice. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      clearInterval(this.timer);
      this.timer = undefined;
      this.abort.abort(new Error('publisher closing'));
      await this.flushing;
      await this.drain();
      if (this.buffer.length > 0) {
        this.options.logger.warn(
          { datums: this.buffer.length },
          'CloudWatch datums not sent before shutdown',
        );
        this.drop(this.buffer.length, 'shutdown');
        this.buffer = [];
      }
    })());
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const [batch] = batchDatums(this.buffer.slice(0, 1000));
      if (!batch) return;
      // Take the batch out while it is in flight, so enqueue's trimming cannot shift it.
      this.buffer.splice(0, batch.length);
      this.updateGauge();
      const outcome = await this.send(batch);
      if (outcome === 'sent') continue;
      if (outcome === 'rejected') continue;
      this.buffer.unshift(...batch);
      this.trim();
      return;
    }
  }

  private async send(batch: MetricDatum[]): Promise<'sent' | 'rejected' | 'retry-later'> {
    try {
      await withRetry(
        () =>
          withDeadline('CloudWatch PutMetricData', this.callTimeoutMs, (abortSignal) =>
            this.options.client.send(
              new PutMetricDataCommand({ Namespace: this.options.namespace, MetricData: batch }),
              { abortSignal },
            ),
          ),
        {
          // The last flush at shutdown gets one try: stopping must not wait out a long outage.
          attempts: this.closing ? 1 : (this.options.attempts ?? 3),
          backoff: this.options.backoff ?? { initialMs: 500, maxMs: 10_000 },
          signal: this.closing ? undefined : this.abort.signal,
          retryIf: (error) => isTransient(error) && !isCredentialsError(error),
        },
      );
      this.counts.sent += batch.length;
      this.options.metrics?.cloudwatchSent.inc(batch.length);
      return 'sent';
    } catch (error) {
      return this.failed(error, batch);
    }
  }

  private failed(error: unknown, batch: MetricDatum[]): 'rejected' | 'retry-later' {
    if (isCredentialsError(error)) {
      this.options.metrics?.cloudwatchErrors.inc({ kind: 'credentials' });
      const now = Date.now();
      if (now - this.lastCredentialsLog >= (this.options.credentialsLogEveryMs ?? 300_000)) {
        this.lastCredentialsLog = now;
        this.options.logger.error(
          { err: errorMessage(error), namespace: this.options.namespace },
          'CloudWatch refused the credentials: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the role) and cloudwatch:PutMetricData permission; metrics are buffered meanwhile',
        );
      }
      return 'retry-later';
    }
    if (isTransient(error) || this.abort.signal.aborted) {
      this.options.metrics?.cloudwatchErrors.inc({ kind: 'transient' });
      this.options.logger.warn(
        { err: errorMessage(error), buffered: this.buffer.length + batch.length },
        'CloudWatch unreachable; keeping metrics for the next flush',
      );
      return 'retry-later';
    }
    this.options.metrics?.cloudwatchErrors.inc({ kind: 'rejected' });
    this.options.logger.error(
      { err: errorMessage(error), datums: batch.length },
      'CloudWatch rejected a batch of metrics; dropping it',
    );
    this.drop(batch.length, 'rejected');
    return 'rejected';
  }

  private trim(): void {
    const excess = this.buffer.length - this.options.maxBuffer;
    if (excess > 0) {
      this.buffer.splice(0, excess);
      this.drop(excess, 'buffer_full');
    }
    this.updateGauge();
  }

  private drop(count: number, reason: string): void {
    this.counts.dropped += count;
    this.options.metrics?.cloudwatchDropped.inc({ reason }, count);
  }

  private updateGauge(): void {
    this.options.metrics?.cloudwatchBuffered.set(this.buffer.length);
  }
}
