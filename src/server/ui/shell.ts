import { escapeHtml as e } from './escape.ts';
import { isoTime } from './format.ts';
import { PAGE_CSS } from './styles.ts';

export interface PageShell {
  title: string;
  /** A token is configured: offer to sign out (revoke the session). */
  signOut: boolean;
  now: number;
  /** The page's content, already escaped. */
  main: string;
  /**
   * What the page follows live (see web/live.js): `graph`, `runs`, `asset:<key>`, `run:<id>`.
   * The script refreshes the page's content when the event log says that changed.
   */
  live: string;
  /** The page draws charts (loads uPlot). */
  charts?: boolean;
  /**
   * Fetch the page again this often (ms) besides the event log's changes: for data the event log
   * does not carry (the monitor's samples). Default: once a minute.
   */
  refreshMs?: number;
}

/**
 * Every page's frame: styles inline, scripts from this server only (the policy allows nothing
 * else), the navigation, and the live-update script. Without scripts the page is complete, just
 * not live.
 */
export function renderShell(page: PageShell): string {
  const chartAssets = page.charts
    ? '<link rel="stylesheet" href="/static/uplot.css"><script defer src="/static/uplot.js"></script>'
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>Strata · ${e(page.title)}</title>
<style>${PAGE_CSS}</style>
${chartAssets}
<script type="module" src="/static/app.js"></script>
</head>
<body data-live="${e(page.live)}"${page.refreshMs === undefined ? '' : ` data-refresh-ms="${e(page.refreshMs)}"`}>
${pageHeader(page.signOut)}
<main id="content">
${page.main}
</main>
<footer>Generated <time id="generated" datetime="${e(isoTime(page.now))}">${e(isoTime(page.now))}</time> · <span id="live-state">live updates need scripts</span></footer>
</body>
</html>
`;
}

function pageHeader(signOut: boolean): string {
  const form = signOut
    ? '<form method="post" action="/logout"><button type="submit">Sign out</button></form>'
    : '';
  return `<header><h1><a href="/">Strata</a></h1><nav>
<a href="/">Asset graph</a><a href="/runs">Runs</a><a href="/schedules">Schedules</a><a href="/health">Health</a><a href="/queues">Queues</a><a href="/api/openapi.json">API</a><a href="/metrics">Metrics</a>
</nav>${form}</header>`;
}

/** A coloured label; `tone` picks the colour (a state name), `text` defaults to it. */
export function badge(tone: string, text = tone): string {
  return `<span class="badge b-${e(tone)}">${e(text)}</span>`;
}
