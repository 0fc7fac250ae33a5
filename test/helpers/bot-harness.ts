import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ConfigInput, type RunConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { createBot, type Bot } from '../../src/main.js';
import type { Action } from '../../src/store/index.js';
import {
  runSeedPipeline,
  seedStoryWorld,
  startSimulator,
  type JobSpec,
  type SeedIds,
  type Simulator,
  type World,
} from '../../src/simulator/index.js';

type Pipeline = ReturnType<World['runPipeline']>;
type Note = ReturnType<World['notesOn']>[number];

export interface Harness {
  sim: Simulator;
  world: World;
  ids: SeedIds;
  /** A controllable clock for the bot (the simulator keeps real time). */
  clock: { now: Date; advance(ms: number): void };
  dbPath: string;
  /** A bot on the shared database; call again to simulate a restart. */
  startBot(overrides?: ConfigInput): Bot;
  runSeed(): Pipeline;
  /** The seed story's build on `main`: a branch pipeline, with no merge request. */
  runSeedOnMain(): Pipeline;
  botNotes(): Note[];
  /** The bot's (first) note on the seed merge request; throws when there is none. */
  botNote(): Note;
  /** A pipeline of `jobs` on the seed merge request's head, run by alice unless `userId` says. */
  runOnMergeRequest(jobs: JobSpec[], userId?: number): Pipeline;
  /** A failed job on the seed merge request (alice's by default), its script printing `output`. */
  failOnMergeRequest(job: FailingJob): Pipeline;
  /** A comment on the seed merge request. */
  reply(userId: number, body: string): ReturnType<World['addMergeRequestNote']>;
  /** A reaction on a note of the seed merge request, given or taken back. */
  react(noteId: number, userId: number, name: string): void;
  unreact(noteId: number, userId: number, name: string): void;
  /** A 👍 on the bot's note, by bob (the Maintainer of containers/poetry) unless `userId` says. */
  thumbsUp(userId?: number): void;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** The bot's role in containers/poetry (40 lets it read the allowlist); none when unset or 0. */
  botRole?: number;
  version?: string;
  /** The bot a Developer of team/app: retrying its jobs needs that. */
  botRetries?: boolean;
  /** bob a Guest of team/app: GitLab lets him add team/app to an allowlist only if he can see it. */
  bobSeesApp?: boolean;
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

/** The audit trail of the bot's first incident: the one a test's story makes. */
export function trailOf(bot: Bot): Action[] {
  return bot.store.actions.listActions(bot.store.incidents.listIncidents()[0]?.id ?? 0);
}

/** That trail, each action as `kind:status`. */
export function stepsOf(bot: Bot): string[] {
  return trailOf(bot).map((a) => `${a.kind}:${a.status}`);
}

/** The seed world on a live simulator, and bots that talk to it over HTTP with gitbeaker. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { world, ids } = seedStoryWorld(options.version ? { version: options.version } : {});
  if (options.botRole) world.addMember(ids.projects.poetry, ids.users.bot, options.botRole as 40);
  if (options.botRetries) world.addMember(ids.projects.app, ids.users.bot, 30);
  if (options.bobSeesApp) world.addMember(ids.projects.app, ids.users.bob, 10);
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
  const botNotes = () =>
    world
      .notesOn(ids.projects.app, ids.mergeRequest.iid)
      .filter((n) => n.authorId === ids.users.bot);
  const botNote = () => {
    const note = botNotes()[0];
    if (!note) throw new Error('no bot note');
    return note;
  };
  const runOnMergeRequest = (jobs: JobSpec[], userId: number = ids.users.alice) =>
    world.runPipeline({
      projectId: ids.projects.app,
      ref: `refs/merge-requests/${ids.mergeRequest.iid}/head`,
      userId,
      jobs,
    });
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
    runSeedOnMain: () =>
      world.runPipeline({
        projectId: ids.projects.app,
        ref: 'main',
        userId: ids.users.alice,
        jobs: [{ name: 'build-app', image: ids.image, script: ['poetry build'] }],
      }),
    botNotes,
    botNote,
    runOnMergeRequest,
    failOnMergeRequest: (job) =>
      runOnMergeRequest(
        [
          {
            name: job.name,
            image: 'alpine:3.20',
            script: [job.script],
            scriptOutput: [job.output],
            exitCode: 1,
          },
        ],
        job.userId,
      ),
    reply: (userId, body) =>
      world.addMergeRequestNote(ids.projects.app, ids.mergeRequest.iid, userId, body),
    react: (noteId, userId, name) => {
      world.awardEmoji(ids.projects.app, ids.mergeRequest.iid, noteId, userId, name);
    },
    unreact: (noteId, userId, name) =>
      world.removeEmoji(ids.projects.app, ids.mergeRequest.iid, noteId, userId, name),
    thumbsUp: (userId = ids.users.bob) => {
      world.awardEmoji(ids.projects.app, ids.mergeRequest.iid, botNote().id, userId, 'thumbsup');
    },
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

export type SeedNoteOptions = HarnessOptions & {
  config?: ConfigInput;
  run?: (h: Harness) => Pipeline;
};

/**
 * A bot's note after one poll cycle on a failed pipeline: the seed story's by default (the bot a
 * Maintainer of containers/poetry), or the one `run` starts; the bot started with `config`.
 */
export async function startWithSeedNote(
  options: SeedNoteOptions = {},
): Promise<{ h: Harness; bot: Bot; note: Note; pipeline: Pipeline }> {
  const { config, run, ...harness } = options;
  const h = await startHarness({ botRole: 40, ...harness });
  const pipeline = run ? run(h) : h.runSeed();
  const bot = h.startBot(config);
  await bot.poller.runCycle();
  return { h, bot, note: h.botNote(), pipeline };
}
