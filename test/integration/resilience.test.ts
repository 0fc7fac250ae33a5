import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('one note per merge request, across failures and restarts', () => {
  it('edits the same note when a second pipeline of the merge request fails', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    const bot = h.startBot();
    await bot.poller.runCycle();
    const second = h.runSeed();

    const report = await bot.poller.runCycle();

    expect(report.outcomes).toMatchObject([{ status: 'noted', note: { action: 'edited' } }]);
    const notes = h.botNotes();
    expect(notes).toHaveLength(1);
    expect(notes[0]?.body).toContain(`pipeline ${second.id}`);
    const [incident] = bot.store.incidents.listIncidents();
    expect(incident?.occurrences).toBe(2);
  });

  it('neither duplicates a note nor misses a failure across a restart', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    const first = h.startBot();
    await first.poller.runCycle();
    first.close();
    const missed = h.runSeed(); // fails while the bot is down

    const second = h.startBot();
    const report = await second.poller.runCycle();

    expect(report.outcomes.map((o) => o.jobId)).toEqual([h.world.jobsOf(missed.id)[0]?.id]);
    expect(h.botNotes()).toHaveLength(1);
    expect(second.store.incidents.listIncidents()[0]?.occurrences).toBe(2);
  });

  it('finds its note by the hidden marker when the incident log was lost', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    await h.startBot().poller.runCycle();
    h.runSeed();

    const fresh = h.startBot({ databasePath: `${h.dbPath}.new` });
    const report = await fresh.poller.runCycle();

    expect(report.outcomes.map((o) => o.note?.action)).toEqual(['unchanged', 'edited']);
    expect(h.botNotes()).toHaveLength(1);
  });

  it('does not edit a note whose content did not change', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    await h.startBot().poller.runCycle();
    h.sim.requests.length = 0;

    const fresh = h.startBot({ databasePath: `${h.dbPath}.again` });
    const report = await fresh.poller.runCycle();

    expect(report.outcomes).toMatchObject([{ note: { action: 'unchanged' } }]);
    // Reads only: GETs, and GraphQL queries (no mutation).
    const writes = h.sim.requests.filter(
      (r) => r.method !== 'GET' && !String(r.body?.query).trimStart().startsWith('query'),
    );
    expect(writes).toEqual([]);
  });
});

