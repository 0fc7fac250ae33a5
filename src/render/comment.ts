import type { Check, Diagnosis, Fix } from '../domain/diagnosis.js';
import type { FixState, RetryState } from '../domain/fix-state.js';
import { alsoMissingHeadline, alsoNeededStep, compoundWhatHappened } from './also-needed.js';
import { renderFixState, renderRetryState } from './fix-status.js';
import { renderStatusLine, type StatusLine } from './status-line.js';
import { policiesFix } from './policies-fix.js';
import {
  code,
  factMarkdown,
  link,
  logBlock,
  neutraliseQuickActions,
  wordsMarkdown,
} from './markdown.js';
import { maskSecrets } from '../domain/secrets.js';
import {
  allowlistEnforced,
  allowlistNeedsGraphql,
  allowlistUiSteps,
  atLeast,
  parseVersion,
} from './version-advice.js';

/** The hidden marker that lets the bot find its own note again, also after a restart. */
export const NOTE_MARKER = '<!-- pipeline-diagnoser:note -->';

export interface FailedJobLink {
  jobId: number;
  jobName: string;
  jobUrl: string;
  pipelineId: number;
  pipelineUrl?: string;
}

export interface NoteEntry {
  incidentId: number;
  diagnosis: Diagnosis;
  /** The failed jobs that showed this cause, newest first. */
  jobs: FailedJobLink[];
  /** The one-click fix: offered, or what became of it. */
  fixState?: FixState;
  /** Where the incident stands, when it moved since the note first showed it. */
  statusLine?: StatusLine;
  /** The one-click retry of an infrastructure failure: offered, or done. */
  retryState?: RetryState;
}

export interface RenderOptions {
  /** Links only ever point into this GitLab. */
  gitlabUrl: string;
  /** Extra secrets to mask (the bot's own token). */
  secrets?: readonly string[];
  now: Date;
  /** The bot's username: the footer then says how to tell it a diagnosis was wrong. */
  botUsername?: string;
}

const MAX_JOBS_LISTED = 10;

/** How to say a diagnosis was wrong: a 👎 names it only when the note shows one. */
function feedbackHint(entries: readonly NoteEntry[], botUsername: string | undefined): string {
  if (botUsername === undefined) return '';
  return entries.length === 1
    ? ` · a wrong diagnosis? React with 👎 or reply ${code(`@${botUsername} wrong`)}`
    : ` · a wrong diagnosis? Reply ${code(`@${botUsername} wrong <incident>`)}`;
}

/** The whole note for one merge request or commit: one section per cause. */
export function renderNote(entries: NoteEntry[], options: RenderOptions): string {
  const sections = entries.map((entry) => renderEntry(entry, options, entries.length > 1));
  const heading =
    entries.length === 1
      ? `### ${headline(entries[0] as NoteEntry)}`
      : `### Pipeline diagnosis: ${entries.length} causes found`;
  const footer = `<sub>Written by pipeline-diagnoser from the job logs and the GitLab API · updated ${options.now.toISOString().slice(0, 16).replace('T', ' ')} UTC · this comment is edited when something changes${feedbackHint(entries, options.botUsername)}.</sub>`;
  const ids = entries.map((e) => e.incidentId).join(',');
  const body = [
    NOTE_MARKER,
    `<!-- pipeline-diagnoser:incidents=${ids} -->`,
    heading,
    ...sections,
    footer,
  ].join('\n\n');
  return neutraliseQuickActions(body);
}

function headline(entry: NoteEntry): string {
  const d = entry.diagnosis;
  const kind = kindOf(d);
  switch (d.verdict) {
    case 'allowlist-missing':
      return `Pipeline failed: ${OWNER[kind]} does not let this project’s CI jobs in${alsoMissingHeadline(d)}`;
    case 'user-lacks-access':
      return `Pipeline failed: the user who ran it may not read ${THING[kind]}`;
    case 'tag-not-found':
      return 'Pipeline failed: the image tag does not exist';
    case 'resource-not-found':
      return `Pipeline failed: ${THING[kind]} does not exist`;
    case 'image-not-found':
      return 'Pipeline failed: the image does not exist';
    case 'project-not-found':
      return kind === 'image'
        ? 'Pipeline failed: no project owns the image path'
        : `Pipeline failed: no project matches ${WHERE[kind]}`;
    case 'registry-disabled':
      return 'Pipeline failed: the image’s project has its container registry turned off';
    case 'permission-missing':
      return `Pipeline failed: the job token's allowlist entry in ${OWNER[kind]} lacks a permission`;
    default:
      return `Pipeline failed: ${wordsMarkdown(d.title.replace(/^./, (c) => c.toLowerCase()))}`;
  }
}

