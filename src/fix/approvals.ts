import type { GitlabPort, GitlabUser, Note } from '../gitlab/port.js';
import type { Note as StoredNote } from '../store/index.js';

export type Command = 'apply' | 'apply-group' | 'revert' | 'retry';

/** Somebody asking the bot to act, by reaction or by reply. */
export interface Approval {
  /** Stable id (`award:<id>` or `note:<id>`) so each is handled once, also after a restart. */
  key: string;
  via: 'reaction' | 'reply';
  userId: number;
  username: string;
  command: Command;
  /** The incident a reply names (`@bot apply 12`): needed on a note with several offers. */
  incidentId?: number;
  /** The reply's note id, to answer it. */
  replyNoteId?: number;
  at: string;
}

/** The reactions that approve an offer. */
export const APPROVAL_EMOJI: ReadonlySet<string> = new Set(['thumbsup', '+1']);

/** `@bot apply`, `@bot apply group`, `@bot revert`, `@bot retry`, each with an optional incident number. */
export function parseCommand(
  body: string,
  botUsername: string,
): { command: Command; incidentId?: number } | undefined {
  const escaped = botUsername.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  const m = new RegExp(
    `(?:^|\\s)@${escaped}\\s+(apply(?:\\s+group)?|revert|retry)\\b(?:\\s+(\\d{1,12})\\b)?`,
    'i',
  ).exec(body);
  if (!m?.[1]) return undefined;
  const word = m[1].toLowerCase().replace(/\s+/, ' ');
  const command = word === 'apply group' ? 'apply-group' : (word as Command);
  return m[2] ? { command, incidentId: Number(m[2]) } : { command };
}

/**
 * The reactions to the bot's note and the replies after it that address the
 * bot. On commits only replies count: GitLab has no API for reactions there.
 */
export async function readApprovals(
  gitlab: GitlabPort,
  note: StoredNote,
  bot: GitlabUser,
): Promise<Approval[]> {
  const approvals: Approval[] = [];
  if (note.targetKind === 'merge_request') {
    const iid = Number(note.targetKey);
    for (const award of await gitlab.listNoteAwardEmoji(note.projectId, iid, note.noteId)) {
      if (!APPROVAL_EMOJI.has(award.name) || award.userId === bot.id) continue;
      approvals.push({
        key: `award:${award.id}`,
        via: 'reaction',
        userId: award.userId,
        username: award.username,
        command: 'apply',
        at: award.createdAt,
      });
    }
    const replies = await gitlab.listMergeRequestNotes(note.projectId, iid);
    // On a merge request, replies are the notes posted after the bot's.
    approvals.push(
      ...commands(
        replies.filter((r) => r.id > note.noteId),
        bot,
      ),
    );
    return approvals;
  }
  const discussions = await gitlab.listCommitDiscussions(note.projectId, note.targetKey);
  const thread = discussions.find((d) => d.id === note.discussionId);
  approvals.push(
    ...commands(
      (thread?.notes ?? []).filter((r) => r.id !== note.noteId),
      bot,
    ),
  );
  return approvals;
}

/** The replies that address the bot with a command, as approvals. */
function commands(replies: Note[], bot: GitlabUser): Approval[] {
  const approvals: Approval[] = [];
  for (const reply of replies) {
    if (reply.system || reply.authorId === bot.id) continue;
    const parsed = parseCommand(reply.body, bot.username);
    if (!parsed) continue;
    approvals.push({
      key: `note:${reply.id}`,
      via: 'reply',
      userId: reply.authorId,
      username: reply.authorUsername,
      ...parsed,
      replyNoteId: reply.id,
      at: reply.createdAt,
    });
  }
  return approvals;
}
