import type { CleanBlock } from './log-blocks.js';

/** A copy of a block's last lines: line `i` is `text[starts[i] - base, ends[i] - base)`. */
interface Part {
  text: Buffer;
  base: number;
  starts: Int32Array;
  ends: Int32Array;
}

/**
 * The last lines of the blocks read so far, for context rules that look
 * back past the start of a block. A block's lines live in a buffer that is
 * reused, so each block's last lines are copied, in one piece with their
 * line tables, without a loop over them: a copy per line cost more than
 * the copying itself, in allocations and in the JIT's work on a loop that
 * runs for every block.
 */
export class LineHistory {
  /** Oldest first. */
  private parts: Part[] = [];
  private count = 0;

  constructor(
    private readonly keep: number,
    private readonly maxLength: number,
  ) {}

  /** Lines held, at most `keep`. */
  get length(): number {
    return Math.min(this.count, this.keep);
  }

  /** Keeps the block's last `keep` lines. */
  add(block: CleanBlock): void {
    if (this.keep === 0 || block.count === 0) return;
    const from = Math.max(0, block.count - this.keep);
    const base = block.starts[from] as number;
    // The last line ends furthest: lines are in order and apart.
    const last = block.ends[block.count - 1] as number;
    this.parts.push({
      text: Buffer.from(block.text.subarray(base, last)),
      base,
      starts: block.starts.slice(from, block.count),
      ends: block.ends.slice(from, block.count),
    });
    this.count += block.count - from;
    // Drop the oldest copies once the newer ones hold `keep` lines without them.
    while (this.count - (this.parts[0]?.starts.length ?? 0) >= this.keep) {
      this.count -= (this.parts.shift() as Part).starts.length;
    }
  }

  /**
   * The line `back` lines before the current block (1 is the last line
   * kept), cut at `maxLength` as the matcher reads lines; undefined past
   * what is kept.
   */
  line(back: number): Buffer | undefined {
    if (back < 1 || back > this.length) return undefined;
    let skip = back;
    for (let p = this.parts.length - 1; p >= 0; p--) {
      const part = this.parts[p] as Part;
      if (skip <= part.starts.length) {
        const i = part.starts.length - skip;
        const start = (part.starts[i] as number) - part.base;
        const end = Math.min((part.ends[i] as number) - part.base, start + this.maxLength);
        return part.text.subarray(start, end);
      }
      skip -= part.starts.length;
    }
    return undefined;
  }
}
