import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { GITLAB_PAUSES_KEY } from '../../src/store/index.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

let h: Harness;
let other: Server | undefined;
afterEach(async () => {
  await h.close();
  await new Promise((resolve) => (other ? other.close(resolve) : resolve(undefined)));
  other = undefined;
});

/** Eight merge requests in team/app, each with a failed pipeline that the bot can diagnose. */
function eightFailures(harness: Harness): number[] {
  const { world, ids } = harness;
  return Array.from({ length: 8 }, (_, i) => {
    const mr = world.addMergeRequest({
      projectId: ids.projects.app,
      sourceBranch: `feature-${i}`,
      title: `Feature ${i}`,
      authorId: ids.users.alice,
      sha: randomBytes(20).toString('hex'),
    });
    world.runPipeline({
      projectId: ids.projects.app,
      ref: `refs/merge-requests/${mr.iid}/head`,
      userId: ids.users.alice,
      jobs: [{ name: 'build', image: ids.image }],
    });
    return mr.iid;
  });
}

function notedMergeRequests(harness: Harness, iids: number[]): number[] {
  return iids.filter((iid) =>
    harness.world
      .notesOn(harness.ids.projects.app, iid)
      .some((n) => n.authorId === harness.ids.users.bot),
  );
}

const NOTE_POST = /\/merge_requests\/\d+\/notes$/;

describe('a transient error delays only what it touches', () => {
  it('one 500 on one note leaves the other seven published in the same cycle', async () => {
    h = await startHarness({ botRole: 40 });
    const iids = eightFailures(h);
    h.sim.faults.push({ method: 'POST', path: NOTE_POST, status: 500 });
    const bot = h.startBot();

    const first = await bot.poller.runCycle();

    expect(notedMergeRequests(h, iids)).toHaveLength(7);
    expect(first.deferred).toBe(1);
    // Only the note that failed is tried once more: a write is never repeated in place.
    const posts = h.sim.requests.filter((r) => r.method === 'POST' && NOTE_POST.test(r.path));
    expect(posts.map((r) => r.status).sort()).toEqual([201, 201, 201, 201, 201, 201, 201, 500]);

    h.clock.advance(2 * 60_000);
    await bot.poller.runCycle();
    expect(notedMergeRequests(h, iids)).toEqual(iids);
  });

  it('retries a 500 on a read in place: all eight notes in the first cycle', async () => {
    h = await startHarness({ botRole: 40 });
    const iids = eightFailures(h);
    h.sim.faults.push({ path: /\/jobs\/\d+\/trace$/, status: 500 });
    const bot = h.startBot();

    const report = await bot.poller.runCycle();

    expect(report.deferred).toBe(0);
    expect(notedMergeRequests(h, iids)).toEqual(iids);
    const traces = h.sim.requests.filter((r) => r.path.endsWith('/trace')).map((r) => r.status);
    expect(traces.filter((s) => s === 500)).toHaveLength(1);
  });

  it('40 consecutive 429s with Retry-After: 60 draw one request in the pause, not 30', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    const jobsList = /\/projects\/\d+\/jobs$/;
    h.sim.faults.push({ path: jobsList, status: 429, retryAfter: 60, times: 40 });
    const bot = h.startBot({ discovery: 'per-project' });
    const listed = () => h.sim.requests.filter((r) => jobsList.test(r.path)).length;

    for (let second = 0; second < 60; second += 15) {
      await bot.poller.runCycle();
      h.clock.advance(15_000);
    }
    const inThePause = listed();
    // Other kinds of request went on: the bot's identity, the approvals on its notes.
    const others = h.sim.requests.length - inThePause;

    expect(inThePause).toBeLessThanOrEqual(2);
    expect(others).toBeGreaterThan(0);
    expect(h.sim.faults[0]?.times).toBe(39);
    expect(bot.store.meta.getMeta(GITLAB_PAUSES_KEY)).toContain('GET projects/*/jobs');

    // After the pause, one more try; it is refused again and pauses again.
    h.clock.advance(1_000);
    await bot.poller.runCycle();
    expect(listed()).toBe(inThePause + 1);

    h.sim.faults.length = 0;
    h.clock.advance(61_000);
    const resumed = await bot.poller.runCycle();
    expect(resumed.outcomes).toMatchObject([{ verdict: 'allowlist-missing' }]);
  });

  it('keeps a pause across a restart on the same GitLab', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    const jobsList = /\/projects\/\d+\/jobs$/;
    h.sim.faults.push({ path: jobsList, status: 503, retryAfter: 300, times: 1 });
    await h.startBot({ discovery: 'per-project' }).poller.runCycle();
    const before = h.sim.requests.filter((r) => jobsList.test(r.path)).length;

    h.clock.advance(60_000);
    const restarted = h.startBot({ discovery: 'per-project' });
    await restarted.poller.runCycle();

    expect(h.sim.requests.filter((r) => jobsList.test(r.path)).length).toBe(before);
  });
});

describe('a pause from a failed setup does not hold back the corrected one', () => {
  it('a wrong URL that answered 503 with Retry-After does not pause the right GitLab', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    // Something else at the wrong address: a proxy page in maintenance.
    other = createServer((_request, response) => {
      response.writeHead(503, { 'retry-after': '3600', 'content-type': 'text/html' });
      response.end('<html>maintenance</html>');
    });
    await new Promise<void>((resolve) => other?.listen(0, '127.0.0.1', resolve));
    const wrongUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;

    const wrong = h.startBot({ gitlabUrl: wrongUrl });
    const refused = await wrong.poller.runCycle();
    expect(refused.problems.map((p) => p.where)).toContain('GitLab');
    expect(wrong.store.meta.getMeta(GITLAB_PAUSES_KEY)).toContain(wrongUrl);
    wrong.close();

    const corrected = h.startBot();
    const report = await corrected.poller.runCycle();

    expect(report.outcomes).toMatchObject([{ verdict: 'allowlist-missing' }]);
    expect(h.botNotes()).toHaveLength(1);
  });

  it('an unreachable GitLab stores no pause at all', async () => {
    h = await startHarness({ botRole: 40 });
    h.runSeed();
    other = createServer();
    await new Promise<void>((resolve) => other?.listen(0, '127.0.0.1', resolve));
    const port = (other.address() as AddressInfo).port;
    await new Promise((resolve) => other?.close(resolve));
    other = undefined;

    const wrong = h.startBot({ gitlabUrl: `http://127.0.0.1:${port}` });
    const refused = await wrong.poller.runCycle();
    expect(refused.problems.map((p) => p.message).join()).toContain('check GITLAB_URL');
    expect(wrong.store.meta.getMeta(GITLAB_PAUSES_KEY)).toBeUndefined();
    wrong.close();

    const report = await h.startBot().poller.runCycle();
    expect(report.outcomes).toMatchObject([{ verdict: 'allowlist-missing' }]);
  });
});
