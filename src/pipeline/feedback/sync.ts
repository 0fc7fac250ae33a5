import type { NoteThread } from '../../gitlab/note-thread.js';
import type { GitlabUser } from '../../gitlab/port.js';
import { code } from '../../render/markdown.js';
import type { Incident, Note as StoredNote } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import { feedbackIn, type FeedbackSignal } from './read.js';

/** What one look at the feedback on the bot's notes did. */
export interface FeedbackReport {
  /** 👎 and `wrong` replies read. */
  seen: number;
  /** Judgements recorded, or standing again after being withdrawn. */
  recorded: number;
  /** Judgements whose reaction or reply is gone. */
  withdrawn: number;
  /** Replies the bot posted (an acknowledgement, or which incident to name). */
  answered: number;
}

export function newFeedbackReport(): FeedbackReport {
  return { seen: 0, recorded: 0, withdrawn: 0, answered: 0 };
}

/** An answer to post once: under `key` the bot remembers it did. */
interface Answer {
  key: string;
  body: string;
}

/**
 * Brings the judgements given on one of the bot's notes in line with what GitLab shows now
 * (`thread`, read once for approvals and feedback alike):
 * a new 👎 or `@bot wrong` is recorded (once per person and incident), one that is gone is
 * withdrawn. A judgement is an opinion: nothing in GitLab changes; the bot only answers a
 * reply, once per person and incident. A bare 👎 or `wrong` on a note with several
 * diagnoses names none of them and records nothing; the reply is told how to name one.
 */
export async function syncNoteFeedback(
  deps: PipelineDeps,
  note: StoredNote,
  bot: GitlabUser,
  thread: NoteThread,
  report: FeedbackReport = newFeedbackReport(),
): Promise<FeedbackReport> {
  const { store } = deps;
  const signals = feedbackIn(thread, bot);
  const incidents = new Map(
    note.incidentIds
      .map((id) => store.incidents.getIncident(id))
      .filter((i): i is Incident => i !== undefined)
      .map((i) => [i.id, i]),
  );
  const earlier = store.feedback.listFeedbackOnNote(note.id);
  // A judgement once tied to an incident stays with it, even after the note lists more.
  const tiedTo = new Map(earlier.map((f) => [f.sourceKey, f.incidentId]));
  const standing = new Set<string>();
  const answers: Answer[] = [];

  for (const signal of [...signals].sort((a, b) => a.at.localeCompare(b.at))) {
    report.seen += 1;
    const incident = incidents.get(
      signal.incidentId ??
        tiedTo.get(signal.key) ??
        (incidents.size === 1 ? ([...incidents.keys()][0] as number) : -1),
    );
    if (!incident) {
      if (signal.via === 'reply') answers.push(whichOne(note, signal, [...incidents.keys()], bot));
      continue;
    }
    standing.add(`${incident.id}:${signal.userId}`);
    const outcome = store.feedback.recordFeedback({
      incidentId: incident.id,
      patternId: incident.patternId,
      userId: signal.userId,
      username: signal.username,
      via: signal.via,
      sourceKey: signal.key,
      noteRef: note.id,
      givenAt: signal.at,
    });
    if (outcome !== 'repeat') report.recorded += 1;
    if (signal.via === 'reply') {
      answers.push({
        key: `incident:${incident.id}:user:${signal.userId}`,
        body:
          `Noted, ${code(signal.username)}: the diagnosis of incident ${incident.id} ` +
          `(rule ${code(incident.patternId)}) was wrong here. It is kept for the bot's admins ` +
          'and changes nothing in GitLab; delete your reply to take it back.',
      });
    }
  }

  const gone = earlier.filter(
    (f) => f.withdrawnAt === null && !standing.has(`${f.incidentId}:${f.userId}`),
  );
  report.withdrawn += store.feedback.withdrawFeedback(gone.map((f) => f.id));

  for (const answer of answers) {
    if (store.feedback.wasAnswered(answer.key)) continue;
    await postReply(deps, note, answer.body);
    store.feedback.markAnswered(answer.key);
    report.answered += 1;
  }
  return report;
}

/** The answer to a `wrong` that names no incident of the note. */
function whichOne(
  note: StoredNote,
  signal: FeedbackSignal,
  incidentIds: number[],
  bot: GitlabUser,
): Answer {
  const choices = incidentIds.map((id) => code(`@${bot.username} wrong ${id}`)).join(' or ');
  const shows =
    incidentIds.length === 1
      ? `This comment shows incident ${incidentIds[0]} only`
      : 'This comment shows several diagnoses';
  return {
    key: `note:${note.id}:user:${signal.userId}`,
    body:
      incidentIds.length > 0
        ? `${shows}: reply ${choices} to say which one was wrong.`
        : 'This comment shows no diagnosis to judge any more.',
  };
}

/** A reply in the bot's thread: on a merge request a note, on a commit a reply in its discussion. */
async function postReply(deps: PipelineDeps, note: StoredNote, body: string): Promise<void> {
  if (note.targetKind === 'merge_request') {
    await deps.gitlab.createMergeRequestNote(note.projectId, Number(note.targetKey), body);
    return;
  }
  await deps.gitlab.replyToCommitDiscussion(
    note.projectId,
    note.targetKey,
    note.discussionId ?? '',
    body,
  );
}
