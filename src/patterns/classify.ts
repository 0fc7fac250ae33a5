import {
  createLineTracker,
  DEFAULT_MAX_LINE_LENGTH,
  isTruncated,
  lineBytes,
  NO_MARKERS,
  type CleanOptions,
  type LinePlace,
} from './clean-log.js';
import { deriveImageFields } from './image-ref.js';
import type { CompiledRule, Pattern, PatternLibrary } from './library.js';
import { BlockCleaner, cleanControls, type CleanBlock } from './log-blocks.js';
import { LineHistory } from './line-history.js';
import { createBlockReader, DEFAULT_BLOCK_SIZE, type ReadInto } from './log-reader.js';
import { rankMatches } from './rank.js';
import type { Regex } from './regex.js';
import type { SetWorker } from './set-worker.js';

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
  /** The rule that matched reports a retry or a warning the job may go on from. */
  transient?: true;
}

export interface ClassifyOptions extends CleanOptions {
  /** GitLab's `failure_reason` for the job, which ranks the patterns it points at first. */
  failureReason?: string | undefined;
  /** The log is known to be long (a large file): the set worker is started at once. */
  long?: boolean;
}

export interface Classification {
  /** The best match, as `rankMatches` orders them (null when none, or only recovered warnings). */
  diagnosis: Match | null;
  /** Every pattern that matched, best first, each with its first matching line. */
  matches: Match[];
  /** Lines read. */
  lines: number;
}

/**
 * Streaming classifier: feed it the raw log in pieces of any size, then ask
 * for the result. Memory is one block of the log, whatever its size.
 */
export interface Classifier {
  write(chunk: Uint8Array | string): void;
  /** Reads the rest of the log from `read` (see `BlockReader.read`). */
  read(read: ReadInto): void;
  end(): Classification;
}

/**
 * From this block on, a long log's set pass runs in a worker thread. The
 * bot's logs (4 MiB by default) do not start one; a worker already running
 * (started by a long log) is used from the second block of any log, and
 * from the first of a long one.
 */
const PARALLEL_AFTER_BLOCKS = 8;
/** The worker takes a while to start and build its set: it is started this many blocks earlier. */
const WORKER_LEAD_BLOCKS = 6;
/**
 * The caller cleans each block and the worker does not, so the caller
 * matches the smaller part; `finishPending` moves the cut by a step per
 * block towards where both finish together (on one core, towards all of it).
 */
const INITIAL_SHARE = 0.2;
const SHARE_STEP = 1 / 32;
const MAX_SHARE = 1;

