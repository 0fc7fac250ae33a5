import { BlockCleaner, lineEnd, type CleanBlock, type SectionMarker } from './log-blocks.js';
import { createBlockReader, type BlockReader } from './log-reader.js';

/**
 * Turns a raw GitLab job log (as GET /jobs/:id/trace returns it) into the
 * lines a person sees in the job page, each tagged with its section and with
 * whether the runner wrote it before the user's script started.
 *
 * The byte-level cleaning is in log-blocks.ts; this module decides what a
 * line is: its number, its text, its section and who wrote it.
 */

export interface LogLine {
  /** 1-based line number in the cleaned log. */
  number: number;
  /** What a terminal shows: no ANSI, no section markers, no timestamps, `\r` resolved. */
  text: string;
  /** The runner section the line was written in (`prepare_executor`, `step_script`…), null before any marker. */
  section: string | null;
  /**
   * True while the runner itself is writing, before the user's script
   * starts. Only this part of a log is trusted evidence of what the runner
   * did: a script can print anything, including fake section markers.
   */
  runnerPrefix: boolean;
  /**
   * True only for the runner's own wording while it prepares the job: a line
   * in `prepare_executor` or `prepare_script` (or, from a runner that writes
   * no section markers, before it gets the sources) that has the shape of a
   * runner line. Git's `remote:` lines and everything `get_sources` or
   * `download_artifacts` show may come from a foreign host or the project,
   * and the script can print anything: none of that is runner-written.
   */
  runnerWritten: boolean;
  /** The line was longer than the cap and was cut. */
  truncated?: boolean;
}

export interface CleanOptions {
  /** Bytes kept of one cleaned line; the rest is dropped. */
  maxLineLength?: number;
  /** Bytes of raw log cleaned at a time (default 1 MiB); tests make it small. */
  blockSize?: number;
}

export const DEFAULT_MAX_LINE_LENGTH = 4096;

/** Where a line belongs: its section and whether the runner wrote it. */
export type LinePlace = Pick<LogLine, 'section' | 'runnerPrefix' | 'runnerWritten'>;

/**
 * Follows the section markers and the start of the user's script, line by
 * line. Once `settled`, a line without markers needs no look at its text:
 * it gets `steady()`. Callers may then skip such lines.
 */
export interface LineTracker {
  /** Applies one line's markers, then places the line given its cleaned text and whether it was cut. */
  line(markers: readonly SectionMarker[], text: string, truncated: boolean): LinePlace;
  readonly settled: boolean;
  steady(): LinePlace;
}

// Sections the runner writes before the script. After the script has started
// a marker naming one of them can only come from the script itself.
const PRE_SCRIPT_SECTIONS = new Set([
  'resolve_secrets',
  'prepare_executor',
  'prepare_script',
  'get_sources',
  'clear_worktree',
  'restore_cache',
  'download_artifacts',
]);
// The runner's sections in the order it opens them. A start marker naming a
// section the runner has already left can only be forged.
const SECTION_ORDER = [
  'resolve_secrets',
  'prepare_executor',
  'prepare_script',
  'get_sources',
  'clear_worktree',
  'restore_cache',
  'download_artifacts',
];
const PREPARE_SECTIONS = new Set(['prepare_executor', 'prepare_script']);

/**
 * Lines the runner prints itself while preparing the job, anchored at the
 * start: the pull failure warning and error of the Docker executor, the
 * cluster events and errors of the Kubernetes executor, and the preparation
 * errors of every executor. Evidence for a one-click change must have one
 * of these shapes.
 */
const RUNNER_LINE_SHAPES =
  /^(?:WARNING: Failed to pull image with policy "[\w-]{0,30}": |ERROR: Job failed(?: \(system failure\))?: |ERROR: Preparation failed: |WARNING: Preparation failed: |WARNING: Event retrieved from the cluster: )/;

// Banners of runners that write no section markers: the sources come next.
const SOURCES_BANNER =
  /^(?:Getting source from Git repository|Fetching changes|Cloning repository|Skipping Git repository setup|Restoring cache|Downloading artifacts)/;

const SCRIPT_SECTION = /^(?:step_|build_script$|user_script$)/;
const SCRIPT_BANNER = /^Executing "(?:step_\w+|build_script)" stage of the job script/;
const SKIP_NOTE_PREFIX = '[pipeline-diagnoser: ';

/**
 * RE2 regexes for every line whose text can change the tracker's state
 * (besides its markers): where the script starts and where the runner
 * fetches the sources. A caller that skips lines must still give these to
 * `line` (the classifier finds them in its one pass over each block); keep
 * them in step with the tests in `line` below.
 */
export const TRACKER_TRIGGERS = [
  '^\\$ ',
  '^\\[pipeline-diagnoser: ',
  SCRIPT_BANNER.source,
  SOURCES_BANNER.source,
];

