import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import { LAST_CYCLE_KEY, type LastCycle } from '../worker/cycle.js';

export interface WebOptions {
  store: Store;
  logger: Logger;
  now: () => Date;
  /** A cycle older than this makes /readyz fail. */
  maxCycleAgeMs: number;
}

/**
 * The bot's HTTP side: liveness and readiness for orchestrators. Routes that
 * show data are added by the dashboard.
 */
export function createWebServer(options: WebOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'web' }) as FastifyBaseLogger,
    disableRequestLogging: true,
  }) as unknown as FastifyInstance;

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, { ok: boolean; detail: string }> = {};
    try {
      options.store.meta.setMeta('readyz-probe', options.now().toISOString());
      checks.database = { ok: true, detail: 'writable' };
    } catch (error) {
      checks.database = {
        ok: false,
        detail: `not writable: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    const raw = options.store.meta.getMeta(LAST_CYCLE_KEY);
    const last = raw ? (JSON.parse(raw) as LastCycle) : undefined;
    const age = last ? options.now().getTime() - Date.parse(last.at) : Infinity;
    checks.cycle = last
      ? { ok: age <= options.maxCycleAgeMs, detail: `last cycle ${Math.round(age / 1000)} s ago` }
      : { ok: false, detail: 'no cycle has finished yet' };
    checks.gitlab = last
      ? {
          ok: last.gitlabOk,
          detail: last.gitlabOk
            ? 'answered in the last cycle'
            : 'failed or refused in the last cycle',
        }
      : { ok: false, detail: 'not reached yet' };
    const ready = Object.values(checks).every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  return app;
}
