import fs from 'node:fs';
import type { Command } from 'commander';
import { parseDuration, retentionCutoffs } from '../config/index.js';
import { DEFAULT_RETENTION } from '../config/schema.js';
import { factText } from '../domain/diagnosis.js';
import { INCIDENT_STATUSES } from '../domain/lifecycle.js';
import {
  openDatabase,
  parseSince,
  type Incident,
  type PruneResult,
  type IncidentFilter,
  type Store,
} from '../store/index.js';
import { localConfigOrExit } from './config-or-exit.js';
import { CliExit } from './exit.js';
import {
  INCIDENT_CSV_HEADER,
  buildStats,
  createProgress,
  csvRow,
  formatPruneReport,
  formatStats,
  incidentCsvRow,
} from './incidents-report.js';

interface IncidentsOptions {
  config?: string;
  db?: string;
  json?: boolean;
  csv?: boolean;
  all?: boolean;
  since?: string;
  pattern?: string;
  verdict?: string;
  status?: string;
  project?: string;
  limit?: string;
}

interface PruneOptions extends IncidentsOptions {
  olderThan?: string;
  vacuum?: boolean;
  dryRun?: boolean;
}

/** The most rows listIncidents gives at once; `--all` pages through in these steps. */
const PAGE = 1000;
/** Incidents removed per transaction, so the bot is never locked out for long. */
const PRUNE_BATCH = 500;

function openStoreOrExit(options: { config?: string; db?: string }): Store {
  return openDatabase(localConfigOrExit(options).databasePath);
}

function sinceOrExit(since: string | undefined, now: Date): string | undefined {
  if (since === undefined) return undefined;
  try {
    return parseSince(since, now);
  } catch (error) {
    throw new CliExit(2, `--since: ${(error as Error).message}`);
  }
}

