import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Metrics } from '../metrics/metrics.js';
import { summarizeTimings, type Store } from '../store/index.js';
import { lastDays } from './format.js';
import { installGate, type GateOptions } from './gate.js';
import { renderIncidentListPage, type IncidentListView } from './incident-list-page.js';
import { renderIncidentPage } from './incident-page.js';
import { SECURITY_HEADERS, renderMessagePage } from './layout.js';
import { parseListQuery } from './list-query.js';
import { renderReadinessPage } from './readiness-page.js';
import { renderRulesPage } from './rules-page.js';

export interface DashboardOptions {
  store: Store;
  now: () => Date;
  /** Serves /metrics when given. */
  metrics?: Metrics;
  /** Who gets in: the admin token, GitLab sign-in, sessions. */
  access: GateOptions;
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
  return async function dashboard(app: FastifyInstance): Promise<void> {
    installGate(app, options.access);

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
        feedback: options.store.feedback.listFeedbackForIncident(incident.id),
        now: options.now(),
        ...(options.gitlabUrl ? { gitlabUrl: options.gitlabUrl } : {}),
      });
      return sendHtml(reply, 200, page);
    });

    app.get('/readiness', async (_request, reply) => {
      const report = options.store.audit.latestAuditReport();
      const page = renderReadinessPage({
        ...(report ? { report } : {}),
        now: options.now(),
        ...(options.gitlabUrl ? { gitlabUrl: options.gitlabUrl } : {}),
      });
      return sendHtml(reply, 200, page);
    });

    app.get('/rules', async (_request, reply) => {
      const page = renderRulesPage({
        rules: options.store.feedback.ruleJudgements(),
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
