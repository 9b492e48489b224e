import type { AssetView } from '../asset-views.ts';
import { escapeHtml } from './escape.ts';
import { ago, checkCounts, truncate } from './format.ts';
import type { GraphLayout, LayoutNode } from './layout.ts';

/**
 * CSS classes of an asset's box and table row: its outcome, its freshness, and whether it is
 * blocked. The stylesheet in html.ts colours by these, and tests assert on them.
 */
export function assetClasses(view: AssetView): string {
  return [
    'asset',
    `outcome-${view.outcome}`,
    `freshness-${view.freshness}`,
    ...(view.blocked ? ['blocked'] : []),
  ].join(' ');
}

/** The asset graph as inline SVG: one linked box per asset, an arrow per dependency. */
export function renderGraphSvg(
  layout: GraphLayout,
  views: ReadonlyMap<string, AssetView>,
  now: number,
): string {
  const nodes = new Map(layout.nodes.map((n) => [n.key, n]));
  const edges = layout.edges.flatMap((e) => {
    const from = nodes.get(e.from);
    const to = nodes.get(e.to);
    return from && to ? [edgePath(from, to, layout)] : [];
  });
  const boxes = layout.nodes.flatMap((node) => {
    const view = views.get(node.key);
    return view ? [assetBox(node, view, layout, now)] : [];
  });
  return [
    `<svg class="graph" xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" role="img" aria-label="asset graph">`,
    '<defs><marker id="strata-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" class="arrow-head"/></marker></defs>',
    ...edges,
    ...boxes,
    '</svg>',
  ].join('\n');
}

/** A curve from the middle of the dep's right side to the middle of the dependent's left side. */
function edgePath(from: LayoutNode, to: LayoutNode, layout: GraphLayout): string {
  const { boxWidth, boxHeight } = layout.options;
  const x1 = from.x + boxWidth;
  const y1 = from.y + boxHeight / 2;
  const x2 = to.x;
  const y2 = to.y + boxHeight / 2;
  const bend = Math.max(20, (x2 - x1) / 2);
  return `<path class="edge" data-from="${escapeHtml(from.key)}" data-to="${escapeHtml(to.key)}" d="M${x1} ${y1} C${x1 + bend} ${y1} ${x2 - bend} ${y2} ${x2} ${y2}" marker-end="url(#strata-arrow)"/>`;
}

function assetBox(node: LayoutNode, view: AssetView, layout: GraphLayout, now: number): string {
  const { boxWidth: w, boxHeight: h } = layout.options;
  const key = escapeHtml(view.key);
  const text = (dy: number, cls: string, content: string): string =>
    `<text x="10" y="${dy}" class="${cls}">${escapeHtml(content)}</text>`;
  const tooltip = [
    view.key,
    view.description ?? '',
    `last: ${view.outcome}`,
    `freshness: ${view.freshness}`,
    view.blocked ? `blocked: ${view.blockedReason ?? ''}` : '',
    view.error ? `error: ${view.error}` : '',
  ]
    .filter((line) => line !== '')
    .join('\n');
  return [
    `<g class="${assetClasses(view)}" data-asset="${key}" transform="translate(${node.x} ${node.y})">`,
    `<title>${escapeHtml(tooltip)}</title>`,
    `<a href="/assets/${key}">`,
    `<rect class="box" width="${w}" height="${h}" rx="6"/>`,
    `<rect class="freshness-pill" x="${w - 64}" y="8" width="56" height="16" rx="8"/>`,
    `<text x="${w - 36}" y="20" class="pill-text">${escapeHtml(view.freshness)}</text>`,
    text(21, 'key', truncate(view.key, 19)),
    text(39, 'line', `${view.kind} · ${view.outcome}`),
    text(56, 'line', `data ${ago(view.dataTime, now)}`),
    text(
      73,
      'line',
      view.blocked ? `BLOCKED · ${checkCounts(view.checks)}` : checkCounts(view.checks),
    ),
    '</a>',
    // Outside the link: picks the asset for the materialize form (web/operations.js).
    `<g class="pick" data-pick="${key}" role="checkbox" aria-checked="false" aria-label="pick ${key}"><rect x="${w - 26}" y="${h - 26}" width="18" height="18" rx="3"/><path d="M${w - 22} ${h - 17}l4 4l7 -8"/></g>`,
    '</g>',
  ].join('');
}
