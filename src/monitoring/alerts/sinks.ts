import { NonRetriableError, TransientError, errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { withRetry } from '../../shared/retry.ts';
import { alertText, webhookPayload } from './format.ts';
import type { AlertEvent } from './types.ts';

/** Somewhere alert transitions go. A sink that fails must not stop the others. */
export interface AlertSink {
  readonly name: string;
  send(event: AlertEvent): Promise<void>;
}

/** Always on: a structured log line per transition. */
export class LogSink implements AlertSink {
  readonly name = 'log';

  constructor(private readonly logger: Logger) {}

  send(event: AlertEvent): Promise<void> {
    const { alert } = event;
    const fields = {
      alert: alert.id,
      rule: alert.rule,
      severity: alert.severity,
      labels: alert.labels,
      value: alert.value,
      status: event.type,
    };
    if (event.type === 'firing') this.logger.warn(fields, alertText(event));
    else this.logger.info(fields, alertText(event));
    return Promise.resolve();
  }
}

export interface WebhookSinkOptions {
  url: string;
  timeoutMs: number;
  attempts?: number;
  logger?: Logger;
}

/**
 * POSTs Slack-compatible JSON (`text` plus structured fields). 5xx, 429 and network errors are
 * retried with backoff; other 4xx are not (the receiver rejected the message). The URL is never
 * logged: Slack webhook URLs are credentials.
 */
export class WebhookSink implements AlertSink {
  readonly name = 'webhook';

  constructor(private readonly options: WebhookSinkOptions) {}

  async send(event: AlertEvent): Promise<void> {
    const body = JSON.stringify(webhookPayload(event));
    await withRetry(() => this.post(body), {
      attempts: this.options.attempts ?? 4,
      backoff: { initialMs: 500, maxMs: 10_000 },
      onRetry: (error, attempt, delayMs) =>
        this.options.logger?.warn(
          { err: errorMessage(error), attempt, delayMs, alert: event.alert.id },
          'webhook delivery failed; retrying',
        ),
    });
  }

  private async post(body: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new TransientError(`webhook unreachable: ${errorMessage(error)}`, { cause: error });
    }
    // Drain the body so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return;
    const message = `webhook answered HTTP ${response.status}`;
    if (response.status >= 500 || response.status === 429) throw new TransientError(message);
    throw new NonRetriableError(message);
  }
}
