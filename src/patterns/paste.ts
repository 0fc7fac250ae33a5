/**
 * Undoes what pasting does to a job log: `> ` quote marks (mail, forums,
 * issue replies), lines wrapped at 72-80 columns by a mail client or a
 * terminal, and `...` / `[...]` lines standing for what the poster left out.
 * The result reads like the log the job wrote, so it classifies the same.
 *
 * Only text that looks pasted is touched: a log as GitLab serves it has
 * section markers or colours and is never rewritten.
 *
 * A log mailed as quoted-printable (`=1B[0K`, lines broken with a trailing
 * `=`) is decoded first, back to the bytes the job wrote.
 */

import { classify, type Classification } from './classify.js';
import type { PatternLibrary } from './library.js';

/** Lines that stand for omitted lines. */
const ELISION = /^\s*(?:\.{3,}|\u2026|\[(?:\.{3}|\u2026|snip|snipped|truncated)\]|<snip>|\(\.{3}\))\s*$/i;
/** Quote marks at the start of a line: `>`, `> >`, `>>`, with the space after. */
const QUOTE = /^[ \t]{0,3}(?:>[ \t]?){1,8}/;
/** Text GitLab writes only into raw job logs. */
const RAW_LOG = /\x1b\[|section_(?:start|end):\d/;
/**
 * Lines that begin a new log record, never the tail of a wrapped one (also
 * commented out with `#`, or indented as a Markdown code block).
 */
const RECORD_START =
  /^\s{0,8}(?:#\s{1,8})?(?:\$ |ERROR:|WARNING:|FATAL:|Running with |Preparing |Executing |Using |Pulling |Cleaning up |Job succeeded|Uploading |Downloading |Checking |Skipping |Restoring |Saving |Fetching |Getting source|Created fresh |Reinitialized |Resolving |npm (?:ERR!|error|warn|WARN) |\[(?:ERROR|INFO|WARNING)\] |\d{4}-\d\d-\d\dT|#\d+ |Step \d|Traceback |Caused by|\s+at |\s*--> |FAIL\b|PASS\b)/;

/** A quoted-printable soft line break: one `=` ending a line (`==` is an escape or text). */
const QP_SOFT_BREAK = /[^=]=$/;
/** A quoted-printable escape of a byte mail cannot carry: ESC, `=`, a control or 8-bit byte. */
const QP_ESCAPE = /=(?:1B|3D|0[0-9A-F]|[89A-F][0-9A-F])/;

/**
 * Whether text is quoted-printable: several lines end in a soft break and
 * escapes of bytes plain text would not spell with `=` appear.
 */
export function looksQuotedPrintable(text: string): boolean {
  const lines = text.split(/\r?\n/);
  const soft = lines.filter((l) => QP_SOFT_BREAK.test(l)).length;
  return soft >= 2 && QP_ESCAPE.test(text);
}

/** The bytes quoted-printable text stands for, read as UTF-8. */
export function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/\r\n?/g, '\n').replace(/=\n/g, '');
  // A run of escapes is one byte string (a UTF-8 character may span several).
  return joined.replace(/(?:=[0-9A-F]{2})+/g, (run) =>
    Buffer.from(run.replaceAll('=', ''), 'hex').toString('utf8'),
  );
}

/** Wrapped pastes are at most this wide; wider text was not wrapped. */
const MIN_WRAP = 50;
const MAX_WRAP = 100;

export function looksPasted(text: string): boolean {
  return !RAW_LOG.test(text);
}

/** The log a paste was made from, as near as can be told (see the module comment). */
export function normalisePaste(text: string): string {
  if (!looksPasted(text)) return text;
  let lines = text.replace(/\r\n?/g, '\n').split('\n');
  lines = unquote(lines);
  lines = lines.filter((line) => !ELISION.test(line));
  lines = unwrap(lines);
  return lines.join('\n');
}

/** Strips quote marks when most lines carry them (a reply quoting a log). */
function unquote(lines: string[]): string[] {
  const nonEmpty = lines.filter((l) => l.trim() !== '');
  const quoted = nonEmpty.filter((l) => QUOTE.test(l)).length;
  if (nonEmpty.length === 0 || quoted / nonEmpty.length < 0.6) return lines;
  return lines.map((l) => l.replace(QUOTE, ''));
}

/**
 * Joins lines a wrapper split. A greedy wrapper at width W breaks a line
 * only when the next word does not fit, so a line is joined with the next
 * when that word would have made it longer than W. Terminals (and `fold`)
 * cut at exactly W, inside words: when nearly every cut line is W long,
 * lines are joined without the space a word wrapper removed.
 */
function unwrap(lines: string[]): string[] {
  const width = Math.max(0, ...lines.map((l) => l.length));
  if (width < MIN_WRAP || width > MAX_WRAP) return lines;
  const cut = (i: number) => {
    const line = lines[i] as string;
    const next = lines[i + 1];
    if (next === undefined || line.trim() === '' || next.trim() === '') return false;
    if (RECORD_START.test(next)) return false;
    const firstWord = /^\S*/.exec(next)?.[0] ?? '';
    return line.length + 1 + firstWord.length > width;
  };
  const cuts = lines.map((_, i) => cut(i));
  const cutLines = cuts.filter(Boolean).length;
  const full = cuts.filter((c, i) => c && (lines[i] as string).length === width).length;
  if (cutLines === 0) return lines;
  const folded = full / cutLines >= 0.8 && cutLines >= 2;

  const out: string[] = [];
  let current: string | undefined;
  lines.forEach((line, i) => {
    if (current === undefined) current = line;
    else current += joiner(lines[i - 1] as string, line, width, folded) + line;
    if (!cuts[i]) {
      out.push(current);
      current = undefined;
    }
  });
  if (current !== undefined) out.push(current);
  return out;
}

/** What the wrapper removed between two pieces: a space, unless it cut a word. */
function joiner(piece: string, after: string, width: number, folded: boolean): string {
  if (folded) return '';
  // A word longer than the width is cut inside it: the piece is all one word.
  const wordCut = piece.length >= width && !/\s/.test(piece);
  return wordCut || /\s$/.test(piece) || /^\s/.test(after) ? '' : ' ';
}

/** Classifies a log, undoing pasting first when it looks pasted (see `normalisePaste`). */
export function classifyPasted(text: string, library: PatternLibrary): Classification {
  const decoded = looksQuotedPrintable(text) ? decodeQuotedPrintable(text) : text;
  return classify(looksPasted(decoded) ? normalisePaste(decoded) : decoded, library);
}
