import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatternLibraryError } from '../../src/errors.js';
import { loadLibrary } from '../../src/patterns/load.js';
import { root, transpileEngine } from './transpile-engine.js';

// A user's pattern file is code the bot runs on every log line. These
// patterns make a backtracking engine take time exponential in the line's
// length; on a 4 KiB line that is forever. Each runs in a child process with
// a deadline, so an engine that backtracks fails here instead of hanging.

const work = join(root, 'test-artifacts');
let folder = '';
let engine = '';

function patternFile(dir: string, id: string, regex: string) {
  writeFileSync(
    join(dir, `${id}.yaml`),
    [
      `id: ${id}`,
      'title: A pattern a user wrote',
      'category: script',
      'priority: 500',
      'resolver: none',
      'summary: Written to make a backtracking engine stall.',
      'match:',
      `  - regex: '${regex.replace(/'/g, "''")}'`,
      'examples:',
      '  - name: the shape it is for',
      '    log: "aaab"',
      '    expect: { match: true }',
      '',
    ].join('\n'),
  );
}

beforeAll(() => {
  mkdirSync(work, { recursive: true });
  folder = mkdtempSync(join(work, 'redos-'));
  engine = join(folder, 'engine');
  transpileEngine(engine);
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('user patterns against a backtracking blow-up', () => {
  it.each([
    ['nested alternation', 'aaa(?:a|a)*b'],
    ['nested plus', '(?:a+)+b'],
    ['overlapping alternation', '(?:a|aa)+b'],
    ['star of star', '(?:a*)*b'],
    ['words and optional spaces to the end', '^(?:\\w+\\s?)+!$'],
  ])('%s: %s runs in time linear in a 4 KiB line', (_, regex) => {
    const patterns = mkdtempSync(join(folder, 'patterns-'));
    patternFile(patterns, 'user-blowup', regex);
    const driver = join(folder, 'driver.mjs');
    const load = `./${relative(folder, join(engine, 'src/patterns/load.js'))}`;
    const classify = `./${relative(folder, join(engine, 'src/patterns/classify.js'))}`;
    writeFileSync(
      driver,
      [
        `import { loadLibrary } from '${load}';`,
        `import { classify } from '${classify}';`,
        'const library = loadLibrary([process.argv[2]]);',
        "const line = 'a'.repeat(4094);",
        // Three lines that almost match, then one that does.
        'const log = `${line}\\n${line}\\n${line}\\n${line}b!\\n`;',
        'const { matches } = classify(log, library);',
        'process.stdout.write(JSON.stringify(matches.map((m) => [m.pattern, m.line])));',
      ].join('\n'),
    );

    const run = spawnSync(process.execPath, [driver, patterns], {
      encoding: 'utf8',
      timeout: 20_000,
      cwd: root,
    });

    expect(run.stderr).toBe('');
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([['user-blowup', 4]]);
  });

  it('refuses at load what RE2 cannot run, naming the file, the rule and the construct', () => {
    const patterns = mkdtempSync(join(folder, 'patterns-'));
    patternFile(patterns, 'user-lookahead', 'a(?=b)');
    patternFile(patterns, 'user-backreference', '(?<x>a)\\k<x>');

    let error: unknown;
    try {
      loadLibrary([patterns]);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(PatternLibraryError);
    const problems = (error as PatternLibraryError).problems.map((p) => ({
      file: p.file.split('/').pop(),
      field: p.field,
      construct: /lookahead|backreference/.exec(p.reason)?.[0],
    }));
    expect(problems).toEqual([
      { file: 'user-backreference.yaml', field: 'match.0.regex', construct: 'backreference' },
      { file: 'user-lookahead.yaml', field: 'match.0.regex', construct: 'lookahead' },
    ]);
  });
});