type Kind = NonNullable<Diagnosis['resource']>['kind'];

/** Diagnoses from before resources were recorded are about images. */
function kindOf(d: Diagnosis): Kind {
  return d.resource?.kind ?? 'image';
}

/** The project B, as the headline names it per resource. */
const OWNER: Record<Kind, string> = {
  image: 'the image’s project',
  repository: 'the repository’s project',
  package: 'the package’s project',
  artifacts: 'the project with the needed artifacts',
  api: 'the project the job called',
};

const THING: Record<Kind, string> = {
  image: 'the image',
  repository: 'the repository',
  package: 'the package',
  artifacts: 'the other project’s artifacts',
  api: 'the project the job called',
};

const WHERE: Record<Kind, string> = {
  image: 'the image path',
  repository: 'the repository URL',
  package: 'the package registry URL',
  artifacts: 'the artifacts URL',
  api: 'the API URL',
};

function renderEntry(entry: NoteEntry, options: RenderOptions, titled: boolean): string {
  const d = entry.diagnosis;
  const parts: string[] = [];
  if (titled) parts.push(`#### ${wordsMarkdown(d.title)}`);
  parts.push(jobsLine(entry.jobs));
  parts.push(`**What happened.** ${whatHappened(d)}`);
  const whose = whoseFailure(d);
  if (whose) parts.push(whose);
  parts.push(evidenceBlock(d, options.secrets ?? []));
  if (d.checks.length > 0) parts.push(checksList(d.checks));
  parts.push(`**How to fix it.** ${fixText(d, instanceUrl(d, options.gitlabUrl))}`);
  if (entry.statusLine) parts.push(renderStatusLine(entry.statusLine));
  if (entry.fixState) parts.push(renderFixState(entry.fixState, d));
  if (entry.retryState) parts.push(renderRetryState(entry.retryState, d));
  parts.push(
    // A preview (`diagnose` without --post) has no incident yet.
    `<sub>${entry.incidentId > 0 ? `Incident ${entry.incidentId} · ` : ''}pattern ${code(d.patternId)} · verdict ${code(d.verdict)}${d.confidence === 'suspected' ? ' (suspected: not everything could be verified)' : ''}</sub>`,
  );
  return parts.join('\n\n');
}

/** Whose failure it is and whether a retry can pass, as the pattern says. */
function whoseFailure(d: Diagnosis): string | undefined {
  switch (d.blame) {
    case 'code':
      return '**Whose failure.** The job’s own work failed (its code, tests or build): running it again without a change will most likely fail the same way.';
    case 'settings':
      return '**Whose failure.** Not the code under test: a setting, a name or a credential the job relies on is wrong, so a retry fails the same way until it is changed.';
    case 'infrastructure':
      return d.retryable
        ? '**Whose failure.** Not this change: the machines or services the job ran on failed. This kind of failure often passes on a retry.'
        : '**Whose failure.** Not this change: the machines or services the job ran on are the cause, and a retry will fail the same way until they are fixed.';
    default:
      return undefined;
  }
}

/** The instance's public address, from a project's web URL (GitLab may live under a path). */
function instanceUrl(d: Diagnosis, fallback: string): string {
  const { webUrl, path } = d.project;
  return webUrl.toLowerCase().endsWith(`/${path.toLowerCase()}`)
    ? webUrl.slice(0, webUrl.length - path.length - 1)
    : fallback;
}

