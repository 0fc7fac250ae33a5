/**
 * Job log text as GitLab Runner writes it: ANSI colours, `\x1b[0K` clears, collapsible section
 * markers and, optionally, FF_TIMESTAMPS line prefixes.
 *
 * The wording follows runner 17.x for the Docker executor (see docs/seed-story.md for the pull
 * denial) and the Kubernetes executor with containerd. Output is deterministic for a given input
 * and start time, so tests can compare logs.
 */
import { imageId, shortId } from './ids.js';
import type { LogText, StageOutcome, StepOutcome } from './job-steps.js';
import type { ImageRef, PullDecision } from './types.js';
import { dockerHubKey } from './rules.js';
import type { Executor, RunnerInfo } from './types.js';

const CLEAR = '\x1b[0K';
const RESET = '\x1b[0;m';
const BOLD_CYAN = '\x1b[36;1m';
const BOLD_GREEN = '\x1b[32;1m';
const YELLOW = '\x1b[0;33m';
const BOLD_RED = '\x1b[31;1m';

/** One attempted pull, in the order the runner attempted it. */
export interface PullAttempt {
  image: string;
  service: boolean;
  decision: PullDecision;
}

/** Everything the runner would print about a job. */
export interface RunnerLogInput {
  jobId: number;
  projectId: number;
  projectPath: string;
  ref: string;
  sha: string;
  executor: Executor;
  image: string;
  /** Pulls attempted; evaluation stops at the first failure. */
  pulls: PullAttempt[];
  script: string[];
  scriptOutput: string[];
  exitCode: number;
  runner: RunnerInfo;
  /** Host of GitLab itself (the registry's token realm lives there). */
  gitlabHost: string;
  timestamps: boolean;
  /** Submodules cloned while getting the sources (`GIT_SUBMODULE_STRATEGY`). */
  submodules?: StageOutcome;
  /** `needs:project` artifact downloads. */
  artifacts?: StageOutcome;
  /** Script commands that used the job token, run before `script`. */
  steps?: StepOutcome[];
}

/** A planned log: its outcome and duration are known before the start time is chosen. */
export interface JobLogPlan {
  status: 'success' | 'failed';
  /** `runner_system_failure` for a pull failure, `script_failure` for a non-zero exit (also a failed submodule clone or artifact download). */
  failureReason: string | null;
  durationMs: number;
  render(startedAt: Date): string;
}

interface SectionMark {
  mark: 'start' | 'end';
  name: string;
}

interface PlannedLine {
  offsetMs: number;
  /** Stream id for FF_TIMESTAMPS: 0 for runner output, 1 for the job's script. */
  stream: 0 | 1;
  parts: (string | SectionMark)[];
}

/** Collects lines with a running clock (milliseconds after the job started). */
class LogBuilder {
  readonly lines: PlannedLine[] = [];
  clock = 0;
  private pending: SectionMark[] = [];

  /** Section markers are glued to the start of the next line, as the runner writes them. */
  start(name: string): this {
    this.pending.push({ mark: 'start', name });
    return this;
  }

  end(name: string): this {
    this.pending.push({ mark: 'end', name });
    return this;
  }

  line(text: string, advanceMs = 0, stream: 0 | 1 = 0): this {
    this.lines.push({ offsetMs: this.clock, stream, parts: [...this.pending, text] });
    this.pending = [];
    this.clock += advanceMs;
    return this;
  }

  /** Runner `Println`: a cleared line. */
  plain(text: string, advanceMs = 0): this {
    return this.line(`${CLEAR}${text}${RESET}`, advanceMs);
  }

  info(text: string, advanceMs = 0): this {
    return this.line(`${BOLD_GREEN}${text}${RESET}`, advanceMs);
  }

  warning(text: string, advanceMs = 0): this {
    return this.line(`${YELLOW}WARNING: ${text}${RESET}`, advanceMs);
  }

  error(text: string): this {
    return this.line(`${BOLD_RED}ERROR: ${text}${RESET}`);
  }

  header(text: string, advanceMs = 0): this {
    return this.line(`${CLEAR}${BOLD_CYAN}${text}${RESET}${RESET}`, advanceMs);
  }
}

/** `2025-05-12T09:14:05.123456Z 00O ` — RFC3339 with 6 fractional digits, stream, O/E, ' '. */
function timestampPrefix(ms: number, index: number, stream: 0 | 1): string {
  const iso = new Date(ms).toISOString(); // 2025-05-12T09:14:05.123Z
  const micros = String((index * 271) % 1000).padStart(3, '0');
  return `${iso.slice(0, 23)}${micros}Z 0${stream}O `;
}

function renderLines(lines: PlannedLine[], startedAt: Date, timestamps: boolean): string {
  const start = startedAt.getTime();
  return lines
    .map((line, index) => {
      const at = start + line.offsetMs;
      const unix = Math.floor(at / 1000);
      const body = line.parts
        .map((part) =>
          typeof part === 'string'
            ? part
            : `${CLEAR}section_${part.mark}:${unix}:${part.name}\r${CLEAR}`,
        )
        .join('');
      return `${timestamps ? timestampPrefix(at, index, line.stream) : ''}${body}\n`;
    })
    .join('');
}

