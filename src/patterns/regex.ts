import { RE2 } from './re2.js';

/**
 * Every regex of a pattern file runs on RE2: a linear-time engine, so no
 * user pattern can make a line take more than time proportional to its
 * length. RE2 has no lookaround and no backreferences; a regex that needs
 * them is refused at load with the construct named.
 */
export type Regex = RE2;

/** What RE2 cannot do, as its parser names it, and how to say it to a pattern author. */
const UNSUPPORTED: [RegExp, string][] = [
  [/\(\?=/, 'lookahead (?=…) is not supported (RE2 has no lookaround)'],
  [/\(\?!/, 'negative lookahead (?!…) is not supported (RE2 has no lookaround); use "unless:"'],
  [/\(\?<=/, 'lookbehind (?<=…) is not supported (RE2 has no lookaround)'],
  [/\(\?<!/, 'negative lookbehind (?<!…) is not supported (RE2 has no lookaround); use "unless:"'],
  [/\\[1-9]|\\k/, 'backreferences (\\1, \\k<name>) are not supported (RE2 has none)'],
  [/\+\+|\*\+|\?\+|\}\+/, 'possessive quantifiers (a++) are not supported; a plain a+ never backtracks in RE2'],
  [/repetition size/, 'a counted repetition may not exceed {1000}'],
  [/pattern too large/, 'compiles to a larger program than RE2 allows: use shorter counted repetitions'],
];

/** A rule's regex: checked at load, compiled in full the first time a line needs it. */
export interface RuleRegex {
  readonly source: string;
  readonly flags: string;
  /** Its member of the rule set, when the build worked it out (see `scanSource`). */
  readonly scan?: string;
  compiled(): Regex;
}

/**
 * Checks a regex without the cost of compiling its counted repetitions
 * (RE2 takes milliseconds for each `{1,300}`): the widened form has the same
 * syntax, and the counts are checked here. `eager` compiles it in full now.
 */
export function checkRegex(source: string, flags = '', eager = false): RuleRegex {
  if (eager) {
    const regex = compileRegex(source, flags);
    return lazyRegex(source, flags, regex);
  }
  compileRegex(widenForScan(source), flags);
  if (largestCount(source) > 1000) compileRegex(source, flags);
  return lazyRegex(source, flags);
}

/** A regex already checked (by `checkRegex`, at build time for the built-in library), compiled on first use. */
export function lazyRegex(source: string, flags = '', regex?: Regex): RuleRegex {
  return {
    source,
    flags,
    compiled() {
      regex ??= compileRegex(source, flags);
      return regex;
    },
  };
}

/** Compiles one regex for one line at a time; throws an Error whose message names the construct. */
export function compileRegex(source: string, flags = ''): Regex {
  try {
    return new RE2(source, flags.replace(/[^ims]/g, ''));
  } catch (error) {
    const said = (error as Error).message;
    const known = UNSUPPORTED.find(([shape]) => shape.test(said));
    throw new Error(known ? `${known[1]} (RE2: ${said})` : `is not a valid RE2 regex: ${said}`);
  }
}

/** How many capture groups a regex has, and how many of them are named. */
export function countGroups(source: string): { captures: number; named: number } {
  let captures = 0;
  let named = 0;
  forEachToken(source, (token) => {
    if (token[0] !== '(') return;
    if (!token.startsWith('(?')) captures += 1;
    else if (/^\(\?P?<[A-Za-z_]/.test(token)) {
      captures += 1;
      named += 1;
    }
  });
  return { captures, named };
}

/** The largest count in a counted repetition (`{n}`, `{n,m}`), which RE2 caps at 1000. */
export function largestCount(source: string): number {
  let largest = 0;
  forEachToken(source, (token) => {
    const counted = /^\{(\d+)(?:,(\d*))?\}$/.exec(token);
    if (counted) largest = Math.max(largest, Number(counted[1]), Number(counted[2] || 0));
  });
  return largest;
}

/**
 * A looser form of a regex for the one pass over a whole block of lines:
 * it matches wherever the regex matches (so it never loses a line) but
 * keeps RE2's automaton small and quick to build. Counted repetitions become
 * `*` or `+`, and the assertions that depend on where a line ends (`$`,
 * `\b`, `\B`, `\z`) are dropped, because a line may still be cut to the
 * line cap later.
 */
export function widenForScan(source: string): string {
  let out = '';
  forEachToken(source, (token) => {
    const counted = /^\{(\d+)(?:,\d*)?\}$/.exec(token);
    if (counted) out += Number(counted[1]) === 0 ? '*' : '+';
    else if (token === '$' || token === '\\b' || token === '\\B' || token === '\\z') out += '(?:)';
    else out += token;
  });
  return out;
}

/**
 * Splits a regex into tokens: an escape (`\d`, `\x{41}`, `\p{L}`), a whole
 * character class, a group opening with its `(?…` prefix, a counted
 * repetition, or one other character. Enough to widen a regex and count its
 * groups; RE2 itself says whether it is valid.
 */
export function forEachToken(source: string, visit: (token: string) => void): void {
  for (let i = 0; i < source.length; ) {
    const c = source[i] as string;
    let end = i + 1;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      end = i + 2;
      if ('xpP'.includes(next) && next !== '' && source[i + 2] === '{') {
        end = source.indexOf('}', i) + 1 || source.length;
      }
    } else if (c === '[') {
      end = classEnd(source, i);
    } else if (c === '(') {
      const prefix = /^\((?:\?P?<[A-Za-z_]\w*>|\?[a-zA-Z-]*:|\?[a-zA-Z-]*\)|\?[=!]|\?<[=!])?/.exec(
        source.slice(i),
      );
      end = i + (prefix?.[0].length ?? 1);
    } else if (c === '{') {
      const counted = /^\{\d+(?:,\d*)?\}/.exec(source.slice(i));
      if (counted) end = i + counted[0].length;
    }
    visit(source.slice(i, end));
    i = end;
  }
}

/** Index just past the `]` closing the class that opens at `start`. */
function classEnd(source: string, start: number): number {
  let i = start + 1;
  if (source[i] === '^') i += 1;
  if (source[i] === ']') i += 1;
  for (; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i += 1;
    else if (c === '[' && source[i + 1] === ':') {
      const close = source.indexOf(':]', i + 2);
      if (close !== -1) i = close + 1;
    } else if (c === ']') return i + 1;
  }
  return source.length;
}

/** The inline form of a rule's flags, for a member of a set that has flags of its own. */
export function inlineFlags(source: string, flags = ''): string {
  const kept = flags.replace(/[^is]/g, '');
  return kept ? `(?${kept}:${source})` : source;
}

export { RE2 };
