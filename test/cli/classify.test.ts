import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { classifyFile, toJsonLine } from '../../src/cli/classify-command.js';
import { main as classifyMain, plainArguments } from '../../src/cli/classify-program.js';
import { loadLibrary } from '../../src/patterns/load.js';
import { knownMisses, missingPatterns, readRealLogIndex } from '../patterns/real-log-index.js';
import { runCli } from './run-cli.js';

const fixtures = join(import.meta.dirname, '../fixtures');
const realLogs = join(fixtures, 'real-logs');
const library = loadLibrary();
// Logs waiting for a pattern, or known misses, are accounted for in real-logs.test.ts.
const index = readRealLogIndex(realLogs).filter(
  (log) => missingPatterns(log, library) === null && !knownMisses.has(log.file),
);

interface JsonLine {
  file: string;
  diagnosis: {
    pattern: string;
    line: number;
    text: string;
    fields: Record<string, string>;
    runnerPrefix: boolean;
  } | null;
  matches: unknown[];
}

describe('pipeline-diagnoser classify', () => {
  it('gives every real log its expected pattern, one JSON object per file', async () => {
    const files = index.map((e) => join(realLogs, e.file));

    const { code, stdout } = await runCli(['classify', '--json', ...files]);

    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JsonLine);
    expect(lines).toHaveLength(index.length);
    for (const [i, entry] of index.entries()) {
      expect(entry.accepted, entry.file).toContain(lines[i]?.diagnosis?.pattern ?? 'NONE');
    }
  });

  it('reads the seed story as an image pull refused by the registry, with its fields', async () => {
    const { stdout } = await runCli(['classify', '--json', join(fixtures, 'seed-story.log')]);

    const line = JSON.parse(stdout) as JsonLine;
    expect(line.diagnosis).toMatchObject({
      pattern: 'registry-pull-denied',
      runnerPrefix: true,
      fields: {
        image: 'gitlab-registry.example.org/containers/poetry/python3.11/rockylinux9',
        tag: '1.5',
        registry: 'gitlab-registry.example.org',
      },
    });
    expect(Object.keys(line)).toEqual(['file', 'diagnosis', 'matches']);
  });

  it('prints a readable summary without --json', async () => {
    const { stdout } = await runCli(['classify', join(fixtures, 'seed-story.log')]);

    expect(stdout).toContain('registry-pull-denied');
    expect(stdout).toContain('written by the runner');
    expect(stdout).toContain('tag=1.5');
  });

  it('says clearly when a file is missing and exits with 2, after classifying the others', async () => {
    const { code, stdout, stderr } = await runCli([
      'classify',
      'no/such.log',
      join(fixtures, 'seed-story.log'),
    ]);

    expect(code).toBe(2);
    expect(stderr).toContain('no/such.log: no such file');
    expect(stdout).toContain('registry-pull-denied');
  });

  it('reads standard input with -', async () => {
    const stdin = Readable.from([readFileSync(join(fixtures, 'seed-story.log'))]);

    const result = await classifyFile('-', loadLibrary(), stdin);

    expect(JSON.parse(toJsonLine('-', result))).toMatchObject({
      file: '-',
      diagnosis: { pattern: 'registry-pull-denied' },
    });
  });
});

describe('the classify command on its own (as the executable starts it)', () => {
  const seed = join(fixtures, 'seed-story.log');

  it('reads plain arguments itself and leaves everything else to the full parser', () => {
    expect(plainArguments(['a.log', '--json', '-', '--patterns', 'p', '--patterns', 'q'])).toEqual({
      files: ['a.log', '-'],
      options: { json: true, patterns: ['p', 'q'] },
    });
    for (const args of [
      [],
      ['--json'],
      ['a.log', '--help'],
      ['a.log', '--patterns'],
      ['--patterns=p', 'a.log'],
      ['--', 'a.log'],
      ['-x.log'],
    ]) {
      expect(plainArguments(args), args.join(' ')).toBeUndefined();
    }
  });

  it('prints and exits as the whole program does', async () => {
    for (const args of [
      ['classify', seed],
      ['classify', '--json', seed, 'no/such.log'],
      ['classify', '--bogus', seed],
      ['classify'],
    ]) {
      expect(await runCli(args, {}, classifyMain), args.join(' ')).toEqual(await runCli(args));
    }
  });
});

