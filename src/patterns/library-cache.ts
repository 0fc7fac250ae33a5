import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { PatternProblem } from '../errors.js';
import { readCacheJson } from './cache-file.js';
import { buildLibrary, compilePattern } from './compile.js';
import type { Pattern, PatternLibrary } from './library.js';
import { builtinPatternDir, listPatternFiles } from './pattern-files.js';
import { scanSource, type WorkerSet } from './scan.js';
import type { PatternFile } from './schema.js';

/**
 * The built-in pattern files, parsed and validated at build time. Parsing
 * the YAML and loading the schema's validator take longer than classifying
 * a large log, so a compiled bot reads this instead, file by file, for every
 * file whose text is still the text it was made from. Only files whose
 * regexes passed every check at build time are in it. It belongs to the
 * compiled schema it was made with: any other schema ignores it, and the
 * TypeScript sources (tests) never have one.
 */
const CACHE = new URL('./builtin-patterns.json', import.meta.url);
const SCHEMA = new URL('./schema.js', import.meta.url);

interface CacheEntry {
  /** The file's text it was made from: compared as it is, which costs less than loading a hash. */
  text: string;
  data: PatternFile;
  /** Each rule's member of the scanner's set (see `scanSource`), so that it is not worked out at each start. */
  scan?: string[];
}

interface CacheFile {
  schema: string;
  files: Record<string, CacheEntry>;
  /** The whole library's set worker, started before the library loads (see `prestartCachedSetWorker`). */
  worker?: WorkerSet;
}

export interface PatternCache {
  /** The cached data of a built-in file, when `text` is what it was made from. */
  lookup(file: string, text: string): PatternFile | undefined;
  /** The same, with its rules' set members. */
  entry(file: string, text: string): CacheEntry | undefined;
}

/** The compiled schema's own text, which the cache belongs to. */
function schemaFingerprint(): string | undefined {
  try {
    return readFileSync(SCHEMA, 'utf8');
  } catch {
    return undefined;
  }
}

export function readPatternCache(): PatternCache | undefined {
  const schema = schemaFingerprint();
  if (!schema) return undefined;
  const cache = readCacheJson() as CacheFile | undefined;
  if (!cache || cache.schema !== schema) return undefined;
  const dir = builtinPatternDir();
  const entry = (file: string, text: string) => {
    const found = cache.files[relative(dir, file)];
    return found && found.text === text ? found : undefined;
  };
  return { entry, lookup: (file, text) => entry(file, text)?.data };
}

/**
 * The built-in library from the cache alone, without loading the YAML parser
 * or the schema; undefined when any file is not in it (then parse them).
 */
export function loadCachedBuiltins(): PatternLibrary | undefined {
  const cache = readPatternCache();
  if (!cache) return undefined;
  const problems: PatternProblem[] = [];
  const patterns: Pattern[] = [];
  const ids = new Set<string>();
  for (const file of listPatternFiles(builtinPatternDir(), problems)) {
    const entry = cache.entry(file, readFileSync(file, 'utf8'));
    const pattern = entry && compilePattern(entry.data, file, relative(process.cwd(), file) || file, problems, { mode: 'trusted' });
    if (!pattern || ids.has(pattern.id)) return undefined;
    ids.add(pattern.id);
    const scan = entry.scan;
    patterns.push(
      scan?.length === pattern.rules.length
        ? { ...pattern, rules: pattern.rules.map((rule, i) => ({ ...rule, regex: { ...rule.regex, scan: scan[i] } })) }
        : pattern,
    );
  }
  return problems.length === 0 && patterns.length > 0 ? buildLibrary(patterns) : undefined;
}

/**
 * Writes the cache for the given built-in files, their validated data and
 * their compiled patterns (at build time).
 */
export function writePatternCache(
  entries: { file: string; text: string; data: PatternFile; pattern: Pattern }[],
): void {
  const schema = schemaFingerprint();
  if (!schema) throw new Error('the pattern cache is made from the compiled schema (run the build)');
  const dir = builtinPatternDir();
  const files: CacheFile['files'] = {};
  for (const { file, text, data, pattern } of entries) {
    files[relative(dir, file)] = {
      text,
      data,
      scan: pattern.rules.map((rule) => scanSource(rule.regex)),
    };
  }
  const worker = entries.length > 0 ? buildLibrary(entries.map((e) => e.pattern)).scanner.workerSet?.() : undefined;
  writeFileSync(CACHE, `${JSON.stringify({ schema, files, ...(worker ? { worker } : {}) } satisfies CacheFile)}\n`);
}
