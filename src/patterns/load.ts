import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { PatternLibraryError, type PatternProblem } from '../errors.js';
import type { CompiledRule, Pattern, PatternLibrary } from './library.js';
import { checkRegex, countGroups, type RuleRegex } from './regex.js';
import { createRuleScanner } from './scan.js';
import { PatternFile } from './schema.js';

/** The folder of patterns shipped with the bot (top-level `patterns/`). */
export function builtinPatternDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
      };
      if (manifest.name === 'pipeline-diagnoser') return join(dir, 'patterns');
    } catch {
      // not the package root yet
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the pipeline-diagnoser package folder');
    dir = parent;
  }
}

/**
 * Loads pattern folders in order; a later folder's pattern replaces an
 * earlier one with the same id (so users can override a built-in). Any
 * problem in any file fails the whole load: nothing runs on half a library.
 */
export function loadLibrary(dirs: string[] = [builtinPatternDir()]): PatternLibrary {
  const problems: PatternProblem[] = [];
  const byId = new Map<string, Pattern>();
  const builtin = builtinPatternDir();
  for (const dir of dirs) {
    const seenHere = new Map<string, string>();
    const eager = resolve(dir) !== builtin;
    for (const file of listPatternFiles(dir, problems)) {
      const pattern = loadPatternFile(file, problems, eager);
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

export function buildLibrary(list: Pattern[]): PatternLibrary {
  const patterns = [...list].sort((a, b) => b.priority - a.priority || a.id.localeCompare(b.id));
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

function listPatternFiles(dir: string, problems: PatternProblem[]): string[] {
  const root = resolve(dir);
  let stat;
  try {
    stat = statSync(root);
  } catch {
    problems.push({ file: dir, field: '(folder)', reason: 'does not exist or cannot be read' });
    return [];
  }
  if (!stat.isDirectory()) {
    problems.push({ file: dir, field: '(folder)', reason: 'is not a folder' });
    return [];
  }
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        // <id>.logs/ folders hold real log fixtures, not patterns.
        if (!entry.name.endsWith('.logs')) walk(path);
      } else if (/\.ya?ml$/.test(entry.name)) {
        files.push(path);
      }
    }
  };
  walk(root);
  return files;
}

/** Parses, validates and compiles one file; problems are collected, not thrown. */
export function loadPatternFile(
  file: string,
  problems: PatternProblem[],
  eager = true,
): Pattern | undefined {
  const shown = relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push({ file: shown, field: '(file)', reason: `cannot be read: ${String(error)}` });
    return undefined;
  }
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
  const data = parsed.data;
  const expectedId = basename(file, extname(file));
  if (data.id !== expectedId) {
    problems.push({
      file: shown,
      field: 'id',
      reason: `"${data.id}" must equal the file name "${expectedId}"`,
    });
  }
  const before = problems.length;
  const rules = data.match.map((rule, index) =>
    compileRule(rule, `match.${index}`, shown, problems, eager),
  );
  if (problems.length > before) return undefined;
  return { ...data, file: shown, rules: rules as CompiledRule[] };
}

function compileRule(
  rule: PatternFile['match'][number],
  field: string,
  file: string,
  problems: PatternProblem[],
  eager: boolean,
): CompiledRule | undefined {
  const regex = compileChecked(rule.regex, rule.flags, `${field}.regex`, file, problems, eager);
  const unless = rule.unless
    ? compileChecked(rule.unless, rule.flags, `${field}.unless`, file, problems, eager)
    : undefined;
  const context = (rule.context ?? []).map((ctx, i) => {
    const { regex: source, flags, unless: exclude, ...rest } = ctx;
    const at = `${field}.context.${i}`;
    const re = compileChecked(source, flags, `${at}.regex`, file, problems, eager);
    const not = exclude ? compileChecked(exclude, flags, `${at}.unless`, file, problems, eager) : undefined;
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
 * Checks a regex for RE2; what RE2 cannot run, or a regex with unnamed
 * groups, is a problem. `eager` compiles it in full now (user folders: few
 * rules, and any problem shows at load); built-in rules compile on first use.
 */
function compileChecked(
  source: string,
  flags: string | undefined,
  field: string,
  file: string,
  problems: PatternProblem[],
  eager: boolean,
): RuleRegex | undefined {
  let regex: RuleRegex;
  try {
    regex = checkRegex(source, flags, eager);
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
  return regex;
}
