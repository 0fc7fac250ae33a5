import type { Diagnosis } from '../domain/diagnosis.js';
import type { FixState } from '../domain/fix-state.js';
import { code, factMarkdown, link } from './markdown.js';

/** The lines about the one-click fix: the offer, or what became of it. */
export function renderFixState(state: FixState, d: Diagnosis): string {
  const target = code(d.target?.path ?? '');
  const source = code(d.project.path);
  switch (state.kind) {
    case 'offered': {
      const apply = `@${state.botUsername} apply${state.choose ? ` ${state.choose}` : ''}`;
      // A reaction cannot say which of several offers it accepts.
      const how =
        state.reactions && !state.choose
          ? `react with :thumbsup: to this comment, or reply ${code(apply)}`
          : `reply ${code(apply)} to this comment`;
      const group = state.sourceGroup
        ? ` To allow every project of the group ${code(state.sourceGroup)} instead, reply ${code(`@${state.botUsername} apply group${state.choose ? ` ${state.choose}` : ''}`)} (broader; not recommended unless several projects need it).`
        : '';
      return [
        `**Accept with one click.** The bot can make this change: a Maintainer or Owner of ${target} who can see ${source} may ${how}. It then adds ${source} to the allowlist of ${target}, retries the failed jobs and reports back here.`,
        `What it grants: CI jobs of ${source} may use their job token to read ${target} (its container images, packages, repository and artifacts, and the API endpoints job tokens reach), always with the rights of the user who runs them.${group}`,
      ].join('\n\n');
    }
    case 'applied': {
      const jobs = state.retried.length
        ? ` Retried: ${state.retried.map((j) => `${link(j.jobName, j.jobUrl)} (${jobStatus(j.status)})`).join(', ')}.`
        : '';
      const what = state.entry === 'group' ? `the group of ${source}` : source;
      const problem = state.retryProblem
        ? ` The bot could not retry the failed jobs (${state.retryProblem}); retry them by hand.`
        : '';
      return `**Fixed.** ${code(state.by)} accepted the change on ${state.at.slice(0, 16).replace('T', ' ')} UTC; the bot added ${what} to the allowlist of ${target}.${jobs}${problem}`;
    }
    case 'pending':
      return state.op === 'add'
        ? `**Accepted, not applied yet.** ${code(state.by)} accepted the change on ${state.at.slice(0, 16).replace('T', ' ')} UTC, but GitLab did not confirm it. The bot reads the allowlist of ${target} again in its next cycle and, if ${source} is still missing, tries once more.`
        : `**Revert asked, not done yet.** ${code(state.by)} asked the bot to undo its change on ${state.at.slice(0, 16).replace('T', ' ')} UTC, but GitLab did not confirm it. The bot reads the allowlist of ${target} again in its next cycle and, if ${source} is still on it, tries once more.`;
    case 'fixed-by-hand':
      return `**Fixed.** ${source} was added to the allowlist of ${target} by hand (seen ${state.at.slice(0, 16).replace('T', ' ')} UTC). Retry the failed jobs if they have not run again.`;
    case 'reverted':
      return `**Reverted.** ${code(state.by)} asked the bot to undo its change on ${state.at.slice(0, 16).replace('T', ' ')} UTC; ${source} is no longer on the allowlist of ${target}.`;
    case 'failed':
      return `**The one-click fix could not be applied.** ${factMarkdown(state.reason)} The manual steps above still work.`;
  }
}

/** GitLab's job status word; anything else is shown as a value. */
function jobStatus(status: string): string {
  return /^[a-z_]{1,30}$/.test(status) ? status : code(status);
}
