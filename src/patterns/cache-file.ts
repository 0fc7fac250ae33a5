import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { prestartSetWorker } from './set-worker.js';

/**
 * The build's caches of the built-in pattern files (see library-cache.ts),
 * each read once. This module loads nothing else, so that a command can
 * start the set worker from it before the engine is loaded. They are apart
 * by when they are wanted: the worker's set first; then the patterns; the
 * files' bytes, to see that each file is still what the cache was made
 * from; the examples only by the commands that test patterns (they are
 * two thirds of the data, and parsing them cost more than the rest).
 */
const FILES = {
  set: new URL('./builtin-set.json', import.meta.url),
  patterns: new URL('./builtin-patterns.json', import.meta.url),
  bytes: new URL('./builtin-patterns.bin', import.meta.url),
  examples: new URL('./builtin-examples.json', import.meta.url),
};

export interface CacheContents {
  set: unknown;
  patterns: unknown;
  bytes: Buffer;
  examples: unknown;
}

const read = new Map<keyof CacheContents, unknown>();

/**
 * A cache's contents, or undefined when there is none (the TypeScript
 * sources) or it does not parse; what was read is kept, a failure is not.
 */
export function readCache<K extends keyof CacheContents>(name: K): CacheContents[K] | undefined {
  if (!read.has(name)) {
    try {
      const bytes = readFileSync(FILES[name]);
      read.set(name, name === 'bytes' ? bytes : (JSON.parse(bytes.toString('utf8')) as unknown));
    } catch {
      return undefined;
    }
  }
  return read.get(name) as CacheContents[K];
}

/** Whether a cache is there, without reading it. */
export function hasCache(name: keyof CacheContents): boolean {
  return read.has(name) || existsSync(FILES[name]);
}

/**
 * Writes the caches (at build time), JSON in ASCII only: a string with
 * other characters is decoded and parsed on a slower path at every start.
 */
export function writeCache(contents: CacheContents): void {
  for (const name of Object.keys(FILES) as (keyof CacheContents)[]) {
    const value = contents[name];
    if (value === undefined) rmSync(FILES[name], { force: true });
    else writeFileSync(FILES[name], Buffer.isBuffer(value) ? value : asciiJson(value));
    read.delete(name);
  }
}

/**
 * Starts the built-in library's set worker from the cache, in parallel with
 * loading the library; the scanner takes it only if its set is the very same.
 */
export function prestartCachedSetWorker(): void {
  const set = readCache('set') as { sources?: unknown; maxMem?: unknown; capacity?: unknown } | undefined;
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

function asciiJson(value: unknown): string {
  const json = JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `${json}\n`;
}
