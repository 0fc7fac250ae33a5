/**
 * Cuts a raw job log (the bytes GET /jobs/:id/trace returns) into blocks of
 * about 1 MiB of whole lines and cleans each block in place, without
 * decoding it: ANSI escapes, section markers, runner timestamps and stray
 * control characters are removed and `\r` overwrites are resolved, so each
 * line of a block is what the job page shows. Lines with nothing to clean
 * are not touched; a cleaned line is written where its raw bytes were and
 * the bytes it no longer needs become `\n`s, so nothing is ever moved.
 */

export interface SectionMarker {
  kind: 'start' | 'end';
  name: string;
}

export interface CleanBlock {
  /**
   * The block, cleaned in place: line `i` is `text[starts[i], ends[i])`, and
   * what lies between a line's end and the next line's start is a CRLF's
   * `\r`, its `\n` and, after a cleaned line, more `\n`s. A line may be
   * longer than the line cap: the caller's cap takes care of that.
   */
  text: Buffer;
  /** Start of each line in `text`; entry `count` is past the end of the block. */
  starts: Int32Array;
  /** End of each line in `text`, without its line end. */
  ends: Int32Array;
  /** 1 for the lines cleaned, 0 for those left as they were read. */
  cleaned: Uint8Array;
  count: number;
  /** Section markers, by line index in this block. */
  markers: Map<number, SectionMarker[]>;
  /** Lines cut because the raw line was longer than the raw cap. */
  cut: Set<number>;
}

export interface BlockOptions {
  /** Bytes of raw text per block (default 1 MiB). */
  blockSize?: number;
  /** Raw bytes kept of one line; the rest is dropped before cleaning. */
  rawCap: number;
}

const ESC = 0x1b;
const CR = 0x0d;
const LF = 0x0a;
const SECTION = Buffer.from('section_');
// The runner's 32-byte timestamp header when FF_TIMESTAMPS is on:
// RFC 3339 with six fractional digits, stream id, O/E, and ' ' or '+'.
const TIMESTAMP_HEADER =
  /^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d\.\d{6}Z [0-9a-f]{2}[EO][+ ]$/;
