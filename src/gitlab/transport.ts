import {
  GitbeakerRequestError,
  GitbeakerTimeoutError,
  createRequesterFn,
  getMatchingRateLimiter,
  type FormattedResponse,
  type RateLimiters,
  type RequesterType,
  type ResourceOptions,
} from '@gitbeaker/requester-utils';
import { GitlabStoppedError } from '../errors.js';
import { parseRetryAfter } from './map-error.js';
import { endpointClass, type PauseBoard } from './pauses.js';

export interface TransportOptions {
  pauses: PauseBoard;
  /** Ends every request in flight when aborted (the bot is stopping). */
  signal?: AbortSignal;
  now: () => number;
  /** The port method the request is made for, sent as `CALL_HEADER` (none when outside one). */
  call?: () => string | undefined;
}

/**
 * Names the port method a request was made for (`getJob`), so what GitLab received can be told by
 * what asked for it: GitLab ignores it; the simulator records it.
 */
export const CALL_HEADER = 'X-Diagnoser-Call';

/** Sends one HTTP request to GitLab: once, never retried here. */
export type Send = (endpoint: string, request: Request, dispatcher?: unknown) => Promise<Response>;

/**
 * The one place a request leaves for GitLab. It is refused at once while
 * GitLab asked to wait on its endpoint class, and a 429 or 503 that asks for
 * a longer wait than the retry spends pauses that class. Nothing is retried
 * here: the requester decides (see request.ts).
 */
export function createSend(options: TransportOptions): Send {
  return async (endpoint, request, dispatcher) => {
    const key = endpointClass(request.method, endpoint);
    options.pauses.check(key);
    if (options.signal?.aborted) throw stopped();
    const call = options.call?.();
    if (call !== undefined) request.headers.set(CALL_HEADER, call);
    const signal = options.signal ? AbortSignal.any([request.signal, options.signal]) : undefined;
    let response: Response;
    try {
      response = await fetch(request, {
        ...(signal ? { signal } : {}),
        ...(dispatcher ? { dispatcher } : {}),
      } as RequestInit);
    } catch (error) {
      if (options.signal?.aborted) throw stopped(error);
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new GitbeakerTimeoutError('GitLab did not answer in time', { cause: error });
      }
      throw error;
    }
    if (response.status === 429 || response.status === 503) {
      options.pauses.observe(key, response.status, waitAsked(response.headers, options.now()));
    }
    return response;
  };
}

function stopped(cause?: unknown): GitlabStoppedError {
  return new GitlabStoppedError('the request was ended because the bot is stopping', undefined, 0, {
    cause,
  });
}

/** Retry-After, else (429) RateLimit-Reset, in milliseconds from now. */
export function waitAsked(headers: Headers, now: number): number | undefined {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = Number(headers.get('ratelimit-reset'));
  return headers.has('ratelimit-reset') && Number.isFinite(reset)
    ? Math.max(0, reset * 1000 - now)
    : undefined;
}

interface HandlerOptions {
  method?: string;
  prefixUrl?: string;
  searchParams?: string;
  headers?: Record<string, string>;
  body?: string | FormData;
  asStream?: boolean;
  signal?: AbortSignal;
  agent?: unknown;
  rateLimiters?: RateLimiters;
}

/**
 * gitbeaker's requester with one attempt per request: its own handler
 * repeats a 429 or 502 ten times within a fraction of a second, whatever
 * Retry-After says.
 */
export function restRequesterFn(send: Send): (resource: ResourceOptions) => RequesterType {
  return createRequesterFn(
    (_resource, requestOptions) => Promise.resolve(requestOptions),
    async (endpoint, raw = {}) => {
      const options = raw as HandlerOptions;
      const method = options.method ?? 'GET';
      const base = options.prefixUrl ?? '';
      const url = new URL(endpoint, base.endsWith('/') ? base : `${base}/`);
      url.search = options.searchParams ?? '';
      await getMatchingRateLimiter(endpoint, options.rateLimiters, method)();
      const request = new Request(url, {
        method,
        ...(options.headers ? { headers: options.headers } : {}),
        ...(options.body !== undefined ? { body: options.body } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const response = await send(url.pathname, request, options.agent);
      if (!response.ok) throw await requestError(request, response);
      return formatted(response, options.asStream ?? false);
    },
  );
}

async function formatted(response: Response, asStream: boolean): Promise<FormattedResponse> {
  const headers = Object.fromEntries(response.headers.entries());
  const base = { headers, status: response.status };
  if (asStream) return { ...base, body: response.body as ReadableStream };
  if (response.status === 204) return { ...base, body: null };
  const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (type === 'application/json') {
    const text = await response.text();
    return { ...base, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }
  if (type.startsWith('text/')) return { ...base, body: await response.text() };
  return { ...base, body: await response.blob() };
}

/** The error gitbeaker would throw, so the mapping in map-error.ts applies to both. */
async function requestError(request: Request, response: Response): Promise<Error> {
  const text = await response.text().catch(() => '');
  let description = text;
  if ((response.headers.get('content-type') ?? '').includes('application/json')) {
    try {
      const parsed = JSON.parse(text) as { error?: unknown; message?: unknown } | null;
      const said = parsed?.error ?? parsed?.message ?? '';
      description = typeof said === 'string' ? said : JSON.stringify(said);
    } catch {
      // not JSON after all: keep the text
    }
  }
  return new GitbeakerRequestError(description, { cause: { description, request, response } });
}
