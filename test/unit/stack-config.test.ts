import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/shared/errors.ts';
import {
  formatHostPort,
  isLoopback,
  parseServiceList,
  resolveStackConfig,
  stackPaths,
} from '../../src/stack/config.ts';

describe('resolveStackConfig', () => {
  it('defaults to the local ports and folders inside the project', () => {
    const config = resolveStackConfig({}, { projectRoot: '/p' });
    expect(config.redis).toEqual({ host: '127.0.0.1', port: 6379 });
    expect(config.kafka).toEqual({ host: '127.0.0.1', port: 9092 });
    expect(config.moto).toEqual({ host: '127.0.0.1', port: 5000 });
    expect(config.stateDir).toBe(path.resolve('/p/.stack'));
    expect(config.venvDir).toBe(path.resolve('/p/.venv'));
  });

  it('takes addresses and folders from the same variables the roles read', () => {
    const config = resolveStackConfig(
      {
        REDIS_URL: 'redis://localhost:16379/2',
        KAFKA_BROKERS: ' 127.0.0.1:19092 , 127.0.0.1:19093',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:15000',
        STRATA_STACK_DIR: '/tmp/other-stack',
        STRATA_VENV_DIR: 'venvs/x',
      },
      { projectRoot: '/p' },
    );
    expect(config.redis).toEqual({ host: 'localhost', port: 16379 });
    expect(config.redisUrl).toBe('redis://localhost:16379/2');
    expect(config.kafka).toEqual({ host: '127.0.0.1', port: 19092 });
    expect(config.moto).toEqual({ host: '127.0.0.1', port: 15000 });
    expect(config.stateDir).toBe('/tmp/other-stack');
    expect(config.venvDir).toBe(path.resolve('/p/venvs/x'));
  });

  it('reads bracketed IPv6 addresses', () => {
    const config = resolveStackConfig({
      KAFKA_BROKERS: '[::1]:9092',
      REDIS_URL: 'redis://[::1]:6380',
    });
    expect(config.kafka).toEqual({ host: '::1', port: 9092 });
    expect(config.redis).toEqual({ host: '::1', port: 6380 });
    expect(formatHostPort(config.kafka)).toBe('[::1]:9092');
  });

  it('rejects malformed addresses as usage errors', () => {
    expect(() => resolveStackConfig({ KAFKA_BROKERS: 'kafka' })).toThrow(UsageError);
    expect(() => resolveStackConfig({ REDIS_URL: 'not a url' })).toThrow(UsageError);
  });

  it('runs a Kafka cluster on its own ports unless KAFKA_BROKERS names as many brokers', () => {
    const own = resolveStackConfig({}, {}, { kafkaBrokers: 3 });
    expect(own.kafkaNodes.map((n) => n.port)).toEqual([19092, 19094, 19096]);
    expect(own.kafka).toEqual({ host: '127.0.0.1', port: 19092 });
    const named = resolveStackConfig(
      { KAFKA_BROKERS: '127.0.0.1:30000,127.0.0.1:30010,127.0.0.1:30020' },
      {},
      { kafkaBrokers: 3 },
    );
    expect(named.kafkaNodes.map((n) => n.port)).toEqual([30000, 30010, 30020]);
    expect(resolveStackConfig({}).kafkaNodes).toEqual([{ host: '127.0.0.1', port: 9092 }]);
    expect(() => resolveStackConfig({}, {}, { kafkaBrokers: 0 })).toThrow(UsageError);
    expect(() => resolveStackConfig({}, {}, { kafkaBrokers: 9 })).toThrow(UsageError);
  });

  it('runs a Redis Cluster on REDIS_URL when it names three nodes, else on 17000-17002', () => {
    const named = resolveStackConfig({
      REDIS_URL: 'redis+cluster://127.0.0.1:27100,127.0.0.1:27101,127.0.0.1:27102',
    });
    expect(named.redisNodes.map((n) => n.port)).toEqual([27100, 27101, 27102]);
    expect(named.redis).toEqual({ host: '127.0.0.1', port: 27100 });
    const own = resolveStackConfig({}, {}, { redis: 'cluster' });
    expect(own.redisNodes.map((n) => n.port)).toEqual([17000, 17001, 17002]);
    expect(own.redisUrl).toBe('redis+cluster://127.0.0.1:17000,127.0.0.1:17001,127.0.0.1:17002');
    expect(resolveStackConfig({}).redisNodes).toEqual([{ host: '127.0.0.1', port: 6379 }]);
  });

  it('keeps every piece of state under the state folder', () => {
    const paths = stackPaths(resolveStackConfig({ STRATA_STACK_DIR: '/s' }, { projectRoot: '/p' }));
    expect(paths.pidFile('kafka')).toBe('/s/run/kafka.pid');
    expect(paths.logFile('redis')).toBe('/s/logs/redis.log');
    expect(paths.kafkaLibs).toBe('/s/kafka/libs');
    expect(paths.kafkaPom).toBe('/p/scripts/stack/kafka-pom.xml');
  });
});

describe('parseServiceList', () => {
  it('selects every service when no list is given', () => {
    expect(parseServiceList(undefined)).toEqual(['redis', 'kafka', 'moto', 'dbt']);
  });

  it('keeps start order whatever order the user wrote', () => {
    expect(parseServiceList('dbt, redis')).toEqual(['redis', 'dbt']);
  });

  it('names the unknown service instead of ignoring it', () => {
    expect(() => parseServiceList('redis,mongo')).toThrow(/unknown service mongo/);
  });
});

describe('isLoopback', () => {
  it('accepts only addresses on this machine', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.1.2.3')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('10.0.0.5')).toBe(false);
    expect(isLoopback('redis.internal')).toBe(false);
  });
});
