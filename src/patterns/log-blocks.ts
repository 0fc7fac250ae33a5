/**
 * Cuts a raw job log (the bytes GET /jobs/:id/trace returns) into blocks of
 * about 1 MiB of whole lines and cleans each block in one go, without
 * decoding it: ANSI escapes, section markers, runner timestamps and stray
 * control characters are removed and `\r` overwrites are resolved, so each
 * line of a block's `text` is what the job page shows. Lines with nothing
 * to clean are not copied at all; a block with none is its own text.
 */

export interface SectionMarker {
  kind: 'start' | 'end';
  name: string;
}

export interface CleanBlock {
  /**
   * The cleaned lines, `\n`-separated. A line may still end with the `\r` of
   * a CRLF line end and may be longer than the line cap: `lineEnd` and the
   * caller's cap take care of both.
   */
  text: Buffer;
  /** Start of each line in `text`; entry `count` is one past the last line's end. */
  starts: Int32Array;
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
  const start = block.starts[i] as number;
  let end = (block.starts[i + 1] as number) - 1;
  if (end > start && block.text[end - 1] === CR) end -= 1;
  return end;
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
  return j < e && raw[j] === 0x4b && raw.indexOf(SECTION, j + 1) !== j + 1;
}

/**
 * Reusable state for cleaning blocks: the output buffer and the line table.
 * One per log; blocks must be given in order.
 */
export class BlockCleaner {
  private out = Buffer.alloc(0);
  private starts = new Int32Array(1024);

  constructor(private readonly rawCap: number) {}

  /**
   * Cleans the whole lines in `raw[0, end)`. The fast path finds the lines
   * to clean by their escapes, `\r`s and timestamps; `full` also looks for
   * every other control character, byte by byte (see `STRAY_CONTROLS`).
   */
  clean(raw: Buffer, end: number, full: boolean): CleanBlock {
    if (this.out.length < end) this.out = Buffer.allocUnsafe(Math.max(end, 1 << 16));
    const out = this.out;
    const line: LineState = { markers: new Map(), nextSection: -2, index: 0, w: 0 };
    const cut = new Set<number>();
    let starts = this.starts;
    let count = 0;
    // Clean bytes [runStart, s) are copied in one piece when a dirty line or the end comes;
    // until the first dirty line nothing is copied at all.
    let copying = false;
    let runStart = 0;
    let w = 0;
    let nextEsc = nextByte(raw, ESC, 0, end);
    let nextCr = nextByte(raw, CR, 0, end);

    let s = 0;
    while (s < end) {
      let nl = raw.indexOf(LF, s);
      if (nl === -1 || nl >= end) nl = end;
      let e = nl;
      if (count + 2 > starts.length) {
        const bigger = new Int32Array(starts.length * 2);
        bigger.set(starts);
        starts = this.starts = bigger;
      }
      if (e - s > this.rawCap) {
        e = s + this.rawCap;
        cut.add(count);
      }
      // A CRLF line's own `\r` needs no cleaning.
      const dirty =
        e < nl ||
        nextEsc < e ||
        nextCr < nl - 1 ||
        (raw[s + 4] === 0x2d && isTimestamped(raw, s, e)) ||
        (full && hasControl(raw, s, e));
      if (!dirty) {
        starts[count] = copying ? w + (s - runStart) : s;
        count += 1;
        if (nextCr < nl) nextCr = nextByte(raw, CR, nl, end);
        s = nl + 1;
        continue;
      }
      if (!copying) {
        copying = true;
        w = raw.copy(out, 0, 0, s);
      } else if (runStart < s) {
        w += raw.copy(out, w, runStart, s);
      }
      if (line.nextSection !== -1 && line.nextSection < s) {
        line.nextSection = nextByte(raw, SECTION, s, end);
        if (line.nextSection === end) line.nextSection = -1;
      }
      line.index = count;
      const start = cleanLine(raw, s, e, out, w, line);
      w = line.w;
      if (start !== -1) {
        starts[count] = start;
        count += 1;
      }
      if (nl < end) out[w++] = LF;
      runStart = nl + 1;
      if (nextEsc < nl) nextEsc = nextByte(raw, ESC, nl, end);
      if (nextCr < nl) nextCr = nextByte(raw, CR, nl, end);
      s = nl + 1;
    }
    let text: Buffer;
    if (copying) {
      if (runStart < end) w += raw.copy(out, w, runStart, end);
      text = out.subarray(0, w);
    } else {
      text = raw.subarray(0, end);
    }
    // One past the last line's end, as if a `\n` followed it.
    starts[count] = text.length > 0 && text[text.length - 1] === LF ? text.length : text.length + 1;
    return { text, starts, count, markers: line.markers, cut };
  }
}

interface LineState {
  markers: Map<number, SectionMarker[]>;
  /** Where the next `section_` is in the raw block; -1 when there is none, -2 before looking. */
  nextSection: number;
  /** The line being cleaned, by index in the block. */
  index: number;
  /** Where the output ends after the line. */
  w: number;
}

function nextByte(raw: Buffer, what: number | Buffer, from: number, end: number): number {
  const at = raw.indexOf(what, from);
  return at === -1 || at >= end ? end : at;
}

/**
 * Cleans one line into `out` at `w`: drops a timestamp header, escapes,
 * markers (recording them) and controls, and lets a `\r` send the cursor
 * back to the line's start as a terminal does. Returns where the line starts
 * in `out`, or -1 when it continues the line before (a timestamp header
 * marked '+'); `state.w` is where the output ends.
 */
function cleanLine(raw: Buffer, s: number, e: number, out: Buffer, w: number, state: LineState): number {
  let i = s;
  let start = w;
  if (e > s && raw[e - 1] === CR) e -= 1;
  if (raw[s + 4] === 0x2d && isTimestamped(raw, s, e)) {
    i += TIMESTAMP_LENGTH;
    if (raw[s + TIMESTAMP_LENGTH - 1] === 0x2b && state.index > 0) {
      // Drop the previous line's `\n` (and the `\r` of a CRLF): this text goes on it.
      w -= 1;
      if (w > 0 && out[w - 1] === CR) w -= 1;
      start = -1;
    }
  }
  // Markers of a continuation belong to the line it continues.
  const index = start === -1 ? state.index - 1 : state.index;
  const lineStart = w;
  let cursor = w;
  let shown = w;
  while (i < e) {
    const b = raw[i] as number;
    if (i === state.nextSection) {
      const found = marker(raw, i, e);
      state.nextSection = raw.indexOf(SECTION, i + 1);
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
      i += 1;
      cursor = lineStart;
      if (isEraseLine(raw, i, e)) {
        shown = lineStart;
        i += escapeLength(raw, i, e);
      }
    } else if ((b < 0x20 && b !== 0x09) || b === 0x7f) {
      i += 1;
    } else {
      out[cursor++] = b;
      if (cursor > shown) shown = cursor;
      i += 1;
    }
  }
  // A shorter overwrite may leave half a UTF-8 character behind: drop its orphaned bytes.
  if (cursor < shown && ((out[cursor] as number) & 0xc0) === 0x80) {
    let k = cursor;
    while (k < shown && ((out[k] as number) & 0xc0) === 0x80) k++;
    out.copy(out, cursor, k, shown);
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
