import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ConfigInput } from '../src/config/index.js';
import { silentLogger } from '../src/log.js';
import { createBot, type Bot, type BotOptions } from '../src/main.js';

/** A bot with a fresh database that watches the group `fleet` on the simulator at `url`. */
export function createBenchBot(
  url: string,
  token: string,
  overrides: ConfigInput = {},
  options: BotOptions = {},
): { bot: Bot; folder: string } {
  const folder = mkdtempSync(join(tmpdir(), 'diagnoser-bench-'));
  const result = loadConfig({
    env: {},
    overrides: {
      gitlabUrl: url,
      gitlabToken: token,
      databasePath: join(folder, 'bench.db'),
      watch: { projects: [], groups: ['fleet'] },
      ...overrides,
    },
  });
  if (!result.config) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return { bot: createBot(result.config, { logger: silentLogger(), ...options }), folder };
}
