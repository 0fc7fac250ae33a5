import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import {
  classify,
  classifyFrom,
  classifyStream,
  type Classification,
  type Match,
} from '../patterns/classify.js';
import type { PatternLibrary } from '../patterns/library.js';
import type { ReadInto } from '../patterns/log-reader.js';
import { classifyPasted, looksPasted, looksQuotedPrintable } from '../patterns/paste.js';
import { collect, loadPatternsOrExit } from './load-patterns.js';
import { isLongLog } from './long-log.js';
import { CliExit } from './exit.js';

export interface ClassifyOptions {
  json?: boolean;
  patterns?: string[];
}

export function registerClassifyCommand(program: Command): void {
  program
    .command('classify')
    .description('say which known failure each job log shows (offline; no GitLab needed)')
    .argument('<file...>', 'job log files as GitLab returns them; - reads standard input')
    .option('--json', 'one JSON object per file and line')
    .option('--patterns <dir>', 'add a folder of patterns (repeatable; overrides by id)', collect)
    .action(runClassify);
}

/** What `classify` does with its files once its arguments are parsed. */
export async function runClassify(files: string[], options: ClassifyOptions): Promise<void> {
  const library = await loadPatternsOrExit(options.patterns);
  let failed = false;
  for (const file of files) {
    try {
      const result = await classifyFile(file, library);
      process.stdout.write(options.json ? toJsonLine(file, result) : toSummary(file, result));
    } catch (error) {
      failed = true;
      process.stderr.write(`${file}: ${describeReadError(error)}\n`);
    }
  }
  if (failed) throw new CliExit(2);
}

/** Up to this size a log is read whole, so a pasted excerpt can be undone first. */
const PASTE_LIMIT = 1 << 20;

export async function classifyFile(
  file: string,
  library: PatternLibrary,
  stdin?: AsyncIterable<Uint8Array | string>,
): Promise<Classification> {
  // Standard input is opened only when it is read: opening it sets up a stream for nothing.
  if (file === '-') return classifyInput(stdin ?? process.stdin, library);
  const size = statSync(file).size;
  if (size <= PASTE_LIMIT) return classifyWhole(readFileSync(file), library);
  return withFileReads(file, (read) => classifyFrom(read, library, { long: isLongLog(size) }));
}

/** A small input is read whole (it may be a paste); a large one is streamed. */
async function classifyInput(
  input: AsyncIterable<Uint8Array | string>,
  library: PatternLibrary,
): Promise<Classification> {
  const iterator = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return classifyWhole(Buffer.concat(head), library);
    const chunk =
      typeof next.value === 'string' ? Buffer.from(next.value) : Buffer.from(next.value);
    head.push(chunk);
    size += chunk.length;
    if (size > PASTE_LIMIT) break;
  }
  async function* rest() {
    yield* head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      yield next.value;
    }
  }
  return classifyStream(rest(), library);
}

/** Pasted excerpts (quote marks, wrapped lines, `[...]`, mail encoding) are undone before classifying. */
function classifyWhole(bytes: Buffer, library: PatternLibrary): Classification {
  const text = bytes.toString('utf8');
  return looksPasted(text) || looksQuotedPrintable(text)
    ? classifyPasted(text, library)
    : classify(bytes, library);
}

/**
 * Opens a file for `use` to read from synchronously, and closes it:
 * synchronous reads keep the CPU busy instead of waiting.
 */
export function withFileReads<T>(file: string, use: (read: ReadInto) => T): T {
  const fd = openSync(file, 'r');
  try {
    return use((into, at, length) => readSync(fd, into, at, length, null));
  } finally {
    closeSync(fd);
  }
}

function describeReadError(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied: cannot read this file';
  if (code === 'EISDIR') return 'is a folder, not a log file';
  return `cannot be read (${error instanceof Error ? error.message : String(error)})`;
}

function matchJson(match: Match) {
  return {
    pattern: match.pattern,
    title: match.title,
    line: match.line,
    text: match.text,
    fields: match.fields,
    section: match.section,
    runnerPrefix: match.runnerPrefix,
  };
}

export function toJsonLine(file: string, result: Classification): string {
  return `${JSON.stringify({
    file,
    diagnosis: result.diagnosis ? matchJson(result.diagnosis) : null,
    matches: result.matches.map(matchJson),
  })}\n`;
}

function toSummary(file: string, result: Classification): string {
  const best = result.diagnosis;
  if (!best) return `${file}: no known failure found (${result.lines} lines read)\n`;
  const where = best.runnerPrefix ? 'written by the runner' : 'script output';
  const lines = [
    `${file}: ${best.pattern} (${best.title})`,
    `  line ${best.line}, ${where}${best.section ? `, section ${best.section}` : ''}:`,
    `    ${best.text.length > 300 ? `${best.text.slice(0, 300)}…` : best.text}`,
  ];
  const fields = Object.entries(best.fields);
  if (fields.length > 0) lines.push(`  ${fields.map(([k, v]) => `${k}=${v}`).join('  ')}`);
  const others = result.matches.slice(1);
  if (others.length > 0) {
    lines.push(`  also matched: ${others.map((m) => `${m.pattern} (line ${m.line})`).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
