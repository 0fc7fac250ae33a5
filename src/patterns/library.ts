import type { RuleRegex } from './regex.js';
import type { RuleScanner } from './scan.js';
import type { ContextRule, PatternFile } from './schema.js';

/** A pattern file with its regexes compiled, ready to classify with. */
export interface Pattern extends PatternFile {
  /** The file it was loaded from, for messages. */
  file: string;
  rules: CompiledRule[];
}

export interface CompiledRule {
  /** RE2, run on one cleaned line (UTF-8 bytes) at a time. */
  regex: RuleRegex;
  /** A line this also matches is not a match. */
  unless?: RuleRegex;
  sections?: ReadonlySet<string>;
  runnerPrefix?: boolean;
  /** See `MatchRule.transient`. */
  transient?: boolean;
  context: CompiledContext[];
}

export interface CompiledContext extends Omit<ContextRule, 'regex' | 'flags' | 'unless'> {
  regex: RuleRegex;
  unless?: RuleRegex;
}

export interface PatternLibrary {
  /** Highest priority first, then by id, so the first hit is the best. */
  patterns: Pattern[];
  byId: ReadonlyMap<string, Pattern>;
  /** The one pass over each block that finds the lines worth matching. */
  scanner: RuleScanner;
  /** How many lines before a match any context rule looks at. */
  maxContext: number;
}
