import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify, classifyChunks, classifyFrom, type Match } from '../../src/patterns/classify.js';
import { cleanLog, lineBytes } from '../../src/patterns/clean-log.js';
import type { PatternLibrary } from '../../src/patterns/library.js';
import { buildLibrary } from '../../src/patterns/compile.js';
import { loadLibrary } from '../../src/patterns/load.js';
import { BlockCleaner, cleanControls, type CleanBlock } from '../../src/patterns/log-blocks.js';
import { createBlockReader } from '../../src/patterns/log-reader.js';
import type { RuleScanner } from '../../src/patterns/scan.js';
import type { SetWorker } from '../../src/patterns/set-worker.js';

// The engine looks at a block's bytes once and matches only the lines that
// pass that look. These properties say that the shortcut changes nothing:
// whatever colours, overwrites, markers, timestamps and chunking a log has,
// the result is the one a line-by-line match of its cleaned lines gives.

const library = loadLibrary();

/** The same patterns, with a scanner that sends every line of every block to every pattern. */
const everyLine: PatternLibrary = {
  ...library,
  scanner: {
    match: () => [],
    worker: () => undefined,
    runningWorker: () => undefined,
    needsFullClean: () => true,
    triggerLines: (block) => Array.from({ length: block.count }, (_, line) => line),
    candidates: (block) =>
      Array.from({ length: block.count }, (_, line) =>
        library.patterns.map((_p, index) => [line, index] as [number, number]),
      ).flat(),
  } satisfies RuleScanner,
};

/** Without section and runner restrictions, which need markers a cleaned log no longer has. */
const unrestricted = buildLibrary(
  library.patterns.map((p) => ({
    ...p,
    rules: p.rules.map(({ sections: _s, runnerPrefix: _r, ...rule }) => rule),
  })),
);

const ESC = '\x1b';
const exampleLines = [
  ...new Set(
    library.patterns.flatMap((p) => p.examples.flatMap((e) => e.log.split('\n'))).filter(Boolean),
  ),
];
const filler = [
  '$ npm ci',
  'added 1287 packages in 21s',
  'Executing "step_script" stage of the job script',
  'ERROR: Job failed: exit code 1',
  'résumé — ✓ passed 日本語',
  '  ✕ integration suite: expected 200, got 500',
  'section_start:1:not_a_marker_without_escapes',
  '',
];

const line = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...exampleLines) },
  { weight: 2, arbitrary: fc.constantFrom(...filler) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ' ')) },
);

const sgr = fc.constantFrom(
  `${ESC}[0m`,
  `${ESC}[31;1m`,
  `${ESC}[0K`,
  `${ESC}[2K`,
  `${ESC}]8;;https://example.com${ESC}\\`,
  `${ESC}(B`,
  '\u009b33m',
  '\x07',
  '\x08',
);
const sectionName = fc.constantFrom(
  'prepare_executor',
  'prepare_script',
  'get_sources',
  'step_script',
  'after_script',
  'upload_artifacts_on_failure',
);

/** One raw line: the text with escapes spliced in, maybe an overwrite, a marker, a CRLF. */
const rawLine = fc
  .record({
    text: line,
    escapes: fc.array(fc.tuple(fc.nat(), sgr), { maxLength: 3 }),
    overwrite: fc.option(line, { freq: 4 }),
    marker: fc.option(fc.tuple(fc.constantFrom('start', 'end'), sectionName), { freq: 4 }),
    crlf: fc.boolean(),
  })
  .map(({ text, escapes, overwrite, marker, crlf }) => {
    let out = text;
    for (const [at, escape] of escapes) {
      const cut = out.length === 0 ? 0 : at % (out.length + 1);
      out = out.slice(0, cut) + escape + out.slice(cut);
    }
    if (overwrite !== null) out = `${overwrite}\r${out}`;
    if (marker) out = `${ESC}[0Ksection_${marker[0]}:1715505245:${marker[1]}\r${ESC}[0K${out}`;
    return crlf ? `${out}\r` : out;
  });

