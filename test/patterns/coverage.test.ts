import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLibrary } from '../../src/patterns/compile.js';
import { loadLibrary } from '../../src/patterns/load.js';
import { checkRegex } from '../../src/patterns/regex.js';
import { ruleCoverage } from '../../src/patterns/coverage.js';
import { readRealLogs } from '../../src/patterns/precision.js';

const library = loadLibrary();
const realLogs = readRealLogs(join(import.meta.dirname, '../fixtures/real-logs/INDEX.tsv')).map(
  (log) => ({ file: log.file, expected: (log.expected ?? '').split('|'), text: log.text }),
);

describe('evidence for every rule', () => {
  it('every rule matches a real example of its pattern or a real log that expects it', () => {
    const unseen = ruleCoverage(library, realLogs)
      .filter((c) => c.hits.length === 0)
      .map((c) => `${c.pattern} rule ${c.rule}: ${c.regex}`);

    expect(unseen).toEqual([]);
  });

  it('reports a rule that nothing shows', () => {
    const pattern = library.byId.get('disk-full');
    if (!pattern) throw new Error('disk-full is missing');
    const extra = { ...pattern.rules[0]!, regex: checkRegex('Disk quota exceeded') };
    const withUnseenRule = buildLibrary([{ ...pattern, rules: [...pattern.rules, extra] }]);

    const coverage = ruleCoverage(withUnseenRule, realLogs);

    expect(coverage.filter((c) => c.hits.length === 0).map((c) => c.rule)).toEqual([
      pattern.rules.length,
    ]);
  });
});
