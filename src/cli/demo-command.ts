import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type RunConfig } from '../config/index.js';
import { createLogger } from '../log.js';
import { createBot } from '../main.js';
import { runSeedPipeline, seedStoryWorld, startSimulator } from '../simulator/index.js';
import { formatReport } from './bot-commands.js';
import { CliExit } from './exit.js';

/**
 * The seed story end to end against the built-in GitLab simulator: a new
 * project's merge request pipeline cannot pull an image of another project,
 * and the bot explains why on the merge request.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run the bot once against the built-in GitLab simulator (the seed story), print its comment and exit',
    )
    .option('--db <file>', 'keep the incident log in this SQLite file (default: a temporary one)')
    .option('--verbose', 'show the bot’s log')
    .action(async (options: { db?: string; verbose?: boolean }) => {
      const { world, ids } = seedStoryWorld();
      // The bot may read and change the allowlist of the image project only as its
      // Maintainer, and retry jobs only as a Developer of the project that runs them.
      world.addMember(ids.projects.poetry, ids.users.bot, 40);
      world.addMember(ids.projects.app, ids.users.bot, 30);
      // GitLab lets bob add team/app to his project's allowlist only if he can see it.
      world.addMember(ids.projects.app, ids.users.bob, 10);
      const sim = await startSimulator({ world });
      const folder = options.db ? undefined : mkdtempSync(join(tmpdir(), 'diagnoser-demo-'));
      try {
        const pipeline = runSeedPipeline(world, ids);
        const say = (text: string) => process.stdout.write(`${text}\n`);
        say(
          `GitLab simulator on ${sim.url} (version ${world.version}), registry ${world.registryHost}.`,
        );
        say(
          `Merge request team/app!${ids.mergeRequest.iid}: pipeline ${pipeline.id} ran as alice and ${pipeline.status}.`,
        );
        say('');

        const config = demoConfig(
          sim.url,
          ids.tokens.bot,
          options.db ?? join(folder as string, 'diagnoser.db'),
        );
        const logger = createLogger({
          level: options.verbose ? 'info' : 'warn',
          secrets: [ids.tokens.bot],
        });
        const bot = createBot(config, { logger });
        try {
          const report = await bot.poller.runCycle();
          say('One poll cycle:');
          say(formatReport(report).trimEnd());
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
          const next = await bot.poller.runCycle();
          const oneClick = next.oneClick;
          say(
            `Next cycle: ${oneClick?.approvalsSeen ?? 0} approval(s) read, ${oneClick?.applied ?? 0} fix(es) applied, ${oneClick?.retried ?? 0} job(s) retried.`,
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
        } finally {
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
    },
  });
  if (!result.config) throw new CliExit(1, result.errors.map((e) => e.message).join('\n'));
  return result.config;
}