const timestamp = (i: number, continued: boolean) =>
  `2025-05-12T09:14:${String(i % 60).padStart(2, '0')}.123456Z 00${i % 2 ? 'E' : 'O'}${continued ? '+' : ' '}`;

/** A whole raw log: lines, maybe with runner timestamps (some continuing the line before). */
const rawLog = fc
  .record({
    lines: fc.array(rawLine, { maxLength: 40 }),
    timestamps: fc.option(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 40, maxLength: 40 }), {
      freq: 3,
    }),
    finalNewline: fc.boolean(),
  })
  .map(({ lines, timestamps, finalNewline }) => {
    const stamped = timestamps
      ? lines.map((l, i) => timestamp(i, i > 0 && timestamps[i] === 0) + l)
      : lines;
    return stamped.join('\n') + (finalNewline && lines.length > 0 ? '\n' : '');
  });

/** Cut points for feeding the log in pieces. */
const pieces = (log: Buffer) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, log.length - 1) }), { maxLength: 8 })
    .map((cuts) => {
      const sorted = [0, ...cuts.filter((c) => c < log.length).sort((a, b) => a - b), log.length];
      return sorted.slice(1).map((end, i) => log.subarray(sorted[i], end));
    });

/** What each pattern found, in pattern order: ranking may order them differently (rank.test.ts). */
function comparable(matches: Match[]) {
  return matches
    .map(({ pattern, line, text, fields }) => ({ pattern, line, text, fields }))
    .sort((a, b) => a.pattern.localeCompare(b.pattern));
}

