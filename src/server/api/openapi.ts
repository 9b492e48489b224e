import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { historyQuerySchema } from '../views/asset-detail.ts';
import { healthQuerySchema } from '../views/health.ts';
import { runsQuerySchema } from '../views/runs.ts';
import { materializeBodySchema } from '../operations-routes.ts';
import {
  assetDetailSchema,
  assetViewSchema,
  errorSchema,
  liveEventSchema,
  liveStatsSchema,
  pipelineHealthSchema,
  runEventSchema,
  runRecordSchema,
  scheduleViewSchema,
  schedulerStatusSchema,
  startedRunSchema,
  statusReportSchema,
} from './schemas.ts';

type Method = 'get' | 'post';

const json = (description: string, schema: z.ZodType) => ({
  description,
  content: { 'application/json': { schema } },
});

/**
 * The OpenAPI 3.1 document of every /api route, generated from the zod schemas the routes
 * parse requests with and the response schemas in schemas.ts. A test compares its paths with
 * the routes the app really has.
 */
export function openApiDocument(): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  // Inline, not named components: naming needs zod extended before any schema is created, and
  // these schemas are created by the modules that parse with them.
  const AssetView = assetViewSchema;
  const RunRecord = runRecordSchema;
  const RunEvent = runEventSchema;
  const AssetDetail = assetDetailSchema;
  const ErrorBody = errorSchema;
  const runId = z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/) });
  const assetKey = z.object({ key: z.string().regex(/^[a-z][a-z0-9_]*$/) });
  const notFound = json('unknown (or trimmed by retention)', ErrorBody);
  const bad = json('malformed request', ErrorBody);
  const route = (method: Method, path: string, summary: string, rest: object): void =>
    registry.registerPath({ method, path, summary, responses: {}, ...rest });

  route('get', '/api/assets', 'Every asset with its status, in graph order', {
    responses: {
      200: json('assets', z.object({ generatedAt: z.number(), assets: z.array(AssetView) })),
    },
  });
  route('get', '/api/assets/{key}', 'One asset: policy lines and materialization history', {
    request: { params: assetKey, query: historyQuerySchema },
    responses: { 200: json('the asset page data', AssetDetail), 400: bad, 404: notFound },
  });
  route('get', '/api/runs', 'Runs, newest first, filtered by status, trigger and asset', {
    request: { query: runsQuerySchema },
    responses: { 200: json('runs', z.object({ runs: z.array(RunRecord) })), 400: bad },
  });
  route('post', '/api/runs', 'Materialize a selection (a manual run)', {
    request: {
      body: { content: { 'application/json': { schema: materializeBodySchema } } },
    },
    responses: {
      201: json('the run started', startedRunSchema),
      400: bad,
      415: json('the body was not JSON', ErrorBody),
    },
  });
  route('get', '/api/runs/{id}', 'One run with the state of each asset', {
    request: { params: runId },
    responses: { 200: json('the run', RunRecord), 400: bad, 404: notFound },
  });
  route('get', '/api/runs/{id}/events', "A run's progress events, oldest first", {
    request: { params: runId },
    responses: {
      200: json('events', z.object({ events: z.array(RunEvent) })),
      400: bad,
      404: notFound,
    },
  });
  route('post', '/api/runs/{id}/cancel', 'Cancel a run', {
    request: { params: runId },
    responses: { 200: json('the run after the cancel', RunRecord), 400: bad, 404: notFound },
  });
  route(
    'post',
    '/api/runs/{id}/rerun-failed',
    'A new run of what failed, was skipped or cancelled',
    {
      request: {
        params: runId,
        body: { content: { 'application/json': { schema: z.object({}) } } },
      },
      responses: {
        201: json('the run started', startedRunSchema),
        404: notFound,
        409: json('nothing failed in that run', ErrorBody),
      },
    },
  );
  route('get', '/api/events', 'Server-Sent Events: every run progress event, live', {
    responses: {
      200: {
        description: '`event: change` with data as below; `: ping` comments as heartbeats',
        content: { 'text/event-stream': { schema: liveEventSchema } },
      },
      503: json('too many live pages open', ErrorBody),
    },
  });
  route('get', '/api/events/stats', 'What the live feed holds now', {
    responses: { 200: json('listeners and streams', liveStatsSchema) },
  });
  const records = z.array(z.record(z.string(), z.unknown()));
  route('get', '/api/lag', 'Kafka lag per consumer group, from the monitor', {
    responses: {
      200: json('lag', z.object({ monitorActive: z.boolean(), groups: records })),
    },
  });
  route('get', '/api/alerts', 'Alerts firing and pending, and recent history', {
    request: { query: z.object({ recent: z.coerce.number().int().min(0).max(1000).optional() }) },
    responses: {
      200: json(
        'alerts',
        z.object({
          monitorActive: z.boolean(),
          firing: records,
          pending: records,
          recent: records,
        }),
      ),
    },
  });
  route('get', '/api/health', 'Pipeline health: lag, throughput, alerts firing, storage per day', {
    request: { query: healthQuerySchema },
    responses: { 200: json('the pipeline health page data', pipelineHealthSchema), 400: bad },
  });
  route('get', '/api/status', 'What `strata status --json` prints: assets, scheduler, monitor', {
    responses: {
      200: json(
        'every asset with its freshness, the scheduler (with the current config error) and the monitor',
        statusReportSchema,
      ),
    },
  });
  route('get', '/api/schedules', 'Schedules with next fire times, the scheduler, its decisions', {
    responses: {
      200: json(
        'the schedules page data',
        z.object({
          scheduler: schedulerStatusSchema,
          schedules: z.array(scheduleViewSchema),
          recentDecisions: records,
          generatedAt: z.number(),
        }),
      ),
    },
  });
  route('get', '/api/openapi.json', 'This document', {
    responses: { 200: json('OpenAPI 3.1', z.record(z.string(), z.unknown())) },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Strata',
      version: '1',
      description:
        'The JSON API of `strata serve`. With STRATA_API_TOKEN set, send `Authorization: Bearer <token>`.',
    },
  }) as unknown as Record<string, unknown>;
}
