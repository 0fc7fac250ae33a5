import type { Diagnosis } from '../domain/diagnosis.js';
import type { FixState, RetryState } from '../domain/fix-state.js';
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
    case 'fixed-by-hand':
      return `**Fixed.** ${source} was added to the allowlist of ${target} by hand (seen ${state.at.slice(0, 16).replace('T', ' ')} UTC). Retry the failed jobs if they have not run again.`;
    case 'reverted':
      return `**Reverted.** ${code(state.by)} asked the bot to undo its change on ${state.at.slice(0, 16).replace('T', ' ')} UTC; ${source} is no longer on the allowlist of ${target}.`;
    case 'failed':
      return `**The one-click fix could not be applied.** ${factMarkdown(state.reason)} The manual steps above still work.`;
  }
}

/** The lines about the one-click retry of an infrastructure failure. */
export function renderRetryState(state: RetryState, d: Diagnosis): string {
  const project = code(d.project.path);
  const again = `@${state.botUsername} retry`;
  if (state.kind === 'offered') {
    const retry = `${again}${state.choose ? ` ${state.choose}` : ''}`;
    const how =
      state.reactions && !state.choose
        ? `react with :thumbsup: to this comment, or reply ${code(retry)}`
        : `reply ${code(retry)} to this comment`;
    return `**Retry with one click.** A Developer, Maintainer or Owner of ${project} may ${how}: the bot then retries the failed jobs listed above and reports back here.`;
  }
  const jobs = state.retried.length
    ? ` Retried: ${state.retried.map((j) => `${link(j.jobName, j.jobUrl)} (${jobStatus(j.status)})`).join(', ')}.`
    : '';
  const problem = state.retryProblem
    ? ` Some failed jobs were not retried (${factMarkdown(state.retryProblem)}); retry them by hand.`
    : '';
  return `**Retried.** ${code(state.by)} asked for a retry on ${state.at.slice(0, 16).replace('T', ' ')} UTC.${jobs}${problem} If new failures appear, reply ${code(again)} again.`;
}

/** GitLab's job status word; anything else is shown as a value. */
function jobStatus(status: string): string {
  return /^[a-z_]{1,30}$/.test(status) ? status : code(status);
}
