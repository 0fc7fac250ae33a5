import { classify } from './classify.js';
import { buildLibrary } from './compile.js';
import type { Pattern, PatternLibrary } from './library.js';

export interface ExampleResult {
  pattern: string;
  file: string;
  example: string;
  ok: boolean;
  /** Why it failed, in one line. */
  problem?: string;
}

/**
 * Runs every embedded example. A positive example must be won by its own
 * pattern against the whole library (so one pattern never silently hides
 * another); a negative one must not match its pattern at all.
 */
export function runExamples(library: PatternLibrary): ExampleResult[] {
  const results: ExampleResult[] = [];
  const alone = new Map<string, PatternLibrary>();
  const libraryOf = (pattern: Pattern) => {
    let lib = alone.get(pattern.id);
    if (!lib) {
      lib = buildLibrary([pattern]);
      alone.set(pattern.id, lib);
    }
    return lib;
  };

  for (const pattern of library.patterns) {
    for (const example of pattern.examples) {
      const base = { pattern: pattern.id, file: pattern.file, example: example.name };
      const problem = example.expect.match
        ? checkPositive(pattern, example, library)
        : checkNegative(pattern, example, libraryOf(pattern));
      results.push(problem ? { ...base, ok: false, problem } : { ...base, ok: true });
    }
  }
  return results;
}

function checkPositive(
  pattern: Pattern,
  example: Pattern['examples'][number],
  library: PatternLibrary,
): string | undefined {
  const { diagnosis, matches } = classify(example.log, library);
  if (!diagnosis) return 'no pattern matched';
  if (diagnosis.pattern !== pattern.id) {
    const own = matches.find((m) => m.pattern === pattern.id);
    return own
      ? `"${diagnosis.pattern}" (priority ${diagnosis.priority}) wins over this pattern (line ${own.line})`
      : `"${diagnosis.pattern}" matched and this pattern did not`;
  }
  for (const [name, want] of Object.entries(example.expect.fields ?? {})) {
    const got = diagnosis.fields[name];
    if (got !== want) return `field ${name}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`;
  }
  const wantPrefix = example.expect.runnerPrefix;
  if (wantPrefix !== undefined && diagnosis.runnerPrefix !== wantPrefix) {
    return `runnerPrefix: expected ${wantPrefix}, got ${diagnosis.runnerPrefix}`;
  }
  return undefined;
}

function checkNegative(
  pattern: Pattern,
  example: Pattern['examples'][number],
  alone: PatternLibrary,
): string | undefined {
  const { diagnosis } = classify(example.log, alone);
  return diagnosis
    ? `matched line ${diagnosis.line} but must not: ${diagnosis.text.slice(0, 120)}`
    : undefined;
}
