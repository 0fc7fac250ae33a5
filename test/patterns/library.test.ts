import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRealExample } from '../../src/patterns/coverage.js';
import { runExamples } from '../../src/patterns/examples.js';
import { loadLibrary } from '../../src/patterns/load.js';
import { CATEGORIES } from '../../src/patterns/schema.js';

const library = loadLibrary();
const results = runExamples(library);

describe('the built-in pattern library', () => {
  it.each(results.map((r) => [`${r.pattern} › ${r.example}`, r] as const))('%s', (_, result) => {
    expect(result.problem).toBeUndefined();
  });

  it('gives every pattern at least two positive and one negative example', () => {
    const thin = library.patterns
      .map((p) => ({
        id: p.id,
        positive: p.examples.filter((e) => e.expect.match).length,
        negative: p.examples.filter((e) => !e.expect.match).length,
      }))
      .filter((p) => p.positive < 2 || p.negative < 1);

    expect(thin).toEqual([]);
  });

  it('gives every pattern at least three real wordings (positive examples with a source)', () => {
    const thin = library.patterns
      .map((p) => `${p.id} ${p.examples.filter(isRealExample).length}`)
      .filter((line) => Number(line.split(' ')[1]) < 3);

    expect(thin).toEqual([]);
  });

  it('compiles every regex in full with RE2 (built-in rules are compiled on first use)', () => {
    const failing = library.patterns.flatMap((p) =>
      p.rules
        .flatMap((r) => [r.regex, r.unless, ...r.context.flatMap((c) => [c.regex, c.unless])])
        .filter((re) => re !== undefined)
        .flatMap((re) => {
          try {
            re.compiled();
            return [];
          } catch (error) {
            return [`${p.id}: ${re.source}: ${(error as Error).message}`];
          }
        }),
    );

    expect(failing).toEqual([]);
    expect(library.patterns.flatMap((p) => p.rules).length).toBeGreaterThan(100);
  });

  it('files each pattern under its category folder', () => {
    const misplaced = library.patterns
      .filter((p) => !p.file.replace(/\\/g, '/').includes(`patterns/${p.category}/`))
      .map((p) => p.file);

    expect(misplaced).toEqual([]);
    expect(new Set(library.patterns.map((p) => p.category))).toEqual(
      new Set(library.patterns.map((p) => p.category).filter((c) => CATEGORIES.includes(c))),
    );
  });

  it('lists every pattern with its priority in the README table', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../patterns/README.md'), 'utf8');
    const table = [...readme.matchAll(/^\| (\d+) \| ([a-z0-9-]+) \|/gm)].map((m) => `${m[2]} ${m[1]}`);

    expect(table.sort()).toEqual(library.patterns.map((p) => `${p.id} ${p.priority}`).sort());
  });

  it('says for every built-in pattern whose failure it is', () => {
    expect(library.patterns.filter((p) => !p.blame || p.retryable === undefined).map((p) => p.id)).toEqual([]);
  });
});
