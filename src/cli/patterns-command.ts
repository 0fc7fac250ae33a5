import type { Command } from 'commander';
import { runExamples } from '../patterns/examples.js';
import { collect, loadPatternsOrExit } from './load-patterns.js';
import { CliExit } from './exit.js';

export function registerPatternsCommand(program: Command): void {
  const patterns = program.command('patterns').description('list and test the pattern library');

  patterns
    .command('list')
    .description('list every pattern: id, category, priority, resolver and title')
    .option('--patterns <dir>', 'add a folder of patterns (repeatable; overrides by id)', collect)
    .option('--json', 'one JSON object per pattern and line')
    .action((options: { patterns?: string[]; json?: boolean }) => {
      const library = loadPatternsOrExit(options.patterns);
      for (const p of library.patterns) {
        const row = { id: p.id, category: p.category, priority: p.priority, resolver: p.resolver };
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ ...row, title: p.title, file: p.file })}\n`
            : `${p.id.padEnd(28)} ${p.category.padEnd(12)} ${String(p.priority).padStart(4)}  ${p.resolver.padEnd(16)} ${p.title}\n`,
        );
      }
    });

  patterns
    .command('test')
    .description(
      "validate pattern files and run every embedded example against the whole library (built-in plus DIR, DIR's patterns overriding by id)",
    )
    .argument('[dir]', 'a folder of your own patterns')
    .option('--patterns <dir>', 'add another folder (repeatable)', collect)
    .action((dir: string | undefined, options: { patterns?: string[] }) => {
      const extra = [...(options.patterns ?? []), ...(dir ? [dir] : [])];
      const library = loadPatternsOrExit(extra);
      const results = runExamples(library);
      const failures = results.filter((r) => !r.ok);
      for (const f of failures) {
        process.stdout.write(`FAIL ${f.file}: example "${f.example}": ${f.problem}\n`);
      }
      process.stdout.write(
        `${library.patterns.length} patterns, ${results.length} examples\n` +
          `${results.length - failures.length} passed, ${failures.length} failed\n`,
      );
      if (failures.length > 0) throw new CliExit(1);
    });
}
