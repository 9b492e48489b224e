import type { AlertEvent, AlertState } from '../../monitoring/alerts/types.ts';
import { formatDuration } from '../../shared/durations.ts';
import type { PipelineHealth } from '../views/health.ts';
import { escapeHtml as e } from './escape.ts';
import { ago, isoTime } from './format.ts';
import { jsonBlock } from './json-block.ts';
import { badge, renderShell } from './shell.ts';

export interface HealthPageModel {
  health: PipelineHealth;
  signOut: boolean;
  /** How often the page fetches itself again: the monitor writes a sample per interval. */
  refreshMs: number;
}

/**
 * /health: Kafka lag per partition and throughput over the last hour, alerts firing over time,
 * storage objects per day (uPlot charts from the JSON block), then the alerts firing and their
 * history. The data comes from what the leading monitor records each pass.
 */
export function renderHealthPage(model: HealthPageModel): string {
  const h = model.health;
  const now = h.generatedAt;
  const last = h.t.at(-1);
  const monitor = h.monitorActive
    ? `<p>A monitor is evaluating · ${h.t.length} samples in the last ${e(formatDuration(h.windowMs))}${last === undefined ? '' : `, newest ${e(ago(last * 1000, now))}`}</p>`
    : '<p class="err">No monitor holds the lease: nothing is being measured (start <code>strata monitor</code>). Older samples are shown while they last.</p>';
  const main = [
    `<section id="health-head"><h2>Pipeline health</h2>${monitor}</section>`,
    charts(h),
    alertsNow(h.alerts.firing, h.alerts.pending, now),
    alertHistory(h.alerts.recent, now),
    storageTable(h),
  ].join('\n');
  return renderShell({
    title: 'pipeline health',
    signOut: model.signOut,
    now,
    main,
    live: 'health',
    charts: true,
    refreshMs: model.refreshMs,
  });
}

/** What web/charts.js draws: seconds on x, as uPlot's time axis reads them. */
export function healthChartData(h: PipelineHealth) {
  return {
    t: h.t,
    lag: h.lag.map((s) => ({ label: `${s.group} ${s.topic}[${s.partition}]`, values: s.values })),
    throughput: h.throughput,
    firing: h.firing,
    storage: {
      t: (h.storage?.days ?? []).map((d) => Math.round(Date.parse(`${d.day}T00:00:00Z`) / 1000)),
      objects: (h.storage?.days ?? []).map((d) => d.objects),
    },
  };
}

function figure(chart: string, caption: string): string {
  return `<figure><figcaption>${e(caption)}</figcaption><div class="chart" data-chart="${e(chart)}"></div></figure>`;
}

function charts(h: PipelineHealth): string {
  const figures: string[] = [];
  if (h.t.length === 0) {
    figures.push(
      '<p class="muted">No samples in this window: the monitor records one per pass while it leads.</p>',
    );
  } else {
    figures.push(
      h.lag.length > 0
        ? figure('lag', 'Kafka lag per partition (messages)')
        : '<p class="muted">No lag read in this window (no watched group, or Kafka unreachable).</p>',
      h.throughput.length > 0 ? figure('throughput', 'Ingest throughput (records/s)') : '',
      figure('firing', 'Alerts firing'),
    );
  }
  figures.push(
    h.storage && h.storage.days.length > 0
      ? figure('storage', 'Storage objects per day (UTC)')
      : '<p class="muted">No storage counts (storage stats disabled, or not counted yet).</p>',
  );
  return `<section id="health-charts"><h2>Over the last ${e(formatDuration(h.windowMs))}</h2><div class="charts">${figures.join('')}</div>${jsonBlock('health-data', healthChartData(h))}</section>`;
}

function labels(alert: AlertState): string {
  const pairs = Object.entries(alert.labels).map(([k, v]) => `${k}=${v}`);
  return pairs.length === 0 ? '' : ` <span class="small muted">${e(pairs.join(' '))}</span>`;
}

function alertsNow(firing: readonly AlertState[], pending: readonly AlertState[], now: number) {
  const rows = [
    ...firing.map((a) => [a, 'firing'] as const),
    ...pending.map((a) => [a, 'pending'] as const),
  ].map(([a, phase]) => {
    const since = a.firedAt ?? a.activeSince ?? null;
    return `<tr data-alert="${e(a.id)}"><td>${badge(phase === 'firing' ? 'failed' : 'warn', phase)}</td><td>${badge(a.severity)}</td><td>${e(a.rule)}${labels(a)}</td><td>${e(a.summary)}</td><td class="nowrap" title="${e(isoTime(since))}">${e(ago(since, now))}</td></tr>`;
  });
  const body =
    rows.length === 0
      ? '<p>No alerts firing.</p>'
      : `<table><thead><tr><th>State</th><th>Severity</th><th>Rule</th><th>Summary</th><th>Since</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  return `<section id="alerts-now"><h2>Alerts firing</h2>${body}</section>`;
}

function alertHistory(events: readonly AlertEvent[], now: number): string {
  if (events.length === 0)
    return '<section id="alert-history"><h2>Alert history</h2><p class="muted">No alert has fired or resolved (or the history was trimmed).</p></section>';
  const rows = events.map((ev) => {
    const a = ev.alert;
    const lasted =
      ev.type === 'resolved' && a.firedAt !== undefined && a.resolvedAt !== undefined
        ? formatDuration(Math.max(0, a.resolvedAt - a.firedAt))
        : '';
    return `<tr class="alert-${e(ev.type)}"><td class="nowrap" title="${e(isoTime(ev.at))}">${e(ago(ev.at, now))}</td><td>${badge(ev.type === 'firing' ? 'failed' : 'succeeded', ev.type)}</td><td>${badge(a.severity)}</td><td>${e(a.rule)}${labels(a)}</td><td class="nowrap">${e(isoTime(a.firedAt ?? null))}</td><td class="nowrap">${ev.type === 'resolved' ? e(isoTime(a.resolvedAt ?? ev.at)) : '-'}</td><td class="num">${e(lasted)}</td><td>${e(a.summary)}</td></tr>`;
  });
  return `<section id="alert-history"><h2>Alert history <span class="muted small">(newest ${events.length})</span></h2><table><thead><tr><th>When</th><th>Change</th><th>Severity</th><th>Rule</th><th>Fired</th><th>Resolved</th><th>Lasted</th><th>Summary</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function storageTable(h: PipelineHealth): string {
  const s = h.storage;
  if (!s || s.days.length === 0) return '';
  const rows = [...s.days]
    .reverse()
    .map(
      (d) =>
        `<tr><td>${e(d.day)}</td><td class="num">${e(d.objects)}</td><td class="num">${e(d.bytes)}</td></tr>`,
    );
  return `<section id="storage"><h2>Storage per day <span class="muted small">(counted ${e(ago(s.at, h.generatedAt))})</span></h2><table><thead><tr><th>Day (UTC)</th><th>Objects</th><th>Bytes</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}
