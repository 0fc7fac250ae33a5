import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLibrary } from '../../src/patterns/load.js';
import { classifyPasted } from '../../src/patterns/paste.js';
import {
  holdoutDir,
  INDEX_COLUMNS,
  knownMisses,
  missingPatterns,
  readRealLogIndex,
  realLogDir,
  sourceKeys,
  type RealLog,
} from './real-log-index.js';

// Real job logs pasted in public threads, kept unedited, with the pattern a
// good classifier picks ("a|b" accepts either; NONE means no diagnosis). The
// hold-out set is only checked for its shape here: it measures accuracy on
// logs the rules were not written against, so no per-log assertion reads it.
const library = loadLibrary();
const development = readRealLogIndex(realLogDir);
const holdout = readRealLogIndex(holdoutDir);

function winner(log: RealLog): string {
  // Real logs are pastes from threads: read them as `classify` reads a paste.
  return (
    classifyPasted(readFileSync(join(realLogDir, log.file), 'utf8'), library).diagnosis?.pattern ??
    'NONE'
  );
}

describe('real job logs', () => {
  for (const log of development) {
    const missing = missingPatterns(log, library);
    const knownMiss = knownMisses.get(log.file);
    if (missing) {
      it.todo(`${log.file} waits for pattern ${missing}`);
    } else if (knownMiss) {
      it.skip(`${log.file} is a known miss: ${knownMiss}`, () => {});
    } else {
      it(log.file, () => {
        expect(log.accepted).toContain(winner(log));
      });
    }
  }

  it('lists as known misses only development logs the library still gets wrong', () => {
    const byFile = new Map(development.map((log) => [log.file, log]));
    const stale = [...knownMisses.keys()].filter((file) => {
      const log = byFile.get(file);
      return !log || missingPatterns(log, library) !== null || log.accepted.includes(winner(log));
    });

    expect(stale, 'classified right now, pending, or not a development log').toEqual([]);
  });
});

describe('real-log index', () => {
  const sets = [
    { dir: realLogDir, logs: development },
    { dir: holdoutDir, logs: holdout },
  ];

  it('lists every log file of each set once, with every column', () => {
    for (const { dir, logs } of sets) {
      const files = readdirSync(dir).filter((name) => name.endsWith('.log'));

      expect(logs.map((log) => log.file).sort()).toEqual(files.sort());
      expect(logs.filter((log) => log.columns !== INDEX_COLUMNS.length)).toEqual([]);
      expect(logs.filter((log) => !log.source || !log.executor || !log.accepted[0])).toEqual([]);
    }
  });

  it('numbers files once across the development and hold-out sets', () => {
    const numbers = [...development, ...holdout].map((log) => log.file.slice(0, 3));

    expect(numbers.every((n) => /^\d{3}$/.test(n))).toBe(true);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('takes no thread or page into both sets (names only the development log to drop)', () => {
    // A thread in both sets hands the hold-out log to whoever reads it for the
    // development one; the message names the development file, never the other.
    const heldOut = new Set(holdout.flatMap((log) => sourceKeys(log.source)));
    const shared = development
      .filter((log) => sourceKeys(log.source).some((key) => heldOut.has(key)))
      .map((log) => log.file);

    expect(shared, 'development logs whose thread is also in the hold-out set').toEqual([]);
  });

  it('recognises one thread however its address is written', () => {
    const same = (a: string, b: string): boolean =>
      sourceKeys(a).some((key) => sourceKeys(b).includes(key));

    expect(
      same(
        'https://gitlab.com/gitlab-org/gitlab-runner/-/issues/27421#note_1',
        'https://gitlab.com/gitlab-org/gitlab-runner/issues/27421',
      ),
    ).toBe(true);
    expect(
      same(
        'https://gitlab.com/gitlab-org/quality/analytics/team/-/work_items/130',
        'https://gitlab.com/gitlab-org/quality/analytics/team/-/issues/130',
      ),
    ).toBe(true);
    expect(
      same(
        'https://forum.gitlab.com/t/some-title/96076/3',
        'see https://forum.gitlab.com/t/96076 (reply)',
      ),
    ).toBe(true);
    expect(
      same(
        'https://stackoverflow.com/questions/123/gitlab-ci-fails',
        'https://stackoverflow.com/q/123',
      ),
    ).toBe(true);
    expect(
      same(
        'https://github.com/Docker/Docs/pull/22965#issuecomment-9',
        'https://github.com/docker/docs/issues/22965 (comment)',
      ),
    ).toBe(true);
    expect(same('list, Message-ID <a.b@example.org>', 'Message-Id: <A.B@example.org>')).toBe(true);
    expect(
      same(
        'https://gitlab.com/gitlab-org/gitlab/-/issues/431371',
        'https://gitlab.com/gitlab-org/gitlab/-/issues/431258',
      ),
    ).toBe(false);
    expect(sourceKeys("unresolved: notes; find it by the exact string 'x'")).toEqual([]);
  });

  it("records the runner version that the log's own header names", () => {
    for (const { dir, logs } of sets) {
      for (const log of logs) {
        const header = /Running with gitlab-(?:ci-multi-)?runner (\S+)/.exec(
          readFileSync(join(dir, log.file), 'utf8'),
        );
        if (header) expect(log.runnerVersion, log.file).toBe(header[1]);
      }
    }
  });
});
