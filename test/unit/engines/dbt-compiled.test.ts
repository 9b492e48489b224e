import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  compiledSqlDir,
  publishCompiledSql,
  readModelSql,
} from '../../../src/engines/dbt/compiled.ts';

/** A target dir as `dbt build --select orders` leaves it: manifest plus compiled files. */
async function fakeTarget(root: string): Promise<string> {
  const target = path.join(root, 'run-1', 'target');
  const compiled = path.join(target, 'compiled', 'shop', 'models', 'gold');
  await mkdir(path.join(compiled, 'orders.yml'), { recursive: true });
  await writeFile(path.join(compiled, 'orders.sql'), 'select 1 as id from "db"."raw"."orders"\n');
  await writeFile(path.join(compiled, 'orders.yml', 'not_null_orders_id.sql'), 'select 0\n');
  const node = (type: string, name: string, file: string, code?: string) => ({
    resource_type: type,
    name,
    package_name: 'shop',
    original_file_path: file,
    compiled_code: code,
  });
  await writeFile(
    path.join(target, 'manifest.json'),
    JSON.stringify({
      nodes: {
        'model.shop.orders': node('model', 'orders', 'models/gold/orders.sql'),
        'model.shop.only_in_manifest': node(
          'model',
          'only_in_manifest',
          'models/x.sql',
          'select 2',
        ),
        'model.shop.escapes': node('model', 'escapes', '../../../../etc/passwd'),
        'test.shop.not_null_orders_id.1': node(
          'test',
          'not_null_orders_id',
          'models/gold/orders.yml',
        ),
      },
    }),
  );
  return target;
}

describe('compiled SQL kept beyond the invocation', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'strata-compiled-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps each compiled model, from its file or the manifest, and nothing outside the target', async () => {
    const target = await fakeTarget(root);
    const cache = compiledSqlDir(path.join(root, 'runs'), 'local');
    const kept = await publishCompiledSql(target, cache, [
      'model.shop.orders',
      'model.shop.only_in_manifest',
      'model.shop.escapes',
      'test.shop.not_null_orders_id.1',
      'model.shop.unknown',
    ]);
    expect(kept).toEqual(['orders', 'only_in_manifest']);
    expect((await readdir(cache)).sort()).toEqual(['only_in_manifest.sql', 'orders.sql']);
    expect(await readFile(path.join(cache, 'orders.sql'), 'utf8')).toContain('"raw"."orders"');
    // Nothing compiled in this invocation: nothing to do, and no manifest is fine too.
    expect(await publishCompiledSql(path.join(root, 'none'), cache, ['model.shop.x'])).toEqual([]);
  });

  it('reads the compiled SQL, else the model file marked not compiled, else nothing', async () => {
    const projectDir = path.join(root, 'project');
    await mkdir(path.join(projectDir, 'sql', 'gold'), { recursive: true });
    await writeFile(
      path.join(projectDir, 'dbt_project.yml'),
      "model-paths: ['sql', '../outside']\n",
    );
    await writeFile(
      path.join(projectDir, 'sql', 'gold', 'orders.sql'),
      "select * from {{ ref('raw') }}\n",
    );
    const where = { runsDir: path.join(root, 'runs'), target: 'local', projectDir };

    const source = await readModelSql('orders', where);
    expect(source).toMatchObject({
      kind: 'source',
      file: path.join('sql', 'gold', 'orders.sql'),
      sql: "select * from {{ ref('raw') }}\n",
      truncated: false,
    });

    await publishCompiledSql(await fakeTarget(root), compiledSqlDir(where.runsDir, 'local'), [
      'model.shop.orders',
    ]);
    const compiled = await readModelSql('orders', where);
    expect(compiled).toMatchObject({ kind: 'compiled', file: 'orders.sql', truncated: false });
    expect(compiled?.sql).toContain('"raw"."orders"');
    expect(compiled?.at).toBeGreaterThan(0);
    // Another target compiled nothing yet.
    expect((await readModelSql('orders', { ...where, target: 'prod' }))?.kind).toBe('source');

    expect(await readModelSql('missing', where)).toBeUndefined();
    expect(await readModelSql('../orders', where)).toBeUndefined();
  });
});
