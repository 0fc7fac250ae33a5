import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PatternProblem } from '../errors.js';

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

/** The pattern files (*.yaml, *.yml) under `dir`, sorted; problems are collected, not thrown. */
export function listPatternFiles(dir: string, problems: PatternProblem[]): string[] {
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
    // In code-unit order: the same as the locale's for kebab-case names, and no collator to load at start-up.
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      // `folder` is resolved and a name holds no separator: no need to normalise (see `pathWithin`).
      const path = folder.endsWith(sep) ? folder + entry.name : folder + sep + entry.name;
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

/**
 * `file`'s path from `dir`, as `path.relative` gives it. A file listed from
 * the folder starts with it, so that is a cut: `relative` normalises both
 * paths, and run for every file at start-up it is hot enough for the JIT to
 * compile, at a cost larger than its work.
 */
export function pathWithin(dir: string, file: string): string {
  return file.startsWith(dir + sep) ? file.slice(dir.length + 1) : relative(dir, file);
}
