import { PatternLibraryError } from '../errors.js';
import type { PatternLibrary } from '../patterns/library.js';
import { loadCachedBuiltins } from '../patterns/library-cache.js';
import { builtinPatternDir } from '../patterns/pattern-files.js';
import { CliExit } from './exit.js';

/**
 * Loads the built-in library plus the user's folders, or stops with every
 * problem listed. The built-in library alone comes from the build's cache
 * when it can, without loading the YAML parser and the schema at all.
 */
export async function loadPatternsOrExit(extraDirs: string[] = []): Promise<PatternLibrary> {
  const cached = extraDirs.length === 0 ? loadCachedBuiltins() : undefined;
  if (cached) return cached;
  const { loadLibrary } = await import('../patterns/load.js');
  try {
    return loadLibrary([builtinPatternDir(), ...extraDirs]);
  } catch (error) {
    if (error instanceof PatternLibraryError) {
      throw new CliExit(2, `${error.message}\nFix the files above; nothing was run.`);
    }
    throw error;
  }
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
