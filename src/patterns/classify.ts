import {
  createByteLineCleaner,
  fromByteString,
  toByteString,
  type CleanOptions,
  type LogLine,
} from './clean-log.js';
import { deriveImageFields } from './image-ref.js';
import type { CompiledRule, Pattern, PatternLibrary } from './library.js';

export interface Match {
  pattern: string;
  title: string;
  priority: number;
  /** 1-based number of the line in the cleaned log. */
  line: number;
  text: string;
  fields: Record<string, string>;
  section: string | null;
  runnerPrefix: boolean;
  /** The runner's own wording while it prepared the job (see `LogLine.runnerWritten`). */
  runnerWritten: boolean;
}

export interface Classification {
  /** The best match: highest priority, then earliest line. */
  diagnosis: Match | null;
  /** Every pattern that matched, best first, each with its first matching line. */
  matches: Match[];
  /** Lines read. */
  lines: number;
}

/**
 * Streaming classifier: feed it cleaned lines, then ask for the result.
 * Memory is bounded by the context window, whatever the log's size.
 */
export interface Classifier {
  /** Takes a line from `createByteLineCleaner` (byte-string text). */
  push(line: Readonly<LogLine>): void;
  result(): Classification;
}

export function createClassifier(library: PatternLibrary): Classifier {
  const found = new Map<string, Match>();
  const window = Math.max(1, library.maxContext);
  const recent: string[] = new Array<string>(window).fill('');
  let count = 0;
  const prefilter = library.prefilter;

  function push(line: Readonly<LogLine>) {
    const text = line.text;
    if (line.keywordHit ?? prefilter(text)) {
      const lower = text.toLowerCase();
      for (const pattern of library.patterns) {
        if (found.has(pattern.id)) continue;
        const match = matchPattern(pattern, line, lower, recent, count, window);
        if (match) found.set(pattern.id, match);
      }
    }
    recent[count % window] = text;
    count += 1;
  }

  function result(): Classification {
    const matches = [...found.values()].sort(
      (a, b) => b.priority - a.priority || a.line - b.line || a.pattern.localeCompare(b.pattern),
    );
    return { diagnosis: matches[0] ?? null, matches, lines: count };
  }

  return { push, result };
}

function matchPattern(
  pattern: Pattern,
  line: Readonly<LogLine>,
  lower: string,
  recent: readonly string[],
  count: number,
  window: number,
): Match | undefined {
  for (const rule of pattern.rules) {
    const haystack = rule.ignoreCase ? lower : line.text;
    if (!rule.keywords.some((k) => haystack.includes(k))) continue;
    if (rule.runnerPrefix !== undefined && rule.runnerPrefix !== line.runnerPrefix) continue;
    if (rule.sections && !(line.section && rule.sections.has(line.section))) continue;
    const m = rule.regex.exec(line.text);
    if (!m) continue;
    const contextFields = matchContext(rule, recent, count, window);
    if (!contextFields) continue;
    const fields: Record<string, string> = { ...contextFields };
    for (const [name, value] of Object.entries(m.groups ?? {})) {
      if (value !== undefined && value !== '') fields[name] = value;
    }
    for (const name of Object.keys(fields)) fields[name] = fromByteString(fields[name] as string);
    return {
      pattern: pattern.id,
      title: pattern.title,
      priority: pattern.priority,
      line: line.number,
      text: fromByteString(line.text),
      fields: deriveImageFields(fields),
      section: line.section,
      runnerPrefix: line.runnerPrefix,
      runnerWritten: line.runnerWritten,
    };
  }
  return undefined;
}

/** Fields from the rule's context lines, or undefined when a required one is missing. */
function matchContext(
  rule: CompiledRule,
  recent: readonly string[],
  count: number,
  window: number,
): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  for (const context of rule.context) {
    let hit: RegExpExecArray | null = null;
    const reach = Math.min(context.within, count, window);
    for (let back = 1; back <= reach && !hit; back++) {
      hit = context.regex.exec(recent[(count - back) % window] ?? '');
    }
    if (!hit) {
      if (context.required) return undefined;
      continue;
    }
    for (const [name, value] of Object.entries(hit.groups ?? {})) {
      if (value !== undefined && value !== '' && !(name in fields)) fields[name] = value;
    }
  }
  return fields;
}

/** Cleans and classifies a whole log held in memory. */
export function classify(
  log: string | Uint8Array,
  library: PatternLibrary,
  options: CleanOptions = {},
): Classification {
  const classifier = createClassifier(library);
  const cleaner = createByteLineCleaner(classifier.push, { scanner: library.prefilter, ...options });
  cleaner.write(typeof log === 'string' ? toByteString(log) : bytesToByteString(log));
  cleaner.end();
  return classifier.result();
}

/** Cleans and classifies a log given in pieces (a file read in blocks). */
export function classifyChunks(
  chunks: Iterable<Uint8Array | string>,
  library: PatternLibrary,
  options: CleanOptions = {},
): Classification {
  const classifier = createClassifier(library);
  const cleaner = createByteLineCleaner(classifier.push, { scanner: library.prefilter, ...options });
  for (const chunk of chunks) {
    cleaner.write(typeof chunk === 'string' ? toByteString(chunk) : bytesToByteString(chunk));
  }
  cleaner.end();
  return classifier.result();
}

/** Cleans and classifies a log read piece by piece (a stream or an HTTP body). */
export async function classifyStream(
  chunks: AsyncIterable<Uint8Array | string>,
  library: PatternLibrary,
  options: CleanOptions = {},
): Promise<Classification> {
  const classifier = createClassifier(library);
  const cleaner = createByteLineCleaner(classifier.push, { scanner: library.prefilter, ...options });
  for await (const chunk of chunks) {
    // Latin-1 never splits a character across chunks: one byte, one char.
    cleaner.write(typeof chunk === 'string' ? toByteString(chunk) : bytesToByteString(chunk));
  }
  cleaner.end();
  return classifier.result();
}

function bytesToByteString(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString('latin1');
}
