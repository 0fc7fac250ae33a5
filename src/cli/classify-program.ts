import { statSync } from 'node:fs';
import { prestartCachedSetWorker } from '../patterns/cache-file.js';
import type { ClassifyOptions } from './classify-command.js';
import { isLongLog } from './long-log.js';

/**
 * `pipeline-diagnoser classify` on its own: it reads log files offline, so
 * it starts without loading the bot (GitLab client, SQLite, web server),
 * which takes longer than classifying a large log. Plain arguments (files,
 * `--json`, `--patterns <dir>`) are read here without loading the argument
 * parser; anything else (help, a mistake) goes to the full program.
 */
export async function main(argv: string[]): Promise<number> {
  const plain = plainArguments(argv.slice(3));
  if (plain) {
    // A long log's set worker starts now, while the engine and the library load.
    if (!plain.options.patterns && isLongLog(sizeOf(plain.files[0] as string))) {
      prestartCachedSetWorker();
    }
    const [{ runClassify }, { exitCodeFor }] = await Promise.all([
      import('./classify-command.js'),
      import('./exit-code.js'),
    ]);
    try {
      await runClassify(plain.files, plain.options);
      return 0;
    } catch (error) {
      return exitCodeFor(error);
    }
  }
  const [{ Command }, { registerClassifyCommand }, { packageVersion, runProgram }] =
    await Promise.all([
      import('commander'),
      import('./classify-command.js'),
      import('./run-program.js'),
    ]);
  const program = new Command('pipeline-diagnoser')
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  registerClassifyCommand(program);
  return runProgram(program, argv);
}

/**
 * The arguments after `classify` when they are only files (or `-`), `--json`
 * and `--patterns <dir>`, as the full parser would read them; undefined otherwise.
 */
export function plainArguments(
  args: string[],
): { files: string[]; options: ClassifyOptions } | undefined {
  const files: string[] = [];
  const options: ClassifyOptions = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--json') {
      options.json = true;
    } else if (arg === '--patterns') {
      const dir = args[i + 1];
      if (dir === undefined || dir.startsWith('-')) return undefined;
      options.patterns = [...(options.patterns ?? []), dir];
      i += 1;
    } else if (arg === '-' || !arg.startsWith('-')) {
      files.push(arg);
    } else {
      return undefined;
    }
  }
  return files.length > 0 ? { files, options } : undefined;
}

function sizeOf(file: string): number {
  if (file === '-') return 0;
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
