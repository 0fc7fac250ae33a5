import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listPatternFiles, pathWithin } from '../../src/patterns/pattern-files.js';

const segment = fc.stringMatching(/^[a-z.][a-z0-9._-]{0,6}$/).filter((s) => s !== '.' && s !== '..');
const absolute = fc.array(segment, { maxLength: 4 }).map((parts) => `/${parts.join('/')}`);

describe('pattern file paths', () => {
  it('gives the path from a folder as path.relative does, inside the folder and out of it', () => {
    fc.assert(
      fc.property(absolute, fc.array(segment, { minLength: 1, maxLength: 3 }), absolute, (dir, inside, other) => {
        const file = join(dir, ...inside);
        expect(pathWithin(dir, file)).toBe(relative(dir, file));
        expect(pathWithin(dir, other)).toBe(relative(dir, other));
      }),
      { numRuns: 300 },
    );
  });

  it('lists the YAML files of a folder and its subfolders, sorted, with paths as join gives them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patterns-'));
    try {
      mkdirSync(join(dir, 'b', 'c.logs'), { recursive: true });
      for (const file of ['z.yaml', 'a.yml', 'b/x.yaml', 'b/c.logs/skip.yaml', 'b/readme.md']) {
        writeFileSync(join(dir, file), 'id: x\n');
      }
      expect(listPatternFiles(dir, [])).toEqual([join(dir, 'a.yml'), join(dir, 'b/x.yaml'), join(dir, 'z.yaml')]);
      expect(listPatternFiles(`${dir}/`, [])).toEqual(listPatternFiles(dir, []));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
