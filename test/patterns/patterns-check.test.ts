import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CliExit } from '../../src/cli/exit.js';
import { registerPatternsCommand } from '../../src/cli/patterns-command.js';
import { knownMisses } from './real-log-index.js';

const fixtures = join(import.meta.dirname, '../fixtures');
const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** Runs `patterns check` in this process; the exit code a CliExit would give. */
async function check(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const program = new Command('pipeline-diagnoser').exitOverride();
  registerPatternsCommand(program);
  try {
    await program.parseAsync(['node', 'pipeline-diagnoser', 'patterns', 'check', ...args]);
    return { code: 0, stdout };
  } catch (error) {
    if (error instanceof CliExit) return { code: error.code, stdout };
    throw error;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('patterns check', () => {
  it('reports examples, real fixtures, corpus wins and false positives per pattern', async () => {
    const { code, stdout } = await check([
      '--corpus',
      join(fixtures, 'precision'),
      '--real-logs',
      join(fixtures, 'real-logs/INDEX.tsv'),
    ]);

    const missed = [...stdout.matchAll(/^MISS real-logs\/(\S+):/gm)].map((m) => m[1]);
    const wrongWinners = [...stdout.matchAll(/^FALSE POSITIVE \S+ \(wrong-winner\) real-logs\/([^:]+):/gm)];

    // The real logs the library is known to get wrong fail the check, and only they.
    expect(missed.sort()).toEqual([...knownMisses.keys()].sort());
    expect(wrongWinners.map((m) => m[1]).filter((file) => !knownMisses.has(file ?? ''))).toEqual([]);
    expect(stdout).not.toMatch(/^FALSE POSITIVE \S+ \((?:success|negative-example)\)/m);
    expect(code).toBe(missed.length > 0 ? 1 : 0);
    expect(stdout).toMatch(/^pattern\s+examples\s+real\s+corpus wins\s+false pos\.$/m);
    expect(stdout).toMatch(/^repo-access-denied\s+\d+\+\/\d+-\s+\d+\s+\d+\/\d+\s+0$/m);
    expect(stdout).toMatch(/real ones included(?: \(\d+ wait for patterns the library does not have\))?\)/);
    expect(stdout).toMatch(
      new RegExp(`: ${wrongWinners.length} false positives, ${missed.length} misses\\n`),
    );
    expect(stdout).toMatch(/^Real logs, development set: \d+ logs, top-1 accuracy [\d.]+%/m);
    expect(stdout).toMatch(/^Real logs, hold-out set: \d+ logs, top-1 accuracy/m);
    expect(stdout).not.toContain('BELOW THRESHOLD');
  });

  it('fails and says why when the real logs miss a threshold of the repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'thresholds-'));
    folders.push(dir);
    writeFileSync(join(dir, 'a.log'), 'write (28: No space left on device)\n');
    writeFileSync(
      join(dir, 'INDEX.tsv'),
      'file\tsource_url\texecutor\texpected_pattern\na.log\thttps://example.org\tdocker\tout-of-memory\n',
    );
    writeFileSync(
      join(dir, 'thresholds.json'),
      JSON.stringify({
        dev: { minTop1: 0, maxSuccessFalsePositives: 0 },
        holdout: { minTop1: 0.95, maxSuccessFalsePositives: 0 },
      }),
    );

    const { code, stdout } = await check([
      '--corpus',
      join(fixtures, 'precision'),
      '--holdout',
      join(dir, 'INDEX.tsv'),
      '--thresholds',
      join(dir, 'thresholds.json'),
    ]);

    expect(code).toBe(1);
    expect(stdout).toContain('BELOW THRESHOLD holdout: top-1 accuracy 0.0% is under the threshold 95.0%');
    expect(stdout).toContain('out-of-memory → disk-full: 1\n');
    expect(stdout).not.toContain('a.log');
  });

  it('fails, naming the line, when a pattern fires on a passing job', async () => {
    const corpus = mkdtempSync(join(tmpdir(), 'precision-'));
    folders.push(corpus);
    mkdirSync(join(corpus, 'success'));
    writeFileSync(
      join(corpus, 'success/echo.log'),
      '$ ./docs-check.sh\nERROR: Downloading artifacts from coordinator... forbidden  id=7 responseStatus=403 Forbidden\nJob succeeded\n',
    );

    const { code, stdout } = await check(['--corpus', corpus, '--real-logs', join(corpus, 'none.tsv')]);

    expect(code).toBe(1);
    expect(stdout).toContain(
      'FALSE POSITIVE artifacts-access-denied (success) success/echo.log:2: ERROR: Downloading artifacts from coordinator... forbidden',
    );
    expect(stdout).toMatch(/^artifacts-access-denied\s+\S+\s+0\s+0\/0\s+1$/m);
  });
});
