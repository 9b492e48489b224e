import { z } from 'zod';

/**
 * The warm dbt process's protocol (dbt_warm.py beside this file): one JSON request per line on
 * its stdin, JSON lines back on its stdout. One request at a time; every request gets exactly
 * one `result`, preceded by the dbt events it produced.
 */

export interface InvokeRequest {
  type: 'invoke';
  id: string;
  /** The full dbt argument list, as the subprocess path would pass it. */
  args: readonly string[];
  cwd: string;
  /** Set for the length of the invocation (STRATA_DUCKDB_PATH, AWS_*, ...). */
  env: Readonly<Record<string, string>>;
}

const readyMessage = z.object({
  type: z.literal('ready'),
  pid: z.number().int(),
  dbtVersion: z.string(),
});

const eventMessage = z.object({
  type: z.literal('event'),
  id: z.string(),
  /** One dbt event as `dbt --log-format json` prints it: { info, data }. */
  event: z.unknown(),
});

const resultMessage = z.object({
  type: z.literal('result'),
  id: z.string(),
  /** dbt's exit code: 0 passed, 1 ran and failed, 2 could not run. */
  exitCode: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  /** The exception dbt raised, when it could not run. */
  error: z.string().nullable(),
  /** Whether this request had to parse the project (no cached manifest for its key). */
  parsed: z.boolean(),
  elapsedMs: z.number(),
});

export const warmMessageSchema = z.discriminatedUnion('type', [
  readyMessage,
  eventMessage,
  resultMessage,
]);

export type WarmMessage = z.infer<typeof warmMessageSchema>;
export type WarmResult = z.infer<typeof resultMessage>;

/** A protocol line, or undefined when the line is not one (it is then logged, not trusted). */
export function parseWarmMessage(line: string): WarmMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = warmMessageSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

export function encodeRequest(request: InvokeRequest): string {
  return `${JSON.stringify(request)}\n`;
}
