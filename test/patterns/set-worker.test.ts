import { tmpdir } from 'node:os';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { classifyChunks } from '../../src/patterns/classify.js';
import { loadLibrary } from '../../src/patterns/load.js';
import { startSetWorker, type SetWorker } from '../../src/patterns/set-worker.js';

// The worker thread that runs the rules' set beside the cleaning: it must
// start from any working directory, and never be waited for before it can answer.

const library = loadLibrary();
const sources = ['denied', '^\\$ ', 'x{3}'];
const text = Buffer.from('ok\n$ make\naccess denied\nxxx\n');

async function whenReady(worker: SetWorker): Promise<boolean> {
  for (let i = 0; i < 400; i++) {
    if (worker.acquire()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

describe('the set worker', () => {
  it('starts and answers as the set does, whatever the working directory', async () => {
    const cwd = process.cwd();
    // Started and used from a folder with no node_modules.
    process.chdir(tmpdir());
    let hits: number[] | undefined;
    try {
      const worker = startSetWorker(sources, 8 << 20, 1 << 16);
      if (worker && (await whenReady(worker))) {
        hits = worker.collect(worker.submit(text).slot);
        worker.release();
      }
    } finally {
      process.chdir(cwd);
    }

    expect(hits).toEqual(new RE2.Set(sources, 'm').match(text));
  });

  it('answers every block once, whenever the answers are collected', async () => {
    const worker = startSetWorker(sources, 8 << 20, 1 << 16);
    expect(worker && (await whenReady(worker))).toBe(true);
    const expected = new RE2.Set(sources, 'm').match(text);
    const answers: (number[] | undefined)[] = [];
    for (let round = 0; round < 4 && worker; round++) {
      const first = worker.submit(text).slot;
      const second = worker.submit(Buffer.from('nothing\n')).slot;
      // Both answered before either is collected: the worker must then wait for the next block.
      await new Promise((resolve) => setTimeout(resolve, 20));
      answers.push(worker.collect(first), worker.collect(second));
      answers.push(worker.collect(worker.submit(text).slot));
    }
    worker?.release();

    expect(answers).toEqual(Array.from({ length: 4 }, () => [expected, [], expected]).flat());
  });

  it('matches a block from the line it is given, leaving the lines before to the caller', async () => {
    const worker = startSetWorker(sources, 8 << 20, 1 << 16);
    expect(worker && (await whenReady(worker))).toBe(true);
    const block = Buffer.from('access denied\n$ make\nxxx\n');
    const from = block.indexOf('$ make');

    const { slot, text } = worker!.submit(block, from);
    const hits = worker!.collect(slot);
    worker!.release();

    expect(text.equals(block)).toBe(true);
    expect(hits).toEqual(new RE2.Set(sources, 'm').match(block.subarray(from)));
    expect(hits).toEqual([1, 2]);
  });

  it('frees the set worker when reading a log fails halfway, so the next log can use it', async () => {
    const worker = library.scanner.worker();
    let ready = false;
    for (let i = 0; i < 400 && worker && !ready; i++) {
      ready = worker.acquire();
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    worker?.release();
    expect(ready).toBe(true);
    function* failingRead() {
      for (let i = 0; i < 4; i++) yield Buffer.from('$ make\nbuilding\n'.repeat(100));
      throw new Error('EIO: the disk went away');
    }

    expect(() => classifyChunks(failingRead(), library, { blockSize: 512, long: true })).toThrow('EIO');

    expect(worker?.acquire()).toBe(true);
    worker?.release();
  });

  it('is not handed out before it has built its set', () => {
    const worker = startSetWorker(sources, 8 << 20, 1 << 16);

    expect(worker?.acquire()).toBe(false);
  });
});
