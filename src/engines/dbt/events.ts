import { z } from 'zod';

/** One line of dbt's `--log-format json` output, reduced to what Strata reads. */
export interface DbtEvent {
  /** dbt's event name, e.g. LogStartLine, LogModelResult, LogTestResult, MainEncounteredError. */
  name: string;
  level: string;
  message: string;
  timestamp: string;
  invocationId: string | undefined;
  /** The node the event is about, when there is one. */
  node: DbtEventNode | undefined;
  /** "3 of 37": position in the run, for progress reporting. */
  progress: { index: number; total: number } | undefined;
  data: Record<string, unknown>;
}

export interface DbtEventNode {
  uniqueId: string;
  resourceType: string | undefined;
  status: string | undefined;
}

const nodeInfoSchema = z.looseObject({
  unique_id: z.string(),
  resource_type: z.string().optional(),
  node_status: z.string().optional(),
});

const lineSchema = z.object({
  info: z.looseObject({
    name: z.string(),
    level: z.string(),
    msg: z.string(),
    ts: z.string(),
    invocation_id: z.string().optional(),
  }),
  data: z.record(z.string(), z.unknown()).default({}),
});

/**
 * Parses one output line. Lines that are not dbt JSON events (Python warnings, a traceback on
 * stderr) become `RawOutput` events so nothing dbt says is lost.
 */
export function parseDbtLogLine(line: string, stream: 'stdout' | 'stderr' = 'stdout'): DbtEvent {
  return parseDbtEvent(tryJson(line)) ?? rawEvent(line, stream);
}

/** One dbt event as its JSON log format has it ({ info, data }), or undefined if it is not one. */
export function parseDbtEvent(value: unknown): DbtEvent | undefined {
  const parsed = lineSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const { info, data } = parsed.data;
  const nodeInfo = nodeInfoSchema.safeParse(data.node_info);
  return {
    name: info.name,
    level: info.level,
    message: stripAnsi(info.msg),
    timestamp: info.ts,
    invocationId: info.invocation_id,
    node: nodeInfo.success
      ? {
          uniqueId: nodeInfo.data.unique_id,
          resourceType: nodeInfo.data.resource_type,
          status: nodeInfo.data.node_status,
        }
      : undefined,
    progress:
      typeof data.index === 'number' && typeof data.total === 'number'
        ? { index: data.index, total: data.total }
        : undefined,
    data,
  };
}

export function rawEvent(line: string, stream: 'stdout' | 'stderr'): DbtEvent {
  return {
    name: 'RawOutput',
    level: stream === 'stderr' ? 'warn' : 'info',
    message: stripAnsi(line),
    timestamp: new Date().toISOString(),
    invocationId: undefined,
    node: undefined,
    progress: undefined,
    data: { stream },
  };
}

function tryJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

// dbt colours some messages even in JSON mode unless told otherwise; keep messages plain.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** The error text dbt reported for a failed invocation (exit code 2), or undefined. */
export function invocationErrorMessage(events: readonly DbtEvent[]): string | undefined {
  const errors = events.filter(
    (e) =>
      e.level === 'error' &&
      e.node === undefined &&
      e.message.trim() !== '' &&
      e.name !== 'RawOutput',
  );
  if (errors.length > 0) return errors.map((e) => e.message.trim()).join('\n');
  const stderr = events.filter((e) => e.name === 'RawOutput' && e.data.stream === 'stderr');
  const tail = stderr.slice(-20).map((e) => e.message);
  return tail.length > 0 ? tail.join('\n') : undefined;
}
