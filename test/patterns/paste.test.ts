import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/patterns/classify.js';
import { cleanLog } from '../../src/patterns/clean-log.js';
import { loadLibrary } from '../../src/patterns/load.js';
import { classifyPasted, looksPasted, normalisePaste } from '../../src/patterns/paste.js';
import { readRealLogs } from '../../src/patterns/precision.js';

const library = loadLibrary();
const realLogs = readRealLogs(join(import.meta.dirname, '../fixtures/real-logs/INDEX.tsv'));
const evidenceRegexes = library.patterns.flatMap((p) =>
  p.rules.flatMap((r) => [r.regex, ...r.context.map((c) => c.regex)].map((re) => re.compiled())),
);

/** A greedy word wrapper, as mail clients and forum editors wrap. */
function wordWrap(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    const pieces: string[] = [];
    for (let w = word; ; w = w.slice(width)) {
      pieces.push(w.slice(0, width));
      if (w.length <= width) break;
    }
    for (const piece of pieces) {
      if (current === '') current = piece;
      else if (current.length + 1 + piece.length <= width && piece === pieces[0]) current += ` ${piece}`;
      else {
        out.push(current);
        current = piece;
      }
    }
  }
  out.push(current);
  return out;
}

/** Lines that carry no evidence: no rule or context matches them, not a command or the script banner. */
function removable(text: string): boolean[] {
  return cleanLog(text).map(
    (l) =>
      !l.text.startsWith('$ ') &&
      !evidenceRegexes.some((re) => re.test(l.text)) &&
      !/Job failed|Job succeeded|^Executing "/.test(l.text),
  );
}

const pasteOptions = fc.record({
  quote: fc.constantFrom('', '> ', '>'),
  width: fc.integer({ min: 72, max: 80 }),
  elision: fc.constantFrom('...', '[...]', '…', ''),
  seed: fc.integer({ min: 0, max: 1000 }),
});

type PasteOptions = typeof pasteOptions extends fc.Arbitrary<infer T> ? T : never;

function paste(text: string, options: PasteOptions): string {
  const lines = cleanLog(text).map((l) => l.text);
  const drop = removable(text);
  const out: string[] = [];
  lines.forEach((line, i) => {
    // Elide about one line in three of those that carry nothing.
    if (options.elision && drop[i] && (i * 7 + options.seed) % 3 === 0) {
      if (out.at(-1) !== options.elision) out.push(options.elision);
      return;
    }
    out.push(...wordWrap(line, options.width));
  });
  return out.map((l) => `${options.quote}${l}`).join('\n');
}

describe('pasted excerpts', () => {
  it('undoes quote marks, wrapping at 72 columns and elisions', () => {
    const original = [
      '$ docker login --username "$CI_REGISTRY_USER" --password "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"',
      'Error: Cannot perform an interactive login from a non TTY device',
      'ERROR: Job failed: exit code 1',
    ];
    const pasted = [
      '> $ docker login --username "$CI_REGISTRY_USER" --password',
      '> "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"',
      '> [...]',
      '> Error: Cannot perform an interactive login from a non TTY device',
      '> ERROR: Job failed: exit code 1',
    ].join('\n');

    expect(normalisePaste(pasted).split('\n')).toEqual(original);
  });

  it('joins words a terminal cut at the last column', () => {
    const lines = [
      'WARNING: Failed to pull image with policy "always": toomanyrequests: You have reached your pull rate limit.',
      'ERROR: Job failed: failed to pull image "alpine:3.20" with specified policies [always]: toomanyrequests',
    ];
    const folded = lines.flatMap((l) => [l.slice(0, 64), l.slice(64)]).join('\n');

    expect(normalisePaste(folded).split('\n')).toEqual(lines);
  });

  it('leaves a raw GitLab log alone', () => {
    const raw = '\x1b[0Ksection_start:1:prepare_executor\r\x1b[0K> not a quote\n...\n';

    expect(normalisePaste(raw)).toBe(raw);
  });

  it('classifies a quoted, wrapped and elided real log as the original', () => {
    // Raw traces (section markers) are never rewritten; the pastes are what this is about.
    for (const log of realLogs.filter((l) => looksPasted(l.text))) {
      // The real logs are pastes already: start from the log they were cut from.
      const source = normalisePaste(log.text);
      const want = classify(source, library).diagnosis?.pattern ?? null;
      fc.assert(
        fc.property(pasteOptions, (options) => {
          const got = classifyPasted(paste(source, options), library).diagnosis;
          expect(got?.pattern ?? null, log.file).toBe(want);
        }),
        { numRuns: 3, seed: 12 },
      );
    }
  }, 120_000);
});
