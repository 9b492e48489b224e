import type { CheckResult } from '../../assets/checks/types.ts';
import { formatDuration } from '../../shared/durations.ts';
import type { AssetDetail, MaterializationView } from '../views/asset-detail.ts';
import { escapeHtml as e } from './escape.ts';
import { ago, checkCounts, isoTime } from './format.ts';
import { jsonBlock } from './json-block.ts';
import { badge, renderShell } from './shell.ts';

export interface AssetPageModel {
  detail: AssetDetail;
  signOut: boolean;
  /** The server can launch runs: offer to materialize this asset. */
  canOperate?: boolean;
}

/** /assets/:key: what the asset is, how fresh it is, its history and plots over time. */
export function renderAssetPage(model: AssetPageModel): string {
  const { detail } = model;
  const now = detail.generatedAt;
  const a = detail.asset;
  const main = [
    `<section id="asset-head" class="${e(`outcome-${a.outcome}`)}"><h2>${e(a.key)} ${badge(a.outcome)} ${badge(a.freshness)}${a.blocked ? ` ${badge('failed', 'blocked')}` : ''}</h2>`,
    `<p>${a.description ? e(a.description) : '<span class="muted">No description.</span>'}</p>`,
    `<p class="small muted">kind ${e(a.kind)}${a.group ? ` · group ${e(a.group)}` : ''}${a.tags.length > 0 ? ` · tags ${e(a.tags.join(', '))}` : ''}${detail.model ? ` · dbt model <code>${e(detail.model)}</code>` : ''}</p>`,
    a.blocked ? `<p class="err">Blocked: ${e(a.blockedReason ?? '')}</p>` : '',
    a.error ? `<p class="err">Last error: ${e(a.error)}</p>` : '',
    model.canOperate ? materializeButtons(a.key) : '',
    '</section>',
    lineage(detail),
    freshness(detail, now),
    charts(detail),
    modelSql(detail),
    history(detail.materializations, now),
  ].join('\n');
  return renderShell({
    title: a.key,
    signOut: model.signOut,
    now,
    main,
    live: `asset:${a.key}`,
    charts: true,
  });
}

/** Posted as JSON by web/operations.js; the result (a link to the run) shows beside them. */
function materializeButtons(key: string): string {
  const button = (selection: string, text: string): string =>
    `<form method="post" action="/api/runs" class="inline" data-action="materialize"><input type="hidden" name="selection" value="${e(selection)}"><button type="submit">${e(text)}</button></form>`;
  return `<p class="operations">${button(key, 'Materialize')} ${button(`+${key}`, 'Materialize with upstream')} <output id="operation-result" data-keep></output></p>`;
}

function assetLinks(keys: readonly string[]): string {
  if (keys.length === 0) return '<span class="muted">none</span>';
  return keys.map((k) => `<a href="/assets/${e(k)}">${e(k)}</a>`).join(', ');
}

function lineage(detail: AssetDetail): string {
  return `<section id="lineage"><h2>Lineage</h2><p>Depends on: ${assetLinks(detail.asset.deps)}</p><p>Used by: ${assetLinks(detail.dependents)}</p></section>`;
}

function freshness(detail: AssetDetail, now: number): string {
  const { policy, warnAt, failAt } = detail;
  const a = detail.asset;
  const line = (what: string, afterMs: number | null, at: number | null): string => {
    if (afterMs === null) return `<li>No ${what} line.</li>`;
    const when =
      at === null
        ? 'no data time yet'
        : at <= now
          ? `crossed ${e(ago(at, now))} (${e(isoTime(at))})`
          : `at ${e(isoTime(at))}, in ${e(formatDuration(at - now))}`;
    return `<li>${e(what)} after ${e(formatDuration(afterMs))} of data age: ${when}</li>`;
  };
  return `<section id="freshness"><h2>Freshness</h2><p>Data time <strong>${e(isoTime(a.dataTime))}</strong> <span class="muted">(${e(ago(a.dataTime, now))})</span>, state ${badge(a.freshness)}</p><ul>${line('warn', policy.warnAfterMs, warnAt)}${line('fail', policy.failAfterMs, failAt)}</ul></section>`;
}

