import { createHash } from 'node:crypto';
import { GitlabNotFoundError } from '../../errors.js';
import type { GitlabPort, Note } from '../../gitlab/port.js';
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
  /**
   * GitLab already held this very version, written by the bot before a crash or a lost answer
   * and not yet stored: it is stored now, and `at` is when GitLab wrote it.
   */
  adopted?: boolean;
}

/** The bot's version of a note GitLab held before anything was written, when it was read. */
export interface HeldVersion {
  noteId: number;
  url: string;
  bodyHash: string;
  /** When GitLab wrote it. */
  at: string;
}

export interface UpsertOptions {
  /** Read GitLab's version of a stored note before editing it (a new offer is about to go out). */
  checkHeld?: boolean;
  /** Records what the caller keeps about a version written or adopted, with the note itself. */
  onStored?: (result: PublishResult) => void;
  /** Told GitLab's version as soon as it is read, before anything is written. */
  onHeld?: (held: HeldVersion) => void;
}

/** A version of the bot's note as GitLab holds it. */
interface HeldNote {
  noteId: number;
  discussionId: string | null;
  bodyHash: string;
  unchanged: boolean;
  /** When GitLab wrote this version. */
  at: string;
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
  options: UpsertOptions = {},
): Promise<PublishResult> {
  const hash = bodyHash(body);
  // The note and what the caller records about it are stored together: a crash keeps both or neither.
  const kept = (result: PublishResult, discussionId: string | null): PublishResult => {
    store.transaction(() => {
      save(store, target, result.noteId, discussionId, hash, incidentIds);
      options.onStored?.(result);
    });
    return result;
  };
  const known = store.notes.findNote(target.projectId, target.kind, target.key);
  if (known?.bodyHash === hash) {
    return { action: 'unchanged', noteId: known.noteId, url: noteUrl(target, known.noteId) };
  }
  // Without a record the note is found by its marker (a crash between posting and storing must
  // not lead to a second note). With one, the store may still be behind GitLab (a crash between
  // an edit and its record): before a new offer goes out GitLab's version is read, so an offer
  // already shown keeps the time it was shown.
  const held =
    known && !options.checkHeld
      ? undefined
      : await findOwnNote(gitlab, target, botUserId, hash, known?.noteId);
  if (held) {
    const url = noteUrl(target, held.noteId);
    options.onHeld?.({ noteId: held.noteId, url, bodyHash: held.bodyHash, at: held.at });
  }
  if (held?.unchanged) {
    // Written by the bot and never stored: kept now, or its approvals would never be read.
    const url = noteUrl(target, held.noteId);
    const adopted = { noteId: held.noteId, url, at: held.at, adopted: true };
    return kept({ action: 'unchanged', ...adopted }, held.discussionId);
  }
  const existing = held ?? (known && { noteId: known.noteId, discussionId: known.discussionId });
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
      const url = noteUrl(target, existing.noteId);
      const at = edited.updatedAt ?? edited.createdAt;
      return kept({ action: 'edited', noteId: existing.noteId, url, at }, existing.discussionId);
    } catch (error) {
      // Someone deleted the note: post a new one rather than give up.
      if (!(error instanceof GitlabNotFoundError)) throw error;
    }
  }
  if (target.kind === 'merge_request') {
    const note = await gitlab.createMergeRequestNote(target.projectId, Number(target.key), body);
    const url = noteUrl(target, note.id);
    const created = { noteId: note.id, url, at: note.createdAt, ...heldBack(note.id) };
    return kept({ action: 'created', ...created }, null);
  }
  const discussion = await gitlab.createCommitDiscussion(target.projectId, target.key, body);
  const noteId = discussion.notes[0]?.id ?? 0;
  const at = discussion.notes[0]?.createdAt;
  const url = noteUrl(target, noteId);
  const created = { noteId, url, ...(at ? { at } : {}), ...heldBack(noteId) };
  return kept({ action: 'created', ...created }, discussion.id);
}

/** The bot's note as GitLab holds it: the one with `noteId`, else the first with the marker. */
async function findOwnNote(
  gitlab: GitlabPort,
  target: NoteTarget,
  botUserId: number,
  hash: string,
  noteId?: number,
): Promise<HeldNote | undefined> {
  const own = (note: { id: number; authorId: number; body: string }) =>
    note.authorId === botUserId &&
    (noteId === undefined ? note.body.includes(NOTE_MARKER) : note.id === noteId);
  const held = (note: Note, discussionId: string | null): HeldNote => ({
    noteId: note.id,
    discussionId,
    bodyHash: bodyHash(note.body),
    unchanged: bodyHash(note.body) === hash,
    at: note.updatedAt ?? note.createdAt,
  });
  if (target.kind === 'merge_request') {
    const notes = await gitlab.listMergeRequestNotes(target.projectId, Number(target.key));
    const note = notes.find(own);
    return note ? held(note, null) : undefined;
  }
  const discussions = await gitlab.listCommitDiscussions(target.projectId, target.key);
  for (const discussion of discussions) {
    const note = discussion.notes.find(own);
    if (note) return held(note, discussion.id);
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
