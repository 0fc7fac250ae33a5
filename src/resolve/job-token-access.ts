/**
 * The verification every CI_JOB_TOKEN denial shares, whatever the job tried
 * to reach (a repository, a package, artifacts, an API endpoint): which
 * project B holds it, whether B's inbound allowlist lets the job's project A
 * in, whether the user who ran the job may read B, and whether B has it.
 * Kind-specific resolvers find B and describe the resource; this module
 * decides the verdict with the same vocabulary and root-cause keys as image
 * pulls, so one missing allowlist entry is one incident whatever broke.
 *
 * Trust. These failures happen in the job's script (git, npm, curl), so their
 * evidence is script output that the script could have printed itself. The
 * log is only used to say *which* project B the job tried; B is then looked
 * up through the API, A always comes from the job (API), and every fact the
 * verdict rests on (allowlist, role) is read from GitLab. A forged line can
 * therefore only make the bot describe an entry that really is missing.
 * Confidence is never more than "most likely" (`suspected`): the
 * evidence is not the runner's own wording, so no one-click change is
 * offered from it (see `fix/offer.ts`). The manual steps stay in the note.
 */
import {
  fact,
  joinFacts,
  ownWords,
  type Check,
  type Diagnosis,
  type Fix,
  type Fact,
  type Resource,
} from '../domain/diagnosis.js';
import type { Project } from '../gitlab/port.js';
import {
  asShown,
  baseDiagnosis,
  checkList,
  decider,
  info,
  jobUserSees,
  noProjectSeen,
  targetOf,
  userLacksAccess,
  type Recorder,
} from './common.js';
import { instanceOf, locate } from './gitlab-urls.js';
import { checkJobTokenScope, checkUserAccess, visibilityRule } from './job-token-checks.js';
import { similarProjects } from './similar-projects.js';
import type { ResolveInput } from './types.js';

/** Where the log points: project B, another host, a path GitLab hides, or nowhere. */
export type Target =
  | {
      kind: 'found';
      project: Project;
      /** How B was found, one sentence for the checks list, given the name the note may use for B. */
      how: (name: string) => Fact;
      /** B was inferred (a package scope), not read from a URL or an id. */
      guessed?: boolean;
      /** B as the log (or the job's configuration) named it. */
      named: string;
    }
  | { kind: 'other-host'; host: string }
  | { kind: 'not-found'; path: string }
  | { kind: 'unknown'; missing: Fact };

/**
 * The path `url` names on this GitLab, or the target it settles by itself: another host, or a
 * URL the bot cannot place (the job's own URL variable, not http(s)).
 */
export function instancePath(
  input: ResolveInput,
  url: string,
  projectA: { webUrl: string; pathWithNamespace: string },
): { path: string } | { target: Target } {
  const where = locate(url, instanceOf(projectA, input.gitlab.baseUrl));
  if (where.on === 'other-host') return { target: { kind: 'other-host', host: where.host } };
  if (where.on === 'unknown') {
    return {
      target: {
        kind: 'unknown',
        missing: joinFacts(fact`Cannot tell the project: `, where.why, ownWords('.')),
      },
    };
  }
  return { path: where.path };
}

export interface AccessSpec {
  resource: Resource;
  target: Target;
  /** What the user must be able to do in B, after "may" ("clone its repository"). */
  userNeeds: string;
  /** Short project paths GitLab printed ("not allowed from <source> to <target>"). */
  logNames?: { source?: string; target?: string };
  /**
   * When the job token cannot be used for this at all (an API endpoint that
   * does not take it), no allowlist or role would help.
   */
  tokenUnusable?: Fact;
  /** Checks the resource itself in B (it exists, the job ran). */
  resourceCheck?: (b: Project, check: Recorder) => Promise<Check['result']>;
}

