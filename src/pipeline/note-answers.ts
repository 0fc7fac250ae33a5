import { GitlabNotFoundError } from '../errors.js';
import { threadOnce } from '../gitlab/note-thread.js';
import type { GitlabUser } from '../gitlab/port.js';
import type { Note as StoredNote } from '../store/index.js';
import type { PipelineDeps } from './deps.js';
import { newFeedbackReport, syncNoteFeedback, type FeedbackReport } from './feedback/sync.js';
import { processApprovals } from './one-click/process-approvals.js';
import { processRetryApprovals } from './one-click/process-retry.js';
import { settlePendingWrites } from './one-click/settle.js';
import { newOneClickReport, type OneClickReport } from './one-click/types.js';
import {
  continueAfterWrite,
  incidentsAheadOfNote,
  incidentsWithRecentWrites,
} from './one-click/watch.js';
import { refreshNotes } from './publish/note.js';

/** What one pass over the answers to the bot's notes did. */
export interface NoteAnswersReport {
  oneClick: OneClickReport;
  /** Set when feedback was read: it was due, or it came with a read the approvals made. */
  feedback?: FeedbackReport;
}

/** What to look for on a note. */
export interface Wanted {
  /** Fix and retry approvals (read only when the note offers one). */
  approvals: boolean;
  /** Feedback even when no approval needed the read; otherwise only when it did. */
  feedback: boolean;
}

/** Where one note's answers are counted. */
export interface Into {
  oneClick: OneClickReport;
  feedback: FeedbackReport;
  /** Incidents whose notes need refreshing. */
  changed: Set<number>;
}

/**
 * The poll's pass over the bot's notes posted or edited within `maxAgeMs` (bounded work): each
 * note's reactions and replies are read once, and that one read feeds the fix approvals, the
 * retry approvals and the feedback. Feedback comes free with a note read for approvals; a
 * note that offers nothing is read for feedback only when `feedbackDue`. Then what a crash or
 * an outage left half done, the retried jobs to watch, and every affected note is brought up
 * to date.
 */
export async function runNoteAnswers(
  deps: PipelineDeps,
  bot: GitlabUser,
  options: { maxAgeMs: number; feedbackDue: boolean },
): Promise<NoteAnswersReport> {
  const into: Into = {
    oneClick: newOneClickReport(),
    feedback: newFeedbackReport(),
    changed: new Set(),
  };
  const since = new Date(deps.now().getTime() - options.maxAgeMs);
  // First what a crash or a lost answer left undecided: GitLab's state says what happened.
  await settlePendingWrites(deps, into.oneClick, into.changed);
  let feedbackRead = false;
  for (const note of deps.store.notes.listNotesUpdatedSince(since)) {
    if (note.incidentIds.length === 0) continue;
    const wanted = { approvals: true, feedback: options.feedbackDue };
    if (await answerNote(deps, note, bot, wanted, into)) feedbackRead = true;
    for (const id of incidentsAheadOfNote(deps, note)) into.changed.add(id);
  }
  // Work a crash or an outage may have left half done, and retried jobs to watch.
  for (const incident of incidentsWithRecentWrites(deps, since)) {
    if (await continueAfterWrite(deps, incident, into.oneClick)) into.changed.add(incident.id);
  }
  if (into.changed.size > 0) await refreshNotes(deps, into.changed, bot);
  return {
    oneClick: into.oneClick,
    ...(options.feedbackDue || feedbackRead ? { feedback: into.feedback } : {}),
  };
}

/**
 * Reads one note's reactions and replies at most once and gives them to what `wanted` asks
 * for. A note whose merge request, commit or comment is gone is skipped. Returns whether the
 * feedback was read. The caller refreshes the notes of `into.changed`.
 */
export async function answerNote(
  deps: PipelineDeps,
  note: StoredNote,
  bot: GitlabUser,
  wanted: Wanted,
  into: Into,
): Promise<boolean> {
  const thread = threadOnce(deps.gitlab, note);
  try {
    if (wanted.approvals) {
      const on = { deps, bot, note, thread, report: into.oneClick, changed: into.changed };
      await processApprovals(on);
      await processRetryApprovals(on);
    }
  } catch (error) {
    // Nothing there to approve any more.
    if (thread.gone) return false;
    throw error;
  }
  if (!wanted.feedback && !thread.read) return false;
  try {
    await syncNoteFeedback(deps, note, bot, await thread.get(), into.feedback);
  } catch (error) {
    if (!(error instanceof GitlabNotFoundError)) throw error;
  }
  return true;
}
