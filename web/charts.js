// The asset page's plots over time, drawn with uPlot (served from this server) from the JSON
// data block the server renders into the page.

const SIZE = { width: 420, height: 200 };

function series(label, stroke) {
  return { label, stroke, width: 2, points: { show: true, size: 5 } };
}

function line(label, stroke, value, count) {
  return { ...series(label, stroke), dash: [6, 4], points: { show: false }, values: value, count };
}

export function drawCharts(root) {
  const block = root.getElementById('chart-data');
  if (!block || typeof uPlot === 'undefined') return;
  const data = JSON.parse(block.textContent ?? '{}');
  const constant = (value) => data.t.map(() => value);
  const charts = {
    age: () => {
      const s = [{}, series('data age (s)', '#1565c0')];
      const d = [data.t, data.ageS];
      if (data.warnS !== null) {
        s.push(line('warn', '#e09100'));
        d.push(constant(data.warnS));
      }
      if (data.failS !== null) {
        s.push(line('fail', '#c62828'));
        d.push(constant(data.failS));
      }
      return [s, d];
    },
    rows: () => [
      [{}, series('rows', '#2e7d32')],
      [data.t, data.rows],
    ],
    duration: () => [
      [{}, series('duration (s)', '#6a1b9a')],
      [data.t, data.durationS],
    ],
  };
  for (const element of root.querySelectorAll('.chart[data-chart]')) {
    const make = charts[element.dataset.chart];
    if (!make || element.dataset.drawn === '1') continue;
    const [s, d] = make();
    element.dataset.drawn = '1';
    new uPlot({ ...SIZE, series: s, scales: { x: { time: true } } }, d, element);
  }
}
