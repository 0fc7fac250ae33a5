import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { refreshAudit } from '../audit/refresh.js';
import { loadConfig, type RunConfig } from '../config/index.js';
import { createLogger } from '../log.js';
import { createBot } from '../main.js';
import { installHooks } from '../pipeline/discover/project-hooks.js';
import { runSeedPipeline, seedStoryWorld, startSimulator } from '../simulator/index.js';
import { formatAuditReport } from './audit-report.js';
import { CliExit } from './exit.js';
import { serveWebhooks } from './serve-webhooks.js';

/**
 * The seed story end to end against the built-in GitLab simulator: a new
 * project's merge request pipeline cannot pull an image of another project,
 * and the bot explains why on the merge request.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'the seed story against the built-in GitLab simulator, with webhooks: print the comment, the fix and how long each took, and exit',
    )
    .option('--db <file>', 'keep the incident log in this SQLite file (default: a temporary one)')
    .option('--verbose', 'show the bot’s log')
    .action(async (options: { db?: string; verbose?: boolean }) => {
      const { world, ids } = seedStoryWorld();
      // The bot may read and change the allowlist of the image project only as its
      // Maintainer; in team/app it retries jobs and adds its webhook, as Maintainer too.
      world.addMember(ids.projects.poetry, ids.users.bot, 40);
      world.addMember(ids.projects.app, ids.users.bot, 40);
      // The bot listens on 127.0.0.1: the admin allowed webhooks to the local network.
      world.allowLocalNetworkHooks = true;
      // GitLab lets bob add team/app to his project's allowlist only if he can see it.
      world.addMember(ids.projects.app, ids.users.bob, 10);
      // team/app's CI file, as the audit at the end reads it: the job of the story, a lint job
      // on an image of containers/base-images, whose repository it also clones as a submodule.
      world.setFile(ids.projects.app, '.gitlab-ci.yml', demoCiFile(ids.image, world.registryHost));
      world.setFile(
        ids.projects.app,
        '.gitmodules',
        '[submodule "base"]\n\tpath = base\n\turl = ../../containers/base-images.git\n',
      );
      // To read an allowlist, the bot must be a Maintainer of its project.
      world.addMember(ids.projects.baseImages, ids.users.bot, 40);
      const sim = await startSimulator({ world });
      const folder = options.db ? undefined : mkdtempSync(join(tmpdir(), 'diagnoser-demo-'));
      try {
        const say = (text: string) => process.stdout.write(`${text}\n`);
        say(
          `GitLab simulator on ${sim.url} (version ${world.version}), registry ${world.registryHost}.`,
        );
        const config = demoConfig(
          sim.url,
          ids.tokens.bot,
          options.db ?? join(folder as string, 'diagnoser.db'),
        );
        const logger = createLogger({
          level: options.verbose ? 'info' : 'warn',
          secrets: [ids.tokens.bot, config.webhookSecret ?? ''],
        });
        const bot = createBot(config, { logger });
        const { url, web } = await serveWebhooks(bot);
        /** Waits for GitLab's deliveries and the work they started. */
        const settle = async () => {
          await sim.hooksSettled();
          await bot.webhooks?.idle();
          await bot.poller.idle();
        };
        try {
          const app = await bot.gitlab.getProject(ids.projects.app);
          const [hook] = await installHooks(bot.gitlab, [app], {
            url,
            token: config.webhookSecret ?? '',
          });
          say(`hooks install: team/app ${hook?.status ?? 'no hook'}; GitLab calls ${url}.`);
          say('');

          const failedAt = performance.now();
          const pipeline = runSeedPipeline(world, ids);
          say(
            `Merge request team/app!${ids.mergeRequest.iid}: pipeline ${pipeline.id} ran as alice and ${pipeline.status}.`,
          );
          await settle();
          const notedMs = performance.now() - failedAt;
          const events = [...new Set(sim.hookDeliveries.map((d) => d.event))].join(' and ');
          say(
            `GitLab sent ${events}; the bot commented within ${notedMs.toFixed(0)} ms of the job's failure, with no poll.`,
          );
          const notes = world.notesOn(ids.projects.app, ids.mergeRequest.iid);
          const note = notes.find((n) => n.authorId === ids.users.bot);
          if (!note) throw new CliExit(1, 'The bot did not comment on the merge request.');
          say('');
          say(`The comment on team/app!${ids.mergeRequest.iid}:`);
          say('-'.repeat(72));
          say(note.body);
          say('-'.repeat(72));
          say('');
          say('The incident log (SQLite):');
          for (const incident of bot.store.incidents.listIncidents()) {
            say(`  #${incident.id}  ${incident.rootCauseKey}`);
            say(
              `      pattern ${incident.patternId}, verdict ${incident.verdict}, status ${incident.status}`,
            );
            say(
              `      ${incident.projectPath} → ${incident.targetProjectPath ?? '-'}, ${incident.occurrences} failed job(s)`,
            );
            say(`      checks: ${incident.checks.map((c) => `${c.check}=${c.result}`).join(', ')}`);
          }

          // The story goes on: bob, a Maintainer of containers/poetry, accepts with a 👍.
          world.awardEmoji(
            ids.projects.app,
            ids.mergeRequest.iid,
            note.id,
            ids.users.bob,
            'thumbsup',
          );
          say('');
          say('bob (Maintainer of containers/poetry) reacts with :thumbsup: to the comment.');
          const approvedAt = performance.now();
          await settle();
          const allowed = world
            .project(ids.projects.poetry)
            ?.jobTokenAllowlist.projectIds.includes(ids.projects.app);
          say(
            `GitLab sent an Emoji Hook; ${allowed ? `within ${(performance.now() - approvedAt).toFixed(0)} ms of the 👍 the bot added team/app to the allowlist of containers/poetry, retried the job and edited its comment` : 'the allowlist is unchanged'}.`,
          );
          for (const job of world.jobsOf(pipeline.id)) {
            say(`  job ${job.id} (${job.name}) retried by the bot: ${job.status}`);
          }
          const updated = world
            .notesOn(ids.projects.app, ids.mergeRequest.iid)
            .find((n) => n.id === note.id);
          const fixed = updated?.body.split('\n').find((line) => line.startsWith('**Fixed.**'));
          say(`The comment now says: ${fixed ?? '(unchanged)'}`);
          const [incident] = bot.store.incidents.listIncidents();
          if (incident) {
            say('');
            say(`Audit trail of incident #${incident.id} (status ${incident.status}):`);
            for (const action of bot.store.actions.listActions(incident.id)) {
              say(
                `  ${action.createdAt}  ${action.kind.padEnd(12)} ${action.status.padEnd(8)} ${action.actor ?? 'bot'}`,
              );
            }
          }
          // The story ends where it could have begun: the audit shows, before any job fails,
          // what the demo world's jobs reach in other projects and what enforcement would break.
          say('');
          say('pipeline-diagnoser audit (the demo world, after the fix):');
          const report = await refreshAudit(bot);
          say(
            formatAuditReport(report, { all: true })
              .trimEnd()
              .replace(/^(?=.)/gm, '  '),
          );
        } finally {
          await web.close();
          bot.close();
        }
      } finally {
        await sim.close();
        if (folder) rmSync(folder, { recursive: true, force: true });
      }
    });
}

function demoConfig(url: string, token: string, databasePath: string): RunConfig {
  const result = loadConfig({
    env: {},
    overrides: {
      gitlabUrl: url,
      gitlabToken: token,
      databasePath,
      watch: { projects: ['team/app'], groups: [] },
      webhookSecret: randomBytes(24).toString('hex'),
    },
  });
  if (!result.config) throw new CliExit(1, result.errors.map((e) => e.message).join('\n'));
  return result.config;
}

function demoCiFile(image: string, registryHost: string): string {
  return [
    'build-app:',
    '  stage: build',
    `  image: ${image}`,
    '  script: [poetry build, poetry install]',
    'lint:',
    '  stage: build',
    `  image: ${registryHost}/containers/base-images/alpine:3.20`,
    '  variables:',
    '    GIT_SUBMODULE_STRATEGY: normal',
    '  script: [make lint]',
    '',
  ].join('\n');
}
