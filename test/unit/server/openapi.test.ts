import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePipeline } from '../../../src/config/index.ts';
import { EventLog } from '../../../src/jobs/event-log.ts';
import { RedisKeys } from '../../../src/jobs/keys.ts';
import { RunStore } from '../../../src/jobs/run-store.ts';
import { ProcessMetrics } from '../../../src/monitoring/metrics/registry.ts';
import { openApiDocument } from '../../../src/server/api/openapi.ts';
import { createServeApp } from '../../../src/server/serve-app.ts';
import { createLogger } from '../../../src/shared/logger.ts';

/**
 * Building the app and reading its routes opens no connection: the Redis client is lazy, and
 * the queue is a stand-in Bull Board accepts (a real BullMQ Queue would start connecting as
 * soon as it is built, and unit tests run without Redis).
 */
const redis = new Redis({ lazyConnect: true });
const queue = { name: 'openapi-test', metaValues: { version: 'bullmq' } } as unknown as Queue;

afterAll(() => {
  redis.disconnect();
});

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every method and path of the app's routes, walking routers mounted at the root. */
function routesOf(stack: readonly Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      const methods = Object.keys(layer.route.methods).filter((m) => m !== '_all');
      return paths.flatMap((p) => methods.map((m) => `${m.toUpperCase()} ${p}`));
    }
    return layer.handle?.stack ? routesOf(layer.handle.stack) : [];
  });
}

describe('the OpenAPI document', () => {
  it('describes exactly the /api routes the server has, with their parameters', () => {
    const pipeline = parsePipeline('version: 1\nassets:\n  a:\n    kind: noop\n', 'p.yaml', {});
    const keys = new RedisKeys('openapi-test:');
    const app = createServeApp({
      redis,
      keyPrefix: 'openapi-test:',
      registry: new ProcessMetrics({ defaultMetrics: false }).registry,
      instance: 'openapi-test',
      logger: createLogger('openapi-test', 'silent'),
      pipeline,
      events: new EventLog(redis, keys),
      runs: new RunStore(redis, keys, 10),
      queue,
      queuePrefix: 'bull',
      submit: () => Promise.reject(new Error('not in this test')),
    });
    const router = (app as unknown as { router: { stack: Layer[] } }).router;
    const served = routesOf(router.stack)
      .filter((r) => r.split(' ')[1]?.startsWith('/api/'))
      .map((r) => r.replace(/:(\w+)/g, '{$1}'));
    const document = openApiDocument() as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>;
    };
    const described = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect([...new Set(served)].sort()).toEqual(described.sort());

    const runsQuery = document.paths['/api/runs']?.get?.parameters?.map((p) => `${p.in}:${p.name}`);
    expect(runsQuery?.sort()).toEqual([
      'query:asset',
      'query:limit',
      'query:status',
      'query:trigger',
    ]);
    expect(document.paths['/api/runs/{id}']?.get?.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path' }),
    ]);
  });
});
