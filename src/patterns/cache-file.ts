import { readFileSync } from 'node:fs';
import { prestartSetWorker } from './set-worker.js';

/**
 * The build's cache of the built-in pattern files (see library-cache.ts),
 * read once. This module loads nothing else, so that a command can start the
 * set worker from it before the engine is loaded.
 */
const CACHE = new URL('./builtin-patterns.json', import.meta.url);

let read: { json: unknown } | undefined;

/** The cache's parsed JSON, or undefined when there is none (the TypeScript sources) or it does not parse. */
export function readCacheJson(): unknown {
  if (!read) {
    try {
      read = { json: JSON.parse(readFileSync(CACHE, 'utf8')) as unknown };
    } catch {
      read = { json: undefined };
    }
  }
  return read.json;
}

/**
 * Starts the built-in library's set worker from the cache, in parallel with
 * loading the library; the scanner takes it only if its set is the very same.
 */
export function prestartCachedSetWorker(): void {
  const json = readCacheJson() as { worker?: { sources?: unknown; maxMem?: unknown; capacity?: unknown } } | undefined;
  const set = json?.worker;
  if (
    set &&
    Array.isArray(set.sources) &&
    set.sources.every((s) => typeof s === 'string') &&
    typeof set.maxMem === 'number' &&
    typeof set.capacity === 'number'
  ) {
    prestartSetWorker(set.sources as string[], set.maxMem, set.capacity);
  }
}
