import { backoffDelay, sleep, type BackoffOptions } from '../shared/backoff.ts';
import { errorMessage, isTransient } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';

export interface ConsumerRestartOptions {
  logger: Logger;
  /** Whether the service is shutting down: a consumer that crashes then stays down. */
  stopping: () => boolean;
  /** How long the consumer may keep failing to join before the crash is fatal; default 10 min. */
  deadlineMs?: number;
  backoff?: BackoffOptions;
  now?: () => number;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 15_000, factor: 2, jitter: 0.5 };

/**
 * Decides whether a crashed kafkajs consumer starts again (its `retry.restartOnFailure`). A group
 * join on a cold or moving cluster fails with NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS and
 * the like: those restart after a backoff with jitter, so a group of members does not hammer a
 * loading coordinator in step, until the consumer has not joined for the deadline. Any other
 * error, or a crash while stopping, is final.
 */
export class ConsumerRestarts {
  private streak: { since: number; attempts: number } | null = null;
  private readonly now: () => number;

  constructor(private readonly options: ConsumerRestartOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The consumer joined its group: the next crash starts a new streak. */
  joined(): void {
    this.streak = null;
  }

  async shouldRestart(error: unknown): Promise<boolean> {
    if (this.options.stopping() || !isTransient(error)) return false;
    const streak = (this.streak ??= { since: this.now(), attempts: 0 });
    streak.attempts++;
    const failingFor = this.now() - streak.since;
    const deadline = this.options.deadlineMs ?? 600_000;
    if (failingFor > deadline) {
      this.options.logger.error(
        { attempts: streak.attempts, failingForMs: failingFor, error: errorMessage(error) },
        'kafka consumer kept failing past its deadline; giving up',
      );
      return false;
    }
    const delay = backoffDelay(streak.attempts, this.options.backoff ?? DEFAULT_BACKOFF);
    this.options.logger.warn(
      { attempt: streak.attempts, restartInMs: delay, error: errorMessage(error) },
      'kafka consumer failed with a transient error; restarting',
    );
    await sleep(delay);
    return !this.options.stopping();
  }
}
