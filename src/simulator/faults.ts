/** Injected failures: rate limits, server errors and hangs, consumed in order. */
import { STATUS_CODES } from 'node:http';
import type { ApiResponse } from './http.js';

/**
 * A failure to inject. `path` is tested against the request path after `/api/v4`, both raw
 * (`/projects/team%2Fapp/jobs`) and percent-decoded (`/projects/team/app/jobs`), without the
 * query string; either matching is enough. Each use decrements `times` (default 1); exhausted
 * faults are removed from `Simulator.faults`.
 */
export interface Fault {
  /** HTTP method to match (any when omitted). */
  method?: string;
  path: RegExp;
  /** Tested against the request body as JSON (a GraphQL query or mutation is told by it). */
  requestBody?: RegExp;
  status: number;
  /** How many requests to fail; default 1. */
  times?: number;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  /** Hang this long before answering (to trigger client timeouts). */
  delayMs?: number;
  /** Response body; a string is sent as `contentType` (text/plain by default), anything else as JSON. */
  body?: unknown;
  /** Content type of a string `body` (`application/json` with a broken body: malformed JSON). */
  contentType?: string;
  /**
   * Handle the request as GitLab would first (a write is made), then answer with the fault:
   * GitLab did the work and the client never learnt it (with `delayMs`, a client timeout).
   */
  apply?: boolean;
  /** Close the connection without an answer (after `delayMs`), as a reset or a dropped proxy. */
  reset?: boolean;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function matches(fault: Fault, method: string, apiPath: string, body: string): boolean {
  if (fault.method !== undefined && fault.method.toUpperCase() !== method) return false;
  if ((fault.times ?? 1) <= 0) return false;
  if (fault.requestBody) {
    fault.requestBody.lastIndex = 0;
    if (!fault.requestBody.test(body)) return false;
  }
  // A /g or /y regex keeps state between calls; reset it so matching is repeatable.
  fault.path.lastIndex = 0;
  if (fault.path.test(apiPath)) return true;
  fault.path.lastIndex = 0;
  return fault.path.test(safeDecode(apiPath));
}

/** Finds the first applicable fault, consumes one use of it, and returns it. */
export function takeFault(
  faults: Fault[],
  method: string,
  apiPath: string,
  body: unknown = undefined,
): Fault | undefined {
  const text = body === undefined ? '' : JSON.stringify(body);
  const fault = faults.find((f) => matches(f, method, apiPath, text));
  if (!fault) return undefined;
  fault.times = (fault.times ?? 1) - 1;
  if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
  return fault;
}

/**
 * The response GitLab (or the proxy in front of it) would send: Rack::Attack's plain
 * `Retry later` for 429, `{"message":"<code> <reason>"}` otherwise.
 */
export function faultResponse(fault: Fault): ApiResponse {
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
  if (typeof fault.body === 'string') {
    if (fault.contentType) headers['Content-Type'] = fault.contentType;
    return { status: fault.status, text: fault.body, headers };
  }
  if (fault.body !== undefined) return { status: fault.status, json: fault.body, headers };
  if (fault.status === 429) return { status: 429, text: 'Retry later\n', headers };
  const reason = STATUS_CODES[fault.status] ?? 'Error';
  return { status: fault.status, json: { message: `${fault.status} ${reason}` }, headers };
}
