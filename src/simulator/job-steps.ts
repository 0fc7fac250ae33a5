/**
 * What a job prints when it reaches other projects with its CI_JOB_TOKEN: submodule clones and
 * `needs:project` artifact downloads done by the runner, and `git`, `npm` and `curl` commands
 * of the script. Each access is decided by `token-access.ts`; this module only words the
 * outcome the way git 2.4x, npm 10, curl 8 and GitLab Runner 17 print it.
 */
import { policyDenial } from './job-token-policies.js';
import { sha256Hex } from './ids.js';
import {
  endpointAcceptsJobToken,
  evaluateApiAccess,
  evaluateArtifactsAccess,
  evaluateGitAccess,
  evaluateInstanceNpm,
  evaluateProjectNpm,
  type TokenDecision,
  type TokenView,
} from './token-access.js';
import type { Job, NeedsProjectSpec, Pipeline, SubmoduleSpec, TokenStep } from './types.js';

/** A runner-written line and how the runner colours it. */
export interface LogText {
  text: string;
  style: 'plain' | 'info' | 'error';
}

/** Lines for a runner stage (submodules, artifacts) and whether the job may go on. */
export interface StageOutcome {
  lines: LogText[];
  ok: boolean;
}

/** One script command: the echoed command, what it printed, and its exit code. */
export interface StepOutcome {
  command: string;
  output: string[];
  exitCode: number;
}

/** The world as the steps need it. */
export interface StepsView extends TokenView {
  readonly externalUrl: string;
  readonly jobs: readonly Job[];
  pipeline(id: number): Pipeline | undefined;
}

/** The job being run: its project, the user whose rights the token carries, its build dir. */
export interface StepsContext {
  projectId: number;
  projectPath: string;
  userId: number;
  jobId: number;
}

function host(view: StepsView): string {
  return new URL(view.externalUrl).host;
}

function repoUrl(view: StepsView, path: string): string {
  return `${view.externalUrl}/${path}.git`;
}

function submoduleUrl(view: StepsView, sub: SubmoduleSpec): string {
  return sub.foreignRefusal
    ? `https://${sub.foreignRefusal.host}/${sub.project}.git`
    : repoUrl(view, sub.project);
}

/** git's lines for a refused fetch: `remote:` with GitLab's message, then git's own verdict. */
function gitRefusal(decision: TokenDecision & { ok: false }, url: string): string[] {
  const masked = url.replace('://', '://gitlab-ci-token:[MASKED]@');
  return decision.status === 404
    ? [`remote: ${decision.message}`, `fatal: repository '${masked}/' not found`]
    : [
        `remote: ${decision.message}`,
        `fatal: unable to access '${url}/': The requested URL returned error: ${decision.status}`,
      ];
}

/**
 * `GIT_SUBMODULE_STRATEGY: recursive`: the runner registers, syncs and clones each submodule
 * with the job token, and tries a failed clone once more before giving up.
 */
export function runSubmodules(
  view: StepsView,
  ctx: StepsContext,
  submodules: readonly SubmoduleSpec[],
): StageOutcome {
  const lines: LogText[] = [
    {
      text: 'Updating/initializing submodules recursively with git depth set to 20...',
      style: 'info',
    },
  ];
  for (const sub of submodules) {
    lines.push({
      text: `Submodule '${sub.path}' (${submoduleUrl(view, sub)}) registered for path '${sub.path}'`,
      style: 'plain',
    });
  }
  for (const sub of submodules) {
    lines.push({ text: `Synchronizing submodule url for '${sub.path}'`, style: 'plain' });
  }
  for (const sub of submodules) {
    const dir = `/builds/${ctx.projectPath}/${sub.path}`;
    const url = submoduleUrl(view, sub);
    const decision: TokenDecision = sub.foreignRefusal
      ? { ok: false, reason: 'user-access', status: 403, message: sub.foreignRefusal.message }
      : evaluateGitAccess(view, {
          sourceProjectId: ctx.projectId,
          userId: ctx.userId,
          targetPath: sub.project,
        });
    if (decision.ok) {
      lines.push({ text: `Cloning into '${dir}'...`, style: 'plain' });
      lines.push({
        text: `Submodule path '${sub.path}': checked out '${sha256Hex(`head:${sub.project}`).slice(0, 40)}'`,
        style: 'plain',
      });
      continue;
    }
    const clone = `fatal: clone of '${url}' into submodule path '${dir}' failed`;
    for (const attempt of [1, 2]) {
      lines.push({ text: `Cloning into '${dir}'...`, style: 'plain' });
      for (const text of gitRefusal(decision, url)) lines.push({ text, style: 'plain' });
      lines.push({ text: clone, style: 'plain' });
      lines.push({
        text:
          attempt === 1
            ? `Failed to clone '${sub.path}'. Retry scheduled`
            : `Failed to clone '${sub.path}' a second time, aborting`,
        style: 'plain',
      });
    }
    return { lines, ok: false };
  }
  lines.push({ text: 'Updated submodules', style: 'info' });
  return { lines, ok: true };
}

