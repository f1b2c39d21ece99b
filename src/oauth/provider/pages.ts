/**
 * The HTML pages the authorization server shows itself: plain markup and one small stylesheet in
 * the page (the CSP's style-src allows it), no script (the CSP allows none).
 */

const PAGE_STYLE = [
  'body{margin:0;background:#f4f5f7;color:#1c1e21;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}',
  'main{max-width:26rem;margin:4rem auto;padding:2rem;background:#fff;border:1px solid #d8dbe0;border-radius:8px}',
  'h1{margin-top:0;font-size:1.4rem}',
  'input{box-sizing:border-box;width:100%;padding:.5rem;border:1px solid #8a9099;border-radius:4px;font:inherit}',
  'button{padding:.5rem 1rem;border:1px solid #1d4ed8;border-radius:4px;background:#1d4ed8;color:#fff;font:inherit;cursor:pointer}',
  'button[value=deny]{background:#fff;color:#1d4ed8}',
  '[role=alert]{padding:.5rem .75rem;border-left:4px solid #b91c1c;background:#fef2f2;color:#7f1d1d}',
  'code{font-size:.85em}',
].join('');

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string | number | undefined): string {
  return String(value ?? '').replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

export function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Argus</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`;
}

/** The error page: what went wrong, never a redirect to an address the request named. */
export function errorPage(error: string, description: string | undefined): string {
  return htmlPage(
    'Sign-in failed',
    `<p role="alert"><strong>${escapeHtml(error)}</strong>${description ? `: ${escapeHtml(description)}` : ''}</p>
<p>Go back to the application and try again. If this keeps happening, tell the application's developer.</p>`,
  );
}
