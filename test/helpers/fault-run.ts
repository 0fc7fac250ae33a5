import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { createBot, type Bot } from '../../src/main.js';
import {
  seedStoryWorld,
  startSimulator,
  type Fault,
  type RecordedRequest,
  type SeedIds,
  type Simulator,
  type World,
} from '../../src/simulator/index.js';
import { testConfig } from './bot-harness.js';

/** The faults a fault story runs once each, at the first request of every kind. */
export const FAULTS: Record<string, Omit<Fault, 'path'>> = {
  '500': { status: 500 },
  '503 with Retry-After': { status: 503, retryAfter: 30 },
  '429': { status: 429 },
  // GitLab did the work each time (a write is made) and its answer never arrives, is cut, or
  // cannot be read.
  timeout: { status: 504, apply: true, delayMs: 1_500 },
  'connection reset': { status: 502, apply: true, reset: true },
  'malformed JSON': {
    status: 200,
    apply: true,
    body: '{"id": 1, "message": ',
    contentType: 'application/json',
  },
};
const REQUEST_TIMEOUT_MS = 300;
/**
 * Cycles at most per run, each followed by an hour on the bot's clock. A 503 with Retry-After
 * ends its cycle, so that fault takes about one cycle per request kind.
 */
const MOST_CYCLES = 40;