/** The newest successful job of that name on that ref, as `needs:project` picks it. */
export function findNeededJob(view: StepsView, need: NeedsProjectSpec): Job | undefined {
  const project = view.projectByPath(need.project);
  if (!project) return undefined;
  return [...view.jobs]
    .reverse()
    .find(
      (j) =>
        j.projectId === project.id &&
        j.name === need.job &&
        j.ref === need.ref &&
        j.status === 'success' &&
        !j.retried,
    );
}

/**
 * The runner's artifact downloads for `needs:project`, in the helper's logrus format
 * (`network/gitlab.go` DownloadArtifacts; fields sorted: host, id, responseStatus, status,
 * token). A refusal stops the job (`FATAL: permission denied`).
 */
export function downloadNeededArtifacts(
  view: StepsView,
  ctx: StepsContext,
  needs: readonly NeedsProjectSpec[],
): StageOutcome {
  const lines: LogText[] = [];
  const where = `host=${host(view)}`;
  const token = 'token=glcbt-64';
  for (const need of needs) {
    const job = findNeededJob(view, need) as Job;
    const target = view.project(job.projectId);
    lines.push({ text: `Downloading artifacts for ${job.name} (${job.id})...`, style: 'info' });
    const decision = target
      ? evaluateArtifactsAccess(view, {
          sourceProjectId: ctx.projectId,
          userId: ctx.userId,
          target,
        })
      : undefined;
    if (!decision?.ok) {
      lines.push({
        text: `Downloading artifacts from coordinator... forbidden  ${where} id=${job.id} responseStatus=403 Forbidden status=403 Forbidden ${token}`,
        style: 'error',
      });
      lines.push({ text: 'FATAL: permission denied', style: 'plain' });
      return { lines, ok: false };
    }
    if ((job.spec.artifacts ?? []).length === 0) {
      lines.push({
        text: `Downloading artifacts from coordinator... not found  ${where} id=${job.id} responseStatus=404 Not Found ${token}`,
        style: 'error',
      });
      lines.push({ text: 'FATAL: file does not exist', style: 'plain' });
      return { lines, ok: false };
    }
    lines.push({
      text: `Downloading artifacts from coordinator... ok        ${where} id=${job.id} responseStatus=200 OK ${token}`,
      style: 'plain',
    });
  }
  return { lines, ok: true };
}

/** Script steps that use the job token, up to and including the first that fails. */
export function runTokenSteps(
  view: StepsView,
  ctx: StepsContext,
  steps: readonly TokenStep[],
): StepOutcome[] {
  const outcomes: StepOutcome[] = [];
  for (const step of steps) {
    const outcome =
      step.kind === 'git-clone'
        ? gitClone(view, ctx, step.project)
        : step.kind === 'npm-install'
          ? npmInstall(view, ctx, step)
          : curlApi(view, ctx, step);
    outcomes.push(outcome);
    if (outcome.exitCode !== 0) break;
  }
  return outcomes;
}

function gitClone(view: StepsView, ctx: StepsContext, project: string): StepOutcome {
  const url = repoUrl(view, project);
  const dir = project.split('/').pop() ?? project;
  const command = `git clone https://gitlab-ci-token:\${CI_JOB_TOKEN}@${host(view)}/${project}.git`;
  const decision = evaluateGitAccess(view, {
    sourceProjectId: ctx.projectId,
    userId: ctx.userId,
    targetPath: project,
  });
  const output = [`Cloning into '${dir}'...`];
  if (decision.ok) return { command, output, exitCode: 0 };
  return { command, output: [...output, ...gitRefusal(decision, url)], exitCode: 128 };
}

