import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';

export interface RunProcessOptions {
  cli: string;
  gitlabUrl: string;
  token: string;
  dbPath: string;
  /** Full paths of the watched projects. */
  projects: string[];
  /** Settings only the YAML file takes, written next to the database. */
  file?: Record<string, unknown>;
}

/** A `pipeline-diagnoser run` process: a new cycle every second, its output kept. */
export interface RunProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startRun(options: RunProcessOptions): RunProcess {
  const configFile = `${options.dbPath}.config.json`;
  writeFileSync(configFile, JSON.stringify(options.file ?? {}));
  const child = spawn(process.execPath, [options.cli, 'run'], {
    env: {
      PATH: process.env.PATH ?? '',
      GITLAB_URL: options.gitlabUrl,
      GITLAB_TOKEN: options.token,
      DIAGNOSER_DB: options.dbPath,
      DIAGNOSER_CONFIG: configFile,
      DIAGNOSER_SCHEDULE: '* * * * * *',
      DIAGNOSER_WATCH_PROJECTS: options.projects.join(','),
      DIAGNOSER_HTTP_PORT: '0',
      DIAGNOSER_AUDIT_SCHEDULE: 'off',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => output,
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * Waits until `condition` holds, checking every 20 ms; throws after `timeoutMs` (generous: a
 * process start and a cycle take seconds on a busy machine).
 */
export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = 90_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
