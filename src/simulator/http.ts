/** HTTP plumbing shared by the routes: request context, responses, errors, body parsing. */
import type { IncomingMessage } from 'node:http';
import type { User } from './types.js';
import type { World } from './world.js';

/**
 * Parsed query string. Repeated keys and `key[]` keys become arrays under the bare key
 * (`scope[]=failed` → `{ scope: ['failed'] }`).
 */
export type Query = Record<string, string | string[]>;

/** A parsed request body (JSON object, form fields, or multipart fields). */
export type Body = Record<string, unknown>;

/** What a route handler sees. */
export interface RequestContext {
  world: World;
  /** The authenticated user. */
  user: User;
  method: string;
  /** Decoded path parameters. */
  params: Record<string, string>;
  query: Query;
  body: Body;
  /** `http://host:port` as the client addressed us. */
  origin: string;
  /** Raw request path, including `/api/v4`. */
  rawPath: string;
}

/** What a route handler returns. */
export interface ApiResponse {
  status: number;
  /** JSON body; omitted for 204. */
  json?: unknown;
  /** Plain-text body (job traces). */
  text?: string;
  headers?: Record<string, string>;
}

/** Thrown by handlers to answer with a GitLab-style error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly payload: unknown,
  ) {
    super(typeof payload === 'object' ? JSON.stringify(payload) : String(payload));
    this.name = 'ApiError';
  }
}

/** `404 <What> Not Found` (GitLab's `not_found!('What')`), or ActiveRecord's `404 Not found`. */
export function notFound(what?: string): ApiError {
  return new ApiError(404, { message: what ? `404 ${what} Not Found` : '404 Not found' });
}

/** `403 Forbidden` (GitLab's `forbidden!`). */
export function forbidden(): ApiError {
  return new ApiError(403, { message: '403 Forbidden' });
}

/** `400` with a `message` (service-level errors). */
export function badRequest(message: string): ApiError {
  return new ApiError(400, { message });
}

/** `400` with an `error` (Grape parameter validation). */
export function invalidParam(message: string): ApiError {
  return new ApiError(400, { error: message });
}

/** A JSON 200 (or other status) response. */
export function ok(json: unknown, status = 200, headers?: Record<string, string>): ApiResponse {
  return { status, json, headers };
}

/** Single query value (first one if repeated). */
export function queryString(query: Query, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Grape-style boolean parameter (`true`/`false`/`1`/`0`). */
export function queryBool(query: Query | Body, name: string): boolean | undefined {
  const raw = query[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === '') return undefined;
  if (value === true || value === 'true' || value === '1' || value === 1) return true;
  if (value === false || value === 'false' || value === '0' || value === 0) return false;
  throw invalidParam(`${name} is invalid`);
}

/** Parses a query string into `Query`. */
export function parseQuery(params: URLSearchParams): Query {
  const query: Query = {};
  for (const [rawKey, value] of params) {
    const isArray = rawKey.endsWith('[]');
    const key = isArray ? rawKey.slice(0, -2) : rawKey;
    const existing = query[key];
    if (existing === undefined) query[key] = isArray ? [value] : value;
    else query[key] = [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}

/** Reads the whole request body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Multipart form fields (gitbeaker sends FormData for a few calls, e.g. positioned discussions). */
function parseMultipart(raw: Buffer, boundary: string): Body {
  const body: Body = {};
  const text = raw.toString('utf8');
  for (const part of text.split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const name = /name="(?<name>[^"]*)"/.exec(head)?.groups?.name;
    if (name === undefined) continue;
    body[name] = part.slice(split + 4).replace(/\r\n$/, '');
  }
  return body;
}

/** Parses JSON, urlencoded and multipart bodies; anything else is ignored. */
export function parseBody(raw: Buffer, contentType: string | undefined): Body {
  if (raw.length === 0) return {};
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApiError(400, { error: 'Invalid JSON' });
    }
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Body)
      : {};
  }
  if (type === 'application/x-www-form-urlencoded') {
    return parseQuery(new URLSearchParams(raw.toString('utf8')));
  }
  if (type === 'multipart/form-data') {
    const boundary = /boundary=(?:"(?<q>[^"]+)"|(?<b>[^;]+))/.exec(contentType ?? '')?.groups;
    const value = boundary?.q ?? boundary?.b;
    return value ? parseMultipart(raw, value.trim()) : {};
  }
  return {};
}

/** A body field as a string (numbers are stringified), or undefined. */
export function bodyString(body: Body, name: string): string | undefined {
  const value = body[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Grape `type: Integer` param from a body or query: must be an integer. */
export function integerParam(source: Body | Query, name: string, required: true): number;
export function integerParam(
  source: Body | Query,
  name: string,
  required?: false,
): number | undefined;
export function integerParam(
  source: Body | Query,
  name: string,
  required = false,
): number | undefined {
  const raw = source[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === null || value === '') {
    if (required) throw invalidParam(`${name} is missing`);
    return undefined;
  }
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number.parseInt(value, 10);
  throw invalidParam(`${name} is invalid`);
}
