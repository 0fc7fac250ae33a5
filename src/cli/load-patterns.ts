import { PatternLibraryError } from '../errors.js';
import type { PatternLibrary } from '../patterns/library.js';
import { builtinPatternDir, loadLibrary } from '../patterns/load.js';
import { CliExit } from './exit.js';

/** Loads the built-in library plus the user's folders, or stops with every problem listed. */
export function loadPatternsOrExit(extraDirs: string[] = []): PatternLibrary {
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
