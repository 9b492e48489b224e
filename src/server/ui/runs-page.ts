import type { RunRecord } from '../../jobs/run-model.ts';
import { formatDuration } from '../../shared/durations.ts';
import { RUN_STATUSES, RUN_TRIGGERS, type RunsQuery } from '../views/runs.ts';
import { escapeHtml as e } from './escape.ts';
import { ago, isoTime } from './format.ts';
import { badge, renderShell } from './shell.ts';

export interface RunsPageModel {
  runs: readonly RunRecord[];
  query: RunsQuery;
  assets: readonly string[];
  now: number;
  signOut: boolean;
}

/** /runs: the newest runs, filtered by status, trigger and asset (a plain GET form). */
export function renderRunsPage(model: RunsPageModel): string {
  const main = `${filters(model)}\n<section id="runs">${runsTable(model.runs, model.now)}</section>`;
  return renderShell({ title: 'runs', signOut: model.signOut, now: model.now, main, live: 'runs' });
}

function select(name: string, options: readonly string[], selected: string | undefined): string {
  const items = ['', ...options].map(
    (o) =>
      `<option value="${e(o)}"${o === (selected ?? '') ? ' selected' : ''}>${o === '' ? 'any' : e(o)}</option>`,
  );
  return `<label>${e(name)} <select name="${e(name)}">${items.join('')}</select></label>`;
}

function filters(model: RunsPageModel): string {
  const { query } = model;
  return `<section id="filters"><h2>Runs</h2><form method="get" action="/runs" class="filters">${select('status', RUN_STATUSES, query.status)} ${select('trigger', RUN_TRIGGERS, query.trigger)} ${select('asset', model.assets, query.asset)} <label>show <input type="number" name="limit" min="1" max="500" value="${e(query.limit)}"></label> <button type="submit">Filter</button></form></section>`;
}

/** The runs table, shared with the graph page's recent runs. */
export function runsTable(runs: readonly RunRecord[], now: number): string {
  if (runs.length === 0) return '<p class="muted">No runs.</p>';
  const rows = runs.map((r) => {
    const counts = new Map<string, number>();
    for (const a of r.assetStates) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
    const took = r.endedAt !== undefined ? formatDuration(r.endedAt - r.createdAt) : '-';
    return `<tr class="run run-${e(r.status)}" data-run="${e(r.id)}"><td><a href="/runs/${e(r.id)}">${e(r.id)}</a></td><td>${badge(r.status)}</td><td>${e(r.trigger)}${r.reason ? `<div class="small muted">${e(r.reason)}</div>` : ''}</td><td><code>${e(r.selection)}</code></td><td title="${e(isoTime(r.createdAt))}">${e(ago(r.createdAt, now))}</td><td class="num">${e(took)}</td><td>${e([...counts].map(([s, n]) => `${n} ${s}`).join(', '))}</td></tr>`;
  });
  return `<table class="runs"><thead><tr><th>Run</th><th>Status</th><th>Trigger</th><th>Selection</th><th>Created</th><th>Took</th><th>Assets</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
