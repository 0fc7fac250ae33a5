import { RE2 } from './re2.js';
import { inlineFlags } from './regex.js';

/**
 * What the user's pattern folders may ask of the engine, checked at load so
 * that a pattern file cannot make the bot's memory grow without bound. RE2
 * compiles a regex within a memory limit (its max_mem, of which the program
 * may take about a quarter); the smallest of the steps below a regex compiles
 * within is what it is charged. Every built-in regex fits the per-regex limit.
 */
export const PATTERN_BUDGET = {
  /** Regexes (match, unless and context regexes) in all user folders together. */
  regexes: 1000,
  /** RE2 memory one regex must compile within. */
  regexMemory: 2 << 20,
  /** RE2 memory the regexes of all user folders may be charged together. */
  totalMemory: 64 << 20,
} as const;

const STEPS = [64 << 10, 256 << 10, 1 << 20, PATTERN_BUDGET.regexMemory];

const mib = (bytes: number) => `${+(bytes / 2 ** 20).toFixed(2)} MiB`;

/** The smallest step of RE2 memory `source` compiles within, or undefined when it needs more than the limit. */
export function regexMemory(source: string, flags = ''): number | undefined {
  const inline = inlineFlags(source, flags);
  return STEPS.find((maxMem) => {
    try {
      new RE2.Set([inline], 'm', { maxMem });
      return true;
    } catch {
      return false;
    }
  });
}

export interface PatternBudget {
  /** Charges one user regex; returns why it is refused, or undefined when it fits. */
  charge(source: string, flags?: string): string | undefined;
}

/** The budget of one load of the library: it counts across every user folder. */
export function createPatternBudget(): PatternBudget {
  let regexes = 0;
  let memory = 0;
  return {
    charge(source, flags) {
      regexes += 1;
      if (regexes > PATTERN_BUDGET.regexes) {
        return `is regex number ${regexes} of the user pattern folders; at most ${PATTERN_BUDGET.regexes} are allowed (pattern budget)`;
      }
      const needs = regexMemory(source, flags);
      if (needs === undefined) {
        return `does not compile within RE2's memory limit of ${mib(PATTERN_BUDGET.regexMemory)} per regex (pattern budget): use shorter counted repetitions ({1,300} rather than {1,5000}), fewer alternatives, or split it into several rules`;
      }
      memory += needs;
      if (memory > PATTERN_BUDGET.totalMemory) {
        return `takes the RE2 memory of the user pattern folders past their limit of ${mib(PATTERN_BUDGET.totalMemory)} together (pattern budget): use fewer or smaller regexes`;
      }
      return undefined;
    },
  };
}
