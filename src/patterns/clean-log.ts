import stripAnsi from 'strip-ansi';

/**
 * Turns a raw GitLab job log (as GET /jobs/:id/trace returns it) into the
 * lines a person sees in the job page, each tagged with its section and with
 * whether the runner wrote it before the user's script started.
 *
 * Everything here is linear in the size of the input: lines are capped, and
 * no regex used on log text can backtrack.
 */

/**
 * Inside the cleaner text is kept as a "byte string": one character per byte
 * of the UTF-8 log (Latin-1 decoding). That decoding is ten times faster than
 * UTF-8, never fails on invalid bytes, keeps V8's one-byte strings (faster
 * regexes) and makes the line cap a byte cap. Lines are turned back into real
 * text with `fromByteString` only where someone reads them.
 */
export function toByteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export function fromByteString(bytes: string): string {
  return HAS_HIGH_BYTES.test(bytes) ? Buffer.from(bytes, 'latin1').toString('utf8') : bytes;
}

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
  /**
   * Set when the cleaner was given a keyword scanner and the line needed no
   * cleaning: whether it contains a keyword. Saves the classifier a second look.
   */
  keywordHit?: boolean;
}

export interface CleanOptions {
  /** Characters kept of one line; the rest is dropped. */
  maxLineLength?: number;
  /**
   * Searches whole blocks of raw text for keywords, so lines that need no
   * cleaning can be told apart without a search per line.
   */
  scanner?: { scan(text: string, onHit: (end: number) => void): void };
}

export const DEFAULT_MAX_LINE_LENGTH = 4096;

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

// The runner's 32-character timestamp header when FF_TIMESTAMPS is on:
// RFC 3339 with six fractional digits, stream id, O/E, and ' ' or '+'.
const TIMESTAMP_HEADER =
  /^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d\.\d{6}Z [0-9a-f]{2}[EO][+ ]/;
const TIMESTAMP_LENGTH = 32;

