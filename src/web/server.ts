import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/index.js';
import { isLoopbackHost } from '../config/loopback.js';
import { exposedDashboardError } from './access.js';
import { dashboardRoutes } from './dashboard.js';
import type { GitlabSignInOptions } from './gitlab-sign-in.js';
import type { SessionPolicy } from './session-cookie.js';
import { healthRoutes, type HealthOptions } from './health.js';
import { webhookRoutes, type WebhookOptions } from './webhooks.js';

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  idleMs: 12 * 3_600_000,
  ttlMs: 7 * 86_400_000,
};

export interface WebOptions {
  store: Store;
  logger: Logger;
  now: () => Date;
  /** A cycle older than this makes /readyz fail (without `cycles`). */
  maxCycleAgeMs: number;
  /** The process's own record of its cycles and the bounds from the schedule (`run`). */
  cycles?: HealthOptions['cycles'];
  /**
   * The address the server will listen on (http.host). Giving it turns on the dashboard
   * (`/`, `/incidents/:id`) and `/metrics`; without it only /healthz and /readyz are served.
   */
  host?: string;
  /**
   * Opens every dashboard route as a Bearer header, or once as `?token=` to start a session.
   * Without it or `signIn`, the dashboard is served only when `host` is a loopback address,
   * and only to a local link's session (see local-access.ts).
   */
  adminToken?: string;
  /** "Sign in with GitLab" for the dashboard. */
  signIn?: GitlabSignInOptions;
  /** How long dashboard sessions last; 12 hours idle, 7 days at most by default. */
  sessionPolicy?: SessionPolicy;
  /** Session cookies always get Secure (the dashboard's public address is https). */
  secureCookies?: boolean;
  /** Counters behind /metrics; no /metrics without it. */
  metrics?: Metrics;
  /** The GitLab instance, for links to projects the stored diagnosis has no address for. */
  gitlabUrl?: string;
  /** False serves only /healthz and /readyz even when `host` is given; default true. */
  dashboard?: boolean;
  /** Serves POST /webhooks/gitlab (whatever `dashboard` says) when given. */
  webhooks?: WebhookOptions;
}

/**
 * The bot's HTTP side: liveness and readiness for orchestrators, and, when `host` is
 * given, the admin dashboard and /metrics.
 *
 * @throws DashboardExposedError when the dashboard would be bound beyond loopback without
 *   an admin token or GitLab sign-in: the caller should stop, or pass `dashboard: false` to
 *   serve health only.
 */
export function createWebServer(options: WebOptions): FastifyInstance {
  const dashboard = options.host !== undefined && options.dashboard !== false;
  // Refuse before anything is built, so nothing is ever served unprotected.
  const open = options.adminToken === undefined && options.signIn === undefined;
  if (dashboard && open && !isLoopbackHost(options.host ?? '')) {
    throw exposedDashboardError(options.host ?? '');
  }
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'web' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;

  healthRoutes(app, {
    store: options.store,
    now: options.now,
    maxCycleAgeMs: options.maxCycleAgeMs,
    ...(options.cycles ? { cycles: options.cycles } : {}),
  });

  if (options.webhooks) void app.register(webhookRoutes(options.webhooks));

  if (dashboard) {
    void app.register(
      dashboardRoutes({
        store: options.store,
        now: options.now,
        ...(options.metrics ? { metrics: options.metrics } : {}),
        access: {
          sessions: options.store.sessions,
          now: options.now,
          logger: options.logger,
          policy: options.sessionPolicy ?? DEFAULT_SESSION_POLICY,
          ...(options.adminToken !== undefined ? { adminToken: options.adminToken } : {}),
          ...(options.signIn ? { signIn: options.signIn } : {}),
          ...(options.secureCookies ? { secureCookies: true } : {}),
        },
        ...(options.gitlabUrl ? { gitlabUrl: options.gitlabUrl } : {}),
      }),
    );
  }

  return app;
}
