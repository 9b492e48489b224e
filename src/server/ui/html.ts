import type { CheckResult } from '../../assets/checks/types.ts';
import type { RunRecord } from '../../jobs/run-model.ts';
import type { AlertState } from '../../monitoring/alerts/types.ts';
import type { GroupLagReport } from '../../monitoring/lag/report.ts';
import type { MonitoringStatus } from '../../monitoring/status.ts';
import type { AssetView } from '../asset-views.ts';
import { escapeHtml as e } from './escape.ts';
import { ago, checkCounts, isoTime } from './format.ts';
import type { GraphLayout } from './layout.ts';
import { PAGE_CSS } from './styles.ts';
import { assetClasses, renderGraphSvg } from './svg.ts';

export interface AssetsPageModel {
  assets: readonly AssetView[];
  layout: GraphLayout;
  monitoring: MonitoringStatus;
  /** Newest first; the page shows the first few. */
  recentRuns: readonly RunRecord[];
  now: number;
  refreshSeconds: number;
  /** A token is configured: offer to sign out (drop the session cookie). */
  signOut: boolean;
}

const RUNS_SHOWN = 10;

/** The asset graph page: graph, alerts and lag, the asset table, recent runs. No scripts. */
export function renderAssetsPage(model: AssetsPageModel): string {
  const views = new Map(model.assets.map((a) => [a.key, a]));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${model.refreshSeconds}">
<title>Strata · assets</title>
<style>${PAGE_CSS}</style>
</head>
<body>
${pageHeader(model.signOut)}
<main>
${summary(model)}
<section id="graph">
<h2>Asset graph</h2>
<div class="graph-wrap">
${renderGraphSvg(model.layout, views, model.now)}
</div>
${legend()}
</section>
${alertsSection(model.monitoring, model.now)}
${lagSection(model.monitoring.lag, model.now)}
${assetTable(model.assets, model.now)}
${runsTable(model.recentRuns.slice(0, RUNS_SHOWN), model.now)}
</main>
<footer>Generated ${e(isoTime(model.now))}; this page refreshes every ${model.refreshSeconds} s.</footer>
</body>
</html>
`;
}

function pageHeader(signOut: boolean): string {
  const form = signOut
    ? '<form method="post" action="/logout"><button type="submit">Sign out</button></form>'
    : '';
  return `<header><h1>Strata</h1><nav>
<a href="/">Asset graph</a><a href="/queues">Bull Board (queues)</a><a href="/api/assets">/api/assets</a><a href="/api/runs">/api/runs</a><a href="/api/alerts">/api/alerts</a><a href="/metrics">/metrics</a>
</nav>${form}</header>`;
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

/** A coloured label; `tone` picks the colour (a state name), `text` defaults to it. */
function badge(tone: string, text = tone): string {
  return `<span class="badge b-${e(tone)}">${e(text)}</span>`;
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
      ? `<a href="/api/runs/${e(a.latestRun.id)}">${e(a.latestRun.id)}</a> <span class="small muted">(${e(a.latestRun.state)})</span>`
      : '-';
    const blocked = a.blocked
      ? `${badge('failed', 'blocked')} <span class="small">${e(a.blockedReason ?? '')}</span>`
      : 'no';
    const error = a.error ? `<div class="err small">${e(a.error)}</div>` : '';
    return `<tr id="asset-${e(a.key)}" class="${assetClasses(a)}"><td><strong>${e(a.key)}</strong>${description}</td><td>${e(a.kind)}</td><td>${badge(a.outcome)} <span class="small muted" title="${e(isoTime(a.lastMaterializedAt))}">${e(ago(a.lastMaterializedAt, now))}</span>${error}</td><td class="nowrap">${run}</td><td class="nowrap" title="${e(isoTime(a.dataTime))}">${e(isoTime(a.dataTime))}<div class="small muted">${e(ago(a.dataTime, now))}</div></td><td>${badge(a.freshness)}</td><td>${checksCell(a.checks)}</td><td>${blocked}</td></tr>`;
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

function runsTable(runs: readonly RunRecord[], now: number): string {
  if (runs.length === 0)
    return '<section id="runs"><h2>Recent runs</h2><p class="muted">No runs yet.</p></section>';
  const rows = runs.map((r) => {
    const counts = new Map<string, number>();
    for (const a of r.assetStates) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
    const took =
      r.endedAt !== undefined ? `${((r.endedAt - r.createdAt) / 1_000).toFixed(1)} s` : '-';
    return `<tr><td><a href="/api/runs/${e(r.id)}">${e(r.id)}</a></td><td>${badge(r.status)}</td><td>${e(r.trigger)}${r.reason ? `<div class="small muted">${e(r.reason)}</div>` : ''}</td><td><code>${e(r.selection)}</code></td><td title="${e(isoTime(r.createdAt))}">${e(ago(r.createdAt, now))}</td><td class="num">${e(took)}</td><td>${e([...counts].map(([s, n]) => `${n} ${s}`).join(', '))}</td></tr>`;
  });
  return `<section id="runs"><h2>Recent runs</h2><table><thead><tr><th>Run</th><th>Status</th><th>Trigger</th><th>Selection</th><th>Created</th><th>Took</th><th>Assets</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}
