import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatternLibraryError } from '../../src/errors.js';
import { PATTERN_BUDGET, regexMemory } from '../../src/patterns/budget.js';
import { loadLibrary } from '../../src/patterns/load.js';
import { root } from './transpile-engine.js';

// A user's pattern folder may not make the bot's memory grow without bound:
// every regex must compile within RE2's per-regex memory limit, and the user
// folders together have a count and a memory limit. What is refused names
// the file, the rule and the limit, and nothing loads.

let folder = '';

function patternFile(dir: string, id: string, regexes: string[]) {
  writeFileSync(
    join(dir, `${id}.yaml`),
    [
      `id: ${id}`,
      'title: A pattern a user wrote',
      'category: script',
      'priority: 500',
      'resolver: none',
      'summary: Written to test the budget.',
      'match:',
      ...regexes.map((r) => `  - regex: '${r.replace(/'/g, "''")}'`),
      'examples:',
      '  - name: a line',
      '    log: "word0"',
      '    expect: { match: true }',
      '',
    ].join('\n'),
  );
}

function problemsOf(dirs: string[]) {
  try {
    loadLibrary(dirs);
  } catch (error) {
    if (error instanceof PatternLibraryError) {
      return error.problems.map((p) => ({ file: p.file.split('/').pop(), field: p.field, reason: p.reason }));
    }
    throw error;
  }
  return [];
}

beforeAll(() => {
  mkdirSync(join(root, 'test-artifacts'), { recursive: true });
  folder = mkdtempSync(join(root, 'test-artifacts', 'budget-'));
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('the pattern budget', () => {
  it('refuses a regex that does not compile within the per-regex memory limit', () => {
    const dir = mkdtempSync(join(folder, 'big-'));
    // Unicode letters, 100 times: RE2 alone would take it (about 6 MiB), the budget does not.
    patternFile(dir, 'user-huge', ['(?<word>\\pL{1,100})!']);
    patternFile(dir, 'user-fine', ['(?<word>[a-z]{1,100})!']);

    expect(problemsOf([dir])).toEqual([
      {
        file: 'user-huge.yaml',
        field: 'match.0.regex',
        reason: expect.stringMatching(/RE2's memory limit of 2 MiB per regex \(pattern budget\)/),
      },
    ]);
  });

  it(`refuses regex number ${PATTERN_BUDGET.regexes + 1} of the user folders, in whichever folder it is`, () => {
    const first = mkdtempSync(join(folder, 'many-'));
    const second = mkdtempSync(join(folder, 'more-'));
    patternFile(first, 'user-many', Array.from({ length: PATTERN_BUDGET.regexes }, (_, i) => `word${i}`));
    patternFile(second, 'user-one-more', ['word0', 'word1']);

    const problems = problemsOf([first, second]);

    expect(problems.map((p) => [p.file, p.field])).toEqual([
      ['user-one-more.yaml', 'match.0.regex'],
      ['user-one-more.yaml', 'match.1.regex'],
    ]);
    expect(problems[0]?.reason).toMatch(/at most 1000 are allowed \(pattern budget\)/);
    expect(problemsOf([first])).toEqual([]);
  });

  it('refuses the regex that takes the user folders past their memory limit together', () => {
    const dir = mkdtempSync(join(folder, 'heavy-'));
    // Each compiles within 1 MiB but not 256 KiB: 64 fit in 64 MiB, the 65th does not.
    const heavy = '(?<word>[^\\s]{1,1000})!';
    expect(regexMemory(heavy)).toBe(1 << 20);
    patternFile(dir, 'user-heavy', Array.from({ length: 65 }, () => heavy));

    expect(problemsOf([dir])).toEqual([
      {
        file: 'user-heavy.yaml',
        field: 'match.64.regex',
        reason: expect.stringMatching(/limit of 64 MiB together \(pattern budget\)/),
      },
    ]);
  });

  it('holds every built-in regex: each fits the per-regex limit', () => {
    const library = loadLibrary();
    const regexes = library.patterns.flatMap((p) =>
      p.rules.flatMap((r) => [r.regex, r.unless, ...r.context.flatMap((c) => [c.regex, c.unless])]),
    );
    const over = regexes
      .filter((r) => r !== undefined)
      .filter((r) => regexMemory(r.source, r.flags) === undefined)
      .map((r) => r.source);
    expect(over).toEqual([]);
  });
});
