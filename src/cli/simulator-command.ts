import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import {
  loadWorldFile,
  runSeedPipeline,
  seedStoryWorld,
  startSimulator,
  type World,
} from '../simulator/index.js';
import { CliExit } from './exit.js';

interface SimulatorCommandOptions {
  world?: string;
  host: string;
  port: string;
}

/** The seed story's world, set up as the demo has it: the bot may fix and retry. */
function demoWorld(): { world: World; tokens: Map<string, string>; run: () => string } {
  const { world, ids } = seedStoryWorld();
  world.addMember(ids.projects.poetry, ids.users.bot, 40);
  world.addMember(ids.projects.app, ids.users.bot, 40);
  world.addMember(ids.projects.app, ids.users.bob, 10);
  world.allowLocalNetworkHooks = true;
  const tokens = new Map(Object.entries(ids.tokens));
  return {
    world,
    tokens,
    run: () => {
      const pipeline = runSeedPipeline(world, ids);
      return `pipeline ${pipeline.id} on team/app!${ids.mergeRequest.iid} ran as alice: ${pipeline.status}`;
    },
  };
}

export function registerSimulatorCommand(program: Command): void {
  program
    .command('simulator')
    .description(
      'run the built-in GitLab simulator until stopped (the demo world, or --world FILE), to point run, the dashboard and hooks install at',
    )
    .option(
      '--world <file>',
      'a YAML world file (users, groups, projects, members, images, pipelines)',
    )
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', '8929')
    .action(async (options: SimulatorCommandOptions) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new CliExit(
          2,
          `--port ${options.port} is not a port: write a number from 0 to 65535`,
        );
      }
      let setup: { world: World; tokens: Map<string, string>; run: () => string };
      if (options.world) {
        try {
          const loaded = loadWorldFile(options.world);
          setup = {
            world: loaded.world,
            tokens: loaded.tokens,
            run: () =>
              loaded
                .runPipelines()
                .map((p) => `pipeline ${p.id} in project ${p.projectId}: ${p.status}`)
                .join('\n') || 'the world file has no pipelines',
          };
        } catch (error) {
          throw new CliExit(2, (error as Error).message);
        }
      } else {
        setup = demoWorld();
      }
      const sim = await startSimulator({ world: setup.world, host: options.host, port });
      const say = (text: string) => process.stdout.write(`${text}\n`);
      const bot = [...setup.tokens].find(([name]) => name === 'bot' || name.includes('bot'));
      say(`GitLab simulator on ${sim.url} (GitLab ${setup.world.version}).`);
      say('Users and their tokens:');
      for (const [name, token] of setup.tokens) say(`  ${name.padEnd(12)} ${token}`);
      say('');
      say('Point the bot at it (in another terminal):');
      say(`  export GITLAB_URL=${sim.url}`);
      say(`  export GITLAB_TOKEN=${bot?.[1] ?? '<a user token from above>'}`);
      if (!options.world) say('  export DIAGNOSER_WATCH_PROJECTS=team/app');
      say('  export DIAGNOSER_WEBHOOK_SECRET=$(openssl rand -hex 32)');
      say('  export DIAGNOSER_WEBHOOK_URL=http://127.0.0.1:8080/webhooks/gitlab');
      say('  pipeline-diagnoser hooks install && pipeline-diagnoser run');
      say('');
      say('Press Enter to run the pipeline(s) that fail; Ctrl-C stops the simulator.');
      const input = createInterface({ input: process.stdin });
      input.on('line', () => say(setup.run()));
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      input.close();
      await sim.close();
    });
}
