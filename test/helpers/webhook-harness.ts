import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { Bot } from '../../src/main.js';
import { installHooks } from '../../src/pipeline/discover/project-hooks.js';
import { createWebServer } from '../../src/web/server.js';
import { startHarness, type Harness } from './bot-harness.js';

export const WEBHOOK_SECRET = 'a-webhook-secret-of-32-characters!!';

export interface Served {
  url: string;
  web: FastifyInstance;
  /** Waits until GitLab's deliveries and the work they started are done. */
  settle(): Promise<void>;
}

/** The bot's webhook receiver on an HTTP server of its own, as `run` serves it. */
export async function serveWebhooks(h: Pick<Harness, 'sim'>, bot: Bot): Promise<Served> {
  if (!bot.webhooks) throw new Error('webhooks are off');
  const receiver = bot.webhooks;
  const web = createWebServer({
    store: bot.store,
    logger: bot.logger,
    now: () => new Date(),
    maxCycleAgeMs: 60_000,
    webhooks: { secret: WEBHOOK_SECRET, receive: receiver.receive },
  });
  await web.listen({ host: '127.0.0.1', port: 0 });
  const address = web.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const settle = async () => {
    await h.sim.hooksSettled();
    await receiver.idle();
    await bot.poller.idle();
  };
  return { url: `http://127.0.0.1:${port}/webhooks/gitlab`, web, settle };
}

/** The seed world, a bot with webhooks on its own HTTP server, and its hook on team/app. */
export async function startWithHooks(): Promise<{ h: Harness; bot: Bot } & Served> {
  const h = await startHarness({ botRole: 40 });
  // Hooks need Maintainer in the project they are on; retries need Developer.
  h.world.addMember(h.ids.projects.app, h.ids.users.bot, 40);
  h.world.addMember(h.ids.projects.app, h.ids.users.bob, 10);
  // The bot listens on loopback: an admin allowed the local network.
  h.world.allowLocalNetworkHooks = true;
  const bot = h.startBot({ webhookSecret: WEBHOOK_SECRET });
  const served = await serveWebhooks(h, bot);
  const app = await bot.gitlab.getProject(h.ids.projects.app);
  const outcomes = await installHooks(bot.gitlab, [app], {
    url: served.url,
    token: WEBHOOK_SECRET,
  });
  expect(outcomes.map((o) => o.status)).toEqual(['created']);
  return { h, bot, ...served };
}
