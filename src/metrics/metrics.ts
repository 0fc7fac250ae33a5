import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/index.js';
import type { CycleReport } from '../pipeline/cycle.js';
import { LAST_CYCLE_KEY } from '../store/index.js';
import type { JobOutcome } from '../pipeline/process-job.js';
import type { RequestEvent } from '../gitlab/request.js';

/** The bot's Prometheus metrics, on a registry of their own. */
export interface Metrics {
  /** `text/plain; version=0.0.4; charset=utf-8`, for the /metrics response. */
  readonly contentType: string;
  /** One poll cycle: counts it by outcome, times it, and counts the new failed jobs it saw. */
  observeCycle(report: CycleReport, seconds: number): void;
  /** A cycle that threw instead of finishing. */
  observeCycleFailure(seconds: number): void;
  /** One GitLab API request, by read/write and status class. */
  observeRequest(event: RequestEvent): void;
  /** One processed job: its outcome, pattern and verdict, and the note it published. */
  observeOutcome(outcome: JobOutcome): void;
  /** A one-click fix was applied. */
  fixApplied(): void;
  /** The Prometheus text; incident and queue gauges are read from `store` now. */
  render(store: Store): Promise<string>;
}

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop, GC); default true. */
  defaultMetrics?: boolean;
  /**
   * The adapter's request timeout: a failed request without a status that took this long
   * is counted as a timeout rather than an error.
   */
  requestTimeoutMs?: number;
}

// `failed`: the cycle threw (a store error, an answer the bot cannot read), not a GitLab outage.
const CYCLE_OUTCOMES = ['ok', 'overlap', 'gitlab_error', 'failed'] as const;
const STATUS_CLASSES = ['2xx', '3xx', '4xx', '429', '5xx', 'timeout', 'error'] as const;
const REQUEST_KINDS = ['read', 'write'] as const;
const JOB_OUTCOMES = ['noted', 'recorded', 'unclassified', 'skipped'] as const;
const NOTE_ACTIONS = ['created', 'edited'] as const;
const QUEUE_STATUSES = ['pending', 'done', 'failed'] as const;
/** Audit findings still to act on: all but `allowed`. */
const OPEN_AUDIT_STATES = ['denied', 'denied-at-enforcement', 'unknown'] as const;

// Pattern ids and verdicts are kebab-case; anything else (a hand-edited row) is not a label.
const LABEL_VALUE = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

type CycleOutcome = (typeof CYCLE_OUTCOMES)[number];
type StatusClass = (typeof STATUS_CLASSES)[number];

/** The outcome label of a cycle report. */
export function cycleOutcome(report: CycleReport): CycleOutcome {
  if (report.skipped) return report.skipped;
  return report.problems.some((p) => p.where === 'GitLab') ? 'gitlab_error' : 'ok';
}

/** A bounded label for a request status. */
export function statusClass(
  status: RequestEvent['status'],
  ms: number,
  timeoutMs?: number,
): StatusClass {
  if (status === 'timeout') return 'timeout';
  if (status === 'error' || !Number.isInteger(status) || status < 200 || status > 599) {
    return timeoutMs !== undefined && ms >= timeoutMs ? 'timeout' : 'error';
  }
  if (status === 429) return '429';
  return `${Math.floor(status / 100)}xx` as StatusClass;
}

function labelValue(value: string | undefined, fallback: string): string {
  return value !== undefined && LABEL_VALUE.test(value) ? value : fallback;
}

