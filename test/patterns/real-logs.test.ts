import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/patterns/classify.js';
import { loadLibrary } from '../../src/patterns/load.js';

// Real job logs pasted in public threads, kept unedited, with the pattern a
// good classifier picks ("a|b" accepts either; NONE means no diagnosis).
const dir = join(import.meta.dirname, '../fixtures/real-logs');
const index = readFileSync(join(dir, 'INDEX.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((row) => row.split('\t'))
  .map(([file = '', , , expected = '']) => ({ file, accepted: expected.split('|') }));

const library = loadLibrary();

describe('real job logs', () => {
  it.each(index.map((entry) => [entry.file, entry] as const))('%s', (_, { file, accepted }) => {
    const { diagnosis } = classify(readFileSync(join(dir, file)), library);

    expect(accepted).toContain(diagnosis?.pattern ?? 'NONE');
  });
});
