/**
 * Reading GitLab URLs out of job logs: which host they point at, and which
 * project a clone URL, an API URL or a package registry URL names. Pure.
 */

import { fact, type Fact } from '../domain/diagnosis.js';

/** Where this GitLab answers: its base URLs (no trailing slash), lower-cased. */
export interface Instance {
  bases: string[];
}

/**
 * The instance's public address comes from a project's web URL (GitLab may
 * live under a path); the bot's own API address is accepted too.
 */
export function instanceOf(
  project: { webUrl: string; pathWithNamespace: string },
  apiUrl: string,
): Instance {
  const bases = new Set<string>();
  const web = project.webUrl.replace(/\/+$/, '');
  const suffix = `/${project.pathWithNamespace}`;
  if (web.toLowerCase().endsWith(suffix.toLowerCase())) {
    bases.add(web.slice(0, web.length - suffix.length).toLowerCase());
  }
  bases.add(
    apiUrl
      .replace(/\/+$/, '')
      .replace(/\/api\/v4$/, '')
      .toLowerCase(),
  );
  return { bases: [...bases] };
}

/** CI/CD variables that expand to this instance (their value is never in the log). */
const INSTANCE_VARIABLES =
  /^\$\{?(?:CI_SERVER_URL|CI_API_V4_URL|CI_PROJECT_URL|CI_REPOSITORY_URL|CI_SERVER_HOST|CI_SERVER_FQDN)\}?/;

export type UrlTarget =
  /** On this instance: the path below the instance's base (no leading slash). */
  | { on: 'instance'; path: string }
  | { on: 'other-host'; host: string }
  | { on: 'unknown'; why: Fact };

/** Drops quotes, `user:password@` and the `/` git adds after `.git`; the rest is kept as written. */
export function cleanUrl(raw: string): string {
  return raw
    .trim()
    .replace(/^["']|["']$/g, '')
    .replace(/^(https?:\/\/)[^/@\s]*@/i, '$1')
    .replace(/(?<=\.git)\/$/, '');
}

/** Which GitLab a URL points at, and the path below it. */
export function locate(raw: string, instance: Instance): UrlTarget {
  const url = cleanUrl(raw);
  const variable = INSTANCE_VARIABLES.exec(url);
  if (variable) {
    const rest = url.slice(variable[0].length);
    const api = /CI_API_V4_URL/.test(variable[0]) ? 'api/v4' : '';
    const project = /CI_PROJECT_URL|CI_REPOSITORY_URL/.test(variable[0]);
    if (project) return { on: 'unknown', why: fact`the URL is the job's own (${variable[0]})` };
    const path = (rest.split(/[?#]/)[0] ?? '').replace(/^:\d+/, '').replace(/^\/+/, '');
    return { on: 'instance', path: api ? `${api}/${path}` : path };
  }
  const m = /^(?<scheme>https?):\/\/(?<host>[^/\s?#]+)(?<path>[^\s?#]*)/i.exec(url);
  if (!m?.groups) return { on: 'unknown', why: fact`${url} is not an http(s) URL` };
  if (/^\$\{?CI_SERVER_(?:HOST|FQDN)\}?(?::\d+)?$/.test(m.groups.host ?? '')) {
    return { on: 'instance', path: (m.groups.path ?? '').replace(/^\/+/, '') };
  }
  const hostAndPath = `${m.groups.scheme}://${m.groups.host}${m.groups.path}`.toLowerCase();
  for (const base of instance.bases) {
    const baseNoScheme = base.replace(/^https?:\/\//, '');
    const candidate = hostAndPath.replace(/^https?:\/\//, '');
    if (candidate === baseNoScheme || candidate.startsWith(`${baseNoScheme}/`)) {
      const start = url.toLowerCase().indexOf(baseNoScheme) + baseNoScheme.length;
      const path = url.slice(start).split(/[?#]/)[0] ?? '';
      return { on: 'instance', path: path.replace(/^\/+/, '') };
    }
  }
  return { on: 'other-host', host: (m.groups.host ?? '').toLowerCase() };
}

/** The project path a clone URL names (`group/sub/proj` from `…/group/sub/proj.git/`). */
export function repositoryPath(path: string): string | undefined {
  const clean = decodeOrKeep(path)
    .replace(/\/+$/, '')
    .replace(/\/(?:info\/refs|git-upload-pack|git-receive-pack)$/, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
  return clean.split('/').filter(Boolean).length >= 2 ? clean : undefined;
}

/** A percent-decoded path segment; a malformed escape is kept as written (it is a value, not an error). */
function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export type ApiTarget =
  | { kind: 'project'; id: number | string; rest: string }
  | { kind: 'variable'; variable: string; rest: string }
  | { kind: 'instance-packages'; rest: string }
  | { kind: 'other'; rest: string };

/**
 * What an `api/v4/…` path addresses: a project by id or path (`group%2Fproj`),
 * one named by a variable the log does not expand, or something that is not a
 * single project.
 */
export function apiTarget(path: string): ApiTarget | undefined {
  const m = /^api\/v4\/(?<rest>.*)$/i.exec(path.replace(/^\/+/, ''));
  if (!m?.groups) return undefined;
  const rest = m.groups.rest ?? '';
  if (/^packages\//i.test(rest)) return { kind: 'instance-packages', rest };
  const project = /^projects\/(?<id>[^/]+)(?:\/(?<after>.*))?$/i.exec(rest);
  if (!project?.groups) return { kind: 'other', rest };
  const id = project.groups.id ?? '';
  const after = project.groups.after ?? '';
  if (id.includes('$')) return { kind: 'variable', variable: id, rest: after };
  let decoded: string;
  try {
    decoded = decodeURIComponent(id);
  } catch {
    return { kind: 'other', rest };
  }
  return { kind: 'project', id: /^\d+$/.test(decoded) ? Number(decoded) : decoded, rest: after };
}

/** `@scope/name` from an npm registry path segment (`@scope%2fname`, tarball paths too). */
export function npmPackageName(segment: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  const m = /^(?<name>@[^/\s]+\/[^/\s]+|[^@/\s][^/\s]*)/.exec(decoded);
  return m?.groups?.name;
}
