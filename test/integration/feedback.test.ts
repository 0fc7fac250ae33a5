import { afterEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/main.js';
import { TYPESCRIPT_ERROR, startWithSeedNote, type Harness } from '../helpers/bot-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

/** The seed story's note on team/app's merge request, posted by one poll cycle. */
async function seedNote() {
  const started = await startWithSeedNote();
  h = started.h;
  return started;
}

/** A poll cycle after the poll's feedback interval (10 minutes by default) has passed. */
function cycle(bot: Bot) {
  h.clock.advance(10 * 60_000);
  return bot.poller.runCycle();
}

const reply = (userId: number, body: string) => h.reply(userId, body);
const react = (noteId: number, userId: number) => h.react(noteId, userId, 'thumbsdown');

/** The bot's replies after its note. */
function botReplies(noteId: number) {
  return h.world
    .notesOn(h.ids.projects.app, h.ids.mergeRequest.iid)
    .filter((n) => n.authorId === h.ids.users.bot && n.id !== noteId);
}

/** Who judged which incident wrong, as the database has it (standing judgements only). */
function standing(bot: Bot) {
  return bot.store.incidents
    .listIncidents()
    .flatMap((i) => bot.store.feedback.listFeedbackForIncident(i.id))
    .filter((f) => f.withdrawnAt === null)
    .map((f) => `${f.incidentId}:${f.patternId}:${f.username}:${f.via}`)
    .sort();
}

/** What the bot could have changed in GitLab: the allowlist and the jobs. */
function gitlabState(h: Harness) {
  return {
    allowlist: [...(h.world.project(h.ids.projects.poetry)?.jobTokenAllowlist.projectIds ?? [])],
    jobs: h.world.jobs.map((j) => `${j.id}:${j.status}`),
  };
}

describe('feedback: people say a diagnosis was wrong', () => {
  it('records a 👎 once, with who, when, the incident and the rule; removing it withdraws it', async () => {
    const { bot, note } = await seedNote();
    const incident = bot.store.incidents.listIncidents()[0];
    if (!incident) throw new Error('no incident');
    const before = gitlabState(h);

    react(note.id, h.ids.users.alice);
    // The note offers a fix: the poll reads it every cycle for approvals, and the feedback
    // comes with that read (a note that offers nothing is read every 10 minutes).
    const soon = await bot.poller.runCycle();
    const again = await cycle(bot);

    expect(soon.feedback).toMatchObject({ recorded: 1, withdrawn: 0, answered: 0 });
    expect(again.feedback).toMatchObject({ seen: 1, recorded: 0, withdrawn: 0 });
    const [record, ...rest] = bot.store.feedback.listFeedbackForIncident(incident.id);
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      incidentId: incident.id,
      patternId: 'registry-pull-denied',
      userId: h.ids.users.alice,
      username: 'alice',
      via: 'reaction',
      withdrawnAt: null,
    });
    expect(Date.parse(record?.givenAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    // An opinion: no reply to a reaction, nothing changed in GitLab.
    expect(botReplies(note.id)).toEqual([]);
    expect(gitlabState(h)).toEqual(before);
    expect(bot.store.feedback.ruleJudgements()).toEqual([
      {
        patternId: 'registry-pull-denied',
        diagnoses: 1,
        failedJobs: 1,
        judgedWrong: 1,
        judgements: 1,
        precision: 0,
      },
    ]);

    h.unreact(note.id, h.ids.users.alice, 'thumbsdown');
    const removed = await cycle(bot);

    expect(removed.feedback).toMatchObject({ withdrawn: 1 });
    expect(standing(bot)).toEqual([]);
    expect(bot.store.feedback.ruleJudgements()[0]).toMatchObject({ judgedWrong: 0, precision: 1 });
  });

  it('a reply `@bot wrong` from anyone who sees the note is recorded and acknowledged once', async () => {
    const { bot, note } = await seedNote();
    // rita has no role in the project: her judgement is an opinion like anyone's.
    const rita = h.world.addUser({ username: 'rita' });
    const before = gitlabState(h);

    reply(rita.id, '@diagnoser-bot wrong');
    react(note.id, h.ids.users.carol);
    await cycle(bot);
    reply(rita.id, '@diagnoser-bot wrong, really');
    react(note.id, rita.id);
    const later = await cycle(bot);

    expect(standing(bot)).toEqual([
      `1:registry-pull-denied:carol:reaction`,
      `1:registry-pull-denied:rita:reply`,
    ]);
    expect(later.feedback).toMatchObject({ recorded: 0, answered: 0 });
    const answers = botReplies(note.id);
    expect(answers).toHaveLength(1);
    expect(answers[0]?.body).toBe(
      "Noted, `rita`: the diagnosis of incident 1 (rule `registry-pull-denied`) was wrong here. It is kept for the bot's admins and changes nothing in GitLab; delete your reply to take it back.",
    );
    expect(gitlabState(h)).toEqual(before);
    expect(bot.store.feedback.ruleJudgements()[0]).toMatchObject({
      judgedWrong: 1,
      judgements: 2,
    });
  });

  it('on a note with two diagnoses, a bare 👎 or `wrong` names none; `wrong <id>` names one', async () => {
    const { bot, note } = await seedNote();
    // A second failure on the same merge request joins the same note.
    h.world.addMember(h.ids.projects.app, h.ids.users.bot, 30);
    h.failOnMergeRequest({
      name: 'typecheck',
      script: 'npx tsc --noEmit',
      output: TYPESCRIPT_ERROR,
    });
    await cycle(bot);
    const ids = bot.store.notes.findNoteByNoteId(h.ids.projects.app, note.id)?.incidentIds ?? [];
    expect(ids).toHaveLength(2);
    const typecheck = bot.store.incidents
      .listIncidents()
      .find((i) => i.patternId === 'typescript-compile-error');
    if (!typecheck) throw new Error('no typescript incident');

    react(note.id, h.ids.users.alice);
    reply(h.ids.users.carol, '@diagnoser-bot wrong');
    await cycle(bot);
    expect(standing(bot)).toEqual([]);
    expect(botReplies(note.id).map((r) => r.body)).toEqual([
      `This comment shows several diagnoses: reply ${ids.map((id) => `\`@diagnoser-bot wrong ${id}\``).join(' or ')} to say which one was wrong.`,
    ]);

    reply(h.ids.users.carol, `@diagnoser-bot wrong ${typecheck.id}`);
    await cycle(bot);
    await cycle(bot);

    expect(standing(bot)).toEqual([`${typecheck.id}:typescript-compile-error:carol:reply`]);
    expect(botReplies(note.id)).toHaveLength(2);
    const rules = bot.store.feedback.ruleJudgements();
    expect(rules.map((r) => r.patternId)).toEqual([
      'typescript-compile-error',
      'registry-pull-denied',
    ]);
  });
});
