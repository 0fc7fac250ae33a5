import { basename, extname } from 'node:path';
import type { PatternProblem } from '../errors.js';
import type { PatternBudget } from './budget.js';
import type { CompiledRule, Pattern, PatternLibrary } from './library.js';
import { checkRegex, countGroups, lazyRegex, type RuleRegex } from './regex.js';
import { createRuleScanner } from './scan.js';
import type { PatternFile } from './schema.js';

/**
 * How a file's regexes are compiled: `eager` in full now (user folders: few
 * rules, and any problem shows at load); `checked` checked now and compiled
 * on first use (the built-in library); `trusted` not checked again, because
 * the build checked these very files (see library-cache.ts).
 */
export type CompileMode = 'eager' | 'checked' | 'trusted';

/** How one file is compiled; an eager file's regexes are also charged to the user folders' budget. */
export interface CompileOptions {
  mode: CompileMode;
  budget?: PatternBudget;
}

/**
 * Turns a validated pattern file into a pattern: checks that its id is its
 * file name and compiles its rules. Problems are collected, not thrown.
 */
export function compilePattern(
  data: PatternFile,
  file: string,
  shown: string,
  problems: PatternProblem[],
  how: CompileOptions,
): Pattern | undefined {
  const before = problems.length;
  const expectedId = basename(file, extname(file));
  if (data.id !== expectedId) {
    problems.push({
      file: shown,
      field: 'id',
      reason: `"${data.id}" must equal the file name "${expectedId}"`,
    });
  }
  const rules = data.match.map((rule, index) =>
    compileRule(rule, `match.${index}`, shown, problems, how),
  );
  if (problems.length > before) return undefined;
  return { ...data, file: shown, rules: rules as CompiledRule[] };
}

export function buildLibrary(list: Pattern[]): PatternLibrary {
  // Ids are kebab-case ASCII: code-unit order is their locale order, without loading the collator.
  const patterns = [...list].sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let maxContext = 0;
  for (const pattern of patterns) {
    for (const rule of pattern.rules) {
      for (const context of rule.context) maxContext = Math.max(maxContext, context.within);
    }
  }
  return {
    patterns,
    byId: new Map(patterns.map((p) => [p.id, p])),
    scanner: createRuleScanner(patterns),
    maxContext,
  };
}

function compileRule(
  rule: PatternFile['match'][number],
  field: string,
  file: string,
  problems: PatternProblem[],
  how: CompileOptions,
): CompiledRule | undefined {
  const regex = compileChecked(rule.regex, rule.flags, `${field}.regex`, file, problems, how);
  const unless = rule.unless
    ? compileChecked(rule.unless, rule.flags, `${field}.unless`, file, problems, how)
    : undefined;
  const context = (rule.context ?? []).map((ctx, i) => {
    const { regex: source, flags, unless: exclude, ...rest } = ctx;
    const at = `${field}.context.${i}`;
    const re = compileChecked(source, flags, `${at}.regex`, file, problems, how);
    const not = exclude ? compileChecked(exclude, flags, `${at}.unless`, file, problems, how) : undefined;
    if (!re || (exclude && !not)) return undefined;
    return not ? { ...rest, regex: re, unless: not } : { ...rest, regex: re };
  });
  if (!regex || (rule.unless && !unless) || context.some((c) => !c)) return undefined;
  const compiled: CompiledRule = { regex, context: context as CompiledRule['context'] };
  if (unless) compiled.unless = unless;
  if (rule.sections) compiled.sections = new Set(rule.sections);
  if (rule.runnerPrefix !== undefined) compiled.runnerPrefix = rule.runnerPrefix;
  if (rule.transient) compiled.transient = true;
  return compiled;
}

/**
 * Checks a regex for RE2; what RE2 cannot run, a regex with unnamed groups,
 * or one past the budget is a problem.
 */
function compileChecked(
  source: string,
  flags: string | undefined,
  field: string,
  file: string,
  problems: PatternProblem[],
  { mode, budget }: CompileOptions,
): RuleRegex | undefined {
  if (mode === 'trusted') return lazyRegex(source, flags);
  let regex: RuleRegex;
  try {
    regex = checkRegex(source, flags, mode === 'eager');
  } catch (error) {
    problems.push({ file, field, reason: (error as Error).message });
    return undefined;
  }
  const { captures, named } = countGroups(source);
  if (captures > named) {
    problems.push({
      file,
      field,
      reason: 'use named groups (?<name>…) for fields and (?:…) for the rest',
    });
    return undefined;
  }
  const refused = budget?.charge(source, flags);
  if (refused) {
    problems.push({ file, field, reason: refused });
    return undefined;
  }
  return regex;
}