/** Where the runner registers the image with Docker: the reference without tag, plus digest. */
function repoDigest(decision: PullDecision & { ok: true }): string {
  return `${decision.image.name}@${decision.digest}`;
}

/** containerd's fully-qualified reference (`docker.io/library/alpine:latest`). */
function containerdRef(ref: ImageRef): string {
  const name = ref.hostExplicit
    ? `${ref.host}/${ref.path}`
    : `docker.io/${dockerHubKey(ref).toLowerCase()}`;
  return ref.digest ? `${name}@${ref.digest}` : `${name}:${ref.tag ?? 'latest'}`;
}

/** The kubelet/containerd error for a failed pull. */
function containerdError(decision: PullDecision & { ok: false }, gitlabHost: string): string {
  const ref = containerdRef(decision.image);
  const prefix = `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}"`;
  if (decision.kind === 'manifest-unknown') {
    return `rpc error: code = NotFound desc = ${prefix}: ${ref}: not found`;
  }
  if (decision.registry === 'external') {
    return `rpc error: code = Unknown desc = ${prefix}: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`;
  }
  // containerd fetches a registry token from GitLab's /jwt/auth realm, which refuses the job token.
  const scope = encodeURIComponent(`repository:${decision.image.path}:pull`);
  return `rpc error: code = Unknown desc = ${prefix}: failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://${gitlabHost}/jwt/auth?scope=${scope}&service=container_registry: 403 Forbidden`;
}

function runnerHeader(b: LogBuilder, input: RunnerLogInput): void {
  const { runner } = input;
  b.plain(`Running with gitlab-runner ${runner.version} (${runner.revision})`);
  b.plain(`  on ${runner.description} ${runner.shortToken}, system ID: ${runner.systemId}`, 400);
}

function buildDirName(input: RunnerLogInput): string {
  const token = input.runner.shortToken.replace(/^t\d_/, '').toLowerCase().slice(0, 8);
  return `runner-${token}-project-${input.projectId}-concurrent-0`;
}

/** Docker executor prepare stage. Returns false when a pull failed (log already terminated). */
function dockerPrepare(b: LogBuilder, input: RunnerLogInput): boolean {
  b.start('prepare_executor').header('Preparing the "docker" executor', 200);
  b.plain(`Using Docker executor with image ${input.image} ...`, 300);
  const services = input.pulls.filter((p) => p.service);
  for (const pull of input.pulls) {
    if (pull.service) b.plain(`Starting service ${pull.image} ...`, 100);
    if (pull.decision.registry === 'instance') {
      b.plain('Authenticating with credentials from job payload (GitLab Registry)', 100);
    }
    b.plain(`Pulling docker image ${pull.image} ...`, 1200);
    const decision = pull.decision;
    if (!decision.ok) {
      const daemon = `Error response from daemon: ${decision.message} (manager.go:237:0s)`;
      b.warning(`Failed to pull image with policy "always": ${daemon}`, 100);
      b.end('prepare_executor').error(
        `Job failed: failed to pull image "${pull.image}" with specified policies [always]: ${daemon}`,
      );
      return false;
    }
    b.plain(
      `Using docker image ${imageId(decision.digest)} for ${pull.image} with digest ${repoDigest(decision)} ...`,
      400,
    );
    if (pull === services[services.length - 1]) {
      b.plain('Waiting for services to be up and running (timeout 30 seconds)...', 2100);
    }
  }
  b.end('prepare_executor').start('prepare_script').header('Preparing environment', 300);
  b.line(`Running on ${buildDirName(input)} via ${input.runner.hostname}...`, 600);
  return true;
}

/** Kubernetes executor prepare stage: kubelet pulls, failures surface as pod events. */
function kubernetesPrepare(b: LogBuilder, input: RunnerLogInput): boolean {
  const pod = `${buildDirName(input)}-${shortId(`pod:${input.jobId}`, 8)}`;
  b.start('prepare_executor').header('Preparing the "kubernetes" executor', 100);
  b.plain('Using Kubernetes namespace: gitlab-runner', 100);
  b.plain(`Using Kubernetes executor with image ${input.image} ...`, 100);
  b.plain('Using attach strategy to execute scripts...', 200);
  b.end('prepare_executor').start('prepare_script').header('Preparing environment', 200);
  b.plain(
    'Using FF_USE_POD_ACTIVE_DEADLINE_SECONDS, the Pod activeDeadlineSeconds will be set to the job timeout: 1h0m0s...',
    800,
  );
  b.plain(`Waiting for pod gitlab-runner/${pod} to be running, status is Pending`, 3000);
  const failed = input.pulls.find((p) => !p.decision.ok);
  if (failed && !failed.decision.ok) {
    const rpc = containerdError(failed.decision, input.gitlabHost);
    b.warning(
      `Event retrieved from the cluster: Failed to pull image "${failed.image}": ${rpc}`,
      3000,
    );
    b.plain(`Waiting for pod gitlab-runner/${pod} to be running, status is Pending`, 3000);
    b.end('prepare_script').error(
      `Job failed: prepare environment: waiting for pod running: pulling image "${failed.image}": image pull failed: Back-off pulling image "${failed.image}": ErrImagePull: ${rpc}`,
    );
    return false;
  }
  b.plain(`Waiting for pod gitlab-runner/${pod} to be running, status is Pending`, 2000);
  b.line(`Running on ${pod} via ${input.runner.hostname}...`, 600);
  return true;
}

