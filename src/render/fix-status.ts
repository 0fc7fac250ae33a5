import type { Diagnosis, Fix } from '../domain/diagnosis.js';
import type { FixState, RetryState } from '../domain/fix-state.js';
import { alsoMissing } from './also-needed.js';
import { code, factMarkdown, link } from './markdown.js';
import { entryName } from './policies-fix.js';

/** The lines about the one-click fix: the offer, or what became of it. */
export function renderFixState(state: FixState, d: Diagnosis): string {
  if (d.fix?.kind === 'policies-add') return renderPoliciesState(state, d.fix);
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
      const alone = alsoMissing(d)
        ? `This change alone does not make the job pass: ${alsoMissing(d) ?? ''} (see **Also needed** above), and its retries fail until that is put right too.`
        : undefined;
      return [
        `**Accept with one click.** The bot can make this change: a Maintainer or Owner of ${target} who can see ${source} may ${how}. It then adds ${source} to the allowlist of ${target}, retries the failed jobs and reports back here.`,
        ...(alone ? [alone] : []),
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
      return `${appliedHeading(state, d)} ${code(state.by)} accepted the change on ${state.at.slice(0, 16).replace('T', ' ')} UTC; the bot added ${what} to the allowlist of ${target}.${jobs}${problem}${stillMissing(d)}`;
    }
    case 'pending':
      return state.op === 'add'
        ? `**Accepted, not applied yet.** ${code(state.by)} accepted the change on ${state.at.slice(0, 16).replace('T', ' ')} UTC, but GitLab did not confirm it. The bot reads the allowlist of ${target} again in its next cycle and, if ${source} is still missing, tries once more.`
        : `**Revert asked, not done yet.** ${code(state.by)} asked the bot to undo its change on ${state.at.slice(0, 16).replace('T', ' ')} UTC, but GitLab did not confirm it. The bot reads the allowlist of ${target} again in its next cycle and, if ${source} is still on it, tries once more.`;
    case 'fixed-by-hand':
      return d.alsoNeeded
        ? `**Allowlist entry added, not fixed yet.** ${source} was added to the allowlist of ${target} by hand (seen ${state.at.slice(0, 16).replace('T', ' ')} UTC).${stillMissing(d)}`
        : `**Fixed.** ${source} was added to the allowlist of ${target} by hand (seen ${state.at.slice(0, 16).replace('T', ' ')} UTC). Retry the failed jobs if they have not run again.`;
    case 'reverted':
      return `**Reverted.** ${code(state.by)} asked the bot to undo its change on ${state.at.slice(0, 16).replace('T', ' ')} UTC; ${source} is no longer on the allowlist of ${target}.`;
    case 'failed':
      return `**The one-click fix could not be applied.** ${factMarkdown(state.reason)} The manual steps above still work.`;
  }
}

/**
 * "Fixed." only when it is: not while the image (or tag) is missing as well, nor when a job the
 * bot retried after the change failed again.
 */
function appliedHeading(state: Extract<FixState, { kind: 'applied' }>, d: Diagnosis): string {
  if (d.alsoNeeded) return '**Allowlist entry added, not fixed yet.**';
  if (state.retried.some((j) => j.status === 'failed')) {
    return '**Allowlist entry added, but the retried job failed again.**';
  }
  return '**Fixed.**';
}

/** The second cause, said again where the first one is done. */
function stillMissing(d: Diagnosis): string {
  const also = alsoMissing(d);
  return also ? ` The job still fails: ${also} (see **Also needed** above).` : '';
}

/** The same states for adding permissions to an allowlist entry. */
function renderPoliciesState(state: FixState, fix: Extract<Fix, { kind: 'policies-add' }>): string {
  const target = code(fix.target.path);
  const entry = entryName(fix);
  const add = fix.add.map((p) => code(p)).join(', ');
  const when = (at: string) => `${at.slice(0, 16).replace('T', ' ')} UTC`;
  switch (state.kind) {
    case 'offered': {
      const apply = `@${state.botUsername} apply${state.choose ? ` ${state.choose}` : ''}`;
      const how =
        state.reactions && !state.choose
          ? `react with :thumbsup: to this comment, or reply ${code(apply)}`
          : `reply ${code(apply)} to this comment`;
      return [
        `**Accept with one click.** The bot can make this change: a Maintainer or Owner of ${target} who can see ${entry} may ${how}. It then adds ${add} to the permissions of that entry of the allowlist of ${target}, keeping the others, retries the failed jobs and reports back here.`,
        `What it grants: CI jobs let in by that entry may also use their job token for ${add} in ${target}, always with the rights of the user who runs them.`,
      ].join('\n\n');
    }
    case 'applied':
      return `**Fixed.** ${code(state.by)} accepted the change on ${when(state.at)}; the bot added ${add} to the permissions of ${entry} on the allowlist of ${target}.${
        state.retried.length
          ? ` Retried: ${state.retried.map((j) => `${link(j.jobName, j.jobUrl)} (${jobStatus(j.status)})`).join(', ')}.`
          : ''
      }`;
    case 'fixed-by-hand':
      return `**Fixed.** The entry of ${entry} on the allowlist of ${target} grants ${add} now (seen ${when(state.at)}). Retry the failed jobs if they have not run again.`;
    case 'pending':
      return `**Accepted, not applied yet.** ${code(state.by)} accepted the change on ${when(state.at)}, but GitLab did not confirm it. The bot reads the entry of ${entry} again in its next cycle and, if it still lacks ${add}, tries once more.`;
    case 'reverted':
      return `**Reverted.** ${code(state.by)} asked the bot to undo its change on ${when(state.at)}; the entry of ${entry} no longer grants ${add}.`;
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
