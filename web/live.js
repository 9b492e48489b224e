// Live updates: one EventSource on /api/events. When an event concerns this page, the page's
// content is fetched again and swapped in place (one renderer: the server's). A periodic
// resync keeps relative times right and catches anything missed while disconnected; pages whose
// data is not in the event log (pipeline health: the monitor's samples) resync more often.

const RESYNC_MS = 60_000;
const DEBOUNCE_MS = 300;

/** Whether an event of the log changes what this page shows. */
export function concerns(topic, event) {
  if (topic === 'graph' || topic === 'runs') return true;
  if (topic.startsWith('asset:')) return event.asset === topic.slice('asset:'.length);
  if (topic.startsWith('run:')) return event.runId === topic.slice('run:'.length);
  return false;
}

export function followEventLog(topic, afterSwap, resyncMs = RESYNC_MS) {
  if (topic === '' || typeof EventSource === 'undefined') return;
  const state = document.getElementById('live-state');
  const show = (text) => {
    if (state) state.textContent = text;
  };
  let pending;
  let inFlight = false;
  let again = false;

  async function refresh() {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    try {
      const response = await fetch(location.href, {
        headers: { accept: 'text/html' },
        cache: 'no-store',
        credentials: 'same-origin',
      });
      if (response.status === 401) {
        location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
        return;
      }
      if (!response.ok) return;
      const next = new DOMParser().parseFromString(await response.text(), 'text/html');
      swap(next, 'content');
      swap(next, 'generated');
      afterSwap();
      document.dispatchEvent(new CustomEvent('strata:updated'));
    } catch {
      show('offline: retrying');
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  }

  function schedule() {
    clearTimeout(pending);
    pending = setTimeout(() => void refresh(), DEBOUNCE_MS);
  }

  let connectedBefore = false;
  const source = new EventSource('/api/events');
  source.addEventListener('open', () => {
    show('live');
    // After a reconnect, events may have been missed: catch up once.
    if (connectedBefore) schedule();
    connectedBefore = true;
  });
  source.addEventListener('error', () => show('reconnecting'));
  source.addEventListener('change', (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    if (concerns(topic, event)) schedule();
  });
  setInterval(schedule, resyncMs);
  // The browser closes the stream when the page goes; closing it first is explicit.
  addEventListener('pagehide', () => source.close());
}

/** Replaces the element with this id by its counterpart in the fetched page, if both exist. */
function swap(next, id) {
  const current = document.getElementById(id);
  const replacement = next.getElementById(id);
  if (!current || !replacement) return;
  const fresh = document.importNode(replacement, true);
  // What the user is doing survives the refresh: a typed selection, the result of an operation.
  for (const keep of fresh.querySelectorAll('[data-keep][id]')) {
    const old = document.getElementById(keep.id);
    if (old) keep.replaceWith(old);
  }
  current.replaceWith(fresh);
}
