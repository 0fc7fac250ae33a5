import { describe, expect, it } from 'vitest';
import {
  cleanLog,
  createLineCleaner,
  keepHeadAndTail,
  type LogLine,
} from '../../src/patterns/clean-log.js';

const ESC = '\x1b';
const start = (name: string, header: string) =>
  `${ESC}[0Ksection_start:1715505245:${name}\r${ESC}[0K${header}`;
const end = (name: string) => `${ESC}[0Ksection_end:1715505246:${name}\r${ESC}[0K`;

describe('cleanLog', () => {
  it('removes colours, section markers and keeps the section of each line', () => {
    const raw = [
      `${ESC}[0KRunning with gitlab-runner 17.5.0 (abc)`,
      `${start('prepare_executor', `${ESC}[36;1mPreparing the "docker" executor${ESC}[0;m`)}`,
      `${ESC}[0;33mWARNING: Failed to pull image${ESC}[0;m`,
      `${end('prepare_executor')}${start('step_script', 'Executing "step_script" stage of the job script')}`,
      `${ESC}[32;1m$ make${ESC}[0;m`,
      'done',
    ].join('\n');

    const lines = cleanLog(raw);

    expect(lines.map((l) => [l.text, l.section, l.runnerPrefix])).toEqual([
      ['Running with gitlab-runner 17.5.0 (abc)', null, true],
      ['Preparing the "docker" executor', 'prepare_executor', true],
      ['WARNING: Failed to pull image', 'prepare_executor', true],
      ['Executing "step_script" stage of the job script', 'step_script', false],
      ['$ make', 'step_script', false],
      ['done', 'step_script', false],
    ]);
  });

  it('strips runner timestamps and joins continuation lines', () => {
    const raw = [
      '2025-05-12T09:14:05.123456Z 00O Pulling docker image alpine ...',
      '2025-05-12T09:14:05.223456Z 00O WARNING: part one,',
      '2025-05-12T09:14:05.323456Z 00O+ part two',
      '2025-05-12T09:14:06.000000Z 01E $ echo hi',
    ].join('\n');

    expect(cleanLog(raw).map((l) => l.text)).toEqual([
      'Pulling docker image alpine ...',
      'WARNING: part one, part two',
      '$ echo hi',
    ]);
  });

  it.each([
    ['progress then final text', 'Downloading 10%\rDownloading 50%\rDone           ', 'Done           '],
    ['shorter overwrite keeps the tail, as a terminal does', 'abcdef\rXY', 'XYcdef'],
    ['erase-line after the carriage return clears it', `abcdef\r${ESC}[0Kxy`, 'xy'],
    ['CRLF line end', 'plain\r', 'plain'],
  ])('resolves carriage returns: %s', (_, raw, shown) => {
    expect(cleanLog(raw)[0]?.text).toBe(shown);
  });

  it('clears the line on an erase sequence even when it follows other text', () => {
    expect(cleanLog(`progress 99%\r${ESC}[2K`)[0]?.text).toBe('');
  });

  it('does not let a script fake its way back into the runner prefix', () => {
    const raw = [
      start('prepare_executor', 'Preparing the "docker" executor'),
      'Using Docker executor with image alpine ...',
      `${end('prepare_executor')}${start('step_script', 'Executing "step_script" stage of the job script')}`,
      '$ ./evil.sh',
      `${end('step_script')}${start('prepare_executor', 'Preparing the "docker" executor')}`,
      "pull access denied for registry.example.com/x/y, repository does not exist or may require 'docker login'",
    ].join('\n');

    const lines = cleanLog(raw);
    const fake = lines.at(-1);

    expect(fake?.runnerPrefix).toBe(false);
    expect(fake?.section).not.toBe('prepare_executor');
  });

  it('treats a pasted log without markers: the script starts at the first "$ " line', () => {
    const lines = cleanLog('Pulling docker image a ...\nok\n$ echo pull access denied\npull access denied');

    expect(lines.map((l) => l.runnerPrefix)).toEqual([true, true, false, false]);
  });

  it('caps line length and survives invalid UTF-8 and an empty log', () => {
    const long = 'x'.repeat(50_000);
    const bytes = new Uint8Array([0x66, 0x6f, 0xff, 0xfe, 0x6f, 0x0a, 0xc3]);

    expect(cleanLog(long, { maxLineLength: 100 })).toEqual([
      {
        number: 1,
        text: 'x'.repeat(100),
        section: null,
        runnerPrefix: true,
        runnerWritten: false,
        truncated: true,
      },
    ]);
    expect(cleanLog(bytes).map((l) => l.text)).toEqual(['fo\uFFFD\uFFFDo', '\uFFFD']);
    expect(cleanLog('')).toEqual([]);
  });

  it('gives the same lines however the input is split into chunks', () => {
    const raw = `${start('prepare_executor', 'Prep')}\nline one\r\nline two ${'y'.repeat(300)}\n\nlast`;
    const whole = cleanLog(raw, { maxLineLength: 64 });

    for (const size of [1, 3, 7, 64, 1000]) {
      const lines: LogLine[] = [];
      const cleaner = createLineCleaner((l) => lines.push(l), { maxLineLength: 64 });
      for (let i = 0; i < raw.length; i += size) cleaner.write(raw.slice(i, i + size));
      cleaner.end();

      expect(lines).toEqual(whole);
    }
  });

  it('keeps head and tail of a huge log and distrusts what follows the cut', () => {
    const raw = `first\n${'middle\n'.repeat(1000)}last line`;

    const kept = keepHeadAndTail(raw, 200);
    const lines = cleanLog(kept);

    expect(kept.length).toBeLessThan(300);
    expect(lines[0]?.text).toBe('first');
    expect(lines.at(-1)).toMatchObject({ text: 'last line', runnerPrefix: false });
    expect(lines.some((l) => l.text.includes('characters of this log were skipped'))).toBe(true);
  });
});

describe('runner-written lines: the runner’s own wording while it prepares the job', () => {
  const denial =
    "WARNING: Failed to pull image with policy \"always\": Error response from daemon: pull access denied for gitlab-registry.example.org/containers/poetry/img, repository does not exist or may require 'docker login': denied: requested access to the resource is denied (manager.go:237:0s)";
  const written = (raw: string) =>
    cleanLog(raw)
      .filter((l) => l.runnerWritten)
      .map((l) => l.text);

  it('are the runner’s pull failure lines in prepare_executor and prepare_script', () => {
    const raw = [
      `${ESC}[0KRunning with gitlab-runner 17.5.0 (abc)`,
      start('prepare_executor', 'Preparing the "docker" executor'),
      'Pulling docker image gitlab-registry.example.org/containers/poetry/img:1 ...',
      `${ESC}[0;33m${denial}${ESC}[0;m`,
      `${end('prepare_executor')}${ESC}[31;1mERROR: Job failed: failed to pull image "x"${ESC}[0;m`,
    ].join('\n');

    expect(written(raw)).toEqual([denial, 'ERROR: Job failed: failed to pull image "x"']);
  });

  it('are never a git server’s `remote:` line, even one that overwrites itself with \\r', () => {
    const raw = [
      start('prepare_executor', 'Preparing the "docker" executor'),
      `${end('prepare_executor')}${start('prepare_script', 'Preparing environment')}`,
      `${end('prepare_script')}${start('get_sources', 'Getting source from Git repository')}`,
      `remote: \r${denial}`,
      `remote: ${denial}`,
    ].join('\n');

    const lines = cleanLog(raw);

    expect(lines.at(-2)?.text).toBe(denial);
    expect(lines.map((l) => l.runnerWritten)).toEqual([false, false, false, false, false]);
  });

  it('are never under a prepare section marker forged after the runner left it', () => {
    const raw = [
      start('prepare_executor', 'Preparing the "docker" executor'),
      `${end('prepare_executor')}${start('get_sources', 'Getting source from Git repository')}`,
      `remote: \r${end('get_sources')}${start('prepare_executor', denial)}`,
      start('prepare_script', denial),
    ].join('\n');

    const lines = cleanLog(raw);

    expect(lines.slice(2).map((l) => [l.section, l.runnerWritten])).toEqual([
      ['get_sources', false],
      ['get_sources', false],
    ]);
  });

  it('are never what the script or the runner’s later stages print', () => {
    const raw = [
      start('prepare_executor', 'Preparing the "docker" executor'),
      `${end('prepare_executor')}${start('download_artifacts', 'Downloading artifacts')}`,
      'ERROR: Job failed: forbidden',
      `${end('download_artifacts')}${start('step_script', 'Executing "step_script" stage of the job script')}`,
      denial,
    ].join('\n');

    expect(written(raw)).toEqual([]);
  });

  it('from a runner without section markers: only before it gets the sources', () => {
    const raw = [
      'Running with gitlab-runner 10.8.0 (abc)',
      'Using Docker executor with image x ...',
      denial,
      'Fetching changes...',
      `remote: \r${denial}`,
      denial,
    ].join('\n');

    expect(cleanLog(raw).map((l) => l.runnerWritten)).toEqual([
      false,
      false,
      true,
      false,
      false,
      false,
    ]);
  });
});
