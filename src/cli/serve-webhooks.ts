import type { FastifyInstance } from 'fastify';
import type { Bot } from '../main.js';
import { createWebServer } from '../web/server.js';
import { WEBHOOK_PATH } from '../web/webhooks.js';

/** The bot's webhook endpoint alone, on loopback (the demo and the benchmark). */
export async function serveWebhooks(bot: Bot): Promise<{ url: string; web: FastifyInstance }> {
  const secret = bot.config.webhookSecret;
  if (!bot.webhooks || !secret) throw new Error('webhooks are off: no webhook secret is set');
  const web = createWebServer({
    store: bot.store,
    logger: bot.logger,
    now: () => new Date(),
    maxCycleAgeMs: 15 * 60_000,
    webhooks: { secret, receive: bot.webhooks.receive },
  });
  await web.listen({ host: '127.0.0.1', port: 0 });
  const address = web.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`, web };
}
