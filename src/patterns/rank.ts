import type { PatternLibrary } from './library.js';

/** The fallback pattern: a failed job's last runner line, the bare exit code. */
export const FALLBACK_PATTERN = 'script-failure';

/** What ranking reads of a match (see `Match` in classify.ts). */
export interface RankedMatch {
  pattern: string;
  priority: number;
  line: number;
  runnerPrefix: boolean;
  transient?: true;
}

/** What the classifier knows about the whole job once it has read the log. */
export interface JobFacts {
  /** The job's script started (a `$ ` line, the script banner or its section). */
  scriptStarted: boolean;
  /** GitLab's `failure_reason` for the job, when the caller knows it. */
  failureReason?: string | undefined;
}

/**
 * Orders matches the way an engineer reads a failed log:
 *
 * 1. a pattern that GitLab's `failure_reason` points at (`failureReasons`);
 * 2. then anything the job did not go on from: a `transient` match (a retry,
 *    a warning) is recovered from when the runner went on to the script
 *    after it, or when another failure was reported more than
 *    `WENT_ON_AFTER_LINES` lines later; it ranks after every other match;
 * 3. then the highest priority, then the earliest line.
 *
 * A recovered transient match never becomes the diagnosis: the job went on
 * after it, so it is not why the job failed.
 */
export function rankMatches<M extends RankedMatch>(
  matches: readonly M[],
  facts: JobFacts,
  library: PatternLibrary,
): { diagnosis: M | null; matches: M[] } {
  const pointed = (m: M) =>
    facts.failureReason !== undefined &&
    (library.byId.get(m.pattern)?.failureReasons ?? []).includes(facts.failureReason);
  const recovered = (m: M) => recoveredFrom(m, facts, matches);
  const ranked = [...matches].sort(
    (a, b) =>
      Number(pointed(b)) - Number(pointed(a)) ||
      Number(recovered(a)) - Number(recovered(b)) ||
      b.priority - a.priority ||
      a.line - b.line ||
      a.pattern.localeCompare(b.pattern),
  );
  return { diagnosis: ranked.find((m) => !recovered(m)) ?? null, matches: ranked };
}

/** How many lines later another failure must be reported for a warning to count as passed. */
export const WENT_ON_AFTER_LINES = 10;

/**
 * A transient match the job went on from: the runner warned, then started
 * the script; or another failure (not the runner's bare exit code) was
 * reported well after it, so the job kept working past the warning.
 */
export function recoveredFrom(
  match: RankedMatch,
  facts: JobFacts,
  others: readonly RankedMatch[] = [],
): boolean {
  if (match.transient !== true) return false;
  if (match.runnerPrefix && facts.scriptStarted) return true;
  return others.some(
    (o) =>
      o.transient !== true &&
      o.pattern !== FALLBACK_PATTERN &&
      o.line > match.line + WENT_ON_AFTER_LINES,
  );
}
