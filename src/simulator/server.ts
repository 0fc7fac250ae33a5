/**
 * The simulator's HTTP server: GitLab REST v4 (the subset the bot uses) over node:http, on
 * loopback, backed by a `World`. Point `@gitbeaker/rest` at `sim.url`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fault } from './faults.js';
import { faultResponse, takeFault } from './faults.js';
import type { ApiResponse, Body, Query, RequestContext } from './http.js';
import { ApiError, parseBody, parseQuery, readBody } from './http.js';
import type { Route } from './router.js';
import { matchRoute } from './router.js';
import { startHookDelivery, type HookDelivery } from './hook-delivery.js';
import { discussionAndCommitRoutes } from './routes/discussions.js';
import { graphqlRoutes } from './routes/graphql.js';
import { hookRoutes } from './routes/hooks.js';
import { handleOAuth } from './routes/oauth.js';
import { oauthToken, scopeAllows } from './oauth.js';
import { packageRoutes } from './routes/packages.js';
import { instanceRoutes } from './routes/instance.js';
import { issueRoutes } from './routes/issues.js';
import { jobTokenScopeRoutes } from './routes/job-token-scope.js';
import { jobRoutes } from './routes/jobs.js';
import { mergeRequestRoutes } from './routes/merge-requests.js';
import { projectRoutes } from './routes/projects.js';
import { registryRoutes } from './routes/registry.js';
import { repositoryRoutes } from './routes/repository.js';
import type { User } from './types.js';
import type { World } from './world.js';
import { createWorld } from './world.js';

/** Options of `startSimulator`. */
export interface SimulatorOptions {
  /** The world to serve; a fresh empty one by default. */
  world?: World;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Interface; default 127.0.0.1 (loopback only). */
  host?: string;
}

/** One journal entry. */
export interface RecordedRequest {
  method: string;
  /** Raw request path as received (still percent-encoded), including `/api/v4`. */
  path: string;
  /** Parsed query (`scope[]` folded into `scope`, repeated keys as arrays). */
  query: Record<string, string | string[]>;
  /** Status answered; 0 while the request is still being handled, -1 if the connection was cut. */
  status: number;
  /** The status GitLab's handling gave a request whose answer a fault then replaced (`apply`). */
  appliedStatus?: number;
  /** The authenticated user, when the token was valid. */
  userId?: number;
  /** Parsed request body for requests that had one. */
  body?: Body;
  /** The bot's port method that made the request (its `X-Diagnoser-Call` header), when named. */
  call?: string;
}

/** A running simulator. */
export interface Simulator {
  /** e.g. `http://127.0.0.1:43567`; use as gitbeaker's `host`. */
  url: string;
  /** Live state; tests may mutate it directly. */
  world: World;
  /** Every request, in arrival order. */
  requests: RecordedRequest[];
  /** Requests to routes the simulator does not know (answered 501). */
  unhandled: RecordedRequest[];
  /** Injected failures, consumed in order (see `Fault`). */
  faults: Fault[];
  /**
   * Asked for a failure when no entry of `faults` matched: a test's own rule (e.g. the first
   * request of each kind fails). `apiPath` is the path after `/api/v4` (`/graphql` for GraphQL).
   */
  injectFault?: (request: {
    method: string;
    apiPath: string;
    body: unknown;
    /** See `RecordedRequest.call`. */
    call?: string;
  }) => Fault | undefined;
  /** Unexpected exceptions thrown by handlers (answered 500): a simulator bug if not empty. */
  errors: unknown[];
  /** Webhook deliveries attempted, oldest first (see `World.hooks`). */
  hookDeliveries: HookDelivery[];
  /** Resolves when no webhook delivery is in flight. */
  hooksSettled(): Promise<void>;
  close(): Promise<void>;
}

const API_PREFIX = '/api/v4';

/** Every route the simulator serves. Literal segments come before parameters where both fit. */
function allRoutes(): Route[] {
  return [
    ...instanceRoutes(),
    ...projectRoutes(),
    ...jobRoutes(),
    ...jobTokenScopeRoutes(),
    ...registryRoutes(),
    ...repositoryRoutes(),
    ...mergeRequestRoutes(),
    ...discussionAndCommitRoutes(),
    ...graphqlRoutes(),
    ...hookRoutes(),
    ...packageRoutes(),
    ...issueRoutes(),
  ];
}

/** `PRIVATE-TOKEN: …` or `Authorization: Bearer …`. */
function tokenOf(req: IncomingMessage): string | undefined {
  const privateToken = req.headers['private-token'];
  if (typeof privateToken === 'string' && privateToken !== '') return privateToken;
  const auth = req.headers.authorization;
  const bearer = auth === undefined ? undefined : /^Bearer\s+(?<token>\S+)$/i.exec(auth);
  return bearer?.groups?.token;
}

function send(res: ServerResponse, response: ApiResponse): void {
  if (res.destroyed || res.headersSent) return;
  const headers: Record<string, string> = { ...response.headers };
  if (response.status === 204) {
    res.writeHead(204, headers);
    res.end();
    return;
  }
  let payload: string;
  if (response.text !== undefined) {
    headers['Content-Type'] ??= 'text/plain';
    payload = response.text;
  } else {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(response.json ?? null);
  }
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers);
  res.end(payload);
}

