import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { register as globalRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createMetrics, cycleOutcome, statusClass } from '../../src/metrics/metrics.js';
import { openDatabase } from '../../src/store/index.js';
import { createWebServer } from '../../src/web/server.js';
import type { CycleReport } from '../../src/pipeline/cycle.js';
import { fillStoreWithBot, type FilledStore } from '../web/filled-store.js';

function family(families: PrometheusFamily[], name: string): PrometheusFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`no metric family ${name}`);
  return found;
}

function value(families: PrometheusFamily[], name: string, labels: Record<string, string> = {}) {
  const sample = family(families, name).metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  );
  return sample?.value === undefined ? undefined : Number(sample.value);
}

function report(overrides: Partial<CycleReport> = {}): CycleReport {
  return {
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:01.000Z',
    projects: 1,
    newJobs: 0,
    outcomes: [],
    deferred: 0,
    failed: 0,
    problems: [],
    ...overrides,
  };
}

describe('metrics after real bot cycles against the simulator', () => {
  let filled: FilledStore;
  let families: PrometheusFamily[];
  let text: string;

  beforeAll(async () => {
    filled = await fillStoreWithBot();
    const metrics = createMetrics({ requestTimeoutMs: 30_000 });
    // The wiring main.ts will do: every cycle, every outcome, every GitLab request.
    for (const r of filled.reports) {
      metrics.observeCycle(r, 0.42);
      for (const outcome of r.outcomes) metrics.observeOutcome(outcome);
    }
    for (const request of filled.h.sim.requests) {
      metrics.observeRequest({
        what: 'a request',
        kind: /^(?:GET|HEAD)$/.test(request.method) ? 'read' : 'write',
        status: request.status,
        ms: 12,
      });
    }
    metrics.observeRequest({ what: 'reading job 1', kind: 'read', status: 'error', ms: 31_000 });
    metrics.observeRequest({
      what: 'adding project 5 to the allowlist',
      kind: 'write',
      status: 201,
      ms: 40,
    });
    metrics.fixApplied();
    text = await metrics.render(filled.bot.store);
    families = parsePrometheusTextFormat(text);
  });

  afterAll(async () => {
    await filled.close();
  });

  it('is valid Prometheus text with HELP and TYPE for every family', () => {
    expect(families.length).toBeGreaterThan(20);
    for (const f of families) {
      expect(f.help, f.name).not.toBe('');
      expect(['COUNTER', 'GAUGE', 'HISTOGRAM', 'SUMMARY', 'UNTYPED']).toContain(f.type);
    }
  });

  it('counts cycles, their duration and the failed jobs they found', () => {
    expect(value(families, 'diagnoser_cycles_total', { outcome: 'ok' })).toBe(2);
    expect(value(families, 'diagnoser_cycles_total', { outcome: 'failed' })).toBe(0);
    const duration = family(families, 'diagnoser_cycle_duration_seconds');
    expect(duration.type).toBe('HISTOGRAM');
    expect(duration.metrics[0]?.buckets?.['+Inf']).toBe('2');
    // The parser drops a histogram's labels, sum and count (prom-client writes `le` first).
    expect(text).toContain('diagnoser_cycle_duration_seconds_count{outcome="ok"} 2');
    expect(text).toContain('diagnoser_cycle_duration_seconds_sum{outcome="ok"} 0.84');
    expect(value(families, 'diagnoser_failed_jobs_seen_total')).toBe(5);
  });

  it('counts diagnosed jobs by pattern and verdict, and the notes published', () => {
    expect(value(families, 'diagnoser_jobs_processed_total', { outcome: 'noted' })).toBe(5);
    expect(
      value(families, 'diagnoser_jobs_diagnosed_total', {
        pattern: 'registry-pull-denied',
        verdict: 'allowlist-missing',
      }),
    ).toBe(2);
    expect(
      value(families, 'diagnoser_jobs_diagnosed_total', {
        pattern: 'image-not-found',
        verdict: 'tag-not-found',
      }),
    ).toBe(1);
    expect(value(families, 'diagnoser_notes_total', { action: 'created' })).toBe(2);
    expect(value(families, 'diagnoser_notes_total', { action: 'edited' })).toBe(3);
    expect(value(families, 'diagnoser_fixes_applied_total')).toBe(1);
  });

  it('reads incidents and the queue from the database at scrape time', () => {
    expect(
      value(families, 'diagnoser_incidents', {
        pattern: 'registry-pull-denied',
        verdict: 'user-lacks-access',
        status: 'open',
      }),
    ).toBe(1);
    const total = family(families, 'diagnoser_incidents').metrics.reduce(
      (sum, m) => sum + Number(m.value),
      0,
    );
    expect(total).toBe(4);
    expect(value(families, 'diagnoser_queue_jobs', { status: 'done' })).toBe(5);
    expect(value(families, 'diagnoser_queue_jobs', { status: 'pending' })).toBe(0);
    expect(value(families, 'diagnoser_last_cycle_timestamp_seconds')).toBeGreaterThan(1.7e9);
  });

  it('counts GitLab requests by a bounded status class', () => {
    const requests = family(families, 'diagnoser_gitlab_requests_total');
    const reads = value(families, 'diagnoser_gitlab_requests_total', {
      kind: 'read',
      status_class: '2xx',
    });
    expect(reads).toBeGreaterThan(5);
    expect(
      value(families, 'diagnoser_gitlab_requests_total', { kind: 'write', status_class: '2xx' }),
    ).toBeGreaterThan(0);
    expect(
      value(families, 'diagnoser_gitlab_requests_total', { kind: 'read', status_class: 'timeout' }),
    ).toBe(1);
    const classes = new Set(requests.metrics.map((m) => m.labels?.status_class));
    expect([...classes].sort()).toEqual(['2xx', '3xx', '429', '4xx', '5xx', 'error', 'timeout']);
  });

  it('includes the Node process metrics, on its own registry', async () => {
    expect(families.map((f) => f.name)).toContain('process_cpu_user_seconds_total');
    expect(families.map((f) => f.name)).toContain('nodejs_eventloop_lag_seconds');
    expect(await globalRegistry.metrics()).not.toContain('diagnoser_');
  });

  it('is served at /metrics with the Prometheus content type, behind the admin token', async () => {
    const token = 'metrics-test-token-0123456789';
    const app = createWebServer({
      store: filled.bot.store,
      logger: silentLogger(),
      now: () => new Date(),
      maxCycleAgeMs: 60_000,
      host: '127.0.0.1',
      adminToken: token,
      metrics: createMetrics({ defaultMetrics: false }),
    });

    const refused = await app.inject({ url: '/metrics' });
    const served = await app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    });

    expect(refused.statusCode).toBe(401);
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(parsePrometheusTextFormat(served.body).map((f) => f.name)).toContain(
      'diagnoser_incidents',
    );
    await app.close();
  });
});

