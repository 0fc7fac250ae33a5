import { loadConfig, type Config, type ConfigInput, type RunConfig } from '../config/index.js';
import { CliExit } from './exit.js';

export interface CommonOptions {
  config?: string;
  dryRun?: boolean;
  db?: string;
  patterns?: string[];
}

/** Loads and validates the configuration, or stops with every problem and its fix. */
export function configOrExit(options: CommonOptions): RunConfig {
  const overrides: ConfigInput = {};
  const labels: Record<string, string> = {};
  if (options.dryRun) {
    overrides.dryRun = true;
    labels.dryRun = '--dry-run';
  }
  if (options.db) {
    overrides.databasePath = options.db;
    labels.databasePath = '--db';
  }
  if (options.patterns?.length) {
    overrides.patternDirs = options.patterns;
    labels.patternDirs = '--patterns';
  }
  const result = loadConfig({
    ...(options.config ? { file: options.config } : {}),
    overrides,
    overrideLabels: labels,
  });
  for (const warning of result.warnings) {
    process.stderr.write(`warning: ${warning.message}\n`);
  }
  if (result.errors.length > 0 || !result.config) {
    throw new CliExit(
      2,
      ['The configuration has problems:', ...result.errors.map((e) => `  ${e.message}`)].join('\n'),
    );
  }
  return result.config;
}

/** The configuration for commands that read only the local database (no GitLab needed). */
export function localConfigOrExit(options: { config?: string; db?: string }): Config {
  const result = loadConfig({
    requireGitlab: false,
    ...(options.config ? { file: options.config } : {}),
    ...(options.db
      ? { overrides: { databasePath: options.db }, overrideLabels: { databasePath: '--db' } }
      : {}),
  });
  if (!result.config) throw new CliExit(2, result.errors.map((e) => e.message).join('\n'));
  return result.config;
}