/**
 * Starts the simulator.
 *
 * @example
 * const { world, ids } = seedStoryWorld();
 * const sim = await startSimulator({ world });
 * const api = new Gitlab({ host: sim.url, token: ids.tokens.bot });
 * // …
 * await sim.close();
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const world = options.world ?? createWorld();
  const host = options.host ?? '127.0.0.1';
  const routes = allRoutes();
  const timers = new Set<NodeJS.Timeout>();
  const hooks = startHookDelivery(world);
  const sim: Simulator = {
    url: '',
    world,
    requests: [],
    unhandled: [],
    faults: [],
    errors: [],
    hookDeliveries: hooks.deliveries,
    hooksSettled: hooks.settled,
    close: () => Promise.resolve(),
  };

  function answer(res: ServerResponse, record: RecordedRequest, response: ApiResponse): void {
    record.status = response.status;
    send(res, response);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const rawPath = url.pathname;
    const query: Query = parseQuery(url.searchParams);
    const record: RecordedRequest = { method, path: rawPath, query, status: 0 };
    const call = req.headers['x-diagnoser-call'];
    if (typeof call === 'string') record.call = call;
    sim.requests.push(record);

    let body: Body;
    try {
      body = parseBody(await readBody(req), req.headers['content-type']);
    } catch (error) {
      const response =
        error instanceof ApiError
          ? { status: error.status, json: error.payload }
          : { status: 400, json: { error: 'Bad request' } };
      answer(res, record, response);
      return;
    }
    if (Object.keys(body).length > 0) record.body = body;

    // GraphQL lives beside the REST API, at /api/graphql.
    const apiPath =
      rawPath === '/api/graphql'
        ? '/graphql'
        : rawPath.startsWith(`${API_PREFIX}/`)
          ? rawPath.slice(API_PREFIX.length)
          : '';

    if (!apiPath && rawPath.startsWith('/oauth/')) {
      const response = handleOAuth({
        world,
        method,
        path: rawPath,
        query,
        body,
        authorization: req.headers.authorization,
      });
      if (response) {
        answer(res, record, response);
        return;
      }
    }

    const fault = apiPath
      ? (takeFault(sim.faults, method, apiPath, body) ??
        sim.injectFault?.({ method, apiPath, body, ...(record.call ? { call: record.call } : {}) }))
      : undefined;
    if (fault && !fault.apply) {
      deliverFault(res, record, fault);
      return;
    }
    const response = serve(req, record, method, apiPath, rawPath, query, body);
    // A lost answer: GitLab did the work, the client never heard.
    if (fault) record.appliedStatus = response.status;
    if (fault) deliverFault(res, record, fault);
    else answer(res, record, response);
  }

  /** The fault's answer, after its delay; or no answer at all (`reset`). */
  function deliverFault(res: ServerResponse, record: RecordedRequest, fault: Fault): void {
    const deliver = () => {
      if (fault.reset) {
        record.status = -1;
        res.socket?.destroy();
      } else {
        answer(res, record, faultResponse(fault));
      }
    };
    if (fault.delayMs === undefined || fault.delayMs <= 0) {
      deliver();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      deliver();
    }, fault.delayMs);
    timers.add(timer);
  }

  /** What GitLab answers: the route's response, with its authentication and errors. */
  function serve(
    req: IncomingMessage,
    record: RecordedRequest,
    method: string,
    apiPath: string,
    rawPath: string,
    query: Query,
    body: Body,
  ): ApiResponse {
    const matched = apiPath ? matchRoute(routes, method, apiPath) : undefined;
    if (!matched) {
      sim.unhandled.push(record);
      return { status: 501, json: { message: '501 Not Implemented by the simulator' } };
    }

    const token = tokenOf(req);
    const grant =
      token === undefined ? undefined : oauthToken(world.oauth, token, world.now().getTime());
    const user: User | undefined =
      token === undefined
        ? undefined
        : (world.userByToken(token) ?? (grant ? world.user(grant.userId) : undefined));
    if (!user || user.state !== 'active') {
      return { status: 401, json: { message: '401 Unauthorized' } };
    }
    if (grant && !scopeAllows(grant.scopes, method, apiPath)) {
      return {
        status: 403,
        json: {
          error: 'insufficient_scope',
          error_description:
            'The request requires higher privileges than provided by the access token.',
          scope: 'api read_api',
        },
      };
    }
    record.userId = user.id;

    const ctx: RequestContext = {
      world,
      user,
      method,
      params: matched.params,
      query,
      body,
      origin: `http://${req.headers.host ?? new URL(sim.url).host}`,
      rawPath,
    };
    try {
      return matched.route.handler(ctx);
    } catch (error) {
      if (error instanceof ApiError) return { status: error.status, json: error.payload };
      sim.errors.push(error);
      return { status: 500, json: { message: '500 Internal Server Error' } };
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      sim.errors.push(error);
      send(res, { status: 500, json: { message: '500 Internal Server Error' } });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  sim.url = `http://${shownHost}:${address.port}`;
  sim.close = () =>
    new Promise<void>((resolve, reject) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      hooks.stop();
      server.close((error) => (error ? reject(error) : resolve()));
      // Keep-alive and hanging (delayed) connections would otherwise hold close() open.
      server.closeAllConnections();
    });
  return sim;
}
