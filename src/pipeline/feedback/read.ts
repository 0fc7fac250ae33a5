import type { GitlabPort, GitlabUser, Note } from '../../gitlab/port.js';
import type { Note as StoredNote } from '../../store/index.js';

/** Reactions that say the diagnosis was wrong. */
export const FEEDBACK_EMOJI: ReadonlySet<string> = new Set(['thumbsdown', '-1']);

/** Somebody saying, by 👎 or reply, that a diagnosis on the bot's note was wrong. */
export interface FeedbackSignal {
  /** `award:<id>` or `note:<id>`. */
  key: string;
  via: 'reaction' | 'reply';
  userId: number;
  username: string;
  /** The incident a reply names (`@bot wrong 12`). */
  incidentId?: number;
  at: string;
}

/** `@bot wrong`, with an optional incident number; undefined when the text says no such thing. */
export function parseWrongCommand(
  body: string,
  botUsername: string,
): { incidentId?: number } | undefined {
  const escaped = botUsername.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  const m = new RegExp(`(?:^|\\s)@${escaped}\\s+wrong\\b(?:\\s+(?<id>\\d{1,12})\\b)?`, 'i').exec(
    body,
  );
  if (!m) return undefined;
  const id = m.groups?.id;
  return id ? { incidentId: Number(id) } : {};
}

/**
 * The 👎 on the bot's note and the replies after it that tell the bot `wrong`, as GitLab has
 * them now (a reaction removed or a reply deleted is no longer there). On commits only
 * replies count: GitLab has no API for reactions there.
 */
export async function readFeedbackSignals(
  gitlab: GitlabPort,
  note: StoredNote,
  bot: GitlabUser,
): Promise<FeedbackSignal[]> {
  if (note.targetKind === 'commit') {
    const discussions = await gitlab.listCommitDiscussions(note.projectId, note.targetKey);
    const thread = discussions.find((d) => d.id === note.discussionId);
    return replies(
      (thread?.notes ?? []).filter((r) => r.id !== note.noteId),
      bot,
    );
  }
  const iid = Number(note.targetKey);
  const signals: FeedbackSignal[] = [];
  for (const award of await gitlab.listNoteAwardEmoji(note.projectId, iid, note.noteId)) {
    if (!FEEDBACK_EMOJI.has(award.name) || award.userId === bot.id) continue;
    signals.push({
      key: `award:${award.id}`,
      via: 'reaction',
      userId: award.userId,
      username: award.username,
      at: award.createdAt,
    });
  }
  // On a merge request, replies are the notes posted after the bot's.
  const later = (await gitlab.listMergeRequestNotes(note.projectId, iid)).filter(
    (r) => r.id > note.noteId,
  );
  return [...signals, ...replies(later, bot)];
}

function replies(notes: Note[], bot: GitlabUser): FeedbackSignal[] {
  const signals: FeedbackSignal[] = [];
  for (const reply of notes) {
    if (reply.system || reply.authorId === bot.id) continue;
    const parsed = parseWrongCommand(reply.body, bot.username);
    if (!parsed) continue;
    signals.push({
      key: `note:${reply.id}`,
      via: 'reply',
      userId: reply.authorId,
      username: reply.authorUsername,
      ...parsed,
      at: reply.createdAt,
    });
  }
  return signals;
}
