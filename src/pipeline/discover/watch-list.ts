import { GitlabTransientError, errorMessage } from '../../errors.js';
import type { GitlabPort, ProjectRef } from '../../gitlab/port.js';

export interface WatchSettings {
  /** Full paths; both empty means every project the bot is a member of. */
  projects: string[];
  groups: string[];
}

/**
 * The projects to poll, listed again after `ttlMs`. A watched path that does
 * not resolve is reported and left out; only an outage stops the listing.
 */
export function createWatchList(
  gitlab: GitlabPort,
  watch: WatchSettings,
  ttlMs: number,
  now: () => Date,
) {
  let cached: { projects: ProjectRef[]; until: number } | undefined;

  return async function watchedProjects(
    problems: { where: string; message: string }[],
  ): Promise<ProjectRef[]> {
    if (cached && cached.until > now().getTime()) return cached.projects;
    let projects: ProjectRef[] = [];
    if (watch.projects.length === 0 && watch.groups.length === 0) {
      projects = await gitlab.listMemberProjects();
    } else {
      for (const path of watch.projects) {
        try {
          projects.push(await gitlab.getProject(path));
        } catch (error) {
          if (error instanceof GitlabTransientError) throw error;
          problems.push({ where: `watched project ${path}`, message: errorMessage(error) });
        }
      }
      for (const group of watch.groups) {
        try {
          projects.push(...(await gitlab.listGroupProjects(group)));
        } catch (error) {
          if (error instanceof GitlabTransientError) throw error;
          problems.push({ where: `watched group ${group}`, message: errorMessage(error) });
        }
      }
    }
    const unique = [...new Map(projects.map((p) => [p.id, p])).values()];
    cached = { projects: unique, until: now().getTime() + ttlMs };
    return unique;
  };
}
