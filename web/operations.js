// Operations from the pages: pick assets in the graph, materialize a selection, re-run what
// failed, cancel a run. Every one is a JSON POST to the API (the server refuses other bodies,
// which is what keeps other sites from posting forms here).

const picked = new Set();

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    // An empty or non-JSON answer: the status says enough.
  }
  return { ok: response.ok, status: response.status, data };
}

function report(root, html, isError) {
  const output = root.getElementById('operation-result');
  if (!output) return;
  output.className = isError ? 'err' : 'ok';
  output.replaceChildren();
  if (typeof html === 'string') output.textContent = html;
  else output.append(html);
}

function runLink(runId, text) {
  const a = document.createElement('a');
  a.href = `/runs/${encodeURIComponent(runId)}`;
  a.textContent = text;
  a.dataset.run = runId;
  return a;
}

function selectionFrom(form) {
  const field = form.elements.namedItem('selection');
  let selection = field ? field.value.trim() : '';
  const upstream = form.elements.namedItem('upstream');
  if (upstream && upstream.checked)
    selection = selection
      .split(',')
      .map((term) => term.trim())
      .filter(Boolean)
      .map((term) => (/^[a-z]/.test(term) ? `+${term}` : term))
      .join(',');
  return selection;
}

async function submit(root, form) {
  const action = form.dataset.action;
  const button = form.querySelector('button');
  if (button) button.disabled = true;
  try {
    if (action === 'materialize') {
      const { ok, data } = await post('/api/runs', { selection: selectionFrom(form) });
      if (!ok) return report(root, data.error ?? 'refused', true);
      report(root, runLink(data.runId, `started ${data.runId} (${data.assets.length} assets)`));
    } else if (action === 'rerun') {
      const { ok, data } = await post(form.action, {});
      if (!ok) return report(root, data.error ?? 'refused', true);
      report(root, runLink(data.runId, `re-running in ${data.runId}`));
    } else if (action === 'cancel') {
      const { ok, data } = await post(form.action, {});
      if (!ok) return report(root, data.error ?? 'refused', true);
      report(root, 'cancel requested');
    }
  } catch {
    report(root, 'the server did not answer', true);
  } finally {
    if (button) button.disabled = false;
  }
}

function togglePick(root, key) {
  if (picked.has(key)) picked.delete(key);
  else picked.add(key);
  const field = root.getElementById('materialize')?.elements.namedItem('selection');
  if (field) field.value = [...picked].join(',');
  showPicks(root);
}

function showPicks(root) {
  for (const pick of root.querySelectorAll('[data-pick]')) {
    const on = picked.has(pick.dataset.pick);
    pick.classList.toggle('picked', on);
    pick.setAttribute('aria-checked', String(on));
  }
}

export function wireOperations(root) {
  for (const form of root.querySelectorAll('form[data-action]')) {
    if (form.dataset.wired === '1') continue;
    form.dataset.wired = '1';
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void submit(root, form);
    });
  }
  for (const pick of root.querySelectorAll('[data-pick]')) {
    if (pick.dataset.wired === '1') continue;
    pick.dataset.wired = '1';
    pick.addEventListener('click', (event) => {
      event.preventDefault();
      togglePick(root, pick.dataset.pick);
    });
  }
  // After a live refresh the graph is new: show the picks again, keep the typed selection.
  const field = root.getElementById('materialize')?.elements.namedItem('selection');
  if (field && picked.size > 0) field.value = [...picked].join(',');
  showPicks(root);
}
