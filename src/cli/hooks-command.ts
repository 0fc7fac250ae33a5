import type { Command } from 'commander';
import type { GitlabPort, ProjectRef } from '../gitlab/port.js';
import { createBot } from '../main.js';
import { createWatchList } from '../pipeline/discover/watch-list.js';
import {
  hookStatus,
  installHooks,
  isLocalNetworkUrl,
  removeHooks,
  type HookOutcome,
} from '../pipeline/discover/project-hooks.js';
import { withCommonOptions } from './bot-commands.js';
import { configOrExit, type CommonOptions } from './config-or-exit.js';
import { CliExit } from './exit.js';

const LOCAL_NETWORK_HINT =
  'GitLab calls no private or loopback address until an administrator allows it: Admin area > Settings > Network > Outbound requests > "Allow requests to the local network from webhooks and integrations" (or add the bot\'s host to the allowlist there).';

const WORDS: Record<HookOutcome['status'], string> = {
  created: 'hook created',
  updated: 'hook found by its URL; events and secret set again',
  installed: 'hook installed',
  incomplete: 'hook installed but incomplete',
  removed: 'hook removed',
  absent: 'no hook',
  'not-maintainer': 'skipped: the bot is not Maintainer',
  refused: 'GitLab refused the hook',
  failed: 'failed',
};

function print(outcomes: HookOutcome[], url: string): boolean {
  for (const o of outcomes) {
    process.stdout.write(`  ${o.project}: ${WORDS[o.status]}${o.detail ? ` (${o.detail})` : ''}\n`);
  }
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
  process.stdout.write(
    `${outcomes.length} project(s): ${[...counts].map(([s, n]) => `${n} ${WORDS[s as HookOutcome['status']]}`).join(', ') || 'none watched'}\n`,
  );
  const needsAdmin = outcomes.filter((o) => o.status === 'not-maintainer');
  if (needsAdmin.length > 0) {
    process.stdout.write(
      `\nTo do elsewhere: give the bot's user Maintainer on ${needsAdmin.map((o) => o.project).join(', ')}; GitLab lets only Maintainers manage hooks (polling still covers these projects).\n`,
    );
  }
  if (outcomes.some((o) => o.status === 'refused') && isLocalNetworkUrl(url)) {
    process.stdout.write(`\nTo do elsewhere: ${url} is a local address. ${LOCAL_NETWORK_HINT}\n`);
  }
  return outcomes.every(
    (o) => !['refused', 'failed', 'not-maintainer', 'incomplete'].includes(o.status),
  );
}

async function withWatched(
  options: CommonOptions,
  needsSecret: boolean,
  act: (
    gitlab: GitlabPort,
    projects: ProjectRef[],
    url: string,
    secret: string,
  ) => Promise<HookOutcome[]>,
): Promise<void> {
  const config = configOrExit(options);
  const url = config.webhookUrl;
  if (!url) {
    throw new CliExit(
      2,
      'DIAGNOSER_WEBHOOK_URL is not set: set it to the address GitLab reaches the bot at, ending in /webhooks/gitlab',
    );
  }
  if (needsSecret && !config.webhookSecret) {
    throw new CliExit(
      2,
      'DIAGNOSER_WEBHOOK_SECRET is not set: set it to a long random value (e.g. the output of `openssl rand -hex 32`); GitLab sends it with every delivery',
    );
  }
  const bot = createBot(config);
  try {
    const problems: { where: string; message: string }[] = [];
    const projects = await createWatchList(bot.gitlab, config.watch, 0, () => new Date())(problems);
    for (const p of problems) process.stderr.write(`problem: ${p.where}: ${p.message}\n`);
    const ok = print(await act(bot.gitlab, projects, url, config.webhookSecret ?? ''), url);
    if (!ok || problems.length > 0) throw new CliExit(1);
  } finally {
    bot.close();
  }
}

export function registerHooksCommand(program: Command): void {
  const hooks = program
    .command('hooks')
    .description('manage the project webhooks that tell the bot about failures within seconds');

  withCommonOptions(
    hooks
      .command('install')
      .description(
        "add the bot's hook (job, pipeline, comment and emoji events, with the secret) to every watched project where the bot is Maintainer; finds an existing one by URL, so it can run again",
      ),
  ).action((options: CommonOptions) =>
    withWatched(options, true, (gitlab, projects, url, token) =>
      installHooks(gitlab, projects, { url, token }),
    ),
  );

  withCommonOptions(
    hooks.command('status').description("show which watched projects have the bot's hook"),
  ).action((options: CommonOptions) =>
    withWatched(options, false, (gitlab, projects, url) => hookStatus(gitlab, projects, url)),
  );

  withCommonOptions(
    hooks
      .command('remove')
      .description("delete the bot's hook (found by URL) from every watched project"),
  ).action((options: CommonOptions) =>
    withWatched(options, false, (gitlab, projects, url) => removeHooks(gitlab, projects, url)),
  );
}
