import type { CheckResult } from '../../assets/checks/types.ts';
import type { RunRecord } from '../../jobs/run-model.ts';
import type { AlertState } from '../../monitoring/alerts/types.ts';
import type { GroupLagReport } from '../../monitoring/lag/report.ts';
import type { MonitoringStatus } from '../../monitoring/status.ts';
import type { AssetView } from '../asset-views.ts';
import { escapeHtml as e } from './escape.ts';
import { ago, checkCounts, isoTime } from './format.ts';
import type { GraphLayout } from './layout.ts';
import { runsTable } from './runs-page.ts';
import { badge, renderShell } from './shell.ts';
import { assetClasses, renderGraphSvg } from './svg.ts';

export interface AssetsPageModel {
  assets: readonly AssetView[];
  layout: GraphLayout;
  monitoring: MonitoringStatus;
  /** Newest first; the page shows the first few. */
  recentRuns: readonly RunRecord[];
  now: number;
  /** A token is configured: offer to sign out (revoke the session). */
  signOut: boolean;
  /** The server can launch runs: show the materialize form. */
  canOperate?: boolean;
}

const RUNS_SHOWN = 10;

/**
 * The asset graph page: graph (pick assets to materialize), alerts and lag, the asset table,
 * recent runs. It follows the event log live (see web/live.js) instead of reloading.
 */
export function renderAssetsPage(model: AssetsPageModel): string {
  const views = new Map(model.assets.map((a) => [a.key, a]));
  const main = `${summary(model)}
<section id="graph">
<h2>Asset graph</h2>
${model.canOperate ? operationsForm() : ''}
<div class="graph-wrap">
${renderGraphSvg(model.layout, views, model.now)}
</div>
${legend()}
</section>
${alertsSection(model.monitoring, model.now)}
${lagSection(model.monitoring.lag, model.now)}
${assetTable(model.assets, model.now)}
<section id="recent-runs"><h2>Recent runs <a class="small" href="/runs">all runs</a></h2>
${runsTable(model.recentRuns.slice(0, RUNS_SHOWN), model.now)}
</section>`;
  return renderShell({
    title: 'assets',
    signOut: model.signOut,
    now: model.now,
    main,
    live: 'graph',
  });
}

/**
 * Materialize what is picked in the graph (scripts fill in the selection from the boxes'
 * checkboxes), or type a selection. Posts to the API; see web/operations.js.
 */
function operationsForm(): string {
  return `<form id="materialize" data-keep class="operations" method="post" action="/api/runs" data-action="materialize"><label>Selection <input type="text" name="selection" placeholder="key, +key (with upstream), key+, tag:x, *" pattern="[a-z0-9_+:*, ]+" maxlength="1000" required></label> <label><input type="checkbox" name="upstream" value="1"> with upstream</label> <button type="submit">Materialize</button> <span class="small muted">Tick the box in an asset to pick it.</span> <output id="operation-result" data-keep></output></form>`;
}

function summary(model: AssetsPageModel): string {
  const counts = new Map<string, number>();
  for (const a of model.assets) counts.set(a.outcome, (counts.get(a.outcome) ?? 0) + 1);
  const chip = (cls: string, text: string): string => `<span class="chip ${cls}">${e(text)}</span>`;
  const chips = [chip('', `${model.assets.length} assets`)];
  for (const [outcome, n] of counts) {
    const cls = outcome === 'succeeded' ? 'ok' : outcome === 'failed' ? 'bad' : '';
    chips.push(chip(cls, `${n} ${outcome}`));
  }
  const blocked = model.assets.filter((a) => a.blocked).length;
  if (blocked > 0) chips.push(chip('bad', `${blocked} blocked`));
  const stale = model.assets.filter((a) => a.freshness === 'fail' || a.freshness === 'warn').length;
  if (stale > 0) chips.push(chip('warn', `${stale} not fresh`));
  const firing = model.monitoring.firing.length;
  chips.push(chip(firing > 0 ? 'bad' : 'ok', `${firing} alert${firing === 1 ? '' : 's'} firing`));
  return `<div class="summary">${chips.join('')}</div>`;
}

function legend(): string {
  return `<div class="legend"><span class="l-succeeded">succeeded</span><span class="l-failed">failed</span><span class="l-skipped">skipped / cancelled / never</span><span class="l-running">running / queued</span><span class="l-blocked">blocked (downstream automation waits)</span><span>pill: freshness (fresh, warn, fail, unknown)</span></div>`;
}

