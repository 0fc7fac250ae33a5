/**
 * HTML built by a tagged template that escapes every interpolated value unless it is
 * already SafeHtml. Log lines, paths and summaries come from job logs and GitLab and are
 * attacker-influenced: escaping by default means a forgotten call cannot become an XSS.
 */

/** Markup that is already safe to insert as-is (built by `html` or `raw`). */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: text is escaped, SafeHtml kept, lists joined, nothing skipped. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | HtmlValue[];

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** `html\`<td>${text}</td>\`` escapes `text`; nested `html` results stay markup. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Markup written by this program (never data): trusted as-is. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * A link target from the database, or undefined unless it is an absolute http(s) URL:
 * a `javascript:` or `data:` URL stored by a forged record must never become a link.
 */
export function safeHref(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** A link that opens outside the dashboard, or plain text when the URL is not http(s). */
export function externalLink(url: string | null | undefined, text: HtmlValue): SafeHtml {
  const href = safeHref(url);
  if (href === undefined) return html`${text}`;
  return html`<a href="${href}" rel="noopener noreferrer">${text}</a>`;
}
