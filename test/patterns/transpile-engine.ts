import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export const root = join(import.meta.dirname, '../..');

/**
 * The pattern engine (src/patterns and what it imports) as plain JavaScript
 * in `into`, for a child process; no type check: lint does that. `extra`
 * names more source files to include, relative to the repository.
 */
export function transpileEngine(into: string, extra: string[] = []): void {
  const files = [
    'src/errors.ts',
    ...readdirSync(join(root, 'src/patterns')).map((f) => `src/patterns/${f}`),
    ...extra,
  ];
  for (const file of files.filter((f) => f.endsWith('.ts'))) {
    const out = ts.transpileModule(readFileSync(join(root, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const target = join(into, file.replace(/\.ts$/, '.js'));
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, out.outputText);
  }
}
