import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { prestartSetWorker } from './set-worker.js';

/**
 * The build's caches of the built-in pattern files (see library-cache.ts),
 * read once. This module loads nothing else, so that a command can start the
 * set worker from it before the engine is loaded. The worker's set has a
 * file of its own: it is wanted first, and is a small part of the whole.
 */
const PATTERNS = new URL('./builtin-patterns.json', import.meta.url);
const SET = new URL('./builtin-set.json', import.meta.url);

let read: { json: unknown } | undefined;

/** The pattern cache's parsed JSON, or undefined when there is none (the TypeScript sources) or it does not parse. */
export function readCacheJson(): unknown {
  read ??= { json: readJson(PATTERNS) };
  return read.json;
}

/**
 * Writes the caches (at build time), ASCII only: a string with other
 * characters is decoded and parsed on a slower path at every start.
 */
export function writeCacheJson(patterns: unknown, set: unknown): void {
  writeFileSync(PATTERNS, asciiJson(patterns));
  if (set === undefined) rmSync(SET, { force: true });
  else writeFileSync(SET, asciiJson(set));
}

/**
 * Starts the built-in library's set worker from the cache, in parallel with
 * loading the library; the scanner takes it only if its set is the very same.
 */
export function prestartCachedSetWorker(): void {
  const set = readJson(SET) as { sources?: unknown; maxMem?: unknown; capacity?: unknown } | undefined;
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

function readJson(file: URL): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function asciiJson(value: unknown): string {
  const json = JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `${json}\n`;
}
