import type { KafkaMessage } from 'kafkajs';
import type { InvalidReason } from './record.ts';

export interface BatchLimits {
  maxRecords: number;
  maxBytes: number;
  maxAgeMs: number;
}

/** An invalid message on its way to the dead-letter topic, with why and where it came from. */
export interface DeadLetter {
  message: KafkaMessage;
  partition: number;
  reason: InvalidReason;
  detail: string;
}

/**
 * The messages of one partition between two cuts: a contiguous offset range [start, end] whose
 * valid records share one UTC day and become one object, and whose invalid records go to the DLQ.
 */
export class Batch {
  readonly lines: string[] = [];
  readonly deadLetters: DeadLetter[] = [];
  day: string | null = null;
  end: number;
  bytes = 0;
  newestRecordMs = 0;

  constructor(
    readonly start: number,
    readonly openedAtMs: number,
  ) {
    this.end = start - 1;
  }

  get messageCount(): number {
    return this.lines.length + this.deadLetters.length;
  }

  get isEmpty(): boolean {
    return this.messageCount === 0;
  }

  addRecord(offset: number, line: string, day: string, lastUpdatedMs: number): void {
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line);
    this.day = day;
    this.end = offset;
    this.newestRecordMs = Math.max(this.newestRecordMs, lastUpdatedMs);
  }

  addDeadLetter(offset: number, letter: DeadLetter): void {
    this.deadLetters.push(letter);
    this.bytes += letter.message.value?.length ?? 0;
    this.end = offset;
  }

  /** Whether `day` would put records of two days in one object. */
  wouldSpanDays(day: string): boolean {
    return this.day !== null && this.day !== day;
  }

  isFull(limits: BatchLimits): boolean {
    return this.messageCount >= limits.maxRecords || this.bytes >= limits.maxBytes;
  }

  wouldOverflow(lineBytes: number, limits: BatchLimits): boolean {
    return !this.isEmpty && this.bytes + lineBytes > limits.maxBytes;
  }

  isOlderThan(ageMs: number, nowMs: number): boolean {
    return !this.isEmpty && nowMs - this.openedAtMs >= ageMs;
  }

  body(): Buffer {
    return Buffer.from(this.lines.join(''), 'utf8');
  }
}