function npmInstall(
  view: StepsView,
  ctx: StepsContext,
  step: Extract<TokenStep, { kind: 'npm-install' }>,
): StepOutcome {
  const spec = step.version ? `${step.package}@${step.version}` : step.package;
  const command = `npm install ${spec}`;
  const encoded = step.package.replace('/', '%2f');
  const request = { sourceProjectId: ctx.projectId, userId: ctx.userId, name: step.package };
  let url: string;
  let decision: TokenDecision;
  if (step.registryProject === undefined) {
    url = `${view.externalUrl}/api/v4/packages/npm/${encoded}`;
    decision = evaluateInstanceNpm(view, request);
  } else {
    const target = view.projectByPath(step.registryProject);
    url = `${view.externalUrl}/api/v4/projects/${target?.id ?? step.registryProject}/packages/npm/${encoded}`;
    decision = evaluateProjectNpm(view, { ...request, target });
  }
  if (decision.ok) {
    return {
      command,
      output: ['', 'added 1 package, and audited 2 packages in 2s', '', 'found 0 vulnerabilities'],
      exitCode: 0,
    };
  }
  const debugLog = `npm error A complete log of this run can be found in: /root/.npm/_logs/${stamp(ctx)}-debug-0.log`;
  if (decision.status === 403) {
    return {
      command,
      output: [
        'npm error code E403',
        `npm error 403 403 Forbidden - GET ${url}`,
        'npm error 403 In most cases, you or one of your dependencies are requesting',
        'npm error 403 a package version that is forbidden by your security policy, or',
        'npm error 403 on a server you do not have access to.',
        debugLog,
      ],
      exitCode: 1,
    };
  }
  return {
    command,
    output: [
      'npm error code E404',
      `npm error 404 Not Found - GET ${url}`,
      'npm error 404',
      `npm error 404  '${spec}' is not in this registry.`,
      'npm error 404',
      'npm error 404 Note that you can also install from a',
      'npm error 404 tarball, folder, http url, or git url.',
      debugLog,
    ],
    exitCode: 1,
  };
}

/** The `message` of GitLab's REST error bodies, by status. */
const API_ERROR_MESSAGE: Record<number, string> = {
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Project Not Found',
};

function curlApi(
  view: StepsView,
  ctx: StepsContext,
  step: Extract<TokenStep, { kind: 'curl' }>,
): StepOutcome {
  const id =
    typeof step.project === 'number' ? String(step.project) : encodeURIComponent(step.project);
  const endpoint = step.endpoint.replace(/^\/+/, '');
  const base = step.apiUrlVariable ? '${CI_API_V4_URL}' : `${view.externalUrl}/api/v4`;
  const command = `curl --fail-with-body --silent --show-error --header "JOB-TOKEN: $CI_JOB_TOKEN" "${base}/projects/${id}/${endpoint}"`;
  const target =
    typeof step.project === 'number'
      ? view.project(step.project)
      : view.projectByPath(step.project);
  let status: number;
  let message: string | undefined;
  if (!endpointAcceptsJobToken(view, endpoint)) {
    // GitLab ignores the job token here: the request is anonymous.
    status = target?.visibility === 'public' ? 200 : 404;
  } else {
    const decision = evaluateApiAccess(view, {
      sourceProjectId: ctx.projectId,
      userId: ctx.userId,
      target,
    });
    status = decision.ok ? 200 : decision.status;
    const source = view.project(ctx.projectId);
    const denied =
      decision.ok && source && target ? policyDenial(view, source, target, endpoint) : undefined;
    if (denied) {
      status = 403;
      message = denied;
    }
  }
  if (status === 200) {
    return {
      command,
      output: [endpoint.startsWith('repository/files') ? 'value: 1' : '[]'],
      exitCode: 0,
    };
  }
  // --fail-with-body prints GitLab's JSON error, then curl's own line.
  return {
    command,
    output: [
      JSON.stringify({ message: message ?? API_ERROR_MESSAGE[status] ?? `${status}` }),
      `curl: (22) The requested URL returned error: ${status}`,
    ],
    exitCode: 22,
  };
}

/** npm's debug log name: the job's start, as npm stamps it. */
function stamp(ctx: StepsContext): string {
  const seconds = 10 + (ctx.jobId % 50);
  return `2025-05-12T09_14_${String(seconds).padStart(2, '0')}_${String(ctx.jobId % 1000).padStart(3, '0')}Z`;
}
