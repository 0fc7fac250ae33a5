import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineHistory } from '../../src/patterns/line-history.js';
import { BlockCleaner } from '../../src/patterns/log-blocks.js';

// The classifier keeps the last lines of each block for context rules that
// look back past a block's start. These compare what it keeps with the last
// lines of the whole log, as a list of every line would give them.

function cleanBlock(lines: string[]) {
  const raw = Buffer.from(lines.map((line) => `${line}\n`).join(''));
  return new BlockCleaner(1 << 16, 4).clean(raw, raw.length, false);
}

const line = fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '\x1b[31m', '\r'), maxLength: 12 });

describe('the line history', () => {
  it('holds the last lines of the log, each cut at the line cap, across blocks of any size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(line, { maxLength: 9 }), { maxLength: 8 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 6 }),
        (blocks, keep, maxLength) => {
          const history = new LineHistory(keep, maxLength);
          const every: Buffer[] = [];
          for (const lines of blocks) {
            const block = cleanBlock(lines);
            for (let i = 0; i < block.count; i++) {
              const start = block.starts[i] as number;
              const end = Math.min(block.ends[i] as number, start + maxLength);
              every.push(Buffer.from(block.text.subarray(start, end)));
            }
            history.add(block);
            // The block's buffer is reused for the next one: the history must not share it.
            block.text.fill(0x3f);
          }
          const kept = every.slice(every.length - Math.min(keep, every.length));
          expect(history.length).toBe(kept.length);
          for (let back = 1; back <= kept.length; back++) {
            expect(history.line(back)?.toString('latin1')).toBe(
              (kept[kept.length - back] as Buffer).toString('latin1'),
            );
          }
          expect(history.line(kept.length + 1)).toBeUndefined();
          expect(history.line(0)).toBeUndefined();
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps nothing when no rule looks back', () => {
    const history = new LineHistory(0, 100);
    history.add(cleanBlock(['one', 'two']));
    expect(history.length).toBe(0);
    expect(history.line(1)).toBeUndefined();
  });
});