export function createClassifier(
  library: PatternLibrary,
  options: ClassifyOptions = {},
): Classifier {
  const maxLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  const scanner = library.scanner;
  // Two cleaners in turn: a block waits for its set pass while the next one is cleaned.
  // Room in the line tables for lines of 16 bytes on average: few logs have shorter ones.
  const room = Math.max(1024, (options.blockSize ?? DEFAULT_BLOCK_SIZE) >> 4);
  const cleaners = [new BlockCleaner(maxLength * 4, room), new BlockCleaner(maxLength * 4, room)];
  const tracker = createLineTracker();
  const found = new Map<number, Match>();
  const skip = new Set<number>();
  // The last lines of earlier blocks, for context rules.
  const history = new LineHistory(library.maxContext, maxLength);
  let lines = 0;
  let blocks = 0;
  let turn = 0;
  let worker: SetWorker | undefined;
  // The block whose set pass the worker has: the caller matches its bytes before `from` itself.
  let pending: { block: CleanBlock; slot: number; from: number } | undefined;
  // The part of each block the caller matches while the worker matches the rest,
  // learned as it goes so that neither waits for the other (see `finishPending`).
  let share = INITIAL_SHARE;
  // Whether this log has asked for the worker (see PARALLEL_AFTER_BLOCKS).
  let started = options.long === true;
  if (started) scanner.worker();

  function onBlock(raw: Buffer, end: number) {
    blocks += 1;
    const block = (cleaners[turn] as BlockCleaner).clean(raw, end, false);
    if (blocks === PARALLEL_AFTER_BLOCKS - WORKER_LEAD_BLOCKS) started = true;
    // A long log's first block goes to the worker too when it is ready; a short log's
    // one block is matched faster on the caller than handed over.
    if (!worker && (blocks > 1 || started)) worker = acquireWorker();
    if (!worker || block.text.length > worker.capacity) {
      const hits = scanner.match(block.text);
      finishPending();
      matchBlock(block, hits);
      return;
    }
    // The worker starts on this block while the caller finishes the one before.
    const from = lineBoundary(block.text, Math.floor(block.text.length * share));
    const { slot, text } = worker.submit(block.text, from);
    finishPending();
    pending = { block: { ...block, text }, slot, from };
    turn ^= 1;
  }

  /** Matches a block the set has looked at; a block with control characters left is cleaned of them first. */
  function matchBlock(block: CleanBlock, hits: readonly number[]) {
    if (scanner.needsFullClean(hits)) {
      cleanControls(block);
      processBlock(block, scanner.match(block.text));
    } else {
      processBlock(block, hits);
    }
  }

  function acquireWorker(): SetWorker | undefined {
    const candidate = started ? scanner.worker() : scanner.runningWorker();
    return candidate?.acquire() ? candidate : undefined;
  }

  /**
   * Matches the caller's part of the block in flight, takes the worker's
   * answer for the rest, and matches the block. Every line lies wholly in one
   * part, so the two answers together say what one pass would have.
   */
  function finishPending() {
    if (!pending) return;
    const { block, slot, from } = pending;
    pending = undefined;
    const own = from > 0 ? scanner.match(block.text.subarray(0, from)) : [];
    if (worker) {
      // Waiting means the caller took too little; an answer already there, too much.
      share = worker.answered(slot)
        ? Math.max(0, share - SHARE_STEP)
        : Math.min(MAX_SHARE, share + SHARE_STEP);
    }
    // After the worker died or hung, this log goes on without it, from the block in flight.
    const theirs = worker?.collect(slot);
    if (!theirs) {
      worker = undefined;
      matchBlock(block, scanner.match(block.text));
      return;
    }
    matchBlock(block, own.length === 0 ? theirs : [...new Set([...own, ...theirs])]);
  }

  function processBlock(block: CleanBlock, hits: readonly number[]) {
    const walk = walkBlock(block, hits);
    for (const [line, index] of scanner.candidates(block, hits, skip)) {
      if (skip.has(index)) continue;
      const pattern = library.patterns[index] as Pattern;
      const place = walk(line);
      const match = matchLine(pattern, block, line, place);
      if (match) {
        found.set(index, match);
        skip.add(index);
      }
    }
    walk(block.count - 1);
    history.add(block);
    lines += block.count;
  }

  /**
   * Feeds the tracker the lines that can change its state (marker lines and
   * trigger lines), in order up to a given line, and returns that line's place.
   * Trigger lines are looked for only until the script starts: after that no
   * text changes the state, only markers do (see `LineTracker.settled`).
   */
  function walkBlock(block: CleanBlock, hits: readonly number[]) {
    const markerLines = [...block.markers.keys()].sort((a, b) => a - b);
    let marker = 0;
    let triggers = tracker.settled ? undefined : scanner.triggerLines(block, hits)[Symbol.iterator]();
    let trigger = headOf(triggers);
    let next = 0;
    let place: LinePlace = tracker.steady();
    const visit = (line: number) => {
      const text = lineBytes(block, line, maxLength).toString('utf8');
      const truncated = isTruncated(block, line, maxLength);
      place = tracker.line(block.markers.get(line) ?? NO_MARKERS, text, truncated);
      if (tracker.settled) triggers = undefined;
      return place;
    };
    const nextStop = () => Math.min(markerLines[marker] ?? Infinity, triggers ? trigger : Infinity);
    const pass = (line: number) => {
      if (markerLines[marker] === line) marker += 1;
      if (triggers && trigger === line) trigger = headOf(triggers);
    };
    return (target: number): LinePlace => {
      if (target < next) return place;
      for (let stop = nextStop(); stop < target; stop = nextStop()) {
        pass(stop);
        if (stop >= next) visit(stop);
      }
      if (nextStop() === target) pass(target);
      // The target itself is looked at when its place can depend on its text.
      place = tracker.settled && !block.markers.has(target) ? tracker.steady() : visit(target);
      next = target + 1;
      return place;
    };
  }

  function matchLine(
    pattern: Pattern,
    block: CleanBlock,
    line: number,
    place: LinePlace,
  ): Match | undefined {
    const bytes = lineBytes(block, line, maxLength);
    for (const rule of pattern.rules) {
      if (rule.runnerPrefix !== undefined && rule.runnerPrefix !== place.runnerPrefix) continue;
      if (rule.sections && !(place.section && rule.sections.has(place.section))) continue;
      if (!rule.regex.compiled().test(bytes) || rule.unless?.compiled().test(bytes)) continue;
      const contextFields = matchContext(rule, block, line);
      if (!contextFields) continue;
      const fields = { ...contextFields, ...groupsOf(rule.regex.compiled(), bytes) };
      return {
        pattern: pattern.id,
        title: pattern.title,
        priority: pattern.priority,
        line: lines + line + 1,
        text: bytes.toString('utf8'),
        fields: deriveImageFields(fields),
        ...place,
        ...(rule.transient ? { transient: true as const } : {}),
      };
    }
    return undefined;
  }

  /** Fields from the rule's context lines, or undefined when a required one is missing. */
  function matchContext(
    rule: CompiledRule,
    block: CleanBlock,
    line: number,
  ): Record<string, string> | undefined {
    const fields: Record<string, string> = {};
    for (const context of rule.context) {
      let hit: Buffer | undefined;
      const reach = Math.min(context.within, line + history.length);
      for (let back = 1; back <= reach && !hit; back++) {
        const before =
          line - back >= 0
            ? lineBytes(block, line - back, maxLength)
            : (history.line(back - line) as Buffer);
        if (context.regex.compiled().test(before) && !context.unless?.compiled().test(before)) {
          hit = before;
        }
      }
      if (!hit) {
        if (context.required) return undefined;
        continue;
      }
      for (const [name, value] of Object.entries(groupsOf(context.regex.compiled(), hit))) {
        if (!(name in fields)) fields[name] = value;
      }
    }
    return fields;
  }


  const reader = createBlockReader(onBlock, { blockSize: options.blockSize, rawCap: maxLength * 4 });
  return {
    write: (chunk) => reader.write(chunk),
    read: (read) => reader.read(read),
    end() {
      reader.end();
      finishPending();
      worker?.release();
      worker = undefined;
      const facts = { scriptStarted: tracker.settled, failureReason: options.failureReason };
      return { ...rankMatches([...found.values()], facts, library), lines };
    },
  };
}

