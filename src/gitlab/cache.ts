import { GitlabNotFoundError } from '../errors.js';
import type { GitlabPort } from './port.js';

/**
 * Caches what rarely changes (projects by path or id, groups, the version)
 * for `ttlMs`, answers included: a missing project stays missing until the
 * entry expires. Everything else passes through. One cache per bot process.
 */
export function withCache(
  port: GitlabPort,
  ttlMs: number,
  now: () => number = Date.now,
): GitlabPort {
  const entries = new Map<string, { until: number; value: Promise<unknown> }>();

  function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = entries.get(key);
    if (hit && hit.until > now()) return hit.value as Promise<T>;
    const value = load();
    entries.set(key, { until: now() + ttlMs, value });
    // Transient failures must not be remembered; "not found" may be.
    value.catch((error: unknown) => {
      if (!(error instanceof GitlabNotFoundError)) entries.delete(key);
    });
    return value;
  }

  return {
    ...port,
    getProject: (idOrPath) =>
      cached(`project:${String(idOrPath).toLowerCase()}`, () => port.getProject(idOrPath)),
    getGroup: (idOrPath) =>
      cached(`group:${String(idOrPath).toLowerCase()}`, () => port.getGroup(idOrPath)),
    version: () => cached('version', () => port.version()),
    currentUser: () => cached('user', () => port.currentUser()),
  };
}
