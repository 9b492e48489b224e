/**
 * The page's only stylesheet, inlined: the server may run where browsers have no network.
 * Outcome colours fill the boxes; freshness colours the pill; blocked draws a dashed red frame.
 */
export const PAGE_CSS = `
:root { --ok:#2e7d32; --ok-bg:#e1f2e3; --bad:#c62828; --bad-bg:#fbd8d5; --warn:#b26a00; --warn-bg:#fff4e0;
  --run:#1565c0; --run-bg:#e3f2fd; --muted:#757575; --muted-bg:#ececec; --line:#d0d4da; --text:#1f2328; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--text); background: #fafbfc; }
header { display: flex; align-items: baseline; gap: 24px; padding: 12px 24px; background: #24292f; color: #fff; }
header h1 { margin: 0; font-size: 18px; }
header nav a { color: #cfe3ff; margin-right: 16px; text-decoration: none; }
header nav a:hover { text-decoration: underline; }
header form { margin-left: auto; }
main { padding: 16px 24px 32px; }
section { margin-bottom: 24px; }
h2 { font-size: 15px; margin: 0 0 8px; }
.summary { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 16px; }
.chip { padding: 2px 10px; border-radius: 12px; background: var(--muted-bg); border: 1px solid var(--line); }
.chip.bad { background: var(--bad-bg); border-color: var(--bad); color: var(--bad); }
.chip.warn { background: var(--warn-bg); border-color: var(--warn); color: var(--warn); }
.chip.ok { background: var(--ok-bg); border-color: var(--ok); color: var(--ok); }
.graph-wrap { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
svg.graph text { font: 12px system-ui, sans-serif; fill: var(--text); }
svg.graph text.key { font-weight: 600; font-size: 13px; }
svg.graph text.line { fill: #444; }
svg.graph text.pill-text { font-size: 10px; text-anchor: middle; fill: #fff; font-weight: 600; }
svg.graph .edge { fill: none; stroke: #8c959f; stroke-width: 1.5; }
svg.graph .arrow-head { fill: #8c959f; }
svg .box { stroke-width: 1.5; fill: #fff; stroke: var(--line); }
svg.graph a:hover .box { stroke-width: 2.5; }
.outcome-succeeded .box { fill: var(--ok-bg); stroke: var(--ok); }
.outcome-failed .box { fill: var(--bad-bg); stroke: var(--bad); }
.outcome-skipped .box, .outcome-cancelled .box { fill: var(--muted-bg); stroke: var(--muted); stroke-dasharray: 4 3; }
.outcome-running .box, .outcome-queued .box { fill: var(--run-bg); stroke: var(--run); }
.outcome-never .box { fill: #fff; stroke: var(--muted); stroke-dasharray: 2 3; }
.blocked .box { stroke: #8e0000; stroke-width: 3; stroke-dasharray: 8 4; }
.freshness-pill { fill: var(--muted); }
.freshness-fresh .freshness-pill { fill: var(--ok); }
.freshness-warn .freshness-pill { fill: #e09100; }
.freshness-fail .freshness-pill { fill: var(--bad); }
.legend { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 8px; color: #444; font-size: 12px; }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; border: 1.5px solid; border-radius: 3px; }
.legend .l-succeeded::before { background: var(--ok-bg); border-color: var(--ok); }
.legend .l-failed::before { background: var(--bad-bg); border-color: var(--bad); }
.legend .l-skipped::before { background: var(--muted-bg); border-color: var(--muted); border-style: dashed; }
.legend .l-running::before { background: var(--run-bg); border-color: var(--run); }
.legend .l-blocked::before { background: #fff; border: 2px dashed var(--bad); }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: #57606a; }
tr:target { background: #fff8c5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.nowrap { white-space: nowrap; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: var(--muted-bg); color: var(--muted); }
.b-succeeded, .b-fresh, .b-OK, .b-passed { background: var(--ok-bg); color: var(--ok); }
.b-failed, .b-fail, .b-error, .b-STOP, .b-STALL, .b-REWIND, .b-UNKNOWN { background: var(--bad-bg); color: var(--bad); }
.b-warn, .b-warned, .b-WARN { background: var(--warn-bg); color: var(--warn); }
.b-running, .b-queued { background: var(--run-bg); color: var(--run); }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.err { color: var(--bad); white-space: pre-wrap; word-break: break-word; }
ul.checks { margin: 4px 0 0; padding-left: 16px; }
header h1 a { color: #fff; text-decoration: none; }
form.inline { display: inline; }
button { font: inherit; padding: 3px 12px; border-radius: 6px; border: 1px solid #8c959f; background: #f6f8fa; cursor: pointer; }
button:hover { background: #eaeef2; }
button.danger { border-color: var(--bad); color: var(--bad); }
button[disabled] { opacity: .5; cursor: wait; }
.operations { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 8px 0; }
.operations input[type=text] { width: 28em; font: inherit; padding: 3px 6px; }
output.err { color: var(--bad); }
output.ok a { font-weight: 600; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
.filters select, .filters input { font: inherit; }
svg.graph .pick rect { fill: #fff; stroke: #8c959f; stroke-width: 1.5; cursor: pointer; }
svg.graph .pick path { fill: none; stroke: transparent; stroke-width: 2.5; }
svg.graph .pick.picked rect { fill: var(--run); stroke: var(--run); }
svg.graph .pick.picked path { stroke: #fff; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.charts figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
.charts figcaption { font-size: 12px; color: #57606a; margin-bottom: 4px; }
.chart { min-width: 420px; min-height: 200px; }
svg.timeline { background: #fff; border: 1px solid var(--line); border-radius: 6px; }
svg.timeline text { font: 12px system-ui, sans-serif; fill: var(--text); }
svg.timeline .tick { stroke: #eaeef2; }
svg.timeline .tick-label { fill: var(--muted); font-size: 10px; }
svg.timeline .wait { fill: #d0d4da; }
svg.timeline .bar { fill: var(--muted); }
svg.timeline .state-succeeded { fill: var(--ok); }
svg.timeline .state-failed { fill: var(--bad); }
svg.timeline .state-running { fill: var(--run); }
svg.timeline .state-cancelled, svg.timeline .state-skipped { fill: #9e9e9e; }
svg.timeline .state-note { fill: var(--muted); font-style: italic; }
ul.problems { padding-left: 18px; }
pre.sql { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; overflow: auto; max-height: 480px; font-size: 12px; }
footer { color: var(--muted); font-size: 12px; padding: 0 24px 24px; }
`;