describe('metric labels', () => {
  it.each([
    [200, '2xx'],
    [204, '2xx'],
    [304, '3xx'],
    [404, '4xx'],
    [429, '429'],
    [503, '5xx'],
    [0, 'error'],
    [999, 'error'],
    ['error', 'error'],
    ['timeout', 'timeout'],
  ] as const)('status %j is class %s', (status, expected) => {
    expect(statusClass(status, 10, 30_000)).toBe(expected);
  });

  it('calls a slow failure without a status a timeout', () => {
    expect(statusClass('error', 30_000, 30_000)).toBe('timeout');
    expect(statusClass('error', 30_000)).toBe('error');
  });

  it.each([
    [report(), 'ok'],
    [report({ skipped: 'overlap' }), 'overlap'],
    [report({ problems: [{ where: 'GitLab', message: '503' }] }), 'gitlab_error'],
    [report({ problems: [{ where: 'team/app', message: 'gone' }] }), 'ok'],
  ])('cycle outcome %#', (r, expected) => {
    expect(cycleOutcome(r)).toBe(expected);
  });

  it('keeps label values bounded: odd pattern ids become "other"', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const store = openDatabase(':memory:');
    metrics.observeOutcome({
      jobId: 1,
      status: 'recorded',
      patternId: 'x'.repeat(200),
      verdict: 'bad verdict"\n',
    });
    metrics.observeRequest({
      what: 'reading project 12345 of group secret/path',
      kind: 'read',
      status: 200,
      ms: 5,
    });

    const families = parsePrometheusTextFormat(await metrics.render(store));

    expect(
      value(families, 'diagnoser_jobs_diagnosed_total', { pattern: 'other', verdict: 'none' }),
    ).toBe(1);
    const labels = families.flatMap((f) => f.metrics.flatMap((m) => Object.values(m.labels ?? {})));
    expect(labels.some((l) => l.includes('12345') || l.includes('secret'))).toBe(false);
    store.close();
  });

  it('gives each instance its own registry', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    const store = openDatabase(':memory:');
    a.fixApplied();

    const fromB = parsePrometheusTextFormat(await b.render(store));

    expect(value(fromB, 'diagnoser_fixes_applied_total')).toBe(0);
    store.close();
  });
});