function stageLine(b: LogBuilder, line: LogText): void {
  if (line.style === 'info') b.info(line.text, 100);
  else if (line.style === 'error') b.error(line.text);
  else b.line(line.text, 100);
}

/** Ends the job after a runner stage failed: cleanup, then `exit code 1`. */
function failStage(b: LogBuilder, section: string): void {
  b.end(section)
    .start('cleanup_file_variables')
    .header('Cleaning up project directory and file based variables', 400);
  b.end('cleanup_file_variables');
  b.error('Job failed: exit code 1');
}

/** Returns false when a submodule could not be cloned (log already terminated). */
function getSources(b: LogBuilder, input: RunnerLogInput): boolean {
  b.end('prepare_script').start('get_sources').header('Getting source from Git repository', 100);
  b.info('Fetching changes with git depth set to 20...', 100);
  b.line(`Initialized empty Git repository in /builds/${input.projectPath}/.git/`, 100);
  b.info('Created fresh repository.', 900);
  b.info(`Checking out ${input.sha.slice(0, 8)} as detached HEAD (ref is ${input.ref})...`, 200);
  b.line('');
  if (!input.submodules) {
    b.info('Skipping Git submodules setup', 300);
    return true;
  }
  for (const line of input.submodules.lines) stageLine(b, line);
  if (!input.submodules.ok) failStage(b, 'get_sources');
  return input.submodules.ok;
}

/** `needs:project` downloads; false when one was refused (log already terminated). */
function downloadArtifacts(b: LogBuilder, input: RunnerLogInput): boolean {
  if (!input.artifacts) return true;
  b.end('get_sources').start('download_artifacts').header('Downloading artifacts', 100);
  for (const line of input.artifacts.lines) stageLine(b, line);
  if (!input.artifacts.ok) failStage(b, 'download_artifacts');
  return input.artifacts.ok;
}

function stepScript(b: LogBuilder, input: RunnerLogInput): number {
  b.end(input.artifacts ? 'download_artifacts' : 'get_sources')
    .start('step_script')
    .header('Executing "step_script" stage of the job script', 100);
  const image = input.pulls.find((p) => !p.service)?.decision;
  if (input.executor === 'docker' && image?.ok) {
    b.plain(
      `Using docker image ${imageId(image.digest)} for ${input.image} with digest ${repoDigest(image)} ...`,
      200,
    );
  }
  let exitCode = input.exitCode;
  const failed = (input.steps ?? []).find((s) => s.exitCode !== 0);
  for (const step of input.steps ?? []) {
    b.info(`$ ${step.command}`, 1500);
    for (const output of step.output) b.line(output, 150, 1);
  }
  if (failed) {
    exitCode = failed.exitCode;
  } else {
    for (const command of input.script) b.info(`$ ${command}`, 1500);
    for (const output of input.scriptOutput) b.line(output, 150, 1);
  }
  b.end('step_script')
    .start('cleanup_file_variables')
    .header('Cleaning up project directory and file based variables', 400);
  b.end('cleanup_file_variables');
  if (exitCode === 0) b.info('Job succeeded');
  else b.error(`Job failed: exit code ${exitCode}`);
  return exitCode;
}

/** Plans the log of a job: outcome, duration and the text for a given start time. */
export function planJobLog(input: RunnerLogInput): JobLogPlan {
  const b = new LogBuilder();
  runnerHeader(b, input);
  const prepared =
    input.executor === 'kubernetes' ? kubernetesPrepare(b, input) : dockerPrepare(b, input);
  let exitCode = input.exitCode;
  if (prepared) {
    exitCode = getSources(b, input) && downloadArtifacts(b, input) ? stepScript(b, input) : 1;
  }
  const lines = b.lines;
  const durationMs = Math.max(b.clock, 1000);
  let status: JobLogPlan['status'] = 'success';
  let failureReason: string | null = null;
  if (!prepared) {
    status = 'failed';
    failureReason = 'runner_system_failure';
  } else if (exitCode !== 0) {
    status = 'failed';
    failureReason = 'script_failure';
  }
  return {
    status,
    failureReason,
    durationMs,
    render: (startedAt) => renderLines(lines, startedAt, input.timestamps),
  };
}