export async function resolveJobTokenAccess(
  input: ResolveInput,
  spec: AccessSpec,
): Promise<Diagnosis> {
  const { gitlab, job, now } = input;
  const { checks, check } = checkList(now);
  const projectA = await gitlab.getProject(job.pipeline.projectId);
  const a = info(projectA);
  const base = { ...baseDiagnosis(input, a, checks), resource: spec.resource };
  const name = spec.resource.name.toLowerCase();
  const { target } = spec;

  const early = await settleTarget(input, target, base, check, `${spec.resource.kind}:${name}`);
  if (early || target.kind !== 'found') return early as Diagnosis;

  const projectB = target.project;
  // Every fact about B names it as the note may: private B only as the log did.
  const shownB = asShown(projectB, target.named);
  const b = info(shownB);
  check('target', target.guessed ? 'unknown' : 'pass', target.how(shownB.pathWithNamespace));
  const withTarget = { ...base, target: targetOf(projectB, target.named) };
  const consistent = checkLogNames(spec.logNames, projectA, projectB, shownB, check);
  const solid = consistent && !target.guessed;

  if (a.id === b.id) {
    check(
      'job-token',
      'pass',
      fact`${a.path} is the job's own project, which its job token may always reach: no allowlist is involved.`,
    );
  }
  if (spec.tokenUnusable) check('endpoint', 'fail', spec.tokenUnusable);
  if (a.id === b.id || spec.tokenUnusable) {
    // Not an allowlist problem: say what it is, with the checks above.
    return {
      ...withTarget,
      verdict: 'access-ok',
      confidence: consistent ? 'verified' : 'suspected',
      rootCauseKey: `access-ok:${b.id}<-${a.id}:${spec.resource.kind}:${name}`,
    };
  }

  const scope =
    projectB.visibility === 'public'
      ? publicScope(projectB, check)
      : await checkJobTokenScope(gitlab, projectA, projectB, check, b.path);
  const user = await checkUserAccess(
    gitlab,
    job,
    shownB,
    check,
    visibilityRule(shownB, spec.userNeeds),
  );
  const resource = spec.resourceCheck ? await spec.resourceCheck(shownB, check) : 'pass';
  // Script output (and what get_sources or download_artifacts show) is never
  // the runner's own wording: the verdict says "most likely", with no offer.
  const decide = decider(withTarget, solid && input.match.runnerWritten);

  // GitLab checks the allowlist first, but adding A alone would not help a
  // user without a role in B: that is the cause to fix first (as for images).
  if (user === 'fail') {
    return userLacksAccess(decide, b, job);
  }
  const allowlist: Fix = { kind: 'allowlist-add', target: b, source: a };
  const key = `allowlist-missing:${b.id}<-${a.id}`;
  if (scope === 'fail') return decide('allowlist-missing', user === 'pass', key, allowlist);
  // Let in, but what the job asked for is not there.
  if (resource === 'fail') {
    return decide(
      'resource-not-found',
      true,
      `resource-not-found:${b.id}:${spec.resource.kind}:${name}`,
    );
  }
  if (scope === 'unknown' && user === 'pass') {
    check(
      'conclusion',
      'unknown',
      fact`Everything else that can refuse this allows it, so the job token allowlist of ${b.path} is the likely cause.`,
    );
    return decide('allowlist-missing', false, key, allowlist);
  }
  if (scope === 'unknown' || user === 'unknown' || resource === 'unknown') {
    return decide('unverifiable', false, `unverifiable:${b.id}<-${a.id}`);
  }
  return decide('access-ok', true, `access-ok:${b.id}<-${a.id}:${spec.resource.kind}:${name}`);
}

/**
 * The verdict when the log's target settles the matter before any check of
 * B: nothing names B, another host, or a path no project the job's user
 * can see answers to (told apart for no one). Undefined when B was found.
 */
export async function settleTarget(
  input: ResolveInput,
  target: Target,
  base: Omit<Diagnosis, 'verdict' | 'confidence' | 'rootCauseKey'>,
  check: Recorder,
  what: string,
): Promise<Diagnosis | undefined> {
  const { gitlab, job } = input;
  const a = base.project;
  if (target.kind === 'unknown') {
    check('target', 'unknown', target.missing);
    return {
      ...base,
      verdict: 'unverifiable',
      confidence: 'suspected',
      rootCauseKey: `unverifiable:${a.id}:${what}`,
    };
  }
  if (target.kind === 'other-host') {
    check(
      'target',
      'fail',
      fact`The job reached ${target.host}, which is not this GitLab, so no setting of this GitLab is involved.`,
    );
    return {
      ...base,
      verdict: 'not-instance-registry',
      confidence: 'verified',
      rootCauseKey: `not-instance-registry:${a.id}:${target.host}`,
    };
  }
  // A project the job's user cannot see is reported as one that does not exist.
  const hidden = target.kind === 'found' && !(await jobUserSees(gitlab, job, target.project));
  if (target.kind === 'not-found' || hidden) {
    const path = target.kind === 'not-found' ? target.path : target.named;
    noProjectSeen(check, path);
    // A numeric id has no spelling to be near.
    const similar = /^\d+$/.test(path)
      ? []
      : await similarProjects(gitlab, await gitlab.getProject(a.id), [path]);
    return {
      ...base,
      verdict: 'project-not-found',
      confidence: 'suspected',
      rootCauseKey: `project-not-found:${path.toLowerCase()}`,
      fix: { kind: 'check-project-path', named: path, similar },
    };
  }

  return undefined;
}

function publicScope(b: Project, check: Recorder): Check['result'] {
  check(
    'job-token',
    'pass',
    fact`${b.pathWithNamespace} is public: job tokens of every project may read it.`,
  );
  return 'pass';
}

/** GitLab names the projects by their short path; they must be A and B. */
function checkLogNames(
  names: AccessSpec['logNames'],
  a: Project,
  b: Project,
  shownB: Project,
  check: Recorder,
): boolean {
  let consistent = true;
  const short = (p: Project) => p.pathWithNamespace.split('/').pop() ?? '';
  const same = (x: string, p: Project) =>
    x.replace(/\.$/, '').toLowerCase() === short(p).toLowerCase();
  if (names?.source && !same(names.source, a)) {
    consistent = false;
    check(
      'evidence',
      'unknown',
      fact`The log says the request came from ${names.source}, but the job belongs to ${a.pathWithNamespace}.`,
    );
  }
  if (names?.target && !same(names.target, b)) {
    consistent = false;
    check(
      'evidence',
      'unknown',
      fact`The log names the target ${names.target}, but the URL points to ${shownB.pathWithNamespace}.`,
    );
  }
  return consistent;
}
