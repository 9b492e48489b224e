import { escapeHtml as e } from './escape.ts';

export interface BullBoardPageModel {
  /** Ends with a slash; every relative link of the app resolves against it. */
  basePath: string;
  uiConfig: { boardTitle: string; favIcon: { default: string; alternative: string } };
  assets: { scripts: readonly string[]; styles: readonly string[] };
}

/**
 * Bull Board's single-page app shell: its own scripts and styles from this server, the board's
 * settings as a JSON data block, and no font or anything else from another host. The system
 * font stack replaces the web font.
 */
export function renderBullBoardPage(model: BullBoardPageModel): string {
  // A JSON data block is not executed, but "</script>" inside it would end it: escape < and >.
  const config = JSON.stringify(model.uiConfig).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  const styles = model.assets.styles.map((href) => `<link href="${e(href)}" rel="stylesheet">`);
  const scripts = model.assets.scripts.map((src) => `<script defer src="${e(src)}"></script>`);
  return `<!doctype html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<base href="${e(model.basePath)}">
<title>${e(model.uiConfig.boardTitle)}</title>
<link rel="alternate icon" type="image/png" href="${e(model.uiConfig.favIcon.alternative)}">
<link rel="icon" type="image/svg+xml" id="fav-logo" href="${e(model.uiConfig.favIcon.default)}">
${styles.join('\n')}
<style>body, button, input, select, textarea { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif; }</style>
</head>
<body>
<script id="__UI_CONFIG__" type="application/json">${config}</script>
<div id="root"></div>
${scripts.join('\n')}
</body>
</html>
`;
}
