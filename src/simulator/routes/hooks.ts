/** Project webhooks (`/projects/:id/hooks`): list, read, add, edit, delete. Maintainer or more. */
import { isIP } from 'node:net';
import type { Body, RequestContext } from '../http.js';
import { ApiError, bodyString, notFound, ok, queryBool } from '../http.js';
import { paginate } from '../pagination.js';
import type { Route } from '../router.js';
import { route } from '../router.js';
import { ACCESS, projectAccessLevel } from '../rules.js';
import { HOOK_EVENTS, type HookEvent, type Project, type ProjectHook } from '../types.js';
import { authorize, findProject } from './common.js';

function hookEntity(hook: ProjectHook) {
  return {
    id: hook.id,
    url: hook.url,
    name: hook.name,
    description: null,
    project_id: hook.projectId,
    ...hook.events,
    enable_ssl_verification: hook.enableSslVerification,
    push_events_branch_filter: null,
    branch_filter_strategy: 'wildcard',
    alert_status: 'executable',
    disabled_until: null,
    url_variables: [],
    custom_webhook_template: null,
    custom_headers: [],
    created_at: hook.createdAt.toISOString(),
  };
}

/** What GitLab's URL blocker says about a local address, or undefined when it may be called. */
function localAddressProblem(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1') {
    return 'Requests to localhost are not allowed';
  }
  if (isIP(host) === 4) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    if (a === 127 || a === 0) return 'Requests to localhost are not allowed';
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) {
      return 'Requests to the local network are not allowed';
    }
    if (a === 169 && b === 254) return 'Requests to the link local network are not allowed';
  }
  if (isIP(host) === 6 && /^f[cd]/.test(host)) {
    return 'Requests to the local network are not allowed';
  }
  return undefined;
}

function invalidUrl(message: string): ApiError {
  return new ApiError(422, { message: { url: [message] } });
}

function checkedUrl(ctx: RequestContext, raw: string | undefined): string {
  if (raw === undefined || raw === '') throw new ApiError(400, { error: 'url is missing' });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidUrl('is blocked: Only allowed schemes are http, https');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidUrl('is blocked: Only allowed schemes are http, https');
  }
  const problem = ctx.world.allowLocalNetworkHooks ? undefined : localAddressProblem(url.hostname);
  if (problem) throw invalidUrl(`is blocked: ${problem}`);
  return raw;
}

function eventsFrom(body: Body, base: Record<HookEvent, boolean>): Record<HookEvent, boolean> {
  const events = { ...base };
  for (const name of HOOK_EVENTS) {
    const value = queryBool(body, name);
    if (value !== undefined) events[name] = value;
  }
  return events;
}

function maintainerProject(ctx: RequestContext): Project {
  const project = findProject(ctx);
  authorize(projectAccessLevel(ctx.world, ctx.user.id, project) >= ACCESS.maintainer);
  return project;
}

function findHook(ctx: RequestContext, project: Project): ProjectHook {
  const id = Number(ctx.params.hook_id);
  const hook = ctx.world.hooks.find((h) => h.id === id && h.projectId === project.id);
  if (!hook) throw notFound('Hook');
  return hook;
}

export function hookRoutes(): Route[] {
  return [
    route('GET', '/projects/:id/hooks', (ctx) => {
      const project = maintainerProject(ctx);
      const hooks = ctx.world.hooks.filter((h) => h.projectId === project.id);
      const page = paginate(hooks.map(hookEntity), ctx);
      return ok(page.items, 200, page.headers);
    }),
    route('GET', '/projects/:id/hooks/:hook_id', (ctx) => {
      const project = maintainerProject(ctx);
      return ok(hookEntity(findHook(ctx, project)));
    }),
    route('POST', '/projects/:id/hooks', (ctx) => {
      const project = maintainerProject(ctx);
      const url = checkedUrl(ctx, bodyString(ctx.body, 'url'));
      // push_events defaults to true in GitLab's table; the rest to false.
      const defaults = Object.fromEntries(
        HOOK_EVENTS.map((name) => [name, name === 'push_events']),
      ) as Record<HookEvent, boolean>;
      const hook = ctx.world.addHook({
        projectId: project.id,
        url,
        name: bodyString(ctx.body, 'name') ?? '',
        token: bodyString(ctx.body, 'token') ?? null,
        enableSslVerification: queryBool(ctx.body, 'enable_ssl_verification') ?? true,
        events: eventsFrom(ctx.body, defaults),
      });
      return ok(hookEntity(hook), 201);
    }),
    route('PUT', '/projects/:id/hooks/:hook_id', (ctx) => {
      const project = maintainerProject(ctx);
      const hook = findHook(ctx, project);
      const url = bodyString(ctx.body, 'url');
      if (url !== undefined) hook.url = checkedUrl(ctx, url);
      const token = bodyString(ctx.body, 'token');
      if (token !== undefined) hook.token = token === '' ? null : token;
      const name = bodyString(ctx.body, 'name');
      if (name !== undefined) hook.name = name;
      const ssl = queryBool(ctx.body, 'enable_ssl_verification');
      if (ssl !== undefined) hook.enableSslVerification = ssl;
      hook.events = eventsFrom(ctx.body, hook.events);
      return ok(hookEntity(hook));
    }),
    route('DELETE', '/projects/:id/hooks/:hook_id', (ctx) => {
      const project = maintainerProject(ctx);
      const hook = findHook(ctx, project);
      ctx.world.hooks.splice(ctx.world.hooks.indexOf(hook), 1);
      return { status: 204 };
    }),
  ];
}
