/**
 * Issue 11 §1: the first command works the first time. A newcomer's `npm run demo -- --once`
 * meets a Kafka broker formatted moments before, whose group coordinator is still being elected
 * (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS) while the demo creates its topic, joins the
 * ingest group and reads the group's offsets. This runs the demo against such a broker: one of
 * the test's own, started through the stack API on its own port, never used before.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { brokerProgress, startDedicatedBroker } from '../helpers/dedicated-broker.ts';
import { Resources } from '../integration/ingest-support.ts';
import { isolatedShippedConfig } from '../helpers/shipped-config.ts';
import { expectDemoSucceeded } from './demo-support.ts';

const resources = new Resources();
afterAll(() => resources.release(), 60_000);

describe('npm run demo -- --once on a cold Kafka', () => {
  it('waits out the coordinator election of a freshly formatted broker and exits 0', async () => {
    const broker = await startDedicatedBroker(brokerProgress());
    resources.add(() => broker.stop());
    // Cold for real: no group has ever used this broker, so the offsets topic does not exist yet.
    expect(await topicsOn(broker.brokers)).not.toContain('__consumer_offsets');

    const id = randomUUID().slice(0, 8);
    const { file, env } = await isolatedShippedConfig(resources, {
      topic: `test-demo-cold-${id}`,
      groupId: `test-demo-cold-${id}`,
    });
    const result = await runCli(['--config', file, 'demo', '--once', '--ticks', '10'], {
      env: { ...env, KAFKA_BROKERS: broker.brokers.join(',') },
      timeoutMs: 300_000,
    });
    expectDemoSucceeded(result, 10);
    expect(await topicsOn(broker.brokers)).toContain('__consumer_offsets');
  }, 420_000);
});

async function topicsOn(brokers: string[]): Promise<string[]> {
  const admin = new Kafka({
    clientId: 'strata-cold-probe',
    brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}
