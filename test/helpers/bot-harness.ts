import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ConfigInput, type RunConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { createBot, type Bot } from '../../src/main.js';
import {
  runSeedPipeline,
  seedStoryWorld,
  startSimulator,
  type SeedIds,
  type Simulator,
  type World,
} from '../../src/simulator/index.js';

export interface Harness {
  sim: Simulator;
  world: World;
  ids: SeedIds;
  /** A controllable clock for the bot (the simulator keeps real time). */
  clock: { now: Date; advance(ms: number): void };
  dbPath: string;
  /** A bot on the shared database; call again to simulate a restart. */
  startBot(overrides?: ConfigInput): Bot;
  runSeed(): ReturnType<typeof runSeedPipeline>;
  botNotes(): ReturnType<World['notesOn']>;
  close(): Promise<void>;
}

/** The seed world on a live simulator, and bots that talk to it over HTTP with gitbeaker. */
export async function startHarness(
  options: { botRole?: number; version?: string } = {},
): Promise<Harness> {
  const { world, ids } = seedStoryWorld(options.version ? { version: options.version } : {});
  if (options.botRole) world.addMember(ids.projects.poetry, ids.users.bot, options.botRole as 40);
  const sim = await startSimulator({ world });
  const folder = mkdtempSync(join(tmpdir(), 'diagnoser-test-'));
  const dbPath = join(folder, 'diagnoser.db');
  const clock = {
    now: new Date(),
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
  };
  const bots: Bot[] = [];
  return {
    sim,
    world,
    ids,
    clock,
    dbPath,
    startBot(overrides = {}) {
      const bot = createBot(testConfig(sim.url, ids.tokens.bot, dbPath, overrides), {
        logger: silentLogger(),
        now: () => clock.now,
        retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 1_000 },
      });
      bots.push(bot);
      return bot;
    },
    runSeed: () => runSeedPipeline(world, ids),
    botNotes: () =>
      world
        .notesOn(ids.projects.app, ids.mergeRequest.iid)
        .filter((n) => n.authorId === ids.users.bot),
    async close() {
      for (const bot of bots) {
        try {
          bot.close();
        } catch {
          // already closed
        }
      }
      await sim.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

export function testConfig(
  url: string,
  token: string,
  databasePath: string,
  overrides: ConfigInput = {},
): RunConfig {
  const result = loadConfig({
    env: {},
    overrides: {
      gitlabUrl: url,
      gitlabToken: token,
      databasePath,
      watch: { projects: ['team/app'], groups: [] },
      cacheTtlSeconds: 0,
      ...overrides,
    },
  });
  if (!result.config) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.config;
}