describe('classify on a pasted excerpt', () => {
  const excerpt = [
    '> Running with gitlab-runner 16.3.0~beta.108.g2b6048b4 (2b6048b4)',
    '> [...]',
    '> WARNING: Failed to pull image with policy "always": toomanyrequests: You',
    '> have reached your pull rate limit. You may increase the limit by',
    '> authenticating and upgrading: https://www.docker.com/increase-rate-limit',
    '> ERROR: Job failed: failed to pull image "ubuntu:latest" with specified',
    '> policies [always]: toomanyrequests: You have reached your pull rate limit.',
  ].join('\n');

  it('reads a quoted, wrapped file as the log it was cut from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paste-'));
    writeFileSync(join(dir, 'reply.txt'), excerpt);

    const result = await classifyFile(join(dir, 'reply.txt'), loadLibrary());

    expect(result.diagnosis).toMatchObject({
      pattern: 'registry-rate-limited',
      text: 'WARNING: Failed to pull image with policy "always": toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
    });
  });

  it('reads the same from standard input', async () => {
    const result = await classifyFile('-', loadLibrary(), Readable.from([Buffer.from(excerpt)]));

    expect(result.diagnosis?.pattern).toBe('registry-rate-limited');
  });
});

describe('pipeline-diagnoser patterns', () => {
  it('lists the library', async () => {
    const { code, stdout } = await runCli(['patterns', 'list']);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^registry-pull-denied\s+registry\s+\d+\s+registry-access/m);
  });

  it('runs every embedded example', async () => {
    const { code, stdout } = await runCli(['patterns', 'test']);

    expect(code).toBe(0);
    expect(stdout).toMatch(/\d+ passed, 0 failed/);
  });

  it('tests a user folder against the whole library, overriding by id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patterns-'));
    writeFileSync(
      join(dir, 'my-lint-failed.yaml'),
      [
        'id: my-lint-failed',
        'title: The linter found problems',
        'category: script',
        'priority: 500',
        'resolver: none',
        'summary: The lint step failed.',
        'match:',
        "  - regex: '^(?<count>\\d+) problems? \\(\\d+ errors?'",
        '    keywords: [" problem"]',
        'examples:',
        "  - { name: eslint, log: '3 problems (3 errors, 0 warnings)', expect: { match: true, fields: { count: '3' } } }",
        "  - { name: eslint one, log: '1 problem (1 error, 0 warnings)', expect: { match: true } }",
        "  - { name: clean, log: '0 warnings', expect: { match: false } }",
      ].join('\n'),
    );

    const { code, stdout } = await runCli(['patterns', 'test', dir]);

    expect(code).toBe(0);
    expect(stdout).toMatch(/ 0 failed/);
  });

  it('names the file and the field of a malformed pattern, and runs nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patterns-'));
    mkdirSync(join(dir, 'x'));
    writeFileSync(
      join(dir, 'x', 'broken.yaml'),
      'id: broken\ntitle: t\ncategory: nope\npriority: 1\nresolver: none\nsummary: s\nmatch: []\nexamples: []\n',
    );

    const { code, stderr } = await runCli(['patterns', 'test', dir]);

    expect(code).toBe(2);
    expect(stderr).toContain('broken.yaml: category');
    expect(stderr).toContain('broken.yaml: match');
    expect(stderr).toContain('nothing was run');
  });
});

describe('configuration errors', () => {
  it('names the setting and the fix', async () => {
    const { code, stderr } = await runCli(['once'], {
      GITLAB_URL: 'gitlab.example.com',
      GITLAB_TOKEN: undefined,
      DIAGNOSER_CONFIG: undefined,
    });

    expect(code).toBe(2);
    expect(stderr).toContain(
      'GITLAB_URL "gitlab.example.com" has no scheme: write https://gitlab.example.com',
    );
    expect(stderr).toContain('GITLAB_TOKEN is not set');
  });
});

describe('setup problems', () => {
  it('names a broken user pattern folder without a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patterns-'));
    writeFileSync(join(dir, 'bad.yaml'), 'id: bad\n');

    const { code, stderr } = await runCli(['once', '--patterns', dir], {
      GITLAB_URL: 'http://127.0.0.1:9',
      GITLAB_TOKEN: 'glpat-test-token-000000000',
      DIAGNOSER_DB: join(dir, 'x.db'),
      DIAGNOSER_CONFIG: undefined,
    });

    expect(code).toBe(2);
    expect(stderr).toContain('bad.yaml: title');
    expect(stderr).not.toContain('    at ');
  });

  it('says GitLab could not be reached, without a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'db-'));

    const { code, stdout } = await runCli(['once'], {
      GITLAB_URL: 'http://127.0.0.1:9',
      GITLAB_TOKEN: 'glpat-test-token-000000000',
      DIAGNOSER_DB: join(dir, 'x.db'),
      DIAGNOSER_CONFIG: undefined,
      LOG_LEVEL: 'fatal',
    });

    expect(code).toBe(1);
    expect(stdout).toContain('GitLab could not be reached');
  });
});
