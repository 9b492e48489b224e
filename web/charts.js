// The pages' plots over time, drawn with uPlot (served from this server) from the JSON data
// block the server renders into the page: the asset page's history (`chart-data`) and the
// pipeline health page's series (`health-data`).

const SIZE = { width: 420, height: 200 };
const PALETTE = ['#1565c0', '#2e7d32', '#6a1b9a', '#e09100', '#c62828', '#00838f', '#5d4037'];

/**
 * Every plot drawn, by its element. uPlot registers window listeners per plot: when a live
 * update replaces the page's content, the plots of the elements that left are destroyed, so a
 * page left open all day holds only the plots it shows.
 */
const plots = new Map();

function series(label, stroke) {
  return { label, stroke, width: 2, points: { show: true, size: 5 } };
}

function line(label, stroke, value, count) {
  return { ...series(label, stroke), dash: [6, 4], points: { show: false }, values: value, count };
}

function readBlock(root, id) {
  const block = root.getElementById(id);
  if (!block) return undefined;
  try {
    return JSON.parse(block.textContent ?? '{}');
  } catch {
    return undefined;
  }
}

function assetCharts(data) {
  const constant = (value) => data.t.map(() => value);
  return {
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
}

/** Counts and rates read best from zero. */
const FROM_ZERO = { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } };
const HALF_DAY_S = 43_200;

function healthCharts(data) {
  const many = (list) => [
    [{}, ...list.map((s, i) => series(s.label, PALETTE[i % PALETTE.length]))],
    [data.t, ...list.map((s) => s.values)],
    FROM_ZERO,
  ];
  return {
    lag: () => many(data.lag),
    throughput: () => many(data.throughput),
    firing: () => [
      [{}, { ...series('alerts firing', '#c62828'), paths: uPlot.paths.stepped({ align: 1 }) }],
      [data.t, data.firing],
      FROM_ZERO,
    ],
    storage: () => [
      [
        {},
        {
          label: 'objects',
          stroke: '#1565c0',
          fill: '#1565c055',
          paths: uPlot.paths.bars({ size: [0.6, 80] }),
          points: { show: false },
        },
      ],
      [data.storage.t, data.storage.objects],
      // One bar per UTC day: half a day of room on each side, so the first and last show whole.
      {
        ...FROM_ZERO,
        x: { time: true, range: (_u, min, max) => [min - HALF_DAY_S, max + HALF_DAY_S] },
      },
    ],
  };
}

export function drawCharts(root) {
  if (typeof uPlot === 'undefined') return;
  for (const [element, plot] of plots)
    if (!element.isConnected) {
      plot.destroy();
      plots.delete(element);
    }
  const asset = readBlock(root, 'chart-data');
  const health = readBlock(root, 'health-data');
  const charts = {
    ...(asset ? assetCharts(asset) : {}),
    ...(health ? healthCharts(health) : {}),
  };
  for (const element of root.querySelectorAll('.chart[data-chart]')) {
    const make = charts[element.dataset.chart];
    if (!make || plots.has(element)) continue;
    const [s, d, scales = {}] = make();
    element.dataset.drawn = '1';
    plots.set(
      element,
      new uPlot({ ...SIZE, series: s, scales: { x: { time: true }, ...scales } }, d, element),
    );
  }
  // How many plots are alive: the browser test checks that live updates do not pile them up.
  document.body.dataset.plots = String(plots.size);
}