/** Builds the metrics on a new Registry (never prom-client's global one). */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const cycles = new Counter({
    name: 'diagnoser_cycles_total',
    help: 'Poll cycles, by outcome (ok, overlap, gitlab_error, failed).',
    labelNames: ['outcome'],
    registers,
  });
  const cycleSeconds = new Histogram({
    name: 'diagnoser_cycle_duration_seconds',
    help: 'How long a poll cycle took, by outcome.',
    labelNames: ['outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const failedJobsSeen = new Counter({
    name: 'diagnoser_failed_jobs_seen_total',
    help: 'New failed jobs found by the poller and queued.',
    registers,
  });
  const deferred = new Counter({
    name: 'diagnoser_jobs_deferred_total',
    help: 'Jobs put back in the queue for a later cycle.',
    registers,
  });
  const givenUp = new Counter({
    name: 'diagnoser_jobs_given_up_total',
    help: 'Jobs that could not be diagnosed and were given up.',
    registers,
  });
  const processed = new Counter({
    name: 'diagnoser_jobs_processed_total',
    help: 'Failed jobs processed, by outcome (noted, recorded, unclassified, skipped).',
    labelNames: ['outcome'],
    registers,
  });
  const diagnosed = new Counter({
    name: 'diagnoser_jobs_diagnosed_total',
    help: 'Failed jobs whose log matched a pattern, by pattern and verdict.',
    labelNames: ['pattern', 'verdict'],
    registers,
  });
  const notes = new Counter({
    name: 'diagnoser_notes_total',
    help: 'Notes the bot posted (created) or edited on merge requests and commits.',
    labelNames: ['action'],
    registers,
  });
  const fixes = new Counter({
    name: 'diagnoser_fixes_applied_total',
    help: 'One-click fixes applied.',
    registers,
  });
  const requests = new Counter({
    name: 'diagnoser_gitlab_requests_total',
    help: 'GitLab API requests, by kind (read, write) and status class (2xx, 4xx, 429, 5xx, timeout, error).',
    labelNames: ['kind', 'status_class'],
    registers,
  });
  const requestSeconds = new Histogram({
    name: 'diagnoser_gitlab_request_duration_seconds',
    help: 'How long GitLab API requests took, by kind (read, write).',
    labelNames: ['kind'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const incidents = new Gauge({
    name: 'diagnoser_incidents',
    help: 'Incidents in the log, by pattern, verdict and status (read from the database at scrape time).',
    labelNames: ['pattern', 'verdict', 'status'],
    registers,
  });
  const queue = new Gauge({
    name: 'diagnoser_queue_jobs',
    help: 'Jobs in the durable queue, by status (pending, done, failed).',
    labelNames: ['status'],
    registers,
  });
  const lastCycle = new Gauge({
    name: 'diagnoser_last_cycle_timestamp_seconds',
    help: 'When the last poll cycle finished (Unix time); 0 before the first one.',
    registers,
  });

  const auditOpen = new Gauge({
    name: 'diagnoser_audit_open_findings',
    help: 'Open findings of the latest job token readiness audit, by state (denied: refused now; denied-at-enforcement: breaks at 18.0; unknown: allowlist unreadable). Absent before the first audit.',
    labelNames: ['state'],
    registers,
  });
  const auditAt = new Gauge({
    name: 'diagnoser_audit_timestamp_seconds',
    help: 'When the latest job token readiness audit ran (Unix time); absent before the first one.',
    registers,
  });

  // Known label values start at 0, so rates and alerts work before the first event.
  for (const outcome of CYCLE_OUTCOMES) cycles.inc({ outcome }, 0);
  for (const outcome of JOB_OUTCOMES) processed.inc({ outcome }, 0);
  for (const action of NOTE_ACTIONS) notes.inc({ action }, 0);
  for (const kind of REQUEST_KINDS) {
    for (const status_class of STATUS_CLASSES) requests.inc({ kind, status_class }, 0);
  }

  return {
    contentType: registry.contentType,
    observeCycle(report, seconds) {
      const outcome = cycleOutcome(report);
      cycles.inc({ outcome });
      if (Number.isFinite(seconds) && seconds >= 0) cycleSeconds.observe({ outcome }, seconds);
      failedJobsSeen.inc(report.newJobs);
      deferred.inc(report.deferred);
      givenUp.inc(report.failed);
    },
    observeCycleFailure(seconds) {
      cycles.inc({ outcome: 'failed' });
      if (Number.isFinite(seconds) && seconds >= 0) {
        cycleSeconds.observe({ outcome: 'failed' }, seconds);
      }
    },
    observeRequest(event) {
      const { kind } = event;
      requests.inc({
        kind,
        status_class: statusClass(event.status, event.ms, options.requestTimeoutMs),
      });
      if (Number.isFinite(event.ms) && event.ms >= 0) {
        requestSeconds.observe({ kind }, event.ms / 1000);
      }
    },
    observeOutcome(outcome) {
      processed.inc({ outcome: outcome.status });
      if (outcome.patternId !== undefined) {
        diagnosed.inc({
          pattern: labelValue(outcome.patternId, 'other'),
          verdict: labelValue(outcome.verdict, 'none'),
        });
      }
      const action = outcome.note?.action;
      if (action === 'created' || action === 'edited') notes.inc({ action });
    },
    fixApplied() {
      fixes.inc();
    },
    async render(store) {
      // Read and set synchronously, so a concurrent scrape never sees a half-filled gauge.
      incidents.reset();
      for (const row of store.stats.incidentCounts()) {
        incidents.inc(
          {
            pattern: labelValue(row.patternId, 'other'),
            verdict: labelValue(row.verdict, 'other'),
            status: row.status,
          },
          row.incidents,
        );
      }
      const counts = store.jobQueue.countJobs();
      for (const status of QUEUE_STATUSES) queue.set({ status }, counts[status]);
      lastCycle.reset();
      const last = store.meta.getMeta(LAST_CYCLE_KEY);
      const at = last === undefined ? Number.NaN : lastCycleTime(last);
      if (!Number.isNaN(at)) lastCycle.set(at / 1000);
      auditOpen.reset();
      auditAt.reset();
      const auditedAt = Date.parse(store.audit.latestAuditAt() ?? '');
      if (!Number.isNaN(auditedAt)) {
        auditAt.set(auditedAt / 1000);
        const counts = store.audit.auditStateCounts();
        for (const state of OPEN_AUDIT_STATES) {
          auditOpen.set({ state }, counts.find((c) => c.state === state)?.findings ?? 0);
        }
      }
      return registry.metrics();
    },
  };
}

function lastCycleTime(raw: string): number {
  try {
    const at = (JSON.parse(raw) as { at?: unknown }).at;
    return typeof at === 'string' ? Date.parse(at) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
