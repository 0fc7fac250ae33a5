/**
 * `.gitmodules`: which repositories the runner clones as submodules, and which of them are
 * projects of this GitLab (relative URLs are relative to the superproject, as git resolves
 * them). Pure.
 */
import { locate, repositoryPath, type Instance } from '../resolve/gitlab-urls.js';

export interface Submodule {
  name: string;
  path: string;
  url: string;
}

/** The `[submodule "…"]` sections with a path and a URL. */
export function parseGitmodules(text: string): Submodule[] {
  const out: Submodule[] = [];
  let current: Partial<Submodule> | undefined;
  const flush = () => {
    if (current?.name !== undefined && current.path && current.url) out.push(current as Submodule);
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*submodule\s+"(?<name>[^"]*)"\s*\]$/.exec(line)?.groups;
    if (section) {
      flush();
      current = { name: section.name ?? '' };
      continue;
    }
    if (line.startsWith('[')) {
      flush();
      current = undefined;
      continue;
    }
    const pair = /^(?<key>[\w.-]+)\s*=\s*(?<value>.*)$/.exec(line)?.groups;
    if (!current || !pair) continue;
    const key = pair.key?.toLowerCase();
    const value = (pair.value ?? '').replace(/^"(.*)"$/, '$1');
    if (key === 'path') current.path = value;
    if (key === 'url') current.url = value;
  }
  flush();
  return out;
}

/**
 * The project path a submodule URL names on this instance, or undefined when it points
 * elsewhere. `projectUrl` is the superproject's web URL.
 */
export function submoduleProject(
  url: string,
  projectUrl: string,
  instance: Instance,
): string | undefined {
  let absolute = url.trim();
  if (/^\.\.?\//.test(absolute)) {
    absolute = new URL(absolute, `${projectUrl.replace(/\/+$/, '')}/`).toString();
  }
  const scp = /^[\w.-]+@(?<host>[^:/]+):(?<path>[^/].*)$/.exec(absolute)?.groups;
  const ssh = /^ssh:\/\/(?:[^@/]+@)?(?<host>[^:/]+)(?::\d+)?\/(?<path>.+)$/.exec(absolute)?.groups;
  const viaSsh = scp ?? ssh;
  if (viaSsh) {
    const host = (viaSsh.host ?? '').toLowerCase();
    const ours = instance.bases.some((base) => new URL(base).hostname.toLowerCase() === host);
    return ours ? repositoryPath(viaSsh.path ?? '') : undefined;
  }
  const target = locate(absolute, instance);
  return target.on === 'instance' ? repositoryPath(target.path) : undefined;
}
