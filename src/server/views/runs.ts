import { z } from 'zod';
import type { RunEvent, RunRecord } from '../../jobs/run-model.ts';
import type { RunSource } from '../api-routes.ts';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const RUN_TRIGGERS = ['manual', 'schedule', 'freshness', 'upstream'] as const;

/** How many of the newest runs a filtered list looks through. */
export const RUNS_SCANNED = 500;

/** The runs list's query: /runs and /api/runs take the same one. */
export const runsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(20),
  status: z.enum(RUN_STATUSES).optional(),
  trigger: z.enum(RUN_TRIGGERS).optional(),
  asset: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .optional(),
});
export type RunsQuery = z.infer<typeof runsQuerySchema>;

/**
 * The newest runs matching every filter given, newest first. Without filters it reads `limit`
 * runs; with filters it looks through the newest RUNS_SCANNED.
 */
export async function listRuns(source: RunSource, query: RunsQuery): Promise<RunRecord[]> {
  const filtered = query.status ?? query.trigger ?? query.asset;
  const runs = await source.runs.list(filtered === undefined ? query.limit : RUNS_SCANNED);
  return runs.filter((run) => matches(run, query)).slice(0, query.limit);
}

function matches(run: RunRecord, query: RunsQuery): boolean {
  if (query.status && run.status !== query.status) return false;
  if (query.trigger && run.trigger !== query.trigger) return false;
  if (query.asset && !run.assets.includes(query.asset)) return false;
  return true;
}

export interface RunDetail {
  run: RunRecord;
  /** The run's progress events, oldest first (the stream keeps the newest 10,000). */
  events: RunEvent[];
  generatedAt: number;
}

export async function readRunDetail(
  source: RunSource,
  id: string,
  now = Date.now(),
): Promise<RunDetail | undefined> {
  const [run, events] = await Promise.all([source.runs.get(id), source.runs.events(id, '0')]);
  return run ? { run, events, generatedAt: now } : undefined;
}
