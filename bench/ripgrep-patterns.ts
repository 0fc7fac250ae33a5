import { forEachToken } from '../src/patterns/regex.js';
import type { PatternLibrary } from '../src/patterns/library.js';

// What ripgrep is given to compare with: the library's regexes in its own
// syntax, and the literal phrases a line must contain for each rule to match.

/**
 * The rules' regexes for `rg --no-unicode -f`. ripgrep ORs them into one
 * regex, where a group name may appear once; without Unicode a character
 * past ASCII is written as its UTF-8 bytes (inside a class that makes the
 * class stricter, which is fine for a comparison of speed).
 */
export function ripgrepRegexes(library: PatternLibrary): string[] {
  const bytes = (ch: string) =>
    [...Buffer.from(ch, 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  return library.patterns.flatMap((p) =>
    p.rules.map(
      (r) =>
        (r.regex.flags.includes('i') ? '(?i)' : '') +
        r.regex.source
          .replace(/\(\?P?<[A-Za-z_]\w*>/g, '(?:')
          .replace(/\\\//g, '/')
          .replace(/[^\x00-\x7f]/gu, bytes),
    ),
  );
}

/**
 * For each rule, the longest plain phrase every line it matches contains
 * (one per top-level alternative); rules with an alternative that has no
 * phrase of three characters or more are left out, and counted.
 */
export function ripgrepLiterals(library: PatternLibrary): { phrases: string[]; without: number } {
  const phrases = new Set<string>();
  let without = 0;
  for (const rule of library.patterns.flatMap((p) => p.rules)) {
    const found = alternatives(rule.regex.source).map(longestPhrase);
    if (found.some((f) => f.length < 3)) without += 1;
    else for (const f of found) phrases.add(f);
  }
  return { phrases: [...phrases], without };
}

function alternatives(source: string): string[][] {
  const out: string[][] = [[]];
  let depth = 0;
  forEachToken(source, (token) => {
    if (token.startsWith('(')) depth += 1;
    else if (token === ')') depth -= 1;
    if (token === '|' && depth === 0) out.push([]);
    else out[out.length - 1]?.push(token);
  });
  return out;
}

function longestPhrase(tokens: string[]): string {
  let best = '';
  let run = '';
  let depth = 0;
  const end = () => {
    if (run.trim().length > best.trim().length) best = run;
    run = '';
  };
  for (const token of tokens) {
    if (token.startsWith('(')) {
      depth += 1;
      end();
    } else if (token === ')') {
      depth -= 1;
    } else if (depth > 0) {
      continue;
    } else if (token === '?' || token === '*' || /^\{0[,}]/.test(token)) {
      // The character before is optional.
      run = run.slice(0, -1);
      end();
    } else if (token === '+' || token.startsWith('{')) {
      end();
    } else if (token.length === 1 && !'.^$[]|'.includes(token)) {
      run += token;
    } else if (token.length === 2 && token[0] === '\\' && !/[A-Za-z0-9]/.test(token[1] ?? '')) {
      run += token[1];
    } else {
      end();
    }
  }
  end();
  return best.trim();
}
