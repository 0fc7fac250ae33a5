import { GitlabTransientError, errorMessage } from '../../errors.js';
import { planFailedPipelines } from '../../gitlab/failed-pipelines-plan.js';
import type { DiscoveryFeatures, GitlabPort } from '../../gitlab/port.js';
import type { Logger } from '../../log.js';
import type { Problem } from '../pause.js';

/**
 * How the poll finds failed jobs:
 * - `instance`: one GraphQL list of the whole instance's failed jobs (an
 *   admin's token), about one request a cycle, with a sweep of every project
 *   now and then for the failures it may miss;
 * - `batched`: GraphQL, the failed jobs of pipelines updated since the last
 *   sweep, for up to 100 projects per query;
 * - `per-project`: REST, one request per project (any GitLab, any token).
 */
export type DiscoveryMode = 'instance' | 'batched' | 'per-project';

/** The setting: a mode, or `auto` for the cheapest one the instance and token allow. */
export type DiscoverySetting = 'auto' | DiscoveryMode;

export interface Discovery {
  mode: DiscoveryMode;
  /** Whether the batched sweep is available (the instance mode sweeps with it too). */
  batched: boolean;
  /** The highest query complexity GitLab allows the bot. */
  maxComplexity: number;
}

const NO_GRAPHQL: DiscoveryFeatures = {
  instanceJobs: false,
  failedPipelines: false,
  maxComplexity: 0,
};

/**
 * Decides the mode from what the instance offers (GraphQL introspection) and
 * who the bot is (an admin or not), and decides again after `ttlMs` or when
 * told a mode stopped working. A setting the instance cannot honour is said
 * once and the best available mode is used instead.
 */
export function createModeChooser(
  gitlab: GitlabPort,
  setting: DiscoverySetting,
  ttlMs: number,
  now: () => Date,
  logger: Logger,
) {
  let cached: { discovery: Discovery; until: number } | undefined;
  let lastSaid = '';

  function choose(
    features: DiscoveryFeatures,
    admin: boolean,
  ): { mode: DiscoveryMode; why?: string } {
    const instance = admin && features.instanceJobs;
    const best: DiscoveryMode = instance
      ? 'instance'
      : features.failedPipelines
        ? 'batched'
        : 'per-project';
    if (setting === 'auto' || setting === best || setting === 'per-project') {
      return { mode: setting === 'per-project' ? 'per-project' : best };
    }
    if (setting === 'instance') {
      const why = !admin
        ? "the bot's token is not an administrator's"
        : 'this GitLab has no GraphQL jobs(statuses:) query';
      return { mode: best, why };
    }
    if (features.failedPipelines) return { mode: 'batched' };
    return { mode: best, why: 'this GitLab has no GraphQL pipelines(updatedAfter:) query' };
  }

  return {
    async current(problems: Problem[]): Promise<Discovery> {
      if (cached && cached.until > now().getTime()) return cached.discovery;
      let features = NO_GRAPHQL;
      if (setting !== 'per-project') {
        try {
          features = await gitlab.discoveryFeatures();
          // A limit too low for the smallest batch is as good as no batched query.
          if (!planFailedPipelines(features.maxComplexity)) {
            features = { ...features, failedPipelines: false };
          }
        } catch (error) {
          if (error instanceof GitlabTransientError) throw error;
          problems.push({
            where: 'GraphQL',
            message: `${errorMessage(error)}; listing failed jobs project by project`,
          });
        }
      }
      const admin = features.instanceJobs ? (await gitlab.currentUser()).isAdmin === true : false;
      const { mode, why } = choose(features, admin);
      const discovery = {
        mode,
        batched: features.failedPipelines,
        maxComplexity: features.maxComplexity,
      };
      const said = `${mode}:${why ?? ''}`;
      if (said !== lastSaid) {
        if (why) {
          problems.push({
            where: 'discovery setting',
            message: `${setting} is not possible: ${why}; using ${mode}`,
          });
        }
        logger.info(
          { mode, setting, maxComplexity: features.maxComplexity },
          'finding failed jobs',
        );
        lastSaid = said;
      }
      cached = { discovery, until: now().getTime() + ttlMs };
      return discovery;
    },
    /** Decide again at the next cycle (a GraphQL query stopped working). */
    forget() {
      cached = undefined;
    },
  };
}
