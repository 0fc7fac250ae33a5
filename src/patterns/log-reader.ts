/**
 * Gathers a log given in pieces of any size into blocks of whole lines, so
 * the cleaner and the classifier never see half a line, whatever the
 * chunking. Memory stays at one block plus two capped lines.
 */
export interface BlockReader {
  write(chunk: Uint8Array | string): void;
  /**
   * Reads the rest of the log from `read` straight into the block being
   * gathered, until it gives 0 bytes; `read(into, at, length)` is
   * `fs.readSync`'s shape. A file is not copied twice, and no second
   * buffer's pages are touched.
   */
  read(read: ReadInto): void;
  end(): void;
}

/** Reads up to `length` bytes into `into` at `at`; returns how many (0 at the end). */
export type ReadInto = (into: Buffer, at: number, length: number) => number;

export const DEFAULT_BLOCK_SIZE = 1 << 20;

const LF = 0x0a;

/** Whether the line at `at` starts with a runner timestamp marked '+' (continues the line before). */
function isContinuation(buffer: Buffer, at: number): boolean {
  return buffer[at + 4] === 0x2d && buffer[at + 10] === 0x54 && buffer[at + 31] === 0x2b;
}

/**
 * `onBlock(raw, end)` gets whole lines `raw[0, end)`; the buffer is reused
 * after it returns. A raw line longer than `rawCap` keeps `rawCap + 1`
 * bytes, enough for the cleaner to see that it was cut.
 */
export function createBlockReader(
  onBlock: (raw: Buffer, end: number) => void,
  options: { blockSize?: number; rawCap: number },
): BlockReader {
  const blockSize = Math.max(1, options.blockSize ?? DEFAULT_BLOCK_SIZE);
  const keep = options.rawCap + 1;
  // How much a held-back line and the lines it continues may take. A longer
  // chain of continued lines is cleaned in two blocks, as two lines.
  const holdLimit = 16 * keep;
  // A block, the lines held back at its end, and the line being read.
  const staging = Buffer.allocUnsafe(blockSize + holdLimit + keep + 1);
  let fill = 0;
  // Start of the unfinished last line in `staging`.
  let partial = 0;
  // The unfinished line reached `keep` bytes: skip input until its `\n`.
  let dropping = false;

  function flush(final: boolean) {
    let end = final ? fill : partial;
    if (!final && end > 0) {
      // Hold the last whole line back, with the lines that it continues: a
      // runner timestamp marked '+' on the next line continues it, and the
      // pieces of one line must be cleaned together.
      let last = lineStartBefore(end);
      while (last > 0 && end - last <= holdLimit && isContinuation(staging, last)) {
        last = lineStartBefore(last);
      }
      if (end - last <= holdLimit) end = last;
    }
    if (end === 0) return;
    onBlock(staging, end);
    staging.copy(staging, 0, end, fill);
    fill -= end;
    partial = Math.max(0, partial - end);
  }

  function lineStartBefore(end: number): number {
    return end >= 2 ? staging.lastIndexOf(LF, end - 2) + 1 : 0;
  }

  /** `staging[fill, fill + n)` was just read in: the same as `append` does with its copy. */
  function took(n: number) {
    const from = fill;
    let end = fill + n;
    if (dropping) {
      const nl = staging.subarray(from, end).indexOf(LF);
      if (nl === -1) return;
      staging.copy(staging, from, from + nl, end);
      end -= nl;
      dropping = false;
    }
    const nl = staging.subarray(from, end).lastIndexOf(LF);
    if (nl !== -1) partial = from + nl + 1;
    fill = end;
    if (fill - partial > keep) {
      // The rest of this line, as far as it was read, has no `\n`: skip input up to it.
      fill = partial + keep;
      dropping = true;
    }
    if (fill >= blockSize) flush(false);
  }

  function append(bytes: Buffer) {
    let off = 0;
    while (off < bytes.length) {
      if (dropping) {
        const nl = bytes.indexOf(LF, off);
        if (nl === -1) return;
        off = nl;
        dropping = false;
      }
      // The staging never fills up: a flush leaves at most the held lines and a capped partial.
      const n = Math.min(bytes.length - off, staging.length - fill);
      bytes.copy(staging, fill, off, off + n);
      const nl = n > 0 ? bytes.lastIndexOf(LF, off + n - 1) : -1;
      if (nl >= off) partial = fill + (nl - off) + 1;
      fill += n;
      off += n;
      if (fill - partial > keep) {
        fill = partial + keep;
        const next = bytes.indexOf(LF, off);
        dropping = next === -1;
        off = next === -1 ? bytes.length : next;
      }
      if (fill >= blockSize) flush(false);
    }
  }

  return {
    write(chunk) {
      if (typeof chunk === 'string') append(Buffer.from(chunk, 'utf8'));
      else if (Buffer.isBuffer(chunk)) append(chunk);
      else append(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    },
    read(read) {
      for (;;) {
        // Blocks as `write` makes them from blocks of `blockSize`; lines held back past it still fit.
        const n = read(staging, fill, fill < blockSize ? blockSize - fill : staging.length - fill);
        if (n <= 0) return;
        took(n);
      }
    },
    end() {
      flush(true);
      fill = 0;
      partial = 0;
      dropping = false;
    },
  };
}
