import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Metrics } from '../metrics/metrics.js';
import { summarizeTimings, type Store } from '../store/index.js';
import { createAccessGuard, isLoopbackAddress } from './access.js';
import { lastDays } from './format.js';
import { renderIncidentListPage, type IncidentListView } from './incident-list-page.js';
import { renderIncidentPage } from './incident-page.js';
import { SECURITY_HEADERS, renderMessagePage } from './layout.js';
import { parseListQuery } from './list-query.js';

export interface DashboardOptions {
  store: Store;
  now: () => Date;
  /** Serves /metrics when given. */
  metrics?: Metrics;
  /** When set, every dashboard route requires it; when not, only loopback connections get in. */
  adminToken?: string;
  gitlabUrl?: string;
}

/** Days the charts cover. */
export const CHART_DAYS = 30;
const TOP_PROJECTS = 8;
const HTML = 'text/html; charset=utf-8';

function sendHtml(reply: FastifyReply, status: number, page: string) {
  return reply.code(status).type(HTML).send(page);
}

/** The list page's data, read from the store. */
export function incidentListView(
  store: Store,
  rawQuery: unknown,
  now: Date,
  gitlabUrl?: string,
): IncidentListView {
  const { query, search, problems } = parseListQuery(rawQuery, now);
  const days = lastDays(now, CHART_DAYS);
  const since = `${days[0] ?? now.toISOString().slice(0, 10)}T00:00:00.000Z`;
  return {
    query,
    problems,
    page: store.incidents.searchIncidents(search),
    filterValues: store.stats.filterValues(),
    charts: {
      days,
      daily: store.stats.dailyCounts(since),
      projects: store.stats.topProjects(since, TOP_PROJECTS),
      timings: summarizeTimings(store.stats.timings(since)),
    },
    now,
    ...(gitlabUrl ? { gitlabUrl } : {}),
  };
}

/**
 * The admin's view: the incident list with charts, one page per incident, and /metrics.
 * Registered as an encapsulated plugin, so its access check, headers and error pages
 * cover these routes only; /healthz and /readyz stay open for orchestrators.
 */
export function dashboardRoutes(options: DashboardOptions) {
  const guard =
    options.adminToken === undefined ? undefined : createAccessGuard(options.adminToken);

  return async function dashboard(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', async (request, reply) => {
      if (guard === undefined) {
        // Without a token the server must be on loopback (createWebServer checks the bind
        // address); this catches a server listening somewhere else than it was told.
        if (!isLoopbackAddress(request.raw.socket?.localAddress)) {
          return sendHtml(
            reply,
            403,
            renderMessagePage(
              'Not available on this address',
              'Without DIAGNOSER_ADMIN_TOKEN the dashboard answers only on 127.0.0.1.',
            ),
          );
        }
        return;
      }
      const decision = guard.decide({
        url: request.url,
        authorization: request.headers.authorization,
        cookie: request.headers.cookie,
        https: request.protocol === 'https',
      });
      if (decision.kind === 'allow') return;
      if (decision.kind === 'redirect') {
        return reply.header('set-cookie', decision.setCookie).redirect(decision.location, 303);
      }
      reply.header('www-authenticate', 'Bearer realm="pipeline-diagnoser"');
      return sendHtml(
        reply,
        401,
        renderMessagePage(
          decision.reason === 'missing' ? 'Admin token needed' : 'Wrong admin token',
          'This dashboard needs the admin token set in DIAGNOSER_ADMIN_TOKEN. Send it as an "Authorization: Bearer" header, or open any page once with ?token= followed by the token; a cookie then keeps you signed in.',
        ),
      );
    });

    app.addHook('onSend', async (_request, reply, payload) => {
      reply.headers(SECURITY_HEADERS);
      return payload;
    });

    app.setNotFoundHandler((_request, reply) =>
      sendHtml(reply, 404, renderMessagePage('Not found', 'There is no such page.')),
    );

    app.setErrorHandler((error, request, reply) => {
      request.log.error({ err: error, url: request.routeOptions.url }, 'dashboard page failed');
      const status =
        typeof (error as { statusCode?: unknown }).statusCode === 'number' &&
        (error as { statusCode: number }).statusCode < 500
          ? (error as { statusCode: number }).statusCode
          : 500;
      return sendHtml(
        reply,
        status,
        renderMessagePage(
          status === 500 ? 'Something went wrong' : 'Bad request',
          status === 500
            ? 'The page could not be drawn from the incident log; the bot’s log says why.'
            : 'The request could not be read.',
        ),
      );
    });

    app.get('/', async (request, reply) => {
      const view = incidentListView(options.store, request.query, options.now(), options.gitlabUrl);
      return sendHtml(reply, 200, renderIncidentListPage(view));
    });

    app.get<{ Params: { id: string } }>('/incidents/:id', async (request, reply) => {
      const id = /^\d{1,12}$/.test(request.params.id) ? Number(request.params.id) : undefined;
      const incident = id === undefined ? undefined : options.store.incidents.getIncident(id);
      if (!incident) {
        return sendHtml(reply, 404, renderMessagePage('Not found', 'There is no such incident.'));
      }
      const page = renderIncidentPage({
        incident,
        occurrences: options.store.occurrences.listOccurrences(incident.id),
        notes: options.store.notes.listNotesForIncident(incident.id),
        actions: options.store.actions.listActions(incident.id),
        now: options.now(),
        ...(options.gitlabUrl ? { gitlabUrl: options.gitlabUrl } : {}),
      });
      return sendHtml(reply, 200, page);
    });

    // Browsers ask for it on every page; an empty answer keeps the log free of 404s.
    app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());

    const { metrics } = options;
    if (metrics) {
      app.get('/metrics', async (_request, reply) =>
        reply.type(metrics.contentType).send(await metrics.render(options.store)),
      );
    }
  };
}
