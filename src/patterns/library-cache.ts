import { readFileSync } from 'node:fs';
import type { PatternProblem } from '../errors.js';
import { readCacheJson, writeCacheJson } from './cache-file.js';
import { buildLibrary, compilePattern } from './compile.js';
import type { Pattern, PatternLibrary } from './library.js';
import { builtinPatternDir, listPatternFiles, pathWithin } from './pattern-files.js';
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
const SCHEMA = new URL('./schema.js', import.meta.url);

interface CacheEntry {
  /**
   * The file's bytes it was made from, in base64: compared as they are,
   * which costs less than loading a hash, and parsed at start faster than
   * the text with its escapes.
   */
  bytes: string;
  data: PatternFile;
  /** Each rule's member of the scanner's set (see `scanSource`), so that it is not worked out at each start. */
  scan?: string[];
}

interface CacheFile {
  schema: string;
  files: Record<string, CacheEntry>;
}

export interface PatternCache {
  /** The cached data of a built-in file, when `bytes` are what it was made from. */
  lookup(file: string, bytes: Buffer): PatternFile | undefined;
  /** The same, with its rules' set members. */
  entry(file: string, bytes: Buffer): CacheEntry | undefined;
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
  const entry = (file: string, bytes: Buffer) => {
    const found = cache.files[pathWithin(dir, file)];
    return found && typeof found.bytes === 'string' && bytes.equals(Buffer.from(found.bytes, 'base64'))
      ? found
      : undefined;
  };
  return { entry, lookup: (file, bytes) => entry(file, bytes)?.data };
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
    const entry = cache.entry(file, readFileSync(file));
    const pattern = entry && compilePattern(entry.data, file, pathWithin(process.cwd(), file) || file, problems, { mode: 'trusted' });
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
 * their compiled patterns, and the whole library's set (at build time).
 */
export function writePatternCache(
  entries: { file: string; bytes: Buffer; data: PatternFile; pattern: Pattern }[],
): void {
  const schema = schemaFingerprint();
  if (!schema) throw new Error('the pattern cache is made from the compiled schema (run the build)');
  const dir = builtinPatternDir();
  const files: CacheFile['files'] = {};
  for (const { file, bytes, data, pattern } of entries) {
    files[pathWithin(dir, file)] = {
      bytes: bytes.toString('base64'),
      data,
      scan: pattern.rules.map((rule) => scanSource(rule.regex)),
    };
  }
  const set: WorkerSet | undefined =
    entries.length > 0 ? buildLibrary(entries.map((e) => e.pattern)).scanner.workerSet?.() : undefined;
  writeCacheJson({ schema, files } satisfies CacheFile, set);
}
