import { link } from './markdown.js';

/** What the note says about where the incident stands, beside the diagnosis and any fix. */
export type StatusLine =
  /** The same cause failed a job created after it was fixed. */
  | { kind: 'recurred'; at: string; jobName: string; jobUrl: string }
  /** A failed job passed when it ran again, without the bot's doing. */
  | { kind: 'passed-on-retry'; at: string; jobName: string; jobUrl: string };

export function renderStatusLine(line: StatusLine): string {
  const at = `${line.at.slice(0, 16).replace('T', ' ')} UTC`;
  const job = link(line.jobName, line.jobUrl);
  switch (line.kind) {
    case 'recurred':
      return `**Failed again.** ${job} failed after this cause was fixed (seen ${at}), so the fix did not hold: what is above is what is needed now.`;
    case 'passed-on-retry':
      return `**Fixed.** ${job} passed when it ran again (seen ${at}).`;
  }
}
