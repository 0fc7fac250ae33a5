import { createHash } from 'node:crypto';
import { html, raw, type HtmlValue, type SafeHtml } from './html.js';

/** The one stylesheet, inlined; the policy below allows exactly this text by its hash. */
export const STYLESHEET = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
  --link: #0a58ca; --pass: #1a7f37; --fail: #cf222e; --unknown: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif;
  color: var(--fg); background: #fff; }
header.top { display: flex; gap: 12px; align-items: baseline; padding: 10px 24px;
  border-bottom: 1px solid var(--line); background: var(--panel); }
header.top .brand { font-weight: 600; font-size: 16px; color: var(--fg); text-decoration: none; }
nav.pages { display: flex; gap: 14px; }
nav.pages a[aria-current=page] { color: var(--fg); font-weight: 600; text-decoration: none; }
header.top form.sign-out { margin-left: auto; }
header.top form.sign-out button { background: none; border: none; color: var(--link); padding: 0; }
main { max-width: 1240px; margin: 0 auto; padding: 12px 24px 40px; }
footer { max-width: 1240px; margin: 0 auto; padding: 0 24px 24px; color: var(--muted); font-size: 12px; }
h1 { font-size: 20px; margin: 6px 0 12px; }
h2 { font-size: 15px; margin: 22px 0 8px; }
a { color: var(--link); }
.muted { color: var(--muted); }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; background: #fff; min-width: 0; }
.card.wide { grid-column: 1 / -1; }
.card h2 { margin: 0 0 2px; }
.card p { margin: 0 0 6px; }
svg.chart { display: block; width: 100%; height: auto; font: 12px system-ui, sans-serif; }
svg.chart text { fill: var(--fg); }
svg.chart .grid { stroke: #e6e9ed; }
svg.chart .axis { stroke: #8c959f; }
svg.chart .axis-title, svg.chart .empty, svg.chart .no-data { fill: var(--muted); }
svg.chart .bar:hover { opacity: 0.8; }
.headline { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 2px 0 6px; }
.headline b { font-size: 17px; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; margin: 18px 0 10px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
input, select, button { font: inherit; padding: 4px 6px; border: 1px solid var(--line);
  border-radius: 4px; background: #fff; color: var(--fg); }
input[type=search] { width: 220px; }
button { background: var(--link); border-color: var(--link); color: #fff; cursor: pointer; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: var(--panel); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.nowrap { white-space: nowrap; }
tbody tr:hover { background: #f3f7fc; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; border: 1px solid currentColor; }
.status-open { color: #9a6700; } .status-fixed { color: var(--pass); }
.status-closed { color: var(--muted); } .status-error { color: var(--fail); }
.state-denied { color: var(--fail); } .state-denied-at-enforcement { color: #9a6700; }
.state-allowed { color: var(--pass); } .state-unknown { color: var(--muted); }
section.target { margin: 12px 0; }
.result-pass { color: var(--pass); } .result-fail { color: var(--fail); } .result-unknown { color: var(--unknown); }
pre.evidence { white-space: pre-wrap; overflow-wrap: anywhere; background: #0d1117; color: #e6edf3;
  padding: 10px 12px; border-radius: 6px; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.pager { display: flex; gap: 14px; align-items: center; margin-top: 10px; }
.notice { border: 1px solid #d4a72c; background: #fff8c5; padding: 6px 10px; border-radius: 6px; }
@media (max-width: 900px) { .charts { grid-template-columns: 1fr; } }
`;

const STYLE_HASH = createHash('sha256').update(STYLESHEET).digest('base64');
// Built outside the html`` template on purpose: Prettier formats those, and one added space
// inside <style> would no longer match the hash in the policy.
const STYLE_ELEMENT = raw(`<style>${STYLESHEET}</style>`);

/**
 * No external source of any kind, no script, and only the stylesheet above: a log line
 * that slipped past escaping still could not run or load anything.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers for every dashboard response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  // Links to GitLab must not carry the dashboard's address (or a ?token=) along.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // The incident log is for admins: no shared cache should keep a copy.
  'cache-control': 'no-store',
};

/** The dashboard's pages, in the order the header lists them. */
const NAV: readonly { href: string; text: string }[] = [
  { href: '/', text: 'Incidents' },
  { href: '/readiness', text: 'Job token readiness' },
  { href: '/rules', text: 'Rules' },
];

export interface PageOptions {
  title: string;
  /** The page's address among NAV's, marked as the current one. */
  path?: string;
  body: HtmlValue;
  /** The GitLab instance the bot watches, named in the footer. */
  gitlabUrl?: string;
  /** When the page was drawn. */
  now?: Date;
}

/** The HTML document around a page's body. */
export function renderPage(options: PageOptions): string {
  const footer = [
    options.gitlabUrl ? html`Watching ${options.gitlabUrl}. ` : '',
    options.now ? html`Drawn ${options.now.toISOString().slice(0, 16).replace('T', ' ')} UTC.` : '',
  ];
  const nav = NAV.map((item) =>
    item.href === options.path
      ? html`<a href="${item.href}" aria-current="page">${item.text}</a>`
      : html`<a href="${item.href}">${item.text}</a>`,
  );
  const page: SafeHtml = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${options.title} · pipeline-diagnoser</title>
        ${STYLE_ELEMENT}
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">pipeline-diagnoser</a>
          <nav class="pages" aria-label="Pages">${nav}</nav>
          <form class="sign-out" method="post" action="/sign-out">
            <button type="submit" id="sign-out">Sign out</button>
          </form>
        </header>
        <main>${options.body}</main>
        <footer>${footer}</footer>
      </body>
    </html> `;
  return page.value;
}

/** A short page for 400, 401, 404 and 500 answers. */
export function renderMessagePage(title: string, message: HtmlValue): string {
  return renderPage({
    title,
    body: html`<h1>${title}</h1>
      <p>${message}</p>`,
  });
}
