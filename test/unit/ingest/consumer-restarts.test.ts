import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ConsumerRestarts } from '../../../src/ingest/consumer-restarts.ts';
import { silentLogger } from './helpers.ts';

const notCoordinator = (): KafkaJSNumberOfRetriesExceeded =>
  new KafkaJSNumberOfRetriesExceeded(
    new KafkaJSProtocolError(
      Object.assign(new Error('This is not the correct coordinator for this group'), {
        type: 'NOT_COORDINATOR',
        code: 16,
        retriable: true,
      }),
    ),
    { retryCount: 5, retryTime: 1_000 },
  );

const tinyBackoff = { initialMs: 1, maxMs: 2, factor: 2, jitter: 0.5 };

describe('ConsumerRestarts', () => {
  it('restarts a consumer whose group join met a moving coordinator', async () => {
    const restarts = new ConsumerRestarts({
      logger: silentLogger,
      stopping: () => false,
      backoff: tinyBackoff,
    });
    await expect(restarts.shouldRestart(notCoordinator())).resolves.toBe(true);
  });

  it('does not restart on an error that retrying cannot fix', async () => {
    const restarts = new ConsumerRestarts({
      logger: silentLogger,
      stopping: () => false,
      backoff: tinyBackoff,
    });
    await expect(restarts.shouldRestart(new Error('eachBatch threw'))).resolves.toBe(false);
  });

  it('gives up when the consumer has not joined for the deadline, and starts over after a join', async () => {
    let now = 0;
    const restarts = new ConsumerRestarts({
      logger: silentLogger,
      stopping: () => false,
      backoff: tinyBackoff,
      deadlineMs: 60_000,
      now: () => now,
    });
    await expect(restarts.shouldRestart(notCoordinator())).resolves.toBe(true);
    now = 59_000;
    await expect(restarts.shouldRestart(notCoordinator())).resolves.toBe(true);
    now = 61_000;
    await expect(restarts.shouldRestart(notCoordinator())).resolves.toBe(false);
    restarts.joined();
    await expect(restarts.shouldRestart(notCoordinator())).resolves.toBe(true);
  });

  it('stays down once the service is stopping', async () => {
    const restarts = new ConsumerRestarts({
      logger: silentLogger,
      stopping: () => true,
      backoff: tinyBackoff,
    });
    await expect(restarts.shouldRestart(notCoordinator())).resolves.toBe(false);
  });
});
