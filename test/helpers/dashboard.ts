import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../../src/log.js';
import type { Metrics } from '../../src/metrics/metrics.js';
import type { Store } from '../../src/store/index.js';
import { createWebServer } from '../../src/web/server.js';

/** The dashboard on a store, behind `adminToken`, on a loopback port: the server and its URL. */
export async function serveDashboard(
  store: Store,
  options: { adminToken: string; gitlabUrl: string; metrics?: Metrics },
): Promise<{ app: FastifyInstance; base: string }> {
  const app = createWebServer({
    store,
    logger: silentLogger(),
    now: () => new Date(),
    maxCycleAgeMs: 15 * 60_000,
    host: '127.0.0.1',
    ...options,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}
