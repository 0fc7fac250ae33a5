import { isIP } from 'node:net';
import { GitlabRequestError, GitlabTransientError, errorMessage } from '../../errors.js';
import { ROLE } from '../../domain/roles.js';
import type { BotHookInput, GitlabPort, ProjectHook, ProjectRef } from '../../gitlab/port.js';

/** What became of one watched project's hook. */
export interface HookOutcome {
  project: string;
  status:
    | 'created'
    | 'updated'
    | 'installed'
    | 'incomplete'
    | 'removed'
    | 'absent'
    | 'not-maintainer'
    | 'refused'
    | 'failed';
  detail?: string;
}

/** The bot's hook is the one with its URL (trailing slashes and case of the host aside). */
function sameUrl(a: string, b: string): boolean {
  const norm = (value: string) => {
    try {
      const url = new URL(value);
      return `${url.protocol}//${url.host.toLowerCase()}${url.pathname.replace(/\/+$/, '')}${url.search}`;
    } catch {
      return value;
    }
  };
  return norm(a) === norm(b);
}

function missingEvents(hook: ProjectHook): string[] {
  return [
    hook.jobEvents ? '' : 'job',
    hook.pipelineEvents ? '' : 'pipeline',
    hook.noteEvents ? '' : 'comment',
    hook.emojiEvents ? '' : 'emoji',
  ].filter((e) => e !== '');
}

/**
 * Whether GitLab will refuse to call this URL until an admin allows the
 * local network: loopback and private addresses (GitLab's URL blocker).
 */
export function isLocalNetworkUrl(value: string): boolean {
  let host: string;
  try {
    host = new URL(value).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return false;
  }
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1') return true;
  if (isIP(host) === 4) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    return (
      a === 127 ||
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254)
    );
  }
  return isIP(host) === 6 && /^f[cd]/.test(host);
}

async function eachProject(
  gitlab: GitlabPort,
  projects: readonly ProjectRef[],
  act: (project: ProjectRef, hooks: ProjectHook[]) => Promise<HookOutcome>,
): Promise<HookOutcome[]> {
  const outcomes: HookOutcome[] = [];
  for (const ref of projects) {
    const project = ref.pathWithNamespace;
    try {
      // Hooks are a Maintainer's business in GitLab: say so rather than fail on a 403.
      const { callerAccessLevel } = await gitlab.getProject(ref.id);
      if (callerAccessLevel < ROLE.maintainer) {
        outcomes.push({
          project,
          status: 'not-maintainer',
          detail: `the bot is ${callerAccessLevel === 0 ? 'not a member' : `access level ${callerAccessLevel}`}; a Maintainer of ${project} must give it Maintainer (or add the hook by hand)`,
        });
        continue;
      }
      outcomes.push(await act(ref, await gitlab.listProjectHooks(ref.id)));
    } catch (error) {
      if (error instanceof GitlabTransientError) throw error;
      outcomes.push({ project, status: 'failed', detail: errorMessage(error) });
    }
  }
  return outcomes;
}

/**
 * Creates the bot's hook on every watched project where it is Maintainer,
 * or finds it again by URL and sets its events and secret (GitLab never
 * shows a hook's token, so it is always set again). Running it twice
 * leaves one hook per project.
 */
export function installHooks(
  gitlab: GitlabPort,
  projects: readonly ProjectRef[],
  hook: BotHookInput,
): Promise<HookOutcome[]> {
  return eachProject(gitlab, projects, async (project, hooks) => {
    const existing = hooks.find((h) => sameUrl(h.url, hook.url));
    try {
      if (existing) {
        await gitlab.editProjectHook(project.id, existing.id, hook);
        return { project: project.pathWithNamespace, status: 'updated' };
      }
      await gitlab.addProjectHook(project.id, hook);
      return { project: project.pathWithNamespace, status: 'created' };
    } catch (error) {
      if (error instanceof GitlabRequestError && error.status === 422) {
        return { project: project.pathWithNamespace, status: 'refused', detail: error.message };
      }
      throw error;
    }
  });
}

/** Whether each watched project has the bot's hook, with every event it needs. */
export function hookStatus(
  gitlab: GitlabPort,
  projects: readonly ProjectRef[],
  url: string,
): Promise<HookOutcome[]> {
  return eachProject(gitlab, projects, async (project, hooks) => {
    const existing = hooks.find((h) => sameUrl(h.url, url));
    if (!existing) return { project: project.pathWithNamespace, status: 'absent' };
    const missing = missingEvents(existing);
    return missing.length === 0
      ? { project: project.pathWithNamespace, status: 'installed' }
      : {
          project: project.pathWithNamespace,
          status: 'incomplete',
          detail: `no ${missing.join(', ')} events: run hooks install again`,
        };
  });
}

/** Deletes the bot's hook (found by URL) from every watched project. */
export function removeHooks(
  gitlab: GitlabPort,
  projects: readonly ProjectRef[],
  url: string,
): Promise<HookOutcome[]> {
  return eachProject(gitlab, projects, async (project, hooks) => {
    const mine = hooks.filter((h) => sameUrl(h.url, url));
    for (const hook of mine) await gitlab.deleteProjectHook(project.id, hook.id);
    return { project: project.pathWithNamespace, status: mine.length > 0 ? 'removed' : 'absent' };
  });
}
