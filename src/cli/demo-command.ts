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
      // The bot may read the allowlist of the image project only as its Maintainer.
      world.addMember(ids.projects.poetry, ids.users.bot, 40);
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
          say('The incident log:');
          for (const incident of bot.store.incidents.listIncidents()) {
            const { diagnosis: _diagnosis, ...row } = incident;
            say(JSON.stringify(row, null, 2));
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
