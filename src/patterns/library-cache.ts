import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { PatternProblem } from '../errors.js';
import { buildLibrary, compilePattern } from './compile.js';
import type { Pattern, PatternLibrary } from './library.js';
import { builtinPatternDir, listPatternFiles } from './pattern-files.js';
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

interface CacheFile {
  schema: string;
  files: Record<string, { sha256: string; data: PatternFile }>;
}

export interface PatternCache {
  /** The cached data of a built-in file, when `text` is what it was made from. */
  lookup(file: string, text: string): PatternFile | undefined;
}

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

function schemaFingerprint(): string | undefined {
  try {
    return sha256(readFileSync(SCHEMA));
  } catch {
    return undefined;
  }
}

export function readPatternCache(): PatternCache | undefined {
  const schema = schemaFingerprint();
  if (!schema) return undefined;
  let cache: CacheFile;
  try {
    cache = JSON.parse(readFileSync(CACHE, 'utf8')) as CacheFile;
  } catch {
    return undefined;
  }
  if (cache.schema !== schema) return undefined;
  const dir = builtinPatternDir();
  return {
    lookup(file, text) {
      const entry = cache.files[relative(dir, file)];
      return entry && entry.sha256 === sha256(text) ? entry.data : undefined;
    },
  };
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
    const data = cache.lookup(file, readFileSync(file, 'utf8'));
    const pattern = data && compilePattern(data, file, relative(process.cwd(), file) || file, problems, { mode: 'trusted' });
    if (!pattern || ids.has(pattern.id)) return undefined;
    ids.add(pattern.id);
    patterns.push(pattern);
  }
  return problems.length === 0 && patterns.length > 0 ? buildLibrary(patterns) : undefined;
}

/** Writes the cache for the given built-in files and their validated data (at build time). */
export function writePatternCache(entries: { file: string; text: string; data: PatternFile }[]): void {
  const schema = schemaFingerprint();
  if (!schema) throw new Error('the pattern cache is made from the compiled schema (run the build)');
  const dir = builtinPatternDir();
  const files: CacheFile['files'] = {};
  for (const { file, text, data } of entries) {
    files[relative(dir, file)] = { sha256: sha256(text), data };
  }
  writeFileSync(CACHE, `${JSON.stringify({ schema, files } satisfies CacheFile)}\n`);
}
