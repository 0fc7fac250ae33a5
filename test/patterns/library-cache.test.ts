import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, transpileEngine } from './transpile-engine.js';

// The build caches the built-in pattern files, parsed and validated, so the
// compiled bot starts without the YAML parser and the schema. These run a
// compiled copy of the engine in a package of its own, with two built-in
// files, and check that the cache never gives what the files no longer say.

const FILES = ['registry/registry-pull-denied.yaml', 'script/script-failure.yaml'];
const LOG = [
  'WARNING: Failed to pull image with policy "always": Error response from daemon: pull access denied for registry.example.com/team/app, repository does not exist or may require \'docker login\'',
  'ERROR: Job failed: exit code 1',
  '',
].join('\n');

let folder = '';

/** What the cache-only load and the full load give in the package, in a child process. */
function load(): { cached: unknown; parsed: unknown } {
  const run = spawnSync(process.execPath, [join(folder, 'driver.mjs')], { encoding: 'utf8', cwd: folder, timeout: 60_000 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as { cached: unknown; parsed: unknown };
}

function build() {
  const run = spawnSync(process.execPath, [join(folder, 'src/cli/build-pattern-cache.js')], {
    encoding: 'utf8',
    cwd: folder,
    timeout: 60_000,
  });
  expect(run.status).toBe(0);
}

beforeAll(() => {
  mkdirSync(join(root, 'test-artifacts'), { recursive: true });
  folder = mkdtempSync(join(root, 'test-artifacts', 'cache-'));
  writeFileSync(join(folder, 'package.json'), '{ "name": "pipeline-diagnoser", "type": "module" }\n');
  for (const file of FILES) cpSync(join(root, 'patterns', file), join(folder, 'patterns', file));
  transpileEngine(folder, ['src/cli/build-pattern-cache.ts']);
  writeFileSync(
    join(folder, 'driver.mjs'),
    [
      "import { loadCachedBuiltins } from './src/patterns/library-cache.js';",
      "import { loadLibrary } from './src/patterns/load.js';",
      "import { classify } from './src/patterns/classify.js';",
      `const log = ${JSON.stringify(LOG)};`,
      'const summary = (library) => library && {',
      '  patterns: library.patterns.map((p) => ({ ...p, rules: p.rules.map((r) => [r.regex.source, r.context.length]) })),',
      '  matches: classify(log, library).matches.map((m) => [m.pattern, m.line, m.fields]),',
      '};',
      'process.stdout.write(JSON.stringify({ cached: summary(loadCachedBuiltins()) ?? null, parsed: summary(loadLibrary()) }));',
    ].join('\n'),
  );
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('the built-in pattern cache', () => {
  it('is made by the build and gives the library the YAML files give', () => {
    expect(load().cached).toBeNull();

    build();

    expect(existsSync(join(folder, 'src/patterns/builtin-patterns.json'))).toBe(true);
    const { cached, parsed } = load();
    expect(cached).toEqual(parsed);
    expect((parsed as { matches: unknown[] }).matches).toHaveLength(2);
  });

  it('is not used for a file changed after the build', () => {
    build();
    const file = join(folder, 'patterns', FILES[1] as string);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^title: .*$/m, 'title: Changed since the build'));

    const { cached, parsed } = load();

    expect(cached).toBeNull();
    const titles = (parsed as { patterns: { title: string }[] }).patterns.map((p) => p.title);
    expect(titles).toContain('Changed since the build');
  });

  it('is plain ASCII, keeps the set apart, and gives back a file with other characters as it is', () => {
    const file = join(folder, 'patterns', FILES[0] as string);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/^title: (.*)$/m, 'title: $1 — “quoted” ✓'));
    build();

    const caches = ['builtin-patterns.json', 'builtin-set.json', 'builtin-examples.json'].map((name) =>
      readFileSync(join(folder, 'src/patterns', name), 'latin1'),
    );
    // Other characters are escaped: a string with them is decoded and parsed on a slower path at every start.
    for (const cache of caches) expect(cache).toMatch(/^[\x00-\x7f]*$/);
    expect(JSON.parse(caches[1] as string)).toMatchObject({ sources: expect.any(Array), maxMem: expect.any(Number) });
    const { cached, parsed } = load();
    expect(cached).toEqual(parsed);
    const titles = (cached as { patterns: { title: string }[] }).patterns.map((p) => p.title);
    expect(titles.some((title) => title.endsWith('— “quoted” ✓'))).toBe(true);
    writeFileSync(file, text);
  });

  it('reads the examples only when they are asked for, and is not used without them', () => {
    build();
    const examples = join(folder, 'src/patterns/builtin-examples.json');
    writeFileSync(
      join(folder, 'lazy.mjs'),
      [
        "import { renameSync } from 'node:fs';",
        "import { loadCachedBuiltins } from './src/patterns/library-cache.js';",
        "import { classify } from './src/patterns/classify.js';",
        'const library = loadCachedBuiltins();',
        `const match = classify(${JSON.stringify(LOG)}, library).diagnosis?.pattern;`,
        // Gone after the library was loaded and used: they were not read for that.
        `renameSync(${JSON.stringify(examples)}, ${JSON.stringify(`${examples}.away`)});`,
        'let error = null;',
        'try { library.patterns[0].examples; } catch (e) { error = e.message; }',
        `renameSync(${JSON.stringify(`${examples}.away`)}, ${JSON.stringify(examples)});`,
        'const count = library.patterns[1].examples.length;',
        'process.stdout.write(JSON.stringify({ match, error, count }));',
      ].join('\n'),
    );
    const run = spawnSync(process.execPath, [join(folder, 'lazy.mjs')], { encoding: 'utf8', cwd: folder, timeout: 60_000 });
    expect(run.stderr).toBe('');
    const { match, error, count } = JSON.parse(run.stdout) as { match: string; error: string; count: number };
    expect(match).toBe('registry-pull-denied');
    expect(error).toMatch(/examples of the pattern .* are missing \(builtin-examples.json\): run npm run build/);
    expect(count).toBeGreaterThan(0);

    rmSync(examples);
    expect(load().cached).toBeNull();
  });

  it('is not used by a schema other than the one it was made with', () => {
    build();
    appendFileSync(join(folder, 'src/patterns/schema.js'), '\n// another schema\n');

    expect(load().cached).toBeNull();
  });
});
