import { describe, expect, it } from 'vitest';
import { renderAssetPage } from '../../../src/server/ui/asset-page.ts';
import type { AssetDetail } from '../../../src/server/views/asset-detail.ts';
import { view } from './fixtures.ts';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const HOSTILE = `select '</code></pre><script>alert(1)</script>' as "x" & 1`;

function detail(overrides: Partial<AssetDetail>): AssetDetail {
  return {
    asset: view('orders', { kind: 'dbt' }),
    dependents: [],
    policy: { warnAfterMs: null, failAfterMs: null },
    warnAt: null,
    failAt: null,
    model: 'orders',
    sql: null,
    materializations: [],
    generatedAt: NOW,
    ...overrides,
  };
}

const render = (d: AssetDetail): string => renderAssetPage({ detail: d, signOut: false });

describe('the asset page: dbt SQL', () => {
  it('shows the compiled SQL, escaped, with when dbt compiled it', () => {
    const html = render(
      detail({
        sql: {
          kind: 'compiled',
          sql: HOSTILE,
          at: NOW - 60_000,
          file: 'orders.sql',
          truncated: false,
        },
      }),
    );
    expect(html).toContain('<section id="sql" data-sql="compiled"><h2>Compiled SQL</h2>');
    expect(html).toContain('1m ago');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain(
      '&#39;&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39; as &quot;x&quot; &amp; 1',
    );
  });

  it('says when the SQL shown is the model file, not compiled yet', () => {
    const html = render(
      detail({
        sql: {
          kind: 'source',
          sql: "select * from {{ ref('raw') }}",
          at: NOW,
          file: 'models/orders.sql',
          truncated: true,
        },
      }),
    );
    expect(html).toContain('data-sql="source"');
    expect(html).toContain('not compiled yet');
    expect(html).toContain('<code>models/orders.sql</code>');
    expect(html).toContain('cut at 256 KiB');
  });

  it('has no SQL section for other kinds, and says so when a dbt model has none', () => {
    expect(render(detail({ model: null, asset: view('a') }))).not.toContain('id="sql"');
    expect(render(detail({}))).toContain('No compiled SQL and no file <code>orders.sql</code>');
  });
});
