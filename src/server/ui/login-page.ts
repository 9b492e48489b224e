import { escapeHtml as e } from './escape.ts';
import { PAGE_CSS } from './styles.ts';

/** The sign-in form browsers get instead of a bare 401 when the server has a token. */
export function renderLoginPage(options: { next: string; message?: string }): string {
  const message = options.message ? `<p class="err">${e(options.message)}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>Strata · sign in</title><style>${PAGE_CSS}</style></head>
<body>
<header><h1>Strata</h1></header>
<main>
<section>
<h2>Sign in</h2>
<p>This server requires its API token (<code>STRATA_API_TOKEN</code>).</p>
${message}
<form method="post" action="/login">
<input type="hidden" name="next" value="${e(options.next)}">
<label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button>
</form>
</section>
</main>
</body>
</html>
`;
}