describe('GitLab failures lose no work', () => {
  it('retries a 503 with Retry-After within the cycle', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    h.sim.faults.push({ path: /\/jobs\/\d+\/trace$/, status: 503, retryAfter: 0 });
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.outcomes).toMatchObject([{ verdict: 'allowlist-missing' }]);
    expect(h.sim.requests.filter((r) => r.path.endsWith('/trace')).map((r) => r.status)).toEqual([
      503, 200,
    ]);
  });

  it('defers a job through repeated 500s and diagnoses it in a later cycle', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    h.sim.faults.push({ path: /\/jobs\/\d+\/trace$/, status: 500, times: 3 });
    const bot = h.startBot();

    const first = await bot.poller.runCycle();
    h.clock.advance(10 * 60_000);
    const second = await bot.poller.runCycle();

    expect(first.outcomes).toEqual([]);
    expect(first.deferred).toBe(1);
    expect(second.outcomes).toMatchObject([{ verdict: 'allowlist-missing' }]);
    expect(h.botNotes()).toHaveLength(1);
  });

  it('honours a long Retry-After by pausing that kind of request, then catches up', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    const jobsList = /\/projects\/\d+\/jobs$/;
    h.sim.faults.push({ path: jobsList, status: 503, retryAfter: 120, times: 1 });
    const bot = h.startBot({ discovery: 'per-project' });
    const listed = () => h.sim.requests.filter((r) => jobsList.test(r.path)).length;

    const refused = await bot.poller.runCycle();
    h.clock.advance(60_000);
    const paused = await bot.poller.runCycle();
    const listedWhilePaused = listed();
    h.clock.advance(61_000);
    const resumed = await bot.poller.runCycle();

    expect(refused.problems.map((p) => p.message).join()).toContain('asked to wait 120 s');
    expect(paused.problems.map((p) => p.message).join()).toContain('held back until');
    expect(listedWhilePaused).toBe(1);
    expect(listed()).toBe(2);
    expect(resumed.outcomes).toMatchObject([{ verdict: 'allowlist-missing' }]);
  });

  it('survives a run of 429s past gitbeaker’s own retries', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    h.sim.faults.push({ path: /\/projects\/\d+\/jobs$/, status: 429, retryAfter: 30, times: 40 });
    const bot = h.startBot({ discovery: 'per-project' });

    const limited = await bot.poller.runCycle();
    h.sim.faults.length = 0;
    h.clock.advance(2 * 60_000);
    const later = await bot.poller.runCycle();

    expect(limited.outcomes).toEqual([]);
    expect(later.outcomes).toMatchObject([{ verdict: 'allowlist-missing' }]);
  });

  it('treats a request timeout as transient', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    h.sim.faults.push({ path: /\/jobs\/\d+\/trace$/, status: 200, delayMs: 1_500, times: 3 });
    const bot = h.startBot({ requestTimeoutMs: 300 });

    const first = await bot.poller.runCycle();
    h.clock.advance(10 * 60_000);
    const second = await bot.poller.runCycle();

    expect(first.deferred).toBe(1);
    expect(second.outcomes).toMatchObject([{ verdict: 'allowlist-missing' }]);
  });

  it('keeps going when one watched project does not exist', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    const bot = h.startBot({ watch: { projects: ['team/gone', 'team/app'], groups: [] } });

    const report = await bot.poller.runCycle();

    expect(report.problems.map((p) => p.where)).toEqual(['watched project team/gone']);
    expect(report.outcomes).toHaveLength(1);
  });

  it('costs one request per watched project when nothing new failed (per-project)', async () => {
    h = await startHarness({ botRole: 40 });
    // A failure without a one-click offer: no approvals to look for.
    h.runOnMergeRequest([
      { name: 'deploy', image: 'deployphp/deployer:7', script: ['dep deploy'] },
    ]);
    const bot = h.startBot({ cacheTtlSeconds: 600, discovery: 'per-project' });
    await bot.poller.runCycle();
    h.sim.requests.length = 0;

    await bot.poller.runCycle();

    expect(h.sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /api/v4/projects/${h.ids.projects.app}/jobs`,
    ]);
  });

  it('adds two requests per open offer on a merge request to look for approvals', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    const bot = h.startBot({ cacheTtlSeconds: 600 });
    await bot.poller.runCycle();
    h.sim.requests.length = 0;

    await bot.poller.runCycle();

    const iid = h.ids.mergeRequest.iid;
    const note = h.botNotes()[0]?.id;
    expect(h.sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/graphql',
      `GET /api/v4/projects/${h.ids.projects.app}/merge_requests/${iid}/notes/${note}/award_emoji`,
      `GET /api/v4/projects/${h.ids.projects.app}/merge_requests/${iid}/notes`,
    ]);
  });
});

describe('large fleets', () => {
  it('polls quiet projects less often, and a failing one again at once (per-project)', async () => {
    h = await startHarness({ botRole: 40 });
    const bot = h.startBot({ discovery: 'per-project' });
    const polls: number[] = [];
    for (let cycle = 0; cycle < 8; cycle++) {
      h.sim.requests.length = 0;
      await bot.poller.runCycle();
      polls.push(h.sim.requests.filter((r) => r.path.endsWith('/jobs')).length);
    }

    // Left out more and more, but never more than 3 cycles in a row.
    expect(polls.slice(0, 2)).toEqual([1, 1]);
    expect(polls.reduce((a, b) => a + b)).toBeLessThan(8);
    expect(polls.join('')).not.toContain('0000');
    h.runSeed();
    const caught: number[] = [];
    for (let cycle = 0; cycle < 4; cycle++) {
      const report = await bot.poller.runCycle();
      caught.push(report.newJobs);
    }
    expect(caught.reduce((a, b) => a + b)).toBe(1);
  });
});