/** Oldest first, as uPlot wants its x values; seconds, as uPlot's time axis reads them. */
export function chartData(detail: AssetDetail) {
  const ordered = [...detail.materializations].reverse();
  const seconds = (ms: number): number => Math.round(ms / 1000);
  return {
    t: ordered.map((m) => seconds(m.endedAt)),
    ageS: ordered.map((m) => (m.dataTime === null ? null : seconds(m.endedAt - m.dataTime))),
    rows: ordered.map((m) => m.rows),
    durationS: ordered.map((m) => m.durationMs / 1000),
    warnS: detail.policy.warnAfterMs === null ? null : seconds(detail.policy.warnAfterMs),
    failS: detail.policy.failAfterMs === null ? null : seconds(detail.policy.failAfterMs),
  };
}

function charts(detail: AssetDetail): string {
  if (detail.materializations.length === 0)
    return '<section id="plots"><h2>Over time</h2><p class="muted">No materializations yet.</p></section>';
  return `<section id="plots"><h2>Over time</h2><div class="charts"><figure><figcaption>Data age at materialization (s), with the policy lines</figcaption><div class="chart" data-chart="age"></div></figure><figure><figcaption>Rows</figcaption><div class="chart" data-chart="rows"></div></figure><figure><figcaption>Duration (s)</figcaption><div class="chart" data-chart="duration"></div></figure></div>${jsonBlock('chart-data', chartData(detail))}</section>`;
}

/**
 * The dbt model's SQL: as dbt last compiled it, or its source file until it is compiled. Blank
 * lines a config block leaves at the top are dropped.
 */
function modelSql(detail: AssetDetail): string {
  if (detail.model === null) return '';
  const sql = detail.sql;
  if (sql === null)
    return `<section id="sql"><h2>SQL</h2><p class="muted">No compiled SQL and no file <code>${e(detail.model)}.sql</code> in the dbt project's model paths.</p></section>`;
  const head =
    sql.kind === 'compiled'
      ? `<h2>Compiled SQL</h2><p class="small muted">as dbt compiled <code>${e(detail.model)}</code> ${e(ago(sql.at, detail.generatedAt))} (${e(isoTime(sql.at))})</p>`
      : `<h2>SQL <span class="badge b-warn">not compiled yet</span></h2><p class="small muted">the model file <code>${e(sql.file)}</code> as written (Jinja not rendered): no materialization has compiled it on this host yet</p>`;
  const cut = sql.truncated ? '<p class="small muted">(cut at 256 KiB)</p>' : '';
  return `<section id="sql" data-sql="${e(sql.kind)}">${head}<pre class="sql"><code>${e(sql.sql.replace(/^\s*\n/, '').trimEnd())}</code></pre>${cut}</section>`;
}

function history(records: readonly MaterializationView[], now: number): string {
  if (records.length === 0)
    return '<section id="history"><h2>Materializations</h2><p class="muted">Never materialized.</p></section>';
  const rows = records.map(
    (m) =>
      `<tr class="mat mat-${e(m.status)}"><td>${badge(m.status)}</td><td><a href="/runs/${e(m.runId)}">${e(m.runId)}</a></td><td>${e(m.trigger ?? '-')}</td><td>${e(m.worker)}${m.attempt > 1 ? ` <span class="small muted">attempt ${e(m.attempt)}</span>` : ''}</td><td class="nowrap" title="${e(isoTime(m.endedAt))}">${e(ago(m.endedAt, now))}</td><td class="num">${e(formatDuration(Math.max(0, m.durationMs)))}</td><td class="nowrap">${e(isoTime(m.dataTime))}</td><td class="num">${m.rows === null ? '-' : e(m.rows)}</td><td>${checksCell(m.checks)}${m.error ? `<div class="err small">${e(m.error)}</div>` : ''}</td></tr>`,
  );
  return `<section id="history"><h2>Materializations <span class="muted small">(newest ${records.length})</span></h2><table><thead><tr><th>Status</th><th>Run</th><th>Trigger</th><th>Worker</th><th>Ended</th><th>Took</th><th>Data time</th><th>Rows</th><th>Checks</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function checksCell(checks: readonly CheckResult[]): string {
  const notPassed = checks.filter((c) => c.status !== 'passed');
  const items = notPassed.map(
    (c) =>
      `<li>${badge(c.status)} ${e(c.name)}${c.message ? ` <span class="small">${e(c.message)}</span>` : ''}</li>`,
  );
  return `${e(checkCounts(checks))}${items.length > 0 ? `<ul class="checks">${items.join('')}</ul>` : ''}`;
}