export function createLineTracker(): LineTracker {
  let section: string | null = null;
  let scriptStarted = false;
  // How far the runner got in SECTION_ORDER, and whether it writes markers at all.
  let furthest = -1;
  let markersSeen = false;
  let preparing = true;

  function apply(marker: SectionMarker) {
    const { kind, name } = marker;
    markersSeen = true;
    if (kind === 'start') {
      const order = SECTION_ORDER.indexOf(name);
      const forged =
        (scriptStarted && PRE_SCRIPT_SECTIONS.has(name)) || (order !== -1 && order < furthest);
      if (forged) return;
      section = name;
      if (order !== -1) furthest = order;
      if (!PREPARE_SECTIONS.has(name) && name !== 'resolve_secrets') preparing = false;
      if (SCRIPT_SECTION.test(name) || name === 'after_script') scriptStarted = true;
    } else if (name === section && !PRE_SCRIPT_SECTIONS.has(name)) {
      // Leaving a post-script section returns to "no section"; leaving a
      // runner section keeps its name until the next start, as GitLab shows.
      section = null;
    }
  }

  return {
    line(markers, text, truncated) {
      const before = section;
      for (const marker of markers) apply(marker);
      // After a cut we cannot know who wrote the rest, so nothing after it is trusted.
      if (
        !scriptStarted &&
        (text.startsWith('$ ') || text.startsWith(SKIP_NOTE_PREFIX) || SCRIPT_BANNER.test(text))
      ) {
        scriptStarted = true;
      }
      if (scriptStarted || (!markersSeen && SOURCES_BANNER.test(text))) preparing = false;
      // A line that opens a section is shown under that section.
      const shown = section ?? before;
      const runnerWritten =
        preparing &&
        !truncated &&
        (markersSeen ? PREPARE_SECTIONS.has(shown ?? '') : shown === null) &&
        RUNNER_LINE_SHAPES.test(text);
      return { section: shown, runnerPrefix: !scriptStarted, runnerWritten };
    },
    get settled() {
      return scriptStarted;
    },
    steady() {
      return { section, runnerPrefix: !scriptStarted, runnerWritten: false };
    },
  };
}

export const NO_MARKERS: readonly SectionMarker[] = [];

/** The bytes of line `i` as shown: without a CRLF's `\r`, cut to `maxLength`. */
export function lineBytes(block: CleanBlock, i: number, maxLength: number): Buffer {
  const start = block.starts[i] as number;
  const end = lineEnd(block, i);
  return block.text.subarray(start, Math.min(end, start + maxLength));
}

export function isTruncated(block: CleanBlock, i: number, maxLength: number): boolean {
  return block.cut.has(i) || lineEnd(block, i) - (block.starts[i] as number) > maxLength;
}

/** Cleans a log given in pieces and hands every line to `onLine`, in order. */
export function createLineCleaner(
  onLine: (line: LogLine) => void,
  options: CleanOptions = {},
): BlockReader {
  const maxLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  const cleaner = new BlockCleaner(maxLength * 4);
  const tracker = createLineTracker();
  let number = 0;
  return createBlockReader(
    (raw, end) => {
      const block = cleaner.clean(raw, end, true);
      for (let i = 0; i < block.count; i++) {
        const text = lineBytes(block, i, maxLength).toString('utf8');
        const truncated = isTruncated(block, i, maxLength);
        const place = tracker.line(block.markers.get(i) ?? NO_MARKERS, text, truncated);
        number += 1;
        const line: LogLine = { number, text, ...place };
        if (truncated) line.truncated = true;
        onLine(line);
      }
    },
    { blockSize: options.blockSize, rawCap: maxLength * 4 },
  );
}

/** Cleans a whole log held in memory. */
export function cleanLog(raw: string | Uint8Array, options: CleanOptions = {}): LogLine[] {
  const lines: LogLine[] = [];
  const cleaner = createLineCleaner((line) => lines.push(line), options);
  cleaner.write(raw);
  cleaner.end();
  return lines;
}

/**
 * Keeps the first and last `maxBytes / 2` of a huge log, with a visible note
 * where the middle was cut. Image pulls fail in the first lines and the
 * job's verdict is in the last, so both ends carry the evidence.
 */
export function keepHeadAndTail(raw: string, maxChars: number): string {
  if (raw.length <= maxChars) return raw;
  const half = Math.floor(maxChars / 2);
  const head = raw.slice(0, half);
  const tailStart = raw.indexOf('\n', raw.length - half);
  const tail = tailStart === -1 ? raw.slice(raw.length - half) : raw.slice(tailStart + 1);
  const omitted = raw.length - head.length - tail.length;
  return `${head}\n[pipeline-diagnoser: ${omitted} characters of this log were skipped]\n${tail}`;
}
