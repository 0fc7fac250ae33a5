import { saidIn, type NoteThread, type Said } from '../../gitlab/note-thread.js';
import type { GitlabUser } from '../../gitlab/port.js';

/** Reactions that say the diagnosis was wrong. */
export const FEEDBACK_EMOJI: ReadonlySet<string> = new Set(['thumbsdown', '-1']);

/** Somebody saying, by 👎 or reply, that a diagnosis on the bot's note was wrong. */
export interface FeedbackSignal extends Said {
  /** The incident a reply names (`@bot wrong 12`). */
  incidentId?: number;
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
 * The 👎 on the bot's note and the replies after it that tell the bot `wrong`, in what GitLab
 * has now (a reaction removed or a reply deleted is no longer there). On commits only replies
 * count: GitLab has no API for reactions there.
 */
export function feedbackIn(thread: NoteThread, bot: GitlabUser): FeedbackSignal[] {
  return saidIn(thread, bot.id, FEEDBACK_EMOJI, (body) => parseWrongCommand(body, bot.username));
}
