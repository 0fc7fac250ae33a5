import { parseDuration, type RunConfig } from './config/index.js';
import { withCache } from './gitlab/cache.js';
import { createGitlabAdapter } from './gitlab/client.js';
import { mapGitlabError } from './gitlab/map-error.js';
import { withDryRun, type SkippedWrite } from './gitlab/dry-run.js';
import type { GitlabPort } from './gitlab/port.js';
import { createPauseBoard } from './gitlab/pauses.js';
import { DEFAULT_RETRY, type RetryPolicy } from './gitlab/retry.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { createLogger, type Logger } from './log.js';
import type { PatternLibrary } from './patterns/library.js';
import { loadLibrary } from './patterns/load.js';
import { builtinPatternDir } from './patterns/pattern-files.js';
import { type Store } from './store/index.js';
import { needsReopen, openReopenableDatabase, storeFailure } from './store/recover.js';
import { createPoller } from './pipeline/cycle.js';
import { storedPauses } from './pipeline/pause.js';
import { createWebhookSource, type WebhookSource } from './pipeline/discover/webhook.js';

export interface Bot {
  config: RunConfig;
  logger: Logger;
  store: Store;
  gitlab: GitlabPort;
  library: PatternLibrary;
  poller: ReturnType<typeof createPoller>;
  /** Takes GitLab's webhook deliveries; only when a webhook secret is set. */
  webhooks?: WebhookSource;
  metrics: Metrics;
  /** Values masked wherever text leaves the bot or is stored (its tokens). */
  secrets: readonly string[];
  /** Writes skipped in dry-run, newest last (also logged). */
  skippedWrites: SkippedWrite[];
  /** GitLab requests made so far (every call to the API, retries included). */
  requestCount(): number;
  /** Ends every GitLab request in flight and refuses new ones (shutdown). */
  abort(): void;
  /** A failed cycle's cause in the user's words: a database failure names the file and the fix. */
  describeFailure(error: unknown): string;
  /** Cures what can be cured after a failed cycle: a database opened read-only is opened again. */
  recover(error: unknown): void;
  close(): void;
}

export interface BotOptions {
  logger?: Logger;
  now?: () => Date;
  retry?: RetryPolicy;
  /** An already open store (tests, demo). */
  store?: Store;
  /** Prometheus metrics; by default a registry without process metrics. */
  metrics?: Metrics;
}

/**
 * Wires the bot from its configuration: patterns, store, GitLab adapter
 * (cached; in dry-run wrapped so nothing is written), and the poller.
 * Everything is created here and passed down; no module keeps state.
 */
export function createBot(config: RunConfig, options: BotOptions = {}): Bot {
  const secrets = [
    config.gitlabToken,
    config.adminToken,
    config.oauth.secret,
    config.webhookSecret,
  ].filter((s): s is string => !!s);
  const logger = options.logger ?? createLogger({ level: config.logLevel, secrets });
  const metrics =
    options.metrics ??
    createMetrics({ defaultMetrics: false, requestTimeoutMs: config.requestTimeoutMs });
  const library = loadLibrary([builtinPatternDir(), ...config.patternDirs]);
  const now = options.now ?? (() => new Date());
  // One clock for the poller and the queue, or due times drift apart.
  const own = options.store ? undefined : openReopenableDatabase(config.databasePath, { now });
  const store: Store = options.store ?? (own as Store);
  const skippedWrites: SkippedWrite[] = [];
  let requests = 0;
  const clock = () => now().getTime();
  const stopping = new AbortController();
  const pauses = createPauseBoard({
    now: clock,
    minPauseMs: (options.retry ?? DEFAULT_RETRY).maxDelayMs,
    ...storedPauses(store, config.gitlabUrl.replace(/\/+$/, ''), clock),
  });
  const http = createGitlabAdapter({
    url: config.gitlabUrl,
    token: config.gitlabToken,
    timeoutMs: config.requestTimeoutMs,
    pauses,
    now: clock,
    signal: stopping.signal,
    onRequest: (event) => {
      requests += 1;
      metrics.observeRequest(event);
    },
    ...(options.retry ? { retry: options.retry } : {}),
  });
  const cached = withCache(http, config.cacheTtlSeconds * 1000);
  const gitlab = config.dryRun
    ? withDryRun(cached, (write) => {
        skippedWrites.push(write);
        logger.info({ method: write.method, args: write.args }, 'dry-run: write skipped');
      })
    : cached;
  const inner = createPoller({
    gitlab,
    store,
    library,
    logger,
    now,
    metrics,
    maxLogBytes: config.maxLogBytes,
    secrets,
    settings: {
      watch: config.watch,
      lookbackMs: parseDuration(config.lookback),
      discovery: config.discovery,
      offerMaxAgeMs: parseDuration(config.offerMaxAge),
      review: { closeAfterMs: parseDuration(config.closeAfter) },
    },
  });
  const poller: typeof inner = {
    ...inner,
    async runCycle() {
      const started = performance.now();
      const report = await inner.runCycle().catch((error: unknown) => {
        metrics.observeCycleFailure((performance.now() - started) / 1000);
        throw error;
      });
      metrics.observeCycle(report, (performance.now() - started) / 1000);
      for (const outcome of report.outcomes) metrics.observeOutcome(outcome);
      return report;
    },
  };
  const worker = inner.worker;
  const webhooks = config.webhookSecret
    ? createWebhookSource(
        { store, logger, gitlab },
        {
          async kick() {
            const report = await worker.kick();
            for (const outcome of report.outcomes) metrics.observeOutcome(outcome);
            return report;
          },
          approve: worker.approve,
          feedback: worker.feedback,
        },
        inner.isWatched,
      )
    : undefined;
  return {
    config,
    logger,
    store,
    gitlab,
    library,
    poller,
    ...(webhooks ? { webhooks } : {}),
    metrics,
    secrets,
    skippedWrites,
    requestCount: () => requests,
    abort: () => stopping.abort(),
    describeFailure: (error) =>
      (storeFailure(error, config.databasePath) ?? mapGitlabError(error, { what: 'a cycle' }))
        .message,
    recover(error) {
      if (needsReopen(error)) own?.reopen();
    },
    close: () => store.close(),
  };
}
