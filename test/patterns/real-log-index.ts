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

/**
 * Keys naming the thread or page a log came from, so that the same thread is
 * recognised in both sets however its address was written: every web address
 * in the source column (scheme, `www.`, fragment and tracking parameters
 * dropped; a Stack Exchange question, a Discourse topic, a GitHub or GitLab
 * issue, pull or merge request, a Reddit post reduced to its id) and every
 * mailing-list Message-ID. An `unresolved:` source without an address gives
 * no key.
 */
export function sourceKeys(source: string): string[] {
  const keys = new Set<string>();
  for (const [, id] of source.matchAll(/Message-I[dD]:? <?([^\s<>(),']+@[^\s<>(),']+)/g)) {
    keys.add(`message-id:${(id ?? '').toLowerCase()}`);
  }
  for (const [raw] of source.matchAll(/https?:\/\/[^\s<>"'`]+/g)) {
    const key = threadKey(raw.replace(/[).,;:\]]+$/, ''));
    if (key) keys.add(key);
  }
  return [...keys];
}

function threadKey(address: string): string | null {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase().replace(/^(?:www|old|new|np)\./, '');
  const path = url.pathname.replace(/\/+$/, '');
  const lower = path.toLowerCase();
  const numbered = (re: RegExp): string | undefined => re.exec(lower)?.[1];

  const question = numbered(/^\/(?:questions|q)\/(\d+)/);
  if (question) return `${host}/questions/${question}`;
  const topic = numbered(/^\/t\/(?:[^/]*[^/\d][^/]*\/)?(\d+)(?:\/\d+)?$/);
  if (topic) return `${host}/t/${topic}`;
  const reddit = host === 'reddit.com' ? numbered(/\/comments\/([a-z0-9]+)/) : undefined;
  if (reddit) return `reddit.com/comments/${reddit}`;
  if (host === 'github.com') {
    const item = /^(\/[^/]+\/[^/]+)\/(?:issues|pull)\/(\d+)/.exec(lower);
    if (item) return `github.com${item[1]}/issues/${item[2]}`;
    return `github.com${lower}`;
  }
  const gitlabItem = /^(\/.+?)(?:\/-)?\/(issues|work_items|merge_requests|jobs|pipelines)\/(\d+)/.exec(
    path,
  );
  if (gitlabItem) {
    const kind = gitlabItem[2] === 'work_items' ? 'issues' : gitlabItem[2];
    return `${host}${gitlabItem[1]?.toLowerCase()}/${kind}/${gitlabItem[3]}`;
  }
  const params = [...url.searchParams]
    .filter(([name]) => !/^(?:utm_|noredirect$|lq$|ref$|source$)/.test(name))
    .map(([name, value]) => `${name}=${value}`)
    .sort();
  return `${host}${path}${params.length > 0 ? `?${params.join('&')}` : ''}`;
}
