import { randomInt, randomUUID } from 'node:crypto';
import {
  CreateWorkGroupCommand,
  GetDatabaseCommand,
  GetQueryExecutionCommand,
  ListQueryExecutionsCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type GetQueryExecutionOutput,
} from '@aws-sdk/client-athena';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AthenaQueryError,
  AthenaQueryTimeoutError,
  createAthenaClient,
  ensureCryptoRawTable,
  runAthenaQuery,
} from '../../src/engines/athena/index.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';

// Real Athena API calls against moto (AWS_ENDPOINT_URL, default http://127.0.0.1:5000). moto
// does not execute SQL: results are seeded through its /moto-api, and query states advance
// one step per GetQueryExecution call when the test asks for manual progression.
const ENDPOINT = process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:5000';
const REGION = 'us-east-1';
const POLL = { initialMs: 10, maxMs: 50, jitter: 0 };

// Each test file gets its own moto account, so seeded results and executions are ours alone.
const account = String(randomInt(100_000_000_000, 999_999_999_999));
const workGroup = `strata-test-${randomUUID().slice(0, 8)}`;
const outputLocation = `s3://strata-test-${randomUUID().slice(0, 8)}/athena/`;
let client: AthenaClient;
const polledStates: string[] = [];

async function motoApi(route: string, body: unknown): Promise<void> {
  const response = await fetch(`${ENDPOINT}/moto-api/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBeLessThan(300);
}

/** Query states advance one step every `times` GetQueryExecution calls (moto-wide setting). */
const progressManually = (times: number) =>
  motoApi('state-manager/set-transition', {
    model_name: 'athena::execution',
    transition: { progression: 'manual', times },
  });

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  client = motoClient(ENDPOINT);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'GetQueryExecutionCommand') {
        polledStates.push(
          (result.output as GetQueryExecutionOutput).QueryExecution?.Status?.State ?? '?',
        );
      }
      return result;
    },
    { step: 'initialize', name: 'recordPolls' },
  );
  await client.send(
    new CreateWorkGroupCommand({
      Name: workGroup,
      Configuration: { ResultConfiguration: { OutputLocation: outputLocation } },
    }),
  );
});

afterEach(async () => {
  polledStates.length = 0;
  await motoApi('state-manager/unset-transition', { model_name: 'athena::execution' });
});

afterAll(() => {
  client?.destroy();
});

/** A client of this file's moto account, through `endpoint`. */
function motoClient(endpoint: string): AthenaClient {
  const athena = createAthenaClient({
    ...process.env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: REGION,
  });
  athena.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return athena;
}

describe('the Athena query runner against moto', () => {
  it('submits a query, polls it through QUEUED and RUNNING, and reads its rows without the header', async () => {
    await motoApi('static/athena/query-results', {
      account_id: account,
      region: REGION,
      results: [
        {
          rows: [
            { Data: [{ VarCharValue: 'coin_id' }, { VarCharValue: 'close_price' }] },
            { Data: [{ VarCharValue: 'bitcoin' }, { VarCharValue: '64310.0' }] },
            { Data: [{ VarCharValue: 'ripple' }, {}] },
          ],
          column_info: [
            {
              Name: 'coin_id',
              Label: 'coin_id',
              Type: 'varchar',
              Nullable: 'UNKNOWN',
              CaseSensitive: true,
            },
            {
              Name: 'close_price',
              Label: 'close_price',
              Type: 'double',
              Nullable: 'UNKNOWN',
              CaseSensitive: false,
            },
          ],
        },
      ],
    });
    await progressManually(2);
    const result = await runAthenaQuery({
      client,
      sql: 'select coin_id, close_price from gold.crypto_latest_price',
      workGroup,
      outputLocation,
      poll: POLL,
      pageSize: 1000,
    });
    expect(polledStates).toEqual(['QUEUED', 'RUNNING', 'RUNNING', 'SUCCEEDED']);
    expect(result.columns).toEqual([
      { name: 'coin_id', type: 'varchar' },
      { name: 'close_price', type: 'double' },
    ]);
    expect(result.rows).toEqual([
      { coin_id: 'bitcoin', close_price: '64310.0' },
      { coin_id: 'ripple', close_price: null },
    ]);
    // moto serves one page; following NextToken across pages is covered in the unit tests.
    expect(result).toMatchObject({
      pages: 1,
      truncated: false,
      outputLocation: `${outputLocation}${result.queryExecutionId}.csv`,
    });
  });

  it('turns a query cancelled in Athena into an error naming the work group and output location', async () => {
    await progressManually(1_000);
    const run = runAthenaQuery({ client, sql: 'select 1', workGroup, outputLocation, poll: POLL });
    const queryExecutionId = await waitForExecution();
    await client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AthenaQueryError);
    expect((error as AthenaQueryError).context).toMatchObject({
      queryExecutionId,
      state: 'CANCELLED',
      workGroup,
    });
    expect((error as Error).message).toBe(
      `Athena query ${queryExecutionId} cancelled: cancelled (no reason given) ` +
        `(work group ${workGroup}, output ${outputLocation}${queryExecutionId}.csv)`,
    );
  });

  it('stops the query in Athena when its deadline passes', async () => {
    await progressManually(1_000);
    const error = await runAthenaQuery({
      client,
      sql: 'select 2',
      workGroup,
      outputLocation,
      poll: POLL,
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AthenaQueryTimeoutError);
    const queryExecutionId = await latestExecution('select 2');
    const { QueryExecution } = await client.send(
      new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }),
    );
    expect(QueryExecution?.Status?.State).toBe('CANCELLED');
  });

  it('gives up at its deadline when Athena hangs (connections held open, no reply)', async () => {
    const proxy = await TcpProxy.start(ENDPOINT);
    const hung = motoClient(proxy.url);
    try {
      proxy.freeze();
      const startedAt = Date.now();
      const error = await runAthenaQuery({
        client: hung,
        sql: 'select 4',
        workGroup,
        outputLocation,
        poll: POLL,
        timeoutMs: 1_500,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AthenaQueryTimeoutError);
      // The request reached the frozen proxy and was held, and the query's own deadline cut it
      // well before the SDK's 15 s request timeout would have.
      expect(proxy.held).toBeGreaterThan(0);
      expect(Date.now() - startedAt).toBeLessThan(10_000);
    } finally {
      hung.destroy();
      await proxy.close();
    }
  });

  it('stops the query in Athena when the caller cancels', async () => {
    await progressManually(1_000);
    const controller = new AbortController();
    const run = runAthenaQuery({
      client,
      sql: 'select 3',
      workGroup,
      outputLocation,
      poll: POLL,
      signal: controller.signal,
    });
    const queryExecutionId = await waitForExecution();
    controller.abort(new Error('worker shutting down'));
    await expect(run).rejects.toThrow('worker shutting down');
    const { QueryExecution } = await client.send(
      new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }),
    );
    expect(QueryExecution?.Status?.State).toBe('CANCELLED');
  });

  it('creates the raw database and table with the DDL statements in order', async () => {
    const database = `strata_raw_${randomUUID().slice(0, 8)}`;
    const statements = await ensureCryptoRawTable({
      client,
      database,
      bucket: 'strata-lake',
      workGroup,
      outputLocation,
    });
    expect(statements).toHaveLength(3);
    const executed = await executedQueries();
    expect(executed.slice(-3)).toEqual(statements);
    // The text moto recorded is the partition-projection DDL: no MSCK REPAIR or crawler needed.
    expect(executed.at(-1)).toContain(`'projection.enabled' = 'true'`);
    expect(executed.at(-1)).toContain(
      `'storage.location.template' = 's3://strata-lake/crypto_data/year=\${year}/month=\${month}/day=\${day}/'`,
    );
    // moto models CREATE DATABASE (not tables): the database now exists in the catalog.
    const { Database } = await client.send(
      new GetDatabaseCommand({ CatalogName: 'AwsDataCatalog', DatabaseName: database }),
    );
    expect(Database?.Name).toBe(database);
  });
});

/** The execution a running runAthenaQuery started, once it has been polled at least once. */
async function waitForExecution(): Promise<string> {
  for (let i = 0; i < 200; i++) {
    if (polledStates.length > 0) return latestExecution();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the runner never polled its query');
}

async function latestExecution(sql?: string): Promise<string> {
  const executions = await executionsInOrder();
  const match = executions.filter((e) => sql === undefined || e.query === sql).at(-1);
  if (!match) throw new Error(`no execution${sql ? ` of ${sql}` : ''}`);
  return match.id;
}

async function executedQueries(): Promise<string[]> {
  return (await executionsInOrder()).map((e) => e.query);
}

/** moto lists executions in submission order (its own account holds only this file's). */
async function executionsInOrder(): Promise<{ id: string; query: string }[]> {
  const { QueryExecutionIds = [] } = await client.send(new ListQueryExecutionsCommand({}));
  const executions: { id: string; query: string }[] = [];
  for (const id of QueryExecutionIds) {
    const { QueryExecution } = await client.send(
      new GetQueryExecutionCommand({ QueryExecutionId: id }),
    );
    executions.push({ id, query: QueryExecution?.Query ?? '' });
  }
  return executions;
}
