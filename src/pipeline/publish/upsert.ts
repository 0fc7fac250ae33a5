import { createHash } from 'node:crypto';
import { GitlabNotFoundError } from '../../errors.js';
import type { GitlabPort } from '../../gitlab/port.js';
import { NOTE_MARKER } from '../../render/comment.js';
import type { Store } from '../../store/index.js';
import type { NoteTarget } from './target.js';

export function bodyHash(body: string): string {
  // The footer's time changes on every render; it is not a change worth an edit.
  const stable = body.replace(/ · updated [^·]+ UTC · /, ' · ');
  return createHash('sha256').update(stable).digest('hex');
}

export interface PublishResult {
  action: 'created' | 'edited' | 'unchanged';
  noteId: number;
  url: string;
  /** When GitLab says this version of the note was written (absent when unchanged). */
  at?: string;
  /** The dry-run adapter held the write back: GitLab has no such note (its id is a stand-in). */
  heldBack?: true;
}

/**
 * Creates or edits the bot's one note on the target. The note is found by
 * the store first, then by its hidden marker among the bot's own notes (a
 * crash between posting and storing must not lead to a second note).
 */
export async function upsertNote(
  gitlab: GitlabPort,
  store: Store,
  target: NoteTarget,
  body: string,
  incidentIds: number[],
  botUserId: number,
): Promise<PublishResult> {
  const hash = bodyHash(body);
  const known = store.notes.findNote(target.projectId, target.kind, target.key);
  const existing = known
    ? { noteId: known.noteId, discussionId: known.discussionId, unchanged: known.bodyHash === hash }
    : await findOwnNote(gitlab, target, botUserId, hash);

  if (existing?.unchanged) {
    return { action: 'unchanged', noteId: existing.noteId, url: noteUrl(target, existing.noteId) };
  }
  if (existing) {
    try {
      const edited =
        target.kind === 'merge_request'
          ? await gitlab.editMergeRequestNote(
              target.projectId,
              Number(target.key),
              existing.noteId,
              body,
            )
          : await gitlab.editCommitDiscussionNote(
              target.projectId,
              target.key,
              existing.discussionId ?? '',
              existing.noteId,
              body,
            );
      save(store, target, existing.noteId, existing.discussionId, hash, incidentIds);
      return {
        action: 'edited',
        noteId: existing.noteId,
        url: noteUrl(target, existing.noteId),
        at: edited.updatedAt ?? edited.createdAt,
      };
    } catch (error) {
      // Someone deleted the note: post a new one rather than give up.
      if (!(error instanceof GitlabNotFoundError)) throw error;
    }
  }
  if (target.kind === 'merge_request') {
    const note = await gitlab.createMergeRequestNote(target.projectId, Number(target.key), body);
    save(store, target, note.id, null, hash, incidentIds);
    return {
      action: 'created',
      noteId: note.id,
      url: noteUrl(target, note.id),
      at: note.createdAt,
      ...heldBack(note.id),
    };
  }
  const discussion = await gitlab.createCommitDiscussion(target.projectId, target.key, body);
  const noteId = discussion.notes[0]?.id ?? 0;
  save(store, target, noteId, discussion.id, hash, incidentIds);
  const at = discussion.notes[0]?.createdAt;
  return {
    action: 'created',
    noteId,
    url: noteUrl(target, noteId),
    ...(at ? { at } : {}),
    ...heldBack(noteId),
  };
}

async function findOwnNote(
  gitlab: GitlabPort,
  target: NoteTarget,
  botUserId: number,
  hash: string,
) {
  const own = (note: { authorId: number; body: string }) =>
    note.authorId === botUserId && note.body.includes(NOTE_MARKER);
  if (target.kind === 'merge_request') {
    const notes = await gitlab.listMergeRequestNotes(target.projectId, Number(target.key));
    const note = notes.find(own);
    return note
      ? { noteId: note.id, discussionId: null, unchanged: bodyHash(note.body) === hash }
      : undefined;
  }
  const discussions = await gitlab.listCommitDiscussions(target.projectId, target.key);
  for (const discussion of discussions) {
    const note = discussion.notes.find(own);
    if (note) {
      return {
        noteId: note.id,
        discussionId: discussion.id,
        unchanged: bodyHash(note.body) === hash,
      };
    }
  }
  return undefined;
}

/** Dry-run answers with stand-in notes (ids ≤ 0): nothing was posted. */
function heldBack(noteId: number): { heldBack?: true } {
  return noteId <= 0 ? { heldBack: true } : {};
}

function save(
  store: Store,
  target: NoteTarget,
  noteId: number,
  discussionId: string | null,
  hash: string,
  incidentIds: number[],
) {
  // A stand-in note of dry-run must not be remembered: the live bot posts it for real.
  if (noteId <= 0) return;
  store.notes.saveNote({
    projectId: target.projectId,
    targetKind: target.kind,
    targetKey: target.key,
    noteId,
    discussionId,
    url: noteUrl(target, noteId),
    bodyHash: hash,
    incidentIds,
  });
}

function noteUrl(target: NoteTarget, noteId: number): string {
  return target.kind === 'merge_request'
    ? `${target.projectWebUrl}/-/merge_requests/${target.key}#note_${noteId}`
    : `${target.projectWebUrl}/-/commit/${target.key}#note_${noteId}`;
}
