import { Writable } from 'node:stream';
import type {
  CloudWatchClient,
  MetricDatum,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  CloudWatchPublisher,
  type CloudWatchPublisherOptions,
} from '../../../src/monitoring/cloudwatch/publisher.ts';
import { ProcessMetrics } from '../../../src/monitoring/metrics/registry.ts';

/** A CloudWatch stand-in answering each call with the next scripted outcome (pure publisher logic). */
function scriptedClient(outcomes: Array<'ok' | Error>) {
  const calls: MetricDatum[][] = [];
  const client = {
    send: (command: PutMetricDataCommand) => {
      calls.push(command.input.MetricData ?? []);
      const outcome = outcomes.shift() ?? 'ok';
      return outcome === 'ok' ? Promise.resolve({}) : Promise.reject(outcome);
    },
  } as unknown as Pick<CloudWatchClient, 'send'>;
  return { client, calls };
}

function capturedLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** A publisher over `client` that flushes only when told; each test states its buffer and extras. */
function publisherOver(
  client: CloudWatchPublisherOptions['client'],
  options: Pick<CloudWatchPublisherOptions, 'maxBuffer'> & Partial<CloudWatchPublisherOptions>,
): CloudWatchPublisher {
  return new CloudWatchPublisher({
    client,
    namespace: 'N',
    flushIntervalMs: 60_000,
    logger: capturedLogger().logger,
    ...options,
  });
}

const datums = (n: number): MetricDatum[] =>
  Array.from({ length: n }, (_, i) => ({ MetricName: 'M', Value: i }));
const error = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('CloudWatch publisher', () => {
  it('sends within the per-call limit, in order', async () => {
    const { client, calls } = scriptedClient([]);
    const publisher = publisherOver(client, { maxBuffer: 10_000 });
    publisher.enqueue(datums(2500));
    await publisher.flush();
    expect(calls.map((c) => c.length)).toEqual([1000, 1000, 500]);
    expect(calls.flat().map((d) => d.Value)).toEqual(datums(2500).map((d) => d.Value));
    expect(publisher.stats()).toEqual({ buffered: 0, sent: 2500, dropped: 0 });
  });

  it('keeps data and says clearly, once, that the credentials are wrong', async () => {
    const { logger, lines } = capturedLogger();
    const { client, calls } = scriptedClient([
      error('InvalidClientTokenId', 403),
      error('InvalidClientTokenId', 403),
      'ok',
    ]);
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    const publisher = publisherOver(client, { maxBuffer: 100, logger, metrics: metrics.monitor() });
    publisher.enqueue(datums(3));
    await publisher.flush();
    await publisher.flush();
    // Not retried within a flush: a wrong key does not fix itself in milliseconds.
    expect(calls).toHaveLength(2);
    expect(publisher.stats()).toEqual({ buffered: 3, sent: 0, dropped: 0 });
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toMatch(/CloudWatch refused the credentials: check AWS_ACCESS_KEY_ID/);
    await publisher.flush();
    expect(publisher.stats()).toEqual({ buffered: 0, sent: 3, dropped: 0 });
    expect((await metrics.monitor().cloudwatchErrors.get()).values).toEqual([
      expect.objectContaining({ labels: { kind: 'credentials' }, value: 2 }),
    ]);
  });

  it('retries transient errors within a flush, and drops batches CloudWatch rejects', async () => {
    const { client, calls } = scriptedClient([
      error('ServiceUnavailable', 503),
      'ok',
      error('InvalidParameterValue', 400),
    ]);
    const publisher = publisherOver(client, {
      maxBuffer: 5_000,
      backoff: { initialMs: 1, maxMs: 2 },
    });
    publisher.enqueue(datums(1500));
    await publisher.flush();
    expect(calls.map((c) => c.length)).toEqual([1000, 1000, 500]);
    expect(publisher.stats()).toEqual({ buffered: 0, sent: 1000, dropped: 500 });
  });

  it('drops the oldest datums beyond its buffer, never blocking the caller', async () => {
    const { client, calls } = scriptedClient([]);
    const publisher = publisherOver(client, { maxBuffer: 10 });
    publisher.enqueue(datums(25));
    expect(publisher.stats()).toEqual({ buffered: 10, sent: 0, dropped: 15 });
    await publisher.flush();
    expect(calls.flat().map((d) => d.Value)).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  });
});
