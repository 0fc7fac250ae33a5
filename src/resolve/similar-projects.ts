import { editDistance } from '../domain/edit-distance.js';
import { GitlabAuthError, GitlabNotFoundError, GitlabRequestError } from '../errors.js';
import type { GitlabPort, Project } from '../gitlab/port.js';

/** Searches per path at most: each is one request, and only for a path no project answers to. */
const MAX_SEARCHES = 5;
/** Shorter words GitLab matches only exactly, and they find too much anyway. */
const MIN_TERM = 3;

/**
 * Projects with a path like the one the log named (a typo, a group's display name for its
 * path, a left-out subgroup), for a note on A's merge request: only projects every reader of
 * that note may see too. Public ones always; internal ones unless A is public (a public
 * project's notes are read signed out). Never a private project, whoever can see it: a
 * member of A may not be one of B. `paths` are the project paths the name may stand for,
 * longest first. At most `limit`, most alike first.
 */
export async function similarProjects(
  gitlab: GitlabPort,
  a: Project,
  paths: readonly string[],
  limit = 3,
): Promise<string[]> {
  const wanted = paths.map((p) => p.toLowerCase()).filter(Boolean);
  if (wanted.length === 0) return [];
  const found = new Map<number, Project>();
  for (const term of searchTerms(wanted[0] as string)) {
    for (const project of await search(gitlab, term)) found.set(project.id, project);
  }
  const lastSegments = new Set(wanted.map(lastSegment));
  const scored = [...found.values()]
    .filter((p) => readersOfSee(a, p) && !wanted.includes(p.pathWithNamespace.toLowerCase()))
    .map((p) => {
      const path = p.pathWithNamespace.toLowerCase();
      const distance = Math.min(...wanted.map((w) => editDistance(w, path)));
      const close = wanted.some((w) => distance <= Math.max(2, Math.floor(w.length / 4)));
      return {
        path: p.pathWithNamespace,
        distance,
        keep: close || lastSegments.has(lastSegment(path)),
      };
    })
    .filter((s) => s.keep);
  scored.sort((x, y) => x.distance - y.distance || x.path.localeCompare(y.path));
  return scored.slice(0, limit).map((s) => s.path);
}

/** Whether everyone who can read a note on A's merge requests can see `p`. */
function readersOfSee(a: Project, p: Project): boolean {
  if (p.visibility === 'public') return true;
  return p.visibility === 'internal' && a.visibility !== 'public';
}

/**
 * What to search for: GitLab matches substrings, so a typo'd path matches nothing whole. Each
 * segment (the last first), then the words of the segments; a right segment finds the rest.
 */
function searchTerms(path: string): string[] {
  const segments = path.split('/').filter(Boolean).reverse();
  const words = segments.flatMap((s) => s.split(/[-_.]+/));
  const terms = [...segments, ...words].filter((t) => t.length >= MIN_TERM);
  return [...new Set(terms)].slice(0, MAX_SEARCHES);
}

function lastSegment(path: string): string {
  return path.split('/').at(-1) ?? path;
}

/** A search the bot may not make, or that GitLab refuses, finds nothing: the list is a help. */
async function search(gitlab: GitlabPort, term: string): Promise<Project[]> {
  try {
    return await gitlab.searchProjects(term);
  } catch (error) {
    if (
      error instanceof GitlabAuthError ||
      error instanceof GitlabNotFoundError ||
      error instanceof GitlabRequestError
    ) {
      return [];
    }
    throw error;
  }
}
