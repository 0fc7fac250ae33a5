import { readFileSync } from 'node:fs';
import type { PatternProblem } from '../errors.js';
import { hasCache, readCache, writeCache } from './cache-file.js';
import { buildLibrary, compilePattern } from './compile.js';
import type { Pattern, PatternLibrary } from './library.js';
import { builtinPatternDir, listPatternFiles, pathWithin } from './pattern-files.js';
import { scanSource, type WorkerSet } from './scan.js';
import type { Example, PatternFile } from './schema.js';

/**
 * The built-in pattern files, parsed and validated at build time. Parsing
 * the YAML and loading the schema's validator take longer than classifying
 * a large log, so a compiled bot reads this instead, file by file, for every
 * file whose bytes are still the bytes it was made from. Only files whose
 * regexes passed every check at build time are in it. It belongs to the
 * compiled schema it was made with: any other schema ignores it, and the
 * TypeScript sources (tests) never have one.
 */
const SCHEMA = new URL('./schema.js', import.meta.url);

/** A file in the cache: its data without its examples (see cache-file.ts). */
export interface CachedFile {
  /** Where the file's bytes are in the bytes cache: compared as they are, which costs less than loading a hash. */
  at: number;
  length: number;
  data: Omit<PatternFile, 'examples'>;
  /** Each rule's member of the scanner's set (see `scanSource`), so that it is not worked out at each start. */
  scan?: string[];
}

interface CacheFile {
  schema: string;
  files: Record<string, CachedFile>;
}

export interface PatternCache {
  /** The cached file, when `bytes` are what it was made from. */
  entry(file: string, bytes: Buffer): CachedFile | undefined;
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
  const cache = readCache('patterns') as CacheFile | undefined;
  const built = readCache('bytes');
  // The examples are read later, by the commands that want them: they must be there now.
  if (!cache || cache.schema !== schema || !built || !hasCache('examples')) return undefined;
  const dir = builtinPatternDir();
  return {
    entry(file, bytes) {
      const found = cache.files[pathWithin(dir, file)];
      return found && bytes.equals(built.subarray(found.at, found.at + found.length)) ? found : undefined;
    },
  };
}

/**
 * Compiles a cached file as the build checked it. Its examples are read
 * from their cache when first asked for: only the commands that test
 * patterns read them.
 */
export function compileCached(
  cached: CachedFile,
  file: string,
  shown: string,
  problems: PatternProblem[],
): Pattern | undefined {
  const pattern = compilePattern({ ...cached.data, examples: [] }, file, shown, problems, { mode: 'trusted' });
  if (!pattern) return undefined;
  const { scan } = cached;
  const scanned =
    scan?.length === pattern.rules.length
      ? { ...pattern, rules: pattern.rules.map((rule, i) => ({ ...rule, regex: { ...rule.regex, scan: scan[i] } })) }
      : pattern;
  let examples: Example[] | undefined;
  return Object.defineProperty(scanned, 'examples', {
    enumerable: true,
    configurable: true,
    get: () => (examples ??= cachedExamples(pattern.id)),
  });
}

function cachedExamples(id: string): Example[] {
  const examples = (readCache('examples') as Record<string, Example[]> | undefined)?.[id];
  if (!examples) {
    throw new Error(`the build's examples of the pattern ${id} are missing (builtin-examples.json): run npm run build`);
  }
  return examples;
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
    const pattern = entry && compileCached(entry, file, pathWithin(process.cwd(), file) || file, problems);
    if (!pattern || ids.has(pattern.id)) return undefined;
    ids.add(pattern.id);
    patterns.push(pattern);
  }
  return problems.length === 0 && patterns.length > 0 ? buildLibrary(patterns) : undefined;
}

/**
 * Writes the caches for the given built-in files, their validated data and
 * their compiled patterns, and the whole library's set (at build time).
 */
export function writePatternCache(
  entries: { file: string; bytes: Buffer; data: PatternFile; pattern: Pattern }[],
): void {
  const schema = schemaFingerprint();
  if (!schema) throw new Error('the pattern cache is made from the compiled schema (run the build)');
  const dir = builtinPatternDir();
  const files: CacheFile['files'] = {};
  const examples: Record<string, Example[]> = {};
  let at = 0;
  for (const { file, bytes, data, pattern } of entries) {
    const { examples: own, ...rest } = data;
    files[pathWithin(dir, file)] = {
      at,
      length: bytes.length,
      data: rest,
      scan: pattern.rules.map((rule) => scanSource(rule.regex)),
    };
    examples[data.id] = own;
    at += bytes.length;
  }
  const set: WorkerSet | undefined =
    entries.length > 0 ? buildLibrary(entries.map((e) => e.pattern)).scanner.workerSet?.() : undefined;
  writeCache({
    set,
    patterns: { schema, files } satisfies CacheFile,
    bytes: Buffer.concat(entries.map((e) => e.bytes)),
    examples,
  });
}