const TIMESTAMP_LENGTH = 32;
const SECTION_MARKER =
  /section_(start|end):\d{1,20}:([A-Za-z0-9_.-]{1,200})(?:\[[^\]\r\n]{0,200}\])?\r?(?:\x1b\[0K)?/y;

/** Index of the line that contains byte `at` of `block.text`. */
export function lineAt(block: CleanBlock, at: number): number {
  let lo = 0;
  let hi = block.count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((block.starts[mid] as number) <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** End of line `i` in `block.text`, without its `\n` or a CRLF's `\r`. */
export function lineEnd(block: CleanBlock, i: number): number {
  return block.ends[i] as number;
}

function isTimestamped(raw: Buffer, s: number, e: number): boolean {
  return (
    e - s >= TIMESTAMP_LENGTH &&
    raw[s + 4] === 0x2d &&
    raw[s + 10] === 0x54 &&
    TIMESTAMP_HEADER.test(raw.toString('latin1', s, s + TIMESTAMP_LENGTH))
  );
}

/** Whether a byte must be cleaned away: C0 controls other than tab, DEL, or an 8-bit CSI. */
function hasControl(raw: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const b = raw[i] as number;
    if ((b < 0x20 && b !== 0x09) || b === 0x7f || (b === 0xc2 && raw[i + 1] === 0x9b)) return true;
  }
  return false;
}

/** Length of the escape sequence at `i` (ESC or the UTF-8 8-bit CSI), at least 1. */
function escapeLength(raw: Buffer, i: number, e: number): number {
  let j: number;
  if (raw[i] === 0xc2) {
    j = i + 2; // C2 9B: CSI
  } else {
    const next = raw[i + 1] ?? 0;
    if (i + 1 >= e) return 1;
    if (next === 0x5d) {
      // OSC: up to BEL or ESC \ (hyperlinks, window titles).
      for (j = i + 2; j < e; j++) {
        if (raw[j] === 0x07) return j + 1 - i;
        if (raw[j] === ESC && raw[j + 1] === 0x5c) return j + 2 - i;
      }
      return e - i;
    }
    if (next >= 0x20 && next <= 0x2f) {
      // nF: intermediates, then one final byte (charset selection).
      j = i + 1;
      while (j < e && (raw[j] as number) >= 0x20 && (raw[j] as number) <= 0x2f) j++;
      return (j < e && (raw[j] as number) >= 0x30 && (raw[j] as number) <= 0x7e ? j + 1 : j) - i;
    }
    if (next !== 0x5b) return next >= 0x30 && next <= 0x7e ? 2 : 1;
    j = i + 2;
  }
  while (j < e && (raw[j] as number) >= 0x30 && (raw[j] as number) <= 0x3f) j++;
  while (j < e && (raw[j] as number) >= 0x20 && (raw[j] as number) <= 0x2f) j++;
  if (j < e && (raw[j] as number) >= 0x40 && (raw[j] as number) <= 0x7e) j++;
  return j - i;
}

/** Whether an erase-line sequence (ESC[K, ESC[0K, ESC[2K) that is not a marker's starts at `i`. */
function isEraseLine(raw: Buffer, i: number, e: number): boolean {
  if (raw[i] !== ESC || raw[i + 1] !== 0x5b) return false;
  let j = i + 2;
  if (raw[j] === 0x30 || raw[j] === 0x32) j++;
  return j < e && raw[j] === 0x4b && !isSectionAt(raw, j + 1);
}

/**
 * Whether `section_` starts at `i`. Checked where the cleaner stands rather
 * than searched for ahead: a search runs to the end of the buffer whenever a
 * block has no marker left, which cost as much as the rest of the cleaning.
 */
function isSectionAt(raw: Buffer, i: number): boolean {
  if (raw[i] !== 0x73) return false;
  for (let k = 1; k < SECTION.length; k++) if (raw[i + k] !== SECTION[k]) return false;
  return true;
}

/**
 * Reusable state for cleaning blocks: the line tables. One per log; blocks
 * must be given in order, and a block's tables are valid until the next.
 */
export class BlockCleaner {
  private starts: Int32Array;
  private ends: Int32Array;
  private cleaned: Uint8Array;
  /** The line count after `plainLines`. */
  private recorded = 0;

  /**
   * `lines` is room for the lines a block usually has (they grow when a
   * block has more). Growing them while a block is cleaned throws away the
   * JIT's code for the loops, which is then compiled again: on two cores
   * that costs more than cleaning a block.
   */
  constructor(
    private readonly rawCap: number,
    lines = 1024,
  ) {
    this.starts = new Int32Array(lines);
    this.ends = new Int32Array(lines);
    this.cleaned = new Uint8Array(lines);
  }

  /**
   * Cleans the whole lines in `raw[0, end)` in place. The fast path finds
   * the lines to clean by their escapes, `\r`s and timestamps; `full` also
   * looks for every other control character, byte by byte (see
   * `STRAY_CONTROLS`), which `cleanControls` can do later for the lines the
   * fast path left.
   */
  clean(raw: Buffer, end: number, full: boolean): CleanBlock {
    const line = new LineState(new Map());
    const cut = new Set<number>();
    let { starts, ends, cleaned } = this;
    const rawCap = this.rawCap;
    let count = 0;
    let nextEsc = nextByte(raw, ESC, 0, end);
    let nextCr = nextByte(raw, CR, 0, end);

    let s = 0;
    while (s < end) {
      if (!full) {
        s = this.plainLines(raw, s, end, nextEsc < nextCr ? nextEsc : nextCr, count);
        count = this.recorded;
        ({ starts, ends, cleaned } = this);
        if (s >= end) break;
      }
      let nl = raw.indexOf(LF, s);
      if (nl === -1 || nl >= end) nl = end;
      let e = nl;
      if (count + 2 > starts.length) {
        ({ starts, ends, cleaned } = this.grow());
      }
      if (e - s > rawCap) {
        e = s + rawCap;
        cut.add(count);
      }
      // A CRLF line's own `\r` needs no cleaning.
      const dirty =
        e < nl ||
        nextEsc < e ||
        nextCr < nl - 1 ||
        (raw[s + 4] === 0x2d && isTimestamped(raw, s, e)) ||
        (full && hasControl(raw, s, e === nl && raw[nl - 1] === CR ? nl - 1 : e));
      if (!dirty) {
        starts[count] = s;
        ends[count] = nl > s && raw[nl - 1] === CR ? nl - 1 : nl;
        cleaned[count] = 0;
        count += 1;
        if (nextCr < nl) nextCr = nextByte(raw, CR, nl, end);
        s = nl + 1;
        continue;
      }
      line.index = count;
      line.prevEnd = count > 0 ? (ends[count - 1] as number) : 0;
      const start = cleanLine(raw, s, e, line);
      // A continuation (start -1) lengthens the line before.
      const index = start === -1 ? count - 1 : count;
      if (start !== -1) {
        starts[count] = start;
        count += 1;
      }
      ends[index] = line.w;
      cleaned[index] = 1;
      for (let k = line.w; k < nl; k++) raw[k] = LF;
      if (nextEsc < nl) nextEsc = nextByte(raw, ESC, nl, end);
      if (nextCr < nl) nextCr = nextByte(raw, CR, nl, end);
      s = nl + 1;
    }
    starts[count] = end + 1;
    return { text: raw.subarray(0, end), starts, ends, cleaned, count, markers: line.markers, cut };
  }

  /**
   * The common case, in a function of its own (small, so the JIT optimises
   * it early): records the lines from `s` on that end before `stop` (the
   * next escape or `\r`) and are neither too long nor timestamped, from line
   * `count` on. Returns where it stopped; `recorded` is then the line count.
   */
  private plainLines(raw: Buffer, s: number, end: number, stop: number, count: number): number {
    let { starts, ends, cleaned } = this;
    const rawCap = this.rawCap;
    while (s < end) {
      let nl = raw.indexOf(LF, s);
      if (nl === -1 || nl >= end) nl = end;
      if (nl > stop || nl - s > rawCap || raw[s + 4] === 0x2d) break;
      if (count + 2 > starts.length) ({ starts, ends, cleaned } = this.grow());
      starts[count] = s;
      ends[count] = nl;
      cleaned[count] = 0;
      count += 1;
      s = nl + 1;
    }
    this.recorded = count;
    return s;
  }

  private grow() {
    const size = this.starts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const cleaned = new Uint8Array(size);
    starts.set(this.starts);
    ends.set(this.ends);
    cleaned.set(this.cleaned);
    this.starts = starts;
    this.ends = ends;
    this.cleaned = cleaned;
    return { starts, ends, cleaned };
  }
}

/**
 * Cleans, in place, the lines of a block that the fast path left and that
 * still hold a control character, as `clean(raw, end, true)` would have:
 * those lines are still their raw bytes.
 */
export function cleanControls(block: CleanBlock): void {
  const { text, starts, ends, cleaned, count } = block;
  const line = new LineState(block.markers);
  for (let i = 0; i < count; i++) {
    const s = starts[i] as number;
    // A CRLF's own `\r` makes no line dirty (as in the full path), but is cleaned with one that is.
    if (cleaned[i] || !hasControl(text, s, ends[i] as number)) continue;
    const e = text[ends[i] as number] === CR ? (ends[i] as number) + 1 : (ends[i] as number);
    line.index = i;
    cleanLine(text, s, e, line);
    for (let k = line.w; k < e; k++) text[k] = LF;
    ends[i] = line.w;
    cleaned[i] = 1;
  }
}

/** Where `cleanLine` is (a class: one shape for the JIT, wherever it is made). */
class LineState {
  /** The line being cleaned, by index in the block. */
  index = 0;
  /** Where the output ends after the line. */
  w = 0;
  /** Where the line before ends in the output, for a line that continues it. */
  prevEnd = 0;

  constructor(readonly markers: Map<number, SectionMarker[]>) {}
}

function nextByte(raw: Buffer, what: number, from: number, end: number): number {
  const at = raw.indexOf(what, from);
  return at === -1 || at >= end ? end : at;
}

/**
 * Cleans one line in place (the output never overtakes the input): drops a timestamp header, escapes, markers
 * (recording them) and controls, and lets a `\r` send the cursor back to the
 * line's start as a terminal does. Returns where the line starts,
 * or -1 when it continues the line before (a timestamp header marked '+'),
 * whose text then goes on at `state.prevEnd`; `state.w` is where the output ends.
 */
function cleanLine(raw: Buffer, s: number, e: number, state: LineState): number {
  let i = s;
  let w = s;
  let start = w;
  if (e > s && raw[e - 1] === CR) e -= 1;
  if (raw[s + 4] === 0x2d && isTimestamped(raw, s, e)) {
    i += TIMESTAMP_LENGTH;
    if (raw[s + TIMESTAMP_LENGTH - 1] === 0x2b && state.index > 0) {
      w = state.prevEnd;
      start = -1;
    }
  }
  // Markers of a continuation belong to the line it continues.
  const index = start === -1 ? state.index - 1 : state.index;
  const lineStart = w;
  let cursor = w;
  // How far the line shows, up to the last `\r` (the cursor may be past it).
  let shown = w;
  while (i < e) {
    const b = raw[i] as number;
    // Most bytes are text: copied as they are.
    if (b >= 0x20 && b !== 0x7f && b !== 0xc2 && b !== 0x73) {
      raw[cursor++] = b;
      i += 1;
      continue;
    }
    if (b === 0x73 && isSectionAt(raw, i)) {
      const found = marker(raw, i, e);
      if (found) {
        const list = state.markers.get(index) ?? [];
        list.push(found.marker);
        state.markers.set(index, list);
        i += found.length;
        continue;
      }
    }
    if (b === ESC || (b === 0xc2 && raw[i + 1] === 0x9b)) {
      i += escapeLength(raw, i, e);
    } else if (b === CR) {
      if (cursor > shown) shown = cursor;
      i += 1;
      cursor = lineStart;
      if (isEraseLine(raw, i, e)) {
        shown = lineStart;
        i += escapeLength(raw, i, e);
      }
    } else if ((b < 0x20 && b !== 0x09) || b === 0x7f) {
      i += 1;
    } else {
      raw[cursor++] = b;
      i += 1;
    }
  }
  if (cursor > shown) shown = cursor;
  // A shorter overwrite may leave half a UTF-8 character behind: drop its orphaned bytes.
  if (cursor < shown && ((raw[cursor] as number) & 0xc0) === 0x80) {
    let k = cursor;
    while (k < shown && ((raw[k] as number) & 0xc0) === 0x80) k++;
    raw.copy(raw, cursor, k, shown);
    shown -= k - cursor;
  }
  state.w = shown;
  return start;
}

function marker(raw: Buffer, i: number, e: number): { marker: SectionMarker; length: number } | undefined {
  SECTION_MARKER.lastIndex = 0;
  const m = SECTION_MARKER.exec(raw.toString('latin1', i, Math.min(e, i + 512)));
  if (!m) return undefined;
  return { marker: { kind: m[1] as 'start' | 'end', name: m[2] as string }, length: m[0].length };
}
