/** A tiny router over GitLab-style path templates (`/projects/:id/jobs/:job_id`). */
import type { ApiResponse, RequestContext } from './http.js';

/** A route handler: synchronous, because the world is in memory. */
export type Handler = (ctx: RequestContext) => ApiResponse;

/** A method + path template + handler. */
export interface Route {
  method: string;
  template: string;
  segments: string[];
  handler: Handler;
}

/** Declares a route; `template` is relative to `/api/v4`. */
export function route(method: string, template: string, handler: Handler): Route {
  return { method, template, segments: splitPath(template), handler };
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/**
 * Finds the route for a raw (still percent-encoded) path. Parameters are decoded after
 * splitting, so `team%2Fapp` stays one segment like in GitLab.
 */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  rawApiPath: string,
): { route: Route; params: Record<string, string> } | undefined {
  const parts = splitPath(rawApiPath);
  for (const candidate of routes) {
    if (candidate.method !== method || candidate.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (let i = 0; i < parts.length && matched; i += 1) {
      const expected = candidate.segments[i] ?? '';
      const actual = parts[i] ?? '';
      if (expected.startsWith(':')) {
        try {
          params[expected.slice(1)] = decodeURIComponent(actual);
        } catch {
          matched = false;
        }
      } else {
        matched = expected === actual;
      }
    }
    if (matched) return { route: candidate, params };
  }
  return undefined;
}
