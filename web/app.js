// Strata's pages work without scripts; this makes them live and interactive: charts, picking
// assets to materialize, operations, and updates from the event log without reloading.
import { drawCharts } from './charts.js';
import { followEventLog } from './live.js';
import { wireOperations } from './operations.js';

/** Everything that must be (re)done after the page's content is replaced. */
function enhance() {
  drawCharts(document);
  wireOperations(document);
}

enhance();
const refreshMs = Number(document.body.dataset.refreshMs);
followEventLog(
  document.body.dataset.live ?? '',
  enhance,
  Number.isFinite(refreshMs) && refreshMs >= 1000 ? refreshMs : undefined,
);
