import { escapeHtml as e } from './escape.ts';
import { ago, isoTime } from './format.ts';
import { badge, renderShell } from './shell.ts';
import type { SchedulesView } from '../views/schedules.ts';

/** /schedules: each schedule and its next fire time, the scheduler and its recent decisions. */
export function renderSchedulesPage(view: SchedulesView, signOut: boolean): string {
  const now = view.generatedAt;
  const s = view.scheduler;
  const configError = s.configError
    ? `<p class="err" id="config-error">The last edit of the config was rejected ${e(ago(s.configError.at, now))}; the scheduler keeps the last good one:\n${e(s.configError.message)}</p>`
    : '';
  const head = `<section id="scheduler"><h2>Scheduler</h2><p>${s.leader ? `Leader <code>${e(s.leader)}</code>` : '<span class="err">No scheduler holds the lease (start <code>strata scheduler</code>).</span>'}${s.applied ? ` · config applied ${e(ago(s.applied.appliedAt, now))}` : ''}${s.differsFromLeader ? ' · <span class="err">this server reads a different config than the leader applied</span>' : ''}</p>${configError}</section>`;
  const rows = view.schedules.map(
    (sc) =>
      `<tr data-schedule="${e(sc.name)}"><td><strong>${e(sc.name)}</strong>${sc.description ? `<div class="small muted">${e(sc.description)}</div>` : ''}</td><td><code>${e(sc.cron)}</code> <span class="small muted">${e(sc.timezone)}</span></td><td><code>${e(sc.target)}</code></td><td>${sc.enabled ? (sc.nextFireAt === null ? '-' : `${e(isoTime(sc.nextFireAt))}`) : badge('skipped', 'disabled')}</td><td>${sc.lastRuns.map((r) => `<a href="/runs/${e(r.id)}">${badge(r.status)}</a> <span class="small muted">${e(ago(r.createdAt, now))}</span>`).join('<br>') || '<span class="muted">none yet</span>'}</td></tr>`,
  );
  const schedules =
    rows.length === 0
      ? '<section id="schedules"><h2>Schedules</h2><p class="muted">No schedules in the config.</p></section>'
      : `<section id="schedules"><h2>Schedules</h2><table><thead><tr><th>Schedule</th><th>Cron</th><th>Target</th><th>Next fire</th><th>Last runs</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
  const decisions = view.recentDecisions.map(
    (d) =>
      `<tr><td class="nowrap" title="${e(isoTime(d.at))}">${e(ago(d.at, now))}</td><td><a href="/assets/${e(d.asset)}">${e(d.asset)}</a></td><td>${badge(String(d.action))}</td><td>${e(d.trigger ?? '')}</td><td>${e(d.reason)}</td></tr>`,
  );
  const automation =
    decisions.length === 0
      ? '<section id="decisions"><h2>Automation decisions</h2><p class="muted">No decisions recorded.</p></section>'
      : `<section id="decisions"><h2>Automation decisions</h2><table><thead><tr><th>When</th><th>Asset</th><th>Action</th><th>Trigger</th><th>Reason</th></tr></thead><tbody>${decisions.join('')}</tbody></table></section>`;
  return renderShell({
    title: 'schedules',
    signOut,
    now,
    main: `${head}\n${schedules}\n${automation}`,
    live: 'runs',
  });
}