function filterOrExit(options: IncidentsOptions, now: Date): IncidentFilter {
  const since = sinceOrExit(options.since, now);
  const status =
    options.status === undefined ? undefined : INCIDENT_STATUSES.find((s) => s === options.status);
  if (options.status !== undefined && status === undefined) {
    throw new CliExit(
      2,
      `--status: "${options.status}" is not one of ${INCIDENT_STATUSES.join(', ')}`,
    );
  }
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > PAGE)) {
    throw new CliExit(2, `--limit: "${options.limit}" is not a whole number from 1 to ${PAGE}`);
  }
  return {
    ...(since ? { since } : {}),
    ...(options.pattern ? { patternId: options.pattern } : {}),
    ...(options.verdict ? { verdict: options.verdict } : {}),
    ...(status ? { status } : {}),
    ...(options.project ? { projectPath: options.project } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
}

/** The incidents to print: one page, or with `--all` every match, page by page. */
function* incidentsToPrint(
  store: Store,
  filter: IncidentFilter,
  all: boolean,
): Generator<Incident> {
  if (!all) {
    yield* store.incidents.listIncidents(filter);
    return;
  }
  for (let offset = 0; ; offset += PAGE) {
    const page = store.incidents.listIncidents({ ...filter, limit: PAGE, offset });
    yield* page;
    if (page.length < PAGE) return;
  }
}

/** Progress lines only for a person at a terminal, never into a file or a pipe. */
function onTerminal(): boolean {
  return process.stdout.isTTY === true && process.stderr.isTTY === true;
}

/** The database file and its write-ahead log, in bytes; undefined for `:memory:`. */
function sizeOnDisk(path: string): number | undefined {
  if (path === ':memory:') return undefined;
  let total = 0;
  for (const file of [path, `${path}-wal`]) {
    try {
      total += fs.statSync(file).size;
    } catch {
      // no -wal file: nothing to add
    }
  }
  return total;
}

export function registerIncidentsCommand(program: Command): void {
  const incidents = program
    .command('incidents')
    .description('the incident log, newest first')
    .option('--config <file>', 'YAML configuration file (or DIAGNOSER_CONFIG)')
    .option('--db <file>', 'SQLite incident log (or DIAGNOSER_DB)')
    .option('--json', 'one JSON object per incident and line')
    .option('--csv', 'CSV with a header row (RFC 4180), safe to open in a spreadsheet')
    .option('--all', 'every matching incident, not only the first --limit')
    .option('--since <when>', 'only incidents seen since: 7d, 24h, 2025-05-01 or an ISO time')
    .option('--pattern <id>', 'only this pattern')
    .option('--verdict <verdict>', 'only this verdict')
    .option('--status <status>', 'open, fixed, closed or error')
    .option('--project <path>', 'the failing project or the one owning the image')
    .option('--limit <n>', `at most this many (default 100, at most ${PAGE})`)
    .action((options: IncidentsOptions) => {
      if (options.json && options.csv) throw new CliExit(2, 'Choose one of --json and --csv.');
      const filter = filterOrExit(options, new Date());
      const store = openStoreOrExit(options);
      try {
        const list = incidentsToPrint(store, filter, options.all === true);
        if (options.json) {
          for (const incident of list) {
            process.stdout.write(`${JSON.stringify(publicIncident(incident))}\n`);
          }
          return;
        }
        if (options.csv) {
          process.stdout.write(csvRow(INCIDENT_CSV_HEADER));
          for (const incident of list) process.stdout.write(incidentCsvRow(incident));
          return;
        }
        const rows = [...list];
        if (rows.length === 0) {
          process.stdout.write('No incidents recorded.\n');
          return;
        }
        process.stdout.write(formatTable(rows));
      } finally {
        store.close();
      }
    });

  incidents
    .command('show')
    .description('one incident: evidence, checks, jobs, notes and the full action trail')
    .argument('<id>', 'incident number')
    .option('--json', 'as one JSON object')
    .action((id: string, _options: { json?: boolean }, command: Command) => {
      const options = command.optsWithGlobals<IncidentsOptions>();
      const store = openStoreOrExit(options);
      try {
        const incident = store.incidents.getIncident(Number(id));
        if (!incident) throw new CliExit(1, `No incident #${id}.`);
        const trail = {
          incident: publicIncident(incident),
          occurrences: store.occurrences.listOccurrences(incident.id),
          notes: store.notes.listNotesForIncident(incident.id),
          actions: store.actions.listActions(incident.id),
        };
        if (options.json) {
          process.stdout.write(`${JSON.stringify(trail)}\n`);
          return;
        }
        process.stdout.write(formatIncident(trail));
      } finally {
        store.close();
      }
    });

  incidents
    .command('stats')
    .description(
      'counts per pattern, verdict and day, and the median time from failure to note and from note to fix',
    )
    .option('--since <when>', 'only incidents seen since: 7d, 24h, 2025-05-01 or an ISO time')
    .option('--json', 'as one JSON object')
    .action((_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<IncidentsOptions>();
      const since = sinceOrExit(options.since, new Date());
      const store = openStoreOrExit(options);
      const progress = createProgress(process.stderr, onTerminal());
      try {
        progress.update('Reading the incident log…');
        const stats = buildStats({
          since: since ?? null,
          counts: store.stats.incidentCounts(since),
          daily: store.stats.dailyCounts(since),
          timings: store.stats.timings(since),
        });
        progress.clear();
        process.stdout.write(options.json ? `${JSON.stringify(stats)}\n` : formatStats(stats));
      } finally {
        progress.clear();
        store.close();
      }
    });

  incidents
    .command('prune')
    .description(
      'retention: remove closed and fixed incidents (with their jobs, note records and actions) with no activity for a while',
    )
    .option(
      '--older-than <age>',
      `e.g. 90d or 12w (default: the retention setting, or ${DEFAULT_RETENTION})`,
    )
    .option(
      '--vacuum',
      'then rewrite the file so the space goes back to the disk (slow on big files)',
    )
    .option('--dry-run', 'only say what would be removed')
    .action((_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<PruneOptions>();
      const config = localConfigOrExit(options);
      const olderThan = options.olderThan ?? config.retention ?? DEFAULT_RETENTION;
      try {
        parseDuration(olderThan);
      } catch (error) {
        throw new CliExit(2, `--older-than: ${(error as Error).message}`);
      }
      // The nightly prune's rule: --older-than stands in for the incident retention only.
      const cut = retentionCutoffs({ ...config, retention: olderThan }, new Date());
      const before = cut.before.toISOString();
      const audit = cut.auditBefore ? { auditBefore: cut.auditBefore } : {};
      const store = openDatabase(config.databasePath);
      const progress = createProgress(process.stderr, onTerminal());
      try {
        const result = options.dryRun
          ? store.retention.pruneIncidents(before, { dryRun: true, ...audit })
          : pruneInBatches(store, before, audit, (removed) =>
              progress.update(`Pruning… ${removed} incidents removed`),
            );
        let vacuum: { bytesBefore: number | undefined; bytesAfter: number | undefined } | undefined;
        if (options.vacuum && !options.dryRun) {
          const bytesBefore = sizeOnDisk(store.path);
          progress.update('Vacuuming (rewriting the database file)…');
          store.retention.vacuum();
          vacuum = { bytesBefore, bytesAfter: sizeOnDisk(store.path) };
        }
        progress.clear();
        process.stdout.write(
          formatPruneReport({
            result,
            dryRun: options.dryRun === true,
            olderThan,
            before,
            ...(config.auditRetention ? { auditRetention: config.auditRetention } : {}),
            ...(vacuum ? { vacuum } : {}),
          }),
        );
      } finally {
        progress.clear();
        store.close();
      }
    });
}

function pruneInBatches(
  store: Store,
  before: string,
  audit: { auditBefore?: Date },
  onBatch: (removed: number) => void,
) {
  const total: PruneResult = {
    incidents: 0,
    occurrences: 0,
    actions: 0,
    notesDeleted: 0,
    notesUpdated: 0,
    writesKept: 0,
    queuedJobs: 0,
    auditRemoved: 0,
  };
  for (;;) {
    const batch = store.retention.pruneIncidents(before, { limit: PRUNE_BATCH, ...audit });
    for (const key of Object.keys(total) as (keyof PruneResult)[]) total[key] += batch[key];
    onBatch(total.incidents);
    if (batch.incidents < PRUNE_BATCH) return total;
  }
}

function publicIncident(incident: Incident) {
  const { diagnosis: _diagnosis, ...rest } = incident;
  return rest;
}

function formatTable(list: Incident[]): string {
  const rows = list.map((i) => [
    `#${i.id}`,
    i.lastSeenAt.slice(0, 16).replace('T', ' '),
    i.status,
    i.patternId,
    i.verdict,
    String(i.occurrences),
    i.targetProjectPath ? `${i.projectPath} → ${i.targetProjectPath}` : i.projectPath,
  ]);
  const header = ['id', 'last seen', 'status', 'pattern', 'verdict', 'jobs', 'project'];
  const widths = header.map((h, c) =>
    Math.max(h.length, ...rows.map((r) => (r[c] as string).length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] as number))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

function formatIncident(trail: {
  incident: ReturnType<typeof publicIncident>;
  occurrences: {
    jobId: number;
    jobName: string;
    jobUrl: string;
    failedAt: string;
    mrIid: number | null;
  }[];
  notes: { url: string; updatedAt: string }[];
  actions: {
    createdAt: string;
    kind: string;
    actor: string | null;
    status: string;
    detail: Record<string, unknown>;
  }[];
}): string {
  const i = trail.incident;
  const out = [
    `Incident #${i.id}: ${i.summary}`,
    `  pattern ${i.patternId}, verdict ${i.verdict}, status ${i.status}`,
    `  project ${i.projectPath}${i.targetProjectPath ? `, owner of the resource ${i.targetProjectPath}` : ''}`,
    `  first seen ${i.firstSeenAt}, last seen ${i.lastSeenAt}, ${i.occurrences} failed job(s)`,
  ];
  if (i.evidence) {
    out.push(
      '',
      `Evidence (line ${i.evidence.lineNumber}, ${i.evidence.runnerPrefix ? 'runner' : 'script output'}):`,
      `  ${i.evidence.line}`,
    );
  }
  const fields = Object.entries(i.fields);
  if (fields.length) out.push('', 'Fields:', ...fields.map(([k, v]) => `  ${k}: ${v}`));
  if (i.checks.length) {
    out.push('', 'Checks:', ...i.checks.map((c) => `  [${c.result}] ${factText(c.detail)}`));
  }
  out.push(
    '',
    'Failed jobs:',
    ...trail.occurrences.map(
      (o) =>
        `  ${o.failedAt}  ${o.jobName} #${o.jobId}${o.mrIid ? ` (!${o.mrIid})` : ''}  ${o.jobUrl}`,
    ),
  );
  if (trail.notes.length) {
    out.push('', 'Notes:', ...trail.notes.map((n) => `  ${n.url} (updated ${n.updatedAt})`));
  }
  out.push('', 'Action trail:');
  if (trail.actions.length === 0) out.push('  (none)');
  for (const a of trail.actions) {
    out.push(
      `  ${a.createdAt}  ${a.kind}  ${a.status}${a.actor ? `  by ${a.actor}` : ''}  ${factText(JSON.stringify(a.detail))}`,
    );
  }
  return `${out.join('\n')}\n`;
}
