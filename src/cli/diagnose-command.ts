import type { Command } from 'commander';
import { createBot } from '../main.js';
import { renderNote } from '../render/comment.js';
import { diagnoseJob } from '../pipeline/diagnose/diagnose-job.js';
import { recordAndPublish } from '../pipeline/process-job.js';
import { withCommonOptions } from './bot-commands.js';
import { configOrExit, type CommonOptions } from './config-or-exit.js';
import { CliExit } from './exit.js';
import { GitlabNotFoundError } from '../errors.js';

/** A job named on the command line; `projectUrl` when it was named by URL. */
export interface JobReference {
  projectPath: string;
  jobId: number;
  /** The project's address as a URL not under GITLAB_URL gave it, checked against GitLab's own. */
  projectUrl?: string;
}

/**
 * `https://host/group/project/-/jobs/123` or `group/project 123`. Under the configured
 * GitLab URL (relative root included) the path follows it; a URL on another address (the
 * instance's external name, say) is taken as `host/path` and checked once the project is read.
 */
export function parseJobReference(
  first: string,
  second: string | undefined,
  gitlabUrl: string,
): JobReference {
  const url = /^(?<project>https?:\/\/[^/?#]+\/[^?#]+?)\/-\/jobs\/(?<id>\d+)\/?(?:[?#].*)?$/i.exec(
    first,
  )?.groups;
  if (url) {
    const projectUrl = url.project as string;
    const base = gitlabUrl.replace(/\/+$/, '');
    const under = projectUrl.toLowerCase().startsWith(`${base.toLowerCase()}/`);
    if (under) return { projectPath: projectUrl.slice(base.length + 1), jobId: Number(url.id) };
    const projectPath = projectUrl.replace(/^https?:\/\/[^/]+\//i, '');
    if (projectPath.includes('/')) return { projectPath, jobId: Number(url.id), projectUrl };
  }
  if (second && /^\d+$/.test(second) && /^[\w.-]+(?:\/[\w.-]+)+$/.test(first)) {
    return { projectPath: first, jobId: Number(second) };
  }
  throw new CliExit(
    2,
    'Name the job by its URL (https://gitlab.example.com/group/project/-/jobs/123) or as "group/project 123".',
  );
}

/** Refuses a URL whose project GitLab places elsewhere: the same path on another GitLab is another project. */
export function checkProjectUrl(reference: JobReference, webUrl: string, gitlabUrl: string): void {
  if (reference.projectUrl === undefined) return;
  if (reference.projectUrl.toLowerCase() === webUrl.replace(/\/+$/, '').toLowerCase()) return;
  throw new CliExit(
    2,
    `That job is not on the GitLab the bot is set up for (${gitlabUrl}, GITLAB_URL), where ` +
      `${reference.projectPath} is ${webUrl}: set GITLAB_URL to the job's GitLab, or give a job of this one.`,
  );
}

export function registerDiagnoseCommand(program: Command): void {
  withCommonOptions(
    program
      .command('diagnose')
      .description('diagnose one job now: print the verdict and the comment the bot would post')
      .argument('<job>', 'the job URL, or the project path followed by the job id')
      .argument('[job-id]', 'the job id when the first argument is a project path')
      .option('--post', 'also record the incident and post (or update) the comment'),
  ).action(
    async (
      first: string,
      second: string | undefined,
      options: CommonOptions & { post?: boolean },
    ) => {
      const config = configOrExit(options);
      const reference = parseJobReference(first, second, config.gitlabUrl);
      const bot = createBot(config);
      try {
        const project = await bot.gitlab.getProject(reference.projectPath).catch((error) => {
          if (!(error instanceof GitlabNotFoundError) || !reference.projectUrl) throw error;
          throw new CliExit(
            2,
            `The bot sees no project ${reference.projectPath} on ${config.gitlabUrl} (GITLAB_URL): ` +
              "if the job is on another GitLab, set GITLAB_URL to it; otherwise check the bot's access.",
          );
        });
        checkProjectUrl(reference, project.webUrl, config.gitlabUrl);
        const job = await bot.gitlab.getJob(project.id, reference.jobId);
        const version = await bot.gitlab.version().then(
          (v) => v.version,
          () => undefined,
        );
        const deps = {
          gitlab: bot.gitlab,
          store: bot.store,
          library: bot.library,
          logger: bot.logger,
          now: () => new Date(),
          maxLogBytes: bot.config.maxLogBytes,
          secrets: bot.secrets,
        };
        const diagnosis = await diagnoseJob(deps, job, version);
        if (!diagnosis) {
          process.stdout.write(`Job ${job.id} (${job.name}): no known failure in its log.\n`);
          return;
        }
        process.stdout.write(
          `Job ${job.id} (${job.name}): ${diagnosis.patternId} → ${diagnosis.verdict} (${diagnosis.confidence})\n\n`,
        );
        if (options.post) {
          const outcome = await recordAndPublish(
            deps,
            job,
            diagnosis,
            await bot.gitlab.currentUser(),
          );
          process.stdout.write(
            outcome.note
              ? `Incident #${outcome.incidentId}; note ${outcome.note.action}: ${outcome.note.url}\n`
              : `Incident #${outcome.incidentId} recorded; this kind of failure gets no comment.\n`,
          );
          return;
        }
        const body = renderNote(
          [
            {
              incidentId: 0,
              diagnosis,
              jobs: [
                {
                  jobId: job.id,
                  jobName: job.name,
                  jobUrl: job.webUrl,
                  pipelineId: job.pipeline.id,
                  ...(job.pipeline.webUrl ? { pipelineUrl: job.pipeline.webUrl } : {}),
                },
              ],
            },
          ],
          { gitlabUrl: bot.gitlab.baseUrl, secrets: bot.secrets, now: new Date() },
        );
        process.stdout.write(`The comment it would post (use --post to post it):\n\n${body}\n`);
      } finally {
        bot.close();
      }
    },
  );
}
