import { Kafka, logLevel, type Admin, type LogEntry } from 'kafkajs';
import type { Logger } from '../../shared/logger.ts';

/**
 * The monitor's Kafka admin client. Its retry budget is small on purpose: a lag read that cannot
 * complete within a few seconds is reported as UNKNOWN for this pass and tried again on the next,
 * instead of holding up the freshness and check rules behind it.
 */
export function createLagAdmin(brokers: string[], logger: Logger): Admin {
  const kafka = new Kafka({
    clientId: 'strata-monitor',
    brokers,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 200, retries: 2, maxRetryTime: 2_000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...fields } = log;
        // Failures surface in the lag report each pass; the client's own chatter is debug detail.
        if (level <= logLevel.WARN) logger.debug({ kafkajs: fields }, message);
      },
  });
  return kafka.admin();
}
