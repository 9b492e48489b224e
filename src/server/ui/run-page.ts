import type { RunAsset, RunEvent, RunRecord } from '../../jobs/run-model.ts';
import { TERMINAL_RUN_STATUSES } from '../../jobs/run-model.ts';
import { formatDuration } from '../../shared/durations.ts';
import type { RunDetail } from '../views/runs.ts';
import { escapeHtml as e } from './escape.ts';
import { isoTime } from './format.ts';
import { badge, renderShell } from './shell.ts';

export interface RunPageModel {
  detail: RunDetail;
  signOut: boolean;
  /** The page may offer a cancel button (the server has the route). */
  canCancel: boolean;
  /** The server can launch runs: offer to re-run what failed. */
  canOperate?: boolean;
}

/** Most events the page lists; the API has them all. */
const EVENTS_SHOWN = 500;

/** /runs/:id: the timeline, errors and failing checks, the event stream, and cancel. */
export function renderRunPage(model: RunPageModel): string {
  const { run, events, generatedAt: now } = model.detail;
  const active = !TERMINAL_RUN_STATUSES.has(run.status);
  const cancel =
    active && model.canCancel
      ? `<form method="post" action="/api/runs/${e(run.id)}/cancel" class="inline" data-action="cancel"><button type="submit" class="danger">Cancel run</button></form>`
      : '';
  const failed = run.assetStates.some((a) => ['failed', 'skipped', 'cancelled'].includes(a.state));
  const rerun =
    !active && failed && model.canOperate
      ? `<form method="post" action="/api/runs/${e(run.id)}/rerun-failed" class="inline" data-action="rerun"><button type="submit">Re-run failed</button></form>`
      : '';
  const main = [
    `<section id="run-head" class="run run-${e(run.status)}"><h2>Run ${e(run.id)} ${badge(run.status)} ${cancel}${rerun} <output id="operation-result" data-keep></output></h2>`,
    `<p>${e(run.trigger)}${run.reason ? `: ${e(run.reason)}` : ''} · selection <code>${e(run.selection)}</code> · ${run.assets.length} assets · created ${e(isoTime(run.createdAt))}${run.endedAt !== undefined ? ` · took ${e(formatDuration(run.endedAt - run.createdAt))}` : ''}</p></section>`,
    `<section id="timeline"><h2>Timeline</h2>${renderTimeline(run, now)}</section>`,
    problems(run),
    eventsTable(run, events),
  ].join('\n');
  return renderShell({
    title: `run ${run.id}`,
    signOut: model.signOut,
    now,
    main,
    live: `run:${run.id}`,
  });
}

const LABEL_W = 180;
const BAR_W = 720;
const ROW_H = 22;

/**
 * One row per asset: a light bar while it waited in the queue (enqueued to started), then a bar
 * coloured by its outcome while it ran (started to ended, or to now while it runs).
 */
export function renderTimeline(run: RunRecord, now: number): string {
  const start = run.createdAt;
  const ends = run.assetStates.map((a) => a.info.endedAt ?? (a.state === 'running' ? now : 0));
  const end = Math.max(start + 1_000, run.endedAt ?? 0, ...ends);
  const x = (t: number): number =>
    LABEL_W + Math.round(((Math.min(end, Math.max(start, t)) - start) / (end - start)) * BAR_W);
  const rows = run.assetStates.map((asset, i) => timelineRow(asset, i, x, now));
  const height = run.assetStates.length * ROW_H + 24;
  const axis = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const ax = LABEL_W + Math.round(f * BAR_W);
    return `<line class="tick" x1="${ax}" x2="${ax}" y1="0" y2="${height - 18}"/><text class="tick-label" x="${ax}" y="${height - 4}">+${e(formatDuration(Math.round((f * (end - start)) / 100) * 100))}</text>`;
  });
  return `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${LABEL_W + BAR_W + 40}" height="${height}" viewBox="0 0 ${LABEL_W + BAR_W + 40} ${height}" role="img" aria-label="run timeline">${axis.join('')}${rows.join('')}</svg>`;
}

