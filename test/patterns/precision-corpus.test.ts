import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from './precision-corpus.js';

// The generator owns generated/; logs added by hand live beside it (see the README).
const dir = join(import.meta.dirname, '../fixtures/precision/generated');
const update = process.env.UPDATE_FIXTURES === '1';

function logsOnDisk(folder: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.log')) out.push(relative(folder, full));
    }
  };
  walk(folder);
  return out.sort();
}

describe('the precision corpus', () => {
  const files = generateCorpus();

  it('generated/ is what the generator writes (UPDATE_FIXTURES=1 rewrites it)', () => {
    if (update) {
      for (const file of files) {
        mkdirSync(dirname(join(dir, file.path)), { recursive: true });
        writeFileSync(join(dir, file.path), file.content);
      }
    }

    expect(logsOnDisk(dir)).toEqual(files.map((f) => f.path).sort());
    for (const file of files) {
      expect(readFileSync(join(dir, file.path), 'utf8'), file.path).toBe(file.content);
    }
  });
});
