import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CliExit } from '../../src/cli/exit.js';
import { registerPatternsCommand } from '../../src/cli/patterns-command.js';
import { startWithSeedNote, type Harness } from '../helpers/bot-harness.js';
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

describe('patterns check --feedback', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    vi.unstubAllEnvs();
  });

  /** The bot's incident log after alice gave its seed-story note a 👎, read by a poll cycle. */
  async function judgedLog(): Promise<string> {
    const started = await startWithSeedNote();
    h = started.h;
    const { bot, note } = started;
    h.react(note.id, h.ids.users.alice, 'thumbsdown');
    h.clock.advance(10 * 60_000); // the poll reads feedback every 10 minutes
    await bot.poller.runCycle();
    bot.close();
    return h.dbPath;
  }

  it("prints each rule's diagnoses and people's judgements beside its real-log precision", async () => {
    const db = await judgedLog();

    const { stdout } = await check(['--feedback', '--db', db]);

    expect(stdout).toContain(`Judged by people (${db}): 1 rule, 1 incident diagnosed, 1 judged wrong\n`);
    expect(stdout).toMatch(
      /^ {2}pattern\s+diagnoses\s+judged wrong\s+judgements\s+precision \(people\)\s+precision \(real logs\)$/m,
    );
    expect(stdout).toMatch(/^ {2}registry-pull-denied\s+1\s+1\s+1\s+0\.0%\s+\d+\.\d% \d+\/\d+$/m);
  });

  it('reads DIAGNOSER_DB, and gives the same figures as JSON', async () => {
    const db = await judgedLog();
    vi.stubEnv('DIAGNOSER_DB', db);

    const { stdout } = await check(['--feedback', '--json']);

    expect(JSON.parse(stdout).feedback).toEqual({
      database: db,
      rules: [
        {
          patternId: 'registry-pull-denied',
          diagnoses: 1,
          failedJobs: 1,
          judgedWrong: 1,
          judgements: 1,
          precision: 0,
        },
      ],
    });
  });

  it('stops, creating nothing, when there is no incident log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-log-'));
    folders.push(dir);

    const { code } = await check(['--feedback', '--db', join(dir, 'missing.db')]);

    expect(code).toBe(2);
    expect(existsSync(join(dir, 'missing.db'))).toBe(false);
  });
});