function timelineRow(
  asset: RunAsset,
  index: number,
  x: (t: number) => number,
  now: number,
): string {
  const y = index * ROW_H + 2;
  const { enqueuedAt, startedAt, endedAt } = asset.info;
  const label = `<a href="/assets/${e(asset.key)}"><text class="label" x="0" y="${y + 14}">${e(asset.key)}</text></a>`;
  const parts: string[] = [];
  if (enqueuedAt !== undefined) {
    const waitEnd = startedAt ?? endedAt ?? now;
    parts.push(
      `<rect class="wait" x="${x(enqueuedAt)}" y="${y + 4}" width="${Math.max(1, x(waitEnd) - x(enqueuedAt))}" height="${ROW_H - 10}"><title>${e(asset.key)} waited ${e(formatDuration(Math.max(0, waitEnd - enqueuedAt)))}</title></rect>`,
    );
  }
  if (startedAt !== undefined) {
    const runEnd = endedAt ?? now;
    parts.push(
      `<rect class="bar state-${e(asset.state)}" x="${x(startedAt)}" y="${y + 2}" width="${Math.max(2, x(runEnd) - x(startedAt))}" height="${ROW_H - 6}"><title>${e(asset.key)} ${e(asset.state)} in ${e(formatDuration(Math.max(0, runEnd - startedAt)))}</title></rect>`,
    );
  }
  if (parts.length === 0)
    parts.push(`<text class="state-note" x="${x(0) + 4}" y="${y + 14}">${e(asset.state)}</text>`);
  return `<g class="row" data-asset="${e(asset.key)}" data-state="${e(asset.state)}">${label}${parts.join('')}</g>`;
}

function problems(run: RunRecord): string {
  const items = run.assetStates.flatMap((a) => {
    const failing = (a.info.checks ?? []).filter(
      (c) => c.status === 'failed' || c.status === 'warned',
    );
    if (!a.info.error && !a.info.reason && failing.length === 0) return [];
    const checks = failing.map(
      (c) =>
        `<li>${badge(c.status)} ${e(c.name)} <span class="small muted">(${e(c.source)} ${e(c.type)}, ${e(c.severity)})</span>${c.message ? `<div class="small">${e(c.message)}</div>` : ''}</li>`,
    );
    return [
      `<li><a href="/assets/${e(a.key)}">${e(a.key)}</a> ${badge(a.state)}${a.info.error ? `<div class="err">${e(a.info.error)}</div>` : ''}${a.info.reason ? `<div class="small muted">${e(a.info.reason)}</div>` : ''}${checks.length > 0 ? `<ul class="checks">${checks.join('')}</ul>` : ''}</li>`,
    ];
  });
  const body =
    items.length === 0
      ? '<p class="muted">No errors or failing checks.</p>'
      : `<ul class="problems">${items.join('')}</ul>`;
  return `<section id="problems"><h2>Errors and failing checks</h2>${body}</section>`;
}

function eventsTable(run: RunRecord, events: readonly RunEvent[]): string {
  if (events.length === 0)
    return '<section id="events"><h2>Events</h2><p class="muted">No events.</p></section>';
  const shown = events.slice(-EVENTS_SHOWN);
  const rows = shown.map(
    (ev) =>
      `<tr><td class="nowrap" title="${e(isoTime(ev.at))}">+${e(formatDuration(Math.max(0, ev.at - run.createdAt)))}</td><td>${e(ev.type)}</td><td>${ev.asset ? `<a href="/assets/${e(ev.asset)}">${e(ev.asset)}</a>` : ''}</td><td class="small"><code>${e(JSON.stringify(ev.detail))}</code></td></tr>`,
  );
  const note =
    events.length > shown.length
      ? `<p class="small muted">The newest ${shown.length} of ${events.length}; <a href="/api/runs/${e(run.id)}/events">all as JSON</a>.</p>`
      : '';
  return `<section id="events"><h2>Events</h2>${note}<table><thead><tr><th>At</th><th>Type</th><th>Asset</th><th>Detail</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}
