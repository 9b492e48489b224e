import { describe, expect, it } from 'vitest';
import {
  kafkaJavaArgs,
  newClusterId,
  renderServerProperties,
} from '../../src/stack/kafka-config.ts';
import { redisServerArgs } from '../../src/stack/redis.ts';

function parseProperties(text: string): Map<string, string> {
  return new Map(
    text
      .trim()
      .split('\n')
      .map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)] as [string, string];
      }),
  );
}

describe('renderServerProperties', () => {
  const properties = parseProperties(
    renderServerProperties({
      broker: { host: '127.0.0.1', port: 19092 },
      controllerPort: 19093,
      dataDir: '/s/kafka/data',
    }),
  );

  it('makes one node both broker and controller, with the controller on its own port', () => {
    expect(properties.get('process.roles')).toBe('broker,controller');
    expect(properties.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093');
    expect(properties.get('listeners')).toBe(
      'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093',
    );
    expect(properties.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(properties.get('controller.listener.names')).toBe('CONTROLLER');
  });

  it('uses replication factor 1 everywhere a single node needs it', () => {
    expect(properties.get('offsets.topic.replication.factor')).toBe('1');
    expect(properties.get('transaction.state.log.replication.factor')).toBe('1');
    expect(properties.get('transaction.state.log.min.isr')).toBe('1');
    expect(properties.get('log.dirs')).toBe('/s/kafka/data');
    expect(properties.get('num.partitions')).toBe('3');
  });

  it('makes every node of a cluster a voter and replicates internal topics 3 times', () => {
    const cluster = [19092, 19094, 19096].map((port) => ({ host: '127.0.0.1', port }));
    const node2 = parseProperties(
      renderServerProperties({
        broker: cluster[1]!,
        controllerPort: 19095,
        dataDir: '/s/kafka-cluster/node-2/data',
        nodeId: 2,
        cluster,
      }),
    );
    expect(node2.get('node.id')).toBe('2');
    expect(node2.get('controller.quorum.voters')).toBe(
      '1@127.0.0.1:19093,2@127.0.0.1:19095,3@127.0.0.1:19097',
    );
    expect(node2.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19094,CONTROLLER://127.0.0.1:19095');
    expect(node2.get('offsets.topic.replication.factor')).toBe('3');
    expect(node2.get('transaction.state.log.min.isr')).toBe('2');
    expect(node2.get('default.replication.factor')).toBe('3');
    expect(node2.get('min.insync.replicas')).toBe('2');
    expect(properties.has('min.insync.replicas')).toBe(false);
  });

  it('escapes backslashes so Java reads the path back unchanged', () => {
    const text = renderServerProperties({
      broker: { host: '127.0.0.1', port: 1 },
      controllerPort: 2,
      dataDir: 'C:\\data',
    });
    expect(text).toContain('log.dirs=C:\\\\data\n');
  });
});

describe('newClusterId', () => {
  it('encodes 16 bytes as 22 URL-safe characters', () => {
    expect(newClusterId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('never returns an id starting with "-" or a reserved id', () => {
    const draws = [
      Buffer.alloc(16, 0xfb), // base64url starts with "-"
      Buffer.alloc(16, 0), // Kafka's zero id
      Buffer.from([...Array<number>(15).fill(0), 1]), // the metadata topic id
      Buffer.from('0123456789abcdef'),
    ];
    const random = (): Buffer => draws.shift() ?? Buffer.alloc(16, 7);
    expect(Buffer.alloc(16, 0xfb).toString('base64url').startsWith('-')).toBe(true);
    expect(newClusterId(random)).toBe(Buffer.from('0123456789abcdef').toString('base64url'));
  });
});

describe('process arguments', () => {
  it('starts the broker with a bounded heap and the jar folder as a classpath wildcard', () => {
    const args = kafkaJavaArgs({
      log4jFile: '/s/l.yaml',
      libsDir: '/s/libs',
      propertiesFile: '/s/server.properties',
    });
    expect(args).toEqual(
      expect.arrayContaining(['-Xmx512m', '-Dlog4j2.configurationFile=/s/l.yaml', '/s/libs/*']),
    );
    expect(args.slice(-2)).toEqual(['kafka.Kafka', '/s/server.properties']);
  });

  it('starts Redis on loopback with AOF and noeviction', () => {
    const args = redisServerArgs({ redis: { host: 'localhost', port: 16379 } }, '/s/redis');
    const flag = (name: string): string | undefined => args[args.indexOf(name) + 1];
    expect(flag('--bind')).toBe('127.0.0.1');
    expect(flag('--port')).toBe('16379');
    expect(flag('--appendonly')).toBe('yes');
    expect(flag('--maxmemory-policy')).toBe('noeviction');
    expect(flag('--dir')).toBe('/s/redis');
  });
});