describe('the one pass over raw bytes', () => {
  it('finds what matching every cleaned line finds, however the log is cut into blocks and chunks', () => {
    fc.assert(
      fc.property(
        rawLog.chain((log) => {
          const bytes = Buffer.from(log, 'utf8');
          return fc.tuple(fc.constant(bytes), pieces(bytes), fc.integer({ min: 8, max: 600 }));
        }),
        fc.constantFrom(120, 4096),
        ([bytes, chunks, blockSize], maxLineLength) => {
          const reference = classify(bytes, everyLine, { maxLineLength });

          const fast = classifyChunks(chunks, library, { maxLineLength, blockSize });

          expect(fast).toEqual(reference);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds the same when the log is read straight into its blocks, in reads of any size', () => {
    // Long lines too: a line past the raw cap is cut, and what is read of it past the cap skipped.
    const longLines = fc
      .array(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ minLength: 400, maxLength: 1500 })), { maxLength: 12 })
      .map((lines) => lines.join('\n'));
    fc.assert(
      fc.property(
        fc.oneof(rawLog, longLines).chain((log) => {
          const bytes = Buffer.from(log, 'utf8');
          return fc.tuple(fc.constant(bytes), pieces(bytes), fc.integer({ min: 8, max: 600 }));
        }),
        fc.constantFrom(120, 4096),
        ([bytes, chunks, blockSize], maxLineLength) => {
          const reference = classify(bytes, everyLine, { maxLineLength });
          // Each read gives at most the next piece's bytes, and never more than asked for.
          let piece = 0;
          let offset = 0;
          const read = (into: Buffer, at: number, length: number) => {
            const next = chunks[piece];
            if (!next) return 0;
            const n = Math.min(length, next.length - offset);
            next.copy(into, at, offset, offset + n);
            offset += n;
            if (offset === next.length) [piece, offset] = [piece + 1, 0];
            return n;
          };

          const fast = classifyFrom(read, library, { maxLineLength, blockSize });

          expect(fast).toEqual(reference);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds the same with the set worker matching part of each block', async () => {
    // The worker matches each block from a line the caller picks; the caller matches the lines before.
    let submitted = 0;
    const real = library.scanner;
    const counted = (worker: SetWorker | undefined): SetWorker | undefined =>
      worker && {
        ...worker,
        submit(text, from) {
          if (from !== undefined && from > 0 && from < text.length) submitted += 1;
          return worker.submit(text, from);
        },
      };
    const withWorker: PatternLibrary = {
      ...library,
      scanner: {
        ...real,
        worker: () => counted(real.worker()),
        runningWorker: () => counted(real.runningWorker()),
      },
    };
    const worker = real.worker();
    for (let i = 0; i < 400 && worker && !worker.acquire(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    worker?.release();

    fc.assert(
      fc.property(rawLog, fc.integer({ min: 8, max: 600 }), (log, blockSize) => {
        const bytes = Buffer.from(log, 'utf8');
        const reference = classify(bytes, everyLine, { maxLineLength: 4096 });

        const split = classifyChunks([bytes], withWorker, { blockSize, long: true });

        expect(split).toEqual(reference);
      }),
      { numRuns: 300 },
    );
    expect(submitted).toBeGreaterThan(100);
  });

  it('takes a bare section_ line ending in CRLF for text in both paths (found by the property above)', () => {
    const bytes = Buffer.from(
      'section_start:1:not_a_marker_without_escapes\r\nERROR: Job failed: exit code 1',
    );
    const reference = classify(bytes, everyLine, { maxLineLength: 120 });
    const fast = classifyChunks([bytes], library, { maxLineLength: 120, blockSize: 8 });
    expect(fast).toEqual(reference);
    expect(reference.diagnosis?.section).toBeNull();
  });

  it('classifies a log as it classifies its cleaned lines', () => {
    fc.assert(
      fc.property(rawLog, fc.integer({ min: 8, max: 600 }), (log, blockSize) => {
        const cleaned = cleanLog(log)
          .map((l) => `${l.text}\n`)
          .join('');

        const raw = classify(log, unrestricted, { blockSize });
        const clean = classify(cleaned, unrestricted);

        expect(comparable(raw.matches)).toEqual(comparable(clean.matches));
        expect(raw.lines).toBe(clean.lines);
      }),
      { numRuns: 300 },
    );
  });

  it('reads the lines cleanLog reads, whatever the block size', () => {
    fc.assert(
      fc.property(rawLog, fc.integer({ min: 8, max: 600 }), (log, blockSize) => {
        expect(cleanLog(log, { blockSize })).toEqual(cleanLog(log));
      }),
      { numRuns: 200 },
    );
  });

  it('cleans a block in place as the full path does, when the lines left with controls are cleaned afterwards', () => {
    const seen = (block: CleanBlock) => ({
      lines: Array.from({ length: block.count }, (_, i) => lineBytes(block, i, 4096).toString('latin1')),
      markers: [...block.markers.entries()].sort((a, b) => a[0] - b[0]),
      cut: [...block.cut].sort((a, b) => a - b),
    });
    // Lines with a control character, a CRLF or marker text and nothing else the fast path cleans.
    const controlLog = fc
      .array(
        fc
          .tuple(
            fc.constantFrom('section_start:1:abc', 'section_end:2:abc', 'plain', 'be\x07ll', 'a\x08b', ''),
            fc.boolean(),
          )
          .map(([text, crlf]) => (crlf ? `${text}\r` : text)),
        { maxLength: 30 },
      )
      .map((lines) => lines.join('\n'));
    fc.assert(
      fc.property(fc.oneof(rawLog, controlLog), fc.integer({ min: 8, max: 600 }), (log, blockSize) => {
        const full: ReturnType<typeof seen>[] = [];
        const fast: ReturnType<typeof seen>[] = [];
        const fullCleaner = new BlockCleaner(64);
        const fastCleaner = new BlockCleaner(64);
        const reader = createBlockReader(
          (raw, end) => {
            full.push(seen(fullCleaner.clean(Buffer.from(raw.subarray(0, end)), end, true)));
            const block = fastCleaner.clean(Buffer.from(raw.subarray(0, end)), end, false);
            cleanControls(block);
            fast.push(seen(block));
          },
          { blockSize, rawCap: 64 },
        );
        reader.write(log);
        reader.end();

        expect(fast).toEqual(full);
      }),
      { numRuns: 300 },
    );
  });
});
