import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { openDatabase, type Incident, type Store } from '../store/index.js';
import { CliExit } from './exit.js';

interface IncidentsOptions {
  config?: string;
  db?: string;
  json?: boolean;
  since?: string;
  pattern?: string;
  verdict?: string;
  status?: string;
  project?: string;
  limit?: string;
}

function openStoreOrExit(options: { config?: string; db?: string }): Store {
  const result = loadConfig({
    requireGitlab: false,
    ...(options.config ? { file: options.config } : {}),
    ...(options.db
      ? { overrides: { databasePath: options.db }, overrideLabels: { databasePath: '--db' } }
      : {}),
  });
  if (!result.config) throw new CliExit(2, result.errors.map((e) => e.message).join('\n'));
  return openDatabase(result.config.databasePath);
}

export function registerIncidentsCommand(program: Command): void {
  const incidents = program
    .command('incidents')
    .description('the incident log, newest first')
    .option('--config <file>', 'YAML configuration file (or DIAGNOSER_CONFIG)')
    .option('--db <file>', 'SQLite incident log (or DIAGNOSER_DB)')
    .option('--json', 'one JSON object per incident and line')
    .option('--since <iso-date>', 'only incidents seen at or after this time')
    .option('--pattern <id>', 'only this pattern')
    .option('--verdict <verdict>', 'only this verdict')
    .option('--status <status>', 'open, fixed, closed or error')
    .option('--project <path>', 'the failing project or the one owning the image')
    .option('--limit <n>', 'at most this many (default 100)')
    .action((options: IncidentsOptions) => {
      const store = openStoreOrExit(options);
      try {
        const list = store.incidents.listIncidents({
          ...(options.since ? { since: options.since } : {}),
          ...(options.pattern ? { patternId: options.pattern } : {}),
          ...(options.verdict ? { verdict: options.verdict } : {}),
          ...(options.status ? { status: options.status as Incident['status'] } : {}),
          ...(options.project ? { projectPath: options.project } : {}),
          ...(options.limit ? { limit: Number(options.limit) } : {}),
        });
        if (options.json) {
          for (const incident of list) {
            process.stdout.write(`${JSON.stringify(publicIncident(incident))}\n`);
          }
          return;
        }
        if (list.length === 0) {
          process.stdout.write('No incidents recorded.\n');
          return;
        }
        process.stdout.write(formatTable(list));
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
    out.push('', 'Checks:', ...i.checks.map((c) => `  [${c.result}] ${c.detail}`));
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
      `  ${a.createdAt}  ${a.kind}  ${a.status}${a.actor ? `  by ${a.actor}` : ''}  ${JSON.stringify(a.detail)}`,
    );
  }
  return `${out.join('\n')}\n`;
}
