/**
 * Derives the literal a regex cannot match without, so a cheap scan can skip
 * the lines a pattern cannot match. Returns undefined when the regex has no
 * plain run of three or more characters outside groups and alternations;
 * such a rule must list its keywords by hand.
 */
export function deriveKeyword(source: string): string | undefined {
  const runs: string[] = [];
  let run = '';
  const breakRun = () => {
    if (run) runs.push(run);
    run = '';
  };

  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      i += 1;
      if (/[A-Za-z0-9]/.test(next)) {
        // \d, \s, \b, \x41, \u…, back-references: not a plain literal.
        breakRun();
        if (next === 'x') i += 2;
        else if (next === 'u') i += source[i + 1] === '{' ? source.indexOf('}', i) - i : 4;
        else if (next === 'k' || next === 'p' || next === 'P') {
          const close = source.indexOf(next === 'k' ? '>' : '}', i);
          i = close === -1 ? i : close;
        }
      } else {
        run += next;
      }
      continue;
    }
    if (c === '[') {
      breakRun();
      i = skipClass(source, i);
      continue;
    }
    if (c === '(') {
      breakRun();
      i = skipGroup(source, i);
      continue;
    }
    if (c === '|') return undefined;
    if (c === '*' || c === '?') {
      run = run.slice(0, -1);
      breakRun();
      continue;
    }
    if (c === '{') {
      const close = source.indexOf('}', i);
      const min = Number.parseInt(source.slice(i + 1, close), 10);
      if (min === 0) run = run.slice(0, -1);
      breakRun();
      i = close === -1 ? i : close;
      continue;
    }
    if (c === '+') {
      breakRun();
      continue;
    }
    if (c === '.' || c === '^' || c === '$' || c === ')') {
      breakRun();
      continue;
    }
    run += c;
  }
  breakRun();

  let best = '';
  for (const candidate of runs) if (candidate.trim().length > best.trim().length) best = candidate;
  return best.trim().length >= 3 ? best : undefined;
}

function skipClass(source: string, start: number): number {
  for (let i = start + 1; i < source.length; i++) {
    if (source[i] === '\\') i += 1;
    else if (source[i] === ']' && i > start + 1) return i;
  }
  return source.length;
}

function skipGroup(source: string, start: number): number {
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i += 1;
    else if (c === '[') i = skipClass(source, i);
    else if (c === '(') depth += 1;
    else if (c === ')') {
      depth -= 1;
      if (depth === 0) {
        // A group followed by ?, * or {0,…} is optional: the run after it is separate anyway.
        return i;
      }
    }
  }
  return source.length;
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * Lines are matched as byte strings (see clean-log.ts), so a non-ASCII
 * literal in a regex becomes its UTF-8 bytes. Inside a character class that
 * cannot work; undefined tells the caller to reject the regex.
 */
export function toByteRegexSource(source: string): string | undefined {
  if (!/[^\x00-\x7f]/.test(source)) return source;
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      out += c + (source[i + 1] ?? '');
      i += 1;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    if (c.charCodeAt(0) > 0x7f) {
      if (inClass) return undefined;
      const code = c.codePointAt(0) as number;
      const char = String.fromCodePoint(code);
      if (char.length === 2) i += 1;
      const bytes = Buffer.from(char, 'utf8');
      out += `(?:${[...bytes].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')})`;
      continue;
    }
    out += c;
  }
  return out;
}
