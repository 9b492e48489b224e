import { describe, expect, it } from 'vitest';
import {
  batchDatums,
  estimatedSize,
  PUT_METRIC_DATA_LIMITS,
} from '../../../src/monitoring/cloudwatch/batch.ts';
import { isCredentialsError } from '../../../src/monitoring/cloudwatch/client.ts';
import { cloudWatchName, datumsFromTick } from '../../../src/monitoring/cloudwatch/datums.ts';
import { MetricHistory } from '../../../src/monitoring/metrics/history.ts';
import type { InstanceSnapshot } from '../../../src/monitoring/metrics/snapshot.ts';

function snapshot(
  errors: number,
  lag: number,
  buckets: [number, number, number],
): InstanceSnapshot {
  return {
    instance: 'a',
    role: 'r',
    at: 0,
    metrics: [
      {
        name: 'strata_ingest_upload_errors_total',
        help: 'h',
        type: 'counter',
        values: [{ value: errors, labels: {} }],
      },
      {
        name: 'strata_kafka_consumer_group_lag',
        help: 'h',
        type: 'gauge',
        values: [{ value: lag, labels: { group: 'g', topic: 't' } }],
      },
      { name: 'nodejs_heap_bytes', help: 'h', type: 'gauge', values: [{ value: 1, labels: {} }] },
      {
        name: 'strata_upload_duration_seconds',
        help: 'h',
        type: 'histogram',
        values: [
          {
            value: buckets[0],
            labels: { le: 1 },
            metricName: 'strata_upload_duration_seconds_bucket',
          },
          {
            value: buckets[1],
            labels: { le: 30 },
            metricName: 'strata_upload_duration_seconds_bucket',
          },
          {
            value: buckets[2],
            labels: { le: '+Inf' },
            metricName: 'strata_upload_duration_seconds_bucket',
          },
          { value: buckets[2], labels: {}, metricName: 'strata_upload_duration_seconds_count' },
        ],
      },
    ],
  };
}

describe('CloudWatch datums', () => {
  it('maps counters to increases, gauges to values and histograms to distributions, Strata metrics only', () => {
    const h = new MetricHistory(60_000);
    h.record([snapshot(1, 5, [0, 0, 0])], 0);
    const tick = h.record([snapshot(4, 7, [2, 3, 5])], 60_000);
    const datums = datumsFromTick(tick, h, { Pipeline: 'crypto' });
    const byName = new Map(datums.map((d) => [d.MetricName, d]));
    expect([...byName.keys()].sort()).toEqual([
      'IngestUploadErrors',
      'KafkaConsumerGroupLag',
      'UploadDurationSeconds',
    ]);
    expect(byName.get('IngestUploadErrors')).toMatchObject({
      Value: 3,
      Unit: 'Count',
      Dimensions: [{ Name: 'Pipeline', Value: 'crypto' }],
    });
    expect(byName.get('KafkaConsumerGroupLag')).toMatchObject({
      Value: 7,
      Unit: 'None',
      Dimensions: [
        { Name: 'Pipeline', Value: 'crypto' },
        { Name: 'group', Value: 'g' },
        { Name: 'topic', Value: 't' },
      ],
    });
    // Two observations under 1 s, one between 1 and 30 s, two above 30 s (reported at 30).
    expect(byName.get('UploadDurationSeconds')).toMatchObject({
      Values: [1, 30, 30],
      Counts: [2, 1, 2],
      Unit: 'Seconds',
    });
    expect(byName.get('KafkaConsumerGroupLag')?.Timestamp).toEqual(new Date(60_000));
  });

  it('sends a zero for a counter that did not move, and no distribution for a histogram that did not', () => {
    const h = new MetricHistory(60_000);
    h.record([snapshot(4, 7, [2, 3, 5])], 0);
    const datums = datumsFromTick(h.record([snapshot(4, 7, [2, 3, 5])], 1), h, {});
    expect(datums.find((d) => d.MetricName === 'IngestUploadErrors')?.Value).toBe(0);
    expect(datums.find((d) => d.MetricName === 'UploadDurationSeconds')).toBeUndefined();
  });

  it('names metrics without the strata_ prefix and _total suffix, in PascalCase', () => {
    expect(cloudWatchName('strata_ingest_records_valid_total')).toBe('IngestRecordsValid');
    expect(cloudWatchName('strata_asset_freshness_lag_seconds')).toBe('AssetFreshnessLagSeconds');
  });
});

describe('PutMetricData batching', () => {
  const datum = (i: number, dims = 1) => ({
    MetricName: `M${i}`,
    Value: i,
    Dimensions: Array.from({ length: dims }, (_, d) => ({ Name: `d${d}`, Value: 'x'.repeat(200) })),
  });

  it('never puts more than 1000 datums in a call, keeping order', () => {
    const batches = batchDatums(Array.from({ length: 2500 }, (_, i) => datum(i)));
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(batches.flat().map((d) => d.Value)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
  });

  it('never exceeds the request size limit', () => {
    const big = Array.from({ length: 1000 }, (_, i) => datum(i, 30));
    const batches = batchDatums(big);
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) {
      expect(batch.reduce((sum, d) => sum + estimatedSize(d), 0)).toBeLessThanOrEqual(
        PUT_METRIC_DATA_LIMITS.maxBytes,
      );
    }
    expect(batches.flat()).toHaveLength(1000);
  });

  it('tells wrong credentials from other failures', () => {
    expect(
      isCredentialsError(Object.assign(new Error('x'), { name: 'InvalidClientTokenId' })),
    ).toBe(true);
    expect(isCredentialsError({ name: 'Whatever', $metadata: { httpStatusCode: 403 } })).toBe(true);
    expect(
      isCredentialsError(
        Object.assign(new Error('x'), {
          name: 'InvalidParameterValue',
          $metadata: { httpStatusCode: 400 },
        }),
      ),
    ).toBe(false);
    expect(isCredentialsError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(
      false,
    );
  });
});
