/**
 * Markdown helpers for text the bot does not control (log lines, image
 * names, project paths). Inside code spans and fenced blocks GitLab renders
 * no mentions, links, references or HTML, so untrusted text only ever goes
 * there, with control characters and line breaks removed.
 */

const CONTROL =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}

/** An inline code span that holds any text safely. */
export function code(text: string, maxLength = 300): string {
  let clean = text.replace(CONTROL, '').replace(/[\r\n]+/g, ' ');
  if (clean.length > maxLength) clean = `${clean.slice(0, maxLength)}…`;
  if (!clean) return '` `';
  const fence = '`'.repeat(longestRun(clean, '`') + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') || clean.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/**
 * A fenced block of log lines. Every line is prefixed with its number, so no
 * line of the note starts with `/` (GitLab runs quick actions from notes
 * posted through the API).
 */
export function logBlock(lines: { number: number; text: string }[], maxLength = 500): string {
  const width = String(Math.max(...lines.map((l) => l.number), 1)).length;
  const body = lines.map((l) => {
    let text = l.text.replace(CONTROL, '');
    if (text.length > maxLength) text = `${text.slice(0, maxLength)}…`;
    return `${String(l.number).padStart(width)} | ${text}`;
  });
  const fence = '`'.repeat(Math.max(3, longestRun(body.join('\n'), '`') + 1));
  return `${fence}text\n${body.join('\n')}\n${fence}`;
}

/** Plain text placed in prose (our own words only); markdown specials escaped. */
export function escapeText(text: string): string {
  return text.replace(CONTROL, '').replace(/[\\`*_{}[\]<>()#+!|@~&:-]/g, '\\$&');
}

/**
 * A link to an address GitLab's API gave (a job, a pipeline); never used for
 * text from a log. Anything that is not a plain http(s) URL is shown as code.
 */
export function link(label: string, url: string): string {
  const safeUrl = /^https?:\/\/[^\s()<>[\]"'`]+$/.test(url);
  return safeUrl ? `[${escapeText(label)}](${url})` : code(label);
}

/** Last line of defence against quick actions: no line may start with `/`. */
export function neutraliseQuickActions(markdown: string): string {
  return markdown.replace(/^(\s{0,3})\//gm, '$1\u200b/');
}
