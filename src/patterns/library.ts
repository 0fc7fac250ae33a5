import type { Prefilter } from './prefilter.js';
import type { ContextRule, PatternFile } from './schema.js';

/** A pattern file with its regexes compiled, ready to classify with. */
export interface Pattern extends PatternFile {
  /** The file it was loaded from, for messages. */
  file: string;
  rules: CompiledRule[];
}

export interface CompiledRule {
  regex: RegExp;
  /** Literals (byte strings; lower case when `ignoreCase`); a line must contain one to be tried. */
  keywords: string[];
  ignoreCase: boolean;
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
  /** One search for every keyword of every rule. */
  prefilter: Prefilter;
  /** How many lines before a match any context rule looks at. */
  maxContext: number;
}
