/** Which lines of a note GitLab would treat as quick actions. */

const QUICK_ACTION = /^\/(?<command>\w+)/;
const FENCE = /^\s{0,3}(?:```|~~~)/;

/** A line GitLab would run as a quick action. */
export interface QuickActionLine {
  command: string;
  line: string;
  /** Inside a fenced code block (GitLab skips those; recorded anyway, flagged). */
  inCodeBlock: boolean;
}

/** Lines starting with `/` followed by a word, as GitLab's extractor sees them. */
export function extractQuickActions(body: string): QuickActionLine[] {
  const actions: QuickActionLine[] = [];
  let inCodeBlock = false;
  for (const line of body.split(/\r?\n/)) {
    if (FENCE.test(line)) {
      inCodeBlock = !inCodeBlock;
      continue;
    }
    const command = QUICK_ACTION.exec(line)?.groups?.command;
    if (command !== undefined) actions.push({ command, line, inCodeBlock });
  }
  return actions;
}
