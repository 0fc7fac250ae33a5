import type { FastifyInstance } from 'fastify';
import { describeConfig, retentionCutoffs } from '../config/index.js';
import { acceptAuditIssues, scheduleAudit } from '../audit/refresh.js';
import { createBot, type Bot } from '../main.js';
import { createMetrics } from '../metrics/metrics.js';
import { createCycleHealth, healthBounds } from '../pipeline/health.js';
import { schedule, schedulePeriodMs, scheduleRetention } from '../pipeline/scheduler.js';
import { isLoopbackHost } from '../config/loopback.js';
import { exposedDashboardError } from '../web/access.js';
import { dashboardAccess } from '../web/access-config.js';
import { createWebServer } from '../web/server.js';
import { configOrExit, type CommonOptions } from './config-or-exit.js';
import { checkGitlab, listenFailure } from './preflight.js';

/** Docker waits 10 s after SIGTERM before SIGKILL; the bot is out well before. */
const STOP_DEADLINE_MS = 4_000;

/** `run`: the web server, then the first cycle, then the schedule, until SIGTERM or SIGINT. */
export async function runBot(options: CommonOptions): Promise<void> {
  const config = configOrExit(options);
  const bot = createBot(config, {
    metrics: createMetrics({ requestTimeoutMs: config.requestTimeoutMs }),
  });
  try {
    await serve(bot);
  } finally {
    bot.close();
  }
}

async function serve(bot: Bot): Promise<void> {
  const { logger } = bot;
  logger.info({ config: describeConfig(bot.config) }, 'starting');
  // Signals are handled from the start: `docker stop` while GitLab is slow to
  // answer the first request must still end it and close the database cleanly.
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  }).then((signal) => {
    stopping = true;
    logger.info({ signal }, 'stopping');
    // Requests in flight end now; a cycle waiting on a slow GitLab ends with them.
    bot.abort();
    const deadline = setTimeout(() => {
      logger.error({ afterMs: STOP_DEADLINE_MS }, 'could not stop in time; exiting');
      process.exit(1);
    }, STOP_DEADLINE_MS);
    deadline.unref();
  });

  await checkGitlab(bot.gitlab, logger);
  if (stopping) return;
  const periodMs = schedulePeriodMs(bot.config.schedule);
  const cycles = createCycleHealth({
    // Each cycle also looks at the audit's open issues: a 👍 there is acted on within one cycle.
    runCycle: async () => {
      const report = await bot.poller.runCycle();
      await acceptAuditIssues(bot);
      return report;
    },
    logger,
    now: Date.now,
    describe: bot.describeFailure,
    recover: bot.recover,
  });
  const web = startWeb(bot, { state: cycles.state, bounds: healthBounds(periodMs) });
  const { host, port } = bot.config.http;
  try {
    await web.listen({ host, port });
  } catch (error) {
    throw listenFailure(error, host, port) ?? error;
  }
  logger.info({ address: `http://${host}:${port}` }, 'listening');
  if (bot.webhooks) {
    logger.info(
      { path: '/webhooks/gitlab', schedule: bot.config.schedule },
      'webhooks on; the poll runs on the schedule as the safety net',
    );
  }

  // The first cycle is a cycle like the others: whatever it does, the schedule starts.
  await Promise.race([cycles.run(), stopped]);
  if (!stopping) {
    stops.push(schedule(bot.config.schedule, cycles.run));
    stops.push(
      scheduleRetention(() => {
        const cut = retentionCutoffs(bot.config, new Date());
        return bot.store.retention.pruneIncidents(cut.before, {
          ...(cut.auditBefore ? { auditBefore: cut.auditBefore } : {}),
        });
      }, logger),
    );
    stops.push(scheduleAudit(bot));
  }
  await stopped;
  for (const stop of stops) await stop();
  await web.close();
  // A cycle may still be finishing; it cannot overlap the next one.
  await bot.webhooks?.idle();
  await bot.poller.idle();
  logger.info('stopped');
}

function startWeb(
  bot: Bot,
  cycles: NonNullable<Parameters<typeof createWebServer>[0]['cycles']>,
): FastifyInstance {
  // Bound beyond loopback without a token, the bot still serves /healthz
  // and /readyz (the container's health check needs them) but keeps the
  // dashboard and /metrics closed, and says which setting opens them.
  const access = dashboardAccess(bot.config, bot.gitlab);
  const exposed = !isLoopbackHost(bot.config.http.host) && !bot.config.adminToken && !access.signIn;
  if (exposed) {
    bot.logger.warn(
      { setting: 'DIAGNOSER_ADMIN_TOKEN' },
      exposedDashboardError(bot.config.http.host).message.replace('would be', 'are not'),
    );
  }
  return createWebServer({
    store: bot.store,
    logger: bot.logger,
    now: () => new Date(),
    maxCycleAgeMs: cycles.bounds.maxCycleAgeMs,
    cycles,
    host: bot.config.http.host,
    metrics: bot.metrics,
    gitlabUrl: bot.config.gitlabUrl,
    dashboard: !exposed,
    ...(bot.webhooks && bot.config.webhookSecret
      ? { webhooks: { secret: bot.config.webhookSecret, receive: bot.webhooks.receive } }
      : {}),
    ...(bot.config.adminToken ? { adminToken: bot.config.adminToken } : {}),
    ...access,
  });
}
