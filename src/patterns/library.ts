import type { ContextRule, PatternFile } from './schema.js';

/** A pattern file with its regexes compiled, ready to classify with. */
export interface Pattern extends PatternFile {
  /** The file it was loaded from, for messages. */
  file: string;
  rules: CompiledRule[];
}

export interface CompiledRule {
  regex: RegExp;
  /** Lower-case literals; a line must contain one of them to be tried. */
  keywords: string[];
  sections?: ReadonlySet<string>;
  runnerPrefix?: boolean;
  context: CompiledContext[];
}

export interface CompiledContext extends Omit<ContextRule, 'regex' | 'flags'> {
  regex: RegExp;
}

export interface PatternLibrary {
  /** Highest priority first, then by id, so the first hit is the best. */
  patterns: Pattern[];
  byId: ReadonlyMap<string, Pattern>;
  /** One case-insensitive scan for every keyword of every rule. */
  prefilter: RegExp;
  /** How many lines before a match any context rule looks at. */
  maxContext: number;
}
