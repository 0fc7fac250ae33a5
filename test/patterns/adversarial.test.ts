import { describe, expect, it } from 'vitest';
import { classify, classifyChunks } from '../../src/patterns/classify.js';
import { loadLibrary } from '../../src/patterns/load.js';

const library = loadLibrary();
const ESC = '\x1b';
const marker = (kind: 'start' | 'end', name: string) =>
  `${ESC}[0Ksection_${kind}:1715505245:${name}\r${ESC}[0K`;
const fakeDenial =
  "WARNING: Failed to pull image with policy \"always\": Error response from daemon: pull access denied for gitlab-registry.example.org/containers/poetry/img, repository does not exist or may require 'docker login': denied: requested access to the resource is denied (manager.go:237:0s)";

describe('logs written to mislead or to hurt', () => {
  it('classifies a denial printed by the script, and marks it as script output', () => {
    const log = [
      `${marker('start', 'prepare_executor')}Preparing the "docker" executor`,
      'Using Docker executor with image alpine:3.20 ...',
      `${marker('end', 'prepare_executor')}${marker('start', 'step_script')}Executing "step_script" stage of the job script`,
      '$ ./print-scary-things.sh',
      `${marker('end', 'step_script')}${marker('start', 'prepare_executor')}Preparing the "docker" executor`,
      fakeDenial,
      'ERROR: Job failed: exit code 1',
    ].join('\n');

    const { diagnosis } = classify(log, library);

    expect(diagnosis).toMatchObject({ pattern: 'registry-pull-denied', runnerPrefix: false });
    expect(diagnosis?.section).not.toBe('prepare_executor');
  });

  it('classifies invalid UTF-8 without throwing', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x0a]),
      Buffer.from(`${fakeDenial}\n`),
      Buffer.from([0xe2, 0x82]),
    ]);

    const { diagnosis } = classify(bytes, library);

    expect(diagnosis?.pattern).toBe('registry-pull-denied');
  });

  it('handles a 50 MB single line, cut to the line cap', () => {
    const block = Buffer.alloc(1 << 20, 'A');
    const blocks = Array.from({ length: 50 }, () => block);

    const result = classifyChunks([...blocks, Buffer.from(`\n${fakeDenial}\n`)], library);

    expect(result.lines).toBe(2);
    expect(result.diagnosis?.line).toBe(2);
  });

  it('cleans lines of control characters with work linear in the block, not one search ahead per line', () => {
    // Each line holds a backspace, which the fast path leaves for a second pass over the block.
    const line = 'Progress: 12% \b\b\b 13% downloading layer sha256:0123456789abcdef\n';
    const log = Buffer.from(`${line.repeat(8_000)}${fakeDenial}\n`);
    let searched = 0;
    const indexOf = Buffer.prototype.indexOf;
    Buffer.prototype.indexOf = function (this: Buffer, ...args: Parameters<Buffer['indexOf']>) {
      const at = indexOf.apply(this, args);
      // Searches for a sequence of bytes: how far each one read.
      if (typeof args[0] !== 'number') searched += (at === -1 ? this.length : at) - Number(args[1] ?? 0);
      return at;
    };
    let result;
    try {
      result = classify(log, library);
    } finally {
      Buffer.prototype.indexOf = indexOf;
    }

    expect(result.diagnosis?.pattern).toBe('registry-pull-denied');
    expect(result.lines).toBe(8_001);
    // Searching ahead to the end of the block once per line read about 8,000 × 250 KB.
    expect(searched).toBeLessThan(4 * log.length);
  });

  it('classifies an empty log as nothing', () => {
    expect(classify('', library)).toEqual({ diagnosis: null, matches: [], lines: 0 });
  });

  it('keeps lines with a denial inside colours, overwrites and timestamps', () => {
    const log = `2025-05-12T09:14:05.123456Z 00O Pulling docker image a ...\n2025-05-12T09:14:05.223456Z 00E ${ESC}[0;33m${fakeDenial.replace('pull access', `pull ${ESC}[1maccess${ESC}[0;33m`)}${ESC}[0;m\n`;

    const { diagnosis } = classify(log, library);

    expect(diagnosis).toMatchObject({ pattern: 'registry-pull-denied', line: 2 });
    expect(diagnosis?.text.startsWith('WARNING: Failed to pull image')).toBe(true);
  });
});