function jobsLine(jobs: FailedJobLink[]): string {
  const shown = jobs.slice(0, MAX_JOBS_LISTED).map((job) => {
    const jobLink = link(job.jobName, job.jobUrl);
    const pipeline = job.pipelineUrl
      ? link(`pipeline ${job.pipelineId}`, job.pipelineUrl)
      : `pipeline ${job.pipelineId}`;
    return `${jobLink} in ${pipeline}`;
  });
  const more = jobs.length > MAX_JOBS_LISTED ? `, and ${jobs.length - MAX_JOBS_LISTED} more` : '';
  return `**Failed:** ${shown.join(', ')}${more}`;
}

function imageOf(d: Diagnosis): string {
  const image = d.fields.image;
  if (!image) return 'the job’s image';
  return code(d.fields.tag ? `${image}:${d.fields.tag}` : image);
}

/** What the job tried to reach, as the log named it (code), or in words. */
function resourceOf(d: Diagnosis): string {
  if (kindOf(d) === 'image') return imageOf(d);
  const name = d.resource?.name;
  return name ? code(name) : THING[kindOf(d)];
}

/** The host of a URL the log named, when the job reached another one. */
function hostOf(d: Diagnosis): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/\s]*@)?(?<host>[^/\s?#]+)/i.exec(d.resource?.name ?? '');
  return m?.groups?.host ? code(m.groups.host) : 'another host';
}

/** B is the job's own project: its job token always reaches it, so no allowlist applies. */
function ownProject(d: Diagnosis): boolean {
  return d.target !== undefined && d.target.id === d.project.id;
}

function failing(d: Diagnosis, check: string): boolean {
  return d.checks.some((c) => c.check === check && c.result === 'fail');
}

function whatHappened(d: Diagnosis): string {
  const a = code(d.project.path);
  const b = d.target ? code(d.target.path) : 'the project that owns it';
  const kind = kindOf(d);
  if (kind !== 'image') return whatHappenedToken(d, kind, a, b);
  const pulled = d.evidence.runnerWritten
    ? `The runner could not pull ${imageOf(d)}.`
    : `The log says a pull of ${imageOf(d)} was refused (${d.evidence.runnerPrefix ? 'before the script started, but not in the runner’s own words' : 'printed while the job’s script ran'}).`;
  switch (d.verdict) {
    case 'allowlist-missing':
      if (d.alsoNeeded) return compoundWhatHappened(d, pulled, a, b);
      if (!allowlistSeen(d)) {
        // Concluded by elimination: say it as what it is.
        return `${pulled} The error says "pull access denied", but the image is there and the user who ran the job may read it, so what is left is the allowlist of its project, ${b}: most likely ${a} is not on it. The bot may not read that list itself (see below).`;
      }
      if (d.confidence !== 'verified') {
        return `${pulled} The error says "pull access denied"; most likely it is the allowlist of the image's project: ${a} is not on the job token allowlist of ${b}, as the bot checked.`;
      }
      return `${pulled} The error says "pull access denied", but the image is there: its project, ${b}, only lets CI jobs of the projects on its allowlist use it, and ${a} is not on that list. The job's credentials are checked against that list before anything else, so the job fails before its script starts.`;
    case 'user-lacks-access':
      return `${pulled} A CI job reads other projects with the rights of the user who started it, and that user may not read ${b}. Adding ${a} to the allowlist of ${b} alone would not fix it.`;
    case 'tag-not-found':
      return `The image ${code(d.fields.image ?? '')} exists, but it has no tag ${code(d.fields.tag ?? '')}.`;
    case 'image-not-found':
      return `Project ${b} exists, but it has no image ${code(d.fields.image ?? '')}.`;
    case 'project-not-found':
      return `No project that both the bot and the user who ran the job can see owns the image path ${code(d.fields.image ?? '')}: the path may be mistyped, or the project is private to people they are not among.`;
    case 'registry-disabled':
      return `The container registry of ${b} is turned off, so none of its images can be pulled.`;
    case 'not-instance-registry':
      return `The image ${imageOf(d)} is not on this GitLab's container registry, so no GitLab setting is involved: ${registryName(d)} refused or failed the pull.`;
    case 'access-ok':
      return `${plainSentence(d.summary)} The bot checked everything that can block this pull, and nothing does now: someone may have fixed it since, or the registry had a passing problem.`;
    case 'unverifiable':
      return `${plainSentence(d.summary)} The bot could not check every setting involved; see below what it could not read.`;
    default:
      return plainSentence(d.summary);
  }
}

/** The same verdicts for a repository, a package, artifacts or an API call. */
function whatHappenedToken(d: Diagnosis, kind: Kind, a: string, b: string): string {
  const what = resourceOf(d);
  const byRunner = d.evidence.runnerPrefix;
  const tried: Record<Kind, string> = {
    image: `The runner could not pull ${what}.`,
    repository: byRunner
      ? `The runner could not clone ${what} while getting the sources (a submodule, cloned with the job token).`
      : `Git could not clone ${what} with the job token.`,
    package: `The package manager could not fetch ${what} from the package registry of ${b}.`,
    artifacts: byRunner
      ? `The runner could not download the artifacts of ${what} from ${b} (needs:project), before the script started.`
      : `The job could not download the artifacts ${what} from ${b}.`,
    api: `The job's call to the GitLab API (${what}) was refused.`,
  };
  switch (d.verdict) {
    case 'allowlist-missing':
      if (!allowlistSeen(d)) {
        return `${tried[kind]} GitLab answers "not found" or "forbidden" whatever the reason; everything else the bot could check allows this, so most likely ${a} is not on the job token allowlist of ${b}. The bot may not read that list itself (see below).`;
      }
      return d.confidence === 'verified'
        ? `${tried[kind]} GitLab answers "not found" or "forbidden" whatever the reason; here it is the job token allowlist: ${b} only lets CI jobs of the projects on its allowlist use their job token on it, and ${a} is not on that list.`
        : `${tried[kind]} GitLab answers "not found" or "forbidden" whatever the reason; most likely it is the job token allowlist: ${a} is not on the allowlist of ${b}, as the bot checked.`;
    case 'user-lacks-access':
      return `${tried[kind]} A CI job reads other projects with the rights of the user who started it, and that user may not read ${b}. Adding ${a} to the allowlist of ${b} alone would not fix it.`;
    case 'resource-not-found':
      return `${tried[kind]} ${b} exists and lets this job in, but it has no ${THING[kind].replace(/^the /, '')} ${code(d.resource?.name ?? '')}: the name or version may be wrong, or it was never published there.`;
    case 'project-not-found':
      return `${tried[kind]} No project that both the bot and the user who ran the job can see matches ${WHERE[kind]}: the path may be mistyped, or the project is private to people they are not among.`;
    case 'not-instance-registry':
      return `${tried[kind]} It points to ${hostOf(d)}, not to this GitLab, so no setting of this GitLab (and no job token allowlist) is involved.`;
    case 'access-ok':
      if (ownProject(d)) {
        return `${tried[kind]} This is the job's own project, ${a}, which its job token may always reach, so no allowlist is involved${failing(d, 'endpoint') ? ': GitLab does not take a job token for this call at all (see below)' : ''}.`;
      }
      if (failing(d, 'endpoint')) {
        return `${tried[kind]} GitLab does not take a job token for this call at all, so no allowlist entry or role would help (see below).`;
      }
      return `${tried[kind]} The bot checked the allowlist of ${b} and the rights of the user who ran the job, and neither blocks it now: someone may have fixed it since, or what the job needed was missing at the time.`;
    case 'unverifiable':
      return `${tried[kind]} ${plainSentence(d.summary)} The bot could not check every setting involved; see below what it could not read.`;
    default:
      return plainSentence(d.summary);
  }
}

function registryName(d: Diagnosis): string {
  const registry = d.fields.registry;
  return !registry || registry === 'docker.io' ? 'Docker Hub' : `the registry ${code(registry)}`;
}

function plainSentence(text: string): string {
  const t = wordsMarkdown(text.trim());
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function evidenceBlock(d: Diagnosis, secrets: readonly string[]): string {
  const who = d.evidence.runnerPrefix
    ? 'written by the runner before the job’s script started'
    : 'printed while the job’s script ran';
  const text = maskSecrets(d.evidence.line, secrets);
  return `The line of the job log that shows it (line ${d.evidence.lineNumber}, ${who}):\n\n${logBlock([{ number: d.evidence.lineNumber, text }])}`;
}

function checksList(checks: Check[]): string {
  const icon = { pass: '✅', fail: '❌', unknown: '❔' } as const;
  const at = checks[0]?.at.slice(0, 16).replace('T', ' ');
  const lines = checks.map((c) => `- ${icon[c.result]} ${factMarkdown(c.detail)}`);
  return `**What the bot verified** (${at} UTC):\n\n${lines.join('\n')}`;
}

/** Whether the bot read B's allowlist itself, rather than concluding by elimination. */
function allowlistSeen(d: Diagnosis): boolean {
  return d.checks.some((c) => c.check === 'job-token' && c.result === 'fail');
}

function fixText(d: Diagnosis, baseUrl: string): string {
  const fix = d.fix;
  const kind = kindOf(d);
  if (d.verdict === 'allowlist-missing' && !fix) {
    return `The line above came from the job's script, so the bot does not propose a change from it. If that command uses the job token (CI_JOB_TOKEN), a Maintainer of ${code(d.target?.path ?? '')} can add ${code(d.project.path)} to its CI/CD job token allowlist.`;
  }
  if (d.verdict === 'not-instance-registry' && d.patternId === 'registry-pull-denied') {
    return `${registryName(d)} gives this same answer for an image that does not exist and for a private one. Check the image name and tag for typos; if the image is private, give the job credentials for that registry with a \`DOCKER_AUTH_CONFIG\` CI/CD variable.`;
  }
  if (d.verdict === 'resource-not-found') {
    return `Check the name and version the job asks for against what ${code(d.target?.path ?? '')} publishes, or publish it there first; then retry the job.`;
  }
  if (kind !== 'image' && !fix) {
    const token = tokenFixText(d, kind);
    if (token) return token;
  }
  if (!fix) {
    return plainSentence(d.advice ?? 'Read the end of the job log for the command that failed.');
  }
  return renderFix(fix, d, baseUrl);
}

/** Fixes that are not a change in GitLab, for the non-image resources. */
function tokenFixText(d: Diagnosis, kind: Kind): string | undefined {
  switch (d.verdict) {
    case 'not-instance-registry':
      return `Give the job credentials for ${hostOf(d)} (a token in a masked CI/CD variable); CI_JOB_TOKEN is only accepted by this GitLab. If the URL should point here, correct it.`;
    case 'project-not-found':
      return checkProjectPath([], WHERE[kind]);
    case 'access-ok':
      return failing(d, 'endpoint')
        ? 'Use a project or group access token with the read_api scope, stored as a masked CI/CD variable, for this call (a personal access token works too, but acts as its owner). CI_JOB_TOKEN cannot make it on this GitLab.'
        : undefined;
    default:
      return undefined;
  }
}

function renderFix(fix: Fix, d: Diagnosis, baseUrl: string): string {
  switch (fix.kind) {
    case 'allowlist-add': {
      const also = d.alsoNeeded;
      if (!also) return allowlistFix(fix, d.gitlabVersion, baseUrl);
      return `${allowlistFix(fix, d.gitlabVersion, baseUrl, alsoNeededStep(d))}\n\n**Also needed.** ${renderFix(also.fix, d, baseUrl)} The job passes only once both are done.`;
    }
    case 'grant-access':
      return kindOf(d) === 'image'
        ? `Someone who manages the members of ${code(fix.target.path)} gives ${code(fix.username)} (or the members of ${code(d.project.path)}) at least the Reporter role there; or the image is moved to a project they can read. Then retry the job.`
        : `Someone who manages the members of ${code(fix.target.path)} gives ${code(fix.username)} (or the members of ${code(d.project.path)}) at least the Reporter role there, so that jobs they start may read ${THING[kindOf(d)]}. Then retry the job.`;
    case 'use-existing-tag':
      // The tags of a private project are its members' to see.
      if (d.target?.publiclyVisible === false) {
        return `Use a tag that exists in ${code(d.target.path)} (its members can list them), or push ${code(fix.tag)} first.`;
      }
      return fix.tags.length > 0
        ? `Use a tag that exists, for example ${fix.tags.map((t) => code(t)).join(', ')}, or push ${code(fix.tag)} first.`
        : `The image has no tags yet: push ${code(fix.tag)} first, then retry the job.`;
    case 'check-image-path':
      if (d.target?.publiclyVisible === false) {
        return `Check the image path; the members of ${code(d.target.path)} can see which images it has.`;
      }
      return fix.candidates.length > 0
        ? `Check the image path. Images of that project: ${fix.candidates
            .slice(0, 5)
            .map((c) => code(c))
            .join(', ')}.`
        : checkProjectPath([]);
    case 'check-project-path':
      return checkProjectPath(fix.similar, kindOf(d) === 'image' ? undefined : WHERE[kindOf(d)]);
    case 'policies-add':
      return policiesFix(fix);
    case 'enable-registry':
      return `A Maintainer of ${code(fix.target.path)} turns the container registry on (Settings → General → Visibility, project features, permissions → Container registry), or the job uses an image from another project.`;
  }
}

/** A path no project answers to: check it, with the similar projects every reader may see. */
function checkProjectPath(similar: string[], where?: string): string {
  const near =
    similar.length > 0
      ? ` (projects with a similar path: ${similar.map((p) => code(p)).join(', ')})`
      : '';
  return where
    ? `Check ${where} in the job for typos${near}; if it is right, give the bot user at least the Reporter role in that project, so it can check further.`
    : `Check the image path in the job’s \`image:\`${near}; if it is right, make sure the bot user can see the project that owns it, so it can check further.`;
}

function allowlistFix(
  fix: Extract<Fix, { kind: 'allowlist-add' }>,
  version: string | undefined,
  baseUrl: string,
  retry = 'Retry the failed job.',
): string {
  const target = code(fix.target.path);
  const source = code(fix.source.path);
  const steps = allowlistUiSteps(version, target, source).map((s, i) => `${i + 1}. ${s}`);
  steps.push(`${steps.length + 1}. ${retry}`);
  const grants = `This lets CI jobs of ${source} use their job token to read ${target} (its images, packages, repository and artifacts); they still act with the rights of the user who runs them.`;
  const api = allowlistNeedsGraphql(version)
    ? [
        'Or through the GraphQL API (GitLab 15.9 to 15.11 has no REST endpoint for this):',
        '',
        '```graphql',
        `mutation { ciJobTokenScopeAddProject(input: { projectPath: ${JSON.stringify(fix.target.path)}, targetProjectPath: ${JSON.stringify(fix.source.path)}, direction: INBOUND }) { errors } }`,
        '```',
      ]
    : [
        'Or with the API (numeric project ids; paths are not accepted here):',
        '',
        '```shell',
        `curl --request POST --header "PRIVATE-TOKEN: <your token>" \\`,
        `  --data "target_project_id=${fix.source.id}" \\`,
        `  "${baseUrl}/api/v4/projects/${fix.target.id}/job_token_scope/allowlist"`,
        '```',
      ];
  return [
    `Only a Maintainer or Owner of ${target} can change this, and they must be able to see ${source}. They add ${source} to its CI/CD job token allowlist:`,
    '',
    ...steps,
    '',
    grants,
    allowAllAdvice(version, source),
    adminAdvice(version),
    '',
    ...api,
  ]
    .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
    .join('\n');
}

/** From 18.0 the "let every project in" choice is gone where the allowlist is enforced. */
function allowAllAdvice(version: string | undefined, source: string): string {
  return allowlistEnforced(version)
    ? `Since GitLab 18.0 every project enforces its allowlist unless an administrator turned that off for the instance: the **All groups and projects** choice is not offered while it is enforced, so adding ${source} is the way in.`
    : '';
}

/** The instance-level switch, for administrators (GitLab 17.6 and later). */
function adminAdvice(version: string | undefined): string {
  if (!atLeast(parseVersion(version), 17, 6)) return '';
  return allowlistEnforced(version)
    ? 'Administrators: the instance-wide switch is **Admin → Settings → CI/CD → Job token permissions → Enable and enforce job token allowlist for all projects** (turned on by the 18.0 upgrade). Turning it off reopens every project that still allows all projects, so the single entry above is the safer fix.'
    : 'Administrators: **Admin → Settings → CI/CD → Job token permissions → Enable and enforce job token allowlist for all projects** makes every project use its allowlist, as GitLab 18.0 will; it changes nothing for this project, which already does.';
}
