import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Runs the rule set's pass over a block (from a line the caller picks on)
 * in a worker thread, so that on a second core it overlaps the cleaning of
 * the next block.
 * The hand-over is synchronous, through shared memory and Atomics, because
 * `classify` is: two slots, used in turn.
 */
export interface SetWorker {
  /** Bytes a slot holds. */
  readonly capacity: number;
  /**
   * Copies `text` into the next slot and starts the set on its bytes from
   * `from` on (the caller may match the bytes before itself); returns the
   * slot and its copy of the text.
   */
  submit(text: Buffer, from?: number): { slot: number; text: Buffer };
  /** Whether the set's answer for `slot` is there, so that `collect` does not wait. */
  answered(slot: number): boolean;
  /** The set's answer for `slot`, or undefined when the worker did not give one in time. */
  collect(slot: number): number[] | undefined;
  /**
   * The worker is shared by the classifiers of one library: one at a time,
   * and only once it has built its set (until then the caller matches by itself).
   */
  acquire(): boolean;
  release(): void;
}

const IDLE = 0;
const SUBMITTED = 1;
const DONE = 2;
// Slot states are ints 0 and 1; then each slot's text length, where its match starts, its
// hit count, whether the set is built, and whether the second slot's pages are touched.
const LENGTH = 2;
const FROM = 4;
const COUNT = 6;
const READY = 8;
const TOUCHED = 9;
const HITS = 10;
// A worker that answers slower than this is taken for dead; the caller matches by itself.
const DEADLINE_MS = 30_000;

// CommonJS source, so that it runs the same from the TypeScript sources and from dist/.
const THREAD = `
const { workerData } = require('node:worker_threads');
const { re2, sources, maxMem, control, slots, members } = workerData;
const RE2 = require(re2);
const set = new RE2.Set(sources, 'm', { maxMem });
const ctl = new Int32Array(control);
const texts = slots.map((s) => Buffer.from(s));
Atomics.store(ctl, ${READY}, 1);
// The second slot's pages are touched here, while the caller cleans the block it will hand
// over first: the first write to a fresh page is a fault that costs as much as copying the
// page a hundred times, which the caller would pay in \`submit\`.
texts[1].fill(0);
Atomics.store(ctl, ${TOUCHED}, 1);
Atomics.notify(ctl, ${TOUCHED});
const all = Array.from({ length: members }, (_, i) => i);
for (let slot = 0; ; slot ^= 1) {
  // Only a slot handed over since: a slot answered but not yet collected is not matched again.
  for (let state = Atomics.load(ctl, slot); state !== ${SUBMITTED}; state = Atomics.load(ctl, slot)) {
    Atomics.wait(ctl, slot, state);
  }
  let hits;
  try {
    hits = set.match(texts[slot].subarray(ctl[${FROM} + slot], ctl[${LENGTH} + slot]));
  } catch {
    hits = all;
  }
  const base = ${HITS} + slot * members;
  for (let i = 0; i < hits.length; i++) ctl[base + i] = hits[i];
  ctl[${COUNT} + slot] = hits.length;
  Atomics.store(ctl, slot, ${DONE});
  Atomics.notify(ctl, slot);
}
`;

/** A worker started before its library was loaded (see `prestartSetWorker`), until it is taken. */
let early: { key: string; worker: SetWorker | undefined } | undefined;

const workerKey = (sources: readonly string[], maxMem: number, capacity: number) =>
  JSON.stringify([sources, maxMem, capacity]);

/**
 * Starts a worker for a set known before the library is loaded (the build's
 * cache has the built-in library's set), so that the thread starts and builds
 * its set while the main thread loads. `startSetWorker` takes it when asked
 * for the very same set; otherwise it is never used.
 */
export function prestartSetWorker(sources: string[], maxMem: number, capacity: number): void {
  early ??= { key: workerKey(sources, maxMem, capacity), worker: spawnSetWorker(sources, maxMem, capacity) };
}

export function startSetWorker(
  sources: string[],
  maxMem: number,
  capacity: number,
): SetWorker | undefined {
  if (early && early.key === workerKey(sources, maxMem, capacity)) {
    const { worker } = early;
    early = undefined;
    if (worker) return worker;
  }
  return spawnSetWorker(sources, maxMem, capacity);
}

function spawnSetWorker(
  sources: string[],
  maxMem: number,
  capacity: number,
): SetWorker | undefined {
  const members = sources.length;
  const control = new SharedArrayBuffer(4 * (HITS + 2 * members));
  const slots = [new SharedArrayBuffer(capacity), new SharedArrayBuffer(capacity)];
  const ctl = new Int32Array(control);
  const texts = slots.map((s) => Buffer.from(s));
  let alive = true;
  let busy = false;
  // The worker takes the slots in turn, so they are handed out in turn, whoever asks.
  let next = 0;
  let worker: Worker;
  try {
    // Where this module finds re2: an evaluated worker would look from the working directory.
    const re2 = createRequire(import.meta.url).resolve('re2');
    worker = new Worker(THREAD, {
      eval: true,
      workerData: { re2, sources, maxMem, control, slots, members },
    });
  } catch {
    return undefined;
  }
  worker.unref();
  worker.on('error', () => {
    alive = false;
  });
  worker.on('exit', () => {
    alive = false;
  });

  return {
    capacity,
    submit(text, from = 0) {
      const slot = next;
      next ^= 1;
      if (slot === 1) Atomics.wait(ctl, TOUCHED, 0, DEADLINE_MS);
      const copy = (texts[slot] as Buffer).subarray(0, text.length);
      text.copy(copy);
      ctl[LENGTH + slot] = text.length;
      ctl[FROM + slot] = from;
      Atomics.store(ctl, slot, SUBMITTED);
      Atomics.notify(ctl, slot);
      return { slot, text: copy };
    },
    answered(slot) {
      return Atomics.load(ctl, slot) === DONE;
    },
    collect(slot) {
      if (Atomics.wait(ctl, slot, SUBMITTED, DEADLINE_MS) === 'timed-out') {
        alive = false;
        void worker.terminate();
        return undefined;
      }
      const base = HITS + slot * members;
      const hits = Array.from(ctl.subarray(base, base + (ctl[COUNT + slot] as number)));
      Atomics.store(ctl, slot, IDLE);
      return hits;
    },
    acquire() {
      if (!alive || busy || Atomics.load(ctl, READY) !== 1) return false;
      busy = true;
      return true;
    },
    release() {
      busy = false;
    },
  };
}