function alertsSection(status: MonitoringStatus, now: number): string {
  const note = status.monitorActive
    ? ''
    : '<p class="muted">No monitor is evaluating alert rules (start <code>strata monitor</code>).</p>';
  const rows = [
    ...status.firing.map((a) => alertRow(a, 'firing', now)),
    ...status.pending.map((a) => alertRow(a, 'pending', now)),
  ];
  const body =
    rows.length === 0
      ? '<p>No alerts firing.</p>'
      : `<table><thead><tr><th>State</th><th>Severity</th><th>Rule</th><th>Summary</th><th>Since</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  return `<section id="alerts"><h2>Alerts</h2>${note}${body}</section>`;
}

function alertRow(alert: AlertState, phase: 'firing' | 'pending', now: number): string {
  const since = alert.firedAt ?? alert.activeSince ?? null;
  return `<tr><td>${badge(phase === 'firing' ? 'failed' : 'warn', phase)}</td><td>${badge(alert.severity)}</td><td>${e(alert.rule)}</td><td>${e(alert.summary)}</td><td title="${e(isoTime(since))}">${e(ago(since, now))}</td></tr>`;
}

function lagSection(lag: GroupLagReport[] | null, now: number): string {
  if (lag === null)
    return '<section id="lag"><h2>Kafka lag</h2><p class="muted">No recent lag report (is <code>strata monitor</code> running?).</p></section>';
  const rows = lag.map(
    (r) =>
      `<tr><td>${e(r.group)}</td><td>${e(r.topic)}</td><td>${badge(r.status)}${r.error ? ` <span class="err">${e(r.error)}</span>` : ''}</td><td class="num">${e(r.totalLag)}</td><td class="num">${e(r.partitions.length)}</td><td class="num">${e(r.members)}</td><td title="${e(isoTime(r.at))}">${e(ago(r.at, now))}</td></tr>`,
  );
  return `<section id="lag"><h2>Kafka lag</h2><table><thead><tr><th>Group</th><th>Topic</th><th>Status</th><th>Lag</th><th>Partitions</th><th>Members</th><th>Measured</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function assetTable(assets: readonly AssetView[], now: number): string {
  const rows = assets.map((a) => {
    const description = a.description ? `<div class="small muted">${e(a.description)}</div>` : '';
    const run = a.latestRun
      ? `<a href="/runs/${e(a.latestRun.id)}">${e(a.latestRun.id)}</a> <span class="small muted">(${e(a.latestRun.state)})</span>`
      : '-';
    const blocked = a.blocked
      ? `${badge('failed', 'blocked')} <span class="small">${e(a.blockedReason ?? '')}</span>`
      : 'no';
    const error = a.error ? `<div class="err small">${e(a.error)}</div>` : '';
    return `<tr id="asset-${e(a.key)}" class="${assetClasses(a)}"><td><a href="/assets/${e(a.key)}"><strong>${e(a.key)}</strong></a>${description}</td><td>${e(a.kind)}</td><td>${badge(a.outcome)} <span class="small muted" title="${e(isoTime(a.lastMaterializedAt))}">${e(ago(a.lastMaterializedAt, now))}</span>${error}</td><td class="nowrap">${run}</td><td class="nowrap" title="${e(isoTime(a.dataTime))}">${e(isoTime(a.dataTime))}<div class="small muted">${e(ago(a.dataTime, now))}</div></td><td>${badge(a.freshness)}</td><td>${checksCell(a.checks)}</td><td>${blocked}</td></tr>`;
  });
  return `<section id="assets"><h2>Assets</h2><table><thead><tr><th>Asset</th><th>Kind</th><th>Last materialization</th><th>Latest run</th><th>Data time</th><th>Freshness</th><th>Checks</th><th>Blocked</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

/** Counts, then each check that did not pass with its message. */
function checksCell(checks: readonly CheckResult[]): string {
  const notPassed = checks.filter((c) => c.status !== 'passed');
  const items = notPassed.map(
    (c) =>
      `<li>${badge(c.status)} ${e(c.name)} <span class="small muted">(${e(c.source)} ${e(c.type)}, ${e(c.severity)})</span>${c.message ? `<div class="small">${e(c.message)}</div>` : ''}</li>`,
  );
  return `${e(checkCounts(checks))}${items.length > 0 ? `<ul class="checks">${items.join('')}</ul>` : ''}`;
}
