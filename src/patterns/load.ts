import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { PatternLibraryError, type PatternProblem } from '../errors.js';
import { createPatternBudget } from './budget.js';
import { buildLibrary, compilePattern, type CompileOptions } from './compile.js';
import type { Pattern, PatternLibrary } from './library.js';
import { compileCached, readPatternCache, type PatternCache } from './library-cache.js';
import { builtinPatternDir, listPatternFiles, pathWithin } from './pattern-files.js';
import { PatternFile } from './schema.js';

/**
 * Loads pattern folders in order; a later folder's pattern replaces an
 * earlier one with the same id (so users can override a built-in). Any
 * problem in any file fails the whole load: nothing runs on half a library.
 */
export function loadLibrary(dirs: string[] = [builtinPatternDir()]): PatternLibrary {
  const problems: PatternProblem[] = [];
  const byId = new Map<string, Pattern>();
  const builtin = builtinPatternDir();
  // One budget for every user folder together.
  const budget = createPatternBudget();
  for (const dir of dirs) {
    const seenHere = new Map<string, string>();
    const isBuiltin = resolve(dir) === builtin;
    // Built-in files unchanged since the build are read from its cache instead of parsed.
    const cache = isBuiltin ? readPatternCache() : undefined;
    for (const file of listPatternFiles(dir, problems)) {
      const how: CompileOptions = isBuiltin ? { mode: 'checked' } : { mode: 'eager', budget };
      const pattern = loadPatternFile(file, problems, how, cache);
      if (!pattern) continue;
      const earlier = seenHere.get(pattern.id);
      if (earlier) {
        problems.push({ file, field: 'id', reason: `"${pattern.id}" is also defined in ${earlier}` });
        continue;
      }
      seenHere.set(pattern.id, file);
      byId.set(pattern.id, pattern);
    }
  }
  if (problems.length > 0) throw new PatternLibraryError(problems);
  if (byId.size === 0) {
    throw new PatternLibraryError([
      { file: dirs.join(', '), field: '(folder)', reason: 'no pattern files (*.yaml) found' },
    ]);
  }
  return buildLibrary([...byId.values()]);
}

/** Parses, validates and compiles one file; problems are collected, not thrown. */
export function loadPatternFile(
  file: string,
  problems: PatternProblem[],
  how: CompileOptions = { mode: 'eager', budget: createPatternBudget() },
  cache?: PatternCache,
): Pattern | undefined {
  const shown = pathWithin(process.cwd(), file) || file;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    problems.push({ file: shown, field: '(file)', reason: `cannot be read: ${String(error)}` });
    return undefined;
  }
  const cached = cache?.entry(file, bytes);
  if (cached) return compileCached(cached, file, shown, problems);
  const data = parsePatternText(bytes.toString('utf8'), shown, problems);
  return data && compilePattern(data, file, shown, problems, how);
}

/** A pattern file's YAML, validated against the schema; undefined (with problems) when it is not valid. */
export function parsePatternText(
  text: string,
  shown: string,
  problems: PatternProblem[],
): PatternFile | undefined {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      problems.push({ file: shown, field: '(yaml)', reason: error.message.split('\n')[0] ?? '' });
    }
    return undefined;
  }
  const parsed = PatternFile.safeParse(doc.toJS());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ file: shown, field: issue.path.join('.') || '(root)', reason: issue.message });
    }
    return undefined;
  }
  return parsed.data;
}
