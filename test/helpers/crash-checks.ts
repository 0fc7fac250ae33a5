import type { SeedIds, Simulator, World } from '../../src/simulator/index.js';
import type { Store } from '../../src/store/index.js';
import type { CrashCase } from './crash-world.js';

/** A small seeded generator (mulberry32): the same seed gives the same numbers in [0, 1). */
export function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether GitLab made what a request asked: answered 201, or made and its answer lost. */
function made(r: { status: number; appliedStatus?: number }): boolean {
  return r.status === 201 || r.appliedStatus === 201;
}

/** What GitLab holds that should not be there twice, and what should be there but is not. */
export interface StateProblems {
  duplicates: string[];
  losses: string[];
}

/**
 * Reads GitLab's state (the simulator's world and request log) after the bot ran: one bot
 * note per merge request; each approved fix written exactly once (POSTs GitLab made counted,
 * also those whose answer was lost),
 * none for the others; each failed job of an approved fix retried exactly once, none of the
 * others; every failed job diagnosed (done in the bot's queue); every approved note says the bot fixed it.
 */
export function gitlabStateProblems(input: {
  sim: Simulator;
  world: World;
  ids: SeedIds;
  cases: CrashCase[];
  store: Store;
}): StateProblems {
  const { sim, world, ids, cases, store } = input;
  const duplicates: string[] = [];
  const losses: string[] = [];
  const count = (what: string, found: number, expected: number) => {
    if (found > expected) duplicates.push(`${what}: ${found}, expected ${expected}`);
    if (found < expected) losses.push(`${what}: ${found}, expected ${expected}`);
  };
  for (const c of cases) {
    const notes = world.notesOn(c.projectId, c.iid).filter((n) => n.authorId === ids.users.bot);
    count(`bot notes on ${c.path}!${c.iid}`, notes.length, 1);
    if (c.targetId !== undefined) {
      const writes = sim.requests.filter(
        (r) =>
          r.method === 'POST' &&
          r.path === `/api/v4/projects/${c.targetId}/job_token_scope/allowlist` &&
          Number(r.body?.target_project_id) === c.projectId &&
          made(r),
      );
      count(`allowlist writes for ${c.path}`, writes.length, c.approve ? 1 : 0);
    }
    for (const jobId of c.jobIds) {
      const retries = sim.requests.filter(
        (r) =>
          r.method === 'POST' &&
          r.path === `/api/v4/projects/${c.projectId}/jobs/${jobId}/retry` &&
          made(r),
      );
      count(`retries of job ${jobId} of ${c.path}`, retries.length, c.approve ? 1 : 0);
      if (store.jobQueue.getJob(jobId)?.status !== 'done') {
        losses.push(`job ${jobId} of ${c.path} not diagnosed`);
      }
    }
    // Fixed by the bot on bob's approval: a write of its own misreported as failed, or as made
    // by hand, is not the story GitLab holds.
    if (c.approve && !notes[0]?.body.includes('**Fixed.** `bob` accepted the change')) {
      losses.push(`the note on ${c.path}!${c.iid} does not say the bot fixed it`);
    }
  }
  return { duplicates, losses };
}
