/**
 * Project API endpoints that accept CI_JOB_TOKEN, and from which GitLab
 * version (fact sheet §3.5: 18.x opened read-only repository, merge request
 * and tag endpoints; the exact minor is unverified, 18.0 is assumed). Any
 * other endpoint ignores the token, so the request is anonymous and a
 * private project answers 404: no allowlist entry changes that.
 */
import { fact, joinFacts, ownWords, type Fact } from '../domain/diagnosis.js';
const ENDPOINTS: readonly { pattern: RegExp; since: [number, number]; what: string }[] = [
  { pattern: /^releases(?:\/|$)/, since: [15, 9], what: 'releases' },
  { pattern: /^packages(?:\/|$)/, since: [15, 9], what: 'packages' },
  { pattern: /^deployments(?:\/|$)/, since: [15, 9], what: 'deployments' },
  { pattern: /^environments(?:\/|$)/, since: [15, 9], what: 'environments' },
  {
    pattern: /^jobs\/(?:artifacts\/|\d+\/artifacts|[^/]+\/artifacts)/,
    since: [15, 9],
    what: 'job artifacts',
  },
  { pattern: /^jobs(?:\/|$)/, since: [15, 9], what: 'jobs' },
  { pattern: /^pipelines\/[^/]+\/metadata/, since: [17, 0], what: 'pipeline metadata' },
  { pattern: /^trigger\/pipeline/, since: [15, 9], what: 'pipeline triggers' },
  { pattern: /^secure_files(?:\/|$)/, since: [15, 9], what: 'secure files' },
  { pattern: /^terraform\//, since: [15, 9], what: 'Terraform state' },
  {
    pattern: /^repository\/(?:files|branches|commits|tags)(?:\/|$)/,
    since: [18, 0],
    what: 'repository reads',
  },
  { pattern: /^merge_requests(?:\/|$)/, since: [18, 0], what: 'merge requests' },
];

export interface EndpointVerdict {
  accepted: boolean;
  /** For people: which endpoint, and since when it takes a job token. */
  detail: Fact;
}

/** Whether `rest` (the path after `/projects/:id/`) takes a job token on `version`. */
export function endpointTakesJobToken(rest: string, version: string | undefined): EndpointVerdict {
  const path = rest.replace(/^\/+/, '').split('?')[0] ?? '';
  const entry = ENDPOINTS.find((e) => e.pattern.test(path));
  const shown = `/projects/:id/${path}`;
  if (!entry) {
    return {
      accepted: false,
      detail: fact`GitLab does not accept CI_JOB_TOKEN on ${shown} and treats such a request as anonymous; only an access token can make it.`,
    };
  }
  const [major, minor] = entry.since;
  if (!versionAtLeast(version, major, minor)) {
    return {
      accepted: false,
      detail: joinFacts(
        fact`GitLab ${version ?? '?'} does not accept CI_JOB_TOKEN for `,
        ownWords(entry.what),
        fact` such as ${shown} and treats such a request as anonymous. GitLab ${`${major}.${minor}`} added that.`,
      ),
    };
  }
  return {
    accepted: true,
    detail: joinFacts(
      fact`CI_JOB_TOKEN may call `,
      ownWords(entry.what),
      fact` such as ${shown} here.`,
    ),
  };
}

/** Unknown versions count as current ones (the advice then fits the newest GitLab). */
function versionAtLeast(version: string | undefined, major: number, minor: number): boolean {
  const m = /^(?<major>\d+)\.(?<minor>\d+)/.exec(version ?? '');
  if (!m?.groups) return true;
  const [x, y] = [Number(m.groups.major), Number(m.groups.minor)];
  return x > major || (x === major && y >= minor);
}
