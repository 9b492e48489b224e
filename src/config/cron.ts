import cronParser from 'cron-parser';

/**
 * Cron expressions, read by the parser that fires them. BullMQ computes every job scheduler's
 * next tick with its cron-parser dependency; package.json pins the same version so npm keeps a
 * single copy, and `strata validate` accepts exactly what BullMQ will schedule. (With two
 * versions, an expression such as "H * * * *" passed validation and BullMQ's upsert returned
 * no job: a schedule that silently never fired.) A unit test keeps the versions equal.
 *
 * Five fields (minute hour day-of-month month day-of-week) or six with seconds first; macros
 * such as @daily; `L` and `#` as cron-parser 4 reads them.
 */

/** Why the expression is rejected, or undefined when BullMQ's parser accepts it. */
export function cronProblem(expression: string, timezone = 'UTC'): string | undefined {
  try {
    cronParser.parseExpression(expression, { tz: timezone });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The first fire time strictly after `from` (ms since epoch), as BullMQ's default repeat
 * strategy computes it; undefined when the expression is invalid or never fires again.
 */
export function nextFireTime(
  expression: string,
  timezone: string,
  from: number,
): number | undefined {
  try {
    const interval = cronParser.parseExpression(expression, {
      tz: timezone,
      currentDate: new Date(from),
    });
    return interval.next().getTime();
  } catch {
    return undefined;
  }
}
