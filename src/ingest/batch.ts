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

const INITIAL_CAPACITY = 16 * 1024;

/**
 * The messages of one partition between two cuts: a contiguous offset range [start, end] whose
 * valid records share one UTC day and become one object, and whose invalid records go to the DLQ.
 * Lines are written straight into one growing buffer, which becomes the object's body.
 */
export class Batch {
  readonly deadLetters: DeadLetter[] = [];
  day: string | null = null;
  /** The newest record time (ms) among the batch's valid records: the data time it lands. */
  newestRecordTime: number | null = null;
  end: number;
  records = 0;
  private body = Buffer.allocUnsafe(0);
  private length = 0;
  /** Bytes held for dead letters, counted against the buffer budget. */
  private deadLetterBytes = 0;

  constructor(
    readonly start: number,
    readonly openedAtMs: number,
  ) {
    this.end = start - 1;
  }

  get messageCount(): number {
    return this.records + this.deadLetters.length;
  }

  get isEmpty(): boolean {
    return this.messageCount === 0;
  }

  /** Bytes of the object so far (plus dead letters held). */
  get bytes(): number {
    return this.length + this.deadLetterBytes;
  }

  /**
   * Appends one line: `head` (the record's JSON without its closing brace, as bytes to copy or as
   * a string) followed by `tail`.
   */
  addRecord(
    offset: number,
    head: Buffer | string,
    tail: string,
    day: string,
    recordTime: number,
  ): void {
    if (this.newestRecordTime === null || recordTime > this.newestRecordTime) {
      this.newestRecordTime = recordTime;
    }
    const headBytes = typeof head === 'string' ? Buffer.byteLength(head) : head.length;
    this.reserve(headBytes + Buffer.byteLength(tail));
    this.length +=
      typeof head === 'string'
        ? this.body.write(head, this.length)
        : head.copy(this.body, this.length);
    this.length += this.body.write(tail, this.length);
    this.records++;
    this.day = day;
    this.end = offset;
  }

  addDeadLetter(offset: number, letter: DeadLetter): void {
    this.deadLetters.push(letter);
    this.deadLetterBytes += letter.message.value?.length ?? 0;
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

  /** The object's bytes (a view, not a copy). */
  content(): Buffer {
    return this.body.subarray(0, this.length);
  }

  /** Grows the buffer geometrically, so appending n lines copies O(n) bytes in total. */
  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.body.length) return;
    let capacity = Math.max(INITIAL_CAPACITY, this.body.length * 2);
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.body.copy(grown, 0, 0, this.length);
    this.body = grown;
  }
}