/** The next line of a sorted stream of lines, or Infinity at its end. */
function headOf(lines: Iterator<number> | undefined): number {
  const next = lines?.next();
  return next && !next.done ? next.value : Infinity;
}

/** The start of the line at or after `at` (the end of the text when there is none). */
function lineBoundary(text: Buffer, at: number): number {
  if (at <= 0) return 0;
  const nl = text.indexOf(0x0a, at - 1);
  return nl === -1 ? text.length : nl + 1;
}

function groupsOf(regex: Regex, bytes: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  const m = regex.exec(bytes);
  for (const [name, value] of Object.entries(m?.groups ?? {})) {
    if (value !== undefined && value.length > 0) fields[name] = value.toString('utf8');
  }
  return fields;
}

/** Cleans and classifies a whole log held in memory. */
export function classify(
  log: string | Uint8Array,
  library: PatternLibrary,
  options: ClassifyOptions = {},
): Classification {
  const classifier = createClassifier(library, options);
  classifier.write(log);
  return classifier.end();
}

/** Cleans and classifies a log given in pieces. */
export function classifyChunks(
  chunks: Iterable<Uint8Array | string>,
  library: PatternLibrary,
  options: ClassifyOptions = {},
): Classification {
  return runClassifier((classifier) => {
    for (const chunk of chunks) classifier.write(chunk);
  }, library, options);
}

/** Cleans and classifies a log read synchronously (a file: see `BlockReader.read`). */
export function classifyFrom(read: ReadInto, library: PatternLibrary, options: ClassifyOptions = {}): Classification {
  return runClassifier((classifier) => classifier.read(read), library, options);
}

/** Feeds a classifier synchronously and gives its result; what it holds is freed if feeding fails. */
function runClassifier(
  feed: (classifier: Classifier) => void,
  library: PatternLibrary,
  options: ClassifyOptions,
): Classification {
  const classifier = createClassifier(library, options);
  try {
    feed(classifier);
  } catch (error) {
    // As in `classifyStream`: the worker thread is freed before the error goes on.
    classifier.end();
    throw error;
  }
  return classifier.end();
}

/** Cleans and classifies a log read piece by piece (a stream or an HTTP body). */
export async function classifyStream(
  chunks: AsyncIterable<Uint8Array | string>,
  library: PatternLibrary,
  options: ClassifyOptions = {},
): Promise<Classification> {
  const classifier = createClassifier(library, options);
  try {
    for await (const chunk of chunks) classifier.write(chunk);
  } catch (error) {
    // Frees what the classifier holds (its worker thread) before the error goes on.
    classifier.end();
    throw error;
  }
  return classifier.end();
}
