import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stderr (stdout stays free for command output and --json).
 * Secrets are redacted by key name wherever they appear in a log object.
 */
export function createLogger(name: string, level = process.env.STRATA_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      name,
      level,
      base: { role: name, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          '*.password',
          '*.secretAccessKey',
          '*.token',
          '*.apiKey',
          '*.authorization',
          'password',
          'token',
          'apiKey',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