const SECTION_MARKER =
  /(?:\x1b\[0K)?section_(?<kind>start|end):\d{1,20}:(?<name>[A-Za-z0-9_.-]{1,200})(?:\[[^\]\r\n]{0,200}\])?\r?(?:\x1b\[0K)?/g;

// Erase-line sequences that may follow a carriage return.
const ERASE_LINE_AT_START = /^\x1b\[[02]?K/;
// C0 controls other than tab, and DEL, that survive ANSI stripping.
const STRAY_CONTROLS = /[\x00-\x08\x0b-\x1f\x7f]/g;
const HAS_STRAY_CONTROLS = /[\x00-\x08\x0b-\x1f\x7f]/;
// Escapes, carriage returns and other controls: the line needs the slow path.
// (An 8-bit C1 code would be encoded as two bytes in a UTF-8 log.)
const NEEDS_CLEANING = /[\x00-\x08\x0b-\x1f\x7f]/;
const HAS_HIGH_BYTES = /[\x80-\xff]/;

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
 * Incremental cleaner: feed decoded text with `write`, call `end` once. Lines
 * are handed to `onLine` as soon as they are complete, so a 100 MB log never
 * has to be held in memory.
 */
export interface LineCleaner {
  write(text: string): void;
  end(): void;
}

export function createLineCleaner(
  onLine: (line: LogLine) => void,
  options: CleanOptions = {},
): LineCleaner {
  const bytes = createByteLineCleaner(
    (line) => onLine({ ...line, text: fromByteString(line.text) }),
    options,
  );
  return {
    write: (text: string) => bytes.write(toByteString(text)),
    end: () => bytes.end(),
  };
}

/**
 * The fast cleaner behind `createLineCleaner`: takes and gives byte strings,
 * and hands every line in the same object, which the callee must copy if it
 * keeps it. The classifier uses this one.
 */
export function createByteLineCleaner(
  onLine: (line: Readonly<LogLine>) => void,
  options: CleanOptions = {},
): LineCleaner {
  const maxLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  // Raw text gets more room than the visible cap: colour codes and markers
  // take space and are removed before the cap applies.
  const rawCap = maxLength * 4;

  let partial = '';
  let partialDropped = false;
  let lineNumber = 0;
  let section: string | null = null;
  let scriptStarted = false;
  // How far the runner got in SECTION_ORDER, and whether it writes markers at all.
  let furthest = -1;
  let markersSeen = false;
  let preparing = true;
  // A timestamped line marked '+' continues the one before it, so the
  // previous line is held until the next one is known.
  let held: { text: string; truncated: boolean } | null = null;
  let heldSection: string | null = null;
  let heldPrefix = true;
  let heldWritten = false;
  let heldHit: boolean | undefined;
  const scanner = options.scanner;
  // Ends of keyword hits in the current chunk, ascending, and the next one to look at.
  let hits: number[] = [];
  let nextHit = 0;

  // One object for every line: a 100 MB log has millions of lines.
  const line: LogLine = {
    number: 0,
    text: '',
    section: null,
    runnerPrefix: true,
    runnerWritten: false,
  };
  function emit(
    text: string,
    truncated: boolean,
    lineSection: string | null,
    prefix: boolean,
    written: boolean,
    hit: boolean | undefined,
  ) {
    lineNumber += 1;
    line.number = lineNumber;
    line.text = text;
    line.section = lineSection;
    line.runnerPrefix = prefix;
    line.runnerWritten = written;
    // Assigned, never deleted: deleting properties would slow every access.
    line.truncated = truncated ? true : undefined;
    line.keywordHit = hit;
    onLine(line);
  }

  function flushHeld() {
    if (held) emit(held.text, held.truncated, heldSection, heldPrefix, heldWritten, heldHit);
    held = null;
  }

  function applyMarkers(raw: string): string {
    if (!raw.includes('section_')) return raw;
    return raw.replace(SECTION_MARKER, (...args: unknown[]) => {
      const groups = args[args.length - 1] as { kind: string; name: string };
      const name = groups.name;
      markersSeen = true;
      if (groups.kind === 'start') {
        const order = SECTION_ORDER.indexOf(name);
        const fakeRunnerSection =
          (scriptStarted && PRE_SCRIPT_SECTIONS.has(name)) || (order !== -1 && order < furthest);
        if (!fakeRunnerSection) {
          section = name;
          if (order !== -1) furthest = order;
          if (!PREPARE_SECTIONS.has(name) && name !== 'resolve_secrets') preparing = false;
          if (SCRIPT_SECTION.test(name) || name === 'after_script') scriptStarted = true;
        }
      } else if (name === section && !PRE_SCRIPT_SECTIONS.has(name)) {
        // Leaving a post-script section returns to "no section"; leaving a
        // runner section keeps its name until the next start, as GitLab shows.
        section = null;
      }
      return '';
    });
  }

  function processLine(rawLine: string, dropped: boolean, knownHit: boolean | undefined) {
    let raw = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    let continuation = false;
    if (raw.length >= TIMESTAMP_LENGTH && raw.charCodeAt(4) === 45 && TIMESTAMP_HEADER.test(raw)) {
      continuation = raw.charCodeAt(TIMESTAMP_LENGTH - 1) === 43; // '+'
      raw = raw.slice(TIMESTAMP_LENGTH);
    }
    const lineSection = section;
    let hit = knownHit;
    let text = raw;
    // Runner section markers always carry \r and escapes, so a line without
    // control characters has none and needs no cleaning.
    if (NEEDS_CLEANING.test(raw)) {
      text = cleanBytes(applyMarkers(raw));
      // Escapes or overwrites may split or hide a keyword: look again after cleaning.
      hit = undefined;
    }
    // A line that opens a section is shown under that section.
    const shownSection = section ?? lineSection;
    let truncated = dropped;
    if (text.length > maxLength) {
      text = text.slice(0, maxLength);
      truncated = true;
      hit = undefined;
    }

    if (continuation && held) {
      held.text = (held.text + text).slice(0, maxLength);
      held.truncated = held.truncated || truncated;
      heldHit = undefined;
      return;
    }
    flushHeld();
    // After a cut we cannot know who wrote the rest, so nothing after it is trusted.
    if (
      !scriptStarted &&
      (text.startsWith('$ ') || text.startsWith(SKIP_NOTE_PREFIX) || SCRIPT_BANNER.test(text))
    ) {
      scriptStarted = true;
    }
    if (scriptStarted || (!markersSeen && SOURCES_BANNER.test(text))) preparing = false;
    held = { text, truncated };
    heldSection = shownSection;
    heldPrefix = !scriptStarted;
    heldWritten =
      preparing &&
      !truncated &&
      (markersSeen ? PREPARE_SECTIONS.has(shownSection ?? '') : shownSection === null) &&
      RUNNER_LINE_SHAPES.test(text);
    heldHit = hit;
  }

  return {
    write(chunk: string) {
      let start = 0;
      if (scanner) {
        hits = [];
        nextHit = 0;
        scanner.scan(chunk, (end) => hits.push(end));
        if (hits.length > 1) hits.sort((a, b) => a - b);
      }
      for (;;) {
        const nl = chunk.indexOf('\n', start);
        if (nl === -1) break;
        let piece = chunk.slice(start, nl);
        let dropped = partialDropped;
        let knownHit: boolean | undefined;
        if (scanner) {
          while (nextHit < hits.length && (hits[nextHit] as number) <= start) nextHit += 1;
          knownHit = nextHit < hits.length && (hits[nextHit] as number) <= nl;
        }
        if (partial) {
          knownHit = undefined;
          const room = rawCap - partial.length;
          if (piece.length > room) {
            piece = piece.slice(0, Math.max(0, room));
            dropped = true;
          }
          piece = partial + piece;
          partial = '';
        } else if (piece.length > rawCap) {
          piece = piece.slice(0, rawCap);
          dropped = true;
        }
        partialDropped = false;
        processLine(piece, dropped, dropped ? undefined : knownHit);
        start = nl + 1;
      }
      if (start < chunk.length) {
        const room = rawCap - partial.length;
        if (room > 0) {
          const rest = chunk.length - start;
          partial += rest > room ? chunk.slice(start, start + room) : chunk.slice(start);
          if (rest > room) partialDropped = true;
        } else {
          partialDropped = true;
        }
      }
    },
    end() {
      if (partial || partialDropped) processLine(partial, partialDropped, undefined);
      partial = '';
      partialDropped = false;
      flushHeld();
    },
  };
}

/** The slow path, for lines with escapes, controls or non-ASCII bytes. */
function cleanBytes(raw: string): string {
  if (!HAS_HIGH_BYTES.test(raw)) {
    return raw.includes('\r') ? resolveCarriageReturns(raw) : cleanSegment(raw);
  }
  // strip-ansi knows 8-bit C1 codes (0x9b…), which are ordinary UTF-8
  // continuation bytes here: clean the real text, then go back to bytes.
  const text = fromByteString(raw);
  return toByteString(text.includes('\r') ? resolveCarriageReturns(text) : cleanSegment(text));
}

function cleanSegment(segment: string): string {
  let text = segment.includes('\x1b') || segment.includes('\x9b') ? stripAnsi(segment) : segment;
  if (HAS_STRAY_CONTROLS.test(text)) text = text.replace(STRAY_CONTROLS, '');
  return text;
}

/**
 * Resolves `\r` the way a terminal does: each segment overwrites the line
 * from column 0, and an erase-line sequence right after `\r` clears it.
 */
export function resolveCarriageReturns(raw: string): string {
  let shown = '';
  for (const segment of raw.split('\r')) {
    if (ERASE_LINE_AT_START.test(segment)) shown = '';
    const text = cleanSegment(segment);
    shown = text.length >= shown.length ? text : text + shown.slice(text.length);
  }
  return shown;
}

/** Cleans a whole log held in memory. */
export function cleanLog(raw: string | Uint8Array, options: CleanOptions = {}): LogLine[] {
  const lines: LogLine[] = [];
  const cleaner = createByteLineCleaner(
    (line) => lines.push({ ...line, text: fromByteString(line.text) }),
    options,
  );
  cleaner.write(typeof raw === 'string' ? toByteString(raw) : Buffer.from(raw).toString('latin1'));
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
