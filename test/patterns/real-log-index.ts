import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PatternLibrary } from '../../src/patterns/library.js';

/** Real job logs the rules are written against. */
export const realLogDir = join(import.meta.dirname, '../fixtures/real-logs');
/** Real job logs kept out of rule writing, to measure accuracy on unseen logs. */
export const holdoutDir = join(realLogDir, 'holdout');

export const INDEX_COLUMNS = [
  'file',
  'source_url',
  'executor',
  'expected_pattern',
  'image_or_resource',
  'own_registry',
  'cause_and_fix_per_source',
  'runner_version',
] as const;

export interface RealLog {
  file: string;
  source: string;
  executor: string;
  /** Patterns a good classifier may pick (`a|b` in the index); `NONE`: no diagnosis. */
  accepted: string[];
  /** From the log's `Running with gitlab-runner X` line, or the source; may be empty. */
  runnerVersion: string;
  /** Fields of the row, to check the index's shape. */
  columns: number;
}

/** Rows of `<dir>/INDEX.tsv` (one header line, tab-separated). */
export function readRealLogIndex(dir: string): RealLog[] {
  // No trim(): a row may end with an empty runner_version, i.e. a trailing tab.
  return readFileSync(join(dir, 'INDEX.tsv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter((row) => row !== '')
    .map((row) => row.split('\t'))
    .map((fields) => ({
      file: fields[0] ?? '',
      source: fields[1] ?? '',
      executor: fields[2] ?? '',
      accepted: (fields[3] ?? '').split('|'),
      runnerVersion: fields[7] ?? '',
      columns: fields.length,
    }));
}

/**
 * The patterns a log waits for, when the library has none of the ones it
 * accepts (a class planned but not written yet); null when it can be judged.
 */
export function missingPatterns(log: RealLog, library: PatternLibrary): string | null {
  if (log.accepted.includes('NONE')) return null;
  const ids = new Set(library.patterns.map((p) => p.id));
  return log.accepted.some((id) => ids.has(id)) ? null : log.accepted.join('|');
}

/**
 * Development logs whose pattern exists but that today's library classifies
 * wrong, with what goes wrong. They are skipped rather than failed so the
 * logs can land before the rules change; fixing one means deleting its line
 * here (real-logs.test.ts fails while a listed log is classified right).
 */
export const knownMisses: ReadonlyMap<string, string> = new Map<string, string>([]);
