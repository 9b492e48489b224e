import type { IHeaders, Producer } from 'kafkajs';
import type { DeadLetter } from './batch.ts';

/** Header names on a dead letter; the value and key are the original bytes, untouched. */
export const DLQ_HEADERS = {
  reason: 'strata.dlq.reason',
  detail: 'strata.dlq.detail',
  topic: 'strata.dlq.original.topic',
  partition: 'strata.dlq.original.partition',
  offset: 'strata.dlq.original.offset',
  timestamp: 'strata.dlq.original.timestamp',
} as const;

/**
 * Publishes invalid messages to the dead-letter topic, acknowledged by all in-sync replicas, with
 * the reason and the original coordinates in headers (which also let a reader drop the rare
 * duplicate a crash between publishing and the next position entry can cause).
 */
export class DeadLetterPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly dlqTopic: string,
    private readonly sourceTopic: string,
  ) {}

  async publish(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.producer.send({
      topic: this.dlqTopic,
      acks: -1,
      messages: letters.map((letter) => ({
        key: letter.message.key,
        value: letter.message.value,
        headers: this.headers(letter),
      })),
    });
  }

  private headers(letter: DeadLetter): IHeaders {
    return {
      ...letter.message.headers,
      [DLQ_HEADERS.reason]: letter.reason,
      [DLQ_HEADERS.detail]: letter.detail.slice(0, 500),
      [DLQ_HEADERS.topic]: this.sourceTopic,
      [DLQ_HEADERS.partition]: String(letter.partition),
      [DLQ_HEADERS.offset]: letter.message.offset,
      [DLQ_HEADERS.timestamp]: letter.message.timestamp,
    };
  }
}
