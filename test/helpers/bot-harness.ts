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
  /** A failed job on the seed merge request (alice's by default), its script printing `output`. */
  failOnMergeRequest(job: FailingJob): ReturnType<World['runPipeline']>;
  /** A comment on the seed merge request. */
  reply(userId: number, body: string): ReturnType<World['addMergeRequestNote']>;
  /** A reaction on a note of the seed merge request, given or taken back. */
  react(noteId: number, userId: number, name: string): void;
  unreact(noteId: number, userId: number, name: string): void;
  close(): Promise<void>;
}

export interface FailingJob {
  name: string;
  script: string;
  output: string;
  userId?: number;
}

/** What a job prints when its dind service is missing: a retry can pass. */
export const DOCKER_DAEMON_DOWN =
  'Cannot connect to the Docker daemon at tcp://docker:2375. Is the docker daemon running?';
/** What a job prints when the code does not compile: the change's own failure. */
export const TYPESCRIPT_ERROR =
  "src/registry.ts(41,7): error TS2322: Type 'string | undefined' is not assignable to type 'string'.";

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
    failOnMergeRequest: (job) =>
      world.runPipeline({
        projectId: ids.projects.app,
        ref: `refs/merge-requests/${ids.mergeRequest.iid}/head`,
        userId: job.userId ?? ids.users.alice,
        jobs: [
          {
            name: job.name,
            image: 'alpine:3.20',
            script: [job.script],
            scriptOutput: [job.output],
            exitCode: 1,
          },
        ],
      }),
    reply: (userId, body) =>
      world.addMergeRequestNote(ids.projects.app, ids.mergeRequest.iid, userId, body),
    react: (noteId, userId, name) => {
      world.awardEmoji(ids.projects.app, ids.mergeRequest.iid, noteId, userId, name);
    },
    unreact: (noteId, userId, name) =>
      world.removeEmoji(ids.projects.app, ids.mergeRequest.iid, noteId, userId, name),
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

/** The seed story's note on team/app's merge request, posted by one poll cycle. */
export async function startWithSeedNote(): Promise<{
  h: Harness;
  bot: Bot;
  note: ReturnType<World['notesOn']>[number];
}> {
  const h = await startHarness({ botRole: 40 });
  h.runSeed();
  const bot = h.startBot();
  await bot.poller.runCycle();
  const note = h.botNotes()[0];
  if (!note) throw new Error('no bot note');
  return { h, bot, note };
}
