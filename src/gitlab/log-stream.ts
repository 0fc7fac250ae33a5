/** Reads a stream keeping only its first and last `maxBytes / 2`. */
export async function readHeadAndTail(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<string> {
  const half = Math.floor(maxBytes / 2);
  const head: Uint8Array[] = [];
  let headBytes = 0;
  const tail: Uint8Array[] = [];
  let tailBytes = 0;
  let skipped = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    let rest = chunk;
    if (headBytes < half) {
      const take = rest.subarray(0, half - headBytes);
      head.push(take);
      headBytes += take.length;
      rest = rest.subarray(take.length);
    }
    if (rest.length === 0) continue;
    tail.push(rest);
    tailBytes += rest.length;
    while (tailBytes > half && tail.length > 0) {
      const first = tail[0] as Uint8Array;
      const excess = tailBytes - half;
      if (first.length <= excess) {
        tail.shift();
        tailBytes -= first.length;
        skipped += first.length;
      } else {
        tail[0] = first.subarray(excess);
        tailBytes -= excess;
        skipped += excess;
      }
    }
  }
  const decoder = new TextDecoder('utf-8');
  const headText = decoder.decode(Buffer.concat(head));
  if (skipped === 0) return headText + new TextDecoder('utf-8').decode(Buffer.concat(tail));
  const tailText = new TextDecoder('utf-8').decode(Buffer.concat(tail));
  const firstBreak = tailText.indexOf('\n');
  return `${headText}\n[pipeline-diagnoser: ${skipped} bytes of this log were skipped]\n${firstBreak === -1 ? tailText : tailText.slice(firstBreak + 1)}`;
}
