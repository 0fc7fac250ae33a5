/**
 * Markdown helpers for text the bot does not control (log lines, image
 * names, project paths). Inside code spans and fenced blocks GitLab renders
 * no mentions, links, references or HTML, so untrusted text only ever goes
 * there, with control characters and line breaks removed.
 */

import { factParts, isFact } from '../domain/diagnosis.js';

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

/** Our own words in prose: markdown specials escaped. Never for a value. */
export function prose(text: string): string {
  return text.replace(CONTROL, '').replace(/[\\`*_{}[\]<>#|@~]/g, '\\$&');
}

// A word of prose: letters and the punctuation around them, or a dash or
// arrow alone; nothing GitLab could read as a reference, a link or markup.
const PROSE_WORD = /^(?:\(?[A-Za-z’'"]+\)?[.,;:?!)"]?|[=→—–-])$/;

/**
 * Text whose values are not marked (a pattern's summary and advice, which
 * the operator wrote, or a detail stored before values were marked): plain
 * words stay prose, every other word (a path, a URL, a variable, a command)
 * becomes code, so nothing in it can be a reference or a link.
 */
export function wordsMarkdown(text: string): string {
  return text
    .replace(CONTROL, '')
    .split(/(\s+)/)
    .map((word) => (/^\s*$/.test(word) || PROSE_WORD.test(word) ? word : codeWord(word)))
    .join('');
}

/** A word as code, the punctuation that ends its sentence left outside. */
function codeWord(word: string): string {
  const m = /^(.+?)([.,;:]?)$/.exec(word);
  return m ? `${code(m[1] ?? word)}${m[2] ?? ''}` : code(word);
}

/**
 * A check detail or failure reason as markdown: our words as prose, every
 * value (marked by `fact`) as code.
 */
export function factMarkdown(text: string): string {
  if (!isFact(text)) return wordsMarkdown(text);
  return factParts(text)
    .map((part) => (part.value ? code(part.text) : prose(part.text)))
    .join('');
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
  // A line break in a label would end the link and leave the rest as live text.
  return safeUrl ? `[${escapeText(label.replace(/[\r\n]+/g, ' '))}](${url})` : code(label);
}

/** Last line of defence against quick actions: no line may start with `/`. */
export function neutraliseQuickActions(markdown: string): string {
  return markdown.replace(/^(\s{0,3})\//gm, '$1\u200b/');
}
