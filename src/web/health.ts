import type { FastifyInstance } from 'fastify';
import type { HealthBounds, HealthState } from '../pipeline/health.js';
import { LAST_CYCLE_KEY, type LastCycle, type Store } from '../store/index.js';

export interface HealthOptions {
  store: Store;
  now: () => Date;
  /** A cycle older than this makes /readyz fail (when `cycles` is not given). */
  maxCycleAgeMs: number;
  /** The process's own record of its cycles (`run`); with it, /healthz can fail. */
  cycles?: { state: () => Readonly<HealthState>; bounds: HealthBounds };
}

type Check = { ok: boolean; detail: string };

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/**
 * /healthz: the process is alive and its cycles finish (it fails when none
 * has for several schedule periods: a stuck or failing process is never
 * reported healthy). /readyz: the database can be written, the last cycle is
 * recent and did not fail, and GitLab answered in it.
 */
export function healthRoutes(app: FastifyInstance, options: HealthOptions): void {
  app.get('/healthz', async (_request, reply) => {
    const cycles = options.cycles;
    if (!cycles) return { status: 'ok' };
    const state = cycles.state();
    const since = state.lastFinishedAt ?? state.startedAt;
    const quiet = options.now().getTime() - since;
    if (quiet <= cycles.bounds.stuckAfterMs) return { status: 'ok' };
    const what =
      state.lastFinishedAt === undefined
        ? 'no cycle has finished since the start'
        : `no cycle has finished for ${seconds(quiet)}`;
    return reply.code(503).send({
      status: 'stuck',
      detail: state.lastFailure
        ? `${what}; the last one failed: ${state.lastFailure.message}`
        : what,
    });
  });

  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, Check> = {};
    try {
      options.store.meta.setMeta('readyz-probe', options.now().toISOString());
      checks.database = { ok: true, detail: 'writable' };
    } catch (error) {
      checks.database = {
        ok: false,
        detail: `not writable: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    const last = lastCycle(options.store);
    checks.cycle = cycleCheck(options, last);
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
}

function lastCycle(store: Store): LastCycle | undefined {
  try {
    const raw = store.meta.getMeta(LAST_CYCLE_KEY);
    return raw ? (JSON.parse(raw) as LastCycle) : undefined;
  } catch {
    return undefined;
  }
}

function cycleCheck(options: HealthOptions, last: LastCycle | undefined): Check {
  const now = options.now().getTime();
  const state = options.cycles?.state();
  if (
    state &&
    options.cycles &&
    state.failuresInARow >= options.cycles.bounds.failuresForNotReady
  ) {
    return {
      ok: false,
      detail: `${state.failuresInARow} cycles in a row failed: ${state.lastFailure?.message ?? 'unknown'}`,
    };
  }
  const finished = state?.lastFinishedAt ?? (last ? Date.parse(last.at) : undefined);
  const maxAge = options.cycles?.bounds.maxCycleAgeMs ?? options.maxCycleAgeMs;
  if (finished === undefined) return { ok: false, detail: 'no cycle has finished yet' };
  const age = now - finished;
  return {
    ok: age <= maxAge,
    detail: `last cycle ${seconds(age)} ago${age > maxAge ? ` (expected within ${seconds(maxAge)})` : ''}`,
  };
}
