import type { Command } from 'commander';
import { createBot } from '../main.js';
import { renderNote } from '../render/comment.js';
import { diagnoseJob } from '../pipeline/diagnose/diagnose-job.js';
import { recordAndPublish } from '../pipeline/process-job.js';
import { withCommonOptions } from './bot-commands.js';
import { configOrExit, type CommonOptions } from './config-or-exit.js';
import { CliExit } from './exit.js';

/**
 * `https://host/group/project/-/jobs/123` or `group/project 123`. A URL must be on the
 * configured GitLab (under its relative root too): a job on another instance is refused by
 * name rather than looked up under the same path here.
 */
export function parseJobReference(
  first: string,
  second: string | undefined,
  gitlabUrl: string,
): { projectPath: string; jobId: number } {
  if (/^https?:\/\//i.test(first)) {
    const base = gitlabUrl.replace(/\/+$/, '');
    if (!first.toLowerCase().startsWith(`${base.toLowerCase()}/`)) {
      throw new CliExit(
        2,
        `That job is not on the GitLab the bot is set up for (${base}, GITLAB_URL): ` +
          'set GITLAB_URL to its GitLab, or give a job of this one.',
      );
    }
    const url = /^(?<path>[^/?#]+(?:\/[^/?#]+)+?)\/-\/jobs\/(?<id>\d+)\/?(?:[?#].*)?$/.exec(
      first.slice(base.length + 1),
    );
    if (url?.groups) {
      return { projectPath: url.groups.path as string, jobId: Number(url.groups.id) };
    }
  }
  if (second && /^\d+$/.test(second) && /^[\w.-]+(?:\/[\w.-]+)+$/.test(first)) {
    return { projectPath: first, jobId: Number(second) };
  }
  throw new CliExit(
    2,
    'Name the job by its URL (https://gitlab.example.com/group/project/-/jobs/123) or as "group/project 123".',
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
        const project = await bot.gitlab.getProject(reference.projectPath);
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
