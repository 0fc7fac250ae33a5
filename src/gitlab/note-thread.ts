import { GitlabNotFoundError } from '../errors.js';
import type { AwardEmoji, GitlabPort, Note } from './port.js';

/** One of the bot's notes, where GitLab has it. */
export interface NoteRef {
  projectId: number;
  targetKind: 'merge_request' | 'commit';
  targetKey: string;
  noteId: number;
  discussionId: string | null;
}

/** What people said on one of the bot's notes, as GitLab has it now. */
export interface NoteThread {
  /** The reactions to the note; on commits none: GitLab has no API for reactions there. */
  reactions: AwardEmoji[];
  /** The answers: on a merge request the notes posted after the bot's, on a commit the replies in its thread. */
  replies: Note[];
}

/**
 * Reads what people said on one of the bot's notes: on a merge request its reactions and the
 * merge request's notes (two requests), on a commit its discussions (one). Approvals and
 * feedback are both taken from this one read.
 */
export async function readNoteThread(gitlab: GitlabPort, note: NoteRef): Promise<NoteThread> {
  if (note.targetKind === 'merge_request') {
    const iid = Number(note.targetKey);
    const reactions = await gitlab.listNoteAwardEmoji(note.projectId, iid, note.noteId);
    const notes = await gitlab.listMergeRequestNotes(note.projectId, iid);
    return { reactions, replies: notes.filter((r) => r.id > note.noteId) };
  }
  const discussions = await gitlab.listCommitDiscussions(note.projectId, note.targetKey);
  const thread = discussions.find((d) => d.id === note.discussionId);
  return { reactions: [], replies: (thread?.notes ?? []).filter((r) => r.id !== note.noteId) };
}

/** Somebody's reaction to the bot's note or reply after it, and when. */
export interface Said {
  /** Stable id (`award:<id>` or `note:<id>`) so each is handled once, also after a restart. */
  key: string;
  via: 'reaction' | 'reply';
  userId: number;
  username: string;
  at: string;
  /** The reply's note id, to answer it. */
  replyNoteId?: number;
}

/**
 * The reactions among `emoji` and the replies `parse` recognises (with what it read in
 * them), from anyone but the bot; system notes say nothing.
 */
export function saidIn<T extends object>(
  thread: NoteThread,
  botId: number,
  emoji: ReadonlySet<string>,
  parse: (body: string) => T | undefined,
): (Said & Partial<T>)[] {
  const said: (Said & Partial<T>)[] = [];
  for (const award of thread.reactions) {
    if (!emoji.has(award.name) || award.userId === botId) continue;
    said.push({
      key: `award:${award.id}`,
      via: 'reaction',
      userId: award.userId,
      username: award.username,
      at: award.createdAt,
    } as Said & Partial<T>);
  }
  for (const reply of thread.replies) {
    if (reply.system || reply.authorId === botId) continue;
    const parsed = parse(reply.body);
    if (!parsed) continue;
    said.push({
      key: `note:${reply.id}`,
      via: 'reply',
      userId: reply.authorId,
      username: reply.authorUsername,
      ...parsed,
      replyNoteId: reply.id,
      at: reply.createdAt,
    });
  }
  return said;
}

/**
 * A note's thread read at most once: the first consumer that needs it reads it, the others
 * share that read. `gone` says the read found the merge request, commit or note gone.
 */
export interface ThreadOnce {
  get(): Promise<NoteThread>;
  readonly read: boolean;
  readonly gone: boolean;
}

export function threadOnce(gitlab: GitlabPort, note: NoteRef): ThreadOnce {
  let pending: Promise<NoteThread> | undefined;
  const state = { read: false, gone: false };
  return {
    get() {
      pending ??= readNoteThread(gitlab, note).then(
        (thread) => {
          state.read = true;
          return thread;
        },
        (error: unknown) => {
          if (error instanceof GitlabNotFoundError) state.gone = true;
          throw error;
        },
      );
      return pending;
    },
    get read() {
      return state.read;
    },
    get gone() {
      return state.gone;
    },
  };
}
