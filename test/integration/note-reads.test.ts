import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/simulator/index.js';
import {
  DOCKER_DAEMON_DOWN,
  TYPESCRIPT_ERROR,
  startWithSeedNote,
  type Harness,
} from '../helpers/bot-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

/** The reads of what people said on the bot's notes: reactions, merge request notes, commit discussions. */
function noteReads(requests: readonly RecordedRequest[]): Map<string, number> {
  const reads = new Map<string, number>();
  for (const r of requests) {
    if (r.method !== 'GET' || !/\/(award_emoji|notes|discussions)$/.test(r.path)) continue;
    reads.set(r.path, (reads.get(r.path) ?? 0) + 1);
  }
  return reads;
}

describe("one read of each bot note's thread per cycle", () => {
  it('feeds fix approvals, retry approvals and feedback from one read of the reactions and one of the discussion', async () => {
    const started = await startWithSeedNote();
    h = started.h;
    const { bot, note } = started;
    const { projects, users, mergeRequest } = h.ids;
    // The merge request's note offers a fix and a retry; a branch without a merge request gets a
    // note on its commit that offers the fix.
    h.world.addMember(projects.app, users.bot, 30);
    h.failOnMergeRequest({
      name: 'build-image',
      script: 'docker build .',
      output: DOCKER_DAEMON_DOWN,
    });
    const onMain = h.world.runPipeline({
      projectId: projects.app,
      ref: 'main',
      userId: users.alice,
      jobs: [{ name: 'build-app', image: h.ids.image, script: ['poetry build'] }],
    });
    // A note that offers nothing: read for feedback only, every 10 minutes.
    const quiet = h.world.runPipeline({
      projectId: projects.app,
      ref: 'typed',
      userId: users.alice,
      jobs: [
        {
          name: 'typecheck',
          image: 'alpine:3.20',
          script: ['npx tsc --noEmit'],
          scriptOutput: [TYPESCRIPT_ERROR],
          exitCode: 1,
        },
      ],
    });
    await bot.poller.runCycle();
    expect(bot.store.notes.findNote(projects.app, 'commit', quiet.sha)).toBeDefined();
    expect(bot.store.notes.findNoteByNoteId(projects.app, note.id)?.incidentIds).toHaveLength(2);
    const commitNote = bot.store.notes.findNote(projects.app, 'commit', onMain.sha);
    if (!commitNote) throw new Error('no commit note');
    h.world.replyToDiscussion(commitNote.discussionId ?? '', users.carol, '@diagnoser-bot wrong');

    // Ten cycles a minute apart; the poll's feedback interval (10 minutes) passes in the last.
    // The notes that offer something are read every cycle, once for everything.
    const perCycle: number[] = [];
    let recorded = 0;
    for (let i = 0; i < 10; i += 1) {
      h.clock.advance(60_000);
      h.sim.requests.length = 0;
      const report = await bot.poller.runCycle();
      recorded += report.feedback?.recorded ?? 0;
      const reads = noteReads(h.sim.requests);
      for (const [path, n] of reads) expect(n, `${path} in cycle ${i + 1}`).toBeLessThanOrEqual(1);
      const base = `/api/v4/projects/${projects.app}`;
      expect(
        reads.get(`${base}/merge_requests/${mergeRequest.iid}/notes/${note.id}/award_emoji`),
      ).toBe(1);
      expect(reads.get(`${base}/merge_requests/${mergeRequest.iid}/notes`)).toBe(1);
      expect(reads.get(`${base}/repository/commits/${onMain.sha}/discussions`)).toBe(1);
      expect(reads.get(`${base}/repository/commits/${quiet.sha}/discussions`)).toBe(
        i === 9 ? 1 : undefined,
      );
      perCycle.push(h.sim.requests.length);
    }
    // The `wrong` reply is recorded once, with who gave it, and answered once.
    expect(recorded).toBe(1);
    expect(
      bot.store.incidents
        .listIncidents()
        .flatMap((i) => bot.store.feedback.listFeedbackForIncident(i.id))
        .map((f) => `${f.username}:${f.via}`),
    ).toEqual(['carol:reply']);
    const answers = h.world
      .commitDiscussions(projects.app, onMain.sha)
      .flatMap((d) => d.notes)
      .filter((n) => n.authorId === users.bot && n.body.startsWith('Noted'));
    expect(answers).toHaveLength(1);
    process.stdout.write(
      `note reads: ${perCycle.reduce((a, b) => a + b, 0)} GitLab requests in 10 cycles (${perCycle.join(', ')})\n`,
    );
  });
});
