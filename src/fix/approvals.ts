import { saidIn, type NoteThread, type Said } from '../gitlab/note-thread.js';
import type { GitlabUser } from '../gitlab/port.js';

export type Command = 'apply' | 'apply-group' | 'revert' | 'retry';

/** Somebody asking the bot to act, by reaction or by reply. */
export interface Approval extends Said {
  command: Command;
  /** The incident a reply names (`@bot apply 12`): needed on a note with several offers. */
  incidentId?: number;
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
 * The approvals in what people said on the bot's note: 👍 reactions (to apply) and replies
 * that address the bot with a command. On commits only replies count: GitLab has no API for
 * reactions there.
 */
export function approvalsIn(thread: NoteThread, bot: GitlabUser): Approval[] {
  return saidIn(thread, bot.id, APPROVAL_EMOJI, (body) => parseCommand(body, bot.username)).map(
    (said) => ({ command: 'apply', ...said }),
  );
}