/** A request's kind: method and path with ids and paths left out, or the GraphQL field. */
export function requestKind(method: string, apiPath: string, body: unknown): string {
  if (apiPath === '/graphql') {
    const query = (body as { query?: unknown } | undefined)?.query;
    const field = /\{\s*(\w+)/.exec(typeof query === 'string' ? query : '')?.[1] ?? '?';
    return `graphql ${field}`;
  }
  const shape = apiPath
    .split('/')
    .map((part) =>
      /^\d+$/.test(part)
        ? ':id'
        : /%2F/i.test(part)
          ? ':path'
          : /^[0-9a-f]{40}$/.test(part)
            ? ':sha'
            : part,
    )
    .join('/');
  return `${method} ${shape}`;
}

/** Whether GitLab made what a request asked: answered `status`, or made it and the answer was lost. */
export function madeWith(status: number): (r: RecordedRequest) => boolean {
  return (r) => r.status === status || r.appliedStatus === status;
}

/** A write GitLab made (`status`, its answer given or lost) with this method, on this path. */
export function isMadeWrite(
  method: string,
  path: RegExp,
  status: number,
): (r: RecordedRequest) => boolean {
  return (r) => r.method === method && path.test(r.path) && madeWith(status)(r);
}

/** The seed world with the bot a Maintainer of the image project and a Developer of the app. */
export function faultStoryWorld(options: { version?: string } = {}) {
  const { world, ids } = seedStoryWorld(options);
  world.addMember(ids.projects.poetry, ids.users.bot, 40);
  world.addMember(ids.projects.app, ids.users.bot, 30);
  // GitLab lets bob add team/app (or its group) to an allowlist only if he can see it.
  world.addMember(ids.projects.app, ids.users.bob, 10);
  return { world, ids };
}

/** What a run's faults met: request kinds, and the port methods that made those requests. */
export interface Faulted {
  kinds: Set<string>;
  /** Port methods (`getJob`), as each request named itself (`RecordedRequest.call`). */
  calls: Set<string>;
}

/**
 * Makes the first request of every kind `sim` receives (of those whose path `only` matches, and
 * made by one of `calls` when given) fail with `name`'s fault; returns the kinds that failed so
 * far and the port methods that made them.
 */
export function faultFirstOfEachKind(
  sim: Simulator,
  name: string,
  only = /./,
  calls?: readonly string[],
): Faulted {
  const faulted: Faulted = { kinds: new Set(), calls: new Set() };
  sim.injectFault = ({ method, apiPath, body, call }) => {
    if (!only.test(apiPath)) return undefined;
    if (calls && !calls.includes(call ?? '')) return undefined;
    const kind = requestKind(method, apiPath, body);
    // A job log is text, not JSON: a broken body there is only a strange log.
    if (name === 'malformed JSON' && /\/trace$/.test(apiPath)) return undefined;
    if (faulted.kinds.has(kind)) return undefined;
    faulted.kinds.add(kind);
    if (call) faulted.calls.add(call);
    return { ...FAULTS[name], path: /./ } as Fault;
  };
  return faulted;
}

/** A seeded world the bot watches, and what people do in it between cycles. */
export interface FaultStory {
  world: World;
  ids: { tokens: Pick<SeedIds['tokens'], 'bot'> };
  projects: string[];
  /** Watched groups (none by default). */
  groups?: string[];
  /** Settings beside the watch list (e.g. `audit`). */
  config?: ConfigInput;
  /** Runs before any fault is injected (e.g. to learn what a run without faults finds). */
  beforeFaults?(gitlab: Simulator): Promise<void>;
  /**
   * Only requests these port methods make meet the faults (all by default): for a story there to
   * reach methods the others do not, without paying again for the kinds they fault.
   */
  onlyCalls?: readonly string[];
  /** Runs once the bot is made, before its first cycle (e.g. to serve its webhook endpoint). */
  start?(bot: Bot, gitlab: Simulator, faulted: Faulted): Promise<void>;
  /** One cycle of the bot's (a poll cycle by default); what it throws is logged and the next comes. */
  cycle?(bot: Bot): Promise<unknown>;
  /** What people do after each cycle (a 👍 once they see an offer, a reply). */
  afterCycle(bot: Bot): void;
  /** Whether the story has reached its end (checked before each cycle). */
  finished(bot: Bot): boolean;
}

/** What was started for one run, closed by `closeFaultRun`. */
const open: {
  sim?: Simulator;
  bot?: Bot;
  folder?: string;
  /** A server of the test's (the bot's webhook endpoint). */
  server?: { close(): Promise<unknown> };
} = {};

/** Has `closeFaultRun` close what a test started itself. */
export function closeAfterRun(parts: typeof open): void {
  Object.assign(open, parts);
}

export async function closeFaultRun(): Promise<void> {
  await open.server?.close();
  open.server = undefined;
  open.bot?.close();
  await open.sim?.close();
  if (open.folder) rmSync(open.folder, { recursive: true, force: true });
  open.bot = undefined;
  open.sim = undefined;
  open.folder = undefined;
}

/**
 * Runs a real bot through a story while the first request of each kind fails with `name`'s
 * fault: a cycle after another (a failed one is logged and the next comes, as in `run`), an hour
 * on the bot's clock between them, until the story ends or `MOST_CYCLES` have run.
 */
export async function runFaulted(name: string, story: FaultStory) {
  const started = Date.now();
  const gitlab = await startSimulator({ world: story.world });
  open.sim = gitlab;
  await story.beforeFaults?.(gitlab);
  const faulted = faultFirstOfEachKind(gitlab, name, /./, story.onlyCalls);
  const folder = mkdtempSync(join(tmpdir(), 'diagnoser-faults-'));
  open.folder = folder;
  const clock = { now: new Date() };
  const config = testConfig(gitlab.url, story.ids.tokens.bot, join(folder, 'diagnoser.db'), {
    ...story.config,
    watch: { projects: story.projects, groups: story.groups ?? [] },
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  });
  const running = createBot(config, {
    logger: silentLogger(),
    now: () => clock.now,
    retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 1_000 },
  });
  open.bot = running;
  await story.start?.(running, gitlab, faulted);
  let cycles = 0;
  while (cycles < MOST_CYCLES && !story.finished(running)) {
    await (story.cycle?.(running) ?? running.poller.runCycle()).catch(() => undefined);
    cycles += 1;
    story.afterCycle(running);
    clock.now = new Date(clock.now.getTime() + 61 * 60_000);
  }
  return {
    gitlab,
    bot: running,
    faulted: faulted.kinds,
    calls: faulted.calls,
    cycles,
    ms: Date.now() - started,
  };
}
