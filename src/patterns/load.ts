import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import safeRegex from 'safe-regex2';
import { parseDocument } from 'yaml';
import { PatternLibraryError, type PatternProblem } from '../errors.js';
import { toByteString } from './clean-log.js';
import { deriveKeyword, toByteRegexSource } from './keywords.js';
import { createPrefilter, type Keyword } from './prefilter.js';
import type { CompiledRule, Pattern, PatternLibrary } from './library.js';
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
  for (const dir of dirs) {
    const seenHere = new Map<string, string>();
    for (const file of listPatternFiles(dir, problems)) {
      const pattern = loadPatternFile(file, problems);
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
  const keywords = new Map<string, Keyword>();
  let maxContext = 0;
  for (const pattern of patterns) {
    for (const rule of pattern.rules) {
      for (const text of rule.keywords) {
        keywords.set(`${rule.ignoreCase ? 'i' : 'c'}:${text}`, { text, ignoreCase: rule.ignoreCase });
      }
      for (const context of rule.context) maxContext = Math.max(maxContext, context.within);
    }
  }
  return {
    patterns,
    byId: new Map(patterns.map((p) => [p.id, p])),
    prefilter: createPrefilter([...keywords.values()]),
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
export function loadPatternFile(file: string, problems: PatternProblem[]): Pattern | undefined {
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
  const rules = data.match.map((rule, index) => compileRule(rule, `match.${index}`, shown, problems));
  if (problems.length > before) return undefined;
  return { ...data, file: shown, rules: rules as CompiledRule[] };
}

function compileRule(
  rule: PatternFile['match'][number],
  field: string,
  file: string,
  problems: PatternProblem[],
): CompiledRule | undefined {
  const regex = compileRegex(rule.regex, rule.flags, `${field}.regex`, file, problems);
  const context = (rule.context ?? []).map((ctx, i) => ({
    ...ctx,
    regex: compileRegex(ctx.regex, ctx.flags, `${field}.context.${i}.regex`, file, problems),
  }));
  const keywords = rule.keywords ?? [deriveKeyword(rule.regex)].filter((k) => k !== undefined);
  const ignoreCase = (rule.flags ?? '').includes('i');
  if (keywords.length === 0) {
    problems.push({
      file,
      field: `${field}.keywords`,
      reason:
        'the regex has no literal of 3+ characters outside groups; list the words every matching line contains in "keywords"',
    });
  }
  if (!regex || context.some((c) => !c.regex)) return undefined;
  const compiled: CompiledRule = {
    regex,
    keywords: keywords.map((k) => toByteString(ignoreCase ? k.toLowerCase() : k)),
    ignoreCase,
    context: context as CompiledRule['context'],
  };
  if (rule.sections) compiled.sections = new Set(rule.sections);
  if (rule.runnerPrefix !== undefined) compiled.runnerPrefix = rule.runnerPrefix;
  return compiled;
}

function compileRegex(
  source: string,
  flags: string | undefined,
  field: string,
  file: string,
  problems: PatternProblem[],
): RegExp | undefined {
  let regex: RegExp;
  const byteSource = toByteRegexSource(source);
  if (byteSource === undefined) {
    problems.push({
      file,
      field,
      reason: 'non-ASCII characters are only allowed outside [...] classes; spell them out',
    });
    return undefined;
  }
  try {
    regex = new RegExp(byteSource, flags ?? '');
  } catch (error) {
    problems.push({ file, field, reason: `is not a valid regex: ${(error as Error).message}` });
    return undefined;
  }
  if (!safeRegex(regex)) {
    problems.push({
      file,
      field,
      reason: 'may backtrack catastrophically (nested or overlapping repetition); simplify it',
    });
    return undefined;
  }
  const probe = new RegExp(`${byteSource}|`, flags ?? '').exec('');
  const captures = (probe?.length ?? 1) - 1;
  const named = Object.keys(probe?.groups ?? {}).length;
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
