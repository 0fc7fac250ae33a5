/**
 * GitLab's offset pagination (`page`, `per_page`) with its headers, and the keyset variant the
 * project jobs endpoint supports.
 *
 * Headers: `X-Page`, `X-Per-Page`, `X-Next-Page` / `X-Prev-Page` (empty when none),
 * `X-Total` / `X-Total-Pages` (omitted where GitLab disables counting, e.g. project jobs), and a
 * `Link` header with `prev`/`next`/`first`/`last` built from the request's absolute URL with
 * the query re-encoded like Rails' `to_query` (keys sorted).
 */
import { ApiError } from './http.js';
import type { Query } from './http.js';

/** Where the request came from, to build absolute `Link` URLs. */
export interface PageSource {
  /** `http://host:port` of the request. */
  origin: string;
  /** Raw path of the request, including `/api/v4`. */
  rawPath: string;
  query: Query;
}

/** A page of results and the headers that describe it. */
export interface Page<T> {
  items: T[];
  headers: Record<string, string>;
}

/** Rails' CGI.escape: like encodeURIComponent, but spaces become `+` and `!'()*` are escaped. */
function cgiEscape(value: string): string {
  return encodeURIComponent(value)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Re-encodes a query like Rails' `Hash#to_query`: arrays as `key[]`, pairs sorted. */
export function toQuery(query: Query): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) {
      for (const v of value) pairs.push(`${cgiEscape(`${key}[]`)}=${cgiEscape(v)}`);
    } else {
      pairs.push(`${cgiEscape(key)}=${cgiEscape(value)}`);
    }
  }
  return pairs.sort().join('&');
}

function intParam(query: Query, name: string, fallback: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || !/^-?\d+$/.test(value)) {
    throw new ApiError(400, { error: `${name} is invalid` });
  }
  return Number.parseInt(value, 10);
}

/** `page` (default 1) and `per_page` (default 20, capped at 100). */
export function pageParams(query: Query): { page: number; perPage: number } {
  const page = Math.max(1, intParam(query, 'page', 1));
  const perPage = Math.min(100, Math.max(1, intParam(query, 'per_page', 20)));
  return { page, perPage };
}

function pageUrl(source: PageSource, extra: Record<string, string>): string {
  const rest: Query = { ...source.query };
  delete rest.page;
  delete rest.per_page;
  return `${source.origin}${source.rawPath}?${toQuery({ ...rest, ...extra })}`;
}

/**
 * Slices `items` (already in response order) to the requested page. With `withoutCount`
 * (GitLab's `without_count`), totals and `rel="last"` are omitted; `next` is still known
 * because GitLab fetches one extra row.
 */
export function paginate<T>(
  items: readonly T[],
  source: PageSource,
  options: { withoutCount?: boolean } = {},
): Page<T> {
  const { page, perPage } = pageParams(source.query);
  const start = (page - 1) * perPage;
  const slice = items.slice(start, start + perPage);
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  const hasNext = start + perPage < items.length;
  const next = hasNext ? page + 1 : null;
  const prev = page > 1 ? page - 1 : null;
  const link = (p: number, rel: string): string =>
    `<${pageUrl(source, { page: String(p), per_page: String(perPage) })}>; rel="${rel}"`;

  const links: string[] = [];
  if (prev !== null) links.push(link(prev, 'prev'));
  if (next !== null) links.push(link(next, 'next'));
  links.push(link(1, 'first'));
  if (!options.withoutCount) links.push(link(totalPages, 'last'));

  const headers: Record<string, string> = {
    'X-Page': String(page),
    'X-Per-Page': String(perPage),
    'X-Next-Page': next === null ? '' : String(next),
    'X-Prev-Page': prev === null ? '' : String(prev),
    Link: links.join(', '),
  };
  if (!options.withoutCount) {
    headers['X-Total'] = String(items.length);
    headers['X-Total-Pages'] = String(totalPages);
  }
  return { items: slice, headers };
}

/**
 * Keyset pagination over items sorted by id descending (`order_by=id&sort=desc`, the only
 * combination GitLab supports for project jobs). The cursor is opaque base64 JSON, and the next
 * page is only announced through `Link: <…>; rel="next"`.
 */
export function paginateKeysetByIdDesc<T extends { id: number }>(
  items: readonly T[],
  source: PageSource,
): Page<T> {
  const orderBy = source.query.order_by;
  const sort = source.query.sort;
  if (orderBy !== 'id' || sort !== 'desc') {
    throw new ApiError(405, {
      error: 'Keyset pagination is not yet available for this type of request',
    });
  }
  const { perPage } = pageParams(source.query);
  const cursorParam = source.query.cursor;
  let after = Number.POSITIVE_INFINITY;
  if (typeof cursorParam === 'string' && cursorParam !== '') {
    try {
      const decoded = JSON.parse(Buffer.from(cursorParam, 'base64').toString('utf8')) as {
        id?: unknown;
      };
      after = Number(decoded.id);
    } catch {
      throw new ApiError(400, { error: 'cursor is invalid' });
    }
    if (!Number.isFinite(after)) throw new ApiError(400, { error: 'cursor is invalid' });
  }
  const remaining = items.filter((i) => i.id < after);
  const slice = remaining.slice(0, perPage);
  const headers: Record<string, string> = {};
  const last = slice[slice.length - 1];
  if (remaining.length > perPage && last) {
    const cursor = Buffer.from(JSON.stringify({ id: String(last.id), _kd: 'n' })).toString(
      'base64',
    );
    const rest: Query = { ...source.query, cursor };
    const url = `${source.origin}${source.rawPath}?${toQuery(rest)}`;
    headers.Link = `<${url}>; rel="next"`;
  }
  return { items: slice, headers };
}
