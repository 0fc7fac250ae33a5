/**
 * Relay connections the way GitLab pages them: keyset cursors (base64 of
 * `{"id":"123"}`), `first`/`after` and `last`/`before`, at most 100 nodes a
 * page (a larger `first` is cut to 100, as graphql-ruby's max_page_size does).
 */
import { GraphQLError } from 'graphql';
import { MAX_PAGE_SIZE } from './complexity.js';

export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export interface Connection<T> {
  count: number;
  nodes: T[];
  edges: { cursor: string; node: T }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

export function encodeCursor(id: number): string {
  return Buffer.from(JSON.stringify({ id: String(id) })).toString('base64');
}

function decodeCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { id?: unknown };
    const id = Number(parsed.id);
    if (Number.isInteger(id)) return id;
  } catch {
    // answered below
  }
  throw new GraphQLError('Please provide a valid cursor');
}

function pageSize(value: number | null | undefined, name: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (value < 0) {
    throw new GraphQLError(`${name} must be greater than or equal to 0`);
  }
  return Math.min(value, MAX_PAGE_SIZE);
}

/** One page of `items`, which must be ordered by id, newest (highest) first. */
export function connection<T extends { id: number }>(
  items: readonly T[],
  args: PageArgs,
  present: (item: T) => unknown = (item) => item,
): Connection<unknown> {
  let window = [...items];
  if (args.after) {
    const after = decodeCursor(args.after);
    window = window.filter((item) => item.id < after);
  }
  if (args.before) {
    const before = decodeCursor(args.before);
    window = window.filter((item) => item.id > before);
  }
  const first = pageSize(args.first, 'first');
  const last = pageSize(args.last, 'last');
  let slice = window;
  if (first !== undefined) slice = slice.slice(0, first);
  if (last !== undefined) slice = slice.slice(Math.max(0, slice.length - last));
  if (first === undefined && last === undefined) slice = slice.slice(0, MAX_PAGE_SIZE);
  const start = slice[0];
  const end = slice.at(-1);
  return {
    count: items.length,
    nodes: slice.map(present),
    edges: slice.map((item) => ({ cursor: encodeCursor(item.id), node: present(item) })),
    pageInfo: {
      hasNextPage: end !== undefined && window.indexOf(end) < window.length - 1,
      hasPreviousPage: start !== undefined && window.indexOf(start) > 0,
      startCursor: start ? encodeCursor(start.id) : null,
      endCursor: end ? encodeCursor(end.id) : null,
    },
  };
}
