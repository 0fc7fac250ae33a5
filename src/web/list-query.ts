import * as z from 'zod';
import { INCIDENT_STATUSES } from '../domain/lifecycle.js';
import { parseSince, type IncidentSearch, type IncidentStatus } from '../store/index.js';

/** The incident list's query string, as typed in the filter form. */
export interface ListQuery {
  q?: string;
  since?: string;
  pattern?: string;
  verdict?: string;
  status?: IncidentStatus;
  project?: string;
  page: number;
}

export const PAGE_SIZE = 50;
const MAX_PAGE = 10_000;

// A repeated key arrives as an array: the first one wins. Empty fields mean "any".
const Text = z.preprocess(
  (value) => (Array.isArray(value) ? value[0] : value),
  z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
);

const RawQuery = z.object({
  q: Text,
  since: Text,
  pattern: Text,
  verdict: Text,
  status: Text,
  project: Text,
  page: Text,
});

export interface ParsedListQuery {
  query: ListQuery;
  search: IncidentSearch;
  /** Filters that could not be read and were left out, for a notice on the page. */
  problems: string[];
}

/** Reads the list's filters; a bad value is dropped with a problem, never a failed page. */
export function parseListQuery(raw: unknown, now: Date): ParsedListQuery {
  const parsed = RawQuery.safeParse(raw ?? {});
  const values: Partial<z.infer<typeof RawQuery>> = parsed.success ? parsed.data : {};
  const problems: string[] = parsed.success ? [] : ['The filters could not be read.'];
  const query: ListQuery = { page: 1 };
  const search: IncidentSearch = { limit: PAGE_SIZE, offset: 0 };

  if (values.q !== undefined) {
    query.q = values.q;
    search.text = values.q;
  }
  if (values.since !== undefined) {
    try {
      search.since = parseSince(values.since, now);
      query.since = values.since;
    } catch (error) {
      problems.push(`Since: ${(error as Error).message}`);
    }
  }
  if (values.pattern !== undefined) query.pattern = search.patternId = values.pattern;
  if (values.verdict !== undefined) query.verdict = search.verdict = values.verdict;
  if (values.project !== undefined) query.project = search.projectPath = values.project;
  if (values.status !== undefined) {
    const status = INCIDENT_STATUSES.find((s) => s === values.status);
    if (status) {
      query.status = search.status = status;
    } else {
      problems.push(`Status: "${values.status}" is not one of ${INCIDENT_STATUSES.join(', ')}.`);
    }
  }
  if (values.page !== undefined) {
    const page = Number(values.page);
    if (Number.isInteger(page) && page >= 1 && page <= MAX_PAGE) {
      query.page = page;
      search.offset = (page - 1) * PAGE_SIZE;
    } else {
      problems.push(`Page: "${values.page}" is not a page number.`);
    }
  }
  return { query, search, problems };
}

/** The list's address for `query` with `changes` applied (empty values left out). */
export function listHref(query: ListQuery, changes: Partial<ListQuery> = {}): string {
  const merged: ListQuery = { ...query, ...changes };
  const params = new URLSearchParams();
  for (const key of ['q', 'since', 'pattern', 'verdict', 'status', 'project'] as const) {
    const value = merged[key];
    if (value !== undefined && value !== '') params.set(key, value);
  }
  if (merged.page > 1) params.set('page', String(merged.page));
  const search = params.toString();
  return search === '' ? '/' : `/?${search}`;
}
